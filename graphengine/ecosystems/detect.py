"""Ecosystem mapping from canonical frames: :func:`detect_ecosystems` and
:func:`resolution_scan`.

:func:`detect_ecosystems` builds the weighted directed provider graph
(:mod:`graphengine.graph`), the role profile of every provider
(:mod:`~graphengine.ecosystems.provider_roles`), the consensus partition
(:mod:`~graphengine.ecosystems.partition`) and one summary row per ecosystem
(:mod:`~graphengine.ecosystems.summary`). The seed, every option and the library versions are
recorded in ``EcosystemResult.params``. ``docs/ecosystems.md`` explains the choices.
"""

from __future__ import annotations

import html
import platform
from dataclasses import asdict, dataclass, field
from typing import Any

import igraph as ig
import numpy as np
import pandas as pd

from graphengine import __version__
from graphengine.ecosystems.config import DetectionConfig, detection_config
from graphengine.ecosystems.consensus import LEIDEN_ITERATIONS
from graphengine.ecosystems.partition import partition_graph
from graphengine.ecosystems.paths import PATH_SHARE, attach_by_paths
from graphengine.ecosystems.provider_roles import provider_profiles
from graphengine.ecosystems.summary import summarize_ecosystems
from graphengine.graph import provider_graph

__all__ = ["EcosystemResult", "detect_ecosystems", "resolution_scan"]


def _versions() -> dict[str, str]:
    return {
        "graphengine": __version__,
        "igraph": ig.__version__,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


@dataclass
class EcosystemResult:
    """Ecosystems of one analysis, with everything needed to reproduce it.

    Attributes
    ----------
    providers : pandas.DataFrame
        One row per provider (none dropped): ``provider_key``, ``name``, ``ecosystem``
        (nullable int, 1 = largest), ``status`` (:data:`STATUSES`), ``stability``,
        ``is_hub``, ``hub_share``, ``participation``, ``degree`` and the role profile.
    ecosystems : pandas.DataFrame
        One row per ecosystem (see :func:`graphengine.ecosystems.summary.summarize_ecosystems`).
    params : dict
        Method, objective, resolution, runs, seed, hub rule, min size, consensus threshold,
        weight, quality of the consensus and library versions.
    graph : igraph.Graph
        The provider graph the analysis ran on (vertex ``name`` = provider key).
    co_assignment : pandas.DataFrame
        ``key_a``, ``key_b``, ``together``: share of runs that put the pair together.
    """

    providers: pd.DataFrame
    ecosystems: pd.DataFrame
    params: dict[str, Any]
    graph: ig.Graph = field(repr=False)
    co_assignment: pd.DataFrame = field(repr=False)

    def membership(self) -> dict[str, int | None]:
        """Return ``{provider_key: ecosystem or None}``."""
        eco = self.providers["ecosystem"]
        return {
            str(k): (None if pd.isna(v) else int(v))
            for k, v in zip(self.providers["provider_key"], eco, strict=True)
        }

    def _repr_html_(self) -> str:
        p = self.params
        counts = self.providers["status"].value_counts()
        head = (
            f"<p><b>{len(self.ecosystems)} ecosystems</b> over {len(self.providers)} providers "
            f"({int(counts.get('hub', 0))} hubs, {int(counts.get('attached_hub', 0))} attached "
            f"hubs, {int(counts.get('small', 0)) + int(counts.get('isolated', 0))} unassigned). "
            f"{html.escape(str(p['method']))} / {html.escape(str(p['objective']))}, "
            f"resolution {p['resolution']}, {p['runs']} runs, seed {p['seed']}, "
            f"hubs: {html.escape(str(p['hub_handling']['mode']))}.</p>"
        )
        return head + self.ecosystems.head(20).to_html(index=False)


def detect_ecosystems(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    config: DetectionConfig | None = None,
    *,
    graph: ig.Graph | None = None,
    **options: Any,
) -> EcosystemResult:
    """Map provider ecosystems from canonical frames.

    Parameters
    ----------
    hops : pandas.DataFrame
        Canonical hop frame.
    providers : pandas.DataFrame, optional
        Canonical provider frame (display names; listed providers are never dropped).
    config : DetectionConfig, optional
        Detection options (method, objective, resolution, runs, seed, hub_handling, min_size,
        consensus_threshold, split_threshold, weight); see :class:`DetectionConfig`.
    **options
        Fields of :class:`DetectionConfig` that override ``config``
        (``detect_ecosystems(hops, runs=5, hub_handling="none")``).
    graph : igraph.Graph, optional
        A provider graph already built for the same data (e.g. from Neo4j); built from
        ``hops`` when omitted.

    Returns
    -------
    EcosystemResult

    Raises
    ------
    ConfigError
        When a parameter is out of range.
    SchemaError
        When ``hops`` is not a canonical hop frame.

    Examples
    --------
    >>> from graphengine import schema
    >>> from graphengine.ecosystems import detect_ecosystems
    >>> result = detect_ecosystems(schema.empty_hops(), runs=2, seed=1)
    >>> (len(result.providers), len(result.ecosystems), result.params["seed"])
    (0, 0, 1)
    """
    cfg = detection_config(config, options)
    rule = cfg.hubs
    g = graph if graph is not None else provider_graph(hops, providers, weight=cfg.weight)
    keys = [str(k) for k in g.vs["name"]] if g.vcount() else []
    profiles = provider_profiles(hops, providers, keys)
    part = partition_graph(
        g,
        cfg,
        terminating_share=profiles["terminating_share"].to_numpy(),
        n_campaigns=profiles["n_campaigns"].to_numpy(),
    )
    frame = pd.DataFrame(
        {
            "provider_key": pd.array(keys, dtype="string"),
            "ecosystem": pd.array([m or None for m in part.membership], dtype="Int64"),
            "status": pd.array(part.status, dtype="string"),
            "stability": pd.array(np.round(part.stability, 6), dtype="Float64"),
            "is_hub": pd.array(part.is_hub, dtype="boolean"),
            "hub_share": pd.array(np.round(part.hub_share, 6), dtype="Float64"),
            "participation": pd.array(np.round(part.participation, 6), dtype="Float64"),
            "degree": part.degree.astype("int64"),
        }
    )
    # providers linked only to detached hubs: placed by the tracebacks they share
    frame = attach_by_paths(hops, frame)
    frame = frame.merge(profiles, on="provider_key", how="left", validate="one_to_one")
    lead = ["provider_key", "name", "ecosystem", "status", "stability"]
    frame = frame[lead + [c for c in frame.columns if c not in lead]]
    params: dict[str, Any] = {
        "method": cfg.method,
        "objective": cfg.objective if cfg.method == "leiden" else None,
        "resolution": cfg.resolution if cfg.method != "infomap" else None,
        "runs": cfg.runs,
        "seed": cfg.seed,
        "hub_handling": asdict(rule),
        "min_size": cfg.min_size,
        "consensus_threshold": cfg.consensus_threshold,
        "split_threshold": cfg.split_threshold,
        "path_attachment_share": PATH_SHARE,
        "leiden_iterations": LEIDEN_ITERATIONS,
        "weight": cfg.weight,
        "quality": part.quality,
        "versions": _versions(),
    }
    names = np.array(keys, dtype=object)
    co = part.co_assignment
    co_frame = pd.DataFrame(
        {
            "key_a": pd.array(names[co["source"].to_numpy()], dtype="string"),
            "key_b": pd.array(names[co["target"].to_numpy()], dtype="string"),
            "together": co["together"].to_numpy(),
        }
    )
    ecos = summarize_ecosystems(hops, frame, g)
    return EcosystemResult(
        providers=frame, ecosystems=ecos, params=params, graph=g, co_assignment=co_frame
    )


def resolution_scan(
    hops: pd.DataFrame,
    resolutions: list[float] | np.ndarray | None = None,
    providers: pd.DataFrame | None = None,
    config: DetectionConfig | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Return how the ecosystems change with the resolution, one row per resolution.

    Parameters
    ----------
    hops, providers
        Canonical frames.
    resolutions : sequence of float, optional
        Default: 0.25, 0.5, 0.75, 1, 1.5, 2, 3 (modularity); for CPM pick values around the
        edge density you expect inside an ecosystem.
    config, **options
        As in :func:`detect_ecosystems`, but 5 runs by default (a scan is exploratory).

    Returns
    -------
    pandas.DataFrame
        ``resolution``, ``n_ecosystems``, ``n_assigned`` (providers with an ecosystem),
        ``largest`` (providers in the largest ecosystem), ``modularity`` (standard modularity
        of the consensus on the detection graph), ``cpm_quality`` and ``mean_stability``.
    """
    base = detection_config(config if config is not None else DetectionConfig(runs=5), options)
    if resolutions is None:
        resolutions = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
    g = provider_graph(hops, providers, weight=base.weight)
    keys = [str(k) for k in g.vs["name"]] if g.vcount() else []
    profiles = provider_profiles(hops, providers, keys)
    rows = []
    for r in resolutions:
        part = partition_graph(
            g,
            base,
            resolution=float(r),
            terminating_share=profiles["terminating_share"].to_numpy(),
            n_campaigns=profiles["n_campaigns"].to_numpy(),
        )
        m = np.array(part.membership)
        rows.append(
            {
                "resolution": float(r),
                "n_ecosystems": part.n_ecosystems,
                "n_assigned": int((m > 0).sum()),
                "largest": int(np.bincount(m)[1:].max(initial=0)) if len(m) else 0,
                "modularity": part.quality["modularity"],
                "cpm_quality": part.quality["cpm_quality"],
                "mean_stability": float(np.nanmean(part.stability))
                if np.isfinite(part.stability).any()
                else float("nan"),
            }
        )
    return pd.DataFrame(rows)
