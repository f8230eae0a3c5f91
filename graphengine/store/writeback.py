"""Write-back of analytics results onto Provider nodes, from their result frames.

The analytics (ecosystems, findings) know nothing of Neo4j: they return frames, and the
pipeline or the CLI hands those frames to the functions here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from graphengine.store.read import write_provider_properties

__all__ = ["write_ecosystems", "write_findings", "ECOSYSTEM_COLUMNS", "FINDINGS_COLUMNS"]

#: Provider properties written from the ecosystems' provider table.
ECOSYSTEM_COLUMNS: tuple[str, ...] = ("ecosystem", "ecosystem_stability")

#: Provider properties written by ``--write-back`` (all prefixed, so none collides with the
#: loader's own properties).
FINDINGS_COLUMNS: tuple[str, ...] = (
    "findings_rank",
    "findings_score",
    "findings_reasons",
    "findings_repeat_gateway",
    "findings_repeat_originator",
    "findings_noncooperative",
    "findings_gateway_tracebacks",
    "findings_originating_tracebacks",
    "findings_nonresponse_tracebacks",
    "findings_rmd_violation_tracebacks",
    "findings_betweenness",
    "findings_pagerank",
    "findings_window_since",
    "findings_window_until",
)


def write_ecosystems(driver: Any, providers: pd.DataFrame) -> int:
    """Write ``Provider.ecosystem`` and ``Provider.ecosystem_stability`` into Neo4j.

    ``providers`` is the ecosystems' provider table (``provider_key``, ``ecosystem``,
    ``stability``). Providers with no ecosystem (hubs, small groups, isolated) get both
    properties set to null, so that a re-run never leaves a stale id behind.

    Returns the number of providers written.
    """
    frame = pd.DataFrame(
        {
            "provider_key": providers["provider_key"],
            "ecosystem": providers["ecosystem"],
            "ecosystem_stability": providers["stability"],
        }
    )
    written = write_provider_properties(driver, frame, list(ECOSYSTEM_COLUMNS))
    return int(written) if written is not None else len(frame)


def write_findings(
    driver: Any,
    targets: pd.DataFrame,
    chokepoints: pd.DataFrame,
    since: str | None,
    until: str | None,
) -> int:
    """Put the key scores on Provider nodes (properties :data:`FINDINGS_COLUMNS`).

    ``targets`` and ``chokepoints`` are the findings' tables; ``since``/``until`` the resolved
    window as ISO dates (None when open).

    Returns the number of providers matched in Neo4j.
    """
    t = targets
    choke = chokepoints.set_index("provider_key")
    frame = pd.DataFrame(
        {
            "provider_key": t["provider_key"],
            "findings_rank": t["rank"].astype("int64"),
            "findings_score": t["score"].astype(float),
            "findings_reasons": t["reasons"].astype("string"),
            "findings_repeat_gateway": t["repeat_gateway"].astype(bool),
            "findings_repeat_originator": t["repeat_originator"].astype(bool),
            "findings_noncooperative": t["noncooperative"].astype(bool),
            "findings_gateway_tracebacks": t["gateway"].astype("int64"),
            "findings_originating_tracebacks": t["originating"].astype("int64"),
            "findings_nonresponse_tracebacks": t["nonresponse"].astype("int64"),
            "findings_rmd_violation_tracebacks": t["rmd_violation"].astype("int64"),
            "findings_betweenness": t["betweenness"].astype(float),
            "findings_pagerank": t["provider_key"].map(choke["pagerank"]).astype(float),
            "findings_window_since": since,
            "findings_window_until": until,
        }
    )
    return int(write_provider_properties(driver, frame, list(FINDINGS_COLUMNS)))
