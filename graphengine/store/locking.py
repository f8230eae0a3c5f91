"""What makes concurrent loads safe: per-traceback write locks and an edge-count check.

Two loads may run at the same time (two investigators, or a script started twice). Each
batch transaction of :func:`graphengine.store.load.load_frames` first takes Neo4j's own write
lock on every Traceback node of the batch (``LOCK_TRACEBACKS``: ``MERGE`` the node, then
``SET t._LOCK_``, the idiom Neo4j documents for locking in Cypher). A second load that reaches
the same traceback waits on that lock until the first one commits, and then reads what was
committed. :func:`plan_batch` decides from that committed state, inside the transaction:

* the stored content hash equals this load's and the traceback has exactly as many outgoing
  edges as this content gives (:func:`expected_edges`): **skip** it, it is already written;
* the traceback exists with other content, or with more or fewer edges (duplicates left by an
  older version that let concurrent loads race): **replace** it (delete its edges, write again);
* otherwise it is new: **write** it.

A batch then locks, in one fixed order, everything its edges will touch: its providers
(sorted by key, ``LOCK_PROVIDERS``) and its campaigns (sorted, ``MERGE_CAMPAIGNS``); customers
are written (so locked) sorted by key. Creating a relationship write-locks both its ends, and
all of them are already held, so two batches never wait on each other in a cycle. Provider
nodes are locked the same way before their aliases are merged (``MERGE_PROVIDERS``) and before
their SENDS_TO edges are rebuilt (``RECOMPUTE_SENDS_TO``), so two rebuilds of one provider run
one after the other instead of both creating edges. The deadlocks that remain possible (a
rebuild of SENDS_TO against a batch; replacing a traceback whose old edges touch other
providers) are detected by Neo4j, and the losing transaction is retried by the driver, whole,
from the lock step.

Examples
--------
>>> import pandas as pd
>>> from graphengine import schema
>>> expected_edges(schema.empty_hops()).empty
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "EDGE_COUNTS",
    "BatchPlan",
    "edge_lookup",
    "expected_edges",
    "plan_batch",
    "provider_keys",
]

#: the edge counts compared per traceback (columns of :func:`expected_edges`, fields of
#: ``READ_TRACEBACK_HASHES``).
EDGE_COUNTS: tuple[str, ...] = ("out_edges",)


def expected_edges(hops: pd.DataFrame) -> pd.DataFrame:
    """Return, per traceback id, how many outgoing edges the store writes for it.

    Column ``out_edges`` (``int64``, indexed by ``traceback_id``): its HOP edges, plus
    OF_CAMPAIGN when its lowest hop names a campaign, plus FROM_CUSTOMER when a hop names a
    customer. A traceback whose edges were written twice (two racing loads of an older version
    wrote HOP, ROUTED and the customer edges together, in one transaction) has more.
    """
    if hops.empty:
        return pd.DataFrame(
            {c: pd.Series([], dtype="int64") for c in EDGE_COUNTS},
            index=pd.Index([], dtype="string", name="traceback_id"),
        )
    frame = pd.DataFrame(
        {
            "tb": hops["traceback_id"].astype("string").to_numpy(dtype=object),
            "hop": hops["hop"].to_numpy(dtype=np.int64),
            "campaign": hops["campaign"].notna().to_numpy(),
            "customer": hops["customer_key"].notna().to_numpy(),
        }
    )
    grouped = frame.groupby("tb", sort=True)
    # OF_CAMPAIGN comes from the campaign of the traceback's lowest hop
    lowest = frame.loc[grouped["hop"].idxmin().to_numpy()].set_index("tb")["campaign"]
    customer = grouped["customer"].any()
    out = pd.DataFrame(
        {
            "out_edges": grouped.size()
            + lowest.reindex(customer.index).astype(np.int64)
            + customer.astype(np.int64)
        }
    )
    out.index = out.index.astype("string").rename("traceback_id")
    return out


def provider_keys(batch: pd.DataFrame) -> list[str]:
    """Return every provider key a batch names (as a provider or an upstream), sorted: the
    order in which a batch takes provider locks (``LOCK_PROVIDERS``).

    Examples
    --------
    >>> import pandas as pd
    >>> provider_keys(pd.DataFrame({"provider_key": ["b", "a"], "upstream_key": ["a", None]}))
    ['a', 'b']
    """
    keys = pd.concat([batch["provider_key"], batch["upstream_key"]]).dropna()
    return sorted({str(k) for k in keys.unique()})


@dataclass
class BatchPlan:
    """What one batch transaction does with each of its tracebacks (:func:`plan_batch`)."""

    skip: list[str] = field(default_factory=list)
    replace: list[str] = field(default_factory=list)
    write: list[str] = field(default_factory=list)


def edge_lookup(expected: pd.DataFrame) -> dict[str, tuple[int, ...]]:
    """Return :func:`expected_edges` as ``{traceback_id: (out_edges,)}``,
    the form :func:`plan_batch` looks up (a dict: one frame lookup per traceback is slow)."""
    cols = [expected[c].to_numpy(dtype="int64").tolist() for c in EDGE_COUNTS]
    return dict(zip(expected.index.astype(str), zip(*cols, strict=True), strict=True))


def plan_batch(
    found: Iterable[Mapping[str, Any]],
    hashes: Mapping[str, Any],
    expected: Mapping[str, tuple[int, ...]],
) -> BatchPlan:
    """Decide per traceback whether to skip, replace or write it, from what the graph holds.

    Parameters
    ----------
    found
        Records of ``LOCK_TRACEBACKS`` or ``READ_TRACEBACK_HASHES``: ``id``, ``content_hash``
        and the :data:`EDGE_COUNTS`.
    hashes
        This load's content hash per traceback id (:func:`graphengine.store.rows.content_hashes`,
        as a dict).
    expected
        :func:`edge_lookup` of this load's hops.

    Returns
    -------
    BatchPlan
        ``skip``: already stored exactly; ``replace``: stored with other content or a wrong
        number of edges; ``write``: new (no hash, no edges).
    """
    plan = BatchPlan()
    for rec in found:
        tb = str(rec["id"])
        stored = rec.get("content_hash")
        counts = tuple(int(rec.get(c) or 0) for c in EDGE_COUNTS)
        if stored is not None and stored == hashes.get(tb) and counts == expected.get(tb):
            plan.skip.append(tb)
        elif stored is not None or any(counts):
            plan.replace.append(tb)
        else:
            plan.write.append(tb)
    return plan
