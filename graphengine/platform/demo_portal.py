"""The demo's alerts and legal process: an agency's subscription, a surge that raises an alert,
and one subpoena taken from filing to a fulfilled response package."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from graphengine.alerts import campaign_event_alerts
from graphengine.alerts.rules import AlertRules
from graphengine.platform.alert_service import create_subscription, store_alerts
from graphengine.platform.db import session_scope
from graphengine.platform.legal_service import create_request, package_job, parse_targets, review
from graphengine.platform.models import Organization, User

__all__ = ["seed_portal", "tiny_pdf"]


def tiny_pdf(text: str = "Subpoena duces tecum") -> bytes:
    """A small, well-formed one-page PDF with ``text`` on it (cross-reference offsets computed)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def surge_event(frame: pd.DataFrame, truth: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo day's biggest campaign as a surge event, and the campaigns frame for its signature."""
    by_report = pd.Series(truth["report_campaign"], name="campaign_id")
    joined = frame.join(by_report, on="report_id").dropna(subset=["campaign_id"])
    top = joined["campaign_id"].value_counts().sort_index().idxmax()
    rows = joined[joined["campaign_id"] == top]
    info = truth["campaigns"][top]
    events = pd.DataFrame(
        [
            {
                "kind": "surge",
                "campaign_id": top,
                "time": pd.Timestamp(rows["call_time"].max()),
                "magnitude": float(len(rows)),
                "baseline": float(info["base_per_day"]),
                "report_ids": ";".join(sorted(rows["report_id"])),
                "traceback_ids": "",
            }
        ]
    )
    campaigns = pd.DataFrame(
        [{"campaign_id": top, "representative": info["label"], "terms": [], "callback_numbers": []}]
    )
    return events, campaigns


def seed_portal(
    factory: sessionmaker[Session],
    frame: pd.DataFrame,
    truth: dict[str, Any],
    agency: str,
    investigator: str,
    reviewer: str,
) -> tuple[str, int]:
    """Subscribe ``agency`` to every alert, raise the surge alert, file and fulfil one subpoena.

    Returns the alert's id and the request's id.
    """
    events, campaigns = surge_event(frame, truth)
    alerts = campaign_event_alerts(
        events, campaigns=campaigns, reports=frame, rules=AlertRules(sample_reports=10)
    )
    with session_scope(factory) as s:
        org = s.scalar(select(Organization).where(Organization.name == agency))
        assert org is not None
        create_subscription(s, org, "seed-demo", name="every alert of the demo")
        (alert_id,) = store_alerts(s, alerts, actor="seed-demo") or [alerts[0].alert_id]
    with session_scope(factory) as s:
        user = s.scalar(select(User).where(User.username == investigator))
        assert user is not None
        day = pd.Timestamp(frame["call_time"].min()).date().isoformat()
        req = create_request(
            s,
            user,
            request_type="subpoena",
            authority="Office of the Attorney General (demo)",
            case_number="DEMO-2026-001",
            document=tiny_pdf("Demo subpoena"),
            targets=parse_targets([], [str(events["campaign_id"].iloc[0])], [], day, day),
            due_date="2099-12-31",
            alert_id=alert_id,
        )
        review(s, req, f"user:{reviewer}", "start_review", "")
        review(s, req, f"user:{reviewer}", "accept", "demo: valid subpoena")
        req_id = req.id
    # accepting queued the package's job; no server runs here, so build it now (the queued job
    # then finds the request fulfilled and does nothing)
    with session_scope(factory) as s:
        package_job(s, {"request_id": req_id})
    return alert_id, req_id
