"""``evidence verify``: recompute every hash of a bundle (folder or ``.zip``) against its manifest.

What is checked, in order (docs/evidence.md says what each proves and what it does not):

1. The container: a zip with two members of one name, an absolute or ``..`` path, or a link is
   refused outright, as is a folder holding a link (an extractor would see other bytes than
   the ones checked).
2. The manifest: valid JSON, a non-empty ``files`` map whose every entry is a safe relative path
   with a 64-hex ``sha256`` and a whole ``bytes`` count; anything else is refused.
3. Every listed file: present, same size, same SHA-256; no unlisted file.
4. With a public key: ``manifest.sig`` is a valid Ed25519 signature over the SHA-256 of the
   exact manifest bytes, so every manifest field (case label, subject, dataset hashes, file
   list) is signed content (:mod:`graphengine.export.signing`).
5. With an anchor (the platform's audit trail, later): the manifest SHA-256 is recorded there.

Examples
--------
>>> import tempfile, pathlib
>>> from graphengine.export.bundle import write_manifest
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "nodes.csv").write_text("a,b\\n")
>>> _ = write_manifest(folder, {"case_label": "X"})
>>> verify_bundle(folder).summary()
'verified 1 files'
>>> _ = (folder / "nodes.csv").write_text("a,c\\n")
>>> verify_bundle(folder).summary()
'FAILED: altered nodes.csv'
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from graphengine.errors import ExportError
from graphengine.export.bundle import MANIFEST, sha256_file
from graphengine.export.signing import (
    SIGNATURE,
    Anchor,
    PublicKey,
    SignatureCheck,
    check_signature,
)
from graphengine.reprs import key_values_html, short_repr

__all__ = ["FileCheck", "VerifyReport", "compare_files", "safe_relative_name", "verify_bundle"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class FileCheck:
    """The file-by-file part of a check against a list of hashes (see :func:`compare_files`).

    Attributes
    ----------
    path : Path
        What was checked.
    verified : list of str
        Files whose SHA-256 and size match the list.
    altered, missing, extra : list of str
        Files whose content or size changed, that the list names but are gone, and that are
        present but not listed.
    """

    path: Path
    verified: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def file_problems(self) -> list[str]:
        """Return ``["altered X, Y", "missing Z", ...]``: one part per non-empty kind."""
        return [
            f"{label} {', '.join(names)}"
            for label, names in (
                ("altered", self.altered),
                ("missing", self.missing),
                ("extra", self.extra),
            )
            if names
        ]


def compare_files(
    check: FileCheck,
    listed: Mapping[str, Mapping[str, Any]],
    members: Mapping[str, bytes | Path],
) -> None:
    """Sort every listed name into ``check``'s verified, altered or missing list (by its
    ``sha256`` and ``bytes``), and every member no entry names into ``extra``.

    ``members`` maps the names present to their bytes (a zip member) or their file.
    """
    for name in sorted(listed):
        if name not in members:
            check.missing.append(name)
            continue
        digest, size = _digest(members[name])
        if digest != listed[name].get("sha256") or size != listed[name].get("bytes"):
            check.altered.append(name)
        else:
            check.verified.append(name)
    check.extra += sorted(set(members) - set(listed))


@dataclass
class VerifyReport(FileCheck):
    """Outcome of a bundle verification: the files against the manifest (:class:`FileCheck`:
    ``path`` is the bundle), then the signature and the anchor.

    Attributes
    ----------
    manifest_sha256 : str
        SHA-256 of ``manifest.json`` itself, to compare with the value recorded at export time.
    signature : SignatureCheck or None
        Who signed and when, when a public key was given and the signature is valid.
    signature_error : str
        Why the signature was refused (a key was given), else ``""``.
    signed : bool
        Whether the bundle carries ``manifest.sig`` at all.
    anchor : str or None
        Where the audit trail records the manifest, when an anchor was given and knows it.
    anchor_error : str
        Why anchoring failed (an anchor was given), else ``""``.
    """

    manifest_sha256: str = ""
    signature: SignatureCheck | None = None
    signature_error: str = ""
    signed: bool = False
    anchor: str | None = None
    anchor_error: str = ""

    @property
    def ok(self) -> bool:
        """True when every listed file is present and unchanged, nothing was added, and the
        signature and anchor (when asked for) hold."""
        return not (
            self.altered or self.missing or self.extra or self.signature_error or self.anchor_error
        )

    def __repr__(self) -> str:
        return short_repr("VerifyReport", {"path": str(self.path), "result": self.summary()})

    def _repr_html_(self) -> str:
        return key_values_html(
            "Bundle verification",
            {"path": self.path, "result": self.summary(), "manifest_sha256": self.manifest_sha256},
        )

    def summary(self) -> str:
        """Return ``"verified N files"`` or ``"FAILED: altered X; missing Y; extra Z"``."""
        if self.ok:
            return f"verified {len(self.verified)} files"
        parts = self.file_problems()
        parts += [e for e in (self.signature_error, self.anchor_error) if e]
        return "FAILED: " + "; ".join(parts)


def safe_relative_name(name: str) -> bool:
    """True for a folder-relative POSIX path: not absolute, no ``..``, no backslash or drive
    letter (what a manifest may name)."""
    if not name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return False
    return all(
        part not in ("", ".", "..") for part in PurePosixPath(name).parts
    ) and not name.endswith("/")


def _read_folder(folder: Path) -> tuple[bytes, dict[str, bytes | Path]]:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise ExportError(f"{folder} has no {MANIFEST}; is it an evidence bundle?")
    links = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_symlink())
    if manifest.is_symlink() or links:
        raise ExportError(
            f"{folder}: refused, the bundle holds links ({', '.join(links) or MANIFEST})"
        )
    members: dict[str, bytes | Path] = {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    }
    return manifest.read_bytes(), members


def _check_zip_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse member names an extractor could resolve to other bytes than the ones checked."""
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if name in seen:
            raise ExportError(f"{path}: refused, the zip holds two members named {name!r}")
        seen.add(name)
        if not info.is_dir() and not safe_relative_name(name):
            raise ExportError(f"{path}: refused, member {name!r} is an absolute or parent path")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ExportError(f"{path}: refused, member {name!r} is a link")


def _read_zip(path: Path) -> tuple[bytes, dict[str, bytes | Path]]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_zip_members(path, infos)
            names = [i.filename for i in infos if not i.is_dir()]
            if MANIFEST not in names:
                raise ExportError(f"{path} has no {MANIFEST}; is it an evidence bundle?")
            members: dict[str, bytes | Path] = {
                n: archive.read(n) for n in sorted(names) if n != MANIFEST
            }
            return archive.read(MANIFEST), members
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ExportError(f"{path} is not a readable zip file ({exc})") from None


def _digest(member: bytes | Path) -> tuple[str, int]:
    if isinstance(member, Path):
        return sha256_file(member), member.stat().st_size
    return hashlib.sha256(member).hexdigest(), len(member)


def _listed_files(bundle: Path, raw: bytes) -> dict[str, dict[str, Any]]:
    """Parse the manifest and return its ``files`` map, refusing anything malformed."""
    where = f"{bundle}/{MANIFEST}"
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ExportError(f"{where} is not a valid manifest ({exc})") from None
    if not isinstance(manifest, dict):
        raise ExportError(f"{where} is not a valid manifest (not a JSON object)")
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise ExportError(f"{where} is not a valid manifest (no 'files' map)")
    if not listed:
        raise ExportError(f"{where} lists no files: there is nothing to verify")
    for name, entry in listed.items():
        if not safe_relative_name(name) or name in (MANIFEST, SIGNATURE):
            raise ExportError(f"{where}: file name {name!r} is not a bundle-relative path")
        if not isinstance(entry, dict):
            raise ExportError(f"{where}: the entry of {name!r} is not an object")
        sha, size = entry.get("sha256"), entry.get("bytes")
        if not isinstance(sha, str) or not _SHA256.match(sha):
            raise ExportError(f"{where}: the entry of {name!r} has no 64-hex 'sha256'")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ExportError(f"{where}: the entry of {name!r} has no whole 'bytes' count")
    return listed


def verify_bundle(
    path: str | Path, *, key: PublicKey | None = None, anchor: Anchor | None = None
) -> VerifyReport:
    """Recompute the SHA-256 and size of every file of a bundle and compare with its manifest.

    Parameters
    ----------
    path
        The bundle folder or its ``.zip``.
    key
        A trusted public key (:func:`graphengine.export.signing.load_public_key`); when given,
        ``manifest.sig`` must be a valid signature by it.
    anchor
        The audit-trail hook (:data:`graphengine.export.signing.Anchor`); when given, the
        manifest SHA-256 must be recorded there. Nothing provides one yet (the platform will).

    Returns
    -------
    VerifyReport
        ``report.ok`` is True when nothing was altered, removed or added and the signature and
        anchor asked for hold.

    Raises
    ------
    ExportError
        When ``path`` does not exist, has no manifest, the manifest or its ``files`` map is
        malformed or empty, or the container is refused (duplicate, absolute or parent member
        names, links).
    """
    bundle = Path(path)
    if bundle.is_dir():
        raw, members = _read_folder(bundle)
    elif bundle.is_file():
        raw, members = _read_zip(bundle)
    else:
        raise ExportError(f"bundle {bundle} does not exist")
    listed = _listed_files(bundle, raw)
    report = VerifyReport(path=bundle, manifest_sha256=hashlib.sha256(raw).hexdigest())
    signature = members.pop(SIGNATURE, None)
    report.signed = signature is not None
    compare_files(report, listed, members)
    if key is not None:
        if signature is None:
            report.signature_error = f"no {SIGNATURE}: the bundle is not signed"
        else:
            try:
                report.signature = check_signature(
                    raw, signature.read_bytes() if isinstance(signature, Path) else signature, key
                )
            except ExportError as exc:
                report.signature_error = str(exc)
    if anchor is not None:
        report.anchor = anchor(report.manifest_sha256)
        if report.anchor is None:
            report.anchor_error = f"manifest {report.manifest_sha256} is not in the audit trail"
    return report
