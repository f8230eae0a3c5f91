"""The Neo4j store: load canonical frames, read them back, write analytics back.

The store knows nothing of files: it takes and returns the frames of
:mod:`graphengine.schema`. Every Cypher string it sends lives in
:mod:`graphengine.store.statements`; the graph model is documented in ``docs/data-model.md``.

Examples
--------
>>> from graphengine import store
>>> sorted(store.__all__)[:3]
['LoadReport', 'clear_database', 'connect']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below load on first use, so `graphengine neo4j` starts fast
    from graphengine.store.admin import clear_database
    from graphengine.store.connection import connect, execute_read, execute_write, server_version
    from graphengine.store.load import LoadReport, ensure_schema, load_frames, refresh_sends_to
    from graphengine.store.read import (
        graph_counts,
        graph_fingerprint,
        read_hops,
        read_projection,
        read_providers,
        read_sends_to,
        write_provider_properties,
    )

__all__ = [
    "LoadReport",
    "clear_database",
    "connect",
    "ensure_schema",
    "execute_read",
    "execute_write",
    "graph_counts",
    "graph_fingerprint",
    "load_frames",
    "read_hops",
    "read_projection",
    "read_providers",
    "read_sends_to",
    "refresh_sends_to",
    "server_version",
    "write_provider_properties",
]

#: public name -> submodule that defines it.
_SOURCE: dict[str, str] = {
    "clear_database": "admin",
    "connect": "connection",
    "execute_read": "connection",
    "execute_write": "connection",
    "server_version": "connection",
    "LoadReport": "load",
    "ensure_schema": "load",
    "load_frames": "load",
    "refresh_sends_to": "load",
    "graph_counts": "read",
    "graph_fingerprint": "read",
    "read_hops": "read",
    "read_projection": "read",
    "read_providers": "read",
    "read_sends_to": "read",
    "write_provider_properties": "read",
}


def __getattr__(name: str) -> Any:
    source = _SOURCE.get(name)
    if source is None:
        raise AttributeError(f"module 'graphengine.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"graphengine.store.{source}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
