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

import numpy as np
import pandas as pd

from graphengine.schema import HOP_COLUMNS

__all__ = ["FINGERPRINT_COLUMNS", "dataset_fingerprint"]

FINGERPRINT_COLUMNS: tuple[str, ...] = tuple(
    c for c in HOP_COLUMNS if c not in ("source_file", "source_line")
)


#: rows serialised at a time: the text of millions of hops never exists all at once.
_CHUNK = 250_000


def _order(hops: pd.DataFrame) -> np.ndarray:
    """Row positions sorted by (traceback_id, hop), stable: what
    ``sort_values(["traceback_id", "hop"], kind="stable")`` gives, on integer codes."""
    codes, _ = pd.factorize(hops["traceback_id"], sort=True)
    return np.lexsort((hops["hop"].to_numpy(), codes))


def dataset_fingerprint(hops: pd.DataFrame) -> str:
    """Return the hex SHA-256 of the canonical serialisation of ``hops`` (see module notes).

    The CSV text is hashed in chunks of rows; the bytes hashed are those of one
    ``to_csv`` of the whole sorted frame.
    """
    digest = hashlib.sha256()
    columns = list(FINGERPRINT_COLUMNS)
    order = _order(hops)
    for start in range(0, max(len(hops), 1), _CHUNK):
        frame = hops.iloc[order[start : start + _CHUNK]][columns]
        frame = frame.assign(call_time=frame["call_time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        text = frame.to_csv(index=False, header=start == 0, lineterminator="\n")
        digest.update(text.encode("utf-8"))
    return digest.hexdigest()
