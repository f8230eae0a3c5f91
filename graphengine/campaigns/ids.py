"""Stable campaign ids across runs: match a fresh run's campaigns to the previous run's.

A re-run from scratch numbers its campaigns again from ``CMP-0001``; an investigator's notes and
alerts refer to the old ids. :func:`carry_ids` matches each new campaign to the previous campaign
whose exemplars its own exemplars verify against best (Jaccard / containment, as in the
clustering), one to one, greedily by score; matched campaigns take the old id, the others get ids
after the previous run's last one. A campaign id is therefore never reused for another script.
"""

from __future__ import annotations

import numpy as np

from graphengine.campaigns.minhash import join_pairs
from graphengine.campaigns.similarity import verify
from graphengine.campaigns.state import Campaign, CampaignState

__all__ = ["carry_ids", "rename"]


def carry_ids(
    state: CampaignState, previous: CampaignState, *, per_campaign: int = 40
) -> dict[str, str]:
    """Rename ``state``'s campaigns after ``previous``'s where they match; return old -> new id.

    The scores compare up to ``per_campaign`` exemplars of each side.
    """
    p = state.params
    new_ex = [
        (cid, e) for cid, c in sorted(state.campaigns.items()) for e in c.exemplars[:per_campaign]
    ]
    old_ex = [
        (cid, e)
        for cid, c in sorted(previous.campaigns.items())
        for e in c.exemplars[:per_campaign]
    ]
    scores: dict[tuple[str, str], float] = {}
    if new_ex and old_ex:
        bands, rows = p.bands_rows()
        qi, ei = join_pairs(
            np.stack([e.sig for _, e in new_ex]), np.stack([e.sig for _, e in old_ex]), bands, rows
        )
        best: dict[tuple[int, str], float] = {}
        for q, o in zip(qi.tolist(), ei.tolist(), strict=True):
            w = verify(new_ex[q][1].set, old_ex[o][1].set, p.verify)
            if w > 0:
                key = (q, old_ex[o][0])
                best[key] = max(best.get(key, 0.0), w)
        for (q, old), w in best.items():
            pair = (new_ex[q][0], old)
            scores[pair] = scores.get(pair, 0.0) + w
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for (new, old), _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if new not in mapping and old not in taken:
            mapping[new] = old
            taken.add(old)
    number = max(previous.next_number, 1)
    for cid in sorted(state.campaigns, key=lambda c: (state.campaigns[c].created_seq, c)):
        if cid not in mapping:
            mapping[cid] = f"CMP-{number:04d}"
            number += 1
    rename(state, mapping)
    state.next_number = number
    return mapping


def rename(state: CampaignState, mapping: dict[str, str]) -> None:
    """Rename campaigns in place (members, exemplar keys and index follow)."""
    members = {
        rid: mapping.get(state.resolve(cid), state.resolve(cid))
        for rid, cid in state.members.items()
    }
    campaigns: dict[str, Campaign] = {}
    for cid, c in state.campaigns.items():
        new = mapping.get(cid, cid)
        c.campaign_id = new
        for k, e in enumerate(c.exemplars):
            e.key = f"{new}#{k + 1}"
        campaigns[new] = c
    state.campaigns = dict(sorted(campaigns.items()))
    state.members = members
    state.aliases = {}
    state._index = None
