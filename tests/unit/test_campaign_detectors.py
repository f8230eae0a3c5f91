"""Each campaign detector on series written by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphengine.campaigns.detectors import (
    change_points,
    displacements,
    new_campaign_day,
    stop_day,
    surge_cusum,
    weekday_profile,
)

WEEK = np.array([1.2, 1.2, 1.1, 1.1, 1.0, 0.6, 0.4]) / np.mean([1.2, 1.2, 1.1, 1.1, 1.0, 0.6, 0.4])


def weekly_series(days: int, level: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    wd = np.arange(days) % 7
    return rng.poisson(level * WEEK[wd]), wd


def test_weekday_profile_recovers_the_week() -> None:
    x, wd = weekly_series(364, 200)
    assert np.allclose(weekday_profile(x, wd), WEEK, atol=0.03)


def test_surge_found_on_its_first_day_and_weekends_are_not_surges() -> None:
    x, wd = weekly_series(120, 30, seed=1)
    assert surge_cusum(x, wd, WEEK) == []  # flat with a strong weekly pattern: no alarm
    x = x.copy()
    x[70:73] = (x[70:73] * 4).astype(int)
    found = surge_cusum(x, wd, WEEK)
    assert [(s.day, s.onset) for s in found] == [(70, 70)]
    assert 3.0 < found[0].magnitude < 6.0
    assert 20 < found[0].baseline < 50


def test_surge_detector_false_alarms_on_flat_overdispersed_series() -> None:
    alarms = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        wd = np.arange(365) % 7
        lam = 40 * WEEK[wd] * rng.gamma(60, 1 / 60, 365)  # negative binomial counts
        alarms += len(surge_cusum(rng.poisson(lam), wd, WEEK))
    assert alarms <= 3  # at most 0.3 per campaign-year here (target: <= 1)


def test_change_point_and_stop_and_new() -> None:
    wd = np.arange(90) % 7
    x = np.concatenate([np.full(40, 50), np.full(50, 12)])
    assert change_points(x, wd, np.ones(7)) == [40]
    # The compiled search finds what ruptures' Pelt(model="l2") finds, on noisy series too.
    import ruptures as rpt

    rng = np.random.default_rng(11)
    for n, levels in [(60, (5, 30)), (80, (40, 15, 40)), (100, (3, 3, 9, 2))]:
        parts = np.array_split(np.arange(n), len(levels))
        x = np.concatenate([rng.poisson(lev, len(p)) for lev, p in zip(levels, parts, strict=True)])
        wd = np.arange(n) % 7
        got = change_points(x, wd, np.ones(7))
        z = 2.0 * np.sqrt(x + 3.0 / 8.0)
        d = np.diff(z)
        sigma = max(float(np.median(np.abs(d - np.median(d)))) * 1.4826 / np.sqrt(2.0), 0.5)
        pelt = rpt.Pelt(model="l2", min_size=7, jump=1).fit(z.reshape(-1, 1))
        assert got == [b for b in pelt.predict(pen=3.0 * sigma**2 * np.log(n)) if b < n]
        assert len(got) >= 1
    stopped = np.concatenate([np.full(30, 10), np.zeros(10)])
    # Silence counts after 3 days when 10 reports were expected over it (here: by day 32).
    assert stop_day(stopped, np.arange(40) % 7, np.ones(7)) == (30, 32, 10.0)
    low = np.concatenate([np.full(30, 2), np.zeros(10)])
    assert stop_day(low, np.arange(40) % 7, np.ones(7)) == (30, 34, 2.0)  # needs 5 silent days
    assert stop_day(np.full(30, 10), np.arange(30) % 7, np.ones(7)) is None
    assert new_campaign_day(np.concatenate([np.zeros(20), np.full(10, 4)])) == (20, 24)
    assert new_campaign_day(np.full(30, 4)) is None  # seen from the start: not new


def test_displacement_from_one_gateway_to_another() -> None:
    t = pd.date_range("2026-01-01", periods=12, freq="7D", tz="UTC")
    tb = pd.DataFrame(
        {
            "campaign_id": "C1",
            "traceback_id": [f"T{i}" for i in range(12)],
            "call_time": t,
            "gateway": ["Gate A"] * 6 + ["Gate B"] * 6,
        }
    )
    found = displacements(tb)
    assert [(d.source, d.target, d.time) for d in found] == [("Gate A", "Gate B", t[6])]
    assert found[0].source_count == 6 and found[0].target_count == 6
    # Two gateways used side by side all along are not a displacement.
    tb["gateway"] = ["Gate A", "Gate B"] * 6
    assert displacements(tb) == []
