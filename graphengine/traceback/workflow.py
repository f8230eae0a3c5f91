"""The traceback workflow as pure logic: states, hop requests, answers, deadlines, hop rows.

No database and no web here: the platform keeps these objects in its tables and calls these
methods from its routes and its deadline job; tests drive them in-process.

States (design.md, "Workflow states")
    A :class:`Traceback` is ``open -> in_progress -> complete | stalled | closed``. Each
    :class:`HopRequest` is ``requested -> answered | answered_from_records | overdue`` and an
    overdue request answered later becomes ``late_answer``; every request has a due time
    (default 24 h after it was opened, :attr:`Workflow.due`).

Answers (:data:`ANSWER_KINDS`)
    ``upstream`` (a provider name, resolved against the known providers with the loaders'
    identity rules; a new name becomes a new provider) opens the next hop's request at once;
    ``customer`` completes the path at its origin; ``foreign_upstream`` completes it at a gateway
    (the foreign provider gets a last row); ``no_record`` and ``not_our_call`` stall it.

Deadlines
    :meth:`Workflow.check_deadlines` turns requests past due into ``overdue`` and returns one
    **non-response event** each; the traceback is ``stalled`` until a late answer revives it.
    In hop rows an overdue request has the response ``No response by the deadline`` (category
    ``no_response``), which the non-cooperation finding counts.

Hop rows
    :func:`hop_rows` writes a complete or stalled traceback as canonical hop rows (the columns of
    ``graphengine traceback stitch``), ``response`` keeping the answer kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from graphengine.errors import GraphengineError
from graphengine.traceback.records import (
    RECORD_COLUMNS,
    RecordFile,
    carrier_key,
    e164_numbers,
    normalise,
    record_sha256,
)
from graphengine.traceback.stitch import HOP_OUTPUT_COLUMNS, decide

__all__ = [
    "TRACEBACK_STATES",
    "REQUEST_STATES",
    "ANSWER_KINDS",
    "WorkflowError",
    "Answer",
    "HopRequest",
    "Traceback",
    "Event",
    "Workflow",
    "hop_rows",
]

TRACEBACK_STATES = ("open", "in_progress", "complete", "stalled", "closed")
REQUEST_STATES = ("requested", "answered", "answered_from_records", "overdue", "late_answer")
ANSWER_KINDS = ("upstream", "customer", "foreign_upstream", "no_record", "not_our_call")

#: answer kind (or request state) -> raw response text of the hop row, with its category.
RESPONSE_TEXT = {
    "upstream": "Responded - upstream identified",  # responded
    "customer": "Responded - customer identified",  # customer_identified
    "foreign_upstream": "Responded - offshore upstream identified",  # responded (the next row is foreign)
    "no_record": "No record of the call",  # records_not_found
    "not_our_call": "Not our call - disputed",  # unmapped: not counted against the provider
    "overdue": "No response by the deadline",  # no_response
    "from_records": "Answered from records - upstream identified",  # responded
    "from_records_customer": "Answered from records - customer identified",
    "foreign_row": "Foreign provider - not traced further",  # foreign
}


class WorkflowError(GraphengineError):
    """A transition that the state machine does not allow (the message says which)."""


@dataclass(frozen=True)
class Answer:
    """One provider's answer to a hop request."""

    kind: str
    upstream: str = ""  # upstream / foreign_upstream: the name as given
    customer: str = ""
    country: str = ""  # foreign_upstream: ISO country of the foreign provider
    attestation: str = ""
    record_sha256: str = ""  # answered from records: the matched record
    by: str = ""  # who answered (user or "records")


@dataclass
class HopRequest:
    """The question put to one provider: who handed you this call?"""

    traceback_id: str
    hop: int
    provider: str
    provider_key: str
    requested_at: dt.datetime
    due_at: dt.datetime
    state: str = "requested"
    answer: Answer | None = None
    answered_at: dt.datetime | None = None
    upstream_key: str = ""  # resolved upstream provider key


@dataclass
class Traceback:
    """One traceback: the suspect call and its hop requests, hop 0 first."""

    id: str
    call_time: dt.datetime
    calling_number: str
    called_number: str
    campaign: str
    state: str = "open"
    requests: list[HopRequest] = field(default_factory=list)

    @property
    def current(self) -> HopRequest:
        """The most upstream request (the one the traceback waits on)."""
        return self.requests[-1]


@dataclass(frozen=True)
class Event:
    """Something that happened, for the audit trail and the findings (``kind``: e.g. non_response)."""

    kind: str
    traceback_id: str
    hop: int
    provider: str
    at: dt.datetime


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise WorkflowError(f"time {moment.isoformat()} has no zone")
    return moment.astimezone(dt.UTC)


class Workflow:
    """Tracebacks, their requests and the known providers; all methods are pure Python.

    Parameters
    ----------
    providers
        Names of the known providers (as printed); answers resolve against them.
    countries
        Provider name -> ISO country, for the ``provider_country`` of hop rows.
    due
        Time allowed to answer a request (default 24 hours).
    tolerance_s
        Clock tolerance when answering from records (default 10 s).
    """

    def __init__(
        self,
        providers: Iterable[str] = (),
        *,
        countries: dict[str, str] | None = None,
        due: dt.timedelta = dt.timedelta(hours=24),
        tolerance_s: float = 10.0,
    ) -> None:
        if due <= dt.timedelta(0):
            raise WorkflowError("the due time of a hop request must be positive")
        self.due = due
        self.tolerance_ms = int(round(tolerance_s * 1000))
        self.providers: dict[str, str] = {}  # key -> name as first known
        self.countries: dict[str, str] = {}
        for name in providers:
            self.add_provider(name)
        for name, country in (countries or {}).items():
            self.countries[carrier_key(name)] = country.upper()
        self.tracebacks: dict[str, Traceback] = {}
        self.records: dict[str, list[RecordFile]] = {}  # provider key -> uploaded files
        self.events: list[Event] = []

    # ------------------------------------------------------------------ providers
    def add_provider(self, name: str) -> str:
        """Add ``name`` (or find it) by the identity rules; return its key.

        Raises
        ------
        WorkflowError
            When the name has no letters or digits.
        """
        key = carrier_key(name)
        if not key:
            raise WorkflowError(f"provider name {name!r} has no letters or digits")
        self.providers.setdefault(key, name.strip())
        return key

    def resolve(self, name: str) -> tuple[str, str, bool]:
        """Return ``(key, name as known, is_new)`` for a provider named in an answer."""
        key = carrier_key(name)
        if not key:
            raise WorkflowError(f"provider name {name!r} has no letters or digits")
        known = key in self.providers
        return key, self.providers.get(key, name.strip()), not known

    # ------------------------------------------------------------------ transitions
    def open(
        self,
        traceback_id: str,
        terminating_carrier: str,
        call_time: dt.datetime,
        calling_number: str,
        called_number: str,
        *,
        campaign: str = "",
        now: dt.datetime,
    ) -> Traceback:
        """Open a traceback from a suspect call and request hop 0 of the terminating carrier.

        Raises
        ------
        WorkflowError
            When the id is taken or a time has no zone.
        """
        if traceback_id in self.tracebacks:
            raise WorkflowError(f"traceback {traceback_id} is already open")
        tb = Traceback(traceback_id, _utc(call_time), calling_number, called_number, campaign)
        self.tracebacks[traceback_id] = tb
        key = self.add_provider(terminating_carrier)
        self._request(tb, 0, key, _utc(now))
        self.events.append(Event("opened", traceback_id, 0, self.providers[key], _utc(now)))
        return tb

    def _request(self, tb: Traceback, hop: int, key: str, now: dt.datetime) -> HopRequest:
        req = HopRequest(tb.id, hop, self.providers[key], key, now, now + self.due)
        tb.requests.append(req)
        self.events.append(Event("requested", tb.id, hop, req.provider, now))
        return req

    def requests_for(self, provider: str) -> list[HopRequest]:
        """The open (requested or overdue) requests addressed to ``provider``, oldest first."""
        key = carrier_key(provider)
        return [
            tb.current
            for tb in self.tracebacks.values()
            if tb.current.provider_key == key and tb.current.state in ("requested", "overdue")
        ]

    def answer(
        self, traceback_id: str, hop: int, answer: Answer, *, now: dt.datetime
    ) -> HopRequest | None:
        """Record ``answer`` for the request at ``hop``; return the next request, if any.

        Raises
        ------
        WorkflowError
            For an unknown traceback, a hop that is not the open request, a closed or complete
            traceback, an unknown answer kind or a missing upstream name.
        """
        now = _utc(now)
        tb = self._get(traceback_id)
        if tb.state in ("complete", "closed"):
            raise WorkflowError(f"traceback {tb.id} is {tb.state}; it takes no more answers")
        req = tb.current
        if req.hop != hop or req.state not in ("requested", "overdue"):
            raise WorkflowError(f"traceback {tb.id} hop {hop} is not an open request")
        if answer.kind not in ANSWER_KINDS:
            raise WorkflowError(
                f"answer kind {answer.kind!r}: use one of {', '.join(ANSWER_KINDS)}"
            )
        if answer.kind in ("upstream", "foreign_upstream") and not carrier_key(answer.upstream):
            raise WorkflowError(f"answer {answer.kind} needs the upstream provider's name")
        late = req.state == "overdue"
        if answer.record_sha256:
            req.state = "answered_from_records"
        else:
            req.state = "late_answer" if late else "answered"
        req.answer, req.answered_at = answer, now
        self.events.append(Event(req.state, tb.id, hop, req.provider, now))
        if answer.kind == "upstream":
            key, _, new = self.resolve(answer.upstream)
            if new:
                self.add_provider(answer.upstream)
                self.events.append(Event("new_provider", tb.id, hop, answer.upstream, now))
            req.upstream_key = key
            if any(r.provider_key == key for r in tb.requests):
                tb.state = "stalled"  # a loop: never ask the same provider twice
                return None
            tb.state = "in_progress"
            return self._request(tb, hop + 1, key, now)
        if answer.kind == "foreign_upstream":
            req.upstream_key = self.add_provider(answer.upstream)
            if answer.country:
                self.countries[req.upstream_key] = answer.country.upper()
        tb.state = "complete" if answer.kind in ("customer", "foreign_upstream") else "stalled"
        return None

    def check_deadlines(self, now: dt.datetime) -> list[Event]:
        """Mark every request past its due time ``overdue``; return one non-response event each."""
        now = _utc(now)
        out = []
        for tb in self.tracebacks.values():
            req = tb.current
            if (
                tb.state in ("open", "in_progress")
                and req.state == "requested"
                and now > req.due_at
            ):
                req.state = "overdue"
                tb.state = "stalled"
                ev = Event("non_response", tb.id, req.hop, req.provider, now)
                self.events.append(ev)
                out.append(ev)
        return out

    def close(self, traceback_id: str, *, now: dt.datetime) -> None:
        """Close a traceback (an analyst's decision); it takes no more answers."""
        tb = self._get(traceback_id)
        tb.state = "closed"
        self.events.append(Event("closed", tb.id, tb.current.hop, tb.current.provider, _utc(now)))

    def _get(self, traceback_id: str) -> Traceback:
        if traceback_id not in self.tracebacks:
            raise WorkflowError(f"no traceback {traceback_id}")
        return self.tracebacks[traceback_id]

    # ------------------------------------------------------------------ records
    def upload_records(self, carrier: str, record_file: RecordFile) -> None:
        """Keep a validated record file (see :func:`read_record_file` with ``carrier``).

        Raises
        ------
        WorkflowError
            When the file's carrier is not ``carrier``.
        """
        key = carrier_key(carrier)
        if record_file.carrier_key != key:
            raise WorkflowError(
                f"{record_file.path}: records of {record_file.carrier!r}, not {carrier!r}"
            )
        self.add_provider(carrier)
        self.records.setdefault(key, []).append(record_file)

    def answer_from_records(self, traceback_id: str, *, now: dt.datetime) -> HopRequest | None:
        """Answer the open request of ``traceback_id`` from its carrier's uploaded records.

        The call is matched as in bulk stitching (Call-ID, identity, then numbers and time within
        the tolerance; the record must name the downstream carrier as its egress). Only a single
        match answers; none or several leave the request open.

        Returns
        -------
        HopRequest or None
            The next request when the answer names an upstream; None otherwise (also when
            nothing matched: then the request is still ``requested``).
        """
        tb = self._get(traceback_id)
        req = tb.current
        files = self.records.get(req.provider_key, [])
        if not files or req.state not in ("requested", "overdue"):
            return None
        recs = normalise(files)
        t_ms = int(tb.call_time.timestamp() * 1000)
        covered = (
            recs["t_ms"].min() - self.tolerance_ms <= t_ms <= recs["t_ms"].max() + self.tolerance_ms
        )
        if not covered:
            return None
        down = tb.requests[-2] if len(tb.requests) > 1 else None
        down_key = down.provider_key if down else ""
        calling, called = e164_numbers(pd.Series([tb.calling_number, tb.called_number])).tolist()
        window = (recs["t_ms"] - t_ms).abs() <= self.tolerance_ms
        same = (
            window
            & (recs["egress_key"] == down_key)
            & (recs["calling"] == calling)
            & (recs["called"] == called)
        )
        cands = recs[same]
        one, _ = decide(
            pd.DataFrame(
                {"fid": 0, "rid": cands["rid"], "key_rank": 3, "dt_ms": cands["t_ms"] - t_ms}
            )
        )
        if 0 not in one:
            return None
        rec = recs.loc[recs["rid"] == int(one[0].rid)].iloc[0]
        rf = files[int(rec["file_id"])]
        raw = rf.raw.iloc[int(rec["line"]) - rf.first_line][list(RECORD_COLUMNS)].tolist()
        digest = record_sha256(raw)
        if rec["ingress_customer"] or not rec["ingress_key"]:
            ans = Answer(
                "customer",
                customer=rec["ingress_customer"],
                attestation=rec["attestation"],
                record_sha256=digest,
                by="records",
            )
        elif self.countries.get(rec["ingress_key"], "US") != "US":
            ans = Answer(
                "foreign_upstream",
                upstream=rec["ingress_carrier"],
                country=self.countries[rec["ingress_key"]],
                attestation=rec["attestation"],
                record_sha256=digest,
                by="records",
            )
        else:
            ans = Answer(
                "upstream",
                upstream=rec["ingress_carrier"],
                attestation=rec["attestation"],
                record_sha256=digest,
                by="records",
            )
        return self.answer(traceback_id, req.hop, ans, now=now)


def hop_rows(workflow: Workflow, traceback_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Return the canonical hop rows of complete and stalled tracebacks (others are skipped).

    Columns are those of ``graphengine traceback stitch`` (loadable by ``graphengine load``).
    """
    ids = list(traceback_ids) if traceback_ids is not None else list(workflow.tracebacks)
    rows = []
    for tid in ids:
        tb = workflow.tracebacks[tid]
        if tb.state not in ("complete", "stalled"):
            continue
        base = {
            "traceback_id": tb.id,
            "call_time": tb.call_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "campaign": tb.campaign,
            "calling_number": tb.calling_number,
            "called_number": tb.called_number,
        }
        for req in tb.requests:
            ans = req.answer
            role = "terminating" if req.hop == 0 else "intermediate"
            upstream, customer, attestation = "", "", ""
            if ans is None:
                text = RESPONSE_TEXT["overdue"] if req.state == "overdue" else ""
            else:
                attestation = ans.attestation
                if ans.kind in ("upstream", "foreign_upstream"):
                    upstream = workflow.providers.get(req.upstream_key, ans.upstream)
                if ans.kind == "customer":
                    customer = ans.customer
                    role = role if req.hop == 0 else "originating"
                if ans.kind == "foreign_upstream" and req.hop > 0:
                    role = "gateway"
                if req.state == "answered_from_records":
                    kind = "from_records_customer" if ans.kind == "customer" else "from_records"
                    text = (
                        RESPONSE_TEXT[kind]
                        if ans.kind != "foreign_upstream"
                        else RESPONSE_TEXT["foreign_upstream"]
                    )
                else:
                    text = RESPONSE_TEXT[ans.kind]
            rows.append(
                {
                    **base,
                    "hop": req.hop,
                    "provider": req.provider,
                    "upstream_provider": upstream,
                    "role": role,
                    "response": text,
                    "attestation": attestation,
                    "provider_country": workflow.countries.get(req.provider_key, "US"),
                    "customer": customer,
                }
            )
            if ans is not None and ans.kind == "foreign_upstream":
                rows.append(
                    {
                        **base,
                        "hop": req.hop + 1,
                        "provider": upstream,
                        "upstream_provider": "",
                        "role": "foreign",
                        "response": RESPONSE_TEXT["foreign_row"],
                        "attestation": "",
                        "provider_country": workflow.countries.get(req.upstream_key, ""),
                        "customer": "",
                    }
                )
    frame = pd.DataFrame(rows, columns=list(HOP_OUTPUT_COLUMNS))
    return frame.astype({"hop": "int64"})
