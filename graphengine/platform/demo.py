"""``graphengine platform seed-demo`` (filled in below)."""

from __future__ import annotations


def seed_demo(host: str, port: int, seed: int, reports: int, keep_serving: bool) -> int:
    raise NotImplementedError
