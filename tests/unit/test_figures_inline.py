"""``graphengine.figures`` draws what the bundle seals; result objects print short summaries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest

import graphengine as ge
from graphengine.errors import ExportError
from tests.helpers.export import small_hops, small_partition

T0 = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
HTML = ge.ExportSettings(formats=("html",), case_label="AG-FIG")


def _same(fig: go.Figure, path: Path) -> None:
    drawn = json.loads(pio.to_json(fig, validate=False, remove_uids=True))
    assert drawn == json.loads(path.read_text())


def test_inline_figures_equal_the_sealed_figures(tmp_path) -> None:
    hops, part = small_hops(), small_partition()
    eco = ge.export_ecosystem(hops, part, 1, tmp_path / "e", settings=HTML, generated_at=T0)
    _same(ge.figures.ecosystem(hops, part, 1, case_label="AG-FIG", generated_at=T0),
          eco.path / "figures" / "ecosystem.plotly.json")  # fmt: skip
    pages = ge.figures.ecosystem_pages(hops, part, 1, case_label="AG-FIG", generated_at=T0)
    _same(pages[1], eco.path / "figures" / "ecosystem-page2.plotly.json")
    prov = ge.export_provider(hops, "Connexum LLC", tmp_path / "p", settings=HTML, generated_at=T0)
    _same(ge.figures.provider(hops, "Connexum LLC", case_label="AG-FIG", generated_at=T0),
          prov.path / "figures" / "neighbourhood.plotly.json")  # fmt: skip
    tb = ge.export_traceback(hops, "T1", tmp_path / "t", settings=HTML, generated_at=T0)
    _same(ge.figures.traceback(hops, "T1", case_label="AG-FIG", generated_at=T0),
          tb.path / "figures" / "traceback.plotly.json")  # fmt: skip
    assert not (tmp_path / "e" / "figures" / "ecosystem.png").exists()


def test_inline_figure_errors_are_the_export_errors() -> None:
    with pytest.raises(ExportError, match="not in the input"):
        ge.figures.traceback(small_hops(), "NOPE")


def test_result_objects_have_short_reprs(tmp_path) -> None:
    bundle = ge.export_ecosystem(
        small_hops(), small_partition(), 1, tmp_path / "b", settings=HTML, generated_at=T0
    )
    text = repr(bundle)
    assert text.startswith("Bundle(path=") and "files=13" in text and len(text) < 400
    assert "<table>" in bundle._repr_html_() and bundle.manifest_sha256 in bundle._repr_html_()
    report = ge.verify_bundle(bundle.path)
    assert repr(report) == f"VerifyReport(path={str(bundle.path)!r}, result='verified 13 files')"
    assert "verified 13 files" in report._repr_html_()
