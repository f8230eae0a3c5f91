"""`graphengine platform seed-demo` fills a fresh database through the real HTTP API."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from graphengine.cli.main import main
from graphengine.export.verify import verify_bundle
from graphengine.platform.alert_models import AlertRow, AlertSubscription
from graphengine.platform.db import make_engine, session_factory
from graphengine.platform.legal_models import LegalRequest
from graphengine.platform.models import IntakeBatch, Organization, Report, User
from graphengine.platform.traceback_models import HopRequestRow
from graphengine.synthetic.reports import generate_reports
from tests.helpers.platform import free_port

pytestmark = pytest.mark.slow


def test_seed_demo_streams_the_generated_day(tmp_path, monkeypatch, capsys) -> None:
    env = dict(os.environ, GRAPHENGINE_STATE_DIR=str(tmp_path), GRAPHENGINE_DATABASE_URL="")
    cmd = [
        sys.executable,
        "-m",
        "graphengine.cli.main",
        "platform",
        "seed-demo",
        "--reports",
        "150",
    ]
    done = subprocess.run(
        [*cmd, "--port", str(free_port())], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    frame, _ = generate_reports(7, days=1, reports_per_day=150)
    reporters = frame["reporter"].nunique()
    assert f"{len(frame)} reports from {reporters} reporters stored" in done.stdout
    assert "admin " in done.stdout and "TOTP secret" in done.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'platform.sqlite3'}")
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == len(frame)
        assert s.scalar(select(func.count()).select_from(Organization)) == reporters + 1
        assert s.scalar(select(func.count()).select_from(User)) == 5
        assert s.scalar(select(func.count()).select_from(IntakeBatch)) >= reporters
        # the agency subscribes, a surge raised one alert, one subpoena was fulfilled
        assert s.scalar(select(func.count()).select_from(AlertSubscription)) == 1
        (alert,) = s.scalars(select(AlertRow)).all()
        assert alert.kind == "surge" and f"/alerts/{alert.alert_id}" in done.stdout
        (req,) = s.scalars(select(LegalRequest)).all()
        assert (req.status, req.alert_id) == ("fulfilled", alert.alert_id)
        package = tmp_path / "packages" / f"{req.package_sha256}.zip"
        assert verify_bundle(package).ok
        # the demo responder has one open hop request: hop 0 of a traceback of its own report
        (hop,) = s.scalars(select(HopRequestRow)).all()
        responder = s.scalar(select(User).where(User.username == "carrier"))
        assert responder is not None and (hop.hop, hop.org_id) == (0, responder.org_id)
        assert f"/tracebacks/{hop.traceback_id}" in done.stdout
    engine.dispose()
    # a second run refuses to seed a database that is not empty (one line, exit 1)
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("GRAPHENGINE_DATABASE_URL", raising=False)
    assert main(["platform", "seed-demo", "--port", str(free_port())]) == 1
    assert "seed-demo needs an empty database" in capsys.readouterr().err
