"""`graphengine query` without a server: list, show, parameter errors, output rendering."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from graphengine import queries
from graphengine.cli.main import main
from graphengine.cli.query import parse_assignments, render
from graphengine.errors import QueryError
from graphengine.queries.runner import QueryResult


def test_list_shows_every_saved_query(capsys):
    assert main(["query", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(queries.saved_queries())
    assert any(line.startswith("upstream_tree ") and line.endswith("?") for line in out)


def test_list_json_and_user_folder(capsys, tmp_path: Path):
    (tmp_path / "mine.cypher").write_text(
        "// name: mine\n// question: Is it mine?\n// description: d\n// returns: n\nRETURN 1 AS n\n"
    )
    assert main(["query", "list", "--format", "json", "--queries", str(tmp_path)]) == 0
    listed = {q["name"]: q for q in json.loads(capsys.readouterr().out)}
    assert listed["mine"]["source"] == "user"
    assert listed["upstream_tree"]["params"][1] == {
        "name": "k",
        "type": "int",
        "required": False,
        "default": "2",
        "expected": "an integer from 1 to 6",
        "example": None,
    }


def test_show_prints_the_file(capsys):
    assert main(["query", "show", "rmd_violations"]) == 0
    out = capsys.readouterr().out
    assert out == queries.get("rmd_violations").text


def test_unknown_query_is_one_line(capsys):
    assert main(["query", "show", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "graphengine: error: no saved query named 'nope'; run 'graphengine query list'"
    )
    assert err.count("\n") == 1


def test_bad_parameter_fails_before_connecting(capsys, monkeypatch):
    # an unreachable server: the parameter check must fail first, with a one-line message
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    assert main(["query", "run", "upstream_tree", "-p", "provider=Delta", "-p", "k=9"]) == 1
    assert capsys.readouterr().err == (
        "graphengine: error: parameter 'k' of query 'upstream_tree' must be an integer from 1 to 6, got '9'\n"
    )
    assert main(["query", "run", "upstream_tree", "-p", "k=2"]) == 1
    assert capsys.readouterr().err == (
        "graphengine: error: query 'upstream_tree' needs parameter 'provider': a string "
        "(e.g. provider=Delta Transit)\n"
    )


def test_parse_assignments():
    assert parse_assignments(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(QueryError, match="-p expects KEY=VALUE, got 'k'"):
        parse_assignments(["k"])
    with pytest.raises(QueryError, match="parameter 'k' is given twice with -p"):
        parse_assignments(["k=1", "k=2"])


def _result(truncated: bool = False) -> QueryResult:
    spec = queries.parse_text(
        "// name: demo\n// question: Why?\n// description: d\n// returns: name, when, ids\n"
        "RETURN 1 AS name, 2 AS when, 3 AS ids\n",
        origin="demo",
    )
    when = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    rows = [('=HYPERLINK("http://x")', when, ["TB01", "TB02"]), ("+12025550123", None, [])]
    return QueryResult(spec, {"since": when}, ["name", "when", "ids"], rows, truncated, 2, 60.0)


def test_csv_neutralises_formulas_and_joins_lists():
    out = io.StringIO()
    render(_result(), "csv", out)
    assert out.getvalue().splitlines() == [
        "name,when,ids",
        '"\'=HYPERLINK(""http://x"")",2024-03-01T12:00:00Z,TB01;TB02',
        "+12025550123,,",
    ]


def test_json_states_truncation():
    out = io.StringIO()
    render(_result(truncated=True), "json", out)
    payload = json.loads(out.getvalue())
    assert payload["truncated"] is True and payload["limit"] == 2 and payload["row_count"] == 2
    assert payload["params"] == {"since": "2024-03-01T12:00:00Z"}
    assert payload["rows"][0] == {
        "name": '=HYPERLINK("http://x")',
        "when": "2024-03-01T12:00:00Z",
        "ids": ["TB01", "TB02"],
    }


def test_table_states_truncation():
    out = io.StringIO()
    render(_result(truncated=True), "table", out)
    assert out.getvalue().splitlines()[-1] == (
        "(2 rows; output truncated: query 'demo' returned more than 2 rows; showing the first 2 "
        "(raise --limit / limit=, or narrow the parameters))"
    )


def test_missing_user_folder_is_named(capsys, monkeypatch, tmp_path: Path):
    missing = tmp_path / "nope"
    assert main(["query", "list", "--queries", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"graphengine: error: query folder {missing} does not exist or is not a folder\n"
    )
    monkeypatch.setenv("GRAPHENGINE_QUERIES", str(missing))
    assert main(["query", "list"]) == 1
    assert capsys.readouterr().err == (
        f"graphengine: error: query folder {missing} (named in GRAPHENGINE_QUERIES) does not "
        "exist or is not a folder\n"
    )


@pytest.mark.parametrize("value", ["inf", "nan", "1e300", "-1", "soon"])
def test_a_timeout_that_is_not_a_finite_number_of_seconds_is_one_line(capsys, value):
    """Issue 15 item 9: `--timeout inf|nan|1e300` gave a traceback."""
    with pytest.raises(SystemExit) as done:
        main(["query", "run", "traceback_path", "-p", "traceback_id=x", "--timeout", value])
    assert done.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "graphengine query run: error: argument --timeout: expected seconds from 0 to 86400 "
        f"(0: server default), got '{value}'"
    )
    assert "Traceback" not in "\n".join(err)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1e300])
def test_the_api_refuses_a_timeout_it_cannot_send(value):
    spec = queries.get("traceback_path")
    with pytest.raises(QueryError) as err:
        queries.execute(spec, {"traceback_id": "x"}, timeout=value)
    assert str(err.value).startswith("timeout must be a number of seconds from 0 to 86400")
