"""Convert and check query parameter values against their declared header type.

Values arrive as strings from the CLI (``-p k=3``) or as Python objects from notebooks
(``run("upstream_tree", k=3)``). Both go through :func:`coerce`, which returns the value in the
form the Neo4j driver sends as a typed Cypher parameter (``datetime`` values become timezone-aware
UTC datetimes, so they compare with the stored ``call_time`` values). A value is never spliced into
the Cypher text.

Examples
--------
>>> from graphengine.queries.params import Param
>>> coerce(Param("k", "int", required=False, default=2, low=1, high=6), "3")
3
>>> coerce(Param("since", "datetime", required=False), "2024-03-01").isoformat()
'2024-03-01T00:00:00+00:00'
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from graphengine.errors import QueryError

__all__ = ["Param", "TYPES", "coerce", "coerce_default", "describe", "bind"]

TYPES: tuple[str, ...] = ("string", "int", "float", "bool", "datetime", "date")

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
_INT = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class Param:
    """One declared query parameter.

    ``default`` is already converted to the parameter's Python type (``None`` for
    ``default=null`` and for required parameters); ``default_text`` keeps it as written.
    """

    name: str
    type: str
    required: bool
    default: Any = None
    default_text: str | None = None
    example: str | None = None
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    help: str = ""

    def expectation(self) -> str:
        """Return a short phrase saying what a valid value looks like (used in errors and docs)."""
        return describe(self)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def describe(param: Param) -> str:
    """Return what a valid value of ``param`` looks like, e.g. ``"an integer from 1 to 6"``."""
    base = {
        "string": "a string",
        "int": "an integer",
        "float": "a number",
        "bool": "true or false",
        "datetime": "an ISO 8601 date or date-time such as 2024-03-01 or 2024-03-01T12:00:00Z",
        "date": "an ISO 8601 date such as 2024-03-01",
    }[param.type]
    if param.choices:
        base = "one of " + ", ".join(param.choices)
    if param.low is not None and param.high is not None:
        base += f" from {_num(param.low)} to {_num(param.high)}"
    elif param.low is not None:
        base += f" >= {_num(param.low)}"
    elif param.high is not None:
        base += f" <= {_num(param.high)}"
    return base


def _convert(param: Param, value: Any) -> Any:
    """Return ``value`` converted to ``param.type``, or raise ValueError."""
    t = param.type
    if t == "string":
        if not isinstance(value, str):
            raise ValueError
        return value
    if t == "int":
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INT.match(value.strip()):
            return int(value.strip())
        raise ValueError
    if t == "float":
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int | float):
            out = float(value)
        elif isinstance(value, str):
            out = float(value.strip())
        else:
            raise ValueError
        if not math.isfinite(out):
            raise ValueError
        return out
    if t == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError
    if t == "datetime":
        if isinstance(value, dt.datetime):
            out_dt = value
        elif isinstance(value, dt.date):
            out_dt = dt.datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            out_dt = dt.datetime.fromisoformat(value.strip())
        else:
            raise ValueError
        if out_dt.tzinfo is None:  # naive values are read as UTC, like the loaders do
            out_dt = out_dt.replace(tzinfo=dt.UTC)
        return out_dt.astimezone(dt.UTC)
    if t == "date":
        if isinstance(value, dt.datetime):
            raise ValueError
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            return dt.date.fromisoformat(value.strip())
        raise ValueError
    raise ValueError  # pragma: no cover - TYPES is closed


def _check_bounds(param: Param, value: Any) -> bool:
    if param.choices is not None and value not in param.choices:
        return False
    if param.low is not None and value < param.low:
        return False
    return not (param.high is not None and value > param.high)


def coerce(param: Param, value: Any, query: str = "") -> Any:
    """Convert ``value`` to the declared type of ``param`` and check its range and choices.

    Parameters
    ----------
    param
        The declared parameter.
    value
        A string (from the CLI) or a Python value (from the API); ``None`` only for optional
        parameters whose default is ``null``.
    query
        The query name, used in the error message.

    Returns
    -------
    object
        ``str``, ``int``, ``float``, ``bool``, UTC ``datetime.datetime`` or ``datetime.date``.

    Raises
    ------
    QueryError
        ``parameter 'k' of query 'upstream_tree' must be an integer from 1 to 6, got '9'``.
    """
    where = f" of query {query!r}" if query else ""
    if value is None:
        if param.required:
            raise QueryError(
                f"parameter {param.name!r}{where} is required: give {param.expectation()}"
            )
        return None
    try:
        out = _convert(param, value)
    except (ValueError, TypeError, OverflowError):
        out = _INVALID
    if out is _INVALID or not _check_bounds(param, out):
        raise QueryError(
            f"parameter {param.name!r}{where} must be {param.expectation()}, got {value!r}"
        )
    return out


_INVALID = object()


def coerce_default(param: Param, text: str) -> Any:
    """Convert a header ``default=``/``example=`` text (``null`` means no value)."""
    if text == "null":
        return None
    return coerce(param, text)


def bind(params: tuple[Param, ...], given: dict[str, Any], query: str) -> dict[str, Any]:
    """Return the full parameter map for a run: every declared parameter, converted.

    Raises
    ------
    QueryError
        For an undeclared name, a missing required parameter or an invalid value.
    """
    declared = {p.name: p for p in params}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        names = ", ".join(declared) or "none"
        raise QueryError(
            f"query {query!r} has no parameter {unknown[0]!r}; its parameters are: {names}"
        )
    bound: dict[str, Any] = {}
    for p in params:
        if p.name in given:
            bound[p.name] = coerce(p, given[p.name], query)
        elif p.required:
            example = f" (e.g. {p.name}={p.example})" if p.example else ""
            raise QueryError(
                f"query {query!r} needs parameter {p.name!r}: {p.expectation()}{example}"
            )
        else:
            bound[p.name] = p.default
    return bound
