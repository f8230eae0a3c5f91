"""The campaigns as they stand: parameters, campaign records, members and the exemplar index.

:class:`CampaignState` is what :func:`graphengine.campaigns.update_campaigns` takes and returns. It
holds, per campaign, a bounded set of *exemplars* (reports that show a form of the script not yet
seen: a variant, a fragment) indexed by MinHash LSH, so that new reports are matched against the
campaigns without re-clustering what is already assigned. :meth:`CampaignState.save` and
:meth:`CampaignState.load` keep it in a folder (JSON + CSV), so the platform's background job and the
CLI's ``--previous`` can carry it from one run to the next, with the pool of reports not yet in a
campaign (so a later run can still join them to reports of their kind).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphengine.campaigns.minhash import ExemplarIndex, lsh_params, signatures
from graphengine.campaigns.normalise import normalise, shingle_hashes
from graphengine.campaigns.prepare import POOL_COLUMNS, Prepared
from graphengine.campaigns.similarity import VerifyParams
from graphengine.errors import InputFileError

__all__ = [
    "CampaignParams",
    "Exemplar",
    "Campaign",
    "CampaignState",
    "STATE_FILE",
    "MEMBERS_FILE",
    "POOL_FILE",
]

STATE_FILE = "campaign_state.json"
MEMBERS_FILE = "campaign_state_members.csv"
POOL_FILE = "campaign_state_pool.csv"
# Format 2 added the pool and the reports that left it unassigned; a format-1 state (no pool)
# still loads, with an empty pool.
_FORMAT = 2
_READABLE = (1, 2)


@dataclass(frozen=True)
class CampaignParams:
    """Every parameter of campaign identification (defaults are the documented ones).

    Attributes
    ----------
    num_perm : int
        MinHash signature length.
    lsh_threshold : float
        Jaccard threshold datasketch tunes the banding for (low, so fragments are proposed).
    verify : VerifyParams
        Jaccard / containment thresholds of a verified pair.
    min_campaign_size : int
        Reports a new cluster needs before it becomes a campaign.
    exemplar_cap : int
        Most exemplars kept per campaign.
    exemplar_novelty : float
        A member whose best match scores below this becomes an exemplar (a new form).
    callback_weight, label_weight : float
        Weights of a shared callback number and of a reporter's campaign label in the
        campaign-level link score (a link needs a score of 1.0; see docs/campaigns.md).
    merge_text_min : float
        Exemplar similarity at which two campaigns are one script.
    label_min_reports, label_purity : int, float
        A reporter's label is *specific* (links a report with no text match) when it has at least
        this many reports and this share of them is in one campaign.
    pool_max_days : int
        Days an unmatched report waits in the pool for others of its kind.
    chunk : int
        Reports processed at a time.
    seed : int
        Seed of Leiden.
    """

    num_perm: int = 64
    lsh_threshold: float = 0.3
    verify: VerifyParams = field(default_factory=VerifyParams)
    min_campaign_size: int = 3
    exemplar_cap: int = 150
    exemplar_novelty: float = 0.7
    callback_weight: float = 0.6
    label_weight: float = 0.5
    merge_text_min: float = 0.6
    label_min_reports: int = 10
    label_purity: float = 0.9
    pool_max_days: int = 30
    chunk: int = 20000
    seed: int = 7

    def bands_rows(self) -> tuple[int, int]:
        """Return the LSH (bands, rows) datasketch picks for ``lsh_threshold``."""
        return lsh_params(self.lsh_threshold, self.num_perm)

    def as_dict(self) -> dict[str, Any]:
        """Return the parameters as JSON-ready values."""
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(values: dict[str, Any]) -> CampaignParams:
        """Inverse of :meth:`as_dict`."""
        v = dict(values)
        v["verify"] = VerifyParams(**v.get("verify", {}))
        return CampaignParams(**v)


@dataclass
class Exemplar:
    """One report kept to represent a form of its campaign's script."""

    key: str
    report_id: str
    transcript: str
    set: frozenset[int]
    sig: np.ndarray


@dataclass
class Campaign:
    """One campaign: exemplars, link features and running profile counts."""

    campaign_id: str
    exemplars: list[Exemplar] = field(default_factory=list)
    callbacks: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    tokens: Counter[str] = field(default_factory=Counter)
    npanxx: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    daily: Counter[str] = field(default_factory=Counter)
    neighbour: int = 0
    n_reports: int = 0
    first_seen: int | None = None  # ns since the epoch
    last_seen: int | None = None
    created_seq: int = 0

    def absorb(self, other: Campaign) -> None:
        """Add ``other``'s counts (its exemplars are moved by the caller)."""
        for name in ("callbacks", "labels", "tokens", "npanxx", "languages", "daily"):
            getattr(self, name).update(getattr(other, name))
        self.neighbour += other.neighbour
        self.n_reports += other.n_reports
        times = [t for t in (self.first_seen, other.first_seen) if t is not None]
        self.first_seen = min(times) if times else None
        times = [t for t in (self.last_seen, other.last_seen) if t is not None]
        self.last_seen = max(times) if times else None


@dataclass
class CampaignState:
    """Campaigns, their members and the exemplar index (see the module docstring)."""

    params: CampaignParams = field(default_factory=CampaignParams)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)  # report_id -> campaign id
    member_time: dict[str, int] = field(default_factory=dict)  # report_id -> call time (ns)
    aliases: dict[str, str] = field(default_factory=dict)  # merged id -> surviving id
    next_number: int = 1
    emitted: set[str] = field(default_factory=set)  # keys of events already returned
    pool: Prepared | None = None  # rows waiting for others of their kind
    seen_unassigned: set[str] = field(default_factory=set)
    _index: ExemplarIndex | None = None

    @property
    def index(self) -> ExemplarIndex:
        """The MinHash LSH index over every campaign's exemplars."""
        if self._index is None:
            b, r = self.params.bands_rows()
            self._index = ExemplarIndex(b, r, self.params.num_perm)
            for c in self.campaigns.values():
                for e in c.exemplars:
                    self._index.insert(e.key, e.sig)
        return self._index

    def resolve(self, campaign_id: str) -> str:
        """Follow merges: the id a (possibly merged) campaign id lives on as."""
        while campaign_id in self.aliases:
            campaign_id = self.aliases[campaign_id]
        return campaign_id

    def new_id(self) -> str:
        """Return the next free campaign id (``CMP-0001``, ``CMP-0002``...)."""
        cid = f"CMP-{self.next_number:04d}"
        self.next_number += 1
        return cid

    def members_frame(self) -> pd.DataFrame:
        """Return ``report_id, campaign_id, call_time`` of every assigned report."""
        ids = list(self.members)
        resolved = {c: self.resolve(c) for c in set(self.members.values())}
        times = np.fromiter((self.member_time[i] for i in ids), np.int64, len(ids))
        frame = pd.DataFrame(
            {
                "report_id": ids,
                "campaign_id": [resolved[self.members[i]] for i in ids],
                "call_time": pd.to_datetime(times.astype("datetime64[ns]"), utc=True),
            }
        )
        return frame.sort_values(["campaign_id", "call_time", "report_id"], kind="mergesort")

    # -- persistence -----------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """Return the state without its members and pool, as a JSON-ready document.

        It holds the parameters, campaigns with their exemplars, merges, emitted event ids and
        the reports that left the pool unassigned. :meth:`from_parts` rebuilds the state from it,
        the members (:meth:`members_frame`) and the pool (:meth:`pool_frame`): the platform keeps
        the members as table rows, so they are not copied into the document.
        """
        return {
            "format": _FORMAT,
            "params": self.params.as_dict(),
            "next_number": self.next_number,
            "aliases": self.aliases,
            "emitted": sorted(self.emitted),
            "seen_unassigned": sorted(self.seen_unassigned),
            "campaigns": [_campaign_doc(c) for c in self.campaigns.values()],
        }

    def pool_frame(self) -> pd.DataFrame:
        """Return the reports waiting in the pool, as :data:`POOL_COLUMNS` (may be empty)."""
        if self.pool is None:
            return pd.DataFrame(columns=list(POOL_COLUMNS))
        return self.pool.to_frame()

    @staticmethod
    def from_parts(
        doc: dict[str, Any], members: pd.DataFrame, pool: pd.DataFrame | None = None
    ) -> CampaignState:
        """Rebuild a state from :meth:`document`, its members and its pool.

        ``members`` has ``report_id``, ``campaign_id`` and ``call_time`` (tz-aware, or text that
        parses as UTC); ``pool`` is :meth:`pool_frame`'s frame (``None``: empty).

        Raises
        ------
        InputFileError
            When the document is of another format.
        """
        if doc.get("format") not in _READABLE:
            raise InputFileError(
                f"campaign state format {doc.get('format')!r} not one of {_READABLE}"
            )
        params = CampaignParams.from_dict(doc["params"])
        state = CampaignState(params=params, next_number=int(doc["next_number"]))
        state.aliases = dict(doc["aliases"])
        state.emitted = set(doc["emitted"])
        state.seen_unassigned = set(doc.get("seen_unassigned", []))
        for cd in doc["campaigns"]:
            c = _campaign_from_doc(cd, params.num_perm)
            state.campaigns[c.campaign_id] = c
        times = pd.to_datetime(members["call_time"], utc=True).dt.tz_convert(None)
        ns = times.to_numpy().astype("datetime64[ns]").astype(np.int64)
        ids = members["report_id"].astype(str)
        state.members = dict(zip(ids, members["campaign_id"].astype(str), strict=True))
        state.member_time = dict(zip(ids, ns.tolist(), strict=True))
        if pool is not None and len(pool):
            pool = pool.copy()
            pool["report_id"] = pool["report_id"].astype(str)
            state.pool = Prepared.from_frame(pool, params.num_perm)
        return state

    def save(self, folder: str | Path) -> Path:
        """Write the state into ``folder`` and return the folder.

        Files: ``campaign_state.json`` (:meth:`document`), the members CSV and the pool CSV (the
        reports waiting for others of their kind; header only when the pool is empty).
        """
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        with (out / STATE_FILE).open("w", encoding="utf-8") as fh:
            json.dump(self.document(), fh, ensure_ascii=False, indent=1)
        frame = self.members_frame()
        frame["call_time"] = frame["call_time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        frame.to_csv(out / MEMBERS_FILE, index=False)
        self.pool_frame().to_csv(out / POOL_FILE, index=False)
        return out

    @staticmethod
    def load(folder: str | Path) -> CampaignState:
        """Read a state written by :meth:`save`.

        Raises
        ------
        InputFileError
            When the folder holds no state, a state of another format, or misses the pool file
            of a format-2 state.
        """
        path = Path(folder) / STATE_FILE
        if not path.is_file():
            raise InputFileError(f"{path}: no campaign state here (run `campaigns detect` first)")
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") not in _READABLE:
            raise InputFileError(
                f"{path}: campaign state format {doc.get('format')!r} not one of {_READABLE}"
            )
        members = pd.read_csv(Path(folder) / MEMBERS_FILE, dtype=str, keep_default_na=False)
        pool = None
        pool_path = Path(folder) / POOL_FILE
        if doc["format"] >= 2:
            if not pool_path.is_file():
                raise InputFileError(f"{pool_path}: missing (the state's pool of waiting reports)")
            pool = pd.read_csv(
                pool_path,
                dtype={c: str for c in POOL_COLUMNS[:5] if c != "call_time"},
                keep_default_na=False,
            )
        return CampaignState.from_parts(doc, members, pool)


def _campaign_doc(c: Campaign) -> dict[str, Any]:
    return {
        "campaign_id": c.campaign_id,
        "exemplars": [[e.key, e.report_id, e.transcript] for e in c.exemplars],
        "callbacks": dict(c.callbacks),
        "labels": dict(c.labels),
        "tokens": dict(c.tokens.most_common(400)),
        "npanxx": dict(c.npanxx),
        "languages": dict(c.languages),
        "daily": dict(sorted(c.daily.items())),
        "neighbour": c.neighbour,
        "n_reports": c.n_reports,
        "first_seen": c.first_seen,
        "last_seen": c.last_seen,
        "created_seq": c.created_seq,
    }


def _campaign_from_doc(d: dict[str, Any], num_perm: int) -> Campaign:
    texts = [t for _, _, t in d["exemplars"]]
    sets = [shingle_hashes(normalise(t).tokens) for t in texts]
    sigs = signatures(sets, num_perm)
    exemplars = [
        Exemplar(k, rid, t, s, sigs[i])
        for i, ((k, rid, t), s) in enumerate(zip(d["exemplars"], sets, strict=True))
    ]
    return Campaign(
        d["campaign_id"],
        exemplars,
        Counter(d["callbacks"]),
        Counter(d["labels"]),
        Counter(d["tokens"]),
        Counter(d["npanxx"]),
        Counter(d["languages"]),
        Counter(d["daily"]),
        int(d["neighbour"]),
        int(d["n_reports"]),
        d["first_seen"],
        d["last_seen"],
        int(d["created_seq"]),
    )
