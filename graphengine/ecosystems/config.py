"""The options of ecosystem detection, declared once: :class:`DetectionConfig`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from graphengine.ecosystems.hubs import HubRule, hub_rule
from graphengine.errors import ConfigError

__all__ = ["METHODS", "OBJECTIVES", "DEFAULT_SEED", "DetectionConfig", "detection_config"]

METHODS: tuple[str, ...] = ("leiden", "louvain", "infomap")
OBJECTIVES: tuple[str, ...] = ("modularity", "cpm")
DEFAULT_SEED = 42


@dataclass(frozen=True)
class DetectionConfig:
    """Every option of ecosystem detection, with its default (one place for all of them).

    Attributes
    ----------
    method : {"leiden", "louvain", "infomap"}
        Community detection (see :func:`~graphengine.ecosystems.partition_graph`).
    objective : {"modularity", "cpm"}
        Leiden's objective.
    resolution : float
        Higher values give more, smaller ecosystems (Leiden and Louvain).
    runs : int
        Seeded runs behind the consensus.
    seed : int
        Master seed; the same data, options and seed give the same ecosystems.
    hub_handling : HubRule or {"detach", "downweight", "none"} or None
        Hub handling (:class:`~graphengine.ecosystems.hubs.HubRule`); None is ``"none"``.
    min_size : int
        Communities with fewer providers get no ecosystem id.
    consensus_threshold : float
        Neighbours share an ecosystem when together in more than this share of the runs.
    split_threshold : float or None
        Modularity a large ecosystem's own split must reach to be split (None: never).
    weight : {"tracebacks", "hops", "n_campaigns", None}
        Edge weight of the provider graph.

    Raises
    ------
    ConfigError
        When an option is out of range (on construction).
    """

    method: str = "leiden"
    objective: str = "modularity"
    resolution: float = 1.0
    runs: int = 20
    seed: int = DEFAULT_SEED
    hub_handling: HubRule | str | None = "detach"
    min_size: int = 3
    consensus_threshold: float = 0.5
    split_threshold: float | None = 0.3
    weight: str | None = "tracebacks"

    def __post_init__(self) -> None:
        _check(self.method, self.objective, self.resolution, self.runs)
        hub_rule(self.hub_handling)  # rejects an unknown mode now, not after the slow steps
        if not 0.0 <= self.consensus_threshold < 1.0:
            raise ConfigError(f"consensus_threshold={self.consensus_threshold} must be in [0, 1)")
        if self.min_size < 1:
            raise ConfigError(f"min_size={self.min_size} must be at least 1")

    @property
    def hubs(self) -> HubRule:
        """The hub rule of :attr:`hub_handling`."""
        return hub_rule(self.hub_handling)


def detection_config(config: DetectionConfig | None, options: dict[str, Any]) -> DetectionConfig:
    """Return ``config`` (default :class:`DetectionConfig`) with ``options`` fields replaced.

    Raises
    ------
    TypeError
        When an option is not a field of :class:`DetectionConfig`.
    ConfigError
        When an option is out of range.
    """
    base = config if config is not None else DetectionConfig()
    return replace(base, **options) if options else base


def _check(method: str, objective: str, resolution: float, runs: int) -> None:
    if method not in METHODS:
        raise ConfigError(f"method={method!r} is not supported; use leiden, louvain or infomap")
    if objective not in OBJECTIVES:
        raise ConfigError(f"objective={objective!r} is not supported; use modularity or cpm")
    if not resolution > 0:
        raise ConfigError(f"resolution={resolution} must be a positive number")
    if runs < 1:
        raise ConfigError(f"runs={runs} must be at least 1")
