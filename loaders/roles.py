"""Per-hop roles and provider countries, derived when the input does not give them.

A role given in the input is kept (common spellings such as ``transit`` or ``origin`` are mapped
to :data:`graphengine.schema.ROLES`; an unknown word is flagged ``unknown_role`` and derived
instead). A missing role is derived per traceback, first rule that applies:

1. hop 0 is ``terminating``;
2. a provider whose country is not ``US`` is ``foreign``;
3. a U.S. provider whose upstream (the next hop) is foreign is the ``gateway`` for that call;
4. the last hop of the traceback is ``originating`` when it responded (its response is not
   a non-cooperation category) and it names a customer or names no upstream carrier;
5. anything else is ``intermediate``.

``provider_country`` defaults to ``US`` unless the role is ``foreign`` (then it stays empty when
not given). ``USA``, ``U.S.``, ``United States`` read as ``US``; other values that are not a
two-letter code are flagged ``unreadable_country`` and treated as non-U.S.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphengine.schema import NONCOOPERATIVE_RESPONSES, ROLES

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


def normalise_roles(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return ``(role, unknown)``: the canonical role (NA when absent or unknown) and a mask of
    non-empty values that are not a known role."""
    text = raw.astype("string").str.strip().str.lower().str.replace(r"[\s_\-]+", " ", regex=True)
    role = text.map(ROLE_SYNONYMS, na_action="ignore").astype("string")
    unknown = (text.notna() & (text != "") & role.isna()).astype(bool)
    return role, unknown


def normalise_countries(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return ``(country, unreadable)``: ISO alpha-2 upper case (NA when absent or unreadable)."""
    text = raw.astype("string").str.strip().str.upper()
    text = text.where(text != "", pd.NA)
    country = text.where(~text.isin(_US), "US")
    two = country.str.fullmatch(r"[A-Z]{2}").fillna(False).astype(bool)
    unreadable = (country.notna() & ~two).astype(bool)
    return country.where(two, pd.NA).astype("string"), unreadable


def derive_roles(hops: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Return ``(role, provider_country, unknown_role, unreadable_country)`` for ``hops``.

    ``hops`` must be sorted by ``traceback_id`` then ``hop`` with complete chains (0..n), and
    have ``role``, ``provider_country``, ``customer``, ``upstream_provider`` and
    ``response_category``.

    Examples
    --------
    >>> import pandas as pd
    >>> hops = pd.DataFrame({
    ...     "traceback_id": ["T"] * 4, "hop": [0, 1, 2, 3],
    ...     "role": [None] * 4, "provider_country": [None, None, None, "IN"],
    ...     "customer": [None] * 4, "upstream_provider": ["B", "C", "D", None],
    ...     "response_category": ["responded"] * 4})
    >>> list(derive_roles(hops)[0])
    ['terminating', 'intermediate', 'gateway', 'foreign']
    """
    given, unknown = normalise_roles(hops["role"])
    country, unreadable = normalise_countries(hops["provider_country"])
    tb = hops["traceback_id"].to_numpy()
    hop = hops["hop"].to_numpy()
    foreign = (
        (country.notna() & (country != "US")) | unreadable | (given == "foreign").fillna(False)
    ).to_numpy(dtype=bool)
    same_next = np.r_[tb[1:] == tb[:-1], False]
    upstream_foreign = same_next & np.r_[foreign[1:], False]
    top = ~same_next
    responsive = ~hops["response_category"].isin(NONCOOPERATIVE_RESPONSES).to_numpy(dtype=bool)
    names_customer = hops["customer"].notna().to_numpy(dtype=bool)
    no_upstream = hops["upstream_provider"].isna().to_numpy(dtype=bool)
    derived = np.select(
        [hop == 0, foreign, upstream_foreign, top & responsive & (names_customer | no_upstream)],
        ["terminating", "foreign", "gateway", "originating"],
        default="intermediate",
    )
    role = given.fillna(pd.Series(derived, index=hops.index, dtype="string")).astype("string")
    country = country.where(country.notna() | (role == "foreign"), "US").astype("string")
    return role, country, unknown, unreadable
