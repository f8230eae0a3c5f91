"""The tiny hand-worked findings fixture (10 tracebacks, 9 providers), shared by the tests.

Call flow (upstream on the left), all in 2024; "(x)" is the response category when it is not
``responded``; RMD: every provider is listed except ``foreignco`` (GB) and ``shady``, and
``removed`` was removed on 2024-03-01.

=====  ==========  ===========================================================================
tb     date        path
=====  ==========  ===========================================================================
tb01   01-10       foreignco(foreign, no upstream) > gate(gateway) > transit > term1
tb02   02-10       foreignco(foreign, no upstream) > gate(gateway) > transit > term1
tb03   06-10       foreignco(foreign, no upstream) > gate(gateway) > term2
tb04   02-15       origin(customer_identified) > transit > term1; A-attested, CID 202-555-0143
tb05   03-15       origin(customer_identified) > removed > term2
tb06   04-20       origin(customer_identified) > transit > term1; A-attested, CID 212-555-1234
tb07   05-05       silent(no_response, role unknown) > transit > term1
tb08   07-07       silent(no_response, role unknown) > transit > term2
tb09   08-08       shady(originating, customer_identified, attestation C) > term1
tb10   09-09       transit(insufficient_records, no upstream) > term2
=====  ==========  ===========================================================================
"""

from __future__ import annotations

import pandas as pd

from graphengine import schema

T, F = True, False

# path from terminating (hop 0) upstream: (provider_key, role, response_category, customer)
PATHS = {
    "tb01": ("2024-01-10", [("term1", "terminating"), ("transit", "intermediate"),
                            ("gate", "gateway"), ("foreignco", "foreign", "foreign")]),
    "tb02": ("2024-02-10", [("term1", "terminating"), ("transit", "intermediate"),
                            ("gate", "gateway"), ("foreignco", "foreign", "foreign")]),
    "tb03": ("2024-06-10", [("term2", "terminating"), ("gate", "gateway"),
                            ("foreignco", "foreign", "foreign")]),
    "tb04": ("2024-02-15", [("term1", "terminating"), ("transit", "intermediate"),
                            ("origin", "originating", "customer_identified", "Acme")]),
    "tb05": ("2024-03-15", [("term2", "terminating"), ("removed", "intermediate"),
                            ("origin", "originating", "customer_identified", "Acme")]),
    "tb06": ("2024-04-20", [("term1", "terminating"), ("transit", "intermediate"),
                            ("origin", "originating", "customer_identified", "Acme")]),
    "tb07": ("2024-05-05", [("term1", "terminating"), ("transit", "intermediate"),
                            ("silent", None, "no_response")]),
    "tb08": ("2024-07-07", [("term2", "terminating"), ("transit", "intermediate"),
                            ("silent", None, "no_response")]),
    "tb09": ("2024-08-08", [("term1", "terminating"),
                            ("shady", "originating", "customer_identified", "Bob")]),
    "tb10": ("2024-09-09", [("term2", "terminating"),
                            ("transit", "intermediate", "insufficient_records")]),
}  # fmt: skip

CALLING = {"tb04": "+12025550143", "tb06": "+12125551234"}


def tiny_hops() -> pd.DataFrame:
    """The canonical hop frame of the fixture."""
    rows = []
    for tb, (date, path) in PATHS.items():
        for hop, spec in enumerate(path):
            key, role = spec[0], spec[1]
            category = spec[2] if len(spec) > 2 else "responded"
            customer = spec[3] if len(spec) > 3 else None
            upstream = path[hop + 1][0] if hop + 1 < len(path) else None
            attestation = "A" if tb in CALLING else None
            if tb == "tb09" and key == "shady":
                attestation = "C"
            rows.append(
                {
                    "traceback_id": tb,
                    "hop": hop,
                    "provider": key.title(),
                    "provider_key": key,
                    "upstream_provider": None if upstream is None else upstream.title(),
                    "upstream_key": upstream,
                    "role": role,
                    "response": category,
                    "response_category": category,
                    "call_time": pd.Timestamp(date, tz="UTC"),
                    "campaign": "auto warranty" if tb in ("tb01", "tb02", "tb03") else "ssa",
                    "calling_number": CALLING.get(tb),
                    "calling_number_e164": CALLING.get(tb),
                    "attestation": attestation,
                    "provider_country": "GB" if key == "foreignco" else "US",
                    "customer": customer,
                    "customer_key": None if customer is None else customer.lower(),
                }
            )
    frame = pd.DataFrame(rows)
    out = schema.empty_hops()
    out = pd.concat([out, frame], ignore_index=True)[list(schema.HOP_COLUMNS)]
    out = out.astype({k: v for k, v in schema.HOP_COLUMNS.items() if k != "source_line"})
    return out.astype({"source_line": "Int64"})


def tiny_providers() -> pd.DataFrame:
    """The provider frame: RMD status as described in the module docstring."""
    listed = {
        "term1": T, "term2": T, "transit": T, "gate": T, "foreignco": F,
        "origin": T, "removed": T, "silent": T, "shady": F,
    }  # fmt: skip
    frame = pd.DataFrame(
        {
            "provider_key": list(listed),
            "name": [k.title() for k in listed],
            "in_rmd": list(listed.values()),
            "country": ["GB" if k == "foreignco" else "US" for k in listed],
            "rmd_removed_on": [
                pd.Timestamp("2024-03-01", tz="UTC") if k == "removed" else pd.NaT for k in listed
            ],
        }
    )
    out = pd.concat([schema.empty_providers(), frame], ignore_index=True)
    return out.astype(dict(schema.PROVIDER_COLUMNS))
