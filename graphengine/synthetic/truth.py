"""``truth.json``: the planted world plus truth lists derived from the rows actually written.

Two kinds of truth are recorded, and each list says which it is:

* **planted** facts are decisions of the world (an ecosystem's members, a provider planted as
  non-responsive with its rate, an RMD removal date);
* **derived** lists are computed from the counters of the rows written (so they always agree with
  hops.csv), using the definitions in :data:`DEFINITIONS`. Roles and response categories are
  those of the hop rows: ``role`` as written, and the response category each raw text is listed
  under in ``response_vocabulary``.

See docs/synthetic.md for the full description.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from graphengine.synthetic import vocab
from graphengine.synthetic.config import GeneratorConfig
from graphengine.synthetic.traffic import Stats
from graphengine.synthetic.world import World

__all__ = ["DEFINITIONS", "TRUTH_FORMAT", "build_truth", "window_max"]

TRUTH_FORMAT = "graphengine-synthetic-truth/1"

#: The definition of every truth list, as written into truth.json (``{...}`` are parameters).
DEFINITIONS: dict[str, str] = {
    "provider_key": (
        "truth is keyed by the canonical provider name (providers.<name>); every string printed "
        "for it in hops.csv / paths.csv is listed in printed_names and mapped in name_map"
    ),
    "ecosystem": (
        "planted: the ecosystem a provider was drawn into (foreign sources, gateways, "
        "intermediates, originators); null for hubs, transit, regional, noise and legit_foreign"
    ),
    "repeat_gateways": (
        "derived: providers with role 'gateway' in >= {repeat_threshold} tracebacks within some "
        "window of {repeat_window_days} consecutive UTC calendar days of call_time"
    ),
    "repeat_originators": (
        "derived: providers with role 'originating' in >= {repeat_threshold} tracebacks within "
        "some window of {repeat_window_days} consecutive UTC calendar days of call_time"
    ),
    "planted_gateways": (
        "planted: every ecosystem gateway, with planted_rate = the expected share of all "
        "tracebacks drawn through it as the gateway (before non-response truncation)"
    ),
    "planted_originators": (
        "planted: every ecosystem originating provider, with planted_rate = the expected share "
        "of all tracebacks drawn with it as the origin (before non-response truncation)"
    ),
    "non_responsive": (
        "planted: providers that fail to answer on a hop > 0 with probability planted_rate; a "
        "failed hop has response category no_response, insufficient_records or "
        "records_not_found, an empty upstream_provider, role 'intermediate', and is the last "
        "hop of its traceback"
    ),
    "non_cooperative": (
        "derived: providers with >= {noncoop_min_events} hops whose response category is "
        "no_response, insufficient_records or records_not_found, and such hops >= "
        "{noncoop_min_share} of all their hops; 'planted' says whether it is in non_responsive"
    ),
    "not_in_rmd": "planted: providers with no row in rmd.csv (hops = rows in hops.csv)",
    "rmd_removed": (
        "planted: providers whose rmd.csv row has a removal_date; hops_after_removal = their "
        "hops with call_time on or after that date (they keep carrying traffic)"
    ),
    "rmd_violations": (
        "derived: one row per hop h >= 0 of a U.S. provider (downstream) whose upstream "
        "(the provider at hop h+1 of the same traceback) has no rmd.csv row ('not_in_rmd') or "
        "was removed on or before the call date ('removed_from_rmd'); listed in the file"
    ),
    "hubs": "planted: the large domestic terminating carriers",
    "hub_terminating_share": "derived: share of tracebacks whose hop 0 provider is a hub",
}


def window_max(days_hist: np.ndarray, window: int) -> np.ndarray:
    """Return, per row, the largest count in any ``window`` consecutive days.

    Examples
    --------
    >>> import numpy as np
    >>> window_max(np.array([[1, 0, 0, 2, 1]]), 2).tolist()
    [3]
    """
    n_days = days_hist.shape[1]
    w = min(window, n_days)
    cs = np.concatenate([np.zeros((days_hist.shape[0], 1), dtype=np.int64), days_hist.cumsum(1)], 1)
    best: np.ndarray = (cs[:, w:] - cs[:, : n_days - w + 1]).max(axis=1)
    return best


def _day(cfg: GeneratorConfig, offset: int) -> str:
    return (cfg.start + dt.timedelta(days=offset)).isoformat()


def build_truth(  # noqa: C901 - a flat list of sections
    cfg: GeneratorConfig, world: World, stats: Stats, files: dict[str, str], version: str
) -> dict[str, Any]:
    """Return the truth document for a finished run (see :data:`DEFINITIONS`).

    Parameters
    ----------
    cfg, world, stats
        The run's configuration, its world and the counters of the rows written.
    files
        Role -> file name of every file written beside truth.json.
    version
        The graphengine version, recorded as the generator version.

    Returns
    -------
    dict
        JSON-ready; key order is fixed so the file is byte-identical for the same seed.
    """
    provs = world.providers
    ecos = world.ecosystems
    label = {e.id: e.label for e in ecos}
    names = [p.name for p in provs]
    roles = ("terminating", "intermediate", "gateway", "originating", "foreign")

    providers: dict[str, Any] = {}
    name_map: dict[str, str] = {}
    for p in provs:
        printed = [([p.name, *p.variants])[i] for i in sorted(stats.printed_used[p.id])]
        for n in [p.name, *p.variants]:
            name_map[n] = p.name
        providers[p.name] = {
            "kind": p.kind,
            "ecosystem": label[p.ecosystem] if p.ecosystem is not None else None,
            "country": p.country,
            "frn": p.frn if p.in_rmd else None,
            "in_rmd": p.in_rmd,
            "rmd_removed_on": _day(cfg, p.removed_day) if p.removed_day is not None else None,
            "planted_nonresponsive": p.planted_nonresponsive,
            "planted_nonresponse_rate": round(p.nonresponse_rate, 6),
            "name_variants": list(p.variants),
            "printed_names": printed,
            "hops": int(stats.provider_hops[p.id]),
            "roles": {r: int(stats.role_hops[p.id, k]) for k, r in enumerate(roles)},
            "noncooperative_hops": int(stats.noncoop_hops[p.id]),
        }

    # Planted rates of the ecosystem gateways and originators.
    w = np.asarray([e.weight for e in ecos])
    share = w / w.sum()
    fs = np.asarray([e.foreign_share for e in ecos])
    eco_part = 1.0 - cfg.noise_share
    mix = float((share * fs).sum())
    planted_gateways, planted_originators = [], []
    for k, e in enumerate(ecos):
        gw_base = share[k] * fs[k] * (1 - cfg.leakage) + cfg.leakage * share[k] * mix
        for g, gw in zip(e.gateways, e.gateways_w, strict=True):
            planted_gateways.append(
                {
                    "provider": names[g],
                    "ecosystem": e.label,
                    "planted_rate": round(eco_part * gw_base * gw, 6),
                }
            )
        for o, ow in zip(e.originators, e.originators_w, strict=True):
            planted_originators.append(
                {
                    "provider": names[o],
                    "ecosystem": e.label,
                    "planted_rate": round(eco_part * share[k] * (1 - fs[k]) * ow, 6),
                }
            )

    def repeat(hist: np.ndarray, role_col: int) -> list[dict[str, Any]]:
        best = window_max(hist, cfg.repeat_window_days)
        out = []
        for p in provs:
            if best[p.id] >= cfg.repeat_threshold:
                out.append(
                    {
                        "provider": p.name,
                        "ecosystem": label[p.ecosystem] if p.ecosystem is not None else None,
                        "max_in_window": int(best[p.id]),
                        "total": int(stats.role_hops[p.id, role_col]),
                    }
                )
        return sorted(out, key=lambda r: (-r["max_in_window"], r["provider"]))

    non_cooperative = []
    for p in provs:
        hops, bad = int(stats.provider_hops[p.id]), int(stats.noncoop_hops[p.id])
        if bad >= cfg.noncoop_min_events and bad >= cfg.noncoop_min_share * hops:
            non_cooperative.append(
                {
                    "provider": p.name,
                    "hops": hops,
                    "noncooperative_hops": bad,
                    "share": round(bad / hops, 6),
                    "planted": p.planted_nonresponsive,
                }
            )

    ecosystems = []
    for e in ecos:
        members = e.foreign + e.gateways + e.intermediates + e.originators
        ecosystems.append(
            {
                "id": e.label,
                "weight": round(float(share[e.id]), 6),
                "foreign_share": round(e.foreign_share, 6),
                "tracebacks": int(stats.eco_tracebacks.get(e.id, 0)),
                "providers": [names[i] for i in members],
                "foreign_sources": [
                    {"provider": names[i], "country": provs[i].country} for i in e.foreign
                ],
                "gateways": [names[i] for i in e.gateways],
                "intermediates": [names[i] for i in e.intermediates],
                "originators": [names[i] for i in e.originators],
                "customers": list(e.customers),
                "campaigns": [world.campaigns[c] for c in e.campaigns],
            }
        )

    n_tb = max(stats.tracebacks, 1)
    appearing = int((stats.provider_hops > 0).sum())
    summary = {
        "tracebacks": stats.tracebacks,
        "hops": stats.hops,
        "mean_path_length": round(stats.hops / n_tb, 6),
        "path_length_histogram": {
            str(k): stats.path_lengths[k] for k in sorted(stats.path_lengths)
        },
        "hub_terminating_share": round(stats.hub_terminated / n_tb, 6),
        "hub_hop_share": round(
            float(stats.provider_hops[world.hubs].sum()) / max(stats.hops, 1), 6
        ),
        "foreign_sourced_share": round(stats.foreign_sourced / n_tb, 6),
        "leaked_tracebacks": stats.leaked,
        "providers_in_world": len(provs),
        "providers_appearing": appearing,
        "rmd_violations": stats.violations,
    }
    defs = {k: v.format(**cfg.as_dict()) for k, v in DEFINITIONS.items()}
    return {
        "format": TRUTH_FORMAT,
        "generator": f"graphengine {version}",
        "seed": cfg.seed,
        "parameters": cfg.as_dict(),
        "files": files,
        "definitions": defs,
        "summary": summary,
        "response_vocabulary": {
            text: cat for cat, texts in vocab.RESPONSE_TEXTS.items() for text in texts
        },
        "provider_ecosystem": {p.name: providers[p.name]["ecosystem"] for p in provs},
        "name_map": name_map,
        "hubs": [names[i] for i in world.hubs],
        "transit": [p.name for p in provs if p.kind == "transit"],
        "ecosystems": ecosystems,
        "planted_gateways": planted_gateways,
        "planted_originators": planted_originators,
        "repeat_gateways": repeat(stats.gateway_days, roles.index("gateway")),
        "repeat_originators": repeat(stats.originating_days, roles.index("originating")),
        "non_responsive": [
            {
                "provider": p.name,
                "ecosystem": label[p.ecosystem] if p.ecosystem is not None else None,
                "planted_rate": round(p.nonresponse_rate, 6),
                "hops": int(stats.provider_hops[p.id]),
                "noncooperative_hops": int(stats.noncoop_hops[p.id]),
            }
            for p in provs
            if p.planted_nonresponsive
        ],
        "non_cooperative": non_cooperative,
        "not_in_rmd": [
            {"provider": p.name, "country": p.country, "hops": int(stats.provider_hops[p.id])}
            for p in provs
            if not p.in_rmd
        ],
        "rmd_removed": [
            {
                "provider": p.name,
                "removal_date": _day(cfg, p.removed_day),
                "hops": int(stats.provider_hops[p.id]),
                "hops_after_removal": int(stats.hops_after_removal[p.id]),
            }
            for p in provs
            if p.removed_day is not None and p.in_rmd
        ],
        "rmd_violations": {
            "file": files["rmd_violations"],
            "count": stats.violations,
            "by_downstream": {
                names[i]: int(stats.violations_by_downstream[i])
                for i in np.argsort(-stats.violations_by_downstream, kind="stable").tolist()
                if stats.violations_by_downstream[i] > 0
            },
        },
        "rmd_only_filers": [r[0] for r in world.rmd_only],
        "providers": providers,
    }
