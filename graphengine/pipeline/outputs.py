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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphengine.errors import ExportError
from graphengine.export.bundle import MANIFEST, sha256_file
from graphengine.export.verify import (
    FileCheck,
    compare_files,
    safe_relative_name,
    verify_bundle,
)
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


def _members(folder: Path) -> dict[str, Path]:
    """The files a run wrote, by POSIX path relative to ``folder``: every file but
    ``investigation.json`` and the members of bundles (their ``manifest.json`` stands for them)."""
    bundles = _bundles(folder)
    found = {}
    for path in folder.rglob("*"):
        if not path.is_file() or path == folder / MARKER:
            continue
        if any(b in path.parents for b in bundles) and path.name != MANIFEST:
            continue
        found[path.relative_to(folder).as_posix()] = path
    return dict(sorted(found.items()))


def list_outputs(folder: Path) -> list[dict[str, Any]]:
    """Hash every file under ``folder`` except ``investigation.json`` and bundle members.

    Returns
    -------
    list of dict
        ``{"path": POSIX path relative to folder, "bytes": int, "sha256": hex}``, sorted by
        path; each bundle is represented by its ``manifest.json`` alone.
    """
    return [
        {"path": name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}
        for name, path in _members(folder).items()
    ]


@dataclass
class FolderCheck(FileCheck):
    """Outcome of :func:`verify_investigation`: the listed files (:class:`FileCheck`, ``path``
    is the investigation folder; bundle members are named by their path in the folder,
    ``evidence/ecosystem-3/...``), and the hash of the record itself.

    Attributes
    ----------
    record_sha256 : str
        SHA-256 of ``investigation.json`` itself, to compare with a copy recorded at run time.
    """

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
        return "FAILED: " + "; ".join(self.file_problems())


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
        if not isinstance(name, str) or not safe_relative_name(name):
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
    compare_files(check, listed, _members(folder))  # names what is there; hashes only the listed
    bundles = set(_bundles(folder))
    for name in list(check.verified):
        bundle = (folder / name).parent
        if Path(name).name != MANIFEST or bundle not in bundles:
            continue
        inner = verify_bundle(bundle)
        prefix = bundle.relative_to(folder).as_posix() + "/"
        check.altered += [prefix + n for n in inner.altered]
        check.missing += [prefix + n for n in inner.missing]
        check.extra += [prefix + n for n in inner.extra]
        check.verified += [prefix + n for n in inner.verified]
    return check
