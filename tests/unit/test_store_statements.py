"""The store's Cypher statements and the parameter rows built for them (no server)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from graphengine import schema
from graphengine.errors import ConfigError
from graphengine.store import rows as R
from graphengine.store import statements as S


def hops_frame(records: list[dict]) -> pd.DataFrame:
    """A canonical hop frame from partial records; absent columns are missing values."""
    frame = schema.empty_hops()
    data = {}
    for col, dtype in schema.HOP_COLUMNS.items():
        values = [r.get(col) for r in records]
        if dtype.startswith("datetime64"):
            data[col] = pd.Series(pd.to_datetime(values, utc=True), dtype=dtype)
        elif dtype == "int64":
            data[col] = pd.Series([0 if v is None else v for v in values], dtype=dtype)
        else:
            data[col] = pd.Series(values, dtype=dtype)
    frame = pd.DataFrame(data)
    schema.check_hops(frame)
    return frame


def chain(tb: str, providers: list[str], when: str = "2024-03-01T12:00:00Z", **extra) -> list:
    """Rows of one traceback; ``providers`` from hop 0 (terminating) upstream."""
    out = []
    for hop, key in enumerate(providers):
        up = providers[hop + 1] if hop + 1 < len(providers) else None
        out.append(
            {
                "traceback_id": tb,
                "hop": hop,
                "provider": key.upper(),
                "provider_key": key,
                "upstream_provider": up.upper() if up else None,
                "upstream_key": up,
                "call_time": when,
                "source_line": hop + 2,
                **extra,
            }
        )
    return out


# --- statements ----------------------------------------------------------------------------

#: statement -> the exact parameters it reads.
EXPECTED_PARAMS = {
    "AWAIT_INDEXES": {"timeout"},
    "MERGE_PROVIDERS": {"rows"},
    "READ_TRACEBACK_HASHES": {"ids"},
    "MERGE_TRACEBACKS": {"cols"},
    "MERGE_CAMPAIGNS": {"names"},
    "MERGE_CUSTOMERS": {"cols"},
    "DELETE_TRACEBACK_EDGES": {"ids"},
    "CREATE_HOPS": {"cols"},
    "CREATE_ROUTED": {"cols"},
    "CREATE_OF_CAMPAIGN": {"cols"},
    "CREATE_CUSTOMER_LINKS": {"cols"},
    "MARK_SENDS_TO_STALE": {"keys"},
    "STALE_UPSTREAMS": {"limit"},
    "RECOMPUTE_SENDS_TO": {"keys"},
    "GRAPH_COUNTS": set(),
    "WRITE_PROVIDER_PROPERTIES": {"rows"},
    "READ_PROVIDERS": set(),
    "READ_SENDS_TO": set(),
    "READ_HOPS": set(),
    "CLEAR_RELATIONSHIPS": {"batch"},
    "CLEAR_NODES": {"batch"},
    "FINGERPRINT_NODES": set(),
    "FINGERPRINT_RELATIONSHIPS": set(),
    "ANY_NODE": set(),
    "SHOW_DEFAULT_DATABASE": set(),
    "EMPTY_ALIASES": set(),
    "EMPTY_SENDS_TO_CAMPAIGNS": set(),
    "NAIVE_HOP": {"id", "key", "up", "hop", "call_time", "campaign", "role", "response_category"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_statement_reads_exactly_its_parameters(name: str) -> None:
    found = set(re.findall(r"\$([A-Za-z_]\w*)", S.ALL_STATEMENTS[name]))
    assert found == EXPECTED_PARAMS[name]


@pytest.mark.parametrize("name", sorted(S.ALL_STATEMENTS))
def test_no_statement_holds_a_literal_value(name: str) -> None:
    # values always travel as parameters: no quoted literal and no Python format field
    text = S.ALL_STATEMENTS[name]
    assert "'" not in text and '"' not in text
    assert "%s" not in text and "{0}" not in text and "{}" not in text


def test_every_statement_is_listed() -> None:
    named = {n for n in S.__all__ if n not in {"SCHEMA_STATEMENTS", "ALL_STATEMENTS"}}
    listed = {n for n in S.ALL_STATEMENTS if not n.startswith("SCHEMA_")}
    assert named == listed


def test_schema_statements_are_idempotent_and_cover_every_key() -> None:
    assert all("IF NOT EXISTS" in s for s in S.SCHEMA_STATEMENTS)
    text = "\n".join(S.SCHEMA_STATEMENTS)
    for pattern in (
        "(p:Provider) REQUIRE p.key IS UNIQUE",
        "(t:Traceback) REQUIRE t.id IS UNIQUE",
        "(c:Campaign) REQUIRE c.name IS UNIQUE",
        "(c:Customer) REQUIRE c.key IS UNIQUE",
        "[r:ROUTED]-() ON (r.traceback_id, r.hop)",
    ):
        assert pattern in text


def test_batched_writes_unwind_a_list_parameter() -> None:
    for name in (
        "MERGE_PROVIDERS",
        "DELETE_TRACEBACK_EDGES",
        "RECOMPUTE_SENDS_TO",
        "WRITE_PROVIDER_PROPERTIES",
    ):
        assert S.ALL_STATEMENTS[name].lstrip().startswith("UNWIND $"), name
    for name in (
        "MERGE_TRACEBACKS",
        "MERGE_CUSTOMERS",
        "CREATE_HOPS",
        "CREATE_ROUTED",
        "CREATE_OF_CAMPAIGN",
        "CREATE_CUSTOMER_LINKS",
    ):
        assert S.ALL_STATEMENTS[name].lstrip().startswith("UNWIND range(0, size($cols."), name


def test_routed_goes_upstream_to_downstream() -> None:
    assert "CREATE (u)-[:ROUTED {" in S.CREATE_ROUTED and "}]->(d)" in S.CREATE_ROUTED
    assert "MATCH (u:Provider {key: $cols.up[i]})" in S.CREATE_ROUTED
    assert "MATCH (d:Provider {key: $cols.down[i]})" in S.CREATE_ROUTED


def test_write_statements_store_every_row_field() -> None:
    # each property the rows carry is written under the same name, read from the same field
    for prop in R.HOP_PROPS.values():
        assert f"{prop}: $cols.{prop}[i]" in S.CREATE_HOPS, prop
    for prop in (*R.TRACEBACK_PROPS, "content_hash"):
        if prop != "call_time":
            assert f"t.{prop} = $cols.{prop}[i]" in S.MERGE_TRACEBACKS, prop
    for prop in ("traceback_id", "hop", "campaign", "attestation"):
        assert f"{prop}: $cols.{prop}[i]" in S.CREATE_ROUTED, prop
    # call_time travels as epoch seconds + nanoseconds (rows.epoch_parts)
    rebuilt = "datetime.fromepoch($cols.call_time_s[i], $cols.call_time_ns[i])"
    assert "t.call_time = CASE WHEN $cols.call_time_s[i] IS NULL" in S.MERGE_TRACEBACKS
    assert rebuilt in S.MERGE_TRACEBACKS
    assert "call_time: CASE WHEN $cols.call_time_s[i] IS NULL" in S.CREATE_ROUTED
    assert rebuilt in S.CREATE_ROUTED


# --- batching ------------------------------------------------------------------------------


def test_batches_never_split_a_traceback_and_cover_every_row_once() -> None:
    rows = []
    sizes = {"T1": 3, "T2": 5, "T3": 1, "T4": 4, "T5": 2}
    for tb, n in sizes.items():
        rows += chain(tb, [f"p{i}" for i in range(n)])
    frame = hops_frame(rows).sample(frac=1.0, random_state=7)  # shuffled on purpose
    out = list(R.batches(frame, 4))
    # a batch closes at the first traceback boundary at or after 4 rows:
    # T1 (3) + T2 (5) = 8 rows, T3 (1) + T4 (4) = 5 rows, then the rest (T5)
    assert [sorted(set(b["traceback_id"])) for b in out] == [["T1", "T2"], ["T3", "T4"], ["T5"]]
    assert sum(len(b) for b in out) == 15
    seen = pd.concat(out)
    assert not seen.duplicated(["traceback_id", "hop"]).any()
    for b in out:
        for tb in set(b["traceback_id"]):
            assert (b["traceback_id"] == tb).sum() == sizes[tb]


def test_batches_cut_at_the_first_traceback_boundary_after_the_size() -> None:
    rows = []
    for tb in ("A", "B", "C", "D"):
        rows += chain(tb, ["x", "y"])  # 2 hops each
    out = [list(pd.unique(b["traceback_id"])) for b in R.batches(hops_frame(rows), 3)]
    # 3 hops fall inside B, so the cut comes after B
    assert out == [["A", "B"], ["C", "D"]]
    out = [list(pd.unique(b["traceback_id"])) for b in R.batches(hops_frame(rows), 4)]
    assert out == [["A", "B"], ["C", "D"]]
    out = [list(pd.unique(b["traceback_id"])) for b in R.batches(hops_frame(rows), 1)]
    assert out == [["A"], ["B"], ["C"], ["D"]]
    out = [list(pd.unique(b["traceback_id"])) for b in R.batches(hops_frame(rows), 100)]
    assert out == [["A", "B", "C", "D"]]


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="--batch-size must be at least 1, got 0"):
        list(R.batches(hops_frame(chain("A", ["x"])), 0))


# --- rows ----------------------------------------------------------------------------------


def test_routed_rows_follow_call_flow() -> None:
    frame = hops_frame(chain("T1", ["term", "gw", "foreign"], attestation="C"))
    rows = R.routed_rows(frame)
    assert list(zip(rows["up"], rows["down"], rows["hop"], strict=True)) == [
        ("gw", "term", 0),
        ("foreign", "gw", 1),
    ]
    assert rows["traceback_id"] == ["T1", "T1"]
    noon = int(datetime(2024, 3, 1, 12, tzinfo=UTC).timestamp())
    assert rows["call_time_s"] == [noon, noon] and rows["call_time_ns"] == [0, 0]
    assert "call_time" not in rows
    assert rows["campaign"] == [None, None]  # missing -> None, never NaN
    assert R.upstream_keys(rows) == ["foreign", "gw"]


def test_hop_rows_carry_every_per_hop_fact_as_plain_values() -> None:
    frame = hops_frame(chain("T1", ["term", "orig"], role="intermediate", response="ok"))
    rows = R.hop_rows(frame)
    assert set(rows) == set(R.HOP_PROPS.values()) | {"id", "key"}
    assert rows["id"] == ["T1", "T1"] and rows["key"] == ["term", "orig"]
    assert rows["hop"] == [0, 1] and type(rows["hop"][1]) is int
    assert rows["upstream_key"] == ["orig", None]
    assert rows["provider_name"] == ["TERM", "ORIG"]
    assert rows["source_line"] == [2, 3]


def test_traceback_rows_take_the_lowest_hop_and_the_hash() -> None:
    recs = chain("T1", ["a", "b"], campaign="SSA imposter", source_file="f.csv")
    recs[0]["attestation"] = "A"
    recs[1]["attestation"] = "C"
    frame = hops_frame(recs).iloc[::-1]
    hashes = R.content_hashes(frame)
    cols = R.traceback_rows(frame, hashes)
    assert cols["id"] == ["T1"]
    assert cols["attestation"] == ["A"]
    assert cols["campaign"] == ["SSA imposter"]
    assert cols["source_file"] == ["f.csv"]
    assert cols["content_hash"] == [hashes["T1"]]
    assert set(cols) == (set(R.TRACEBACK_PROPS) - {"call_time"}) | {
        "content_hash",
        "id",
        "call_time_s",
        "call_time_ns",
    }


def test_content_hash_is_stable_and_sees_every_change() -> None:
    frame = hops_frame(chain("T1", ["a", "b", "c"]) + chain("T2", ["a", "d"]))
    first = R.content_hashes(frame)
    again = R.content_hashes(frame.sample(frac=1.0, random_state=3))
    assert first.to_dict() == again.to_dict()
    assert first["T1"].startswith(f"v{R.MODEL_VERSION}:") and first["T1"].endswith(":3")
    changed = frame.copy()
    changed.loc[changed.index[1], "response"] = "no answer"
    after = R.content_hashes(changed)
    assert after["T1"] != first["T1"]
    assert after["T2"] == first["T2"]


def test_provider_rows_union_the_frame_and_every_named_key() -> None:
    frame = hops_frame(chain("T1", ["term", "gw"]))
    frame.loc[1, "upstream_key"] = "ghost"  # named upstream with no hop row of its own
    frame.loc[1, "upstream_provider"] = "Ghost Telecom"
    providers = schema.empty_providers()
    providers = pd.concat(
        [
            providers,
            pd.DataFrame(
                {
                    "provider_key": pd.Series(["term"], dtype="string"),
                    "name": pd.Series(["Term Co"], dtype="string"),
                    "aliases": pd.Series(["Term Co; TERM CO LLC"], dtype="string"),
                    "frn": pd.Series(["0012345678"], dtype="string"),
                    "in_rmd": pd.Series([True], dtype="boolean"),
                }
            ),
        ],
        ignore_index=True,
    ).astype(dict(schema.PROVIDER_COLUMNS))
    rows = {r["key"]: r for r in R.provider_rows(frame, providers)}
    assert sorted(rows) == ["ghost", "gw", "term"]
    assert rows["term"]["name"] == "Term Co"
    assert rows["term"]["aliases"] == ["TERM CO LLC", "Term Co"]
    assert rows["term"]["in_rmd"] is True and rows["term"]["frn"] == "0012345678"
    assert rows["gw"]["name"] == "GW" and rows["gw"]["in_rmd"] is None
    assert rows["ghost"]["name"] == "Ghost Telecom" and rows["ghost"]["aliases"] == [
        "Ghost Telecom"
    ]


def test_customer_rows_link_the_highest_hop_naming_the_customer() -> None:
    recs = chain("T1", ["term", "mid", "orig"])
    recs[2]["customer"] = "Acme Leads"
    recs[2]["customer_key"] = "acme leads"
    frame = hops_frame(recs)
    assert R.customer_rows(frame) == {"key": ["acme leads"], "name": ["Acme Leads"]}
    assert R.customer_link_rows(frame) == {
        "id": ["T1"],
        "customer_key": ["acme leads"],
        "provider_key": ["orig"],
    }


def test_of_campaign_rows_skip_tracebacks_without_a_campaign() -> None:
    frame = hops_frame(chain("T1", ["a"], campaign="auto warranty") + chain("T2", ["b"]))
    assert R.of_campaign_rows(frame) == {"id": ["T1"], "campaign": ["auto warranty"]}
    assert R.campaign_names(frame) == ["auto warranty"]


def test_epoch_parts_split_seconds_and_truncate_to_microseconds() -> None:
    stamps = pd.Series(
        pd.to_datetime(
            ["2024-01-02T03:04:05.123456789Z", None, "1969-12-31T23:59:59.25Z"], utc=True
        )
    )
    secs, nanos = R.epoch_parts(stamps)
    assert secs == [1704164645, None, -1]
    assert nanos == [123456000, None, 250000000]


def test_pylist_turns_missing_values_into_none() -> None:
    assert R.pylist(pd.Series([1, None], dtype="Int64")) == [1, None]
    assert R.pylist(pd.Series([True, None], dtype="boolean")) == [True, None]
    stamps = pd.Series(pd.to_datetime(["2024-01-02T03:04:05Z", None], utc=True))
    assert R.pylist(stamps) == [datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), None]
