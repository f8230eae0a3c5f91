"""Display names for what a person reads: provider keys become the names providers use.

Keys such as ``lotus communication`` are folded for matching (legal forms dropped, plurals
folded) and no company uses them; reports, figures and CLI tables show the provider's display
name (the provider frame's ``name``: the registry's name, else the most frequent printed name).
Machine files (CSV, JSON) keep the keys, with the names beside them.

Examples
--------
>>> import pandas as pd
>>> names = {"lotus communication": "Lotus Communications Inc."}
>>> frame = pd.DataFrame({"provider_key": ["lotus communication"], "gateways": ["lotus communication (3)"]})
>>> display_frame(frame, names).to_dict("records")
[{'provider_key': 'Lotus Communications Inc.', 'gateways': 'Lotus Communications Inc. (3)'}]
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

__all__ = ["KEY_COLUMNS", "LIST_COLUMNS", "name_map", "display_name", "display_frame"]

#: Columns that hold one provider key.
KEY_COLUMNS: tuple[str, ...] = ("provider_key", "downstream_key", "upstream_key", "focus")
#: Columns that hold ``;``-separated provider keys, each optionally followed by `` (count)``.
LIST_COLUMNS: tuple[str, ...] = (
    "foreign_sources",
    "gateways",
    "originators",
    "chokepoints",
    "upstreams",
    "flagged_upstreams",
    "members",
)
_ITEM = re.compile(r"^(?P<key>.*?)(?P<tail>\s*\([^()]*\))?$")


def name_map(providers: pd.DataFrame | None) -> dict[str, str]:
    """Return ``{provider_key: display name}`` from a provider frame (empty when None)."""
    if providers is None or providers.empty or "name" not in providers:
        return {}
    pairs = providers[["provider_key", "name"]].dropna()
    return dict(zip(pairs["provider_key"].astype(str), pairs["name"].astype(str), strict=True))


def display_name(key: object, names: Mapping[str, str]) -> str:
    """Return the display name of ``key`` (the key itself when no name is known)."""
    if not isinstance(key, str):
        return "" if key is None or key is pd.NA or key != key else str(key)
    return names.get(key, key)


def _list_names(value: object, names: Mapping[str, str]) -> object:
    if not isinstance(value, str) or not value:
        return value
    out = []
    for item in value.split(";"):
        match = _ITEM.match(item.strip())
        key, tail = (match.group("key"), match.group("tail") or "") if match else (item, "")
        out.append(names.get(key.strip(), key.strip()) + tail)
    return "; ".join(out) if "; " in value else ";".join(out)


def display_frame(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Return a copy of ``frame`` with provider keys replaced by display names, for people."""
    if frame.empty or not names:
        return frame
    out = frame.copy()
    for col in KEY_COLUMNS:
        if col in out:
            shown = [display_name(v, names) if isinstance(v, str) else v for v in out[col]]
            out[col] = pd.Series(shown, index=out.index, dtype=object)
    for col in LIST_COLUMNS:
        if col in out:
            listed = [_list_names(v, names) for v in out[col]]
            out[col] = pd.Series(listed, index=out.index, dtype=object)
    return out
