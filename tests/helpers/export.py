"""Hand-made canonical hop frames for the export tests (unit and integration).

The small case: one foreign source (VoIPMax) feeding two gateways (Connexum, SIPJoin), an
originating provider with an identified customer (Lingo Telecom / Life Corp), a provider that
did not respond, and a provider whose printed name looks like a spreadsheet formula. Counts a
person can check are listed in ``EXPECTED_*``.
"""

from __future__ import annotations

import random

import pandas as pd

from graphengine import schema

__all__ = [
    "PATHS",
    "NAMES",
    "CALLED",
    "EXPECTED_TRACEBACKS",
    "EXPECTED_EDGES",
    "small_hops",
    "small_partition",
    "random_ecosystem_hops",
]

#: printed name per key
NAMES = {
    "voipmax": "VoIPMax Ltd",
    "connexum": "Connexum LLC",
    "sipjoin": "SIPJoin Inc",
    "transitone": "Transit One",
    "bigcarrier": "Big Carrier",
    "phoneco": "Phone Co",
    "lingo": "Lingo Telecom",
    "nonresp": "Nonresp Voice",
    "formula": "=1+2 Telecom",
}
FOREIGN = {"voipmax"}

#: (traceback id, call time, campaign, attestation, customer, called number, path origin -> terminating)
PATHS = [
    (
        "T1",
        "2024-03-04T15:22:00",
        "SSA imposter",
        "C",
        None,
        "(603) 555-0101",
        ["voipmax", "connexum", "transitone", "bigcarrier"],
    ),
    (
        "T2",
        "2024-03-05T10:00:00",
        "SSA imposter",
        "C",
        None,
        "(603) 555-0102",
        ["voipmax", "sipjoin", "transitone", "phoneco"],
    ),
    (
        "T3",
        "2024-03-12T09:30:00",
        "auto warranty",
        "C",
        None,
        "603-555-0103",
        ["voipmax", "sipjoin", "bigcarrier"],
    ),
    (
        "T4",
        "2024-03-13T14:00:00",
        "auto warranty",
        "A",
        "Life Corp",
        "+1 603 555 0104",
        ["lingo", "transitone", "bigcarrier"],
    ),
    (
        "T5",
        "2024-03-20T16:45:00",
        "auto warranty",
        "A",
        "Life Corp",
        "6035550105",
        ["lingo", "phoneco"],
    ),
    (
        "T6",
        "2024-03-21T11:11:00",
        "SSA imposter",
        "B",
        None,
        "(603) 555-0106",
        ["nonresp", "connexum", "phoneco"],
    ),
    (
        "T7",
        "2024-03-27T08:05:00",
        "tax relief",
        "B",
        None,
        "(603) 555-0107",
        ["formula", "transitone", "phoneco"],
    ),
]
CALLED = [p[5] for p in PATHS]

EXPECTED_TRACEBACKS = {
    "voipmax": 3,
    "connexum": 2,
    "sipjoin": 2,
    "transitone": 4,
    "bigcarrier": 3,
    "phoneco": 4,
    "lingo": 2,
    "nonresp": 1,
    "formula": 1,
}
EXPECTED_EDGES = {
    ("voipmax", "connexum"): 1,
    ("connexum", "transitone"): 1,
    ("transitone", "bigcarrier"): 2,
    ("voipmax", "sipjoin"): 2,
    ("sipjoin", "transitone"): 1,
    ("transitone", "phoneco"): 2,
    ("sipjoin", "bigcarrier"): 1,
    ("lingo", "transitone"): 1,
    ("lingo", "phoneco"): 1,
    ("nonresp", "connexum"): 1,
    ("connexum", "phoneco"): 1,
    ("formula", "transitone"): 1,
}


def _digits(number: str) -> str:
    d = "".join(c for c in number if c.isdigit())
    return "+" + (d if len(d) == 11 else "1" + d)


def _role(path: list[str], pos: int) -> str:
    key = path[pos]
    if pos == len(path) - 1:
        return "terminating"
    if key in FOREIGN or key.startswith("f_"):
        return "foreign"
    if pos > 0 and (path[pos - 1] in FOREIGN or path[pos - 1].startswith("f_")):
        return "gateway"
    if pos == 0:
        return "originating"
    return "intermediate"


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column, dtype in schema.HOP_COLUMNS.items():
        if column not in frame:
            frame[column] = pd.Series([None] * len(frame), dtype="object")
        if dtype.startswith("datetime"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        else:
            frame[column] = frame[column].astype(dtype)
    frame = frame[list(schema.HOP_COLUMNS)]
    schema.check_hops(frame)
    return frame


def _rows(tid, when, campaign, attestation, customer, called, path, names, line):
    rows = []
    for pos, key in enumerate(path):
        hop = len(path) - 1 - pos
        role = _role(path, pos)
        response, category = "Provided upstream", "responded"
        if role == "foreign":
            response, category = "Foreign provider", "foreign"
        elif key == "nonresp":
            response, category = "No response after 24h", "no_response"
        elif pos == 0 and customer:
            response, category = "Customer identified", "customer_identified"
        rows.append(
            {
                "traceback_id": tid,
                "hop": hop,
                "provider": names[key],
                "provider_key": key,
                "upstream_provider": names[path[pos - 1]] if pos > 0 else None,
                "upstream_key": path[pos - 1] if pos > 0 else None,
                "role": role,
                "response": response,
                "response_category": category,
                "call_time": when,
                "campaign": campaign,
                "calling_number": "+12025550199",
                "calling_number_e164": "+12025550199",
                "called_number": called,
                "called_number_e164": _digits(called),
                "attestation": attestation,
                "provider_country": "GB" if role == "foreign" else "US",
                "customer": customer if pos == 0 else None,
                "customer_key": customer.lower().replace(" ", "-")
                if (customer and pos == 0)
                else None,
                "source_file": "fixture.csv",
                "source_line": line,
                "source_sha256": "0" * 64,
            }
        )
    return rows


def small_hops() -> pd.DataFrame:
    """Return the small hand-made case as a canonical hop frame (7 tracebacks, 9 providers)."""
    rows = []
    for i, (tid, when, campaign, att, customer, called, path) in enumerate(PATHS, start=2):
        rows += _rows(tid, when, campaign, att, customer, called, path, NAMES, i)
    return _frame(rows)


def small_partition() -> pd.DataFrame:
    """Two ecosystems and two unassigned hub carriers, shaped like ``EcosystemResult.providers``."""
    eco = {
        "voipmax": 1,
        "connexum": 1,
        "sipjoin": 1,
        "transitone": 1,
        "nonresp": 1,
        "lingo": 2,
        "formula": 2,
    }
    keys = sorted(NAMES)
    return pd.DataFrame(
        {
            "provider_key": keys,
            "ecosystem": pd.array([eco.get(k) for k in keys], dtype="Int64"),
            "is_hub": [k in ("bigcarrier", "phoneco") for k in keys],
        }
    )


def random_ecosystem_hops(
    n_providers: int = 60, n_tracebacks: int = 400, seed: int = 7
) -> pd.DataFrame:
    """Return a seeded random ecosystem of ``n_providers`` providers (legibility checks).

    Shaped like a real one: foreign sources (``f_*``) each feed one or two gateways, gateways
    and originating providers hand calls to a few fixed intermediates, which reach six
    terminating carriers (``t_*``). Names have realistic lengths.
    """
    rng = random.Random(seed)
    words = [
        "Apex",
        "Blue",
        "Summit",
        "Vector",
        "Nova",
        "Prime",
        "Global",
        "Star",
        "Delta",
        "Pioneer",
        "Quantum",
        "Liberty",
        "Atlas",
        "Zen",
        "Orbit",
        "Metro",
        "Pacific",
        "Union",
        "Bright",
        "Echo",
    ]
    kinds = [
        "Telecom",
        "Voice",
        "Networks",
        "Communications",
        "VoIP",
        "Connect",
        "Carrier Services",
    ]
    n_foreign, n_gateway, n_origin, n_term = 8, 10, 12, 6
    n_mid = n_providers - n_foreign - n_gateway - n_origin - n_term
    groups = {
        "f": [f"f_{i:02d}" for i in range(n_foreign)],
        "g": [f"g_{i:02d}" for i in range(n_gateway)],
        "o": [f"o_{i:02d}" for i in range(n_origin)],
        "m": [f"m_{i:02d}" for i in range(n_mid)],
        "t": [f"t_{i:02d}" for i in range(n_term)],
    }
    names = {}
    for key in sorted(k for ks in groups.values() for k in ks):
        names[key] = f"{rng.choice(words)} {rng.choice(words)} {rng.choice(kinds)}"
        if key.startswith("f_"):
            names[key] += " Ltd"
    feeds = {f: rng.sample(groups["g"], rng.randint(1, 2)) for f in groups["f"]}
    onward = {k: rng.sample(groups["m"], rng.randint(1, 3)) for k in groups["g"] + groups["o"]}
    next_mid = {m: rng.sample([x for x in groups["m"] if x != m], 2) for m in groups["m"]}
    rows = []
    for i in range(n_tracebacks):
        if rng.random() < 0.6:
            origin = rng.choice(groups["f"])
            path = [origin, rng.choice(feeds[origin])]
        else:
            path = [rng.choice(groups["o"])]
        path.append(rng.choice(onward[path[-1]]))
        if rng.random() < 0.4:
            path.append(rng.choice(next_mid[path[-1]]))
        path.append(rng.choice(groups["t"]))
        when = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=rng.randint(0, 24 * 120))
        campaign = rng.choice(
            ["SSA imposter", "auto warranty", "student loan", "utility disconnect"]
        )
        called = f"(555) 01{i // 100:01d}-{i % 100:02d}{rng.randint(10, 99)}"
        rows += _rows(
            f"R{i:04d}", when, campaign, rng.choice("ABC"), None, called, path, names, i + 2
        )
    return _frame(rows)
