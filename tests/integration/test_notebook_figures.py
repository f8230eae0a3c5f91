"""The notebooks show their figures inline and print no warning of ours.

Notebooks 1 and 2 run in a real kernel (notebook 3 needs Neo4j; ``make test`` runs it through
nbmake). Every cell that draws through ``ge.figures`` must leave a plotly figure in its
outputs, and no output may carry a warning raised from graphengine's own code.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PLOTLY = "application/vnd.plotly.v1+json"


@pytest.mark.parametrize(
    "name", ["01_ecosystem_tour.ipynb", "02_repeat_gateways_and_noncooperation.ipynb"]
)
def test_notebook_draws_every_figure_inline_without_our_warnings(name, tmp_path) -> None:
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    drawing = [c for c in nb.cells if c.cell_type == "code" and "ge.figures." in c.source]
    assert drawing, "the notebook draws at least one figure inline"
    for cell in drawing:
        kinds = {k for out in cell.outputs for k in out.get("data", {})}
        assert PLOTLY in kinds, f"no inline figure from: {cell.source[:60]}"
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            assert not ("Warning" in text and "graphengine" in text), text[:500]
