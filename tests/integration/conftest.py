"""Fixtures of the store's integration tests (the shared `neo4j_driver` is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from store_helpers import STORE_DATA, canonical_frame, clear_graph


@pytest.fixture
def empty_graph(neo4j_driver) -> Iterator:
    """The shared driver, on a graph emptied before the test."""
    clear_graph(neo4j_driver)
    yield neo4j_driver


@pytest.fixture
def store_hops() -> pd.DataFrame:
    """The hand-made hop table of tests/data/store/hops.csv (see its README for the counts)."""
    return canonical_frame(STORE_DATA / "hops.csv")
