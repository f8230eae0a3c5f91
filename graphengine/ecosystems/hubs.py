"""Hub handling: terminating and national transit carriers touch every ecosystem and would glue
them together, so they are found *before* detection (:func:`hub_candidates`) and either detached
or down-weighted (:func:`treat_hub_edges`); afterwards a hub joins the ecosystem that holds most
of its traffic when one clearly does (:func:`hub_shares`, :func:`strongest_ecosystem`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from graphengine.errors import ConfigError

__all__ = [
    "HUB_HANDLING_MODES",
    "HubRule",
    "hub_rule",
    "hub_candidates",
    "treat_hub_edges",
    "hub_weights",
    "hub_shares",
    "strongest_ecosystem",
]

#: How detection treats hub candidates (:attr:`HubRule.mode`); not the export's display modes.
HUB_HANDLING_MODES: tuple[str, ...] = ("detach", "downweight", "none")


@dataclass(frozen=True)
class HubRule:
    """How hubs (terminating and national transit carriers) are found and handled.

    A provider is a hub **candidate** when any of these holds:

    * at least ``terminating_share`` of its hop rows are terminating (the victim's carrier sits
      at the end of every ecosystem's paths);
    * its **campaign breadth** is an outlier: ``log(1 + distinct campaigns)`` lies more than
      ``campaign_z`` robust standard deviations (1.4826 x MAD) above the median over connected
      providers. An ecosystem runs a few campaigns; a national transit carrier or a shared
      foreign wholesaler carries nearly all of them;
    * its **neighbour breadth** is an outlier: ``log(1 + distinct neighbours)`` above
      ``degree_z`` robust standard deviations (the fallback when campaigns are not labelled).

    Robust z-scores are scale-free, so the same rule serves 700 or 70,000 providers.

    Parameters
    ----------
    mode : {"detach", "downweight", "none"}
        ``detach`` (default) detects ecosystems without the candidates' edges, then attaches
        them; ``downweight`` keeps their edges with the weight multiplied by ``weight_factor``;
        ``none`` turns hub handling off (plain detection, every provider is an ordinary one).
    terminating_share : float
        Share of terminating hops that makes a provider a terminating carrier.
    campaign_z : float
        Robust z-score of log campaign count above which a provider is a hub.
    degree_z : float
        Robust z-score of log-degree above which a provider is a hub (3.5 is the
        Iglewicz-Hoaglin outlier cut-off).
    attach_share : float
        After detection, a candidate joins the ecosystem holding at least this share of its
        traffic to ecosystem members (status ``attached_hub``); otherwise it stays a ``hub``
        with no ecosystem.
    weight_factor : float
        Multiplier of hub edges in ``downweight`` mode.
    """

    mode: Literal["detach", "downweight", "none"] = "detach"
    terminating_share: float = 0.5
    campaign_z: float = 2.5
    degree_z: float = 3.5
    attach_share: float = 0.67
    weight_factor: float = 0.1

    def __post_init__(self) -> None:
        if self.mode not in HUB_HANDLING_MODES:
            raise ConfigError(
                f"hub_handling mode {self.mode!r} is not supported; use detach, downweight or none"
            )
        for name in ("terminating_share", "attach_share", "weight_factor"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"hub_handling {name}={value} must be in (0, 1]")
        for name in ("campaign_z", "degree_z"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"hub_handling {name}={getattr(self, name)} must be positive")


def hub_rule(hubs: HubRule | str | None) -> HubRule:
    if isinstance(hubs, HubRule):
        return hubs
    if hubs is None:
        return HubRule(mode="none")
    return HubRule(mode=hubs)  # type: ignore[arg-type]


def robust_outliers(values: np.ndarray, z: float) -> np.ndarray:
    """Boolean mask of values more than ``z`` robust standard deviations above the median."""
    if values.size < 3:
        return np.zeros(values.size, dtype=bool)
    median = float(np.median(values))
    spread = 1.4826 * float(np.median(np.abs(values - median)))
    if spread == 0.0:  # more than half the values are equal: fall back to the mean deviation
        spread = 1.2533 * float(np.mean(np.abs(values - median)))
    if spread == 0.0:
        return np.zeros(values.size, dtype=bool)
    return (values - median) / spread > z


def hub_candidates(
    degree: np.ndarray,
    terminating_share: np.ndarray | None,
    rule: HubRule,
    n_campaigns: np.ndarray | None = None,
) -> np.ndarray:
    """Return the hub-candidate mask of :class:`HubRule`, given each vertex's distinct
    neighbours (``degree``), share of terminating hops and number of campaigns."""
    n = len(degree)
    if rule.mode == "none" or n == 0:
        return np.zeros(n, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    connected = degree > 0
    mask[connected] = robust_outliers(np.log1p(degree[connected].astype(float)), rule.degree_z)
    if n_campaigns is not None:
        campaigns = np.asarray(n_campaigns, dtype=float)[connected]
        mask[connected] |= robust_outliers(np.log1p(campaigns), rule.campaign_z)
    if terminating_share is not None:
        mask |= np.asarray(terminating_share, dtype=float) >= rule.terminating_share
    return mask & connected


def treat_hub_edges(
    ends: np.ndarray, w: np.ndarray, is_hub: np.ndarray, rule: HubRule
) -> tuple[np.ndarray, np.ndarray]:
    """Cut (detach) or scale (downweight) every edge touching a hub candidate."""
    if rule.mode == "none" or not is_hub.any() or not len(ends):
        return ends, w
    touches = is_hub[ends[:, 0]] | is_hub[ends[:, 1]]
    if rule.mode == "detach":
        return ends[~touches], w[~touches]
    return ends, np.where(touches, w * rule.weight_factor, w)


def hub_weights(
    ends: np.ndarray, w: np.ndarray, label: np.ndarray, is_hub: np.ndarray
) -> pd.DataFrame:
    """Traffic of each hub candidate to each labelled ecosystem: (hub, label, w)."""
    rows = []
    for a, b in ((0, 1), (1, 0)):
        hub, other = ends[:, a], ends[:, b]
        sel = is_hub[hub] & (label[other] >= 0) & (hub != other)
        rows.append(pd.DataFrame({"hub": hub[sel], "label": label[other[sel]], "w": w[sel]}))
    frame = pd.concat(rows, ignore_index=True)
    return frame.groupby(["hub", "label"]).agg(w=("w", "sum")).reset_index()


def hub_shares(frame: pd.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per vertex: share of its ecosystem traffic in the strongest ecosystem, and the
    participation coefficient 1 - sum of squared shares (NaN for non-hubs)."""
    share = np.full(n, np.nan)
    part = np.full(n, np.nan)
    if frame.empty:
        return share, part
    p = frame["w"] / frame.groupby("hub")["w"].transform("sum")
    by_hub = p.groupby(frame["hub"])
    best = by_hub.max()
    share[best.index.to_numpy()] = best.to_numpy()
    sq = (p**2).groupby(frame["hub"]).sum()
    part[sq.index.to_numpy()] = 1.0 - sq.to_numpy()
    return share, part


def strongest_ecosystem(frame: pd.DataFrame, n: int) -> np.ndarray:
    out = np.full(n, -1, dtype=np.int64)
    if frame.empty:
        return out
    # Ties go to the smaller provisional label, so the choice is deterministic.
    best = frame.sort_values(["hub", "w", "label"], ascending=[True, False, True])
    best = best.drop_duplicates("hub")
    out[best["hub"].to_numpy()] = best["label"].to_numpy()
    return out
