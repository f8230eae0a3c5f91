"""The append-only audit trail: every state change and download, each entry hashing the previous.

``entry_hash = sha256(prev_hash + canonical JSON of (seq, at, actor, action, target, detail))``;
the first entry's ``prev_hash`` is 64 zeros. :func:`verify_chain` walks the entries in order and
names the first one that was altered, is missing (a gap in ``seq``), or was cut off the end (the
``audit_head`` row remembers the last entry).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from graphengine.platform.db import lock_for_append
from graphengine.platform.models import AuditEntry, AuditHead, utcnow

__all__ = ["GENESIS", "ChainReport", "append", "entry_hash", "verify_chain"]

GENESIS = "0" * 64


def entry_hash(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any],
) -> str:
    """Return the SHA-256 (hex) that chains one entry to the previous one."""
    body = json.dumps(
        [
            seq,
            at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            actor,
            action,
            target,
            detail,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def append(
    session: Session, actor: str, action: str, target: str, detail: dict[str, Any] | None = None
) -> AuditEntry:
    """Add one entry to the chain inside the caller's transaction and return it.

    The entry commits (or rolls back) with the change it records. Never put secrets in
    ``detail``: the trail is readable by admins.
    """
    lock_for_append(session)
    head = session.get(AuditHead, 1)
    seq = 1 if head is None else head.seq + 1
    prev = GENESIS if head is None else head.entry_hash
    at = utcnow()  # microseconds: what both databases store, so the hash recomputes exactly
    detail = dict(detail or {})
    digest = entry_hash(prev, seq, at, actor, action, target, detail)
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        target=target,
        detail=detail,
        prev_hash=prev,
        entry_hash=digest,
    )
    session.add(entry)
    if head is None:
        session.add(AuditHead(id=1, seq=seq, entry_hash=digest))
    else:
        head.seq, head.entry_hash = seq, digest
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found: ``ok``, entries checked, and the first problem."""

    ok: bool
    checked: int
    problem: str | None = None
    first_bad_seq: int | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute the chain and return a :class:`ChainReport` naming the first bad entry."""
    prev, expected, checked, last = GENESIS, 1, 0, 0
    while True:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq >= expected)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for e in rows:
            if e.seq != expected:
                return ChainReport(False, checked, f"entry {expected} is missing", expected)
            if e.prev_hash != prev:
                return ChainReport(
                    False,
                    checked,
                    f"entry {e.seq} does not follow entry {e.seq - 1} (previous hash differs)",
                    e.seq,
                )
            digest = entry_hash(prev, e.seq, e.at, e.actor, e.action, e.target, e.detail)
            if digest != e.entry_hash:
                return ChainReport(
                    False, checked, f"entry {e.seq} was altered ({e.action} {e.target})", e.seq
                )
            prev, expected, checked, last = e.entry_hash, e.seq + 1, checked + 1, e.seq
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != last or head.entry_hash != prev):
        first = last + 1
        return ChainReport(
            False,
            checked,
            f"entry {first} is missing (the trail ends at {last}, the head says {head.seq})",
            first,
        )
    return ChainReport(True, checked)
