"""The whole legal-process path in a real headless Chromium: an alert arrives, the investigator
(password + TOTP) opens a request from it and uploads a PDF, a reviewer accepts, the investigator
downloads the package, and `graphengine evidence verify` passes on it.

With ``GRAPHENGINE_DOCS_SHOTS=<folder>`` the test also saves the screenshots of docs/portal.md and
docs/alerts.md there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pyotp
import pytest

from graphengine.platform.db import make_engine, session_factory
from graphengine.platform.jobs import JobWorker
from tests.helpers.platform import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    PASSWORD,
    Server,
    fresh_database,
    seed_accounts,
    seed_alert,
    tiny_pdf,
)

pytestmark = [pytest.mark.slow, pytest.mark.chromium]


def _login(page, base: str, user: str, secret: str | None, target: str) -> None:
    page.goto(base + target)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", pyotp.TOTP(secret).now() if secret else "")
    page.click("button[type=submit]")
    page.wait_for_url(base + target)


EVIDENCE_HOPS = Path(__file__).resolve().parents[1] / "data" / "platform" / "evidence_hops.csv"


def _verify(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main", "evidence", "verify", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()[0]


def test_alert_to_request_to_verified_package(tmp_path, monkeypatch) -> None:
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("GRAPHENGINE_DOCS_SHOTS")

    def shot(page, name: str) -> None:
        if shots:
            page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)

    pdf = tmp_path / "subpoena.pdf"
    pdf.write_bytes(tiny_pdf())
    with fresh_database("sqlite", tmp_path) as url:
        acc = seed_accounts(url)
        alert_id, _ = seed_alert(url)
        # the engine's data for the package's evidence bundles (docs/portal.md)
        monkeypatch.setenv("GRAPHENGINE_EVIDENCE_HOPS", str(EVIDENCE_HOPS))
        # the server's own worker is off: the platform's worker runs here once the page has
        # shown the package being prepared (else it could be built before the page is read)
        monkeypatch.setenv("GRAPHENGINE_JOBS", "0")
        server = Server(url, tmp_path / "state").start()
        monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(server.state))
        worker = JobWorker(session_factory(make_engine(url)), interval=0.5)
        base = server.base
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                inv = browser.new_context(
                    accept_downloads=True, viewport={"width": 1100, "height": 800}
                ).new_page()
                _login(inv, base, "investigator", acc.users["investigator"], "/subscriptions")
                inv.fill("input[name=name]", "Medicare scams in NY")
                inv.fill("input[name=states]", "NY")
                inv.fill("input[name=themes]", "medicare")
                inv.fill("input[name=webhook_url]", "https://hooks.example.org/graphengine")
                inv.click("form[action='/subscriptions'] button[type=submit]")
                secret = inv.inner_text("#secret")
                assert secret.startswith("whsec_")
                shot(inv, "subscription-created")
                inv.goto(base + "/subscriptions")  # shown once: never again
                assert secret not in inv.content() and "Medicare scams in NY" in inv.content()
                inv.goto(base + "/alerts")
                assert alert_id in inv.inner_text("#alerts")
                shot(inv, "alerts-list")
                inv.click(f"a[href='/alerts/{alert_id}']")
                inv.wait_for_url(f"{base}/alerts/{alert_id}")
                assert inv.inner_text("#tracebacks") == "TB-1, TB-2"
                assert "alert raised" in inv.inner_text("#timeline")
                shot(inv, "alert-page")
                inv.click("#open-request")
                inv.wait_for_url(f"{base}/requests/new?alert={alert_id}")
                assert inv.input_value("input[name=campaigns]") == "C-medicare"
                inv.fill("input[name=authority]", "Office of the Attorney General")
                inv.fill("input[name=case_number]", "AG-2026-017")
                inv.fill("input[name=due_date]", "2099-03-01")
                inv.set_input_files("input[name=document]", str(pdf))
                shot(inv, "request-new")
                inv.click("form[action='/requests'] button[type=submit]")
                inv.wait_for_url(f"{base}/requests/*")
                request_url = inv.url
                assert inv.inner_text("#status") == "submitted"

                rev = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
                _login(rev, base, "reviewer", acc.users["reviewer"], "/requests")
                assert "AG-2026-017" in rev.inner_text("#requests")
                shot(rev, "review-queue")
                rev.goto(request_url)
                rev.select_option("select[name=action]", "accept")
                rev.fill("input[name=reason]", "valid subpoena, targets in scope")
                shot(rev, "review-decision")
                rev.click("#review button[type=submit]")
                rev.wait_for_url(request_url)
                assert rev.inner_text("#status") == "accepted: package being prepared"
                inv.reload()
                assert inv.inner_text("#status") == "accepted: package being prepared"
                assert inv.inner_text("#package-state").startswith("being prepared")
                worker.start()
                for _ in range(240):  # the worker builds the package within a minute
                    rev.reload()
                    if rev.inner_text("#status") != "accepted: package being prepared":
                        break
                    rev.wait_for_timeout(250)
                worker.stop()
                assert rev.inner_text("#status") == "fulfilled"

                inv.reload()
                assert inv.inner_text("#status") == "fulfilled"
                assert inv.inner_text("#reason") == "valid subpoena, targets in scope"
                shot(inv, "request-fulfilled")
                with inv.expect_download() as info:
                    inv.click("#package")
                package = tmp_path / "package.zip"
                info.value.save_as(package)
                browser.close()
        finally:
            server.stop()
    with zipfile.ZipFile(package) as z:
        names = z.namelist()
        z.extractall(tmp_path / "unzipped")
    assert _verify(package) == f"verified {len(names) - 1} files"
    # the alert's provider and campaign, on the alert's day: an engine bundle each (TB-1 only)
    bundles = sorted(
        {n.split("/")[1] for n in names if n.count("/") > 1 and n.startswith("evidence/")}
    )
    assert bundles == ["01-provider-gateway-telecom", "02-campaign-c-medicare"]
    for name in bundles:  # each bundle also verifies on its own once unzipped
        inner = tmp_path / "unzipped" / "evidence" / name
        assert json.loads((inner / "manifest.json").read_text())["hop_rows"] == 4
        assert _verify(inner).startswith("verified ")
