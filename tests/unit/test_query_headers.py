"""The header parser, parameter checks and the read-only scan, plus every saved query file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graphengine import queries
from graphengine.errors import QueryError
from graphengine.paths import queries_dir
from graphengine.queries.params import Param, bind, coerce

SAVED = sorted(queries_dir().glob("*.cypher"))

#: the 16 questions of the issue, by file name
REQUIRED_QUERIES = {
    "traceback_path",
    "provider_tracebacks",
    "upstream_tree",
    "downstream_tree",
    "repeat_gateways",
    "repeat_originators",
    "non_responsive_providers",
    "downstream_of_noncooperative",
    "rmd_violations",
    "ecosystem_members",
    "campaign_footprint",
    "shortest_connection",
    "originator_customers",
    "foreign_sources_by_gateway",
    "new_upstream_relationships",
    "stopped_appearing",
}

GOOD = """// name: demo
// question: Who sent traffic to a provider?
// description: A demo query whose description
//   continues on a second line.
// param: provider string required example="Delta Transit" -- key or name
// param: k int default=2 range=1..6 -- hops
// param: since datetime default=null
// param: role string default=gateway choices=gateway|originating
// returns: a,
//   b
MATCH (p:Provider {key: $provider}) WHERE $k > 0 AND ($since IS NULL OR $role <> '')
RETURN 1 AS a, 2 AS b
"""


def test_the_library_has_every_required_question():
    assert {p.stem for p in SAVED} >= REQUIRED_QUERIES


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
def test_every_saved_query_has_a_valid_header_and_is_read_only(path: Path):
    spec = queries.parse_file(path)
    assert spec.name == path.stem
    assert spec.question.endswith("?") and len(spec.description) > 40
    assert spec.returns
    queries.check_read_only(spec)  # raises on a write clause
    for p in spec.params:
        assert p.help, f"{path.name}: parameter {p.name} has no '-- help' text"


def test_parse_good_header():
    spec = queries.parse_text(GOOD, origin="demo.cypher")
    assert spec.name == "demo"
    assert spec.description == "A demo query whose description continues on a second line."
    assert spec.returns == ("a", "b")
    provider, k, since, role = spec.params
    assert (provider.type, provider.required, provider.example, provider.help) == (
        "string",
        True,
        "Delta Transit",
        "key or name",
    )
    assert (k.default, k.low, k.high, k.required) == (2, 1.0, 6.0, False)
    assert since.default is None and since.default_text == "null"
    assert role.choices == ("gateway", "originating") and role.default == "gateway"
    assert spec.cypher.startswith("MATCH (p:Provider")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "MATCH (n) RETURN n",
            "bad.cypher:1: a query file must start with a '// name: ...' header block",
        ),
        (
            "// name: bad\n// question: Why?\n// returns: n\nRETURN 1 AS n",
            "bad.cypher:3: header is missing the 'description:' field",
        ),
        (
            "// name: other\n// question: Why?\n// description: d\n// returns: n\nRETURN 1 AS n",
            "bad.cypher:1: query name 'other' must match the file name 'bad.cypher'",
        ),
        (
            "// name: bad\n// question: Why not\n// description: d\n// returns: n\nRETURN 1 AS n",
            "bad.cypher:2: question must be one sentence ending with '?', got 'Why not'",
        ),
        (
            "// name: bad\n// question: Why?\n// author: me\n// returns: n\nRETURN 1 AS n",
            "bad.cypher:3: unknown header field 'author'; use one of name, question, description, param, returns",
        ),
        (
            "// name: bad\n// question: Why?\n//description: d\n// returns: n\nRETURN 1 AS n",
            "bad.cypher:3: header line must be '// FIELD: value' or a continuation '//   text'; got '//description: d'",
        ),
        (
            "// name: bad\n// question: Why?\n// description: d\n// param: k integer default=1\n// returns: n\nRETURN $k AS n",
            "bad.cypher:4: parameter 'k' has unknown type 'integer'; use one of string, int, float, bool, datetime, date",
        ),
        (
            "// name: bad\n// question: Why?\n// description: d\n// param: k int\n// returns: n\nRETURN $k AS n",
            "bad.cypher:4: param line too short; expected 'param: NAME TYPE required|default=VALUE [example=..] [range=LO..HI]'",
        ),
        (
            "// name: bad\n// question: Why?\n// description: d\n// param: k int default=9 range=1..6\n// returns: n\nRETURN $k AS n",
            "bad.cypher:4: parameter 'k' must be an integer from 1 to 6, got '9'",
        ),
        (
            "// name: bad\n// question: Why?\n// description: d\n// param: p string required\n// returns: n\nRETURN $p AS n",
            "bad.cypher:4: required parameter 'p' needs an example=VALUE",
        ),
        (
            "// name: bad\n// question: Why?\n// description: d\n// param: limit int default=1\n// returns: n\nRETURN $limit AS n",
            "bad.cypher:4: parameter name 'limit' is reserved by the runner (reserved: database, driver, limit, name, queries_dir, timeout)",
        ),
        (
            "// name: bad\n// question: Why?\n// description: d\n// param: k int default=1\n// returns: n\nRETURN 1 AS n",
            "bad.cypher:4: parameter 'k' is declared but the Cypher never uses $k",
        ),
        (
            "// name: bad\n// question: Why?\n// description: d\n// returns: n\nRETURN $k AS n",
            "bad.cypher:5: the Cypher uses undeclared parameter(s): $k",
        ),
        (
            "// name: bad\n// question: Why?\n// description: d\n// returns: n, n\nRETURN 1 AS n",
            "bad.cypher:4: returns: a column is listed twice",
        ),
        (
            "// name: bad\n// question: Why?\n// description: d\n// returns: n\n",
            "bad.cypher:5: no Cypher statement after the header",
        ),
    ],
)
def test_header_errors_name_the_file_and_line(text: str, message: str):
    with pytest.raises(QueryError) as err:
        queries.parse_text(text, origin="bad.cypher")
    assert str(err.value) == message


def test_a_new_saved_query_without_header_fails(tmp_path: Path):
    (tmp_path / "new_question.cypher").write_text("MATCH (p:Provider) RETURN p.key AS key\n")
    with pytest.raises(QueryError) as err:
        queries.list_queries(tmp_path)
    assert str(err.value).startswith(f"{tmp_path / 'new_question.cypher'}:1: a query file must")


K = Param("k", "int", required=False, default=2, low=1, high=6)


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        (K, "3", 3),
        (K, 6, 6),
        (K, 1.0, 1),
        (Param("x", "float", required=True), "0.25", 0.25),
        (Param("b", "bool", required=False), "TRUE", True),
        (Param("b", "bool", required=False), "no", False),
        (Param("s", "string", required=True), "x'}) DETACH DELETE n //", "x'}) DETACH DELETE n //"),
        (Param("d", "date", required=True), "2024-03-01", dt.date(2024, 3, 1)),
        (Param("t", "datetime", required=True), "2024-03-01", dt.datetime(2024, 3, 1, tzinfo=dt.UTC)),
        (Param("t", "datetime", required=True), "2024-03-01T12:30:00Z", dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC)),
        (Param("t", "datetime", required=True), "2024-03-01T07:30:00-05:00", dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC)),
        (Param("t", "datetime", required=True), dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, tzinfo=dt.UTC)),
    ],
)  # fmt: skip
def test_coerce_accepts(param: Param, value: object, expected: object):
    assert coerce(param, value, "q") == expected


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        (K, "7", "parameter 'k' of query 'q' must be an integer from 1 to 6, got '7'"),
        (K, "two", "parameter 'k' of query 'q' must be an integer from 1 to 6, got 'two'"),
        (K, True, "parameter 'k' of query 'q' must be an integer from 1 to 6, got True"),
        (K, 2.5, "parameter 'k' of query 'q' must be an integer from 1 to 6, got 2.5"),
        (
            Param("t", "datetime", required=True),
            "March 1st",
            "parameter 't' of query 'q' must be an ISO 8601 date or date-time such as 2024-03-01 or 2024-03-01T12:00:00Z, got 'March 1st'",
        ),
        (Param("d", "date", required=True), "2024-02-30", "parameter 'd' of query 'q' must be an ISO 8601 date such as 2024-03-01, got '2024-02-30'"),
        (Param("b", "bool", required=True), "maybe", "parameter 'b' of query 'q' must be true or false, got 'maybe'"),
        (Param("f", "float", required=True), "nan", "parameter 'f' of query 'q' must be a number, got 'nan'"),
        (Param("r", "string", required=False, choices=("gateway", "originating")), "transit", "parameter 'r' of query 'q' must be one of gateway, originating, got 'transit'"),
        (Param("s", "string", required=True), 5, "parameter 's' of query 'q' must be a string, got 5"),
        (Param("s", "string", required=True), None, "parameter 's' of query 'q' is required: give a string"),
        (Param("m", "int", required=False, default=1, low=1), "0", "parameter 'm' of query 'q' must be an integer >= 1, got '0'"),
    ],
)  # fmt: skip
def test_coerce_errors_name_the_parameter_and_what_was_expected(
    param: Param, value: object, message: str
):
    with pytest.raises(QueryError) as err:
        coerce(param, value, "q")
    assert str(err.value) == message


def test_bind_fills_defaults_and_rejects_unknown_or_missing():
    spec = queries.parse_text(GOOD, origin="demo.cypher")
    assert bind(spec.params, {"provider": "Delta Transit"}, "demo") == {
        "provider": "Delta Transit",
        "k": 2,
        "since": None,
        "role": "gateway",
    }
    with pytest.raises(QueryError) as err:
        bind(spec.params, {"provider": "x", "depth": "3"}, "demo")
    assert (
        str(err.value)
        == "query 'demo' has no parameter 'depth'; its parameters are: provider, k, since, role"
    )
    with pytest.raises(QueryError) as err:
        bind(spec.params, {}, "demo")
    assert (
        str(err.value)
        == "query 'demo' needs parameter 'provider': a string (e.g. provider=Delta Transit)"
    )


@pytest.mark.parametrize(
    ("cypher", "clause", "line"),
    [
        ("MATCH (n)\nSET n.x = 1\nRETURN n", "SET", 6),
        ("MATCH (n) DETACH DELETE n", "DETACH", 5),
        ("LOAD  CSV FROM 'file:///x' AS row RETURN row", "LOAD CSV", 5),
        ("call dbms.setConfigValue('a', 'b')", "call dbms.", 5),
        (
            "UNWIND [1] AS x\nCALL (x) { RETURN x AS y } IN TRANSACTIONS RETURN y",
            "IN TRANSACTIONS",
            6,
        ),
        ("MATCH (n) FOREACH (x IN [1] | CREATE (:A))", "FOREACH", 5),
    ],
)
def test_read_only_scan_finds_write_clauses(cypher: str, clause: str, line: int):
    text = f"// name: w\n// question: Why?\n// description: d\n// returns: n\n{cypher}\n"
    spec = queries.parse_text(text, origin="w.cypher")
    with pytest.raises(QueryError) as err:
        queries.check_read_only(spec)
    assert str(err.value).startswith(
        f"w.cypher:{line}: query 'w' contains '{clause}'; saved queries are read-only"
    )


def test_read_only_scan_ignores_strings_comments_and_property_names():
    text = (
        "// name: r\n// question: Why?\n// description: d\n// returns: n\n"
        "\n// a comment that says CREATE\n"
        "MATCH (n:Set {set: 'DELETE me'})-[:MERGE]->() WHERE n.remove = \"MERGE\" AND n.`create` IS NULL\n"
        "RETURN n.set AS n /* DROP */\n"
    )
    queries.check_read_only(queries.parse_text(text, origin="r.cypher"))
