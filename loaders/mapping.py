"""The mapping file: rename another layout's columns and map its response vocabulary.

A mapping file is YAML::

    columns:                 # column in the file -> canonical column (case-insensitive)
      Trace ID: traceback_id
      Hop #: hop
      Carrier: provider
    responses:               # extra phrases per response category, tried before the defaults
      no_response: ["NR", "timed out"]
      customer_identified: ["end user identified"]
    replace_default_responses: false   # true: use only the phrases above
    first_hop: 1             # the file numbers the terminating provider 1 (default 0)

Response phrases match case-insensitively as whole words anywhere in the response text, in the
order of the categories below (so "no response" wins over "responded"). A response that matches no
phrase keeps its raw text, gets ``response_category`` <NA> and the flag ``unmapped_response``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from graphengine.errors import InputFileError
from graphengine.schema import RESPONSE_CATEGORIES
from loaders.distinct import map_unique

__all__ = ["DEFAULT_RESPONSES", "ColumnMapping", "load_mapping", "normalise_column", "categorise"]

#: The default response vocabulary: category -> phrases (case-insensitive, whole words). The
#: order of categories is the order in which they are tried.
DEFAULT_RESPONSES: Mapping[str, tuple[str, ...]] = {
    "no_response": (
        "no response",
        "did not respond",
        "not responded",
        "non-responsive",
        "nonresponsive",
        "not responsive",
        "unresponsive",
        "non-cooperative",
        "not cooperative",
        "uncooperative",
        "refused",
        "declined",
        "no reply",
        "timed out",
        "nr",
    ),
    "records_not_found": (
        "records not found",
        "record not found",
        "no records",
        "no record",
        "not found",
        "could not locate",
        "unable to locate",
    ),
    "insufficient_records": (
        "insufficient records",
        "insufficient",
        "incomplete records",
        "partial records",
    ),
    "foreign": (
        "foreign",
        "non-us",
        "non-u.s.",
        "outside the us",
        "outside the u.s.",
        "international",
    ),
    "customer_identified": (
        "customer identified",
        "identified customer",
        "identified its customer",
        "end user identified",
        "caller identified",
        "origin identified",
        "originator identified",
        "customer",
    ),
    "responded": (
        "upstream identified",
        "identified upstream",
        "upstream provided",
        "provided upstream",
        "responded",
        "response received",
        "cooperated",
        "cooperative",
        "complete",
        "yes",
    ),
}


def normalise_column(name: object) -> str:
    """Return a column name in canonical spelling: lower case, spaces and dashes as underscores.

    Examples
    --------
    >>> normalise_column(" Traceback-ID ")
    'traceback_id'
    """
    text = str(name).strip().lstrip("\ufeff").lower()
    return re.sub(r"[\s\-]+", "_", text)


@dataclass(frozen=True)
class ColumnMapping:
    """Column renames and the response vocabulary for one input layout."""

    columns: Mapping[str, str] = field(default_factory=dict)
    responses: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_RESPONSES)
    )
    source: str | None = None
    #: the number a hop table gives the terminating provider (0 in the canonical table)
    first_hop: int = 0

    def rename(self, names: Iterable[str]) -> dict[str, str]:
        """Return ``{name_in_file: canonical_name}`` for ``names`` (normalised, then mapped)."""
        out: dict[str, str] = {}
        for name in names:
            norm = normalise_column(name)
            out[name] = self.columns.get(norm, norm)
        return out


def load_mapping(path: str | Path | None) -> ColumnMapping:
    """Read a mapping YAML file; ``None`` gives the default (no renames, default vocabulary).

    Raises
    ------
    InputFileError
        When the file is missing, is not YAML, or names an unknown response category.
    """
    if path is None:
        return ColumnMapping()
    target = Path(path)
    try:
        data = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise InputFileError(f"{target}: mapping file not found") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"{target}: mapping file is not valid YAML ({first})") from exc
    if not isinstance(data, dict):
        raise InputFileError(f"{target}: mapping file must be a YAML mapping with 'columns:'")
    unknown_keys = set(data) - {"columns", "responses", "replace_default_responses", "first_hop"}
    if unknown_keys:
        raise InputFileError(
            f"{target}: unknown mapping key(s) {sorted(unknown_keys)}; "
            "use columns, responses, replace_default_responses, first_hop"
        )
    columns_raw = data.get("columns") or {}
    if not isinstance(columns_raw, dict):
        raise InputFileError(f"{target}: 'columns' must map file columns to canonical names")
    columns = {normalise_column(k): normalise_column(v) for k, v in columns_raw.items()}
    responses_raw = data.get("responses") or {}
    if not isinstance(responses_raw, dict):
        raise InputFileError(f"{target}: 'responses' must map categories to lists of phrases")
    bad = sorted(set(responses_raw) - set(RESPONSE_CATEGORIES))
    if bad:
        raise InputFileError(
            f"{target}: unknown response categor{'y' if len(bad) == 1 else 'ies'} {bad}; "
            f"use {', '.join(RESPONSE_CATEGORIES)}"
        )
    extra = {
        cat: tuple(str(p) for p in ([v] if isinstance(v, str) else (v or [])))
        for cat, v in responses_raw.items()
    }
    if data.get("replace_default_responses"):
        responses: dict[str, tuple[str, ...]] = dict(extra)
    else:
        # User phrases are tried first (as their own block), then the defaults.
        responses = {f"user:{cat}": phrases for cat, phrases in extra.items()}
        responses.update(DEFAULT_RESPONSES)
    first_hop = data.get("first_hop", 0)
    if not isinstance(first_hop, int) or isinstance(first_hop, bool) or first_hop < 0:
        raise InputFileError(f"{target}: first_hop must be a whole number >= 0, got {first_hop!r}")
    return ColumnMapping(
        columns=columns, responses=responses, source=str(target), first_hop=first_hop
    )


def _compile(responses: Mapping[str, tuple[str, ...]]) -> list[tuple[re.Pattern[str], str]]:
    rules = []
    for cat, phrases in responses.items():
        category = cat.split(":", 1)[-1]
        for phrase in phrases:
            pattern = r"(?<![\w])" + re.escape(phrase.strip().lower()) + r"(?![\w])"
            rules.append((re.compile(pattern), category))
    return rules


def categorise(responses: pd.Series | np.ndarray, mapping: ColumnMapping) -> np.ndarray:
    """Map raw response text to ``schema.RESPONSE_CATEGORIES``; return an object array (None when
    empty or nothing matches).

    Works on the distinct values only, so it is fast on large frames.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series(["No Response", "Records not found", "Upstream identified", "??", None])
    >>> list(categorise(s, ColumnMapping()))
    ['no_response', 'records_not_found', 'responded', None, None]
    """
    rules = _compile(mapping.responses)

    def category(value: str) -> object:
        low = " ".join(value.lower().split())
        if not low:
            return None
        return next((cat for rx, cat in rules if rx.search(low)), None)

    return map_unique(np.asarray(responses, dtype=object), category)
