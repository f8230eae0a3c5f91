"""Small canonical hop frames for the graph and ecosystem tests, built from call paths."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from graphengine import schema

__all__ = ["hops_from_paths", "planted_paths"]


def hops_from_paths(
    paths: Sequence[Sequence[str]],
    campaigns: Sequence[str] | None = None,
    customers: Sequence[str | None] | None = None,
    day0: str = "2026-01-01",
) -> pd.DataFrame:
    """Return a canonical hop frame with one traceback per path.

    Each path lists provider keys in call-flow order (origin first, terminating last).
    Traceback ``i`` is ``T{i:04d}``, called on ``day0 + i days``. Roles: the last provider is
    terminating, the first originating, a provider whose key starts with ``f`` is foreign,
    the first US provider after a foreign one is a gateway, the rest intermediate.
    """
    rows = []
    start = pd.Timestamp(day0, tz="UTC")
    for i, path in enumerate(paths):
        n = len(path)
        for pos, key in enumerate(path):
            hop = n - 1 - pos
            if hop == 0:
                role = "terminating"
            elif key.startswith("f"):
                role = "foreign"
            elif pos == 0:
                role = "originating"
            elif path[pos - 1].startswith("f"):
                role = "gateway"
            else:
                role = "intermediate"
            up = path[pos - 1] if pos > 0 else None
            rows.append(
                {
                    "traceback_id": f"T{i:04d}",
                    "hop": hop,
                    "provider": key.upper(),
                    "provider_key": key,
                    "upstream_provider": up.upper() if up else None,
                    "upstream_key": up,
                    "role": role,
                    "response_category": "responded",
                    "call_time": start + pd.Timedelta(days=i),
                    "campaign": campaigns[i] if campaigns else None,
                    "customer": (customers[i] if customers else None) if pos == 0 else None,
                    "customer_key": (customers[i] if customers else None) if pos == 0 else None,
                    "source_line": i + 1,
                }
            )
    frame = pd.DataFrame(rows)
    out = schema.empty_hops()
    for col, dtype in schema.HOP_COLUMNS.items():
        if col in frame.columns:
            out[col] = frame[col].astype(dtype)
        else:
            out[col] = pd.Series([None] * len(frame), dtype=dtype)
    schema.check_hops(out)
    return out


def planted_paths(
    n_eco: int = 4, size: int = 6, per_eco: int = 30, seed: int = 3
) -> tuple[list[list[str]], list[str], dict[str, int]]:
    """Paths of ``n_eco`` planted ecosystems that all end at shared hubs.

    Each ecosystem ``e`` has ``size`` providers ``e{e}p{j}``; every path runs through three
    of them, then a shared transit hub (``transit``) for half the paths, and ends at one of
    two terminating carriers (``term1``, ``term2``). Returns (paths, campaigns, truth).
    """
    import random

    rng = random.Random(seed)
    paths: list[list[str]] = []
    campaigns: list[str] = []
    truth: dict[str, int] = {}
    for e in range(n_eco):
        members = [f"e{e}p{j}" for j in range(size)]
        truth.update(dict.fromkeys(members, e))
        for _ in range(per_eco):
            body = rng.sample(members, 3)
            tail = (["transit"] if rng.random() < 0.5 else []) + [rng.choice(["term1", "term2"])]
            paths.append(body + tail)
            campaigns.append(f"campaign{e}")
    return paths, campaigns, truth
