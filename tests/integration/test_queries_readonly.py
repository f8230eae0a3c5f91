"""Issue 15 item 5: a saved or custom query is read-only by construction.

The server plans each query (``EXPLAIN``) and anything it does not plan as a plain graph read
is refused before it runs: ``SHOW ... TERMINATE``, ``dbms.*`` procedures however they are
spelled, ``db.*`` writes, administration commands. A malformed file in a ``--queries`` folder
is reported and skipped. Real Neo4j.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphengine import queries
from graphengine.errors import QueryError
from graphengine.queries.readonly import PlanRefusal, check_plan, keyword_violation

pytestmark = pytest.mark.neo4j

#: (query, what the refusal says). Each one passed the old keyword scan or is an admin command.
ATTACKS = [
    (
        "SHOW TRANSACTIONS YIELD transactionId AS txId "
        "TERMINATE TRANSACTIONS txId YIELD message RETURN message",
        "server command 'ShowTransactions'",
    ),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "server command 'TerminateTransactions'"),
    ("CALL `dbms`.listConfig() YIELD name RETURN name", "procedure 'dbms.listConfig'"),
    ("CALL dbms . listConfig() YIELD name RETURN name", "procedure 'dbms.listConfig'"),
    ("CALL db.createLabel('Planted')", "procedure 'db.createLabel'"),
    ("CALL db . clearQueryCaches() YIELD value RETURN value", "procedure 'db.clearQueryCaches'"),
    ("SHOW USERS", "server command 'AdministrationCommand'"),
    ("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line", "server command 'LoadCSV'"),
    ("MATCH (p:Provider) CALL (p) { SET p.x = 1 } RETURN 1 AS n", "reads and writes"),
]


@pytest.mark.parametrize(("cypher", "reason"), ATTACKS)
def test_the_server_plan_refuses_what_is_not_a_graph_read(neo4j_driver, cypher, reason) -> None:
    with pytest.raises(PlanRefusal) as err:
        check_plan(neo4j_driver, cypher, {})
    assert reason in str(err.value)


def test_reads_and_allowlisted_procedures_pass_the_plan_check(neo4j_driver) -> None:
    check_plan(neo4j_driver, "MATCH (t:Traceback {id: $id}) RETURN t.id AS id", {"id": "x"})
    check_plan(neo4j_driver, "CALL db.labels() YIELD label RETURN label", {})


def test_the_keyword_layer_sees_through_backticks_and_spaces() -> None:
    assert keyword_violation("CALL `dbms`.listConfig()") == "CALL dbms."
    assert keyword_violation("CALL dbms . listConfig()") == "CALL dbms."
    assert keyword_violation("CALL `db`.`createLabel`('x')") == "CALL db."
    assert keyword_violation("SHOW TRANSACTIONS YIELD * TERMINATE TRANSACTIONS x") == "SHOW"
    assert keyword_violation("CALL db.labels() YIELD label RETURN label") is None
    # names and strings that merely contain the words are not commands
    assert keyword_violation("MATCH (n) WHERE n.show = 'TERMINATE' RETURN n.`stop` AS s") is None


def _query_file(folder: Path, name: str, cypher: str, returns: str = "n") -> Path:
    path = folder / f"{name}.cypher"
    path.write_text(
        f"// name: {name}\n// question: What does {name} do?\n// description: A user query.\n"
        f"// returns: {returns}\n{cypher}\n",
        encoding="utf-8",
    )
    return path


def test_a_terminate_query_is_refused_before_it_runs(neo4j_driver, tmp_path) -> None:
    path = _query_file(
        tmp_path,
        "killer",
        "SHOW TRANSACTIONS YIELD transactionId AS txId\nTERMINATE TRANSACTIONS txId\n"
        "YIELD message RETURN message AS n",
    )
    spec = queries.get("killer", tmp_path)
    with pytest.raises(QueryError) as err:
        queries.execute(spec, {}, driver=neo4j_driver)
    assert str(err.value) == (
        f"{path}: query 'killer' contains 'SHOW', a server command; saved queries may only "
        "read the graph"
    )


def test_a_malformed_query_file_is_skipped_and_the_others_still_run(neo4j_driver, tmp_path):
    (tmp_path / "broken.cypher").write_text("// name: broken\nMATCH (n) RETURN n\n", "utf-8")
    _query_file(tmp_path, "count_tracebacks", "MATCH (t:Traceback) RETURN count(t) AS n")
    env = {**os.environ, "GRAPHENGINE_PROGRESS": "0"}
    for name in ("count_tracebacks", "repeat_gateways"):  # a user query and a saved one
        result = subprocess.run(
            [sys.executable, "-m", "graphengine.cli.main", "query", "run", name]
            + ["--queries", str(tmp_path), "--format", "csv"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        warnings = [ln for ln in result.stderr.splitlines() if "skipped" in ln]
        assert len(warnings) == 1
        assert warnings[0].startswith("skipped a query file that cannot be used: ")
        assert "broken.cypher" in warnings[0]
