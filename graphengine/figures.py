"""Evidence figures as plotly figures, to show inline in a notebook: no bundle, no files.

Each function draws exactly what the matching ``graphengine export`` bundle would hold (same
tables, layout, aggregation and stamp), and returns the :class:`plotly.graph_objects.Figure`;
in Jupyter the last expression of a cell displays it. Nothing is written to disk.

Examples
--------
>>> import graphengine as ge
>>> fig = ge.figures.ecosystem(hops, eco, 1, case_label="AG-2026-017")  # doctest: +SKIP
>>> fig                                                                   # doctest: +SKIP

``ecosystem_pages`` and ``provider_pages`` also return the footnote page (the busiest links
with their traceback ids).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from graphengine.export.api import (
    ExportSettings,
    _build_ecosystem,
    _build_provider,
    _build_traceback,
)

__all__ = ["ecosystem", "ecosystem_pages", "provider", "provider_pages", "traceback"]


def _settings(options: dict[str, Any]) -> ExportSettings:
    return ExportSettings(**{"formats": ("html",), **options})


def ecosystem_pages(
    hops: pd.DataFrame,
    partition: Any,
    ecosystem_id: int | str,
    *,
    generated_at: dt.datetime | None = None,
    **options: Any,
) -> list[go.Figure]:
    """Return the ecosystem exhibit's pages: the call-flow diagram, then its footnote table.

    ``options`` are :class:`graphengine.export.ExportSettings` fields (``case_label``,
    ``hubs``, ``hub_min_degree``, ...).

    Raises
    ------
    ExportError
        When the ecosystem is not in the partition.
    """
    built = _build_ecosystem(hops, partition, ecosystem_id, _settings(options), generated_at)
    return [built.content.figures[0][1], *built.content.extra_pages.get("ecosystem", [])]


def ecosystem(
    hops: pd.DataFrame,
    partition: Any,
    ecosystem_id: int | str,
    *,
    generated_at: dt.datetime | None = None,
    **options: Any,
) -> go.Figure:
    """Return the call-flow diagram of one ecosystem (see :func:`ecosystem_pages`).

    Parameters
    ----------
    hops
        Canonical hop frame.
    partition
        ``EcosystemResult``, a frame with ``provider_key`` and ``ecosystem``, or a mapping.
    ecosystem_id
        The ecosystem to draw.
    generated_at
        Time printed in the stamp; now when omitted.
    **options
        :class:`graphengine.export.ExportSettings` fields.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    return ecosystem_pages(hops, partition, ecosystem_id, generated_at=generated_at, **options)[0]


def provider_pages(
    hops: pd.DataFrame,
    name: str,
    *,
    generated_at: dt.datetime | None = None,
    **options: Any,
) -> list[go.Figure]:
    """Return a provider neighbourhood's pages: the diagram, then its footnote table.

    ``name`` is a provider key or printed name; ``options`` include ``k`` (depth) and
    ``max_nodes``.

    Raises
    ------
    ExportError
        When the provider is unknown (with the closest names).
    """
    built = _build_provider(hops, name, _settings(options), generated_at)
    return [built.content.figures[0][1], *built.content.extra_pages.get("neighbourhood", [])]


def provider(
    hops: pd.DataFrame,
    name: str,
    *,
    generated_at: dt.datetime | None = None,
    **options: Any,
) -> go.Figure:
    """Return the call-flow diagram of ``name``'s neighbourhood (see :func:`provider_pages`)."""
    return provider_pages(hops, name, generated_at=generated_at, **options)[0]


def traceback(
    hops: pd.DataFrame,
    traceback_id: str,
    *,
    generated_at: dt.datetime | None = None,
    **options: Any,
) -> go.Figure:
    """Return one traceback's hop chain, caller to terminating carrier.

    ``options`` include ``redact_called_numbers=True``.

    Raises
    ------
    ExportError
        When the traceback id is not in ``hops``.
    """
    built = _build_traceback(hops, traceback_id, _settings(options), generated_at)
    return built.content.figures[0][1]
