"""The import CSVs of ``--bulk`` on the hand-counted store fixture (no server)."""

from __future__ import annotations

import csv

from graphengine.store.bulk_csv import write_import_csvs
from graphengine.store.bulk_import import import_arguments
from tests.helpers.store import EXPECTED, store_hops


def _rows(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_files_hold_the_hand_counted_graph(tmp_path):
    files = write_import_csvs(store_hops(), None, tmp_path)
    assert files.counts == EXPECTED
    assert files.array_delimiter == ";" and files.multiline is False
    routed = _rows(tmp_path / "routed.csv")
    t1 = sorted(
        (r["hop:long"], r[":START_ID(Provider)"], r[":END_ID(Provider)"])
        for r in routed
        if r["traceback_id"] == "T1"
    )
    assert t1 == [("0", "bravo", "alpha"), ("1", "charlie", "bravo"), ("2", "delta", "charlie")]
    sends = {
        (r[":START_ID(Provider)"], r[":END_ID(Provider)"]): r
        for r in _rows(tmp_path / "sends_to.csv")
    }
    cb = sends[("charlie", "bravo")]
    assert cb["tracebacks:long"] == "3" and cb["n_campaigns:long"] == "2"
    assert cb["campaigns:string[]"] == "SSA imposter;auto warranty"
    assert cb["first_seen:datetime"] == "2024-03-01T14:00:00.000000Z"
    assert cb["last_seen:datetime"] == "2024-04-10T16:45:00.000000Z"
    links = _rows(tmp_path / "customer_of.csv")
    assert sorted((r["traceback_id"], r[":END_ID(Provider)"]) for r in links) == [
        ("T1", "delta"),
        ("T3", "delta"),
    ]
    hotel = [r for r in _rows(tmp_path / "provider.csv") if r["key:ID(Provider)"] == "hotel"]
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
    alpha = [r for r in _rows(tmp_path / "provider.csv") if r["key:ID(Provider)"] == "alpha"]
    assert "Alpha; Inc." in alpha[0]["aliases:string[]"].split("|")
