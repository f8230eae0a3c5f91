"""graphengine: an investigation engine for illegal-robocall enforcement.

Traceback call paths load into canonical frames (:mod:`graphengine.schema`), optionally into
Neo4j (:mod:`graphengine.store`); igraph maps provider ecosystems; findings rank the providers
that should receive a subpoena next, with the traceback ids behind every rank; plotly exports
network diagrams as verifiable evidence bundles.

The public API is the names below; each is imported on first use, so ``import graphengine``
stays fast for the command line.

==========================  =====================================================
name                        what it does
==========================  =====================================================
``load_inputs``             files -> canonical frames, rejects and statistics
``generate``                seeded synthetic data with planted ground truth
``provider_graph``          weighted directed provider graph (igraph)
``detect_ecosystems``       seeded consensus ecosystems with hub handling
``resolution_scan``         number of ecosystems and quality against resolution
``run_analysis``            ecosystems with their recorded settings
``compute_findings``        role profiles, repeat offenders, non-cooperation, RMD, targets
``FindingsConfig``          window, thresholds and weights of the findings
``Window``                  the analysis window (since/until or a rolling span)
``investigate``             the main job: report, tables and evidence bundles
``connect``                 a verified Neo4j driver from NEO4J_* settings
``queries``                 saved Cypher queries: ``queries.run(name, **params)``
``export_ecosystem``        evidence bundle of one ecosystem (also provider, traceback)
``verify_bundle``           recompute every hash of an evidence bundle
==========================  =====================================================

Examples
--------
>>> import graphengine
>>> graphengine.detect_ecosystems.__name__
'detect_ecosystems'
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> "module:attribute" (or "module" for a module).
_PUBLIC: dict[str, str] = {
    "load_inputs": "loaders:load_inputs",
    "generate": "graphengine.synthetic:generate",
    "provider_graph": "graphengine.graph:provider_graph",
    "detect_ecosystems": "graphengine.ecosystems:detect_ecosystems",
    "resolution_scan": "graphengine.ecosystems:resolution_scan",
    "run_analysis": "graphengine.pipeline.analysis:run_analysis",
    "compute_findings": "graphengine.findings:compute_findings",
    "FindingsConfig": "graphengine.findings:FindingsConfig",
    "Window": "graphengine.findings:Window",
    "investigate": "graphengine.pipeline.investigate:investigate",
    "InvestigateOptions": "graphengine.pipeline.investigation:InvestigateOptions",
    "connect": "graphengine.store.connection:connect",
    "queries": "graphengine.queries",
    "store": "graphengine.store",
    "export_ecosystem": "graphengine.export:export_ecosystem",
    "export_provider": "graphengine.export:export_provider",
    "export_traceback": "graphengine.export:export_traceback",
    "ExportSettings": "graphengine.export:ExportSettings",
    "verify_bundle": "graphengine.export:verify_bundle",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    target = _PUBLIC.get(name)
    if target is None:
        raise AttributeError(f"module 'graphengine' has no attribute {name!r}")
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    value = getattr(module, attribute) if attribute else module
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
