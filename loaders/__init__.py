"""Ingestion: files (CSV, JSON Lines, XLSX, RMD export) into graphengine's canonical frames.

Loaders know nothing of Neo4j or igraph: they parse, map columns, validate, normalise and
quarantine, and return frames that follow :mod:`graphengine.schema`. See docs/loading.md.

Examples
--------
>>> from loaders import load_inputs, write_quarantine  # doctest: +SKIP
>>> result = load_inputs(["hops.csv"], providers="rmd.csv", aliases="aliases.csv")  # doctest: +SKIP
>>> result.stats  # doctest: +SKIP
"""

from __future__ import annotations

from graphengine.csvsafe import neutralise_formula, write_csv_safely
from loaders.identity import build_identity, normalise_name, read_aliases, split_dba
from loaders.load import LoadResult, load_inputs, write_quarantine
from loaders.mapping import DEFAULT_RESPONSES, ColumnMapping, load_mapping

__all__ = [
    "LoadResult",
    "load_inputs",
    "write_quarantine",
    "ColumnMapping",
    "DEFAULT_RESPONSES",
    "load_mapping",
    "normalise_name",
    "split_dba",
    "build_identity",
    "read_aliases",
    "neutralise_formula",
    "write_csv_safely",
]
