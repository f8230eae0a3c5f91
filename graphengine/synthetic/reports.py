"""A synthetic stream of robocall reports with planted campaigns, surges, stops and a displacement.

:func:`generate_reports` draws the reports the platform would receive from carriers' honeypots,
blocking-app users and consumer complaint files, in the Report columns of design.md plus
``reporter`` (the organisation) and ``reporter_kind`` (``carrier``, ``blocking_app`` or
``agency``). Each campaign is a script of :mod:`graphengine.synthetic.report_scripts` with variants;
each report is one call of it, read by a speech recogniser (dropped and misheard words), often cut
mid-call, from a fresh spoofed caller ID. Over the window some campaigns surge, some start late
(new campaigns), some stop, and one is displaced (its tracebacks move to a new gateway; the
traceback side is planted by :mod:`graphengine.synthetic.report_links`).

The truth dict says which campaign each report belongs to and lists every planted event; its
definitions are in docs/campaigns.md. The same seed and arguments give the same frame and truth.

Examples
--------
>>> from graphengine.synthetic.reports import generate_reports
>>> frame, truth = generate_reports(seed=3, days=2, reports_per_day=50)
>>> len(frame) > 60, frame["call_time"].dt.tz is not None
(True, True)
>>> sorted(set(truth["report_campaign"].values()))[:2]
['amazon_order', 'apple_support']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from graphengine.errors import ConfigError
from graphengine.schema import REPORT_FIELDS
from graphengine.synthetic.report_scripts import (
    FILLER_WORDS,
    MISHEARD,
    NOISE_SENTENCES,
    SCRIPTS,
    ZH_CONFUSIONS,
    Script,
)

__all__ = ["REPORT_COLUMNS", "NOISE_LABEL", "generate_reports"]

#: Columns of the frame, in order: design.md's Report columns, then the reporter.
REPORT_COLUMNS: tuple[str, ...] = (*REPORT_FIELDS, "reporter", "reporter_kind")

#: Truth label of a one-off report that belongs to no campaign (scored as its own singleton).
NOISE_LABEL = "noise"

# Weekday multipliers, Monday first: robocall volume drops at weekends.
_WEEKLY = np.array([1.12, 1.10, 1.06, 1.04, 1.00, 0.50, 0.38])
_NOISE_SHARE = 0.02
# Overdispersion of daily volume: rate * Gamma(k, 1/k) (negative-binomial counts).
_DISPERSION_K = 60.0
# Hour-of-day (UTC) weights: U.S. business hours are about 13:00-01:00 UTC.
_HOURS = np.array(
    [3, 2, 1, 1, 0.5, 0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 1, 3, 6, 8, 9, 9, 9, 8, 8, 7, 6, 5, 4],
    dtype=float,
)
_HOURS_CUM = tuple(np.cumsum(_HOURS).tolist())
_NOISE_WORDS = tuple(
    sorted({w.strip(".,:;?!").lower() for s in NOISE_SENTENCES for w in s.split() if "{" not in w})
)


@dataclass(frozen=True)
class _Reporter:
    name: str
    kind: str  # carrier, blocking_app, agency
    source_kind: str
    prefix: str
    number_format: str  # e164, dashes, parens
    label_style: str  # own (campaign-level label), coarse (category), user (free), subject


_REPORTERS: tuple[_Reporter, ...] = (
    _Reporter("Northwind Wireless", "carrier", "carrier_honeypot", "NWW", "e164", "own"),
    _Reporter("Bluepeak Telecom", "carrier", "carrier_honeypot", "BPT", "dashes", "own"),
    _Reporter("Keystone Mobile", "carrier", "carrier_honeypot", "KSM", "e164", "coarse"),
    _Reporter("HushLine", "blocking_app", "app_user_report", "HSH", "parens", "user"),
    _Reporter("SpamSentry", "blocking_app", "app_user_report", "SPS", "dashes", "user"),
    _Reporter("State AG Consumer Desk", "agency", "consumer_complaint", "AGC", "parens", "subject"),
    _Reporter(
        "Federal Complaint Portal", "agency", "consumer_complaint", "FCP", "dashes", "subject"
    ),
)
_REPORTER_CUM = tuple(np.cumsum([0.17, 0.15, 0.12, 0.20, 0.14, 0.10, 0.12]).tolist())
# Per source kind: (share with a transcript, P(start cut), P(end cut), noise scale, P(loop)).
_SOURCE_SHAPE: dict[str, tuple[float, float, float, float, float]] = {
    "carrier_honeypot": (0.99, 0.12, 0.08, 1.0, 0.10),
    "app_user_report": (0.95, 0.45, 0.25, 1.5, 0.03),
    "consumer_complaint": (0.65, 0.35, 0.35, 1.5, 0.0),
}
_TERMINATING = ("Northwind Wireless", "Bluepeak Telecom", "Keystone Mobile", "Lakeside Cellular")
_USER_LABELS = ("Scam", "Robocall", "Spam", "Fraud", "Scam Likely", "Telemarketer")
_STATES = [
    "CA",
    "TX",
    "FL",
    "NY",
    "PA",
    "IL",
    "OH",
    "GA",
    "NC",
    "MI",
    "NJ",
    "VA",
    "WA",
    "AZ",
    "MA",
    "TN",
    "IN",
    "MO",
    "MD",
    "WI",
    "CO",
    "MN",
    "SC",
    "AL",
    "LA",
    "KY",
    "OR",
    "OK",
    "CT",
    "UT",
    "IA",
    "NV",
    "AR",
    "MS",
    "KS",
    "NM",
    "NE",
    "ID",
    "WV",
    "HI",
    "NH",
    "ME",
    "MT",
    "RI",
    "DE",
    "SD",
    "ND",
    "AK",
    "VT",
    "WY",
    "DC",
]
_NPAS = [
    "201",
    "202",
    "203",
    "205",
    "206",
    "207",
    "208",
    "209",
    "210",
    "212",
    "213",
    "214",
    "215",
    "216",
    "217",
    "218",
    "219",
    "224",
    "225",
    "228",
    "229",
    "231",
    "234",
    "239",
    "240",
    "248",
    "251",
    "252",
    "253",
    "254",
    "256",
    "260",
    "262",
    "267",
    "269",
    "270",
    "276",
    "281",
    "301",
    "302",
    "303",
    "304",
    "305",
    "307",
    "308",
    "309",
    "310",
    "312",
    "313",
    "314",
    "315",
    "316",
    "317",
    "318",
    "319",
    "320",
    "321",
    "323",
    "330",
    "334",
    "336",
    "337",
    "339",
    "347",
    "351",
    "352",
    "360",
    "361",
    "385",
    "386",
    "401",
    "402",
    "404",
    "405",
    "406",
    "407",
    "408",
    "409",
    "410",
    "412",
    "413",
    "414",
    "415",
    "417",
    "419",
    "423",
    "424",
    "425",
    "430",
    "432",
    "434",
    "435",
    "440",
    "443",
    "469",
    "478",
    "479",
    "480",
    "484",
    "501",
    "502",
    "503",
    "504",
    "505",
    "507",
    "508",
    "509",
    "510",
    "512",
    "513",
    "515",
    "516",
    "517",
    "518",
    "520",
    "530",
    "540",
    "541",
    "551",
    "559",
    "561",
    "562",
    "563",
    "567",
    "570",
    "571",
    "573",
    "574",
    "575",
    "580",
    "585",
    "586",
    "601",
    "602",
    "603",
    "605",
    "606",
    "607",
    "608",
    "609",
    "610",
    "612",
    "614",
    "615",
    "616",
    "617",
    "618",
    "619",
    "620",
    "623",
    "626",
    "630",
    "631",
    "636",
    "641",
    "646",
    "650",
    "651",
    "660",
    "661",
    "662",
    "678",
    "682",
    "701",
    "702",
    "703",
    "704",
    "706",
    "707",
    "708",
    "712",
    "713",
    "714",
    "715",
    "716",
    "717",
    "718",
    "719",
    "720",
    "724",
    "727",
    "731",
    "732",
    "734",
    "740",
    "754",
    "757",
    "760",
    "763",
    "765",
    "770",
    "772",
    "773",
    "774",
    "775",
    "781",
    "785",
    "786",
    "801",
    "802",
    "803",
    "804",
    "805",
    "806",
    "808",
    "810",
    "812",
    "813",
    "814",
    "815",
    "816",
    "817",
    "818",
    "828",
    "830",
    "831",
    "832",
    "843",
    "845",
    "847",
    "848",
    "850",
    "856",
    "857",
    "858",
    "859",
    "860",
    "862",
    "863",
    "864",
    "865",
    "870",
    "901",
    "903",
    "904",
    "906",
    "907",
    "908",
    "909",
    "910",
    "912",
    "913",
    "914",
    "915",
    "916",
    "917",
    "918",
    "919",
    "920",
    "925",
    "928",
    "931",
    "936",
    "937",
    "940",
    "941",
    "947",
    "949",
    "951",
    "952",
    "954",
    "956",
    "970",
    "971",
    "972",
    "973",
    "978",
    "979",
    "980",
    "985",
    "989",
]
_TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Chinese characters and full-width punctuation: one unit each, written without spaces.
_CJK_CHARS = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CJK = re.compile(f"[{_CJK_CHARS}]")
_UNIT = re.compile(f"[{_CJK_CHARS}]|[^\\s{_CJK_CHARS}]+")


@dataclass
class _Plan:
    """One campaign's schedule over the window (days are 0-based indices)."""

    script: Script
    base: float  # mean reports per day before weekly seasonality
    start_day: int
    end_day: int  # exclusive
    surges: list[tuple[int, int, float]] = field(default_factory=list)  # (day, length, multiplier)
    displacement_day: int | None = None
    spoof: str = "npa_pool"  # neighbour, npa_pool, random
    npas: tuple[str, ...] = ()
    callbacks: list[str] = field(default_factory=list)


def generate_reports(
    seed: int = 7,
    *,
    days: int = 1,
    start: str = "2026-01-05",
    reports_per_day: int = 2000,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Draw a report stream with planted campaigns and events.

    Parameters
    ----------
    seed
        Seed of every random draw; the same arguments give the same frame and truth.
    days
        Length of the window in days. Events are planted only when ``days >= 28`` (a surge needs
        a baseline before it); new campaigns and stops when ``days >= 42``.
    start
        First day of the window (UTC), ``YYYY-MM-DD``.
    reports_per_day
        Mean number of reports on a weekday (weekends are lower).

    Returns
    -------
    tuple[pandas.DataFrame, dict]
        The reports, sorted by ``call_time``, in :data:`REPORT_COLUMNS` (``call_time`` is
        tz-aware UTC; missing values are empty strings), and the truth:
        ``report_campaign`` (report id -> campaign key, or ``"noise"``), ``campaigns`` (key ->
        label, category, language, first/last active day, callback numbers, planted flags) and
        ``events`` (surge, new_campaign, stop, displacement; each with ``day`` and ``date``).

    Raises
    ------
    ConfigError
        When ``days`` or ``reports_per_day`` is below 1 or ``start`` is not a date.
    """
    if days < 1 or reports_per_day < 1:
        raise ConfigError(
            f"generate_reports needs days >= 1 and reports_per_day >= 1 (got {days}, {reports_per_day})"
        )
    try:
        day0 = dt.date.fromisoformat(str(start))
    except ValueError as exc:
        raise ConfigError(f"generate_reports start={start!r} must be a date YYYY-MM-DD") from exc
    plan_seq, draw_seq = np.random.SeedSequence(seed).spawn(2)
    plans, events = _plan(days, reports_per_day, day0, np.random.default_rng(plan_seq))
    rng = np.random.default_rng(draw_seq)
    text_rng = random.Random(int(rng.integers(0, 2**63)))
    rows: list[tuple[Any, ...]] = []
    labels: list[str] = []
    seq = dict.fromkeys((r.prefix for r in _REPORTERS), 0)
    weekday0 = day0.weekday()
    for d in range(days):
        week = _WEEKLY[(weekday0 + d) % 7]
        counts = [(p, _daily_count(p, d, week, rng)) for p in plans]
        n_noise = int(rng.poisson(reports_per_day * _NOISE_SHARE * week))
        day_start = pd.Timestamp(day0 + dt.timedelta(days=d), tz="UTC")
        for plan, n in counts:
            for _ in range(n):
                rows.append(_report(plan, d, days, day_start, seq, text_rng))
                labels.append(plan.script.key)
        for _ in range(n_noise):
            rows.append(_report(None, d, days, day_start, seq, text_rng))
            labels.append(NOISE_LABEL)
    frame = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    frame["call_time"] = pd.to_datetime(frame["call_time"], utc=True)
    order = np.lexsort((frame["report_id"].to_numpy(), frame["call_time"].to_numpy()))
    frame = frame.iloc[order].reset_index(drop=True)
    label_arr = np.asarray(labels, dtype=object)[order]
    truth = {
        "seed": seed,
        "start": day0.isoformat(),
        "days": days,
        "reports_per_day": reports_per_day,
        "noise_label": NOISE_LABEL,
        "campaigns": {p.script.key: _plan_truth(p, days, label_arr) for p in plans},
        "events": events,
        "report_campaign": dict(zip(frame["report_id"].tolist(), label_arr.tolist(), strict=True)),
    }
    return frame, truth


def _plan(
    days: int, per_day: int, day0: dt.date, rng: np.random.Generator
) -> tuple[list[_Plan], list[dict[str, Any]]]:
    """Draw every campaign's schedule and the list of planted events."""
    n = len(SCRIPTS)
    weights = rng.dirichlet(np.full(n, 4.0))
    prng = random.Random(int(rng.integers(0, 2**62)))
    plans: list[_Plan] = []
    for i, script in enumerate(SCRIPTS):
        spoof = str(rng.choice(["neighbour", "npa_pool", "random"], p=[0.35, 0.45, 0.2]))
        npas = tuple(str(x) for x in rng.choice(_NPAS, size=4, replace=False))
        n_cb = script.callbacks * (1 + days // 120) if script.callbacks else 0
        callbacks = [_callback_number(prng) for _ in range(n_cb)]
        base = per_day * (1 - _NOISE_SHARE) * float(weights[i])
        plans.append(_Plan(script, base, 0, days, spoof=spoof, npas=npas, callbacks=callbacks))
    events: list[dict[str, Any]] = []
    if days < 28:
        return plans, events
    order = [int(x) for x in rng.permutation(n)]
    if days >= 42:
        # Three campaigns start late, two stop; one other is displaced. The rest may surge.
        for k, idx in enumerate(order[:3]):
            plans[idx].start_day = int(days * (0.3 + 0.2 * k))
            events.append(_event("new_campaign", plans[idx], plans[idx].start_day, day0))
        for k, idx in enumerate(order[3:5]):
            plans[idx].end_day = int(days * (0.45 + 0.25 * k))
            events.append(_event("stop", plans[idx], plans[idx].end_day, day0))
        disp = plans[order[5]]
        disp.displacement_day = int(days * 0.55)
        events.append(_event("displacement", disp, disp.displacement_day, day0))
        rest = order[6:]
    else:
        rest = order
    # About two thirds of the remaining campaigns surge (one surge per ~75 days, at least one);
    # the others stay flat, to count false alarms on.
    surging = rest[: max(1, (2 * len(rest)) // 3)]
    for idx in surging:
        plan = plans[idx]
        n_surges = max(1, (plan.end_day - plan.start_day) // 75)
        span = (plan.end_day - plan.start_day - 21) / n_surges
        for k in range(n_surges):
            lo = plan.start_day + 21 + int(k * span)
            hi = max(lo + 1, plan.start_day + 21 + int((k + 1) * span) - 7)
            day = int(rng.integers(lo, hi))
            length = int(rng.integers(2, 5))
            mult = float(np.round(rng.uniform(2.5, 5.0), 2))
            plan.surges.append((day, length, mult))
            ev = _event("surge", plan, day, day0)
            ev.update(length_days=length, multiplier=mult)
            events.append(ev)
    events.sort(key=lambda e: (e["day"], e["kind"], e["campaign"]))
    return plans, events


def _event(kind: str, plan: _Plan, day: int, day0: dt.date) -> dict[str, Any]:
    return {
        "kind": kind,
        "campaign": plan.script.key,
        "day": day,
        "date": (day0 + dt.timedelta(days=day)).isoformat(),
    }


def _plan_truth(plan: _Plan, days: int, labels: np.ndarray) -> dict[str, Any]:
    s = plan.script
    return {
        "label": s.label,
        "category": s.category,
        "language": s.language,
        "first_day": plan.start_day,
        "last_day": plan.end_day - 1,
        "base_per_day": round(plan.base, 3),
        "callbacks": list(plan.callbacks),
        "caller_id_style": plan.spoof,
        "surge_days": [d for d, _, _ in plan.surges],
        "flat": not plan.surges
        and plan.start_day == 0
        and plan.displacement_day is None
        and plan.end_day == days,
        "displacement_day": plan.displacement_day,
        "reports": int(np.count_nonzero(labels == s.key)),
    }


def _daily_count(plan: _Plan, d: int, week: float, rng: np.random.Generator) -> int:
    if d < plan.start_day or d >= plan.end_day:
        return 0
    rate = plan.base * week
    for day, length, mult in plan.surges:
        if day <= d < day + length:
            rate *= mult
    rate *= rng.gamma(_DISPERSION_K, 1.0 / _DISPERSION_K)
    return int(rng.poisson(rate))


def _report(
    plan: _Plan | None,
    d: int,
    days: int,
    day_start: pd.Timestamp,
    seq: dict[str, int],
    r: random.Random,
) -> tuple[Any, ...]:
    """Draw one report (one row of :data:`REPORT_COLUMNS`)."""
    rep = r.choices(_REPORTERS, cum_weights=_REPORTER_CUM)[0]
    seq[rep.prefix] += 1
    report_id = f"{rep.prefix}-{seq[rep.prefix]:08d}"
    hour = r.choices(range(24), cum_weights=_HOURS_CUM)[0]
    seconds = hour * 3600 + int(r.randrange(0, 3600))
    call_time = day_start + pd.Timedelta(seconds=seconds)
    called_npa, called_nxx = str(r.choice(_NPAS)), f"{int(r.randrange(200, 1000)):03d}"
    called = f"{called_npa}{called_nxx}{int(r.randrange(0, 10000)):04d}"
    if plan is None or plan.spoof == "random":
        calling = f"{r.choice(_NPAS)}{int(r.randrange(200, 1000)):03d}"
    elif plan.spoof == "neighbour":
        calling = called_npa + called_nxx
    else:
        calling = f"{r.choice(plan.npas)}{int(r.randrange(200, 1000)):03d}"
    calling += f"{int(r.randrange(0, 10000)):04d}"
    has_text, p_start, p_end, noise, p_loop = _SOURCE_SHAPE[rep.source_kind]
    transcript = ""
    if r.random() < has_text:
        text = _render(plan, d, days, r)
        lang = plan.script.language if plan else "en"
        transcript = _speech(text, lang, noise, p_start, p_end, p_loop, r)
    recorded = rep.source_kind != "consumer_complaint" and bool(transcript)
    audio = (
        hashlib.sha256(f"{report_id}|{seconds}|{called}".encode()).hexdigest() if recorded else ""
    )
    term = rep.name if rep.kind == "carrier" else str(r.choice(_TERMINATING))
    if rep.kind == "agency" and r.random() < 0.5:
        term = ""
    att = r.choices(("A", "B", "C", ""), cum_weights=(0.2, 0.35, 0.8, 1.0))[0]
    origid = _uuid(r) if att else ""
    state = "" if rep.kind == "carrier" else str(r.choice(_STATES))
    return (
        report_id,
        rep.source_kind,
        call_time,
        _format_number(calling, rep.number_format),
        _format_number(called, rep.number_format),
        transcript,
        audio,
        term,
        att,
        origid,
        _label(plan, rep, r),
        state,
        rep.name,
        rep.kind,
    )


def _render(plan: _Plan | None, d: int, days: int, r: random.Random) -> str:
    """Fill one script variant's slots (or draw a one-off noise message)."""
    if plan is None:
        # A one-off message: words of ordinary calls in a random order, so no two share a script.
        template = " ".join(r.choices(_NOISE_WORDS, k=r.randrange(10, 30))) + "."
    else:
        nv = len(plan.script.variants)
        template = r.choices(plan.script.variants, weights=(0.6, 0.3, 0.1)[:nv])[0]
    values = {
        "agent": str(r.choice(plan.script.agents)) if plan else "",
        "amount": f"${int(r.randrange(2, 80)) * 50 - 0.01:,.2f}",
        "ref": f"{int(r.randrange(10000, 100000))}",
        "date": f"{_MONTHS[int(r.randrange(0, 12))]} {int(r.randrange(1, 29))}",
        "callback": "",
    }
    if plan is not None and plan.callbacks:
        # Callback numbers rotate through the window: one after another.
        number = plan.callbacks[min(len(plan.callbacks) - 1, d * len(plan.callbacks) // days)]
        values["callback"] = _spoken_number(number, r)
    return template.format(**values)


def _speech(
    text: str,
    lang: str,
    noise: float,
    p_start: float,
    p_end: float,
    p_loop: float,
    r: random.Random,
) -> str:
    """Return ``text`` as a speech recogniser would write a recording of it.

    Words (Chinese: characters) are dropped or misheard; the recording may start late, end early
    or loop (the message played twice).
    """
    units = _UNIT.findall(text)
    if r.random() < p_loop:
        units = units + units[: max(3, int(len(units) * r.uniform(0.2, 0.6)))]
    n = len(units)
    lo, hi = 0, n
    min_keep = 8 if lang == "zh" else 12
    if n > min_keep and r.random() < p_start:
        lo = int(n * r.uniform(0.1, 0.5))
    if n - lo > min_keep and r.random() < p_end:
        hi = n - int((n - lo) * r.uniform(0.1, 0.4))
    hi = max(hi, min(n, lo + min_keep))
    out: list[str] = []
    p_drop, p_mis, p_fill = 0.025 * noise, 0.05 * noise, 0.01 * noise
    for unit in units[lo:hi]:  # noqa: B007 (a misheard unit replaces the unit)
        x = r.random()
        if x < p_drop:
            continue
        if _CJK.match(unit):
            if x < p_drop + p_mis and unit in ZH_CONFUSIONS:
                unit = r.choice(ZH_CONFUSIONS[unit])
        else:
            key = unit.lower().strip(".,;:!?")
            if x < p_drop + p_mis and key in MISHEARD:
                unit = r.choice(MISHEARD[key])
            elif x > 1 - p_fill:
                unit = r.choice(FILLER_WORDS)
        out.append(unit)
    return _join(out)


def _join(units: list[str]) -> str:
    """Join words with spaces and Chinese characters without (as the real transcripts are)."""
    parts: list[str] = []
    prev_cjk = prev_digit = False
    for u in units:
        cjk = bool(_CJK.match(u))
        # No space between two Chinese units, nor between a digit and a Chinese unit (请按1).
        glued = (cjk and (prev_cjk or prev_digit)) or (prev_cjk and u.isdigit())
        if parts and not glued:
            parts.append(" ")
        parts.append(u)
        prev_cjk, prev_digit = cjk, u.isdigit()
    return "".join(parts).strip()


def _label(plan: _Plan | None, rep: _Reporter, r: random.Random) -> str:
    """The reporter's own label for the call (``reported_category``)."""
    if rep.label_style == "user":
        return str(r.choice(_USER_LABELS)) if r.random() < 0.6 else ""
    if rep.label_style == "subject":
        return plan.script.category if plan else "Other"
    if plan is None:
        return "Unclassified"
    if rep.label_style == "coarse":
        return plan.script.label.split(" - ")[0]
    # A carrier's analysts label each campaign their own way; 3% of labels are mistakes.
    script = plan.script
    if r.random() < 0.03:
        script = SCRIPTS[int(r.randrange(0, len(SCRIPTS)))]
    return f"{rep.prefix}-{script.key.upper()}" if rep.prefix == "NWW" else script.label


def _callback_number(r: random.Random) -> str:
    npa = str(r.choice(_TOLL_FREE)) if r.random() < 0.6 else str(r.choice(_NPAS))
    return f"{npa}{int(r.randrange(200, 1000)):03d}{int(r.randrange(0, 10000)):04d}"


def _spoken_number(number: str, r: random.Random) -> str:
    """A 10-digit number as speech recognition writes it: 833-631-7911, 833 631 7911, or digits."""
    x = r.random()
    a, b, c = number[:3], number[3:6], number[6:]
    if x < 0.7:
        return f"{a}-{b}-{c}"
    if x < 0.85:
        return f"{a} {b} {c}"
    return ", ".join(" ".join(part) for part in (a, b, c))


def _format_number(digits: str, style: str) -> str:
    if style == "e164":
        return "+1" + digits
    if style == "parens":
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _uuid(r: random.Random) -> str:
    h = f"{r.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
