"""Static evidence images through the real headless Chromium (kaleido >= 1).

For every figure kind, in every format: the PNG has the requested size and is not blank, the
SVG parses and names the providers, the PDF is one page. All images of one bundle come from a
single kaleido session.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from graphengine.export import (
    ExportSettings,
    export_ecosystem,
    export_provider,
    export_traceback,
    verify_bundle,
)
from graphengine.export.redact import number_forms
from tests.helpers.export import CALLED, NAMES, small_hops, small_partition

pytestmark = [pytest.mark.chromium, pytest.mark.slow]

WIDTH, HEIGHT = 900, 600


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Return (width, height, rows of RGB(A) bytes): a minimal PNG decoder (8-bit, no interlace)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                corner = prev[i - bpp] if i >= bpp else 0
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def grey_variance(rows: list[bytes], bpp: int) -> float:
    values = [sum(row[i : i + 3]) / 3 for row in rows[::4] for i in range(0, len(row), bpp * 4)]
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bundles")
    settings = ExportSettings(case_label="AG-IT-7", width=WIDTH, height=HEIGHT)
    hops = small_hops()
    redacted = ExportSettings(
        case_label="AG-IT-7", width=WIDTH, height=HEIGHT, redact_called_numbers=True
    )
    return {
        "ecosystem": export_ecosystem(
            hops, small_partition(), 1, root / "eco", settings=settings
        ).path,
        "provider": export_provider(hops, "Connexum LLC", root / "prov", settings=settings).path,
        "traceback": export_traceback(hops, "T4", root / "tb", settings=redacted).path,
    }


FIGURES = {
    "ecosystem": ("ecosystem", ["VoIPMax Ltd", "Connexum LLC", "SIPJoin Inc", "Transit One"]),
    "provider": ("neighbourhood", ["Connexum LLC", "VoIPMax Ltd", "Nonresp Voice", "Transit One"]),
    "traceback": ("traceback", ["Life Corp", "Lingo Telecom", "Transit One", "Big Carrier"]),
}


@pytest.mark.parametrize("kind", sorted(FIGURES))
def test_png_has_requested_size_and_is_not_blank(bundles, kind):
    name, _ = FIGURES[kind]
    width, height, rows = read_png(bundles[kind] / "figures" / f"{name}.png")
    assert (width, height) == (WIDTH, HEIGHT)
    bpp = len(rows[0]) // width
    assert grey_variance(rows, bpp) > 100.0  # a white page has 0


@pytest.mark.parametrize("kind", sorted(FIGURES))
def test_svg_parses_and_names_the_providers(bundles, kind):
    name, providers = FIGURES[kind]
    tree = ET.parse(bundles[kind] / "figures" / f"{name}.svg")
    root = tree.getroot()
    assert root.tag.endswith("svg")
    texts = " ".join(t for t in root.itertext())
    for provider in providers:
        assert provider in texts, provider
    assert "AG-IT-7" in texts  # the case label of the title block
    # vector output: no embedded raster image of the plot
    assert not any(el.tag.endswith("image") for el in root.iter())


@pytest.mark.parametrize("kind", sorted(FIGURES))
def test_pdf_is_one_page(bundles, kind):
    name, _ = FIGURES[kind]
    data = (bundles[kind] / "figures" / f"{name}.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", data)) == 1


def test_timelines_render_in_every_format(bundles):
    for kind in ("ecosystem", "provider"):
        folder = bundles[kind] / "figures"
        width, height, _ = read_png(folder / "timeline.png")
        assert (width, height) == (WIDTH, HEIGHT)
        ET.parse(folder / "timeline.svg")
        assert (folder / "timeline.pdf").read_bytes().startswith(b"%PDF")
        assert (folder / "timeline.html").stat().st_size > 1_000_000


def test_bundles_verify(bundles):
    for path in bundles.values():
        report = verify_bundle(path)
        assert report.ok, report.summary()


def test_redacted_bundle_has_no_called_number_in_any_file(bundles):
    forms = {f for number in CALLED for f in number_forms(number)}
    files = [p for p in bundles["traceback"].rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {
        ".png",
        ".svg",
        ".pdf",
        ".html",
        ".csv",
        ".graphml",
        ".json",
    }
    for path in files:
        data = path.read_bytes()
        for form in forms:
            assert form.encode() not in data, f"{form} in {path.name}"


def test_every_provider_name_is_in_the_ecosystem_svg(bundles):
    root = ET.parse(bundles["ecosystem"] / "figures" / "ecosystem.svg").getroot()
    texts = " ".join(root.itertext())
    members = ["voipmax", "connexum", "sipjoin", "transitone", "nonresp"]
    assert all(NAMES[k] in texts for k in members)


def test_html_renders_in_chromium_without_network(bundles):
    """The page draws itself from the inline plotly.js: Chromium's DOM gets plotly's SVG."""
    import subprocess

    from graphengine.export.formats import find_browser

    browser = find_browser()
    assert browser, "no Chromium found"
    page = (bundles["ecosystem"] / "figures" / "ecosystem.html").resolve().as_uri()
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
            "--proxy-server=127.0.0.1:9",
            "--dump-dom",
            page,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert 'class="main-svg"' in dom  # plotly drew the figure
    assert "VoIPMax Ltd" in dom
