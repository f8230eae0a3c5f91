"""Static assets of the HTML report (inlined, so the report works offline) and its tables.

``tables.js`` (about 100 lines of plain JavaScript, written for graphengine, no third-party
code) makes every ``<table class="ge-table">`` sortable by any column and filterable; the
filter box shows "Showing N of M rows". Every row handed to :func:`interactive_table` is in the
page; a caller that cut a long table first passes its full length as ``total``, and the count
line and the filter box say so (the report cuts its tables: :mod:`graphengine.pipeline.report_rows`).

Examples
--------
>>> import pandas as pd
>>> html = interactive_table(pd.DataFrame({"a": [2, 1]}), ["a"])
>>> html.count("<tr>"), "ge-table" in html
(3, True)
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any

import pandas as pd

__all__ = ["asset", "interactive_table", "section"]


def asset(name: str) -> str:
    """Return the text of a bundled asset (``tables.js`` or ``tables.css``)."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def _cell_text(value: Any) -> str:
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def interactive_table(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    formatters: Mapping[str, Callable[[Any], str]] | None = None,
    links: Mapping[str, Callable[[Any], str | None]] | None = None,
    headers: Mapping[str, str] | None = None,
    total: int | None = None,
    sort_keys: Mapping[str, Callable[[Any], str]] | None = None,
) -> str:
    """Return every row of ``frame`` as a sortable, filterable HTML table (escaped).

    Parameters
    ----------
    frame
        The rows; all of them are written.
    columns
        Columns to show, in order (missing ones are skipped).
    formatters
        Column -> function returning the *escaped HTML* of a cell (e.g. shortened id lists);
        the cell sorts by its full value unless ``sort_keys`` names the column.
    links
        Column -> function returning a relative URL for a cell, or ``None`` for no link.
    headers
        Column -> the header a person reads (e.g. ``provider`` for ``provider_key``, whose cells
        hold display names); other columns show their own name.
    total
        Rows of the whole table when ``frame`` is the first part of it (the count line then
        says "1,000 of 182,345 rows shown"); ``None`` when ``frame`` is the whole table.
    sort_keys
        Column -> function returning the text a formatted cell sorts by, when its full value
        is too long to repeat in the page (an id list of thousands of ids).

    Returns
    -------
    str
        ``<div class="ge-wrap">`` with the table, then a row-count line.
    """
    if frame.empty:
        return "<p><i>None found.</i></p>"
    formatters = formatters or {}
    links = links or {}
    sort_keys = sort_keys or {}
    cols = [c for c in columns if c in frame.columns]
    labels = headers or {}
    head = "".join(f"<th scope='col'>{html_lib.escape(labels.get(c, c))}</th>" for c in cols)
    rows = []
    for record in frame[cols].itertuples(index=False):
        cells = []
        for col, value in zip(cols, record, strict=True):
            text = _cell_text(value)
            shown = formatters[col](value) if col in formatters else html_lib.escape(text)
            url = links[col](value) if col in links else None
            if url:
                shown = f"<a href='{html_lib.escape(url, quote=True)}'>{shown}</a>"
            key = sort_keys[col](value) if col in sort_keys else text
            sort = f" data-sort='{html_lib.escape(key, quote=True)}'" if col in formatters else ""
            cells.append(f"<td{sort}>{shown}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cut = total is not None and total > len(frame)
    attr = f" data-total='{total}'" if cut else ""
    count = f"{len(frame):,} of {total:,} rows shown" if cut else f"{len(frame)} rows"
    return (
        f"<div class='ge-wrap'><table class='ge-table'{attr}><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        f"<p class='ge-count'>{count}</p>"
    )


def section(anchor: str, heading: str, body: str) -> str:
    """Return a collapsible report section (open by default)."""
    return (
        f"<section id='{anchor}'><details class='ge-section' open><summary>"
        f"<h2>{html_lib.escape(heading)}</h2></summary>{body}</details></section>"
    )
