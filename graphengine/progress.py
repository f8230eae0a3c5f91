"""Progress bars on stderr, so that stdout stays machine-readable."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

__all__ = ["progress", "bar"]


def bar(total: int | None, desc: str, unit: str = "rows", disable: bool | None = None) -> tqdm:
    """Return a tqdm bar on stderr that shows ``unit``/s; hidden when stderr is not a TTY
    unless ``GRAPHENGINE_PROGRESS=1``.
    """
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=True,
        file=sys.stderr,
        disable=_disabled() if disable is None else disable,
        mininterval=0.5,
        leave=False,
    )


def progress(items: Iterable[T], total: int | None, desc: str, unit: str = "rows") -> Iterator[T]:
    """Iterate over ``items`` with a progress bar on stderr (see :func:`bar`)."""
    with bar(total, desc, unit) as b:
        for item in items:
            yield item
            b.update(1)


def _disabled() -> bool:
    if os.environ.get("GRAPHENGINE_PROGRESS") == "1":
        return False
    if os.environ.get("GRAPHENGINE_PROGRESS") == "0":
        return True
    return not sys.stderr.isatty()
