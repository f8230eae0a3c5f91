"""The one definition of a legal request's window: inclusive UTC days, open ends when missing."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from graphengine.platform.request_window import day_window, in_window, request_window

UTC = dt.UTC


def test_inclusive_days_become_a_half_open_utc_window() -> None:
    assert request_window({"date_from": "2026-01-05", "date_to": "2026-01-05"}) == (
        dt.datetime(2026, 1, 5, tzinfo=UTC),
        dt.datetime(2026, 1, 6, tzinfo=UTC),
    )
    # the last day of a month and of a year roll over
    assert request_window({"date_from": None, "date_to": "2025-12-31"}) == (
        None,
        dt.datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert request_window({"date_from": "2026-02-28", "date_to": ""}) == (
        dt.datetime(2026, 2, 28, tzinfo=UTC),
        None,
    )
    assert request_window({}) == (None, None)


def test_a_datetime_given_as_a_day_counts_as_its_date() -> None:
    late = dt.datetime(2026, 1, 5, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert day_window(late, late) == day_window(dt.date(2026, 1, 5), dt.date(2026, 1, 5))


def test_a_date_that_is_not_an_iso_day_is_refused() -> None:
    with pytest.raises(ValueError):
        request_window({"date_from": "05/01/2026"})


def test_the_mask_keeps_the_edges_of_the_day_and_drops_missing_times() -> None:
    times = pd.Series(
        pd.to_datetime(
            ["2026-01-04T23:59:59.999999Z", "2026-01-05T00:00:00Z", "2026-01-05T18:59:59.999999-05:00",
             "2026-01-06T00:00:00Z", None], format="ISO8601", utc=True,
        )
    )  # fmt: skip
    window = day_window(dt.date(2026, 1, 5), dt.date(2026, 1, 5))
    assert in_window(times, window).tolist() == [False, True, True, False, False]
    assert in_window(times, (None, None)).tolist() == [True] * 5
