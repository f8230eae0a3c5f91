"""Short ``repr`` and ``_repr_html_`` for result objects, so notebooks show a summary, not a dump.

Examples
--------
>>> key_values_html("Bundle", {"kind": "ecosystem", "files": 16})
"<div><b>Bundle</b><table><tr><th style='text-align:left'>kind</th><td>ecosystem</td></tr><tr><th style='text-align:left'>files</th><td>16</td></tr></table></div>"
>>> short_repr("Bundle", {"kind": "ecosystem", "files": 16})
"Bundle(kind='ecosystem', files=16)"
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

__all__ = ["key_values_html", "short_repr"]


def key_values_html(title: str, values: Mapping[str, Any]) -> str:
    """Return a titled two-column HTML table of ``values`` (escaped)."""
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
        f"<td>{html.escape(str(v))}</td></tr>"
        for k, v in values.items()
    )
    return f"<div><b>{html.escape(title)}</b><table>{rows}</table></div>"


def short_repr(name: str, values: Mapping[str, Any]) -> str:
    """Return ``Name(key=value, ...)`` with values in ``repr`` form."""
    return f"{name}(" + ", ".join(f"{k}={v!r}" for k, v in values.items()) + ")"
