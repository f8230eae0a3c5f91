"""How many rows each table of the HTML report holds, and where the rest of them are.

At millions of hops a table can hold hundreds of thousands of rows (at 10M hops the targets
table alone was 44.7 MB of HTML), so each interactive table of ``report.html`` holds at most
``report_rows`` rows (:data:`DEFAULT_REPORT_ROWS`): the first rows of the table in its own
order (rank, score, count ...; every table is sorted with a stable tie-break before it gets
here, so the rows kept are the same on every run). Where a table is cut, a note right above
it says how many rows are shown out of how many, in what order, and links to the file the
investigation wrote that holds every row, with that file's SHA-256.

Examples
--------
>>> rows = TableRows("targets", "ranked by score", "targets")
>>> rows.noun, rows.lead
('targets', 'top')
>>> bounded(pd.DataFrame({"a": range(5)}), 2).a.tolist(), bounded(pd.DataFrame({"a": [1]}), 0).a.tolist()
([0, 1], [1])
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from graphengine.errors import ConfigError
from graphengine.export.bundle import sha256_file

__all__ = ["DEFAULT_REPORT_ROWS", "TableRows", "TableCutter", "bounded", "check_report_rows"]

#: Rows an interactive report table holds by default (0 = every row).
DEFAULT_REPORT_ROWS = 1000


def check_report_rows(value: int) -> int:
    """Return ``value`` when it is a valid row limit (0 = no limit).

    Raises
    ------
    ConfigError
        When ``value`` is negative.
    """
    if value < 0:
        raise ConfigError(f"--report-rows must be 0 (every row) or more, got {value}")
    return value


def bounded(frame: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    """Return the first ``limit`` rows of ``frame`` in its own order (all when 0 or ``None``)."""
    if not limit or len(frame) <= limit:
        return frame
    return frame.head(limit)


@dataclass(frozen=True)
class TableRows:
    """What one report table lists and which output file holds all its rows.

    Attributes
    ----------
    noun : str
        What a row is, plural (``targets``, ``repeat gateways``).
    order : str
        The table's own order in words (``ranked by score, highest first ...``).
    file : str
        Key of the file in ``Investigation.files`` that holds every row.
    part : str
        Where in that file, when it holds more than this table (a ``findings.json`` key).
    lead : str
        ``top`` for a ranking, ``first`` for an order that is not one (time).
    whole : str
        What the file holds, when not exactly this table's rows (``every violating hop``).
    """

    noun: str
    order: str
    file: str
    part: str = ""
    lead: str = "top"
    whole: str = ""


class TableCutter:
    """Cuts the tables of one report to ``limit`` rows and writes the note of each cut table.

    Each linked file is hashed once per report, however many tables link to it.
    """

    def __init__(self, out_dir: Path, files: Mapping[str, Path], limit: int | None) -> None:
        self.limit = limit
        self._out_dir = out_dir
        self._files = files
        self._hashes: dict[Path, str] = {}

    def cut(self, frame: pd.DataFrame, rows: TableRows) -> tuple[pd.DataFrame, str]:
        """Return the rows of ``frame`` to show and the note above them ("" when none is cut)."""
        shown = bounded(frame, self.limit)
        if len(shown) == len(frame):
            return frame, ""
        return shown, self.note(rows, len(shown), len(frame))

    def _sha256(self, path: Path) -> str:
        if path not in self._hashes:
            self._hashes[path] = sha256_file(path)
        return self._hashes[path]

    def note(self, rows: TableRows, shown: int, total: int) -> str:
        """Return the escaped HTML note for a table cut to ``shown`` of its ``total`` rows."""
        text = (
            f"Showing the {rows.lead} {shown:,} of {total:,} {html.escape(rows.noun)}, "
            f"{html.escape(rows.order)}. Sorting and filtering below work on these "
            f"{shown:,} rows. "
        )
        path = self._files.get(rows.file)
        if path is None or not Path(path).is_file():
            return f"<p class='note ge-cut'>{text}The full table was not written to a file.</p>"
        rel = Path(path).relative_to(self._out_dir).as_posix()
        where = f" (key <code>{html.escape(rows.part)}</code>)" if rows.part else ""
        whole = html.escape(rows.whole) if rows.whole else "every row"
        return (
            f"<p class='note ge-cut'>{text}{whole.capitalize()} is in "
            f"<a href='{html.escape(rel, quote=True)}'><code>{html.escape(rel)}</code></a>"
            f"{where}, SHA-256 <code>{self._sha256(Path(path))}</code>.</p>"
        )
