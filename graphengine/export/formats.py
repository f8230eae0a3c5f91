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
import plotly.io as pio

from graphengine.errors import ExportError

__all__ = [
    "STATIC_FORMATS",
    "ImageJob",
    "find_browser",
    "merge_pdfs",
    "write_html",
    "write_html_pages",
    "write_static",
]

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


def write_html_pages(figures: Sequence[go.Figure], path: Path, *, div_id: str) -> Path:
    """Write one or more figures into one self-contained, offline HTML page; return ``path``.

    A single figure is written exactly as :func:`write_html` does. Further figures (an
    exhibit's footnote page) follow below it, sharing the one inlined plotly.js; div ids are
    fixed (``div_id``, ``div_id-page2``, ...) so a re-run writes the same bytes.
    """
    if len(figures) == 1:
        return write_html(figures[0], path, div_id=div_id)
    config = {"displaylogo": False, "responsive": True}
    parts = [
        pio.to_html(
            fig,
            include_plotlyjs=(i == 0),
            include_mathjax=False,
            full_html=False,
            div_id=div_id if i == 0 else f"{div_id}-page{i + 1}",
            config=config,
        )
        for i, fig in enumerate(figures)
    ]
    page = (
        '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8" /></head>\n<body>\n'
        + "\n".join(f'<div class="page">{part}</div>' for part in parts)
        + "\n</body>\n</html>\n"
    )
    path.write_text(page, encoding="utf-8")
    return path


def merge_pdfs(parts: Sequence[Path], target: Path) -> Path:
    """Concatenate the one-page PDFs ``parts`` (in order) into ``target``; delete the others.

    ``target`` may be one of ``parts``. Metadata dates are left out so the merge adds no
    clock of its own.
    """
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(str(part))
    writer.add_metadata({"/Producer": "graphengine"})
    tmp = target.with_name(target.name + ".merging")
    with tmp.open("wb") as handle:
        writer.write(handle)
    for part in parts:
        if part != target:
            part.unlink(missing_ok=True)
    tmp.replace(target)
    return target


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


def render_timeout() -> float:
    """Seconds kaleido waits for one image: ``GRAPHENGINE_RENDER_TIMEOUT``, default 120.

    Raises
    ------
    ExportError
        When the variable is not a positive number.
    """
    raw = os.environ.get("GRAPHENGINE_RENDER_TIMEOUT", "120")
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ExportError(f"GRAPHENGINE_RENDER_TIMEOUT={raw!r} is not a positive number of seconds")
    return value


async def _render(jobs: Sequence[ImageJob], browser: str | None) -> None:
    # why: kaleido and choreographer (static images only) take seconds to import
    import kaleido
    from choreographer.errors import BrowserFailedError, ChromeNotFoundError

    kwargs: dict[str, Any] = {"n": 1, "mathjax": False, "timeout": render_timeout()}
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
    except ExportError:
        raise
    except (Exception, asyncio.CancelledError) as exc:  # the session's failures: one line
        # why: a browser starved of CPU (a loaded machine) times out or closes its channel
        # mid-render (kaleido's TimeoutError, choreographer's ChannelClosedError); that is a
        # failed export to report in one line, not a traceback
        formats = ", ".join(sorted({job.fmt.upper() for job in jobs}))
        detail = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        raise ExportError(
            f"the browser failed while rendering {formats} ({detail}); the HTML and data files "
            "are written; re-run when the machine is less busy, or use --format html"
        ) from None


def _quiet() -> None:
    """kaleido and choreographer log every tab operation at INFO; keep stderr for our own lines."""
    for name in ("kaleido", "choreographer", "logistro"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # a render task that failed after the session was cancelled is logged by asyncio as "Task
    # exception was never retrieved" with its traceback; the failure is reported as ExportError
    logging.getLogger("asyncio").addFilter(_unretrieved_task_filter)


def _unretrieved_task_filter(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Task exception was never retrieved")


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
