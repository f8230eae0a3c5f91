"""Campaign pages in a real headless Chromium: the list, and a campaign's trend chart (drawn by
plotly.js), events, sample reports and the tracebacks opened from its reports."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.models import Report
from graphengine.platform.traceback_service import open_from_report
from tests.helpers import platform as helpers
from tests.helpers.campaigns import seed_campaigns

pytestmark = [pytest.mark.slow, pytest.mark.chromium]


def test_campaign_list_and_page(tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    with helpers.fresh_database("sqlite", tmp_path) as url:
        helpers.seed_accounts(url)
        ids = seed_campaigns(url)
        # an analyst traces the campaign's newest report (m24), which reached Carrier A
        factory = session_factory(make_engine(url))
        with session_scope(factory) as s:
            report = s.scalars(select(Report).where(Report.report_id == "m24")).one()
            report.terminating_carrier = "Carrier A"
            s.flush()
            tid = open_from_report(s, report.id, actor="analyst").id
        server = helpers.Server(url, tmp_path / "state").start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_FLAGS
                )
                page = browser.new_page()
                page.goto(server.base + "/login?next=/campaigns")
                page.fill("input[name=username]", "analyst")
                page.fill("input[name=password]", helpers.PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(server.base + "/campaigns")
                rows = [r.inner_text() for r in page.query_selector_all("#campaigns tr")][1:]
                # largest first: warranty 45 + 2 + 5, Medicare 25 (new on 2026-03-11), student 3
                assert [r.split("\t")[:2] for r in rows] == [
                    [ids["warranty"], "52"], [ids["medicare"], "25"], [ids["student"], "3"],
                ]  # fmt: skip
                assert rows[1].endswith("new campaign 2026-03-11")
                page.click(f"#campaigns a[href='/campaigns/{ids['medicare']}']")
                page.wait_for_url(server.base + f"/campaigns/{ids['medicare']}")
                assert page.inner_text("#campaign-id") == ids["medicare"]
                assert "new Medicare card" in page.inner_text("#representative")
                # the chart is drawn: one bar a day (13 reports on March 11, 12 on March 12)
                page.wait_for_selector("#trend .main-svg")
                drawn = "Array.from(document.getElementById('trend')._fullData[0].y)"
                assert page.evaluate(drawn) == [13, 12]  # (the page sends them binary-encoded)
                assert len(page.query_selector_all("#trend g.trace.bars g.point")) == 2
                assert "new campaign" in page.inner_text("#trend")
                events = page.inner_text("#events")
                assert "2026-03-11\tnew campaign\t25.00" in events and "25 reports" in events
                samples = page.query_selector_all("#samples tr")[1:]
                assert len(samples) == 20 and "The newest 20 of 25 reports." in page.content()
                assert samples[0].inner_text().startswith("m24\t2026-03-12")
                linked = [r.inner_text() for r in page.query_selector_all("#tracebacks tr")][1:]
                assert len(linked) == 1
                assert linked[0].split("\t")[:2] == [tid, "m24"]
                assert linked[0].endswith("\treport\topen\tCarrier A")
                samples[0].query_selector("a").click()
                page.wait_for_url(server.base + "/reports/*")
                assert "new Medicare card" in page.inner_text("main")
                browser.close()
        finally:
            server.stop()
