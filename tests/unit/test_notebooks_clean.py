"""The analyst notebooks are committed without outputs and use only the public API.

They are *executed* by ``make test`` through ``pytest --nbmake notebooks/``; this test keeps
git free of outputs (which would hold data and bloat diffs) and of private imports.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
EXPECTED = {
    "01_ecosystem_tour.ipynb",
    "02_repeat_gateways_and_noncooperation.ipynb",
    "03_from_question_to_evidence.ipynb",
}
PRIVATE_IMPORT = re.compile(
    r"(?:from|import)\s+(?:graphengine|loaders)(?:\.\w+)*\._\w+|import\s+_\w+"
)


def test_the_three_notebooks_exist() -> None:
    assert {p.name for p in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped(path: Path) -> None:
    book = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(book["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {index} has outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {index} was executed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_public_api_and_explanations(path: Path) -> None:
    book = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in book["cells"] if c["cell_type"] == "code")
    prose = [c for c in book["cells"] if c["cell_type"] == "markdown"]
    assert not PRIVATE_IMPORT.search(code), PRIVATE_IMPORT.search(code)
    assert "import graphengine" in code
    # Every notebook teaches: at least one explanation per two code cells.
    assert len(prose) * 2 >= len(book["cells"]) - len(prose)
