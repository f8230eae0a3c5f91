"""One call per bundle kind: ``export_ecosystem``, ``export_provider``, ``export_traceback``.

Each takes a canonical hop frame (from files or from Neo4j), builds the node/edge tables, a
seeded layout and the figures, and writes an evidence bundle (see :mod:`.bundle`)::

    BUNDLE/
      manifest.json            SHA-256 of every file below, inputs, versions, time, seed, case
      figures/<name>.html      self-contained, offline
      figures/<name>.png|svg|pdf
      figures/<name>.plotly.json   the figure as plotly JSON (re-renderable)
      data/nodes.csv, data/edges.csv, data/network.graphml, data/timeline.csv
      layout.json              coordinates, algorithm, seed
      settings.json            export settings and the analysis settings, or
      query/*.cypher, query/parameters.json   when exported from Neo4j

Examples
--------
>>> settings = ExportSettings(formats=("html",), case_label="AG-2026-001")
>>> settings.static_formats()
()
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from graphengine.errors import ExportError
from graphengine.export import tables
from graphengine.export.bundle import (
    Bundle,
    dump_json,
    library_versions,
    sha256_input,
    write_manifest,
    zip_folder,
)
from graphengine.export.datafiles import write_network_files, write_table
from graphengine.export.exhibit import build_exhibit
from graphengine.export.figures import (
    FigureSize,
    TitleBlock,
    path_figure,
    timeline_figure,
)
from graphengine.export.fingerprint import dataset_fingerprint
from graphengine.export.formats import (
    STATIC_FORMATS,
    ImageJob,
    merge_pdfs,
    write_html_pages,
    write_static,
)
from graphengine.export.layout import Coordinates, layered_layout
from graphengine.export.redact import REDACTED, find_numbers, redact_hops
from graphengine.export.signing import load_private_key, sign_manifest
from graphengine.export.stamp import Stamp, add_stamp
from graphengine.schema import check_hops

__all__ = [
    "FORMATS",
    "HUB_DISPLAY_MODES",
    "ExportSettings",
    "Provenance",
    "export_ecosystem",
    "export_top_ecosystems",
    "export_provider",
    "export_traceback",
]

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("html", *STATIC_FORMATS)
#: fade: hubs drawn faded; collapse: all hubs merged into one node; hide: left out; show: as is.
HUB_DISPLAY_MODES: tuple[str, ...] = ("fade", "collapse", "hide", "show")


@dataclass(frozen=True)
class ExportSettings:
    """How a bundle is drawn and written; recorded in ``settings.json``.

    Attributes
    ----------
    formats : tuple of str
        Any of ``html``, ``png``, ``svg``, ``pdf``.
    case_label : str
        Printed in every title block and recorded in the manifest.
    redact_called_numbers : bool
        Remove every called number from every file of the bundle.
    zip : bool
        Write ``BUNDLE.zip`` instead of a folder.
    sign : Path or None
        Private key file (:func:`graphengine.export.signing.keygen`) to sign the manifest with
        (``manifest.sig``); not recorded in ``settings.json``.
    width, height, scale : int, int, float
        Static image size in CSS pixels (US Letter landscape, 11 x 8.5 in at 96 px per inch, by
        default; a PDF page is 0.75 pt per pixel), and the pixel ratio of PNGs (2 by default).
        The call-flow exhibits (ecosystem, provider) are always drawn on a Letter page.
    hubs : str
        One of ``HUB_DISPLAY_MODES``.
    hub_min_degree : int
        A provider with at least this many distinct neighbours is a hub, unless the ecosystem
        partition flags hubs itself (``is_hub``).
    k : int
        Neighbourhood depth, upstream and downstream, for provider exports.
    max_nodes : int
        Most providers drawn in a neighbourhood (busiest links kept; see
        :func:`graphengine.export.tables.trim_layers`); the title says when some were left out.
    seed : int
        Seed of the force-directed layout.
    """

    formats: tuple[str, ...] = FORMATS
    case_label: str = ""
    redact_called_numbers: bool = False
    zip: bool = False
    sign: Path | None = None
    width: int = 1056
    height: int = 816
    scale: float = 2.0
    hubs: str = "fade"
    hub_min_degree: int = 25
    k: int = 2
    max_nodes: int = 80
    seed: int = 42

    def __post_init__(self) -> None:
        if self.sign is not None:
            load_private_key(self.sign)  # a wrong key file fails before any work is done
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise ExportError(
                f"unknown --format {','.join(unknown)}; use any of {','.join(FORMATS)}"
            )
        if self.hubs not in HUB_DISPLAY_MODES:
            raise ExportError(
                f"unknown hub mode {self.hubs!r}; use one of {', '.join(HUB_DISPLAY_MODES)}"
            )
        if self.width < 200 or self.height < 200 or self.scale <= 0:
            raise ExportError("image size must be at least 200x200 pixels with a positive scale")
        if self.max_nodes < 2:
            raise ExportError(f"max_nodes must be at least 2, got {self.max_nodes}")
        if self.k < 1:
            raise ExportError(f"neighbourhood depth k must be at least 1, got {self.k}")

    def static_formats(self) -> tuple[str, ...]:
        """Return the requested formats that need a browser."""
        return tuple(f for f in self.formats if f in STATIC_FORMATS)


@dataclass
class Provenance:
    """Where the data came from, recorded in the manifest.

    Attributes
    ----------
    inputs : list of Path
        Input dataset files (hashed into the manifest).
    analysis : dict
        Analysis settings (e.g. the ecosystem detection ``params``).
    cypher : list of dict
        ``{"name", "text", "parameters"}`` of every Cypher query run (Neo4j exports).
    neo4j_server : str or None
        Neo4j server version and edition, when the data came from Neo4j.
    command_line : list of str or None
        The command line; ``sys.argv`` when omitted.
    """

    inputs: list[Path] = field(default_factory=list)
    analysis: dict[str, Any] = field(default_factory=dict)
    cypher: list[dict[str, Any]] = field(default_factory=list)
    neo4j_server: str | None = None
    command_line: list[str] | None = None


# --------------------------------------------------------------------------- helpers


def _utc_now(generated_at: dt.datetime | None) -> str:
    moment = generated_at or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _membership(partition: Any) -> tuple[dict[str, str], set[str] | None]:
    """Return ``({provider_key: ecosystem id as text}, hub keys or None)`` from any partition form.

    Accepts an ``EcosystemResult`` (``.providers``), a frame with ``provider_key`` and
    ``ecosystem`` (and optionally ``is_hub``), or a plain mapping.
    """
    frame = getattr(partition, "providers", partition)
    if isinstance(frame, pd.DataFrame):
        for col in ("provider_key", "ecosystem"):
            if col not in frame.columns:
                raise ExportError(f"ecosystem partition has no {col!r} column")
        members = {
            str(k): str(v)
            for k, v in zip(frame["provider_key"], frame["ecosystem"], strict=True)
            if not pd.isna(v)
        }
        hubs = None
        if "is_hub" in frame.columns:
            flags = frame["is_hub"].fillna(False).astype(bool)
            hubs = set(frame.loc[flags, "provider_key"].astype(str))
        return members, hubs
    if isinstance(partition, Mapping):
        return {str(k): str(v) for k, v in partition.items() if v is not None}, None
    raise ExportError("ecosystem partition must be an EcosystemResult, a frame or a mapping")


@dataclass(frozen=True)
class PreparedHops:
    """A hop frame checked, fingerprinted, redacted if asked, with its provider tables.

    Built once by :func:`prepare_hops` and passed to several :func:`export_ecosystem` calls
    on the same data: each of these steps reads the whole hop table, which at millions of
    hops costs far more than drawing one ecosystem.
    """

    hops: pd.DataFrame
    fingerprint: str
    forms: list[str]
    nodes: pd.DataFrame
    edges: pd.DataFrame
    redacted: bool
    hub_min_degree: int


def prepare_hops(hops: pd.DataFrame, settings: ExportSettings | None = None) -> PreparedHops:
    """Return ``hops`` prepared once for several ecosystem exports with ``settings``."""
    settings = settings or ExportSettings()
    ready, fingerprint, forms = _prepare(hops, settings)
    nodes, edges = tables.provider_tables(ready, hub_min_degree=settings.hub_min_degree)
    return PreparedHops(
        ready,
        fingerprint,
        forms,
        nodes,
        edges,
        settings.redact_called_numbers,
        settings.hub_min_degree,
    )


def _prepare(hops: pd.DataFrame, settings: ExportSettings) -> tuple[pd.DataFrame, str, list[str]]:
    """Check, fingerprint and (optionally) redact ``hops``."""
    check_hops(hops)
    fingerprint = dataset_fingerprint(hops)
    if settings.redact_called_numbers:
        redacted, forms = redact_hops(hops)
        return redacted, fingerprint, forms
    return hops, fingerprint, []


def _figure_json(fig: go.Figure) -> Any:
    return json.loads(pio.to_json(fig, validate=False, remove_uids=True))


@dataclass
class _Content:
    """Everything one bundle holds before it is written."""

    kind: str
    subject: str
    figures: list[tuple[str, go.Figure]]
    nodes: pd.DataFrame
    edges: pd.DataFrame
    node_key: str
    layout: dict[str, Any]
    timeline: pd.DataFrame | None = None
    #: figure name -> further pages (HTML: below the figure; PDF: following pages)
    extra_pages: dict[str, list[go.Figure]] = field(default_factory=dict)
    #: more data tables: file name under data/ -> frame
    extra_tables: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class _Built:
    """A bundle's content with the (possibly redacted) hops, fingerprint and time behind it."""

    content: _Content
    hops: pd.DataFrame
    fingerprint: str
    forms: list[str]
    generated: str


def _write_built(built: _Built, out: Path, settings: ExportSettings, prov: Provenance) -> Bundle:
    return _write(
        built.content,
        out,
        built.hops,
        built.fingerprint,
        built.forms,
        settings,
        prov,
        built.generated,
    )


def _stage(out: Path, settings: ExportSettings) -> tuple[Path, Path]:
    """Return (folder to write into, final path) after checking ``out`` is free."""
    final = out.with_suffix(".zip") if settings.zip and out.suffix != ".zip" else out
    if final.exists() and (final.is_file() or any(final.iterdir())):
        raise ExportError(f"{final} already exists; choose a new --out or remove it first")
    if settings.zip:
        final.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="graphengine-bundle-")) / final.stem, final
    return out, final


def _write(
    content: _Content,
    out: Path,
    hops: pd.DataFrame,
    fingerprint: str,
    forms: Sequence[str],
    settings: ExportSettings,
    provenance: Provenance,
    generated: str,
) -> Bundle:
    folder, final = _stage(Path(out), settings)
    figures_dir = folder / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    for name, fig in content.figures:
        pages = [fig, *content.extra_pages.get(name, [])]
        for i, page in enumerate(pages):
            suffix = "" if i == 0 else f"-page{i + 1}"
            (figures_dir / f"{name}{suffix}.plotly.json").write_text(
                dump_json(_figure_json(page)), encoding="utf-8"
            )
        if "html" in settings.formats:
            write_html_pages(pages, figures_dir / f"{name}.html", div_id=f"graphengine-{name}")
    write_network_files(content.nodes, content.edges, folder / "data", key=content.node_key)
    if content.timeline is not None:
        write_table(content.timeline, folder / "data" / "timeline.csv")
    for file_name, frame in content.extra_tables.items():
        write_table(frame, folder / "data" / file_name)
    (folder / "layout.json").write_text(dump_json(content.layout), encoding="utf-8")
    _write_settings(folder, settings, provenance)

    static_error: ExportError | None = None
    jobs = []
    merges: list[tuple[Path, list[Path]]] = []
    for name, fig in content.figures:
        for fmt in settings.static_formats():
            jobs.append(
                ImageJob(
                    fig,
                    figures_dir / f"{name}.{fmt}",
                    fmt,
                    *_size(fig, settings),
                    settings.scale if fmt == "png" else 1.0,  # a PDF page stays Letter
                )
            )
        extra = content.extra_pages.get(name, [])
        if "pdf" in settings.static_formats() and extra:
            parts = [figures_dir / f"{name}.pdf"]
            for i, page in enumerate(extra, start=2):
                part = folder / f".{name}-page{i}.pdf"
                jobs.append(ImageJob(page, part, "pdf", *_size(page, settings), 1.0))
                parts.append(part)
            merges.append((figures_dir / f"{name}.pdf", parts))
    try:
        write_static(jobs)
        for target, parts in merges:
            merge_pdfs(parts, target)
    except ExportError as exc:
        static_error = exc  # the HTML and data are still written and sealed
        for job in jobs:
            job.path.unlink(missing_ok=True)

    if forms:
        leaks = find_numbers(folder, forms)
        if leaks:  # a bug, never expected: do not leave a leaking bundle behind
            shutil.rmtree(folder)
            raise ExportError(f"redaction failed: a called number remains in {leaks[0][0]}")

    manifest_fields = {
        "kind": content.kind,
        "subject": content.subject,
        "case_label": settings.case_label,
        "created_utc": generated,
        "command_line": provenance.command_line
        if provenance.command_line is not None
        else list(sys.argv),
        "seed": settings.seed,
        "dataset_sha256": fingerprint,
        "inputs": [
            {
                "path": str(p),
                "name": Path(p).name,
                "sha256": sha256_input(Path(p)),
                "bytes": Path(p).stat().st_size,
            }
            for p in provenance.inputs
        ],
        "versions": library_versions(),
        "neo4j_server_version": provenance.neo4j_server,
        "redacted_called_numbers": bool(settings.redact_called_numbers),
        "static_images": "written" if static_error is None else f"not written: {static_error}",
        "hop_rows": len(hops),
    }
    if forms and any(f in dump_json(manifest_fields) for f in forms):
        shutil.rmtree(folder)
        raise ExportError("redaction failed: a called number is in the command line or input paths")
    bundle = write_manifest(folder, manifest_fields)
    if settings.sign is not None:
        sign_manifest(folder, load_private_key(settings.sign))
    if settings.zip:
        zip_folder(folder, final)
        shutil.rmtree(folder.parent)
        bundle = Bundle(path=final, manifest=bundle.manifest, files=bundle.files)
    if static_error is not None:
        raise ExportError(f"{static_error} (HTML and data were written to {final})")
    return bundle


def _stamped(stamp: Stamp) -> Any:
    """Return a function that prints ``stamp`` (page 1 of 1) on a figure and returns it."""

    def apply(fig: go.Figure) -> go.Figure:
        return add_stamp(fig, stamp, 1, 1)

    return apply


def _size(fig: go.Figure, settings: ExportSettings) -> tuple[int, int]:
    """A figure drawn for a fixed page keeps its size; the others take the settings'."""
    width, height = fig.layout.width, fig.layout.height
    if width and height:
        return int(width), int(height)
    return settings.width, settings.height


def _write_settings(folder: Path, settings: ExportSettings, provenance: Provenance) -> None:
    export_settings = {k: v for k, v in asdict(settings).items() if k != "sign"}
    recorded = {"export": export_settings, "analysis": provenance.analysis}
    (folder / "settings.json").write_text(dump_json(recorded), encoding="utf-8")
    if provenance.cypher:
        query_dir = folder / "query"
        query_dir.mkdir()
        params = {}
        for i, query in enumerate(provenance.cypher, start=1):
            name = f"{i:02d}-{query.get('name', 'query')}"
            (query_dir / f"{name}.cypher").write_text(
                str(query["text"]).rstrip() + "\n", encoding="utf-8"
            )
            params[name] = query.get("parameters", {})
        (query_dir / "parameters.json").write_text(dump_json(params), encoding="utf-8")


def _timeline(
    weeks: pd.DataFrame,
    subject: str,
    settings: ExportSettings,
    window: str,
    generated: str,
    fingerprint: str,
) -> tuple[str, go.Figure]:
    """The ``timeline`` figure of a bundle, with the same title block as its diagram."""
    title = TitleBlock(subject, settings.case_label, window, generated, fingerprint)
    size = FigureSize(width=settings.width, height=settings.height, left=70, bottom=110)
    fig = timeline_figure(weeks, title, size=size)
    add_stamp(fig, Stamp(settings.case_label, window, fingerprint, generated), 1, 1)
    return ("timeline", fig)


def _window(hops: pd.DataFrame, keys: set[str]) -> str:
    ids = hops.loc[hops["provider_key"].isin(keys), "traceback_id"].unique()
    return tables.data_window(hops[hops["traceback_id"].isin(ids)])


def _layout_record(
    algorithm: str, seed: int | None, coords: Coordinates, **extra: Any
) -> dict[str, Any]:
    return {
        "algorithm": algorithm,
        "seed": seed,
        "coordinates": {k: [x, y] for k, (x, y) in coords.items()},
        "space": "unit square; x to the right, y up",
        **extra,
    }


def _hub_set(nodes: pd.DataFrame, flagged: set[str] | None) -> set[str]:
    if flagged is not None:
        return flagged
    return set(tables.hub_keys(nodes))


def _apply_hubs(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    hops: pd.DataFrame,
    hubs: set[str],
    mode: str,
    keep: set[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mark hubs on the node table and apply the hub mode; never drop a key in ``keep``."""
    nodes = nodes.assign(hub=nodes["provider_key"].isin(hubs) & ~nodes["provider_key"].isin(keep))
    if mode == "hide":
        kept = nodes.loc[~nodes["hub"], "provider_key"]
        return tables.restrict(nodes, edges, kept)
    if mode == "collapse":
        return tables.collapse_hubs(nodes, edges, hops)
    if mode == "show":
        return nodes.assign(hub=False), edges
    return nodes, edges


# --------------------------------------------------------------------------- public API


def _build_ecosystem(
    hops: pd.DataFrame,
    partition: Any,
    ecosystem_id: int | str,
    settings: ExportSettings,
    generated_at: dt.datetime | None,
    prepared: PreparedHops | None = None,
) -> _Built:
    """Compute everything the ecosystem bundle holds; nothing is written.

    ``prepared`` (see :func:`prepare_hops`) saves the fingerprint and provider tables of the
    whole hop table when several ecosystems of one data set are exported.
    """
    if prepared is None:
        prepared = prepare_hops(hops, settings)
    elif (prepared.redacted, prepared.hub_min_degree) != (
        settings.redact_called_numbers,
        settings.hub_min_degree,
    ):
        raise ExportError("prepared hops were made with other redaction or hub settings")
    hops, fingerprint, forms = prepared.hops, prepared.fingerprint, prepared.forms
    members_of, flagged = _membership(partition)
    wanted = str(ecosystem_id)
    members = {k for k, e in members_of.items() if e == wanted}
    if not members:
        known = sorted(set(members_of.values()), key=lambda v: (len(v), v))[:10]
        raise ExportError(
            f"ecosystem {wanted!r} is not in the partition; known: {', '.join(known)}"
        )
    all_nodes, all_edges = prepared.nodes, prepared.edges
    hubs = _hub_set(all_nodes, flagged)
    # Hubs outside the ecosystem that exchange traffic with it are drawn as context.
    touching = set(all_edges.loc[all_edges["source"].isin(members), "target"]) | set(
        all_edges.loc[all_edges["target"].isin(members), "source"]
    )
    keys = members | (touching & hubs if settings.hubs != "hide" else set())
    context = len(keys - members)
    nodes, edges = tables.restrict(all_nodes, all_edges, keys)
    # links between two context hubs say nothing about this ecosystem: leave them out
    edges = edges[edges["source"].isin(members) | edges["target"].isin(members)]
    edges = edges.reset_index(drop=True)
    nodes = nodes.assign(hub=nodes["provider_key"].isin(hubs))
    if settings.hubs == "hide":
        nodes, edges = tables.restrict(nodes, edges, nodes.loc[~nodes["hub"], "provider_key"])
    window = _window(hops, members)
    generated = _utc_now(generated_at)
    stamp = Stamp(settings.case_label, window, fingerprint, generated)
    n_tracebacks = hops.loc[hops["provider_key"].isin(members), "traceback_id"].nunique()
    subject = f"Provider ecosystem {wanted}: {len(members)} providers, {n_tracebacks} tracebacks"
    if context:
        how = {"fade": "dotted", "collapse": "merged per lane", "show": "shown"}
        plural = "s" if context > 1 else ""
        subject += f" (+{context} adjacent hub{plural}, {how[settings.hubs]})"
    exhibit = build_exhibit(nodes, edges, hops, title=subject, stamp=stamp, hubs=settings.hubs)
    weeks = tables.weekly_campaigns(hops, members)
    figures = [
        ("ecosystem", exhibit.figure),
        _timeline(
            weeks,
            f"Tracebacks per week by campaign: ecosystem {wanted}",
            settings,
            window,
            generated,
            fingerprint,
        ),
    ]
    content = _Content(
        kind="ecosystem",
        subject=wanted,
        figures=figures,
        nodes=exhibit.nodes.assign(
            ecosystem=[members_of.get(k, "") for k in exhibit.nodes["provider_key"]]
        ),
        edges=exhibit.edges,
        node_key="provider_key",
        layout=exhibit.layout,
        timeline=weeks,
        extra_pages={"ecosystem": [exhibit.footnotes]},
        extra_tables={
            "diagram_nodes.csv": exhibit.diagram_nodes,
            "diagram_edges.csv": exhibit.diagram_edges,
        },
    )
    return _Built(content, hops, fingerprint, forms, generated)


def export_ecosystem(
    hops: pd.DataFrame,
    partition: Any,
    ecosystem_id: int | str,
    out: str | Path,
    *,
    settings: ExportSettings | None = None,
    provenance: Provenance | None = None,
    generated_at: dt.datetime | None = None,
    prepared: PreparedHops | None = None,
) -> Bundle:
    """Write the evidence bundle of one ecosystem: diagram, campaign timeline, data, manifest.

    Parameters
    ----------
    hops
        Canonical hop frame.
    partition
        ``EcosystemResult`` from :func:`graphengine.ecosystems.detect_ecosystems`, a frame with
        ``provider_key`` and ``ecosystem`` (optionally ``is_hub``), or ``{key: ecosystem}``.
    ecosystem_id
        The ecosystem to draw (compared as text, so ``3`` and ``"3"`` are the same).
    out
        Bundle folder (must not exist or be empty); ``.zip`` is added when zipping.
    settings, provenance
        See :class:`ExportSettings` and :class:`Provenance`.
    generated_at
        Generation time; now (UTC) when omitted.
    prepared
        :func:`prepare_hops` of the same ``hops`` and settings, shared by several exports.

    Returns
    -------
    Bundle

    Raises
    ------
    ExportError
        When the ecosystem is unknown, ``out`` is taken, or static images cannot be rendered
        (the HTML and data are still written and sealed).
    """
    settings = settings or ExportSettings()
    built = _build_ecosystem(hops, partition, ecosystem_id, settings, generated_at, prepared)
    return _write_built(built, Path(out), settings, provenance or Provenance())


def export_top_ecosystems(
    hops: pd.DataFrame,
    partition: Any,
    out_dir: str | Path,
    *,
    top: int = 3,
    settings: ExportSettings | None = None,
    provenance: Provenance | None = None,
    generated_at: dt.datetime | None = None,
) -> list[Bundle]:
    """Write one bundle per ecosystem for the ``top`` largest ecosystems (most providers).

    Bundles go to ``out_dir/ecosystem-<id>`` (or ``.zip``); ties in size go to the smaller id.
    See :func:`export_ecosystem` for the other parameters.

    Returns
    -------
    list of Bundle
        In rank order.
    """
    members, _ = _membership(partition)
    sizes: dict[str, int] = {}
    for eco in members.values():
        sizes[eco] = sizes.get(eco, 0) + 1
    ranked = sorted(sizes, key=lambda e: (-sizes[e], len(e), e))[:top]
    return [
        export_ecosystem(
            hops,
            partition,
            eco,
            Path(out_dir) / f"ecosystem-{eco}",
            settings=settings,
            provenance=provenance,
            generated_at=generated_at,
        )
        for eco in ranked
    ]


def _build_provider(
    hops: pd.DataFrame,
    provider: str,
    settings: ExportSettings,
    generated_at: dt.datetime | None,
) -> _Built:
    """Compute everything the provider bundle holds; nothing is written."""
    hops, fingerprint, forms = _prepare(hops, settings)
    all_nodes, all_edges = tables.provider_tables(hops, hub_min_degree=settings.hub_min_degree)
    focus = tables.resolve_provider(all_nodes, provider)
    hubs = _hub_set(all_nodes, None)
    layers = tables.neighbourhood(all_edges, focus, settings.k, stop_at=hubs)
    nodes, edges = tables.restrict(all_nodes, all_edges, layers)
    # hubs are marked here and merged per lane by the exhibit (collapse), or left out (hide)
    marking = "hide" if settings.hubs == "hide" else "fade"
    nodes, edges = _apply_hubs(nodes, edges, hops, hubs, marking, keep={focus})
    layers = {k: v for k, v in layers.items() if k in set(nodes["provider_key"])}
    # Keep the links that carry calls one layer to the right (upstream -> focus -> downstream);
    # links within a layer or backwards are other traffic between the neighbours.
    step = [
        layers.get(t, 0) - layers.get(s, 0) == 1
        for s, t in zip(edges["source"], edges["target"], strict=True)
    ]
    edges = edges[step].reset_index(drop=True)
    found = len(layers)
    layers = tables.trim_layers(layers, edges, settings.max_nodes)
    nodes, edges = tables.restrict(nodes, edges, layers)
    name = str(all_nodes.loc[all_nodes["provider_key"] == focus, "name"].iloc[0])
    window = _window(hops, {focus})
    generated = _utc_now(generated_at)
    stamp = Stamp(settings.case_label, window, fingerprint, generated)
    subject = f"Neighbourhood of {name}: {settings.k} hop(s) upstream and downstream" + (
        f" (busiest {len(layers)} of {found} providers)" if found > len(layers) else ""
    )
    hub_mode = "fade" if settings.hubs == "hide" else settings.hubs
    exhibit = build_exhibit(
        nodes, edges, hops, title=subject, stamp=stamp, hubs=hub_mode, focus=focus
    )
    weeks = tables.weekly_campaigns(hops, {focus})
    figures = [
        ("neighbourhood", exhibit.figure),
        _timeline(
            weeks,
            f"Tracebacks per week by campaign through {name}",
            settings,
            window,
            generated,
            fingerprint,
        ),
    ]
    content = _Content(
        kind="provider",
        subject=focus,
        figures=figures,
        nodes=exhibit.nodes.assign(layer=[layers[k] for k in exhibit.nodes["provider_key"]]),
        edges=exhibit.edges,
        node_key="provider_key",
        layout={**exhibit.layout, "layers": layers},
        timeline=weeks,
        extra_pages={"neighbourhood": [exhibit.footnotes]},
        extra_tables={
            "diagram_nodes.csv": exhibit.diagram_nodes,
            "diagram_edges.csv": exhibit.diagram_edges,
        },
    )
    return _Built(content, hops, fingerprint, forms, generated)


def export_provider(
    hops: pd.DataFrame,
    provider: str,
    out: str | Path,
    *,
    settings: ExportSettings | None = None,
    provenance: Provenance | None = None,
    generated_at: dt.datetime | None = None,
) -> Bundle:
    """Write the bundle of one provider's neighbourhood (``settings.k`` hops up and downstream).

    ``provider`` is a provider key or a printed name (any case). Hubs other than the provider
    are shown but not expanded. The bundle also holds the campaign timeline of the tracebacks
    through the provider. See :func:`export_ecosystem` for the other parameters.

    Raises
    ------
    ExportError
        When the provider is unknown (with the closest names), or as :func:`export_ecosystem`.
    """
    settings = settings or ExportSettings()
    built = _build_provider(hops, provider, settings, generated_at)
    return _write_built(built, Path(out), settings, provenance or Provenance())


def _build_traceback(
    hops: pd.DataFrame,
    traceback_id: str,
    settings: ExportSettings,
    generated_at: dt.datetime | None,
) -> _Built:
    """Compute everything the traceback bundle holds; nothing is written."""
    hops, fingerprint, forms = _prepare(hops, settings)
    nodes, edges = tables.path_tables(hops, traceback_id)
    chain = hops[hops["traceback_id"].astype(str) == str(traceback_id)].sort_values("hop")
    first = chain.iloc[0]
    call_time = pd.Timestamp(first["call_time"]).strftime("%Y-%m-%d %H:%M:%S UTC")
    layers = {k: i for i, k in enumerate(nodes["node_key"])}
    coords = layered_layout(layers, edges)
    generated = _utc_now(generated_at)

    def text(column: str) -> str:
        value = first[column]
        return "n/a" if pd.isna(value) else str(value)

    details = {
        "campaign": text("campaign"),
        "calling number": text("calling_number"),
        "called number": text("called_number") if not settings.redact_called_numbers else REDACTED,
    }
    campaign = "" if pd.isna(first["campaign"]) else f" ({first['campaign']})"
    title = TitleBlock(
        f"Traceback {traceback_id}{campaign}: call of {call_time}",
        settings.case_label,
        tables.data_window(chain),
        generated,
        fingerprint,
    )
    size = FigureSize(width=settings.width, height=settings.height, right=40, top=110, bottom=80)
    path_fig = path_figure(nodes, coords, title, details=details, size=size)
    stamp = Stamp(settings.case_label, tables.data_window(chain), fingerprint, generated)
    figures = [("traceback", add_stamp(path_fig, stamp, 1, 1))]
    content = _Content(
        kind="traceback",
        subject=str(traceback_id),
        figures=figures,
        nodes=nodes,
        edges=edges,
        node_key="node_key",
        layout=_layout_record("layered by hop, left to right", None, coords, layers=layers),
    )
    return _Built(content, hops, fingerprint, forms, generated)


def export_traceback(
    hops: pd.DataFrame,
    traceback_id: str,
    out: str | Path,
    *,
    settings: ExportSettings | None = None,
    provenance: Provenance | None = None,
    generated_at: dt.datetime | None = None,
) -> Bundle:
    """Write the bundle of one traceback's hop chain, from the customer to the terminating carrier.

    Each hop shows provider, role, response and attestation; the title carries the call time.
    See :func:`export_ecosystem` for the parameters.

    Raises
    ------
    ExportError
        When the traceback id is not in ``hops``, or as :func:`export_ecosystem`.
    """
    settings = settings or ExportSettings()
    built = _build_traceback(hops, traceback_id, settings, generated_at)
    return _write_built(built, Path(out), settings, provenance or Provenance())
