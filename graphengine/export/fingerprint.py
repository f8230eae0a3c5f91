"""Dataset fingerprint: the SHA-256 of a canonical hop frame, printed on every figure.

The frame is serialised in a fixed way - canonical columns in schema order, rows sorted by
``traceback_id`` and ``hop``, times in ISO-8601 UTC, CSV with ``\\n`` line ends - so the same
data gives the same fingerprint whatever file layout or column order it was loaded from.
``source_file`` and ``source_line`` are left out (they change when a file is moved or
re-split); ``source_sha256`` stays.

Examples
--------
>>> from graphengine import schema
>>> dataset_fingerprint(schema.empty_hops())[:16]
'28f1279e7813841c'
"""

from __future__ import annotations

import hashlib

import pandas as pd

from graphengine.schema import HOP_COLUMNS

__all__ = ["FINGERPRINT_COLUMNS", "dataset_fingerprint"]

FINGERPRINT_COLUMNS: tuple[str, ...] = tuple(
    c for c in HOP_COLUMNS if c not in ("source_file", "source_line")
)


def dataset_fingerprint(hops: pd.DataFrame) -> str:
    """Return the hex SHA-256 of the canonical serialisation of ``hops`` (see module notes)."""
    frame = hops[list(FINGERPRINT_COLUMNS)].copy()
    frame["call_time"] = frame["call_time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    frame = frame.sort_values(["traceback_id", "hop"], kind="stable")
    text = frame.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
