"""Write figures as offline HTML and, through one kaleido/Chromium session, as PNG, SVG and PDF.

HTML
    plotly.js is inlined (``include_plotlyjs=True``), MathJax is off and the ``<div>`` id is
    fixed, so the file works with no network and a re-run writes the same bytes (apart from the
    generation time in the title). plotly.js itself contains URL strings (licence headers, the
    SVG/XLink namespace URIs and links used by its "edit in Chart Studio" code) but the page
    never loads a remote script.
Static images
    kaleido >= 1 drives a headless Chromium: ``BROWSER_PATH`` when set, otherwise ``chromium``,
    ``chromium-browser`` or ``google-chrome`` on ``PATH``, otherwise whatever kaleido's
    choreographer finds. All images of an export go through **one** browser session (a cold
    ``write_image`` costs about 2 s per image). A missing browser raises :class:`ExportError`
    telling how to install one.

Examples
--------
>>> find_browser() is None or find_browser().endswith(("chromium", "chrome", "chromium-browser"))
True
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from graphengine.errors import ExportError

__all__ = ["STATIC_FORMATS", "ImageJob", "find_browser", "write_html", "write_static"]

STATIC_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

_INSTALL_HINT = (
    "install one with `apt-get install chromium` (or `make chromium`), or set BROWSER_PATH to a "
    "Chrome/Chromium executable"
)


@dataclass(frozen=True)
class ImageJob:
    """One static image to render: figure, output path, format and pixel size."""

    figure: go.Figure
    path: Path
    fmt: str
    width: int
    height: int
    scale: float = 1.0


def write_html(figure: go.Figure, path: Path, *, div_id: str) -> Path:
    """Write ``figure`` as a self-contained HTML page that works offline; return ``path``."""
    figure.write_html(
        str(path),
        include_plotlyjs=True,
        include_mathjax=False,
        full_html=True,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
    return path


def find_browser() -> str | None:
    """Return the Chrome/Chromium executable kaleido should use, or ``None`` if none is found.

    Raises
    ------
    ExportError
        When ``BROWSER_PATH`` is set but does not name an executable file.
    """
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise ExportError(f"BROWSER_PATH={configured!r} is not an executable file; {_INSTALL_HINT}")
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """Run ``coro`` to completion, also when called from inside a running event loop (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target, name="graphengine-kaleido")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


async def _render(jobs: Sequence[ImageJob], browser: str | None) -> None:
    # why: kaleido and choreographer (static images only) take seconds to import
    import kaleido
    from choreographer.errors import BrowserFailedError, ChromeNotFoundError

    kwargs: dict[str, Any] = {"n": 1, "mathjax": False, "timeout": 120}
    if browser:
        kwargs["path"] = browser
    try:
        async with kaleido.Kaleido(**kwargs) as session:
            await session.write_fig_from_object(
                [
                    {
                        "fig": job.figure,
                        "path": job.path,
                        "opts": {
                            "format": job.fmt,
                            "width": job.width,
                            "height": job.height,
                            "scale": job.scale,
                        },
                    }
                    for job in jobs
                ],
                cancel_on_error=True,
            )
    except (ChromeNotFoundError, BrowserFailedError) as exc:
        where = f" at {browser}" if browser else ""
        raise ExportError(
            f"no working Chrome/Chromium{where} for PNG/SVG/PDF export ({exc.__class__.__name__}); "
            f"{_INSTALL_HINT}"
        ) from None


def _quiet() -> None:
    """kaleido and choreographer log every tab operation at INFO; keep stderr for our own lines."""
    for name in ("kaleido", "choreographer", "logistro"):
        logging.getLogger(name).setLevel(logging.WARNING)


def write_static(jobs: Sequence[ImageJob]) -> list[Path]:
    """Render every job through a single kaleido browser session; return the written paths.

    Raises
    ------
    ExportError
        When no browser is found or it fails to start, or a format is not png/svg/pdf.
    """
    if not jobs:
        return []
    for job in jobs:
        if job.fmt not in STATIC_FORMATS:
            raise ExportError(f"unknown image format {job.fmt!r}; use one of {STATIC_FORMATS}")
    browser = find_browser()
    _quiet()
    _run(_render(jobs, browser))
    missing = [str(job.path) for job in jobs if not job.path.is_file()]
    if missing:
        raise ExportError(f"kaleido did not write {', '.join(missing)}")
    return [job.path for job in jobs]
