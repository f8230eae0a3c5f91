"""Ecosystem mapping: stable communities of providers that carry each other's robocalls.

:func:`detect_ecosystems` turns canonical frames into ecosystems in five steps:

1. build the weighted directed provider graph (:mod:`graphengine.graph`);
2. **hub handling** (:class:`HubRule`, :mod:`~graphengine.ecosystems.hubs`): terminating
   carriers and national transit carriers touch every ecosystem and would glue them together,
   so they are found *before* detection and either detached (the default) or down-weighted;
3. **consensus** (:mod:`~graphengine.ecosystems.consensus`): ``runs`` seeded runs of Leiden,
   Louvain or Infomap; the share of runs in which the two ends of each edge land together (a
   sparse co-assignment over the edges) gives the consensus partition (pairs together in a
   majority of runs, joined transitively) and a per-provider **stability**;
4. hubs are attached to the ecosystem that holds most of their traffic when one clearly does,
   otherwise they stay hubs with no ecosystem; ecosystems are relabelled canonically (size
   descending, then smallest member key) so that ids are reproducible
   (:mod:`~graphengine.ecosystems.partition`);
5. a provider whose every link goes to a hub joins the ecosystem whose members share most of
   its tracebacks, when that is clear (:mod:`~graphengine.ecosystems.paths`; status
   ``attached_by_paths``, with ``shared_tracebacks``).

Every option lives in one :class:`DetectionConfig`. ``docs/ecosystems.md`` explains the choices.
"""

from __future__ import annotations

from graphengine.ecosystems.config import (
    DEFAULT_SEED,
    METHODS,
    OBJECTIVES,
    DetectionConfig,
    detection_config,
)
from graphengine.ecosystems.consensus import LEIDEN_ITERATIONS
from graphengine.ecosystems.detect import EcosystemResult, detect_ecosystems, resolution_scan
from graphengine.ecosystems.hubs import HUB_HANDLING_MODES, HubRule
from graphengine.ecosystems.partition import STATUSES, Partition, partition_graph

__all__ = [
    "DEFAULT_SEED",
    "LEIDEN_ITERATIONS",
    "METHODS",
    "OBJECTIVES",
    "HUB_HANDLING_MODES",
    "STATUSES",
    "DetectionConfig",
    "detection_config",
    "HubRule",
    "Partition",
    "EcosystemResult",
    "detect_ecosystems",
    "partition_graph",
    "resolution_scan",
]
