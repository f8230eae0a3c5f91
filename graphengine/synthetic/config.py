"""The knobs of the synthetic traceback generator (:class:`GeneratorConfig`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from graphengine.errors import ConfigError

__all__ = ["GeneratorConfig"]


@dataclass(frozen=True)
class GeneratorConfig:
    """Every parameter of the synthetic world and its traffic.

    The defaults give the ITG's real scale: about 3,600 tracebacks in one year over about 700
    providers. The world (providers, ecosystems, planted behaviour) depends on ``seed`` and the
    world knobs only, never on ``tracebacks``.

    Attributes
    ----------
    tracebacks : int
        Number of tracebacks (rows of paths.csv).
    seed : int
        Seed of ``numpy.random.default_rng``; same seed and knobs give byte-identical files.
    ecosystems : int
        Number of planted ecosystems (K).
    start : datetime.date
        First day of the call-time window (UTC).
    days : int
        Length of the call-time window in days.
    hubs : int
        Large domestic terminating carriers that terminate most calls of every ecosystem.
    transit : int
        National transit carriers shared by paths of every ecosystem.
    regional : int
        Small domestic terminating carriers (terminate the calls the hubs do not).
    noise_providers : int
        Legitimate-looking small domestic providers carrying background traffic.
    legit_foreign : int
        Foreign wholesale carriers (background foreign traffic and shared foreign transit).
    rmd_only : int
        Extra RMD filers that never appear in traffic (the real RMD lists thousands).
    hub_share : float
        Probability that the terminating provider (hop 0) is a hub.
    hub_transit_share : float
        Share of transit slots taken by hubs (the rest by the national transit tier).
    noise_share : float
        Share of tracebacks that are background noise (no ecosystem).
    noise_foreign_share : float
        Share of noise tracebacks that come from a legitimate foreign carrier via a noise gateway.
    leakage : float
        Probability that an ecosystem's foreign-sourced call enters through another ecosystem's
        gateway (cross-ecosystem leakage).
    foreign_transit_share : float
        Probability that a shared legitimate foreign carrier sits between an ecosystem's foreign
        source and its gateway.
    variant_share : float
        Share of domestic providers that have printed name variants.
    variant_print_rate : float
        For such a provider, probability that a traceback prints a variant instead of the
        canonical name.
    foreign_in_rmd_share : float
        Share of ecosystem foreign sources that filed in the RMD.
    not_in_rmd_scale : float
        Multiplier on the planted rates of domestic providers missing from / removed from the RMD.
    nonresponsive_scale : float
        Multiplier on the planted share of non-responsive domestic providers.
    baseline_nonresponse : float
        Probability that any other domestic provider (hop > 0) fails to answer on one hop.
    repeat_threshold : int
        Truth definition: tracebacks in one window that make a repeat gateway / originator.
    repeat_window_days : int
        Truth definition: window length in days for the repeat rule.
    noncoop_min_events : int
        Truth definition: minimum non-cooperative hops of a non-cooperative provider.
    noncoop_min_share : float
        Truth definition: minimum share of its hops that are non-cooperative.
    shared_intermediates : int
        Busy domestic intermediates shared by every ecosystem (kind ``shared_intermediate``, no
        ecosystem). 0 (default) leaves the world as before.
    captive_originator_share : float
        With shared intermediates, the share of ecosystem originators whose **only** downstream
        is a shared intermediate (their calls then go on to the ecosystem's own
        intermediates): the pattern that leaves originators linked only to detached hubs.
    """

    tracebacks: int = 3600
    seed: int = 1
    ecosystems: int = 64
    start: dt.date = dt.date(2025, 1, 1)
    days: int = 365
    hubs: int = 5
    transit: int = 25
    regional: int = 40
    noise_providers: int = 130
    legit_foreign: int = 10
    rmd_only: int = 150
    hub_share: float = 0.82
    hub_transit_share: float = 0.5
    noise_share: float = 0.12
    noise_foreign_share: float = 0.15
    leakage: float = 0.05
    foreign_transit_share: float = 0.3
    variant_share: float = 0.08
    variant_print_rate: float = 0.3
    foreign_in_rmd_share: float = 0.15
    not_in_rmd_scale: float = 1.0
    nonresponsive_scale: float = 1.0
    baseline_nonresponse: float = 0.015
    repeat_threshold: int = 3
    repeat_window_days: int = 365
    noncoop_min_events: int = 3
    noncoop_min_share: float = 0.5
    shared_intermediates: int = 0
    captive_originator_share: float = 0.0

    def validate(self) -> None:
        """Check every knob.

        Raises
        ------
        ConfigError
            Naming the first parameter out of range and its allowed range.
        """
        positive = {
            "tracebacks": 1,
            "ecosystems": 1,
            "days": 1,
            "hubs": 1,
            "transit": 1,
            "regional": 1,
            "noise_providers": 12,
            "legit_foreign": 1,
            "rmd_only": 0,
            "repeat_threshold": 1,
            "repeat_window_days": 1,
            "noncoop_min_events": 1,
            "shared_intermediates": 0,
        }
        for name, low in positive.items():
            value = getattr(self, name)
            if not isinstance(value, int) or value < low:
                raise ConfigError(
                    f"generator parameter {name}={value!r} must be an integer >= {low}"
                )
        if self.seed < 0:
            raise ConfigError(f"generator parameter seed={self.seed} must be >= 0")
        shares = (
            "hub_share",
            "hub_transit_share",
            "noise_share",
            "noise_foreign_share",
            "leakage",
            "foreign_transit_share",
            "variant_share",
            "variant_print_rate",
            "foreign_in_rmd_share",
            "baseline_nonresponse",
            "noncoop_min_share",
            "captive_originator_share",
        )
        for name in shares:
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 1.0:
                raise ConfigError(f"generator parameter {name}={value} must be between 0 and 1")
        for name in ("not_in_rmd_scale", "nonresponsive_scale"):
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 5.0:
                raise ConfigError(f"generator parameter {name}={value} must be between 0 and 5")
        if self.hub_share < 1.0 and self.regional < 1:
            raise ConfigError("generator parameter regional must be >= 1 when hub_share < 1")

    def as_dict(self) -> dict[str, Any]:
        """Return the parameters as JSON-ready values (``start`` as an ISO date)."""
        out = asdict(self)
        out["start"] = self.start.isoformat()
        return out

    @classmethod
    def field_names(cls) -> list[str]:
        """Return the parameter names, in declaration order."""
        return [f.name for f in fields(cls)]
