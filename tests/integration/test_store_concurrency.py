"""Issue 15 item 1: two loads at the same time end in the graph one load after the other makes,
and a re-load repairs relationships duplicated by older versions.

The loads run in two threads on one driver (each in its own sessions and transactions, as two
processes would), started together at a barrier, with small batches so that their
transactions interleave. Real Neo4j, no mocks.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from conftest import clear_database

from graphengine import schema, store

pytestmark = pytest.mark.neo4j

ROUNDS = 10


def _frame(n_tracebacks: int, seed: int, prefix: str) -> pd.DataFrame:
    """A seeded canonical hop frame: paths of 2-5 hops over 12 providers, so that the two
    loads share providers (and their locks) but, with different prefixes, no tracebacks."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tracebacks):
        length = int(rng.integers(2, 6))
        keys = [f"carrier {int(k):02d}" for k in rng.choice(12, size=length, replace=False)]
        when = pd.Timestamp("2024-03-01", tz="UTC") + pd.Timedelta(seconds=int(t) * 97)
        campaign = ["SSA imposter", "auto warranty", None][t % 3]
        for hop, key in enumerate(keys):
            up = keys[hop + 1] if hop + 1 < length else None
            rows.append(
                {
                    "traceback_id": f"{prefix}{t:04d}",
                    "hop": hop,
                    "provider": key.title(),
                    "provider_key": key,
                    "upstream_provider": up.title() if up else None,
                    "upstream_key": up,
                    "role": "terminating" if hop == 0 else "intermediate",
                    "call_time": when,
                    "campaign": campaign,
                    "customer": "Acme Leads" if hop == length - 1 and t % 4 == 0 else None,
                    "customer_key": "acme leads" if hop == length - 1 and t % 4 == 0 else None,
                    "provider_country": "US",
                    "source_file": f"{prefix}.csv",
                    "source_line": len(rows) + 2,
                    "source_sha256": "0" * 64,
                }
            )
    raw = pd.DataFrame(rows)
    frame = schema.empty_hops().reindex(range(len(raw)))
    for col, dtype in schema.HOP_COLUMNS.items():
        if col in raw:
            frame[col] = raw[col].astype(dtype) if dtype != "string" else raw[col].astype("string")
    schema.check_hops(frame)
    return frame


def _together(driver, first: pd.DataFrame, second: pd.DataFrame) -> list[BaseException]:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(frame: pd.DataFrame) -> None:
        try:
            barrier.wait()
            store.load_frames(driver, frame, batch_size=50, progress=False)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def _state(driver) -> tuple[dict[str, int], str]:
    return store.graph_counts(driver), store.graph_fingerprint(driver)


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _frame(60, seed=15, prefix="A"), _frame(60, seed=16, prefix="B")


def test_two_concurrent_loads_of_the_same_file_equal_one_load(neo4j_driver, frames) -> None:
    a, _ = frames
    clear_database(neo4j_driver)
    store.load_frames(neo4j_driver, a, progress=False)
    expected = _state(neo4j_driver)
    assert expected[0]["HOP"] == len(a)
    for _ in range(ROUNDS):
        clear_database(neo4j_driver)
        assert _together(neo4j_driver, a, a) == []
        assert _state(neo4j_driver) == expected
    # and a third load finds everything in place
    again = store.load_frames(neo4j_driver, a, progress=False)
    assert again.tracebacks_unchanged == a["traceback_id"].nunique()
    assert again.tracebacks_written == 0


def test_two_concurrent_loads_of_different_files_equal_sequential_loads(
    neo4j_driver, frames
) -> None:
    a, b = frames
    clear_database(neo4j_driver)
    store.load_frames(neo4j_driver, a, progress=False)
    store.load_frames(neo4j_driver, b, progress=False)
    expected = _state(neo4j_driver)
    assert expected[0]["HOP"] == len(a) + len(b)
    for _ in range(ROUNDS):
        clear_database(neo4j_driver)
        assert _together(neo4j_driver, a, b) == []
        assert _state(neo4j_driver) == expected


def test_a_reload_repairs_duplicated_relationships(neo4j_driver, frames) -> None:
    a, _ = frames
    clear_database(neo4j_driver)
    store.load_frames(neo4j_driver, a, progress=False)
    clean = _state(neo4j_driver)
    # what two racing loads of an older version left: every edge of five tracebacks twice,
    # and a second SENDS_TO edge for every provider pair
    victims = sorted(a["traceback_id"].unique())[:5]
    with neo4j_driver.session() as session:
        session.run(
            """
            UNWIND $ids AS id
            MATCH (t:Traceback {id: id})-[h:HOP]->(p)
            CREATE (t)-[h2:HOP]->(p) SET h2 = properties(h)
            """,
            ids=victims,
        ).consume()
        session.run(
            """
            UNWIND $ids AS id
            MATCH (u)-[r:ROUTED {traceback_id: id}]->(d)
            CREATE (u)-[r2:ROUTED]->(d) SET r2 = properties(r)
            """,
            ids=victims,
        ).consume()
        session.run(
            "MATCH (u)-[s:SENDS_TO]->(d) CREATE (u)-[s2:SENDS_TO]->(d) SET s2 = properties(s)"
        ).consume()
    assert _state(neo4j_driver)[0]["HOP"] > clean[0]["HOP"]
    report = store.load_frames(neo4j_driver, a, progress=False)
    assert report.tracebacks_replaced == len(victims)
    assert _state(neo4j_driver) == clean
