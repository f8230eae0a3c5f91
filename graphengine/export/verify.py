"""``evidence verify``: recompute every hash of a bundle (folder or ``.zip``) against its manifest.

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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphengine.errors import ExportError
from graphengine.export.bundle import MANIFEST, sha256_file

__all__ = ["VerifyReport", "verify_bundle"]


@dataclass
class VerifyReport:
    """Outcome of a bundle verification.

    Attributes
    ----------
    path : Path
        The bundle checked.
    verified : list of str
        Files whose SHA-256 and size match the manifest.
    altered, missing, extra : list of str
        Files whose content changed, that the manifest lists but are gone, and that are present
        but not in the manifest.
    manifest_sha256 : str
        SHA-256 of ``manifest.json`` itself, to compare with the value recorded at export time.
    """

    path: Path
    verified: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    manifest_sha256: str = ""

    @property
    def ok(self) -> bool:
        """True when every listed file is present and unchanged and nothing was added."""
        return not (self.altered or self.missing or self.extra)

    def summary(self) -> str:
        """Return ``"verified N files"`` or ``"FAILED: altered X; missing Y; extra Z"``."""
        if self.ok:
            return f"verified {len(self.verified)} files"
        parts = [
            f"{label} {', '.join(names)}"
            for label, names in (
                ("altered", self.altered),
                ("missing", self.missing),
                ("extra", self.extra),
            )
            if names
        ]
        return "FAILED: " + "; ".join(parts)


def _read_folder(folder: Path) -> tuple[bytes, dict[str, bytes | Path]]:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise ExportError(f"{folder} has no {MANIFEST}; is it an evidence bundle?")
    members: dict[str, bytes | Path] = {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    }
    return manifest.read_bytes(), members


def _read_zip(path: Path) -> tuple[bytes, dict[str, bytes | Path]]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
            if MANIFEST not in names:
                raise ExportError(f"{path} has no {MANIFEST}; is it an evidence bundle?")
            members: dict[str, bytes | Path] = {
                n: archive.read(n) for n in sorted(names) if n != MANIFEST
            }
            return archive.read(MANIFEST), members
    except zipfile.BadZipFile as exc:
        raise ExportError(f"{path} is not a readable zip file ({exc})") from None


def _digest(member: bytes | Path) -> str:
    if isinstance(member, Path):
        return sha256_file(member)
    return hashlib.sha256(member).hexdigest()


def verify_bundle(path: str | Path) -> VerifyReport:
    """Recompute the SHA-256 of every file of a bundle and compare with its manifest.

    Parameters
    ----------
    path
        The bundle folder or its ``.zip``.

    Returns
    -------
    VerifyReport
        ``report.ok`` is True when nothing was altered, removed or added.

    Raises
    ------
    ExportError
        When ``path`` does not exist, has no manifest, or the manifest is not valid JSON.
    """
    bundle = Path(path)
    if bundle.is_dir():
        raw, members = _read_folder(bundle)
    elif bundle.is_file():
        raw, members = _read_zip(bundle)
    else:
        raise ExportError(f"bundle {bundle} does not exist")
    try:
        manifest: dict[str, Any] = json.loads(raw.decode("utf-8"))
        listed: dict[str, dict[str, Any]] = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ExportError(f"{bundle}/{MANIFEST} is not a valid manifest ({exc})") from None
    report = VerifyReport(path=bundle, manifest_sha256=hashlib.sha256(raw).hexdigest())
    for name in sorted(listed):
        if name not in members:
            report.missing.append(name)
        elif _digest(members[name]) != listed[name].get("sha256"):
            report.altered.append(name)
        else:
            report.verified.append(name)
    report.extra = sorted(set(members) - set(listed))
    return report
