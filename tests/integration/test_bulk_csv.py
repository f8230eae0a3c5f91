"""The import CSVs of ``--bulk`` on the hand-counted store fixture (no server)."""

from __future__ import annotations

import csv

from graphengine.store.bulk_csv import write_import_csvs
from graphengine.store.bulk_import import import_arguments
from tests.helpers.store import EXPECTED, store_hops


def _rows(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _names(tmp_path) -> dict[str, str]:
    """Node id -> key, id or name, over every node file; the ids must be 0..n-1, each once."""
    names: dict[str, str] = {}
    for label, prop in (("provider", "key"), ("traceback", "id"), ("campaign", "name")):
        for r in _rows(tmp_path / f"{label}.csv"):
            assert r[":ID"] not in names
            names[r[":ID"]] = r[prop]
    for r in _rows(tmp_path / "customer.csv"):
        names[r[":ID"]] = r["key"]
    assert sorted(int(x) for x in names) == list(range(len(names)))
    return names


def test_files_hold_the_hand_counted_graph(tmp_path):
    files = write_import_csvs(store_hops(), None, tmp_path)
    assert files.counts == EXPECTED
    assert files.array_delimiter == ";" and files.multiline is False
    name = _names(tmp_path)
    routed = _rows(tmp_path / "routed.csv")
    t1 = sorted(
        (r["hop:long"], name[r[":START_ID"]], name[r[":END_ID"]])
        for r in routed
        if r["traceback_id"] == "T1"
    )
    assert t1 == [("0", "bravo", "alpha"), ("1", "charlie", "bravo"), ("2", "delta", "charlie")]
    hops = {
        (name[r[":START_ID"]], r["hop:long"]): name[r[":END_ID"]]
        for r in _rows(tmp_path / "hop.csv")
    }
    assert [hops[("T1", h)] for h in "0123"] == ["alpha", "bravo", "charlie", "delta"]
    sends = {
        (name[r[":START_ID"]], name[r[":END_ID"]]): r for r in _rows(tmp_path / "sends_to.csv")
    }
    cb = sends[("charlie", "bravo")]
    assert cb["tracebacks:long"] == "3" and cb["n_campaigns:long"] == "2"
    assert cb["campaigns:string[]"] == "SSA imposter;auto warranty"
    assert cb["first_seen:datetime"] == "2024-03-01T14:00:00.000000Z"
    assert cb["last_seen:datetime"] == "2024-04-10T16:45:00.000000Z"
    links = _rows(tmp_path / "customer_of.csv")
    assert sorted((r["traceback_id"], name[r[":END_ID"]]) for r in links) == [
        ("T1", "delta"),
        ("T3", "delta"),
    ]
    hotel = [r for r in _rows(tmp_path / "provider.csv") if r["key"] == "hotel"]
    assert len(hotel) == 1


def test_a_name_with_a_semicolon_or_a_line_break_changes_the_reading_options(tmp_path):
    hops = store_hops()
    hops.loc[0, "provider"] = "Alpha; Inc."
    hops.loc[1, "response"] = "first line\nsecond line"
    files = write_import_csvs(hops, None, tmp_path)
    assert files.array_delimiter == "|" and files.multiline is True
    args = import_arguments(files, "neo4j")
    assert "--array-delimiter=|" in args and "--multiline-fields=true" in args
    assert args[-2:] == ["--", "neo4j"]
    alpha = [r for r in _rows(tmp_path / "provider.csv") if r["key"] == "alpha"]
    assert "Alpha; Inc." in alpha[0]["aliases:string[]"].split("|")


def test_factorize_matches_pandas_on_python_and_chunked_arrow_text():
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from graphengine.store.bulk_csv import dictionary_codes, factorize

    values = ["b", None, "a", "", "b", "é", None, "a"]
    chunked = pd.concat(
        [
            pd.Series(values[:4], dtype="string[pyarrow]"),
            pd.Series(values[4:], dtype="string[pyarrow]"),
        ],
        ignore_index=True,
    )
    for series in (
        pd.Series(values, dtype=pd.StringDtype("python")),
        pd.Series(values, dtype=object),
        chunked,
    ):
        codes, uniques = factorize(series)
        want_codes, want_uniques = pd.factorize(series)
        assert codes.tolist() == want_codes.tolist() == [0, -1, 1, 2, 0, 3, -1, 1]
        assert (
            uniques.tolist() == list(np.asarray(want_uniques, dtype=object)) == ["b", "a", "", "é"]
        )
    # arrow holds text of over 2 GiB in chunks, each with its own dictionary until unified
    chunks = pa.chunked_array([values[:4], values[4:]], type=pa.string())
    codes, uniques = dictionary_codes(chunks.dictionary_encode())
    assert codes.tolist() == [0, -1, 1, 2, 0, 3, -1, 1] and uniques.tolist() == ["b", "a", "", "é"]


def test_a_repeated_hop_takes_the_routed_fallback_with_the_same_edges(tmp_path):
    """Loaders never repeat a (traceback, hop) pair; if a frame does, the files hold the ROUTED
    edges of the batched load's rows.routed_rows (every upstream row paired with every
    downstream row), and the ids still name the right nodes."""
    import pandas as pd

    from graphengine.store.rows import routed_rows

    hops = store_hops()
    extra = hops[(hops["traceback_id"] == "T1") & (hops["hop"] == 1)].copy()
    extra["provider"], extra["provider_key"] = "Echo Only", "echo-only"
    hops = pd.concat([hops, extra], ignore_index=True)
    files = write_import_csvs(hops, None, tmp_path)
    name = _names(tmp_path)
    got = sorted(
        (r["traceback_id"], r["hop:long"], name[r[":START_ID"]], name[r[":END_ID"]])
        for r in _rows(tmp_path / "routed.csv")
    )
    batched = routed_rows(hops)
    want = sorted(
        (t, str(h), u, d)
        for t, h, u, d in zip(
            batched["traceback_id"], batched["hop"], batched["up"], batched["down"], strict=True
        )
    )
    assert got == want and files.counts["ROUTED"] == len(want)
    t1 = [g for g in got if g[0] == "T1"]
    assert ("T1", "0", "echo-only", "alpha") in t1 and ("T1", "1", "charlie", "echo-only") in t1
