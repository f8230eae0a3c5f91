"""A provider's responder in a real headless Chromium: logs in, sees only its own open hop
request, names its upstream in the form, and the next request appears for the upstream's
organisation (and not for anyone else).

With ``GRAPHENGINE_DOCS_SHOTS=<folder>`` the test also saves the screenshots of docs/traceback.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.platform import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    PASSWORD,
    Server,
    fresh_database,
    seed_accounts,
    seed_traceback,
)

pytestmark = [pytest.mark.slow, pytest.mark.chromium]


def _responder(browser, base: str, user: str):  # noqa: ANN001, ANN202 - playwright objects
    page = browser.new_context(viewport={"width": 1200, "height": 700}).new_page()
    page.goto(base + "/hop-requests")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/hop-requests")
    return page


def _rows(page) -> list[tuple[str, str, str]]:  # noqa: ANN001 - a playwright page
    return [
        (r.get_attribute("data-traceback") or "", r.query_selector("td.hop").inner_text(), r.query_selector("td.provider").inner_text())
        for r in page.query_selector_all("tr.hop-request")
    ]  # fmt: skip


def test_responder_answers_and_the_next_request_reaches_the_upstream(tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("GRAPHENGINE_DOCS_SHOTS")
    with fresh_database("sqlite", tmp_path) as url:
        seed_accounts(url)
        mine, _ = seed_traceback(url, "Carrier A", "+13125550199")
        theirs, _ = seed_traceback(url, "Carrier B", "+13125550142")
        server = Server(url, tmp_path / "state").start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                a = _responder(browser, server.base, "responder_a")
                assert "responder_a (responder, Carrier A)" in a.inner_text("#whoami")
                assert _rows(a) == [(mine, "0", "Carrier A")]
                assert theirs not in a.content() and "+13125550142" not in a.content()
                if shots:
                    a.screenshot(path=str(Path(shots) / "hop-requests.png"), full_page=True)
                a.click(f"tr[data-traceback='{mine}'] a")
                a.wait_for_url(f"{server.base}/hop-requests/*")
                assert "+13125550199" in a.inner_text("#call")
                a.select_option("select[name=answer]", "upstream")
                a.fill("input[name=upstream]", "CARRIER B, INC.")
                a.select_option("select[name=attestation]", "B")
                if shots:
                    a.screenshot(path=str(Path(shots) / "hop-request-answer.png"), full_page=True)
                a.click("#answer button[type=submit]")
                a.wait_for_url(server.base + "/hop-requests")
                assert _rows(a) == [] and a.inner_text("#none") == "No open requests."

                b = _responder(browser, server.base, "responder_b")
                assert sorted(_rows(b)) == sorted(
                    [(mine, "1", "Carrier B"), (theirs, "0", "Carrier B")]
                )
                browser.close()
        finally:
            server.stop()
