"""The platform in a real headless Chromium: log in with a TOTP code, upload an FTC-layout CSV,
see the receipt and the rows."""

from __future__ import annotations

import pyotp
import pytest

from tests.helpers.platform import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    PASSWORD,
    Server,
    fresh_database,
    seed_accounts,
)

pytestmark = [pytest.mark.slow, pytest.mark.chromium]

FTC = (
    "Company_Phone_Number,Created_Date,Violation_Date,Consumer_City,Consumer_State,Consumer_Area_Code,"
    "Subject,Recorded_Message_Or_Robocall\n"
    "8005551234,2024-01-02 08:00:57,2024-01-02 07:55:00,Austin,Texas,512,Reducing your debt,Y\n"
    "(888) 555-0142,2024-01-02 09:00:00,2024-01-02 08:30:00,Dallas,TX,214,Vehicle warranties,N\n"
    "8775550100,2024-01-03 10:00:00,,Houston,TX,713,Medical & prescriptions,Y\n"
)


def test_login_with_totp_and_upload_ftc_csv(tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    csv_file = tmp_path / "ftc.csv"
    csv_file.write_text(FTC)
    with fresh_database("sqlite", tmp_path) as url:
        acc = seed_accounts(url)
        server = Server(url, tmp_path / "state").start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                page = browser.new_page()
                page.goto(server.base + "/upload")
                assert page.url.startswith(server.base + "/login")
                page.fill("input[name=username]", "admin")
                page.fill("input[name=password]", PASSWORD)
                page.fill("input[name=code]", pyotp.TOTP(acc.users["admin"]).now())
                page.click("button[type=submit]")
                page.wait_for_url(server.base + "/upload")
                assert "admin (admin, Traceback Admin)" in page.inner_text("#whoami")
                page.select_option("select[name=preset]", "ftc_dnc")
                page.set_input_files("input[name=file]", str(csv_file))
                page.click("form[action='/upload'] button[type=submit]")
                page.wait_for_url(server.base + "/receipts/*")
                assert page.inner_text("#accepted") == "2"
                assert page.inner_text("#rejected-count") == "1"
                rejected = page.inner_text("#rejected tbody")
                assert "4" in rejected and "missing required field 'call_time'" in rejected
                rows = [r.inner_text() for r in page.query_selector_all("#reports tbody tr")]
                assert len(rows) == 2
                assert any(
                    "+18005551234" in r and "2024-01-02T12:55:00" in r and "Reducing your debt" in r
                    for r in rows
                )
                assert any("+18885550142" in r and "Vehicle warranties" in r for r in rows)
                receipt_id = page.inner_text("#receipt-id")
                # the rows are in the report list too, filtered by number
                page.goto(server.base + "/reports?number=888-555-0142")
                assert page.inner_text("#total") == "1"
                assert "Vehicle warranties" in page.inner_text("#reports tbody")
                browser.close()
            assert len(receipt_id) == 36
        finally:
            server.stop()
