"""Scoring results against the synthetic generator's ``truth.json``.

The generator (:mod:`graphengine.synthetic`) keys its truth by a canonical provider name and lists,
in ``name_map``, every string it printed for that provider. The loaders resolve printed names
to their own ``provider_key``; :func:`truth_keys` bridges the two by majority vote, so every
score here compares like with like.

Ecosystem recovery is scored only over providers the generator planted in an ecosystem: hubs,
transit, regional carriers and noise have no true ecosystem and are excluded. A planted
provider that the detection left unassigned counts as a singleton cluster of its own, so
leaving providers out lowers the score rather than hiding them.

Examples
--------
>>> precision_recall({"a", "b"}, {"b", "c"})
(0.5, 0.5)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import igraph as ig
import pandas as pd

from graphengine.findings import Findings

__all__ = [
    "truth_keys",
    "ecosystem_recovery",
    "precision_recall",
    "truth_set",
    "score_investigation",
    "planted_placement",
]


def truth_keys(hops: pd.DataFrame, truth: Mapping[str, Any]) -> dict[str, str]:
    """Return ``{canonical truth name: provider_key}`` for the providers seen in ``hops``.

    Each printed name in the hop frame (``provider``) maps to a loader key; the truth name takes
    the key most of its printed names resolved to (ties: the smallest key).
    """
    name_map: Mapping[str, str] = truth.get("name_map", {})
    pairs = hops[["provider", "provider_key"]].drop_duplicates()
    votes: dict[str, Counter[str]] = {}
    for printed, key in zip(pairs["provider"], pairs["provider_key"], strict=True):
        canonical = name_map.get(str(printed))
        if canonical is not None:
            votes.setdefault(canonical, Counter())[str(key)] += 1
    return {
        name: sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        for name, counter in votes.items()
    }


def truth_set(entries: Iterable[Any], keys: Mapping[str, str]) -> set[str]:
    """Return the provider keys of a truth list (entries are names or ``{"provider": name}``)."""
    out = set()
    for entry in entries:
        name = entry["provider"] if isinstance(entry, Mapping) else entry
        if name in keys:
            out.add(keys[name])
    return out


def precision_recall(found: Iterable[str], expected: Iterable[str]) -> tuple[float, float]:
    """Return ``(precision, recall)`` of ``found`` against ``expected`` (1.0 when empty)."""
    got, want = set(found), set(expected)
    hits = len(got & want)
    precision = hits / len(got) if got else 1.0
    recall = hits / len(want) if want else 1.0
    return precision, recall


def ecosystem_recovery(
    assignment: pd.DataFrame, truth: Mapping[str, Any], keys: Mapping[str, str]
) -> dict[str, float | int]:
    """Compare detected ecosystems with the planted ones.

    Parameters
    ----------
    assignment
        Frame with ``provider_key`` and ``ecosystem`` (nullable), e.g.
        ``detect_ecosystems(...).providers``.
    truth
        The parsed ``truth.json``.
    keys
        :func:`truth_keys` of the same data.

    Returns
    -------
    dict
        ``nmi`` and ``ari`` over the planted providers present in the data, ``scored`` (how
        many) and ``unassigned`` (planted providers the detection left without ecosystem).
    """
    detected = dict(zip(assignment["provider_key"], assignment["ecosystem"], strict=True))
    planted: Mapping[str, Any] = truth.get("provider_ecosystem", {})
    want: list[str] = []
    got: list[str] = []
    unassigned = 0
    for name, eco in sorted(planted.items()):
        key = keys.get(name)
        if eco is None or key is None or key not in detected:
            continue
        label = detected[key]
        if label is None or pd.isna(label):
            unassigned += 1
            label = f"unassigned:{key}"
        want.append(str(eco))
        got.append(str(label))
    if len(want) < 2:
        return {"nmi": float("nan"), "ari": float("nan"), "scored": len(want), "unassigned": 0}
    codes_w = pd.factorize(pd.Series(want))[0].tolist()
    codes_g = pd.factorize(pd.Series(got))[0].tolist()
    return {
        "nmi": float(ig.compare_communities(codes_w, codes_g, method="nmi")),
        "ari": float(ig.compare_communities(codes_w, codes_g, method="adjusted_rand")),
        "scored": len(want),
        "unassigned": unassigned,
    }


def score_investigation(
    hops: pd.DataFrame, ecosystems: pd.DataFrame, found: Findings, truth: Mapping[str, Any]
) -> dict[str, Any]:
    """Return NMI/ARI of the ``ecosystems`` (provider table) and precision/recall of the
    findings ``found`` on ``hops``, against the generator's ``truth``."""
    keys = truth_keys(hops, truth)
    eco = ecosystem_recovery(ecosystems, truth, keys)
    scores: dict[str, Any] = {
        "ecosystems_nmi": round(eco["nmi"], 4),
        "ecosystems_ari": round(eco["ari"], 4),
        "ecosystems_providers_scored": eco["scored"],
    }
    for label, got, want in (
        ("repeat_gateways", found.repeat_gateways["provider_key"], truth["repeat_gateways"]),
        (
            "repeat_originators",
            found.repeat_originators["provider_key"],
            truth["repeat_originators"],
        ),
        ("noncooperative", found.noncooperative["provider_key"], truth["non_cooperative"]),
    ):
        precision, recall = precision_recall(set(got), truth_set(want, keys))
        scores[f"{label}_precision"] = round(precision, 4)
        scores[f"{label}_recall"] = round(recall, 4)
    return scores


def planted_placement(
    assignment: pd.DataFrame, truth: Mapping[str, Any], keys: Mapping[str, str]
) -> dict[str, float | int]:
    """Share of planted providers placed in their planted ecosystem.

    A planted ecosystem's detected ecosystem is the one most of its providers landed in; a
    provider is placed right when it landed there too (no ecosystem counts as wrong).

    Returns
    -------
    dict
        ``placed`` (share), ``scored`` (planted providers present in the data) and ``wrong``.

    Examples
    --------
    >>> a = pd.DataFrame({"provider_key": ["a", "b", "c"], "ecosystem": [1, 1, None]})
    >>> planted_placement(a, {"provider_ecosystem": {"A": 0, "B": 0, "C": 0}},
    ...                   {"A": "a", "B": "b", "C": "c"})
    {'placed': 0.6667, 'scored': 3, 'wrong': 1}
    """
    detected = dict(zip(assignment["provider_key"], assignment["ecosystem"], strict=True))
    pairs: list[tuple[str, str | None]] = []
    for name, eco in sorted(truth.get("provider_ecosystem", {}).items()):
        key = keys.get(name)
        if eco is None or key is None or key not in detected:
            continue
        label = detected[key]
        pairs.append((str(eco), None if label is None or pd.isna(label) else str(label)))
    if not pairs:
        return {"placed": float("nan"), "scored": 0, "wrong": 0}
    frame = pd.DataFrame(pairs, columns=["planted", "detected"])
    majority = (
        frame.dropna()
        .groupby(["planted", "detected"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["planted", "n", "detected"], ascending=[True, False, True])
        .drop_duplicates("planted")
        .set_index("planted")["detected"]
    )
    right = frame["detected"].notna() & (frame["detected"] == frame["planted"].map(majority))
    wrong = int((~right).sum())
    return {"placed": round(float(right.mean()), 4), "scored": len(frame), "wrong": wrong}
