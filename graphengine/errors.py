"""Errors that graphengine reports to a user as one line, without a Python traceback.

The CLI catches :class:`GraphengineError` and prints ``graphengine: error: <message>``; any
other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = [
    "GraphengineError",
    "ConfigError",
    "SchemaError",
    "InputFileError",
    "Neo4jUnavailable",
    "QueryError",
    "ExportError",
]


class GraphengineError(Exception):
    """Base class: a problem a user can fix, reported as one line with a hint."""

    exit_code: int = 1


class ConfigError(GraphengineError):
    """A setting is missing or invalid; the message names the setting."""


class SchemaError(GraphengineError):
    """A frame does not follow the canonical schema (graphengine.schema)."""


class InputFileError(GraphengineError):
    """A whole input file cannot be read (wrong format, missing required column)."""


class Neo4jUnavailable(GraphengineError):
    """Neo4j cannot be reached, or refused the credentials."""


class QueryError(GraphengineError):
    """A saved query is malformed, or was given invalid parameters."""


class ExportError(GraphengineError):
    """A figure or evidence bundle could not be written or verified."""
