"""docs/queries.md is generated from the query headers and must be current."""

from __future__ import annotations

from graphengine import queries
from graphengine.paths import repo_root
from graphengine.queries.__main__ import main
from graphengine.queries.docs import render_docs


def test_docs_queries_md_is_current():
    root = repo_root()
    assert root is not None
    current = (root / "docs" / "queries.md").read_text(encoding="utf-8")
    expected = render_docs(queries.saved_queries())
    assert current == expected, (
        "docs/queries.md is stale: python -m graphengine.queries --write-docs docs/queries.md"
    )


def test_docs_list_every_saved_query_with_its_parameters():
    text = render_docs(queries.saved_queries())
    for spec in queries.saved_queries():
        assert f"### {spec.name}\n" in text
        assert spec.question in text
        for p in spec.params:
            assert f"| `{p.name}` | {p.type} |" in text
    assert "| `k` | int | `2` | an integer from 1 to 6 |" in text


def test_check_docs_command(tmp_path):
    target = tmp_path / "queries.md"
    assert main(["--write-docs", str(target)]) == 0
    assert main(["--check-docs", str(target)]) == 0
    target.write_text("stale\n", encoding="utf-8")
    assert main(["--check-docs", str(target)]) == 1
