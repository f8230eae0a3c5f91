"""Failed-login throttling per user name, kept in the database so every worker sees it.

After ``max_failures`` failed logins for one user name within ``window``, further attempts for
that name are refused *without checking the password* until the window's oldest failure ages out
(a sliding window: then one more attempt is allowed). A success deletes the name's failures. The
user table is never read here, so an unknown name is throttled exactly like a known one.

Each attempt first reserves its failure row (count and insert in one write transaction: a
per-name advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so parallel workers cannot
together admit more than ``max_failures`` guesses; the row is deleted again when the login
succeeds. Refusals and the start of each lock-out are audited (actions ``login_refused`` and
``login_locked``). An administrator ends a lock-out early with ``graphengine platform
unlock-login NAME`` (:func:`unlock`, audited as ``login_unlocked``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Index, String, delete, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from graphengine.platform import audit
from graphengine.platform.db import is_sqlite
from graphengine.platform.models import Base, BigId, UTCDateTime, utcnow

__all__ = [
    "Admission",
    "LoginFailure",
    "LoginThrottle",
    "LoginThrottled",
    "throttle_message",
    "unlock",
]

#: longest user name kept, as ``user_account.username``: a longer name cannot exist, so it is
#: counted under its first 120 characters (and fits the audit entry's target)
NAME_LENGTH = 120
# advisory-lock namespace (any constant): key 0 guards pruning, other keys are user names
_LOCK_NS = 7_170_025
#: rows older than the window by this much are deleted by whichever attempt prunes; the margin
#: keeps the pruned rows disjoint from those a success deletes (no lock cycles on PostgreSQL)
PRUNE_MARGIN = dt.timedelta(hours=1)


class LoginFailure(Base):
    """One failed (or still running) login attempt for a user name."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_username_at", "username", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME_LENGTH))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


def throttle_message(retry_after: int) -> str:
    """The one-line refusal shown on the page and in the API's ``error``."""
    minutes = max(1, math.ceil(retry_after / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed sign-in attempts for this user name; try again in {minutes} {unit}."


class LoginThrottled(Exception):
    """The user name is locked out: answer 429 with ``Retry-After: retry_after`` (seconds)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(throttle_message(retry_after))


@dataclass(frozen=True)
class Admission:
    """What :meth:`LoginThrottle.admit` decided.

    ``retry_after`` is 0 when the attempt may check the password (its failure row is reserved
    and ``failures`` counts it), else the whole seconds until the name is allowed again.
    """

    username: str
    failures: int
    retry_after: int


class LoginThrottle:
    """The limit (``max_failures`` per ``window``) and its clock (injectable for tests)."""

    def __init__(
        self,
        max_failures: int = 5,
        window: dt.timedelta = dt.timedelta(minutes=15),
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        if max_failures < 1 or window <= dt.timedelta(0):
            raise ValueError("max_failures must be >= 1 and window positive")
        self.max_failures, self.window, self.clock = max_failures, window, clock

    def admit(self, session: Session, username: str, client: str | None = None) -> Admission:
        """Reserve one attempt for ``username``, or refuse it (audited) when the name is locked.

        Call inside a write transaction and commit it before checking the password.
        """
        name = username[:NAME_LENGTH]
        _lock(session, name)
        now = self.clock()  # read under the lock: no row of the name is newer
        self._prune(session, now)
        failures, retry_after = self._state(session, name, now)
        if retry_after:
            audit.append(
                session, "anonymous", "login_refused", f"user:{name}",
                {"failures": failures, "retry_after": retry_after, "client": client},
            )  # fmt: skip
            return Admission(name, failures, retry_after)
        session.add(LoginFailure(username=name, at=now))
        session.flush()
        return Admission(name, failures + 1, 0)

    def failed(self, session: Session, admission: Admission, client: str | None = None) -> None:
        """The admitted attempt failed: its row stays; audit the lock-out when it starts one."""
        if admission.failures != self.max_failures:
            return
        failures, retry_after = self._state(session, admission.username, self.clock())
        if retry_after:
            audit.append(
                session, "anonymous", "login_locked", f"user:{admission.username}",
                {"failures": failures, "retry_after": retry_after, "client": client,
                 "window_seconds": int(self.window.total_seconds())},
            )  # fmt: skip

    def succeeded(self, session: Session, admission: Admission) -> None:
        """The admitted attempt logged in: delete the name's failures (the count restarts)."""
        _lock(session, admission.username)
        cutoff = self.clock() - self.window - PRUNE_MARGIN / 2
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.username == admission.username, LoginFailure.at > cutoff
            )
        )

    def _state(self, session: Session, name: str, now: dt.datetime) -> tuple[int, int]:
        """Return (failures within the window, seconds until an attempt is allowed or 0)."""
        times = session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.username == name, LoginFailure.at > now - self.window)
            .order_by(LoginFailure.at)
        ).all()
        if len(times) < self.max_failures:
            return len(times), 0
        # allowed again once fewer than max_failures remain: when this one ages out
        frees = times[len(times) - self.max_failures] + self.window
        return len(times), max(1, math.ceil((frees - now).total_seconds()))

    def _prune(self, session: Session, now: dt.datetime) -> None:
        if not is_sqlite(session):
            got = session.execute(
                text("SELECT pg_try_advisory_xact_lock(:ns, 0)"), {"ns": _LOCK_NS}
            ).scalar()
            if not got:  # another worker is pruning right now
                return
        cutoff = now - self.window - PRUNE_MARGIN
        session.execute(delete(LoginFailure).where(LoginFailure.at <= cutoff))


def unlock(session: Session, username: str, actor: str = "cli") -> int:
    """End a lock-out: delete every failure recorded for ``username`` (audited as
    ``login_unlocked`` with the count, even when it is 0, so the trail shows who tried).

    Returns the number of failures deleted; the name's next attempt checks the password.
    """
    name = username[:NAME_LENGTH]
    _lock(session, name)
    mine = LoginFailure.username == name
    count = int(session.scalar(select(func.count()).select_from(LoginFailure).where(mine)) or 0)
    session.execute(delete(LoginFailure).where(mine))
    audit.append(session, actor, "login_unlocked", f"user:{name}", {"failures": count})
    return count


def _lock(session: Session, name: str) -> None:
    """Serialise attempts on one user name; on SQLite, start the (serial) write transaction."""
    if is_sqlite(session):
        session.connection()  # BEGIN IMMEDIATE: waits for any other writer
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)
    session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": _LOCK_NS, "key": key or 1}
    )
