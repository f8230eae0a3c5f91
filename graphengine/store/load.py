"""Load canonical frames into Neo4j: batched, idempotent and resumable.

How a load runs (every statement is in :mod:`graphengine.store.statements`):

1. Constraints and indexes are created (``IF NOT EXISTS``) and awaited.
2. Provider nodes are merged on their key, in batches.
3. Each traceback gets a content fingerprint (:func:`graphengine.store.rows.content_hashes`).
   Tracebacks already in the graph with the same fingerprint are skipped: they are exactly
   what this load would write. That is what makes a second load a no-op and lets a killed
   load resume where it stopped.
4. The remaining tracebacks go in batches of whole tracebacks. Each batch is one write
   transaction: the old edges of tracebacks whose content changed are removed, then nodes
   (Traceback, Campaign, Customer) are merged, then HOP, ROUTED, OF_CAMPAIGN, FROM_CUSTOMER
   and CUSTOMER_OF edges are created. A batch commits completely or not at all, so a
   traceback is never half-written.
5. Every provider whose outgoing ROUTED edges changed carries the ``SendsToStale`` label
   (set inside the same transactions). Its SENDS_TO edges are rebuilt from ROUTED and the
   label removed, in one transaction per group of providers; a load killed before this step
   leaves the labels behind, and the next load finishes the job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from graphengine import schema
from graphengine.errors import ConfigError, GraphengineError
from graphengine.progress import bar
from graphengine.store import locking as L
from graphengine.store import rows as R
from graphengine.store import statements as S
from graphengine.store.connection import session_database
from graphengine.store.failures import INTERRUPTIONS, load_failure
from graphengine.store.read import graph_counts
from graphengine.store.run import read, write
from neo4j import Driver, ManagedTransaction, Record

__all__ = ["LoadReport", "ensure_schema", "load_frames", "refresh_sends_to", "DEFAULT_BATCH_SIZE"]

#: hops per write transaction; large enough to amortise round trips, small enough that a
#: transaction stays well inside the server's memory limits.
DEFAULT_BATCH_SIZE = 10_000

#: ids per fingerprint lookup and providers per write.
_LOOKUP_CHUNK = 20_000
_PROVIDER_CHUNK = 5_000
_SENDS_TO_CHUNK = 200


@dataclass
class LoadReport:
    """What one :func:`load_frames` call did.

    Attributes
    ----------
    hops, tracebacks
        Rows and distinct tracebacks in the input frame.
    tracebacks_written
        Tracebacks written in this load (new ones plus replaced ones).
    tracebacks_replaced
        Tracebacks that were already in the graph with different content.
    tracebacks_unchanged
        Tracebacks skipped because the graph already held exactly this content.
    written
        Per label / relationship type, how many nodes or edges this load merged or created.
    graph
        Totals per label / relationship type in the whole graph after the load.
    seconds
        Wall-clock time of the whole load.
    """

    hops: int = 0
    tracebacks: int = 0
    tracebacks_written: int = 0
    tracebacks_replaced: int = 0
    tracebacks_unchanged: int = 0
    hops_written: int = 0
    providers_refreshed: int = 0
    written: dict[str, int] = field(default_factory=dict)
    graph: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: seconds per phase: schema, providers, fingerprints, batches, sends_to, counts
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def hops_per_second(self) -> float:
        """Input hops handled per second, skipped ones included."""
        return self.hops / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-serialisable values."""
        return {
            "hops": self.hops,
            "tracebacks": self.tracebacks,
            "tracebacks_written": self.tracebacks_written,
            "tracebacks_replaced": self.tracebacks_replaced,
            "tracebacks_unchanged": self.tracebacks_unchanged,
            "hops_written": self.hops_written,
            "providers_refreshed": self.providers_refreshed,
            "written": dict(self.written),
            "graph": dict(self.graph),
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "hops_per_second": round(self.hops_per_second, 1),
        }


def _write(driver: Driver, database: str | None, work: Callable[[ManagedTransaction], Any]) -> Any:
    with driver.session(database=session_database(driver, database)) as session:
        return session.execute_write(work)


def ensure_schema(driver: Driver, *, database: str | None = None, together: bool = False) -> None:
    """Create the model's constraints and indexes if missing and wait until they are online.

    With ``together`` they are created in one transaction, which Neo4j populates with one
    scan of the store instead of one each (after a 10M-hop bulk import: 20 s instead of 23 s).
    Only the bulk import uses it: it runs alone on a server nothing else writes to, whereas
    concurrent batched loads keep the schema locks short with one statement per transaction.

    Examples
    --------
    >>> ensure_schema(driver)  # doctest: +SKIP
    """
    with driver.session(database=session_database(driver, database)) as session:
        if together:
            with session.begin_transaction() as tx:
                for statement in S.SCHEMA_STATEMENTS:
                    tx.run(statement).consume()
                tx.commit()
        else:
            for statement in S.SCHEMA_STATEMENTS:
                session.run(statement).consume()
        session.run(S.AWAIT_INDEXES, timeout=300).consume()


def _existing(driver: Driver, database: str | None, ids: list[str]) -> list[Record]:
    found: list[Record] = []
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        # records are mappings already: no per-record dict copy
        found.extend(read(driver, S.READ_TRACEBACK_HASHES, database, ids=chunk))
    return found


def refresh_sends_to(driver: Driver, *, database: str | None = None) -> int:
    """Rebuild SENDS_TO for every provider marked ``SendsToStale``; return how many.

    Safe to call at any time: it does nothing when no provider is marked.
    """
    done = 0
    while True:
        keys = [r["key"] for r in read(driver, S.STALE_UPSTREAMS, database, limit=_SENDS_TO_CHUNK)]
        if not keys:
            return done
        refreshed = write(driver, S.RECOMPUTE_SENDS_TO, database, keys=keys)[0]["refreshed"]
        if not refreshed:  # pragma: no cover - would mean a provider without a key
            raise GraphengineError(
                "could not clear the SendsToStale mark on providers " + ", ".join(keys[:5])
            )
        # a concurrent load may mark the same providers again; they are rebuilt again
        done += len(keys)


class _Clock:
    """Records the seconds since the previous lap under a phase name."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.into[phase] = self.into.get(phase, 0.0) + now - self.last
        self.last = now


def _add(counts: dict[str, int], name: str, n: int) -> None:
    counts[name] = counts.get(name, 0) + n


def load_frames(
    driver: Driver,
    hops: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = True,
    database: str | None = None,
) -> LoadReport:
    """Write a canonical hop frame (and optional provider frame) into Neo4j.

    Parameters
    ----------
    driver
        An open Neo4j driver (see :func:`graphengine.store.connection.connect`).
    hops
        Canonical hop frame (:data:`graphengine.schema.HOP_COLUMNS`).
    providers
        Canonical provider frame; providers the hops name but this frame lacks are created
        from their printed names.
    batch_size
        About how many hops go in one write transaction (whole tracebacks only).
    progress
        Show a progress bar on stderr with hops per second.
    database
        Neo4j database name; ``None`` uses the server's default.

    Returns
    -------
    LoadReport
        Counts of what was written, skipped and what the graph holds afterwards.

    Raises
    ------
    SchemaError
        When a frame does not follow the canonical schema.
    ConfigError
        When ``batch_size`` is smaller than 1.
    Neo4jUnavailable
        When the server stops answering or ends a transaction during the load (one line with
        the URI; re-running the same load resumes it).

    Examples
    --------
    >>> report = load_frames(driver, result.hops, result.providers)  # doctest: +SKIP
    >>> report.graph["ROUTED"]  # doctest: +SKIP
    12
    """
    if batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {batch_size}")
    schema.check_hops(hops)
    if providers is not None:
        schema.check_providers(providers)
    try:
        return _load(driver, hops, providers, batch_size, progress, database)
    except INTERRUPTIONS as exc:
        uri = getattr(driver, "_graphengine_uri", None) or "the server"
        raise load_failure(exc, uri) from None


def _load(
    driver: Driver,
    hops: pd.DataFrame,
    providers: pd.DataFrame | None,
    batch_size: int,
    progress: bool,
    database: str | None,
) -> LoadReport:
    started = time.perf_counter()
    report = LoadReport(hops=len(hops), tracebacks=int(hops["traceback_id"].nunique()))
    clock = _Clock(report.timings)
    ensure_schema(driver, database=database)
    clock.lap("schema")

    provider_rows = R.provider_rows(hops, providers)
    for start in range(0, len(provider_rows), _PROVIDER_CHUNK):
        chunk = provider_rows[start : start + _PROVIDER_CHUNK]
        write(driver, S.MERGE_PROVIDERS, database, rows=chunk)
    _add(report.written, "Provider", len(provider_rows))
    clock.lap("providers")

    hashes = R.content_hashes(hops)
    expected = L.edge_lookup(L.expected_edges(hops))
    hash_of = {str(k): str(v) for k, v in hashes.items()}
    # a first look without locks: most re-loads end here; the batches decide again under lock
    ahead = L.plan_batch(_existing(driver, database, list(hash_of)), hash_of, expected)
    unchanged = set(ahead.skip)
    report.tracebacks_unchanged = len(unchanged)
    todo = hops[~hops["traceback_id"].isin(unchanged)]
    clock.lap("fingerprints")

    replaced = 0
    with bar(
        total=len(todo), desc="loading hops", unit="hops", disable=None if progress else True
    ) as pbar:
        for batch in R.batches(todo, batch_size):
            written, plan = _write_batch(driver, database, batch, hashes, hash_of, expected)
            for name, n in written.items():
                _add(report.written, name, n)
            report.tracebacks_written += written["Traceback"]
            report.tracebacks_unchanged += len(plan.skip)
            replaced += len(plan.replace)
            report.hops_written += written["HOP"]
            pbar.update(len(batch))
    report.tracebacks_replaced = replaced
    clock.lap("batches")
    # SENDS_TO edges duplicated by an older version are rebuilt with the stale ones
    write(driver, S.MARK_DUPLICATE_SENDS_TO, database)
    report.providers_refreshed = refresh_sends_to(driver, database=database)
    clock.lap("sends_to")
    report.graph = graph_counts(driver, database=database)
    clock.lap("counts")
    report.seconds = time.perf_counter() - started
    return report


class _BatchRows:
    """The parameter columns of one batch (built once, rebuilt only when tracebacks drop out)."""

    def __init__(self, batch: pd.DataFrame, hashes: pd.Series) -> None:
        self.tracebacks = R.traceback_rows(batch, hashes)
        self.campaigns = R.campaign_names(batch)
        self.customers = R.customer_rows(batch)
        self.hops = R.hop_rows(batch)
        self.routed = R.routed_rows(batch)
        self.of_campaign = R.of_campaign_rows(batch)
        self.links = R.customer_link_rows(batch)

    def counts(self) -> dict[str, int]:
        return {
            "Traceback": len(self.tracebacks["id"]),
            "Campaign": len(self.campaigns),
            "Customer": len(self.customers["key"]),
            "HOP": len(self.hops["id"]),
            "ROUTED": len(self.routed["up"]),
            "OF_CAMPAIGN": len(self.of_campaign["id"]),
            "FROM_CUSTOMER": len(self.links["id"]),
            "CUSTOMER_OF": len(self.links["id"]),
        }


def _write_batch(
    driver: Driver,
    database: str | None,
    batch: pd.DataFrame,
    hashes: pd.Series,
    hash_of: dict[str, str],
    expected: dict[str, tuple[int, ...]],
) -> tuple[dict[str, int], L.BatchPlan]:
    ids = sorted(str(i) for i in pd.unique(batch["traceback_id"]))
    prepared = _BatchRows(batch, hashes)
    providers = L.provider_keys(batch)

    def work(tx: ManagedTransaction) -> tuple[_BatchRows, L.BatchPlan]:
        # lock every traceback first, then decide from what is committed (locking.py)
        claimed = tx.run(S.LOCK_TRACEBACKS, ids=ids).data()
        locked = [r["id"] for r in claimed if r["existed"]]
        found = tx.run(S.READ_TRACEBACK_HASHES, ids=locked).data() if locked else []
        fresh = [{"id": r["id"]} for r in claimed if not r["existed"]]
        plan = L.plan_batch([*found, *fresh], hash_of, expected)
        rows = prepared
        if plan.skip:  # another load wrote some of them meanwhile
            rows = _BatchRows(batch[~batch["traceback_id"].isin(plan.skip)], hashes)
        # old edges first, then nodes, then relationships
        if plan.replace:
            tx.run(S.DELETE_TRACEBACK_EDGES, ids=plan.replace).consume()
        # every provider's lock, in key order, before any edge touches one (locking.py)
        tx.run(S.LOCK_PROVIDERS, keys=providers).consume()
        if rows.routed["up"]:
            tx.run(S.MARK_SENDS_TO_STALE, keys=R.upstream_keys(rows.routed)).consume()
        if rows.tracebacks["id"]:
            tx.run(S.MERGE_TRACEBACKS, cols=rows.tracebacks).consume()
        if rows.campaigns:
            tx.run(S.MERGE_CAMPAIGNS, names=rows.campaigns).consume()
        if rows.customers["key"]:
            tx.run(S.MERGE_CUSTOMERS, cols=rows.customers).consume()
        if rows.hops["id"]:
            tx.run(S.CREATE_HOPS, cols=rows.hops).consume()
        if rows.routed["up"]:
            tx.run(S.CREATE_ROUTED, cols=rows.routed).consume()
        if rows.of_campaign["id"]:
            tx.run(S.CREATE_OF_CAMPAIGN, cols=rows.of_campaign).consume()
        if rows.links["id"]:
            tx.run(S.CREATE_CUSTOMER_LINKS, cols=rows.links).consume()
        tx.run(S.UNLOCK_NODES, ids=locked, keys=providers, names=rows.campaigns).consume()
        return rows, plan

    rows, plan = _write(driver, database, work)
    return rows.counts(), plan
