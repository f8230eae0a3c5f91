"""Failed-login throttling per user name and per client address, kept in the database so every
worker sees it.

After ``max_failures`` failed logins for one user name within ``window``, further attempts for
that name are refused *without checking the password* until the window's oldest failure ages out
(a sliding window: then one more attempt is allowed). A success deletes the name's failures. The
user table is never read here, so an unknown name is throttled exactly like a known one.

A second limit counts failures per client address across all names (``max_per_address`` within
the same window), so one address cannot try a few passwords on every name (password spraying).
Beyond it, attempts from that address are refused, whatever the name, until its oldest failure in
the window ages out. A success deletes only the successful name's failures, so knowing one good
account does not reset the address's count. When the address is unknown (None) only the name
limit applies. Each failure row records the address (column ``client``).

Each attempt first reserves its failure row (count and insert in one write transaction: advisory
locks on the address and the name on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so parallel
workers cannot together admit more than ``max_failures`` guesses on a name nor more than
``max_per_address`` from an address; the row is deleted again when the login succeeds. Refusals and the start of each lock-out are audited (actions ``login_refused`` and
``login_locked``). An administrator ends a lock-out early with ``graphengine platform
unlock-login NAME`` (:func:`unlock`, audited as ``login_unlocked``); ``--address ADDR``
(:func:`unlock_address`) forgets which address the failures came from, leaving the names' counts.

Locks on PostgreSQL (transaction-scoped advisory locks) cannot deadlock: every transaction that
waits for more than one takes them in one order, the guard key 0 (shared by a success, exclusive
by an unlock), then the address key, then the name key; pruning only *tries* key 0 (it never
waits), and a hash collision merges two keys of one kind without changing that order. The rows a
transaction deletes or updates are guarded too: pruning, unlocking and successes exclude each
other through key 0, except successes among themselves, which delete the disjoint rows of their
own names. Admissions only insert and read rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Index, String, delete, func, select, text, update
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
    "unlock_address",
]

#: longest user name kept, as ``user_account.username``: a longer name cannot exist, so it is
#: counted under its first 120 characters (and fits the audit entry's target)
NAME_LENGTH = 120
#: longest client address kept (an IPv6 address with a zone fits); longer ones are cut
ADDRESS_LENGTH = 64
# advisory-lock namespaces (any constants): key 0 guards pruning and unlocking, other keys of
# _LOCK_NS are user names; keys of _ADDRESS_NS are client addresses
_LOCK_NS = 7_170_025
_ADDRESS_NS = 7_170_027
#: rows older than the window by this much are deleted by whichever attempt prunes; the margin
#: keeps the pruned rows disjoint from those a success deletes (no lock cycles on PostgreSQL)
PRUNE_MARGIN = dt.timedelta(hours=1)


class LoginFailure(Base):
    """One failed (or still running) login attempt for a user name, from ``client`` if known."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_username_at", "username", "at"),
        Index("ix_login_failure_client_at", "client", "at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME_LENGTH))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    client: Mapped[str | None] = mapped_column(String(ADDRESS_LENGTH), nullable=True)


def throttle_message(retry_after: int, limit: str = "user") -> str:
    """The one-line refusal shown on the page and in the API's ``error``; ``limit`` is the one
    that refused (``"user"`` or ``"address"``)."""
    minutes = max(1, math.ceil(retry_after / 60))
    unit = "minute" if minutes == 1 else "minutes"
    whose = "from this address" if limit == "address" else "for this user name"
    return f"Too many failed sign-in attempts {whose}; try again in {minutes} {unit}."


class LoginThrottled(Exception):
    """The user name or address is locked out: answer 429 with ``Retry-After: retry_after``
    (seconds)."""

    def __init__(self, retry_after: int, limit: str = "user") -> None:
        self.retry_after, self.limit = retry_after, limit
        super().__init__(throttle_message(retry_after, limit))


@dataclass(frozen=True)
class Admission:
    """What :meth:`LoginThrottle.admit` decided.

    ``retry_after`` is 0 when the attempt may check the password (its failure row is reserved
    and ``failures`` counts it), else the whole seconds until the name (``limit="user"``) or the
    address (``limit="address"``) is allowed again. ``address_failures`` counts the address's
    failures in the window (0 when ``client`` is None or the name refused first).
    """

    username: str
    failures: int
    retry_after: int
    client: str | None = None
    address_failures: int = 0
    limit: str = "user"


class LoginThrottle:
    """The limits (``max_failures`` per name and ``max_per_address`` per client address, per
    ``window``) and their clock (injectable for tests)."""

    def __init__(
        self,
        max_failures: int = 5,
        window: dt.timedelta = dt.timedelta(minutes=15),
        clock: Callable[[], dt.datetime] = utcnow,
        max_per_address: int = 20,
    ) -> None:
        if max_failures < 1 or max_per_address < 1 or window <= dt.timedelta(0):
            raise ValueError("max_failures and max_per_address must be >= 1, window positive")
        self.max_failures, self.window, self.clock = max_failures, window, clock
        self.max_per_address = max_per_address

    def admit(self, session: Session, username: str, client: str | None = None) -> Admission:
        """Reserve one attempt for ``username`` from ``client``, or refuse it (audited) when the
        name or the address is locked (the name's limit is checked first).

        Call inside a write transaction and commit it before checking the password.
        """
        name = username[:NAME_LENGTH]
        addr = client[:ADDRESS_LENGTH] if client else None
        if addr:
            _lock(session, addr, _ADDRESS_NS)  # before the name's: see the module's docstring
        _lock(session, name)
        now = self.clock()  # read under the locks: no row of the name or address is newer
        self._prune(session, now)
        failures, retry_after = self._state(
            session, LoginFailure.username == name, self.max_failures, now
        )
        if retry_after:
            audit.append(
                session, "anonymous", "login_refused", f"user:{name}",
                {"failures": failures, "retry_after": retry_after, "client": client},
            )  # fmt: skip
            return Admission(name, failures, retry_after, addr)
        from_addr = 0
        if addr:
            from_addr, wait = self._state(
                session, LoginFailure.client == addr, self.max_per_address, now
            )
            if wait:
                audit.append(
                    session, "anonymous", "login_refused", f"user:{name}",
                    {"reason": "address", "failures": from_addr, "retry_after": wait,
                     "client": addr},
                )  # fmt: skip
                return Admission(name, failures, wait, addr, from_addr, "address")
            from_addr += 1
        session.add(LoginFailure(username=name, at=now, client=addr))
        session.flush()
        return Admission(name, failures + 1, 0, addr, from_addr)

    def failed(self, session: Session, admission: Admission, client: str | None = None) -> None:
        """The admitted attempt failed: its row stays; audit each lock-out (of the name, of the
        address) that it starts."""
        name, addr = admission.username, admission.client
        if admission.failures == self.max_failures:
            self._audit_lockout(
                session, f"user:{name}", LoginFailure.username == name, self.max_failures,
                client, {},
            )  # fmt: skip
        if addr and admission.address_failures == self.max_per_address:
            self._audit_lockout(
                session, f"address:{addr}", LoginFailure.client == addr, self.max_per_address,
                addr, {"reason": "address"},
            )  # fmt: skip

    def _audit_lockout(
        self,
        session: Session,
        target: str,
        mine: ColumnElement[bool],
        limit: int,
        client: str | None,
        lead: dict[str, str],
    ) -> None:
        """Audit ``login_locked`` of ``target`` when the failures of ``mine`` now lock it."""
        failures, retry_after = self._state(session, mine, limit, self.clock())
        if retry_after:
            audit.append(
                session, "anonymous", "login_locked", target,
                {**lead, "failures": failures, "retry_after": retry_after, "client": client,
                 "window_seconds": int(self.window.total_seconds())},
            )  # fmt: skip

    def succeeded(self, session: Session, admission: Admission) -> None:
        """The admitted attempt logged in: delete the name's failures (the count restarts;
        the failures of the name count no more for the addresses they came from)."""
        _lock(session, "", _LOCK_NS, guard="shared")
        _lock(session, admission.username)
        cutoff = self.clock() - self.window - PRUNE_MARGIN / 2
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.username == admission.username, LoginFailure.at > cutoff
            )
        )

    def _state(
        self, session: Session, mine: ColumnElement[bool], limit: int, now: dt.datetime
    ) -> tuple[int, int]:
        """Return (failures of ``mine`` within the window, seconds until an attempt is allowed
        under ``limit`` or 0)."""
        times = session.scalars(
            select(LoginFailure.at)
            .where(mine, LoginFailure.at > now - self.window)
            .order_by(LoginFailure.at)
        ).all()
        if len(times) < limit:
            return len(times), 0
        # allowed again once fewer than limit remain: when this one ages out
        frees = times[len(times) - limit] + self.window
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
    _lock(session, "", _LOCK_NS, guard="exclusive")
    _lock(session, name)
    mine = LoginFailure.username == name
    count = _count(session, mine)
    session.execute(delete(LoginFailure).where(mine))
    audit.append(session, actor, "login_unlocked", f"user:{name}", {"failures": count})
    return count


def unlock_address(session: Session, client: str, actor: str = "cli") -> int:
    """End an address's lock-out: its recorded failures no longer count for the address (their
    address is erased), while they still count for their user names, so a sprayed name stays
    locked. Audited as ``login_unlocked`` of ``address:ADDR`` with the count, even when it is 0.

    Returns the number of failures released; the address's next attempt checks the password.
    """
    addr = client[:ADDRESS_LENGTH]
    _lock(session, "", _LOCK_NS, guard="exclusive")
    _lock(session, addr, _ADDRESS_NS)
    mine = LoginFailure.client == addr
    count = _count(session, mine)
    session.execute(update(LoginFailure).where(mine).values(client=None))
    audit.append(session, actor, "login_unlocked", f"address:{addr}", {"failures": count})
    return count


def _count(session: Session, mine: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(LoginFailure).where(mine)) or 0)


def _lock(session: Session, name: str, ns: int = _LOCK_NS, guard: str = "") -> None:
    """Serialise attempts on one user name (or, in ``_ADDRESS_NS``, one address); with
    ``guard`` take key 0 instead, ``"shared"`` or ``"exclusive"``. On SQLite, start the (serial)
    write transaction instead."""
    if is_sqlite(session):
        session.connection()  # BEGIN IMMEDIATE: waits for any other writer
        return
    if guard:
        fn = "pg_advisory_xact_lock_shared" if guard == "shared" else "pg_advisory_xact_lock"
        session.execute(text(f"SELECT {fn}(:ns, 0)"), {"ns": _LOCK_NS})
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": ns, "key": key or 1})
