"""Per-distinct-value work on repetitive columns (shared by the loaders)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["map_unique"]


def map_unique(
    values: np.ndarray | pd.Series, fn: Callable[[str], Any], dtype: Any = object
) -> np.ndarray:
    """Apply ``fn`` once per distinct value of ``values`` and spread the results back.

    Inputs repeat heavily (a million hops name a few thousand providers), so this turns per-row
    Python into per-distinct-value Python. Missing values are passed to ``fn`` as ``""``.
    """
    arr = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(arr, use_na_sentinel=False)
    mapped = np.array(
        [fn("" if (u is None or u is pd.NA or u != u) else u) for u in uniques], dtype=dtype
    )
    if not len(mapped):
        return np.empty(len(arr), dtype=dtype)
    return mapped[codes]
