"""Attach providers whose every link goes to a detached hub, by the tracebacks they share.

The hub rule (:class:`graphengine.ecosystems.HubRule`) detaches busy providers before detection
so that they do not glue ecosystems together. A provider whose **only** neighbours are such
hubs (typically an originator whose sole downstream is a busy shared intermediate) is then a
singleton in the detection graph and ends in no ecosystem, although it is often exactly the
provider investigators want placed.

Its tracebacks still say where it belongs: the same traced calls pass through the members of
one ecosystem further down the path. :func:`attach_by_paths` counts, for such a provider, the
tracebacks it shares with the **members** of each ecosystem (hubs and other attached providers
do not count: they are on every ecosystem's paths) and attaches it when the answer is clear:

* the best ecosystem shares at least :data:`PATH_SHARE` (half) of the provider's tracebacks;
* and strictly more tracebacks than any other ecosystem.

Attached providers get status ``attached_by_paths`` and ``shared_tracebacks`` = the number of
tracebacks shared with that ecosystem, so a reader can judge the evidence.

Examples
--------
>>> import pandas as pd
>>> hops = pd.DataFrame({
...     "traceback_id": ["t1"] * 4 + ["t2"] * 4,
...     "hop": [0, 1, 2, 3] * 2,
...     "provider_key": ["term", "gw", "busy", "orig"] * 2})
>>> frame = pd.DataFrame({
...     "provider_key": ["term", "gw", "busy", "orig"],
...     "ecosystem": pd.array([None, 1, None, None], dtype="Int64"),
...     "status": ["hub", "member", "hub", "small"],
...     "is_hub": [True, False, True, False]})
>>> out = attach_by_paths(hops, frame)
>>> [str(v) for v in out.loc[3, ["ecosystem", "status", "shared_tracebacks"]]]
['1', 'attached_by_paths', '2']
"""

from __future__ import annotations

import pandas as pd

__all__ = ["PATH_SHARE", "attach_by_paths"]

#: Least share of a provider's tracebacks that must reach one ecosystem's members.
PATH_SHARE = 0.5


def _only_hub_neighbours(hops: pd.DataFrame, candidates: set[str], hubs: set[str]) -> set[str]:
    """Candidates whose every neighbour on a path (one hop up or down) is a hub."""
    ordered = hops[["traceback_id", "hop", "provider_key"]].astype(
        {"traceback_id": "string", "provider_key": "string"}
    )
    up = ordered.assign(hop=ordered["hop"] - 1).rename(columns={"provider_key": "up"})
    pairs = ordered.merge(up, on=["traceback_id", "hop"])
    both = pd.concat(
        [
            pd.DataFrame({"p": pairs["provider_key"], "n": pairs["up"]}),
            pd.DataFrame({"p": pairs["up"], "n": pairs["provider_key"]}),
        ],
        ignore_index=True,
    )
    both = both[both["p"].isin(candidates) & (both["p"] != both["n"])]
    not_hub = both[~both["n"].isin(hubs)]["p"]
    return set(both["p"]) - set(not_hub)


def attach_by_paths(
    hops: pd.DataFrame, providers: pd.DataFrame, *, share: float = PATH_SHARE
) -> pd.DataFrame:
    """Return ``providers`` with hub-only providers attached by shared tracebacks.

    Parameters
    ----------
    hops
        Canonical hop frame (``traceback_id``, ``hop``, ``provider_key``).
    providers
        The ecosystem providers frame: ``provider_key``, ``ecosystem`` (nullable), ``status``
        and ``is_hub``.
    share
        :data:`PATH_SHARE` by default.

    Returns
    -------
    pandas.DataFrame
        A copy with ``shared_tracebacks`` (nullable int, set for attached providers) and, for
        each attached provider, ``ecosystem`` and ``status = "attached_by_paths"``.
    """
    out = providers.copy()
    out["shared_tracebacks"] = pd.array([None] * len(out), dtype="Int64")
    if out.empty or hops.empty:
        return out
    keys = out["provider_key"].astype(str)
    small = set(keys[(out["status"] == "small").to_numpy()])
    hubs = set(keys[out["is_hub"].fillna(False).astype(bool).to_numpy()])
    candidates = _only_hub_neighbours(hops, small, hubs) if small and hubs else set()
    if not candidates:
        return out
    member_eco = {
        str(k): int(e)
        for k, e, s in zip(keys, out["ecosystem"], out["status"], strict=True)
        if s == "member" and not pd.isna(e)
    }
    on_path = hops[["traceback_id", "provider_key"]].astype(str).drop_duplicates()
    eco = on_path["provider_key"].map(member_eco)
    reach = on_path.assign(ecosystem=eco).dropna(subset=["ecosystem"])
    reach = reach[["traceback_id", "ecosystem"]].drop_duplicates()
    mine = on_path[on_path["provider_key"].isin(candidates)]
    total = mine.groupby("provider_key")["traceback_id"].nunique()
    shared = (
        mine.merge(reach, on="traceback_id")
        .groupby(["provider_key", "ecosystem"])["traceback_id"]
        .nunique()
        .rename("shared")
        .reset_index()
        .sort_values(["provider_key", "shared", "ecosystem"], ascending=[True, False, True])
    )
    chosen: dict[str, tuple[int, int]] = {}
    for key, grp in shared.groupby("provider_key", sort=True):
        best = int(grp["shared"].iloc[0])
        second = int(grp["shared"].iloc[1]) if len(grp) > 1 else 0
        if best <= second or best < share * int(total[key]):
            continue  # not clear: the provider stays without an ecosystem
        chosen[str(key)] = (int(grp["ecosystem"].iloc[0]), best)
    if not chosen:
        return out
    hit = keys.isin(list(chosen)).to_numpy()
    picked = [chosen[k] for k in keys[hit]]
    out.loc[hit, "ecosystem"] = [e for e, _ in picked]
    out.loc[hit, "status"] = "attached_by_paths"
    out.loc[hit, "shared_tracebacks"] = [n for _, n in picked]
    return out
