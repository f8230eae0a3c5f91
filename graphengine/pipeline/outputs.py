"""The sealed file list of an investigation folder, and its check.

:func:`list_outputs` hashes every file a run wrote (after the last of them is final) into the
``outputs`` list of ``investigation.json``; :func:`verify_investigation` recomputes them. Two
choices keep it small and sound:

- An evidence bundle (a folder under ``evidence/`` holding ``manifest.json``) already seals its
  own files, so only its ``manifest.json`` is listed; the check then runs
  :func:`graphengine.export.verify.verify_bundle` on the bundle, so one command covers the
  whole folder, bundle members included.
- ``investigation.json`` cannot list its own hash (it holds the list, and a generation time);
  the check prints its SHA-256 for the analyst to record, as ``evidence verify`` does for a
  bundle's ``manifest.json``.

Examples
--------
>>> import tempfile, pathlib, json
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "targets.csv").write_text("a,b\\n")
>>> [o["path"] for o in list_outputs(folder)]
['targets.csv']
>>> record = {"outputs": list_outputs(folder)}
>>> _ = (folder / "investigation.json").write_text(json.dumps(record))
>>> verify_investigation(folder).summary()
'1 files intact'
>>> _ = (folder / "targets.csv").write_text("a,c\\n")
>>> verify_investigation(folder).summary()
'FAILED: altered targets.csv'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphengine.errors import ExportError
from graphengine.export.bundle import MANIFEST, sha256_file
from graphengine.export.verify import verify_bundle
from graphengine.reprs import key_values_html, short_repr

__all__ = ["MARKER", "FolderCheck", "list_outputs", "verify_investigation"]

#: Written last into every investigation folder; a folder holding it may be overwritten by a
#: re-run (``investigate`` clears it first).
MARKER = "investigation.json"


def _bundles(folder: Path) -> list[Path]:
    evidence = folder / "evidence"
    if not evidence.is_dir():
        return []
    return sorted(p for p in evidence.iterdir() if p.is_dir() and (p / MANIFEST).is_file())


def list_outputs(folder: Path) -> list[dict[str, Any]]:
    """Hash every file under ``folder`` except ``investigation.json`` and bundle members.

    Returns
    -------
    list of dict
        ``{"path": POSIX path relative to folder, "bytes": int, "sha256": hex}``, sorted by
        path; each bundle is represented by its ``manifest.json`` alone.
    """
    bundles = _bundles(folder)
    rows = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path == folder / MARKER:
            continue
        if any(b in path.parents for b in bundles) and path.name != MANIFEST:
            continue
        rows.append(
            {
                "path": path.relative_to(folder).as_posix(),
                "bytes": path.stat().st_size,
                "sha256": sha256_file(path),
            }
        )
    return sorted(rows, key=lambda r: r["path"])


@dataclass
class FolderCheck:
    """Outcome of :func:`verify_investigation`.

    Attributes
    ----------
    path : Path
        The investigation folder.
    verified : list of str
        Listed files whose size and SHA-256 match.
    altered, missing, extra : list of str
        Listed files that changed or are gone, and files present but not listed. Bundle
        members are named by their path in the folder (``evidence/ecosystem-3/...``).
    record_sha256 : str
        SHA-256 of ``investigation.json`` itself, to compare with a copy recorded at run time.
    """

    path: Path
    verified: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    record_sha256: str = ""

    @property
    def ok(self) -> bool:
        """True when every listed file (and bundle member) is present and unchanged, and
        nothing was added."""
        return not (self.altered or self.missing or self.extra)

    def __repr__(self) -> str:
        return short_repr("FolderCheck", {"path": str(self.path), "result": self.summary()})

    def _repr_html_(self) -> str:
        return key_values_html(
            "Investigation folder check",
            {"path": self.path, "result": self.summary(), "record_sha256": self.record_sha256},
        )

    def summary(self) -> str:
        """Return ``"N files intact"`` or ``"FAILED: altered X; missing Y; extra Z"``."""
        if self.ok:
            return f"{len(self.verified)} files intact"
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


def _listed(folder: Path, raw: bytes) -> dict[str, dict[str, Any]]:
    where = folder / MARKER
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ExportError(f"{where} is not valid JSON ({exc})") from None
    outputs = record.get("outputs") if isinstance(record, dict) else None
    if not isinstance(outputs, list) or not outputs:
        raise ExportError(
            f"{where} records no output hashes (written by an older graphengine?); "
            "re-run the investigation to seal it"
        )
    listed: dict[str, dict[str, Any]] = {}
    for entry in outputs:
        name = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name.startswith("/") or ".." in Path(name).parts:
            raise ExportError(f"{where}: output entry {entry!r} has no folder-relative path")
        listed[name] = entry
    return listed


def verify_investigation(path: str | Path) -> FolderCheck:
    """Recompute the size and SHA-256 of every output listed in ``investigation.json``.

    Each listed bundle ``manifest.json`` that is intact is then checked against its bundle
    with :func:`~graphengine.export.verify.verify_bundle`.

    Returns
    -------
    FolderCheck
        ``check.ok`` is True when nothing listed was altered or removed and nothing was added.

    Raises
    ------
    ExportError
        When ``path`` has no ``investigation.json``, or it is not JSON or lists no outputs
        (an investigation written before outputs were hashed).
    """
    folder = Path(path)
    record = folder / MARKER
    if not record.is_file():
        raise ExportError(f"{folder} has no {MARKER}; is it an investigation folder?")
    raw = record.read_bytes()
    listed = _listed(folder, raw)
    check = FolderCheck(path=folder, record_sha256=hashlib.sha256(raw).hexdigest())
    for name, entry in sorted(listed.items()):
        file = folder / name
        if not file.is_file():
            check.missing.append(name)
        elif file.stat().st_size != entry.get("bytes") or sha256_file(file) != entry.get("sha256"):
            check.altered.append(name)
        else:
            check.verified.append(name)
    present = {o["path"] for o in list_outputs(folder)}
    check.extra = sorted(present - set(listed))
    for name in list(check.verified):
        bundle = (folder / name).parent
        if Path(name).name != MANIFEST or bundle not in _bundles(folder):
            continue
        inner = verify_bundle(bundle)
        prefix = bundle.relative_to(folder).as_posix() + "/"
        check.altered += [prefix + n for n in inner.altered]
        check.missing += [prefix + n for n in inner.missing]
        check.extra += [prefix + n for n in inner.extra]
        check.verified += [prefix + n for n in inner.verified]
    return check
