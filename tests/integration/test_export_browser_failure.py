"""A browser that stops answering in the middle of an export gives a one-line ExportError.

Real Chromium, frozen (SIGSTOP) by a wrapper script as soon as the first image is written:
kaleido times out (``GRAPHENGINE_RENDER_TIMEOUT``), choreographer closes its channel, and the
export must say so in one line instead of letting ``ChannelClosedError`` or ``CancelledError``
escape as a traceback (seen under heavy machine load at 1M hops, issue 21).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import plotly.graph_objects as go
import pytest

from graphengine.errors import ExportError
from graphengine.export.formats import ImageJob, write_static

_FREEZER = """#!/bin/sh
# Chromium that freezes once the first image exists (past the render timeout), then dies
{browser} "$@" &
pid=$!
trap 'kill -9 $pid 2>/dev/null' EXIT
while [ ! -s {first} ]; do sleep 0.2; done
kill -STOP $pid
sleep 8
"""


def test_a_browser_frozen_mid_export_is_a_one_line_export_error(tmp_path, monkeypatch, capfd):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "make test installs Chromium (make chromium)"
    jobs = [
        ImageJob(
            figure=go.Figure(go.Bar(x=["a", "b"], y=[1, i])),
            path=tmp_path / f"image{i}.pdf",
            fmt="pdf",
            width=400,
            height=300,
        )
        for i in range(40)
    ]
    script = tmp_path / "frozen-chromium.sh"
    script.write_text(_FREEZER.format(browser=browser, first=Path(jobs[0].path)))
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(script))
    monkeypatch.setenv("GRAPHENGINE_RENDER_TIMEOUT", "3")
    with pytest.raises(ExportError) as caught:
        write_static(jobs)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("the browser failed while rendering PDF (")
    assert "--format html" in message
    assert "Traceback" not in capfd.readouterr().err


def test_the_render_timeout_must_be_a_positive_number(monkeypatch, tmp_path):
    monkeypatch.setenv("GRAPHENGINE_RENDER_TIMEOUT", "soon")
    job = ImageJob(go.Figure(), tmp_path / "x.png", "png", 10, 10)
    with pytest.raises(ExportError, match="GRAPHENGINE_RENDER_TIMEOUT='soon' is not a positive"):
        write_static([job])
