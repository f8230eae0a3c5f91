"""Formula neutralisation for every CSV the tool writes, and the soft flags on input."""

from __future__ import annotations

import pandas as pd
import pytest

from loaders import load_inputs, neutralise_formula, write_csv_safely


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("\t=1", "'\t=1"),
        ("+12025550123", "+12025550123"),  # E.164 is data, not a formula
        ("+1 (202) 555-0123", "+1 (202) 555-0123"),
        ("-5", "-5"),
        ("-1.5", "-1.5"),
        ("Acme = Telecom", "Acme = Telecom"),
        ("", ""),
        (None, None),
        (3, 3),
    ],
)
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


def test_write_csv_safely_covers_every_text_column(tmp_path):
    frame = pd.DataFrame(
        {
            "name": pd.Series(['=HYPERLINK("x")', "ok"], dtype="string"),
            "note": ["@cmd", None],
            "number": [1, -2],
        }
    )
    path = write_csv_safely(frame, tmp_path / "sub" / "out.csv")
    assert path.read_text().splitlines() == [
        "name,note,number",
        '"\'=HYPERLINK(""x"")",\'@cmd,1',
        "ok,,-2",
    ]


def test_unknown_role_and_country_are_flagged(tmp_path):
    path = tmp_path / "hops.csv"
    path.write_text(
        "traceback_id,hop,provider,role,provider_country,call_time\n"
        "T,0,Sunrise Wireless Inc.,,,2024-03-01T14:05:00Z\n"
        "T,1,Keystone Transit LLC,wholesale,,2024-03-01T14:05:00Z\n"
        "T,2,Maple Route Inc.,,Canada,2024-03-01T14:05:00Z\n"
    )
    hops = load_inputs([path]).hops
    assert hops["role"].tolist() == ["terminating", "gateway", "foreign"]
    assert hops["flags"].tolist() == ["", "unknown_role", "unreadable_country"]
    assert hops["provider_country"].fillna("-").tolist() == ["US", "US", "-"]
    # no upstream column: each hop's upstream is the next hop's provider
    assert hops["upstream_key"].fillna("-").tolist() == ["keystone transit", "maple route", "-"]


def test_upstream_mismatch_is_flagged(tmp_path):
    path = tmp_path / "hops.csv"
    path.write_text(
        "traceback_id,hop,provider,upstream_provider,call_time\n"
        "M,0,Sunrise Wireless Inc.,Keystone Transit,2024-03-01T14:05:00Z\n"
        "M,1,Harbor Voice Inc.,,2024-03-01T14:05:00Z\n"
    )
    hops = load_inputs([path]).hops
    assert hops["flags"].tolist() == ["upstream_mismatch", ""]
