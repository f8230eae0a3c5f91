"""Helpers of the store's integration tests: clear the graph, read a canonical CSV.

The shared fixtures (``neo4j_driver``, ``clean_neo4j``) are in tests/conftest.py.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from graphengine import schema

STORE_DATA = Path(__file__).resolve().parents[1] / "data" / "store"

#: Graph counts after loading tests/data/store/hops.csv (counted by hand in its README.md).
EXPECTED = {
    "Provider": 8,
    "Traceback": 4,
    "Campaign": 2,
    "Customer": 1,
    "ROUTED": 10,
    "HOP": 14,
    "OF_CAMPAIGN": 3,
    "FROM_CUSTOMER": 2,
    "CUSTOMER_OF": 2,
    "SENDS_TO": 6,
}


def canonical_frame(path: Path) -> pd.DataFrame:
    """Read a CSV that already has canonical hop columns into a checked hop frame."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    data = {}
    for col, dtype in schema.HOP_COLUMNS.items():
        values = raw[col] if col in raw.columns else pd.Series([""] * len(raw))
        values = values.replace("", None)
        if dtype.startswith("datetime64"):
            data[col] = pd.Series(pd.to_datetime(values, utc=True), dtype=dtype)
        elif dtype == "int64":
            data[col] = pd.Series(values.fillna("0").astype("int64"), dtype=dtype)
        else:
            data[col] = pd.Series(values, dtype=dtype)
    frame = pd.DataFrame(data)
    frame["source_file"] = pd.Series([path.name] * len(frame), dtype="string")
    frame["source_sha256"] = pd.Series(
        [hashlib.sha256(path.read_bytes()).hexdigest()] * len(frame), dtype="string"
    )
    frame["source_line"] = pd.Series(range(2, len(frame) + 2), dtype="int64")
    schema.check_hops(frame)
    return frame


def store_hops() -> pd.DataFrame:
    """The hand-made hop table of tests/data/store/hops.csv (see its README for the counts)."""
    return canonical_frame(STORE_DATA / "hops.csv")
