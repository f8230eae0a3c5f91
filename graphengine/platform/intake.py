"""Store a validated batch of reports exactly once and return its receipt.

Exactly-once rests on two keys, both checked inside the same transaction that stores the rows:

- the ``Idempotency-Key`` header (unique per organisation): a retry of a batch that was committed
  gets the stored receipt back (``replayed: true``) and stores nothing; the same key with a
  different body is refused (:class:`IdempotencyConflict`);
- the reporter's ``report_id`` (unique per organisation): a report already stored is counted as a
  ``duplicate`` and not stored again, whatever batch it arrives in.

The receipt is returned only after the commit, so a ``202`` means the rows are on disk. If two
requests race on the same keys, the database's unique constraints make one of them fail; it rolls
back and is tried again, and then finds the other's receipt or rows.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from graphengine.platform import audit, campaign_service
from graphengine.platform.models import IdempotencyKey, IntakeBatch, Report, utcnow
from loaders.reports import ReportBatch

__all__ = [
    "AllRejected",
    "IdempotencyConflict",
    "Submission",
    "earlier_receipt",
    "receipt_of",
    "store_batch",
]

REPORT_TABLE = cast(Table, Report.__table__)
_IN_CHUNK = 900  # report ids per IN (...) lookup: under every driver's parameter limit


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different body."""


class AllRejected(Exception):
    """Every row was rejected: nothing is stored; ``rejected`` lists the reasons."""

    def __init__(self, rejected: list[dict[str, Any]]) -> None:
        super().__init__(f"all {len(rejected)} rows were rejected")
        self.rejected = rejected


@dataclass(frozen=True)
class Submission:
    """Who sent a batch and how (what the receipt and the audit entry record)."""

    org_id: int
    actor: str
    channel: str  # json, ndjson, csv
    body_sha256: str
    api_key_id: int | None = None
    user_id: int | None = None
    preset: str | None = None
    idempotency_key: str | None = None


def receipt_of(batch: IntakeBatch, replayed: bool = False) -> dict[str, Any]:
    """Return the JSON receipt of a stored batch."""
    return {
        "receipt_id": batch.id,
        "received": batch.received_rows,
        "accepted": batch.accepted,
        "duplicates": batch.duplicates,
        "rejected": batch.rejected,
        "received_at": batch.received_at.isoformat(),
        "replayed": replayed,
    }


def _rejected_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"line": int(line), "report_id": rid or None, "reason": reason}
        for line, rid, reason in frame[["line", "report_id", "reason"]].itertuples(index=False)
    ]


def _clean(value: Any) -> Any:
    return None if value is None or (value.__class__ is float and math.isnan(value)) else value


def _existing_ids(session: Session, org_id: int, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        found.update(
            session.scalars(
                select(Report.report_id).where(Report.org_id == org_id, Report.report_id.in_(chunk))
            )
        )
    return found


def _replay(session: Session, sub: Submission) -> dict[str, Any] | None:
    if not sub.idempotency_key:
        return None
    key = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.org_id == sub.org_id, IdempotencyKey.key == sub.idempotency_key
        )
    )
    if key is None:
        return None
    if key.body_sha256 != sub.body_sha256:
        raise IdempotencyConflict(
            f"Idempotency-Key '{sub.idempotency_key}' was used before with a different body"
        )
    stored = session.get(IntakeBatch, key.batch_id)
    assert stored is not None
    return receipt_of(stored, replayed=True)


def earlier_receipt(factory: sessionmaker[Session], sub: Submission) -> dict[str, Any] | None:
    """Return the stored receipt when ``sub``'s Idempotency-Key was used before, else ``None``.

    Checked before the body is parsed, so a retry costs one lookup. :func:`store_batch` checks
    again inside its transaction (a concurrent first attempt may commit in between).

    Raises
    ------
    IdempotencyConflict
        The key was used before with a different body.
    """
    if not sub.idempotency_key:
        return None
    with factory() as session:
        return _replay(session, sub)


def _store_once(
    factory: sessionmaker[Session], sub: Submission, batch: ReportBatch
) -> dict[str, Any]:
    rejected = _rejected_rows(batch.rejected)
    with factory() as session, session.begin():
        replay = _replay(session, sub)
        if replay is not None:
            return replay
        if batch.reports.empty:
            raise AllRejected(rejected)
        ids = batch.reports["report_id"].tolist()
        existing = _existing_ids(session, sub.org_id, ids)
        fresh = (
            batch.reports[~batch.reports["report_id"].isin(existing)] if existing else batch.reports
        )
        now = utcnow()
        receipt = IntakeBatch(
            id=str(uuid.uuid4()),
            org_id=sub.org_id,
            api_key_id=sub.api_key_id,
            user_id=sub.user_id,
            channel=sub.channel,
            preset=sub.preset,
            body_sha256=sub.body_sha256,
            received_rows=len(batch.reports) + len(rejected),
            accepted=len(fresh),
            duplicates=len(existing),
            rejected=rejected,
            received_at=now,
        )
        session.add(receipt)
        session.flush()
        if len(fresh):
            # plain Core insert of column lists: the ORM's per-object work costs more than the rows
            names = [c for c in fresh.columns if c not in ("line", "call_time")]
            columns = [[_clean(v) for v in fresh[c].tolist()] for c in names]
            times = fresh["call_time"].dt.to_pydatetime().tolist()
            rows = [
                dict(zip(names, values, strict=True))
                | {"call_time": t, "org_id": sub.org_id, "batch_id": receipt.id, "received_at": now}
                for *values, t in zip(*columns, times, strict=True)
            ]
            session.execute(insert(REPORT_TABLE), rows)
            campaign_service.schedule(session)  # the campaign run that will take these reports
        if sub.idempotency_key:
            session.add(
                IdempotencyKey(
                    org_id=sub.org_id,
                    key=sub.idempotency_key,
                    body_sha256=sub.body_sha256,
                    batch_id=receipt.id,
                    created_at=now,
                )
            )
        audit.append(
            session,
            sub.actor,
            "intake",
            f"receipt:{receipt.id}",
            {
                "channel": sub.channel,
                "preset": sub.preset,
                "accepted": receipt.accepted,
                "duplicates": receipt.duplicates,
                "rejected": len(rejected),
                "body_sha256": sub.body_sha256,
            },
        )
        return receipt_of(receipt)


def store_batch(
    factory: sessionmaker[Session], sub: Submission, batch: ReportBatch
) -> dict[str, Any]:
    """Store ``batch`` for ``sub`` exactly once; return the receipt (after the commit).

    Raises
    ------
    IdempotencyConflict
        The Idempotency-Key was used before with a different body.
    AllRejected
        No row passed validation; nothing was stored.
    """
    for attempt in range(3):
        try:
            return _store_once(factory, sub, batch)
        except IntegrityError:
            # a concurrent request stored the same key or report ids first: look again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
