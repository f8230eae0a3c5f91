"""Synthetic carriers' call records that agree with a generated data set's traceback truth.

:func:`generate_records` reads a folder written by ``graphengine generate`` (``hops.csv`` and
``truth.json``) and writes, into the same folder:

``records/<carrier>.csv``
    One file per record-keeping carrier, in design.md's call-record columns, holding a record
    at every record-keeping U.S. carrier on the path of **every** traced call, plus
    ``siblings`` more calls of the same campaign along the same path (same calling number,
    other victims), plus ``unrelated`` times as many rows of unrelated traffic.
``suspect_calls.csv``
    What the tracebacks start from: ``traceback_id, terminating_carrier, call_time,
    calling_number, called_number, campaign``.
``providers.csv``
    ``name, country`` of every provider on a path (tells the stitcher which ingress is foreign).
``records_truth.csv``
    The path the records let a stitcher recover, hop by hop: ``traceback_id, hop, provider,
    upstream_provider, outcome, candidates``. ``outcome`` is ``matched`` (upstream named by the
    record), ``customer`` (origin reached), ``foreign`` (a foreign provider: ends the path),
    ``no_records`` (the carrier keeps none), ``not_found`` (the carrier keeps records, but
    not of this call: the ITG answer was a non-response) or ``ambiguous`` (``candidates``
    records that no key separates; planted).
``record_carriers.csv``
    Each carrier's planted profile (records kept, clock skew, number format, zone, Call-ID and
    identity behaviour).

What differs between carriers, as in real switch data: clock skew (uniform in +-``max_skew_s``),
the number format, the printed zone, whether Call-IDs are logged as on the wire (most carriers
rewrite them: their records hold internal ids), whether a Call-ID is passed on unchanged, whether
STIR/SHAKEN ``origid``/``identity_hash`` are logged, and whether records are kept at all
(planted non-responsive providers and a share of the others keep none; foreign carriers none).

Deterministic for a seed: files are byte-identical across runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphengine.errors import ConfigError
from graphengine.schema import CALL_RECORD_COLUMNS

__all__ = ["RecordsConfig", "RecordsDataset", "CarrierProfile", "generate_records", "FILES"]

FILES: dict[str, str] = {
    "records": "records",
    "suspect_calls": "suspect_calls.csv",
    "providers": "providers.csv",
    "records_truth": "records_truth.csv",
    "record_carriers": "record_carriers.csv",
}
RECORD_HEADER = list(CALL_RECORD_COLUMNS)
FORMATS = ("e164", "11digit", "10digit", "paren", "dashed")
ZONES = ("Z", "+00:00", "-05:00", "-06:00", "-08:00", "-04:00")
_NONCOOP_TEXT = re.compile(
    r"no response|did not respond|non-responsive|^nr$|not found|"
    r"could not locate|insufficient|incomplete",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RecordsConfig:
    """Knobs of the record generator (defaults: the issue's acceptance set-up)."""

    seed: int = 7
    unrelated: float = 10.0  # rows of unrelated traffic per campaign-call row
    siblings: int = 2  # other calls of the same campaign along each traced path
    max_skew_s: float = 5.0
    no_records_share: float = 0.05  # of the non-planted domestic carriers
    wire_call_id_share: float = 0.3  # carriers logging the wire Call-IDs (others rewrite)
    pass_call_id_share: float = 0.2  # carriers passing the inbound Call-ID on unchanged
    identity_share: float = 0.4  # carriers logging origid (half of them also identity_hash)
    ambiguous_share: float = 0.02  # tracebacks with a planted look-alike record
    upper_names_share: float = 0.2  # carriers printing other carriers' names in capitals

    def validate(self) -> None:
        """Raise ConfigError naming the first knob out of range."""
        for name in (
            "no_records_share",
            "wire_call_id_share",
            "pass_call_id_share",
            "identity_share",
            "ambiguous_share",
            "upper_names_share",
        ):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"records parameter {name}={v} must be between 0 and 1")
        if self.unrelated < 0 or self.siblings < 0 or not 0 <= self.max_skew_s <= 5.0:
            raise ConfigError("records: unrelated and siblings must be >= 0, max_skew_s in 0..5")


@dataclass(frozen=True)
class CarrierProfile:
    """How one carrier keeps (or does not keep) call records."""

    name: str
    country: str
    keeps_records: bool
    skew_ms: int
    number_format: str
    zone: str
    wire_call_ids: bool
    passes_call_id: bool
    logs_origid: bool
    logs_identity_hash: bool
    upper_names: bool


@dataclass(frozen=True)
class RecordsDataset:
    """What :func:`generate_records` wrote."""

    out_dir: Path
    records_dir: Path
    suspect_calls: Path
    providers: Path
    records_truth: Path
    record_carriers: Path
    summary: dict[str, Any]


def _fmt_number(e164: str, fmt: str) -> str:
    d = e164[2:]
    if fmt == "e164":
        return e164
    if fmt == "11digit":
        return "1" + d
    if fmt == "10digit":
        return d
    if fmt == "paren":
        return f"({d[:3]}) {d[3:6]}-{d[6:]}"
    return f"{d[:3]}-{d[3:6]}-{d[6:]}"


def _e164(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    return "+1" + digits[-10:]


def _fmt_time(t_ms: int, zone: str) -> str:
    offset = 0 if zone in ("Z", "+00:00") else int(zone[:3]) * 3600
    moment = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=t_ms + offset * 1000)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t_ms % 1000:03d}"
    return text + zone


def _uid(rng: np.random.Generator) -> str:
    return f"{int.from_bytes(rng.bytes(16), 'big'):032x}"


class _Writer:
    """Collects record rows per carrier and writes them sorted by time."""

    def __init__(self, profiles: dict[str, CarrierProfile]) -> None:
        self.profiles = profiles
        self.rows: dict[str, list[tuple[int, list[str]]]] = {n: [] for n in profiles}

    def add(
        self,
        carrier: str,
        t_true_ms: int,
        calling: str,
        called: str,
        ingress: str,
        customer: str,
        egress: str,
        cid_in: str,
        cid_out: str,
        attestation: str,
        origid: str,
        ihash: str,
        duration: int,
    ) -> None:
        p = self.profiles[carrier]
        t = t_true_ms + p.skew_ms
        name = (lambda n: n.upper()) if p.upper_names else (lambda n: n)
        row = [
            carrier,
            _fmt_time(t, p.zone),
            _fmt_number(calling, p.number_format),
            _fmt_number(called, p.number_format),
            name(ingress),
            customer,
            name(egress),
            cid_in,
            cid_out,
            attestation,
            origid if p.logs_origid else "",
            ihash if p.logs_identity_hash else "",
            str(duration),
        ]
        self.rows[carrier].append((t, row))

    def write(self, folder: Path) -> dict[str, int]:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.csv"):
            old.unlink()
        counts: dict[str, int] = {}
        used: set[str] = set()
        for carrier in sorted(self.rows):
            rows = self.rows[carrier]
            if not rows:
                continue
            slug = re.sub(r"[^a-z0-9]+", "-", carrier.lower()).strip("-") or "carrier"
            while slug in used:
                slug += "-x"
            used.add(slug)
            rows.sort(key=lambda r: (r[0], r[1]))
            with (folder / f"{slug}.csv").open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(RECORD_HEADER)
                w.writerows(r for _, r in rows)
            counts[carrier] = len(rows)
        return counts


def _profiles(
    names: list[str], truth: dict[str, Any], cfg: RecordsConfig, rng: np.random.Generator
) -> dict[str, CarrierProfile]:
    out = {}
    for name in names:
        info = truth["providers"].get(name, {})
        country = info.get("country", "US")
        u = rng.random(9)
        foreign = country != "US"
        planted = bool(info.get("planted_nonresponsive", False))
        keeps = not foreign and not planted and u[0] >= cfg.no_records_share
        logs_origid = bool(u[5] < cfg.identity_share)
        out[name] = CarrierProfile(
            name=name,
            country=country,
            keeps_records=keeps,
            skew_ms=int(round((u[1] * 2 - 1) * cfg.max_skew_s * 1000)),
            number_format=FORMATS[int(u[2] * len(FORMATS))],
            zone=ZONES[int(u[3] * len(ZONES))],
            wire_call_ids=bool(u[4] < cfg.wire_call_id_share),
            passes_call_id=bool(u[6] < cfg.pass_call_id_share),
            logs_origid=logs_origid,
            logs_identity_hash=logs_origid and bool(u[7] < 0.5),
            upper_names=bool(u[8] < cfg.upper_names_share),
        )
    return out


def _read_paths(hops_csv: Path, truth: dict[str, Any]) -> pd.DataFrame:
    hops = pd.read_csv(hops_csv, dtype=str, keep_default_na=False)
    name_map = truth["name_map"]
    hops["canon"] = hops["provider"].map(lambda n: name_map.get(n, n))
    hops["hop"] = hops["hop"].astype(int)
    return hops.sort_values(["traceback_id", "hop"], kind="stable").reset_index(drop=True)


def generate_records(data_dir: str | Path, config: RecordsConfig | None = None) -> RecordsDataset:
    """Write call records, suspect calls and the stitching truth beside a generated data set.

    Parameters
    ----------
    data_dir
        A folder written by ``graphengine generate`` (needs ``hops.csv`` and ``truth.json``).
    config
        The record knobs; defaults to ``RecordsConfig()``.

    Returns
    -------
    RecordsDataset
        The paths written and a summary (record rows, carriers with and without records,
        planted ambiguous tracebacks, outcomes).

    Raises
    ------
    ConfigError
        When a knob is out of range or ``data_dir`` lacks hops.csv / truth.json.
    """
    cfg = config or RecordsConfig()
    cfg.validate()
    out = Path(data_dir)
    if not (out / "hops.csv").is_file() or not (out / "truth.json").is_file():
        raise ConfigError(f"{out}: needs hops.csv and truth.json from `graphengine generate`")
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    hops = _read_paths(out / "hops.csv", truth)
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 19]))
    names = sorted(set(hops["canon"]))
    profiles = _profiles(names, truth, cfg, rng)
    keepers = [n for n in names if profiles[n].keeps_records]
    origid_of = {n: _uid(rng) for n in names}  # one origination identifier per signer
    writer = _Writer(profiles)
    truth_rows: list[list[str]] = []
    suspects: list[list[str]] = []
    outcomes: dict[str, int] = {}
    campaign_rows = 0
    groups = hops.groupby("traceback_id", sort=True)
    for tb, g in groups:
        path = g["canon"].tolist()
        first = g.iloc[0]
        last = g.iloc[-1]
        t_true = int(pd.Timestamp(first["call_time"]).value // 1_000_000)
        t_suspect = t_true  # the suspect call's time is to the second
        t_true += int(rng.integers(0, 1000))  # the switch sees milliseconds
        calling, called = _e164(first["calling_number"]), _e164(first["called_number"])
        suspects.append(
            [
                str(tb),
                path[0],
                first["call_time"],
                first["calling_number"],
                first["called_number"],
                first["campaign"],
            ]
        )
        last_silent = bool(_NONCOOP_TEXT.search(last["response"])) and not last["upstream_provider"]
        # The top carrier has a record only when it originated the call and answered the ITG.
        top_answers = last["role"] == "originating" and not last_silent
        attest = first["attestation"]
        # The signer: the originating carrier (A/B) or the gateway (C); none when unsigned.
        signer_hop = None
        if attest:
            roles = g["role"].tolist()
            signer_hop = next(
                (h for h in range(len(path) - 1, -1, -1) if roles[h] in ("originating", "gateway")),
                None,
            )
        ihash = hashlib.sha256(f"{cfg.seed}:{tb}".encode()).hexdigest()[:40]
        origid = origid_of[path[signer_hop]] if signer_hop is not None else ""
        # The planted stitched path, hop by hop, until it must end.
        plan: list[tuple[int, str]] = []  # (hop, outcome)
        for h, carrier in enumerate(path):
            prof = profiles[carrier]
            if prof.country != "US":
                plan.append((h, "foreign"))
                break
            if not prof.keeps_records:
                plan.append((h, "no_records"))
                break
            if h == len(path) - 1:
                plan.append((h, "customer" if top_answers else "not_found"))
                break
            plan.append((h, "matched"))
        # Wire Call-IDs: leg h is carrier h -> carrier h-1 (leg 0: to the subscriber); a carrier
        # that passes the Call-ID on sends its inbound leg's id downstream.
        legs = [_uid(rng) for _ in range(len(path) + 1)]
        for h in range(len(path) - 1, -1, -1):
            if profiles[path[h]].passes_call_id:
                legs[h] = legs[h + 1]

        def strong_link(
            h: int, path: list[str] = path, signer_hop: int | None = signer_hop
        ) -> bool:
            """Whether leg h-1 <- h can be matched by Call-ID or identity (h >= 1)."""
            down, up = profiles[path[h - 1]], profiles[path[h]]
            cid = down.wire_call_ids and up.wire_call_ids
            signed = signer_hop is not None and h <= signer_hop
            ident = signed and down.logs_origid and up.logs_origid
            return cid or ident

        # Plant a look-alike record (same numbers, a few seconds apart, another upstream) at a
        # hop that no stronger key can separate.
        amb_hop = None
        if rng.random() < cfg.ambiguous_share:
            options = [
                h
                for h, o in plan
                if o in ("matched", "customer") and (h == 0 or not strong_link(h))
            ]
            if options:
                amb_hop = options[int(rng.integers(0, len(options)))]
        if amb_hop is not None:
            plan = [(h, o) for h, o in plan if h < amb_hop] + [(amb_hop, "ambiguous")]

        calls = [(t_true, calling, called, True)]
        for _ in range(cfg.siblings):
            sib_called = "+1" + called[2:8] + f"{int(rng.integers(0, 10000)):04d}"
            if sib_called != called:
                calls.append(
                    (t_true + int(rng.integers(-60_000, 60_000)), calling, sib_called, False)
                )
        for t_call, a, b, traced in calls:
            cids = legs if traced else [_uid(rng) for _ in legs]
            for h, carrier in enumerate(path):
                prof = profiles[carrier]
                if not prof.keeps_records:
                    continue  # records above a gap exist, but no stitcher can reach them
                if h == len(path) - 1 and not top_answers:
                    break  # the ITG got no answer: the carrier has no record of this call
                up = path[h + 1] if h + 1 < len(path) else ""
                cust = ""
                if not up:
                    cust = last["customer"] or f"Retail account {tb}"
                own_in = cids[h + 1] if prof.wire_call_ids else _uid(rng)
                own_out = cids[h] if prof.wire_call_ids else _uid(rng)
                signed = signer_hop is not None and h <= signer_hop
                writer.add(
                    carrier,
                    t_call,
                    a,
                    b,
                    up,
                    cust,
                    path[h - 1] if h else "",
                    own_in,
                    "" if h == 0 else own_out,
                    attest if signed else "",
                    origid if signed else "",
                    ihash if (signed and traced) else "",
                    int(rng.integers(5, 90)),
                )
                campaign_rows += 1
                if traced and amb_hop == h:
                    others = [k for k in keepers if k not in (up, carrier)]
                    decoy_up = others[int(rng.integers(0, len(others)))]
                    # Within the tolerance of what the stitcher compares it with: the suspect
                    # call's time (hop 0) or the downstream carrier's record.
                    front = t_suspect if h == 0 else t_call + profiles[path[h - 1]].skew_ms
                    t_decoy = front + int(rng.integers(-4000, 4000)) - prof.skew_ms
                    writer.add(
                        carrier,
                        t_decoy,
                        a,
                        b,
                        decoy_up,
                        "",
                        path[h - 1] if h else "",
                        _uid(rng),
                        "" if h == 0 else _uid(rng),
                        "",
                        "",
                        "",
                        int(rng.integers(5, 90)),
                    )
                    campaign_rows += 1
        for h, outcome in plan:
            carrier = path[h]
            upstream = ""
            if outcome == "matched":
                upstream = path[h + 1]
            cands = "2" if outcome == "ambiguous" else ""
            truth_rows.append([str(tb), str(h), carrier, upstream, outcome, cands])
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    unrelated_rows = _unrelated(writer, keepers, profiles, hops, cfg, rng, campaign_rows)
    counts = writer.write(out / FILES["records"])
    _write_csv(
        out / FILES["suspect_calls"],
        [
            "traceback_id",
            "terminating_carrier",
            "call_time",
            "calling_number",
            "called_number",
            "campaign",
        ],
        suspects,
    )
    _write_csv(
        out / FILES["providers"],
        ["name", "country"],
        [[n, profiles[n].country] for n in names],
    )
    _write_csv(
        out / FILES["records_truth"],
        ["traceback_id", "hop", "provider", "upstream_provider", "outcome", "candidates"],
        truth_rows,
    )
    prof_fields = list(CarrierProfile.__dataclass_fields__)
    _write_csv(
        out / FILES["record_carriers"],
        prof_fields,
        [[str(getattr(profiles[n], f)) for f in prof_fields] for n in names],
    )
    summary = {
        "record_rows": int(sum(counts.values())),
        "campaign_record_rows": campaign_rows,
        "unrelated_record_rows": unrelated_rows,
        "carriers": len(names),
        "carriers_with_records": len(counts),
        "carriers_without_records": len(names) - len(counts),
        "suspect_calls": len(suspects),
        "outcomes": dict(sorted(outcomes.items())),
    }
    return RecordsDataset(
        out_dir=out,
        records_dir=out / FILES["records"],
        suspect_calls=out / FILES["suspect_calls"],
        providers=out / FILES["providers"],
        records_truth=out / FILES["records_truth"],
        record_carriers=out / FILES["record_carriers"],
        summary=summary,
    )


def _unrelated(
    writer: _Writer,
    keepers: list[str],
    profiles: dict[str, CarrierProfile],
    hops: pd.DataFrame,
    cfg: RecordsConfig,
    rng: np.random.Generator,
    campaign_rows: int,
) -> int:
    """Add unrelated calls (random numbers, 1-4 carrier paths) until ``unrelated`` x rows."""
    target = int(round(cfg.unrelated * campaign_rows))
    if target == 0 or len(keepers) < 2:
        return 0
    times = pd.to_datetime(hops["call_time"], utc=True)
    lo = int(times.min().value // 1_000_000)
    hi = int(times.max().value // 1_000_000) + 1
    written = 0
    while written < target:
        n_hops = int(rng.integers(1, 5))
        idx = rng.choice(len(keepers), size=min(n_hops, len(keepers)), replace=False)
        path = [keepers[i] for i in idx]
        t = int(rng.integers(lo, hi))
        a = "+1" + str(int(rng.integers(2, 10))) + f"{int(rng.integers(0, 10**9)):09d}"
        b = "+1" + str(int(rng.integers(2, 10))) + f"{int(rng.integers(0, 10**9)):09d}"
        legs = [_uid(rng) for _ in range(len(path) + 1)]
        for h, carrier in enumerate(path):
            if written >= target:
                break
            prof = profiles[carrier]
            up = path[h + 1] if h + 1 < len(path) else ""
            writer.add(
                carrier,
                t,
                a,
                b,
                up,
                "" if up else f"Customer {int(rng.integers(0, 5000))}",
                path[h - 1] if h else "",
                legs[h + 1] if prof.wire_call_ids else _uid(rng),
                "" if h == 0 else (legs[h] if prof.wire_call_ids else _uid(rng)),
                "",
                "",
                "",
                int(rng.integers(5, 600)),
            )
            written += 1
    return written


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
