"""The canonical frames: the one contract between loaders, store, graph, findings and exports.

Every stage of graphengine takes or returns pandas frames with the columns defined here.
Loaders produce them from files; the store writes them to Neo4j; analytics read them.

Hop frame
    One row per hop of a traceback (see ``HOP_COLUMNS``). ``hop`` 0 is the terminating
    provider; the number grows upstream. ``upstream_key`` names the provider one hop further
    up (the one that handed this provider the call), so a provider-to-provider edge in
    **call-flow direction** is ``upstream_key -> provider_key``.

Provider frame
    One row per canonical provider (see ``PROVIDER_COLUMNS``), with its RMD status.

Examples
--------
>>> from graphengine import schema
>>> frame = schema.empty_hops()
>>> list(frame.columns) == list(schema.HOP_COLUMNS)
True
>>> schema.check_hops(frame)  # an empty frame with the right columns is valid
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from graphengine.errors import SchemaError

__all__ = [
    "ROLES",
    "RESPONSE_CATEGORIES",
    "NONCOOPERATIVE_RESPONSES",
    "ATTESTATIONS",
    "HOP_COLUMNS",
    "HOP_REQUIRED",
    "PROVIDER_COLUMNS",
    "empty_hops",
    "empty_providers",
    "check_hops",
    "check_providers",
    "routed_edges",
    "OPTIONAL_HOP_COLUMNS",
    "printed_hop",
]

#: Roles are per call (per hop), never per company.
ROLES: tuple[str, ...] = ("terminating", "intermediate", "gateway", "originating", "foreign")

#: The normalised response vocabulary; the raw response text is always kept beside it.
RESPONSE_CATEGORIES: tuple[str, ...] = (
    "responded",
    "no_response",
    "records_not_found",
    "insufficient_records",
    "foreign",
    "customer_identified",
)

#: Response categories that count as a non-cooperation event at that hop.
NONCOOPERATIVE_RESPONSES: frozenset[str] = frozenset(
    {"no_response", "records_not_found", "insufficient_records"}
)

ATTESTATIONS: tuple[str, ...] = ("A", "B", "C")

#: column -> pandas dtype of the canonical hop frame, in order.
HOP_COLUMNS: Mapping[str, str] = {
    "traceback_id": "string",
    "hop": "int64",
    "provider": "string",  # as printed in the source
    "provider_key": "string",  # canonical key (graphengine identity rules + alias table)
    "upstream_provider": "string",  # as printed; <NA> when none was named
    "upstream_key": "string",
    "role": "string",  # one of ROLES
    "response": "string",  # raw text
    "response_category": "string",  # one of RESPONSE_CATEGORIES
    "call_time": "datetime64[ns, UTC]",
    "campaign": "string",
    "calling_number": "string",  # raw as given
    "calling_number_e164": "string",  # <NA> when it cannot be read as NANP/E.164
    "called_number": "string",
    "called_number_e164": "string",
    "attestation": "string",  # A / B / C / <NA>
    "provider_country": "string",  # ISO-3166 alpha-2
    "customer": "string",
    "customer_key": "string",
    "flags": "string",  # ';'-separated warnings kept with the row (e.g. unreadable_calling_number)
    "source_file": "string",
    "source_line": "int64",
    "source_sha256": "string",
}

#: Columns a hop frame may carry beyond ``HOP_COLUMNS`` (loaders always write them):
#: ``source_hop`` is the hop number as printed in the source file (``hop`` is renumbered from 0
#: at the terminating provider); every report and exhibit prints it (:func:`printed_hop`).
OPTIONAL_HOP_COLUMNS: Mapping[str, str] = {"source_hop": "int64"}

HOP_REQUIRED: tuple[str, ...] = ("traceback_id", "hop", "provider", "provider_key", "call_time")

#: column -> dtype of the canonical provider frame.
PROVIDER_COLUMNS: Mapping[str, str] = {
    "provider_key": "string",
    "name": "string",  # preferred display name
    "aliases": "string",  # ';'-separated names as printed that resolved to this key
    "frn": "string",  # FCC Registration Number, when known
    "country": "string",
    "in_rmd": "boolean",  # listed in the Robocall Mitigation Database at any time
    "rmd_implementation": "string",
    "gateway_provider_choice": "string",
    "intermediate_provider_choice": "string",
    "rmd_removed_on": "datetime64[ns, UTC]",  # NaT when never removed
}


def _empty(columns: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def empty_hops() -> pd.DataFrame:
    """Return an empty hop frame with the canonical columns and dtypes."""
    return _empty(HOP_COLUMNS)


def empty_providers() -> pd.DataFrame:
    """Return an empty provider frame with the canonical columns and dtypes."""
    return _empty(PROVIDER_COLUMNS)


def _check(frame: pd.DataFrame, columns: Mapping[str, str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(f"{what} frame is missing column(s): {', '.join(missing)}")
    for name, dtype in columns.items():
        actual = str(frame[name].dtype)
        if dtype.startswith("datetime64"):
            if not (actual.startswith("datetime64") and "UTC" in actual):
                raise SchemaError(f"{what} column {name!r} must be UTC datetimes, got {actual}")
        elif dtype == "int64" and not pd.api.types.is_integer_dtype(frame[name]):
            raise SchemaError(f"{what} column {name!r} must be integers, got {actual}")


def check_hops(frame: pd.DataFrame) -> None:
    """Check that ``frame`` is a canonical hop frame.

    Raises
    ------
    SchemaError
        Naming the first missing column, wrong dtype, null required value or unknown role.
    """
    _check(frame, HOP_COLUMNS, "hop")
    for name in HOP_REQUIRED:
        if frame[name].isna().any():
            raise SchemaError(f"hop frame has empty values in required column {name!r}")
    bad_roles = set(frame["role"].dropna().unique()) - set(ROLES)
    if bad_roles:
        raise SchemaError(f"hop frame has unknown role(s): {sorted(bad_roles)}")
    bad_cats = set(frame["response_category"].dropna().unique()) - set(RESPONSE_CATEGORIES)
    if bad_cats:
        raise SchemaError(f"hop frame has unknown response categories: {sorted(bad_cats)}")


def check_providers(frame: pd.DataFrame) -> None:
    """Check that ``frame`` is a canonical provider frame with unique keys.

    Raises
    ------
    SchemaError
        Naming the missing column, wrong dtype or duplicated key.
    """
    _check(frame, PROVIDER_COLUMNS, "provider")
    dupes = frame["provider_key"][frame["provider_key"].duplicated()]
    if len(dupes):
        raise SchemaError(f"provider frame has duplicate keys: {sorted(set(dupes))[:5]}")


def printed_hop(hops: pd.DataFrame) -> pd.Series:
    """Return the hop numbers to show a person: ``source_hop`` when present, else ``hop``.

    Examples
    --------
    >>> import pandas as pd
    >>> printed_hop(pd.DataFrame({"hop": [0, 1], "source_hop": [1, 2]})).tolist()
    [1, 2]
    >>> printed_hop(pd.DataFrame({"hop": [0, 1]})).tolist()
    [0, 1]
    """
    if "source_hop" in hops:
        return hops["source_hop"].fillna(hops["hop"]).astype("int64")
    return hops["hop"].astype("int64")


def routed_edges(hops: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return one row per provider-to-provider hop, in call-flow direction (the one rule).

    A ROUTED edge goes from the provider at hop ``h+1`` (the upstream) to the provider at hop
    ``h``, within one traceback. The result has the columns ``traceback_id``, ``hop`` (the
    downstream hop), ``upstream_key``, ``downstream_key``, ``call_time``, ``campaign``,
    ``attestation`` (seen at the downstream hop) and ``response_category`` (of the upstream
    hop), sorted by ``(traceback_id, hop)``. Hops with no upstream row produce no edge.
    ``extra`` hop columns are added twice, as ``upstream_<col>`` and ``downstream_<col>``.

    Computed by position (hops sorted by traceback and hop; the upstream of a row is the next
    row when it has the same traceback and ``hop + 1``), which is several times faster than a
    merge. Repeated (traceback, hop) pairs, which the loaders never produce, pair every
    upstream row with every downstream row.

    Raises
    ------
    SchemaError
        When ``extra`` is given for a frame with repeated (traceback, hop) pairs.

    Examples
    --------
    >>> import pandas as pd
    >>> from graphengine import schema
    >>> hops = schema.empty_hops()
    >>> schema.routed_edges(hops).empty
    True
    """
    cols = ["traceback_id", "hop", "provider_key", "call_time", "campaign", "attestation"]
    cols += ["response_category", *[c for c in extra if c not in cols]]
    ordered = hops[list(dict.fromkeys(cols))].sort_values(["traceback_id", "hop"], kind="stable")
    tb = pd.factorize(ordered["traceback_id"])[0]
    hop = ordered["hop"].to_numpy()
    if len(tb) and bool(((tb[1:] == tb[:-1]) & (hop[1:] == hop[:-1])).any()):
        if extra:
            raise SchemaError("duplicate (traceback_id, hop) rows: extra columns unsupported")
        return _routed_by_merge(hops)
    link = np.flatnonzero((tb[1:] == tb[:-1]) & (hop[1:] == hop[:-1] + 1))
    down = ordered.iloc[link]
    up = ordered.iloc[link + 1]
    down = down.reset_index(drop=True)
    up = up.reset_index(drop=True)
    edges = pd.DataFrame(
        {
            "traceback_id": down["traceback_id"],
            "hop": down["hop"],
            "upstream_key": up["provider_key"],
            "downstream_key": down["provider_key"],
            "call_time": down["call_time"],
            "campaign": down["campaign"],
            "attestation": down["attestation"],
            "response_category": up["response_category"],
        }
    )
    for name in extra:
        edges[f"upstream_{name}"] = up[name]
        edges[f"downstream_{name}"] = down[name]
    return edges


def _routed_by_merge(hops: pd.DataFrame) -> pd.DataFrame:
    """The rule for frames with repeated (traceback, hop) pairs: a merge on the pair."""
    cols = ["traceback_id", "hop", "provider_key", "call_time", "campaign", "attestation"]
    down = hops[cols].rename(columns={"provider_key": "downstream_key"})
    up = hops[["traceback_id", "hop", "provider_key", "response_category"]].rename(
        columns={"provider_key": "upstream_key"}
    )
    up = up.assign(hop=up["hop"] - 1)
    edges = down.merge(up, on=["traceback_id", "hop"], how="inner")
    ordered = [
        "traceback_id",
        "hop",
        "upstream_key",
        "downstream_key",
        "call_time",
        "campaign",
        "attestation",
        "response_category",
    ]
    return edges[ordered].sort_values(["traceback_id", "hop"], kind="stable").reset_index(drop=True)
