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
    first_hop: 1             # the file numbers the terminating provider 1 (default: detected)
    timezone: America/New_York         # zone of call times that carry none (IANA name or UTC)
    combine:                 # canonical column <- file columns joined with a space
      call_time: [Call Date, Call Time]
    foreign_upstream: ["upstream is offshore"]  # more phrases saying the named upstream is foreign

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

from graphengine.errors import ConfigError, InputFileError
from graphengine.schema import RESPONSE_CATEGORIES
from loaders.distinct import map_unique
from loaders.timezones import check_zone

__all__ = [
    "DEFAULT_RESPONSES",
    "DEFAULT_FOREIGN_UPSTREAM",
    "MAPPING_KEYS",
    "ColumnMapping",
    "load_mapping",
    "normalise_column",
    "categorise",
    "names_foreign_upstream",
]

#: Phrases of a response saying that the upstream this hop named is a foreign provider (so this
#: hop is the U.S. point of entry). The hop itself responded: its category stays ``responded``.
DEFAULT_FOREIGN_UPSTREAM: tuple[str, ...] = (
    "upstream identified - foreign carrier",
    "upstream identified - foreign provider",
    "foreign upstream",
    "upstream is foreign",
    "upstream is a foreign carrier",
    "upstream is a foreign provider",
    "foreign carrier identified",
    "foreign provider identified",
)
#: Keys a mapping file may have.
MAPPING_KEYS: tuple[str, ...] = (
    "columns",
    "responses",
    "replace_default_responses",
    "first_hop",
    "timezone",
    "combine",
    "foreign_upstream",
)

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
    #: the number a hop table gives the terminating provider (0 in the canonical table);
    #: None: detected per file (1 when every traceback starts at 1 and none at 0, else 0)
    first_hop: int | None = None
    #: zone of call times that carry none (IANA name, fixed offset or ``UTC``); None: not given
    timezone: str | None = None
    #: canonical column -> file columns joined with a space (``call_time: [Date, Time]``)
    combine: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: phrases of a response that names a foreign upstream (user phrases, then the defaults)
    foreign_upstream: tuple[str, ...] = DEFAULT_FOREIGN_UPSTREAM

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
    unknown_keys = set(data) - set(MAPPING_KEYS)
    if unknown_keys:
        raise InputFileError(
            f"{target}: unknown mapping key(s) {sorted(unknown_keys)}; use {', '.join(MAPPING_KEYS)}"
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
    first_hop = data.get("first_hop")
    if first_hop is not None and (
        not isinstance(first_hop, int) or isinstance(first_hop, bool) or first_hop < 0
    ):
        raise InputFileError(f"{target}: first_hop must be a whole number >= 0, got {first_hop!r}")
    zone = data.get("timezone")
    if zone is not None:
        try:
            zone = check_zone(str(zone), where=f"{target}: timezone")
        except ConfigError as exc:
            raise InputFileError(str(exc)) from None
    combine_raw = data.get("combine") or {}
    if not isinstance(combine_raw, dict) or not all(
        isinstance(v, list) and len(v) >= 2 for v in combine_raw.values()
    ):
        raise InputFileError(
            f"{target}: 'combine' must map a canonical column to a list of two or more file "
            "columns, e.g. call_time: [Call Date, Call Time]"
        )
    combine = {
        normalise_column(k): tuple(normalise_column(c) for c in v) for k, v in combine_raw.items()
    }
    foreign_raw = data.get("foreign_upstream") or []
    foreign = tuple(
        str(p) for p in ([foreign_raw] if isinstance(foreign_raw, str) else foreign_raw)
    )
    return ColumnMapping(
        columns=columns,
        responses=responses,
        source=str(target),
        first_hop=first_hop,
        timezone=zone,
        combine=combine,
        foreign_upstream=foreign + DEFAULT_FOREIGN_UPSTREAM,
    )


def _compile(responses: Mapping[str, tuple[str, ...]]) -> list[tuple[re.Pattern[str], str]]:
    rules = []
    for cat, phrases in responses.items():
        category = cat.split(":", 1)[-1]
        for phrase in phrases:
            pattern = r"(?<![\w])" + re.escape(phrase.strip().lower()) + r"(?![\w])"
            rules.append((re.compile(pattern), category))
    return rules


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    # dashes and runs of spaces in a phrase match any run of spaces/dashes in the text
    words = [re.escape(w) for w in re.split(r"[\s\-–—]+", phrase.strip().lower()) if w]
    return re.compile(r"(?<![\w])" + r"[\s\-–—]+".join(words) + r"(?![\w])")


def names_foreign_upstream(responses: pd.Series | np.ndarray, mapping: ColumnMapping) -> np.ndarray:
    """Return a bool array: the response says the upstream it named is a foreign provider.

    Examples
    --------
    >>> s = pd.Series(["Upstream Identified - Foreign Carrier", "Foreign provider", None])
    >>> names_foreign_upstream(s, ColumnMapping()).tolist()
    [True, False, False]
    """
    rules = [_phrase_pattern(p) for p in mapping.foreign_upstream if p.strip()]

    def says(value: str) -> bool:
        low = " ".join(value.lower().split())
        return bool(low) and any(rx.search(low) for rx in rules)

    return map_unique(np.asarray(responses, dtype=object), says, dtype=bool)


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
