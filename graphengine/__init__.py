"""graphengine: an investigation engine for illegal-robocall enforcement.

Traceback call paths load into canonical frames (:mod:`graphengine.schema`), optionally into
Neo4j (:mod:`graphengine.store`); igraph maps provider ecosystems; findings rank the providers
that should receive a subpoena next, with the traceback ids behind every rank; plotly exports
network diagrams as verifiable evidence bundles.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
