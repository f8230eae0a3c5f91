"""Per-hop roles and provider countries, derived when the input does not give them.

A role given in the input is kept (common spellings such as ``transit`` or ``origin`` are mapped
to :data:`graphengine.schema.ROLES`; an unknown word is flagged ``unknown_role`` and derived
instead). A missing role is derived per traceback, first rule that applies:

1. hop 0 is ``terminating``;
2. a provider whose country is not ``US`` (or that another hop's response named as a foreign
   upstream, when no country is given) is ``foreign``;
3. a U.S. provider whose upstream (the next hop) is foreign, or whose response says its upstream
   is foreign, is the ``gateway`` for that call;
4. the last hop of the traceback is ``originating`` when it responded (its response is not
   a non-cooperation category) and it names a customer or names no upstream carrier;
5. anything else is ``intermediate``.

``provider_country`` defaults to ``US`` unless the role is ``foreign`` (then it stays empty when
not given). ``USA``, ``U.S.``, ``United States`` read as ``US``; other values that are not a
two-letter code are flagged ``unreadable_country`` and treated as non-U.S.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from graphengine.schema import NONCOOPERATIVE_RESPONSES, ROLES
from loaders.distinct import map_unique

__all__ = ["ROLE_SYNONYMS", "normalise_roles", "normalise_countries", "derive_roles"]

ROLE_SYNONYMS: dict[str, str] = {
    **{r: r for r in ROLES},
    "terminator": "terminating",
    "terminating provider": "terminating",
    "transit": "intermediate",
    "intermediary": "intermediate",
    "intermediate provider": "intermediate",
    "gateway provider": "gateway",
    "point of entry": "gateway",
    "us point of entry": "gateway",
    "u.s. point of entry": "gateway",
    "poe": "gateway",
    "origin": "originating",
    "originator": "originating",
    "originating provider": "originating",
    "foreign provider": "foreign",
}
_US = {"US", "USA", "U.S.", "U.S.A.", "UNITED STATES", "UNITED STATES OF AMERICA"}


def _role_of(text: str) -> str | None:
    return ROLE_SYNONYMS.get(re.sub(r"[\s_\-]+", " ", text.strip().lower()))


def _country_of(text: str) -> tuple[str | None, bool]:
    value = text.strip().upper()
    if not value:
        return None, False
    if value in _US:
        return "US", False
    if re.fullmatch(r"[A-Z]{2}", value):
        return value, False
    return None, True


def normalise_roles(raw: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(role, unknown)``: the canonical role (None when absent or unknown) and a mask of
    non-empty values that are not a known role."""
    values = np.asarray(raw, dtype=object)
    role = map_unique(values, _role_of)
    present = map_unique(values, lambda v: bool(v.strip()), dtype=bool)
    unknown = present & np.asarray(pd.isna(role), dtype=bool)
    return role, unknown


def normalise_countries(raw: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(country, unreadable)``: ISO alpha-2 upper case (None when absent or unreadable)."""
    values = np.asarray(raw, dtype=object)
    country = map_unique(values, lambda v: _country_of(v)[0])
    unreadable = map_unique(values, lambda v: _country_of(v)[1], dtype=bool)
    return country, unreadable


def _optional_mask(hops: pd.DataFrame, column: str) -> np.ndarray:
    if column not in hops:
        return np.zeros(len(hops), dtype=bool)
    return hops[column].fillna(False).to_numpy(dtype=bool)


def derive_roles(hops: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(role, provider_country, unknown_role, unreadable_country)`` for ``hops``.

    ``hops`` must be sorted by ``traceback_id`` then ``hop`` with complete chains (0..n), and
    have ``role``, ``provider_country``, ``customer``, ``upstream_provider`` and
    ``response_category`` (None / NA where absent). Optional bool columns:
    ``foreign_marked`` (the provider was named a foreign upstream: foreign unless a country says
    otherwise) and ``names_foreign_upstream`` (this hop's response says its upstream is foreign,
    so it is the gateway).

    Examples
    --------
    >>> import pandas as pd
    >>> hops = pd.DataFrame({
    ...     "traceback_id": ["T"] * 4, "hop": [0, 1, 2, 3],
    ...     "role": [None] * 4, "provider_country": [None, None, None, "IN"],
    ...     "customer": [None] * 4, "upstream_provider": ["B", "C", "D", None],
    ...     "response_category": ["responded"] * 4})
    >>> derive_roles(hops)[0].tolist()
    ['terminating', 'intermediate', 'gateway', 'foreign']
    """
    given, unknown = normalise_roles(hops["role"])
    country, unreadable = normalise_countries(hops["provider_country"])
    tb = hops["traceback_id"].to_numpy(dtype=object)
    hop = hops["hop"].to_numpy()
    has_country = ~np.asarray(pd.isna(country), dtype=bool)
    marked = _optional_mask(hops, "foreign_marked")
    foreign = (has_country & (country != "US")) | unreadable | (given == "foreign") | marked
    same_next = np.r_[tb[1:] == tb[:-1], False] if len(tb) else np.zeros(0, dtype=bool)
    upstream_foreign = same_next & np.r_[foreign[1:], False] if len(tb) else same_next
    # the hop said its upstream is foreign: it is the point of entry even with no row above it
    upstream_foreign = upstream_foreign | (
        _optional_mask(hops, "names_foreign_upstream") & ~foreign
    )
    top = ~same_next
    responsive = ~hops["response_category"].isin(NONCOOPERATIVE_RESPONSES).to_numpy(dtype=bool)
    names_customer = hops["customer"].notna().to_numpy(dtype=bool)
    no_upstream = hops["upstream_provider"].isna().to_numpy(dtype=bool)
    derived = np.select(
        [hop == 0, foreign, upstream_foreign, top & responsive & (names_customer | no_upstream)],
        ["terminating", "foreign", "gateway", "originating"],
        default="intermediate",
    ).astype(object)
    role = np.where(np.asarray(pd.isna(given), dtype=bool), derived, given)
    country = np.where(has_country | (role == "foreign"), country, "US")
    return role, country, unknown, unreadable
