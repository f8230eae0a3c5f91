"""Reports as the campaign code sees them: normalised text, shingles, signature and link keys."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphengine.campaigns.minhash import signatures
from graphengine.campaigns.normalise import normalise, shingle_hashes

__all__ = ["Prepared", "prepare", "REQUIRED_COLUMNS", "POOL_COLUMNS"]

#: Columns a report frame must have; every other Report column is optional.
REQUIRED_COLUMNS = ("report_id", "call_time")
_DIGITS = re.compile(r"\D")
#: Columns of :meth:`Prepared.to_frame`: what a saved pool keeps (the rest is derived again).
POOL_COLUMNS = ("report_id", "call_time", "transcript", "label_key", "calling_npanxx", "neighbour")


@dataclass
class Prepared:
    """Column-wise view of a batch of reports, sorted by call time then report id."""

    report_id: list[str]
    call_time: np.ndarray  # int64 ns since the epoch, UTC
    transcript: list[str]
    tokens: list[tuple[str, ...]]
    language: list[str]
    callbacks: list[tuple[str, ...]]
    sets: list[frozenset[int]]
    sig: np.ndarray  # (n, num_perm) uint32
    label_key: list[str]  # "reporter|label" for carriers' own labels, else ""
    calling_npanxx: list[str]
    neighbour: np.ndarray  # bool: calling NPA-NXX == called NPA-NXX

    def __len__(self) -> int:
        return len(self.report_id)

    def take(self, idx: list[int] | np.ndarray) -> Prepared:
        """Return the rows ``idx`` as a new :class:`Prepared`."""
        ix = list(map(int, idx))
        return Prepared(
            [self.report_id[i] for i in ix],
            self.call_time[ix],
            [self.transcript[i] for i in ix],
            [self.tokens[i] for i in ix],
            [self.language[i] for i in ix],
            [self.callbacks[i] for i in ix],
            [self.sets[i] for i in ix],
            self.sig[ix],
            [self.label_key[i] for i in ix],
            [self.calling_npanxx[i] for i in ix],
            self.neighbour[ix],
        )

    def to_frame(self) -> pd.DataFrame:
        """Return the rows as :data:`POOL_COLUMNS` (``call_time`` as int64 ns since the epoch).

        Tokens, shingles and signatures are not kept: :meth:`from_frame` derives them again from
        the transcript, so a saved pool stays small and cannot disagree with its text.
        """
        return pd.DataFrame(
            {
                "report_id": self.report_id,
                "call_time": self.call_time.astype(np.int64),
                "transcript": self.transcript,
                "label_key": self.label_key,
                "calling_npanxx": self.calling_npanxx,
                "neighbour": self.neighbour.astype(bool),
            },
            columns=list(POOL_COLUMNS),
        )

    @staticmethod
    def from_frame(frame: pd.DataFrame, num_perm: int) -> Prepared:
        """Inverse of :meth:`to_frame` (rows are kept in the frame's order)."""
        return _build(
            frame["report_id"].astype(str).tolist(),
            frame["call_time"].to_numpy(dtype=np.int64),
            frame["transcript"].fillna("").astype(str).tolist(),
            frame["label_key"].fillna("").astype(str).tolist(),
            frame["calling_npanxx"].fillna("").astype(str).tolist(),
            frame["neighbour"].astype(str).str.lower().eq("true").to_numpy(),
            num_perm,
        )

    @staticmethod
    def concat(parts: list[Prepared], num_perm: int) -> Prepared:
        """Return the rows of ``parts`` one after another."""
        if not parts:
            return prepare(pd.DataFrame({"report_id": [], "call_time": []}), num_perm)
        return Prepared(
            [x for p in parts for x in p.report_id],
            np.concatenate([p.call_time for p in parts]),
            [x for p in parts for x in p.transcript],
            [x for p in parts for x in p.tokens],
            [x for p in parts for x in p.language],
            [x for p in parts for x in p.callbacks],
            [x for p in parts for x in p.sets],
            np.concatenate([p.sig for p in parts]),
            [x for p in parts for x in p.label_key],
            [x for p in parts for x in p.calling_npanxx],
            np.concatenate([p.neighbour for p in parts]),
        )


def _npanxx(values: pd.Series) -> list[str]:
    out = []
    for v in values.fillna("").astype(str):
        d = _DIGITS.sub("", v)
        if len(d) == 11 and d[0] == "1":
            d = d[1:]
        out.append(d[:6] if len(d) == 10 else "")
    return out


def prepare(reports: pd.DataFrame, num_perm: int) -> Prepared:
    """Normalise, shingle and sign every report of ``reports``.

    ``reports`` needs ``report_id`` and a tz-aware (or UTC-parseable) ``call_time``; the other
    Report columns are used when present. Rows are sorted by call time, then report id.
    """
    frame = reports.copy()
    frame["call_time"] = pd.to_datetime(frame["call_time"], utc=True)
    frame["report_id"] = frame["report_id"].astype(str)
    frame = frame.sort_values(["call_time", "report_id"], kind="mergesort").reset_index(drop=True)
    n = len(frame)

    def col(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name].fillna("").astype(str)
        return pd.Series([""] * n, dtype=object)

    texts = col("transcript").tolist()
    kinds = col("reporter_kind").tolist()
    labels = col("reported_category").tolist()
    reporters = col("reporter").tolist()
    label_key = [
        f"{r}|{lab}" if k == "carrier" and lab and r else ""
        for r, k, lab in zip(reporters, kinds, labels, strict=True)
    ]
    calling = _npanxx(col("calling_number"))
    called = _npanxx(col("called_number"))
    neighbour = np.array([a != "" and a == b for a, b in zip(calling, called, strict=True)])
    times = (
        frame["call_time"].dt.tz_convert(None).to_numpy().astype("datetime64[ns]").astype(np.int64)
    )
    return _build(
        frame["report_id"].tolist(), times, texts, label_key, calling, neighbour, num_perm
    )


def _build(
    report_id: list[str],
    times: np.ndarray,
    texts: list[str],
    label_key: list[str],
    calling: list[str],
    neighbour: np.ndarray,
    num_perm: int,
) -> Prepared:
    """Normalise, shingle and sign ``texts``; return them with the given columns."""
    norms = [normalise(t) for t in texts]
    sets = [shingle_hashes(x.tokens) for x in norms]
    return Prepared(
        report_id,
        times,
        texts,
        [x.tokens for x in norms],
        [x.language for x in norms],
        [x.callbacks for x in norms],
        sets,
        signatures(sets, num_perm),
        label_key,
        calling,
        neighbour,
    )
