"""Files in, files out: the public function behind ``graphengine traceback stitch``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from graphengine.errors import ConfigError
from graphengine.traceback.engines import make_engine
from graphengine.traceback.records import RECORD_COLUMNS, RecordFile, read_record_dir, record_sha256
from graphengine.traceback.stitch import read_providers, read_suspect_calls, stitch

__all__ = ["stitch_files", "side_file", "source_of"]


def side_file(out: Path, suffix: str) -> Path:
    """Return ``out`` with ``_suffix`` before its extension (``hops.csv`` -> ``hops_ambiguous.csv``)."""
    return out.with_name(f"{out.stem}_{suffix}{out.suffix or '.csv'}")


def source_of(files: list[RecordFile]) -> Any:
    """Return a ``record_source`` for :func:`stitch`: file names and SHA-256 of matched records."""

    def source(details: pd.DataFrame) -> tuple[list[str], list[str]]:
        names, shas = [], []
        for fid, line in zip(details["file_id"], details["line"], strict=True):
            rf = files[int(fid)]
            raw = rf.raw.iloc[int(line) - rf.first_line]
            names.append(rf.path.name)
            shas.append(record_sha256(raw[list(RECORD_COLUMNS)].tolist()))
        return names, shas

    return source


def _write_atomic(frames: dict[Path, pd.DataFrame]) -> None:
    """Write every frame to a temp file first, then rename them all (no half-written output)."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, frame in frames.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            os.close(fd)
            frame.to_csv(tmp, index=False, lineterminator="\n")
            temps.append((tmp, path))
        for tmp, path in temps:
            os.replace(tmp, path)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)


def stitch_files(
    records: str | Path,
    calls: str | Path,
    out: str | Path,
    *,
    providers: str | Path | None = None,
    ambiguous: str | Path | None = None,
    matches: str | Path | None = None,
    tolerance_s: float = 10.0,
    engine: str = "duckdb",
    spark_master: str | None = None,
    show_progress: bool | None = None,
) -> dict[str, Any]:
    """Validate the record folder and the calls, stitch, and write the hop table and side files.

    Returns
    -------
    dict
        Paths written and counters (suspect calls, hops, matched and ambiguous hops, record rows).

    Raises
    ------
    RecordFileError, InputFileError
        For the first bad record file or calls file; nothing is written.
    ConfigError
        For a bad tolerance or engine, or an ``--out`` that is a folder.
    """
    if not 0 < tolerance_s <= 3600:
        raise ConfigError(f"--tolerance {tolerance_s}: give seconds between 0 and 3600")
    out_p = Path(out)
    if out_p.is_dir():
        raise ConfigError(f"--out {out_p} is a folder; give the hop table's file name")
    calls_frame = read_suspect_calls(calls)
    countries = read_providers(providers)
    files, normalised = read_record_dir(records)
    options: dict[str, Any] = {"master": spark_master} if engine == "spark" else {}
    eng = make_engine(engine, normalised, **options)
    try:
        result = stitch(
            eng,
            calls_frame,
            countries=countries,
            tolerance_s=tolerance_s,
            record_source=source_of(files),
            show_progress=show_progress,
        )
    finally:
        eng.close()
    amb_p = Path(ambiguous) if ambiguous else side_file(out_p, "ambiguous")
    match_p = Path(matches) if matches else side_file(out_p, "matches")
    _write_atomic({out_p: result.hops, amb_p: result.ambiguous, match_p: result.matches})
    return {
        "engine": engine,
        "files": {"hops": str(out_p), "ambiguous": str(amb_p), "matches": str(match_p)},
        "record_files": len(files),
        "record_rows": len(normalised),
        **result.stats,
    }
