"""Provider findings: what investigators act on, computed from canonical frames.

Frames in, frames out. :func:`compute_findings` runs every finding for one analysis window and
returns a :class:`Findings` object (DataFrames, an HTML summary in notebooks, and
``write(out_dir)`` for ``findings.json`` and ``targets.csv``). Each finding is also a function of
its own module, usable alone:

========================== ======================================================
module                     finding
========================== ======================================================
``window``                 :class:`Window`: ``since``/``until`` or rolling ``"12M"``
``profiles``               :func:`role_profiles`: tracebacks per role, rates, share
``repeat``                 :func:`repeat_offenders`: repeat gateways / originators
``noncooperation``         :func:`noncooperation_events`, :func:`flag_noncooperative`
``rmd``                    :func:`rmd_violations` (against the downstream provider)
``downstream``             :func:`accepts_from_flagged`: who keeps taking their traffic
``attestation``            :func:`attestation_anomalies`, :func:`load_dno`
``chokepoints``            :func:`chokepoints`: weighted betweenness and PageRank
``targets``                :func:`rank_targets`: the transparent ranked list
========================== ======================================================

Examples
--------
>>> import pandas as pd
>>> from graphengine import schema
>>> from graphengine.findings import compute_findings
>>> hops = pd.concat([schema.empty_hops(), pd.DataFrame({
...     "traceback_id": ["t1", "t1"], "hop": [0, 1], "provider_key": ["term", "orig"],
...     "provider": ["Term", "Orig"], "role": ["terminating", "originating"],
...     "upstream_key": ["orig", None],
...     "call_time": pd.to_datetime(["2024-05-01", "2024-05-01"], utc=True)})])
>>> found = compute_findings(hops)
>>> found.targets[["rank", "provider_key", "originating"]].to_dict("records")[0]
{'rank': 1, 'provider_key': 'orig', 'originating': 1}
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from graphengine.errors import ConfigError
from graphengine.findings._common import restore, windowed
from graphengine.findings.attestation import attestation_anomalies, load_dno, nanp_problem
from graphengine.findings.chokepoints import chokepoints
from graphengine.findings.downstream import accepts_from_flagged
from graphengine.findings.noncooperation import (
    NonCooperationRule,
    events_compact,
    flag_noncooperative,
    noncooperation_events,
)
from graphengine.findings.printed import add_printed_hops, check_window_selects
from graphengine.findings.repeat import repeat_offenders
from graphengine.findings.result import Findings
from graphengine.findings.rmd import RmdRule, rmd_supplied, rmd_violations
from graphengine.findings.role_profiles import role_profiles
from graphengine.findings.targets import TargetWeights, rank_targets
from graphengine.findings.window import ResolvedWindow, Window, parse_span

__all__ = [
    "FindingsConfig",
    "Findings",
    "Window",
    "ResolvedWindow",
    "NonCooperationRule",
    "RmdRule",
    "TargetWeights",
    "compute_findings",
    "role_profiles",
    "repeat_offenders",
    "noncooperation_events",
    "flag_noncooperative",
    "rmd_violations",
    "accepts_from_flagged",
    "attestation_anomalies",
    "load_dno",
    "nanp_problem",
    "chokepoints",
    "rank_targets",
]


@dataclass(frozen=True)
class FindingsConfig:
    """Every parameter of the findings, with the documented defaults.

    Parameters
    ----------
    window
        Analysis window (default: all data).
    repeat_threshold, repeat_span
        Repeat gateway/originator rule: at least ``repeat_threshold`` tracebacks within any
        ``repeat_span`` (``None``: within the analysis window). Default 3 in 12 months.
    noncooperation, rmd, weights
        See :class:`NonCooperationRule`, :class:`RmdRule`, :class:`TargetWeights`.
    dno
        Do-Not-Originate numbers (10 digits), e.g. from :func:`load_dno`.
    """

    window: Window = field(default_factory=Window)
    repeat_threshold: int = 3
    repeat_span: str | None = "12M"
    noncooperation: NonCooperationRule = field(default_factory=NonCooperationRule)
    rmd: RmdRule = field(default_factory=RmdRule)
    weights: TargetWeights = field(default_factory=TargetWeights)
    dno: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.repeat_threshold < 1:
            raise ConfigError(f"--threshold must be at least 1, got {self.repeat_threshold}")
        if self.repeat_span is not None:
            parse_span(self.repeat_span, "--repeat-span")

    def as_dict(self) -> dict[str, object]:
        """JSON-ready parameters (the DNO list is summarised by its size)."""
        return {
            "window": {
                "since": None if self.window.since is None else str(self.window.since),
                "until": None if self.window.until is None else str(self.window.until),
                "span": self.window.span,
            },
            "repeat": {"threshold": self.repeat_threshold, "span": self.repeat_span or "window"},
            "noncooperation": asdict(self.noncooperation),
            "rmd": asdict(self.rmd),
            "weights": asdict(self.weights),
            "dno_numbers": None if self.dno is None else len(self.dno),
        }


def compute_findings(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    ecosystems: pd.DataFrame | None = None,
    config: FindingsConfig | None = None,
) -> Findings:
    """Run every finding on ``hops`` for one window and rank the providers.

    Parameters
    ----------
    hops
        Canonical hop frame (:mod:`graphengine.schema`), e.g. ``loaders.load_inputs(...).hops``
        or ``graphengine.store.read_hops(driver)``.
    providers
        Canonical provider frame with RMD status; ``None`` skips the RMD findings (noted in
        ``Findings.notes``).
    ecosystems
        Optional ``provider_key, ecosystem`` frame (``detect_ecosystems(...).providers``).
    config
        :class:`FindingsConfig`; defaults as documented in each module.

    Returns
    -------
    Findings
        Frames for every finding plus ``targets``; ``write(out_dir)`` saves findings.json and
        targets.csv.
    """
    cfg = config or FindingsConfig()
    scoped, win = windowed(hops, cfg.window)
    check_window_selects(hops, scoped, win)
    notes = []
    supplied = rmd_supplied(providers)
    if not supplied:
        notes.append("no RMD data supplied: RMD violations and RMD events were not computed")
    profiles = role_profiles(scoped, win)
    repeat = pd.concat(
        [
            repeat_offenders(scoped, role, cfg.repeat_threshold, cfg.repeat_span, win)
            for role in ("gateway", "originating")
        ],
        ignore_index=True,
    )
    events = events_compact(scoped, providers, win, cfg.rmd)
    noncoop = flag_noncooperative(scoped, events, cfg.noncooperation, win)
    flagged = noncoop.loc[noncoop["noncooperative"], "provider_key"].tolist()
    violations = rmd_violations(scoped, providers, win, cfg.rmd)
    accepts = accepts_from_flagged(scoped, flagged, win)
    anomalies = attestation_anomalies(scoped, cfg.dno, win)
    choke = chokepoints(scoped, ecosystems, win)
    targets = rank_targets(
        scoped,
        window=win,
        profiles=profiles,
        repeat=repeat,
        noncooperation=noncoop,
        events=events,
        rmd_violations=violations,
        accepts_from_flagged=accepts,
        anomalies=anomalies,
        chokepoints=choke,
        providers=providers,
        weights=cfg.weights,
    )
    return Findings(
        window=win,
        parameters=cfg.as_dict(),
        profiles=profiles,
        repeat=repeat,
        events=add_printed_hops(restore(events), scoped),
        noncooperation=noncoop,
        rmd_violations=add_printed_hops(violations, scoped),
        accepts_from_flagged=accepts,
        anomalies=add_printed_hops(anomalies, scoped),
        chokepoints=choke,
        targets=targets,
        tracebacks_in_window=int(scoped["traceback_id"].nunique()),
        rmd_supplied=supplied,
        notes=notes,
    )
