"""Campaign identification, batch and incremental: :func:`update_campaigns`, :func:`detect_campaigns`.

One code path serves both. Reports are taken in time order, in chunks:

1. **Join.** Each report is matched against the campaigns' exemplars (MinHash LSH query, then
   Jaccard/containment verification). The best verified exemplar's campaign wins. A report with no
   text match joins the campaign that owns its callback number (>= 80 % of that number's reports),
   or else the campaign that owns its reporter's campaign label (a *specific* label: see
   :class:`~graphengine.campaigns.state.CampaignParams`).
2. **Pool.** The others wait in a pool with the unmatched reports of the last ``pool_max_days``.
   The pool is clustered (:func:`~graphengine.campaigns.grouping.cluster_batch`); a cluster of
   ``min_campaign_size`` reports or more becomes a new campaign.
3. **Link campaigns.** Two campaigns become one when their exemplars verify at
   ``merge_text_min``, or when their link score reaches 1.0: ``callback_weight`` for a shared
   callback number, plus ``label_weight`` for each reporter whose dominant label is the same on
   both sides, minus ``label_weight`` for each reporter whose dominant labels differ.

The first chunk of an empty state is all pool, so a batch run is an incremental run from nothing;
an incremental run never revisits assigned reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd

from graphengine.campaigns.grouping import cluster_batch
from graphengine.campaigns.links import attach_campaigns, traceback_gateways
from graphengine.campaigns.minhash import join_pairs
from graphengine.campaigns.normalise import NOSPACE_BIT, PLACEHOLDERS
from graphengine.campaigns.prepare import Prepared, prepare
from graphengine.campaigns.similarity import jaccard, verify
from graphengine.campaigns.state import Campaign, CampaignParams, CampaignState, Exemplar
from graphengine.progress import bar

__all__ = ["update_campaigns", "assign_reports", "link_campaigns"]

_DAY_NS = 86_400 * 10**9


def assign_reports(
    state: CampaignState | None,
    reports: pd.DataFrame,
    *,
    params: CampaignParams | None = None,
    show_progress: bool | None = None,
) -> CampaignState:
    """Add ``reports`` to ``state`` (a new state when ``None``) and return it.

    Reports already assigned (by ``report_id``) are skipped, so a re-run is idempotent. This is
    identification only; :func:`update_campaigns` also returns the new events.
    """
    if state is None:
        state = CampaignState(params=params or CampaignParams())
    p = state.params
    # Membership is looked up per new report (not ``isin`` over the whole history), so an
    # incremental call costs in proportion to the new reports.
    ids = reports["report_id"].astype(str).tolist()
    members, seen = state.members, state.seen_unassigned
    fresh = reports[np.fromiter((r not in members and r not in seen for r in ids), bool, len(ids))]
    disable = None if show_progress is None else not show_progress
    with bar(len(fresh), "campaigns", unit="rep", disable=disable) as b:
        for lo in range(0, len(fresh), p.chunk):
            chunk = prepare(fresh.iloc[lo : lo + p.chunk], p.num_perm)
            _process_chunk(state, chunk)
            link_campaigns(state)
            b.update(len(chunk))
    return state


def update_campaigns(
    state: CampaignState | None,
    new_reports: pd.DataFrame,
    *,
    params: CampaignParams | None = None,
    tracebacks: pd.DataFrame | Callable[[CampaignState], pd.DataFrame | None] | None = None,
    show_progress: bool | None = None,
) -> tuple[CampaignState, pd.DataFrame]:
    """Join ``new_reports`` to the campaigns of ``state`` and return the state and new events.

    This is the platform's background job: it never re-clusters reports already assigned.

    Parameters
    ----------
    state
        The state of the previous call, or ``None`` to start from nothing.
    new_reports
        Report frame (``report_id``, ``call_time`` and the optional Report columns).
    params
        Parameters of a new state (ignored when ``state`` is given: it keeps its own).
    tracebacks
        For displacement events: the tracebacks linked to the reports, as a link table
        (``report_id, traceback_id, call_time, gateway``: what
        :func:`graphengine.campaigns.links.link_tracebacks` returns) or as a canonical hop table
        with a ``report_id`` column (the gateway is then each traceback's first ``gateway`` hop,
        see :func:`graphengine.campaigns.links.traceback_gateways`). Or a function called with
        the state once ``new_reports`` are assigned, returning such a table (or ``None``): a
        caller that keeps its tracebacks elsewhere then reads only those of the campaigns this
        call touched. Tracebacks of reports in no campaign are ignored.

    Returns
    -------
    tuple[CampaignState, pandas.DataFrame]
        The updated state, and the events not returned by an earlier call (columns of
        :data:`graphengine.campaigns.events.EVENT_COLUMNS`).
    """
    from graphengine.campaigns.events import detect_events

    state = assign_reports(state, new_reports, params=params, show_progress=show_progress)
    table = tracebacks(state) if callable(tracebacks) else tracebacks
    events = detect_events(state, tracebacks=_campaign_tracebacks(table, state))
    fresh = events[~events["event_id"].isin(state.emitted)]
    state.emitted.update(fresh["event_id"])
    return state, fresh.reset_index(drop=True)


def _campaign_tracebacks(table: pd.DataFrame | None, state: CampaignState) -> pd.DataFrame | None:
    """The detectors' traceback frame (``campaign_id, traceback_id, call_time, gateway``)."""
    if table is None or table.empty:
        return None
    if "gateway" not in table.columns:  # a hop table: one row per traceback, its gateway
        table = traceback_gateways(table, keep=("report_id",))
    table = table.assign(call_time=pd.to_datetime(table["call_time"], utc=True))
    return attach_campaigns(table, state)


# -- internals ----------------------------------------------------------------------------------


def _process_chunk(state: CampaignState, chunk: Prepared) -> None:
    p = state.params
    unmatched: list[int] = []
    if state.campaigns:
        lookups = _Lookups(state)
        text = _text_matches(state, lookups, chunk)
        for i in range(len(chunk)):
            cid, score = text.get(i, (None, None))
            if cid is None:
                cid = _link_match(state, lookups, chunk, i)
            if cid is None:
                unmatched.append(i)
                continue
            cid = state.resolve(cid)
            ex = _add_member(state, state.campaigns[cid], chunk, i, score)
            lookups.note(cid, chunk, i)
            if ex is not None:
                lookups.add_exemplar(cid, ex)
    else:
        unmatched = list(range(len(chunk)))
    parts = [chunk.take(unmatched)]
    if state.pool is not None:
        parts.insert(0, state.pool)
    pool = Prepared.concat(parts, p.num_perm)
    if len(pool) == 0:
        state.pool = None
        return
    bands, rows = p.bands_rows()
    groups = cluster_batch(pool, bands, rows, p.verify, p.callback_weight, p.seed)
    waiting: list[int] = []
    for members in groups:
        if len(members) >= p.min_campaign_size and any(pool.sets[i] for i in members):
            _new_campaign(state, pool, members)
        else:
            waiting.extend(members)
    waiting.sort()
    latest = int(pool.call_time.max())
    kept = [i for i in waiting if latest - int(pool.call_time[i]) <= p.pool_max_days * _DAY_NS]
    for i in waiting:
        if latest - int(pool.call_time[i]) > p.pool_max_days * _DAY_NS:
            state.seen_unassigned.add(pool.report_id[i])
    state.pool = pool.take(kept) if kept else None


class _Lookups:
    """Who owns each callback number and each reporter label (rebuilt once per chunk)."""

    def __init__(self, state: CampaignState) -> None:
        self.exemplars: dict[str, tuple[str, Exemplar]] = {}
        self.callbacks: dict[str, Counter[str]] = {}
        self.labels: dict[str, Counter[str]] = {}
        for c in state.campaigns.values():
            for e in c.exemplars:
                self.exemplars[e.key] = (c.campaign_id, e)
            for num, n in c.callbacks.items():
                self.callbacks.setdefault(num, Counter())[c.campaign_id] += n
            for lab, n in c.labels.items():
                self.labels.setdefault(lab, Counter())[c.campaign_id] += n

    def note(self, cid: str, chunk: Prepared, i: int) -> None:
        for num in chunk.callbacks[i]:
            self.callbacks.setdefault(num, Counter())[cid] += 1
        if chunk.label_key[i]:
            self.labels.setdefault(chunk.label_key[i], Counter())[cid] += 1

    def add_exemplar(self, cid: str, e: Exemplar) -> None:
        self.exemplars[e.key] = (cid, e)


def _owner(counter: Counter[str] | None, min_n: int, purity: float) -> str | None:
    if not counter:
        return None
    total = sum(counter.values())
    cid, n = min(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return cid if total >= min_n and n / total >= purity else None


def _text_matches(
    state: CampaignState, lookups: _Lookups, chunk: Prepared, top: int = 3
) -> dict[int, tuple[str, float]]:
    """Return ``{row: (campaign id, weight)}`` for the rows of ``chunk`` that verify an exemplar.

    Candidates are the LSH band collisions of the chunk with every exemplar; they are ranked by
    the similarity their signatures estimate, and the ``top`` best per report are verified on
    the exact shingle sets.
    """
    p = state.params
    keys = list(lookups.exemplars)
    if not keys or not len(chunk):
        return {}
    ex = [lookups.exemplars[k][1] for k in keys]
    esig = np.stack([e.sig for e in ex])
    bands, rows = p.bands_rows()
    qi, ei = join_pairs(chunk.sig, esig, bands, rows)
    if not len(qi):
        return {}
    est = np.empty(len(qi))
    for lo in range(0, len(qi), 200_000):
        sl = slice(lo, lo + 200_000)
        est[sl] = (chunk.sig[qi[sl]] == esig[ei[sl]]).mean(axis=1)
    qsize = np.fromiter((len(x) for x in chunk.sets), dtype=float, count=len(chunk))[qi]
    esize = np.fromiter((len(e.set) for e in ex), dtype=float, count=len(ex))[ei]
    inter = est / (1 + est) * (qsize + esize)
    score = np.maximum(est, inter / np.maximum(np.minimum(qsize, esize), 1))
    order = np.lexsort((ei, -score, qi))
    qi, ei = qi[order], ei[order]
    first = np.concatenate(([True], qi[1:] != qi[:-1]))
    rank = np.arange(len(qi)) - np.maximum.accumulate(np.where(first, np.arange(len(qi)), 0))
    out: dict[int, tuple[str, float]] = {}
    for q, e in zip(qi[rank < top].tolist(), ei[rank < top].tolist(), strict=True):
        w = verify(chunk.sets[q], ex[e].set, p.verify)
        if w <= 0:
            continue
        cid = state.resolve(lookups.exemplars[keys[e]][0])
        if q not in out or (w, cid) > (out[q][1], out[q][0]):
            out[q] = (cid, w)
    return out


def _link_match(state: CampaignState, lookups: _Lookups, chunk: Prepared, i: int) -> str | None:
    """The campaign that owns this report's callback number, or else its specific label.

    The label only speaks for a report whose text is too short to match (or absent): a report
    with text that matches no campaign is more likely a new script than a mislabelled old one.
    """
    p = state.params
    for num in chunk.callbacks[i]:
        owner = _owner(lookups.callbacks.get(num), 2, 0.8)
        if owner is not None:
            return owner
    if chunk.label_key[i] and len(chunk.sets[i]) < p.verify.min_shared:
        return _owner(lookups.labels.get(chunk.label_key[i]), p.label_min_reports, p.label_purity)
    return None


def _add_member(
    state: CampaignState, c: Campaign, chunk: Prepared, i: int, score: float | None
) -> Exemplar | None:
    """Add row ``i`` to ``c``; a text match scoring below the novelty bar becomes an exemplar
    (``score`` None: joined by a callback or label link, never an exemplar)."""
    rid = chunk.report_id[i]
    t = int(chunk.call_time[i])
    state.members[rid] = c.campaign_id
    state.member_time[rid] = t
    c.n_reports += 1
    c.first_seen = t if c.first_seen is None else min(c.first_seen, t)
    c.last_seen = t if c.last_seen is None else max(c.last_seen, t)
    c.daily[str(np.datetime64(t, "ns").astype("datetime64[D]"))] += 1
    c.tokens.update({x for x in chunk.tokens[i] if x not in PLACEHOLDERS})
    c.callbacks.update(chunk.callbacks[i])
    if chunk.label_key[i]:
        c.labels[chunk.label_key[i]] += 1
    if chunk.calling_npanxx[i]:
        c.npanxx[chunk.calling_npanxx[i]] += 1
    c.neighbour += int(chunk.neighbour[i])
    if chunk.tokens[i]:
        c.languages[chunk.language[i]] += 1
    s = chunk.sets[i]
    if s and score is not None and (score < state.params.exemplar_novelty or _mixed(s)):
        return _add_exemplar(state, c, chunk, i)
    return None


def _mixed(s: frozenset[int]) -> bool:
    """Both word and no-space-script shingles: kept as an exemplar, it bridges two languages."""
    high = sum(1 for h in s if h >= NOSPACE_BIT)
    return 0 < high < len(s)


def _add_exemplar(state: CampaignState, c: Campaign, chunk: Prepared, i: int) -> Exemplar | None:
    if len(c.exemplars) >= state.params.exemplar_cap:
        return None
    key = f"{c.campaign_id}#{len(c.exemplars) + 1}"
    while key in state.index:
        key += "+"
    e = Exemplar(key, chunk.report_id[i], chunk.transcript[i], chunk.sets[i], chunk.sig[i])
    c.exemplars.append(e)
    state.index.insert(key, e.sig)
    return e


def _new_campaign(state: CampaignState, pool: Prepared, members: list[int]) -> Campaign:
    c = Campaign(state.new_id(), created_seq=state.next_number)
    state.campaigns[c.campaign_id] = c
    p = state.params
    for i in sorted(members, key=lambda k: (int(pool.call_time[k]), pool.report_id[k])):
        s = pool.sets[i]
        best = max((verify(s, e.set, p.verify) for e in c.exemplars), default=0.0) if s else 1.0
        _add_member(state, c, pool, i, best)
    return c


# -- linking campaigns --------------------------------------------------------------------------


def _dominant_labels(c: Campaign, min_n: int = 5, share: float = 0.7) -> dict[str, str]:
    by_reporter: dict[str, Counter[str]] = {}
    for key, n in c.labels.items():
        reporter, _, label = key.partition("|")
        by_reporter.setdefault(reporter, Counter())[label] += n
    out = {}
    for reporter, counts in by_reporter.items():
        total = sum(counts.values())
        label, n = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if total >= min_n and n / total >= share:
            out[reporter] = label
    return out


def _link_score(a: Campaign, b: Campaign, params: CampaignParams) -> float:
    """Callback + label score of two campaigns (see the module docstring)."""
    score = 0.0
    shared = [n for n in a.callbacks if a.callbacks[n] >= 2 and b.callbacks.get(n, 0) >= 2]
    if shared:
        score += params.callback_weight
    la, lb = _dominant_labels(a), _dominant_labels(b)
    for reporter in la.keys() & lb.keys():
        score += params.label_weight if la[reporter] == lb[reporter] else -params.label_weight
    return score


def link_campaigns(state: CampaignState) -> list[tuple[str, str]]:
    """Merge campaigns that are one script (see the module docstring); return ``(from, into)``."""
    p = state.params
    ids = sorted(state.campaigns)
    if len(ids) < 2:
        return []
    owner = {e.key: c.campaign_id for c in state.campaigns.values() for e in c.exemplars}
    pairs: set[tuple[str, str]] = set()
    # Text: exemplars of one campaign that verify against another's.
    for cid in ids:
        for e in state.campaigns[cid].exemplars:
            for key in state.index.query(e.sig):
                other = owner.get(key)
                if other is None or other == cid:
                    continue
                pair = (min(cid, other), max(cid, other))
                if pair in pairs:
                    continue
                ex = next(x for x in state.campaigns[other].exemplars if x.key == key)
                a, b = state.campaigns[cid], state.campaigns[other]
                # Labels that disagree veto a text link (chaining guard across campaigns).
                if (
                    verify(e.set, ex.set, p.verify) >= p.merge_text_min
                    and _link_score(a, b, p) > -p.label_weight
                ):
                    pairs.add(pair)
    # Mixed-script exemplars (a bilingual message) are compared with every exemplar that has
    # shingles of the same no-space script (few: LSH on the whole set would miss them, as their
    # overall Jaccard is low), so they meet the one-language versions of their script.
    every = [(c.campaign_id, e) for c in state.campaigns.values() for e in c.exemplars]
    nospace = [(cid, e) for cid, e in every if any(h >= NOSPACE_BIT for h in e.set)]
    for cid, e in nospace:
        if not _mixed(e.set):
            continue
        for other, ex in nospace:
            if other == cid or (min(cid, other), max(cid, other)) in pairs:
                continue
            a, b = state.campaigns[cid], state.campaigns[other]
            if (
                verify(e.set, ex.set, p.verify) >= p.merge_text_min
                and _link_score(a, b, p) > -p.label_weight
            ):
                pairs.add((min(cid, other), max(cid, other)))
    # Callback numbers and labels: only pairs that share one of them can score.
    groups: dict[str, list[str]] = {}
    for cid in ids:
        c = state.campaigns[cid]
        for num, n in c.callbacks.items():
            if n >= 2:
                groups.setdefault("cb:" + num, []).append(cid)
        for reporter, label in _dominant_labels(c).items():
            groups.setdefault(f"lab:{reporter}|{label}", []).append(cid)
    for members in groups.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                a, b = state.campaigns[members[x]], state.campaigns[members[y]]
                if _link_score(a, b, p) >= 1.0:
                    pairs.add(
                        (min(a.campaign_id, b.campaign_id), max(a.campaign_id, b.campaign_id))
                    )
    return _merge(state, sorted(pairs))


def _merge(state: CampaignState, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    age: Callable[[str], tuple[int, str]] = lambda cid: (state.campaigns[cid].created_seq, cid)  # noqa: E731
    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            keep, drop = sorted((ra, rb), key=age)
            parent[drop] = keep
    merged = []
    for drop in sorted(parent, key=age):
        keep = find(drop)
        survivor, gone = state.campaigns[keep], state.campaigns.pop(drop)
        survivor.absorb(gone)
        room = state.params.exemplar_cap - len(survivor.exemplars)
        for k, e in enumerate(gone.exemplars):
            if k < room:
                survivor.exemplars.append(e)
            else:
                state.index.remove(e.key)
        state.aliases[drop] = keep
        merged.append((drop, keep))
    return merged


def medoid(c: Campaign) -> Exemplar | None:
    """Return the exemplar with the highest mean Jaccard to the others (the representative)."""
    ex = c.exemplars[:60]
    if not ex:
        return None
    scores = [sum(jaccard(a.set, b.set) for b in ex) for a in ex]
    return ex[int(np.argmax(scores))]
