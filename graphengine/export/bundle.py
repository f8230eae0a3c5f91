"""Evidence bundles: a folder (optionally zipped) of figures and data, sealed by ``manifest.json``.

The manifest records the SHA-256 and size of every file in the bundle (except itself), the
SHA-256 of every input dataset, the tool and library versions, the Neo4j server version when
the data came from Neo4j, the UTC time, the command line, the seed and the case label.
:func:`graphengine.export.verify.verify_bundle` recomputes the hashes later.

JSON is written canonically (sorted keys, two-space indent, UTF-8, final newline) and a zip
holds its members in sorted order with a fixed member date, so that two exports of the same
data differ only where the generation time is printed.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "b"
>>> folder.mkdir()
>>> _ = (folder / "a.txt").write_text("x")
>>> files = hash_files(folder)
>>> files["a.txt"]["sha256"][:12], files["a.txt"]["bytes"]
('2d711642b726', 1)
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import zipfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from graphengine import __version__
from graphengine.reprs import key_values_html, short_repr

__all__ = [
    "MANIFEST",
    "FORMAT",
    "Bundle",
    "sha256_file",
    "sha256_input",
    "hash_files",
    "dump_json",
    "library_versions",
    "write_manifest",
    "zip_folder",
]

MANIFEST = "manifest.json"
FORMAT = "graphengine-evidence-bundle/1"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass
class Bundle:
    """A written evidence bundle.

    Attributes
    ----------
    path : Path
        The bundle folder, or the ``.zip`` when zipped.
    manifest : dict
        The manifest as written.
    files : list of str
        Bundle-relative paths of every file listed in the manifest.
    """

    path: Path
    manifest: dict[str, Any] = field(repr=False)
    files: list[str] = field(default_factory=list)

    @property
    def manifest_sha256(self) -> str:
        """SHA-256 of ``manifest.json`` as written: record it in the case file."""
        return hashlib.sha256(dump_json(self.manifest).encode("utf-8")).hexdigest()

    def _facts(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "kind": self.manifest.get("kind"),
            "subject": self.manifest.get("subject"),
            "files": len(self.files),
            "created_utc": self.manifest.get("created_utc"),
            "manifest_sha256": self.manifest_sha256,
        }

    def __repr__(self) -> str:
        return short_repr("Bundle", self._facts())

    def _repr_html_(self) -> str:
        return key_values_html("Evidence bundle", self._facts())


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_input(path: Path) -> str:
    """:func:`sha256_file` of an input file, remembered per (path, size, modification time):
    every bundle of an investigation records the same inputs, which can be gigabytes. Never
    use it for files that are written and checked again (bundle members)."""
    stat = path.stat()
    return _sha256_input(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _sha256_input(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(Path(path))


def hash_files(folder: Path) -> dict[str, dict[str, Any]]:
    """Return ``{relative/posix/path: {"sha256", "bytes"}}`` for every file except the manifest."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel == MANIFEST:
            continue
        out[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return out


def dump_json(data: Any) -> str:
    """Return canonical JSON text: sorted keys, indent 2, non-ASCII kept, final newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n"


def library_versions() -> dict[str, str]:
    """Return the versions of graphengine, python, plotly, igraph, kaleido, pandas and networkx."""
    out = {"graphengine": __version__, "python": platform.python_version()}
    for dist in ("plotly", "igraph", "kaleido", "pandas", "networkx", "choreographer"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def write_manifest(folder: Path, fields: dict[str, Any]) -> Bundle:
    """Hash every file of ``folder`` and write ``manifest.json`` holding ``fields`` plus ``files``.

    Returns
    -------
    Bundle
        For ``folder``, with the manifest written.
    """
    files = hash_files(folder)
    manifest = {"format": FORMAT, **fields, "files": files}
    (folder / MANIFEST).write_text(dump_json(manifest), encoding="utf-8")
    return Bundle(path=folder, manifest=manifest, files=sorted(files))


def zip_folder(folder: Path, target: Path) -> Path:
    """Zip ``folder``'s files (sorted, fixed dates, deflated) into ``target``; return ``target``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return target
