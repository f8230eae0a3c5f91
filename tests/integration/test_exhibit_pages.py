"""The exhibit's static pages in the real headless Chromium: Letter PDF, PNG at 2x, stamp.

One ecosystem bundle in all four formats (the defaults), read back from disk.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from graphengine.export import ExportSettings, export_ecosystem, verify_bundle
from graphengine.export.stamp import SHA_PATTERN
from tests.helpers.export import random_ecosystem_hops

pytestmark = [pytest.mark.chromium, pytest.mark.slow]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    hops = random_ecosystem_hops(n_providers=160, n_tracebacks=3000, seed=11, unique_names=True)
    keys = sorted(hops["provider_key"].astype(str).unique())
    out = tmp_path_factory.mktemp("exhibit") / "eco"
    export_ecosystem(
        hops, dict.fromkeys(keys, 1), 1, out, settings=ExportSettings(case_label="AG-PAGES-16")
    )
    return out


def test_every_format_is_written_and_verifies(bundle) -> None:
    names = {p.name for p in (bundle / "figures").iterdir()}
    for fig in ("ecosystem", "timeline"):
        assert {f"{fig}.{ext}" for ext in ("html", "png", "svg", "pdf")} <= names
    assert not [p for p in bundle.rglob(".*.pdf")], "no page part is left behind"
    report = verify_bundle(bundle)
    assert report.ok, report.summary()


def test_pdf_is_us_letter_landscape_with_the_footnote_page(bundle) -> None:
    from pypdf import PdfReader

    pages = PdfReader(str(bundle / "figures" / "ecosystem.pdf")).pages
    assert len(pages) == 2  # the diagram, then the footnote table
    for page in pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (792, 612)
    manifest = json.loads((bundle / "manifest.json").read_text())
    texts = [page.extract_text() for page in pages]
    assert "page 1 of 2" in texts[0] and "page 2 of 2" in texts[1]
    for text in texts:
        assert manifest["dataset_sha256"] in re.sub(r"\s+", "", text)
    assert "Supporting traceback ids" in texts[1]
    timeline = PdfReader(str(bundle / "figures" / "timeline.pdf")).pages
    assert len(timeline) == 1 and round(float(timeline[0].mediabox.width)) == 792


def test_png_is_drawn_at_twice_the_page_size(bundle) -> None:
    data = (bundle / "figures" / "ecosystem.png").read_bytes()
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (2 * 1056, 2 * 816)


def test_svg_stamp_carries_the_manifest_hash(bundle) -> None:
    svg = (bundle / "figures" / "ecosystem.svg").read_text(encoding="utf-8")
    manifest = json.loads((bundle / "manifest.json").read_text())
    found = SHA_PATTERN.search(re.sub(r"<[^>]+>", "", svg))
    assert found and found.group(1) == manifest["dataset_sha256"]
