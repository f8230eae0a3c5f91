"""Synthetic traceback data with planted ecosystems: ground truth for tests, demo and benchmarks.

No public traceback data set exists, so graphengine is tested and benchmarked on data drawn here.
:func:`generate` writes, into one folder:

``hops.csv``
    The canonical hop table input (one row per hop; hop 0 = terminating provider).
``paths.csv``
    The same tracebacks as a path table (``path`` = providers origin > ... > terminating).
``rmd.csv``
    The provider registry in the RMD export's columns (``frn``, ``business_name``,
    ``implementation``, ``gateway_provider_choice``, ``intermediate_provider_choice``,
    ``removal_date``). Providers missing from the RMD have no row.
``truth.json``
    The planted world and the truth lists derived from the rows (definitions inside the file,
    in :data:`graphengine.synthetic.truth.DEFINITIONS` and in docs/synthetic.md).
``tracebacks_truth.csv``
    Per traceback: the ecosystem it was drawn from (or ``noise``), foreign or domestic origin,
    whether its gateway leaked in from another ecosystem, planted and observed hop counts.
``rmd_violations.csv``
    Every planted RMD violation: ``traceback_id, hop, upstream, downstream, call_time, reason``
    (canonical names), kept out of truth.json because it grows with the number of tracebacks.

The world (providers, ecosystems, planted behaviour) is drawn from its own random stream, so it
does not depend on ``tracebacks``; the traffic is drawn in fixed chunks, so memory stays flat.

Examples
--------
>>> import tempfile
>>> from graphengine.synthetic import generate
>>> with tempfile.TemporaryDirectory() as tmp:
...     data = generate(tmp, tracebacks=200, seed=3)
...     data.summary["tracebacks"], data.hops.name
(200, 'hops.csv')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graphengine import __version__
from graphengine.errors import ConfigError
from graphengine.progress import bar
from graphengine.synthetic import vocab
from graphengine.synthetic.config import GeneratorConfig
from graphengine.synthetic.traffic import (
    CHUNK,
    HOP_HEADER,
    PATH_HEADER,
    TRACEBACK_TRUTH_HEADER,
    VIOLATION_HEADER,
    Traffic,
)
from graphengine.synthetic.truth import build_truth
from graphengine.synthetic.world import World, build_world

__all__ = ["GeneratorConfig", "GeneratedDataset", "FILES", "generate", "write_rmd"]

#: role -> file name of everything :func:`generate` writes.
FILES: dict[str, str] = {
    "hops": "hops.csv",
    "paths": "paths.csv",
    "rmd": "rmd.csv",
    "truth": "truth.json",
    "tracebacks_truth": "tracebacks_truth.csv",
    "rmd_violations": "rmd_violations.csv",
}

RMD_HEADER = (
    "frn,business_name,implementation,gateway_provider_choice,intermediate_provider_choice,"
    "removal_date\n"
)


@dataclass(frozen=True)
class GeneratedDataset:
    """What :func:`generate` wrote: the file paths and a summary of the data."""

    out_dir: Path
    hops: Path
    paths: Path
    rmd: Path
    truth: Path
    tracebacks_truth: Path
    rmd_violations: Path
    config: GeneratorConfig
    summary: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """Return the files and summary as JSON-ready values (what the CLI prints)."""
        files = {k: str(getattr(self, k)) for k in FILES}
        return {"out_dir": str(self.out_dir), "files": files, "summary": self.summary}


def _coerce_start(start: dt.date | str) -> dt.date:
    if isinstance(start, dt.datetime):
        return start.date()
    if isinstance(start, dt.date):
        return start
    try:
        return dt.date.fromisoformat(str(start))
    except ValueError as exc:
        raise ConfigError(f"generator parameter start={start!r} must be a date YYYY-MM-DD") from exc


def generate(
    out_dir: str | Path,
    tracebacks: int | None = None,
    seed: int | None = None,
    ecosystems: int | None = None,
    start: dt.date | str | None = None,
    days: int | None = None,
    *,
    config: GeneratorConfig | None = None,
    show_progress: bool | None = None,
) -> GeneratedDataset:
    """Write a synthetic data set with planted ground truth into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing; existing files of the same names are replaced).
    tracebacks, seed, ecosystems, start, days
        Override the matching :class:`GeneratorConfig` fields when given.
    config
        All other knobs; defaults to ``GeneratorConfig()`` (the ITG's real scale).
    show_progress
        Force the stderr progress bar on or off (default: on when stderr is a terminal).

    Returns
    -------
    GeneratedDataset
        The paths of the six files and a summary (tracebacks, hops, mean path length, hub share,
        providers appearing, RMD violations).

    Raises
    ------
    ConfigError
        When a parameter is out of range, or ``out_dir`` is an existing file.
    """
    cfg = config or GeneratorConfig()
    overrides: dict[str, Any] = {
        "tracebacks": tracebacks,
        "seed": seed,
        "ecosystems": ecosystems,
        "start": _coerce_start(start) if start is not None else None,
        "days": days,
    }
    cfg = dataclasses.replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    cfg.validate()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder to write the data set into")
    out.mkdir(parents=True, exist_ok=True)

    # Two independent streams: the world must not depend on the number of tracebacks.
    world_seq, traffic_seq = np.random.SeedSequence(cfg.seed).spawn(2)
    world = build_world(cfg, np.random.default_rng(world_seq))
    traffic = Traffic(cfg, world, np.random.default_rng(traffic_seq))
    paths = {k: out / v for k, v in FILES.items()}
    handles = {
        k: paths[k].open("w", encoding="utf-8", newline="")
        for k in ("hops", "paths", "tracebacks_truth", "rmd_violations")
    }
    try:
        handles["hops"].write(HOP_HEADER)
        handles["paths"].write(PATH_HEADER)
        handles["tracebacks_truth"].write(TRACEBACK_TRUTH_HEADER)
        handles["rmd_violations"].write(VIOLATION_HEADER)
        with bar(cfg.tracebacks, "generate", unit="tb", disable=_disable(show_progress)) as b:
            for first in range(0, cfg.tracebacks, CHUNK):
                n = min(CHUNK, cfg.tracebacks - first)
                chunk = traffic.chunk(first, n)
                handles["hops"].write("".join(chunk.hops))
                handles["paths"].write("".join(chunk.paths))
                handles["tracebacks_truth"].write("".join(chunk.tracebacks))
                handles["rmd_violations"].write("".join(chunk.violations))
                b.update(n)
    finally:
        for h in handles.values():
            h.close()
    write_rmd(world, cfg, paths["rmd"])
    truth = build_truth(cfg, world, traffic.stats, dict(FILES), __version__)
    with paths["truth"].open("w", encoding="utf-8", newline="\n") as fh:
        json.dump(truth, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    return GeneratedDataset(out_dir=out, config=cfg, summary=truth["summary"], **paths)


def write_rmd(world: World, cfg: GeneratorConfig, path: Path) -> None:
    """Write the provider registry (RMD export columns) of ``world`` to ``path``.

    Providers not in the RMD get no row; removed providers keep their row with a
    ``removal_date``; extra filers that never carry traffic are included, as in the real export.
    Rows are sorted by business name.
    """
    rows = []
    for p in world.providers:
        if not p.in_rmd:
            continue
        removed = (
            (cfg.start + dt.timedelta(days=p.removed_day)).isoformat()
            if p.removed_day is not None
            else ""
        )
        rows.append(
            (p.name, p.frn, p.implementation, p.gateway_choice, p.intermediate_choice, removed)
        )
    for name, frn, impl in world.rmd_only:
        rows.append((name, frn, impl, "No", "No", ""))
    rows.sort(key=lambda r: (r[0].lower(), r[1]))
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(RMD_HEADER)
        for name, frn, impl, gw, inter, removed in rows:
            fh.write(f"{frn},{vocab.csv_field(name)},{impl},{gw},{inter},{removed}\n")


def _disable(show_progress: bool | None) -> bool | None:
    return None if show_progress is None else not show_progress
