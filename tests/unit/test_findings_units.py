"""Unit tests of the findings building blocks: window, NANP checks, DNO list, repeat spans,
parameter errors."""

from __future__ import annotations

import pandas as pd
import pytest

from graphengine import schema
from graphengine.errors import ConfigError, InputFileError
from graphengine.findings import (
    NonCooperationRule,
    RmdRule,
    TargetWeights,
    Window,
    load_dno,
    nanp_problem,
    repeat_offenders,
)
from graphengine.findings.window import parse_span


def _times(*dates: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(dates), utc=True, format="ISO8601"))


def test_rolling_window_ends_at_last_call():
    w = Window(span="12M").resolve(_times("2023-01-01", "2024-06-15 10:00"))
    assert w.until == pd.Timestamp("2024-06-15 10:00", tz="UTC")
    assert w.since == pd.Timestamp("2023-06-15 10:00", tz="UTC")
    assert w.spec == "12M ending at the last call"


def test_fixed_window_until_date_covers_the_whole_day():
    t = _times("2024-01-31 23:59", "2024-02-01 00:00")
    w = Window(since="2024-01-01", until="2024-01-31").resolve(t)
    assert w.mask(t).tolist() == [True, False]


def test_window_months_is_floored_at_one():
    assert Window().resolve(_times("2024-01-01", "2024-01-02")).months == 1.0
    assert Window().resolve(_times("2024-01-01", "2025-01-01")).months == pytest.approx(
        366 / (365.2425 / 12)
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"span": "12X"}, "--window '12X' is not understood"),
        ({"span": "0M"}, "--window '0M' is not understood"),
        ({"since": "yesterday-ish"}, "--since 'yesterday-ish' is not an ISO date; use YYYY-MM-DD"),
        # issue 14 item 5: a U.S.-style date was accepted although the help says YYYY-MM-DD
        ({"since": "04/01/2024"}, "--since '04/01/2024' is not an ISO date; use YYYY-MM-DD"),
        ({"until": "2024-13-01"}, "--until '2024-13-01' is not a date; use YYYY-MM-DD"),
        ({"since": "2024-02-01", "until": "2024-01-01"}, "--since 2024-02-01 is after --until"),
        ({"since": "2024-01-01", "span": "12M"}, "use either --window or --since, not both"),
    ],
)
def test_window_errors_are_one_line(kwargs, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Window(**kwargs)


def test_parse_span_units():
    assert parse_span("90d") == pd.DateOffset(days=90)
    assert parse_span("2Y") == pd.DateOffset(years=2)


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("+1 212 555 1234", None),
        ("(312) 867-5309", None),
        ("+44 20 7946 0000", None),  # not NANP: not checked
        (None, None),
        ("1234567890", "area code starts 0/1"),
        ("9115551234", "N11 area code"),
        ("3925551234", "reserved X9X area code"),
        ("2120551234", "exchange starts 0/1"),
        ("2124111234", "N11 exchange"),
        ("2125550100", "555-01XX fictional number"),
        ("2125550200", None),
        ("555-1234", "not 10 digits"),
    ],
)
def test_nanp_problem(number, problem):
    got = nanp_problem(pd.Series([number], dtype="string")).iloc[0]
    assert (None if pd.isna(got) else got) == problem


def test_load_dno(tmp_path):
    path = tmp_path / "dno.txt"
    path.write_text("# DNO list\n+1 (800) 555-1212\n\n2025551234  # IRS\n", encoding="utf-8")
    assert load_dno(path) == frozenset({"8005551212", "2025551234"})
    bad = tmp_path / "bad.txt"
    bad.write_text("2025551234\nnot a number\n", encoding="utf-8")
    with pytest.raises(
        InputFileError, match=r"bad.txt line 2: 'not a number' is not a phone number"
    ):
        load_dno(bad)
    with pytest.raises(InputFileError, match="cannot read DNO list"):
        load_dno(tmp_path / "missing.txt")


def _gateway_hops(dates: dict[str, list[str]]) -> pd.DataFrame:
    rows = [
        {"traceback_id": f"{key}{i}", "hop": 1, "provider": key, "provider_key": key,
         "role": "gateway", "call_time": pd.Timestamp(d, tz="UTC")}
        for key, ds in dates.items() for i, d in enumerate(ds)
    ]  # fmt: skip
    return pd.concat([schema.empty_hops(), pd.DataFrame(rows)], ignore_index=True)


def test_repeat_rule_is_within_any_span_not_the_whole_window():
    """spread: 3 gateway tracebacks over 18 months, never 3 within 12 -> not a repeat gateway
    with the rolling rule, but one with span=None (the whole window). dense: 3 within 2 months."""
    hops = _gateway_hops(
        {
            "spread": ["2023-01-01", "2023-09-01", "2024-07-01"],
            "dense": ["2024-01-01", "2024-01-15", "2024-02-28"],
        }
    )
    assert repeat_offenders(hops, "gateway")["provider_key"].tolist() == ["dense"]
    whole = repeat_offenders(hops, "gateway", span=None)
    assert whole["provider_key"].tolist() == ["dense", "spread"]
    dense = repeat_offenders(hops, "gateway").iloc[0]
    assert dense["max_in_span"] == 3
    assert dense["span_start"] == pd.Timestamp("2024-01-01", tz="UTC")
    assert dense["span_end"] == pd.Timestamp("2024-02-28", tz="UTC")


def test_repeat_span_edge_is_inclusive():
    """Exactly 12 months between first and third: counts (bounds are inclusive)."""
    hops = _gateway_hops({"edge": ["2023-03-01", "2023-08-01", "2024-03-01"]})
    assert repeat_offenders(hops, "gateway")["provider_key"].tolist() == ["edge"]
    later = _gateway_hops({"edge": ["2023-03-01", "2023-08-01", "2024-03-02"]})
    assert repeat_offenders(later, "gateway").empty


def test_repeat_counts_a_traceback_once():
    hops = _gateway_hops({"g": ["2024-01-01", "2024-01-02"]})
    twice = pd.concat([hops, hops.assign(hop=2)], ignore_index=True)
    assert repeat_offenders(twice, "gateway", threshold=2).iloc[0]["tracebacks"] == 2
    assert repeat_offenders(twice, "gateway", threshold=3).empty


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: repeat_offenders(schema.empty_hops(), "boss"), "role 'boss' is not one of"),
        (
            lambda: repeat_offenders(schema.empty_hops(), "gateway", 0),
            "--threshold must be at least 1",
        ),
        (lambda: RmdRule(foreign_upstreams="maybe"), "--rmd-foreign 'maybe' must be"),
        (lambda: NonCooperationRule(min_nonresponse_share=2), "--noncoop-share must be between"),
        (lambda: TargetWeights(gateway=-1), "target weight gateway must be a non-negative"),
    ],
)
def test_parameter_errors(make, message):
    with pytest.raises(ConfigError, match=message):
        make()


def test_empty_hops_give_empty_findings():
    from graphengine.findings import compute_findings

    found = compute_findings(schema.empty_hops())
    assert found.targets.empty and found.repeat.empty and found.rmd_violations.empty
    assert found.summary()["tracebacks_in_window"] == 0
