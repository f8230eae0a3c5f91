"""The exhibit stamp printed at the foot of every page of every figure.

It states the case, the data window with its time zone, the full SHA-256 fingerprint of the
dataset (the manifest's ``dataset_sha256``), the generation time and "page x of y", so a page
separated from its bundle still says where it came from.

Examples
--------
>>> s = Stamp("AG-1", "2024-01-01 to 2024-01-31", "ab" * 32, "2026-01-01T00:00:00Z")
>>> s.text(1, 2).splitlines()[0]
'Case AG-1 · Data window 2024-01-01 to 2024-01-31 (UTC) · Generated 2026-01-01T00:00:00Z · page 1 of 2'
>>> SHA_PATTERN.search(s.text(1, 1)).group(1) == "ab" * 32
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import plotly.graph_objects as go

__all__ = ["SHA_PATTERN", "STAMP_HEIGHT", "Stamp", "add_stamp"]

#: finds the dataset hash in a stamp's text.
SHA_PATTERN = re.compile(r"Dataset SHA-256 ([0-9a-f]{64})")
#: pixels the stamp needs at the bottom of a page.
STAMP_HEIGHT = 34


@dataclass(frozen=True)
class Stamp:
    """What every page states about itself (times are UTC)."""

    case_label: str
    data_window: str
    dataset_sha256: str
    generated_utc: str
    time_zone: str = "UTC"

    def text(self, page: int, pages: int) -> str:
        """Return the two stamp lines (newline-separated) for page ``page`` of ``pages``."""
        case = self.case_label or "(no case label)"
        return (
            f"Case {case} · Data window {self.data_window} ({self.time_zone}) · "
            f"Generated {self.generated_utc} · page {page} of {pages}\n"
            f"Dataset SHA-256 {self.dataset_sha256}"
        )


def add_stamp(fig: go.Figure, stamp: Stamp, page: int, pages: int) -> go.Figure:
    """Print ``stamp`` at the bottom left of ``fig``'s page (in its bottom margin); return ``fig``.

    The figure's bottom margin must be at least :data:`STAMP_HEIGHT` pixels.
    """
    fig.add_annotation(
        text=stamp.text(page, pages).replace("\n", "<br>"),
        xref="paper",
        yref="paper",
        x=0.0,
        y=0.0,
        xanchor="left",
        yanchor="bottom",
        yshift=-int(fig.layout.margin.b or 0) + 4,
        showarrow=False,
        align="left",
        font={"size": 9, "color": "#333333", "family": "Arial, Helvetica, sans-serif"},
        name="exhibit-stamp",
    )
    return fig
