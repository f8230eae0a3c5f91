"""The data-quality account of a load: every row flag, how many rows, examples, what to do.

Flags never reject a row (see :data:`loaders.validate.FLAG_DOCS`), so a load can be "0 rows
rejected" and still hold rows the user must look at. The investigation report and
``investigation.json`` carry this account so that nothing the loader decided stays silent.

Examples
--------
>>> import pandas as pd
>>> hops = pd.DataFrame({"traceback_id": ["T1", "T2"], "hop": [0, 0], "provider": ["A", "B"],
...     "flags": ["unmapped_response", ""], "source_file": ["a.csv", "a.csv"],
...     "source_line": [2, 3]})
>>> [(q["flag"], q["rows"]) for q in flag_summary(hops)]
[('unmapped_response', 1)]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from graphengine.schema import printed_hop
from loaders.validate import FLAG_DOCS

__all__ = ["ADVICE", "EXAMPLES_PER_FLAG", "flag_summary"]

EXAMPLES_PER_FLAG = 3

#: flag -> what the user can do about it (``formula_in_<column>`` covers every column).
ADVICE: dict[str, str] = {
    "ambiguous_local_time": (
        "The local time happened twice when daylight time ended and was read as daylight time; "
        "if the source knows which, write the offset (-04:00 or -05:00) in the cell."
    ),
    "unreadable_calling_number": (
        "The raw text is kept and the E.164 column is empty; check the number in the source."
    ),
    "unreadable_called_number": (
        "The raw text is kept and the E.164 column is empty; check the number in the source."
    ),
    "formula_in_<column>": (
        "The cell would run as a spreadsheet formula; graphengine neutralises it in every CSV "
        "it writes. Check the source export for tampering."
    ),
    "upstream_has_no_name": (
        "Fill in the upstream's name in the source, or leave the cell empty if none was named."
    ),
    "unmapped_response": (
        "Add the phrase under its category in the mapping file's responses: so that "
        "non-cooperation findings count it."
    ),
    "upstream_mismatch": (
        "The upstream a hop named is not the next hop's provider: if both names are one company "
        "add a line to the alias file, otherwise correct the source row."
    ),
    "unknown_role": (
        "Use terminating, intermediate, gateway, originating or foreign, or leave the role "
        "empty to have it derived."
    ),
    "unreadable_country": "Use a two-letter ISO 3166 country code (US, IN, GB, ...).",
    "ambiguous_provider": (
        "The name matches registry filings with different FRNs; say which one it is in the "
        "alias file."
    ),
}


def _meaning(flag: str) -> str:

    generic = "formula_in_<column>" if flag.startswith("formula_in_") else flag
    return FLAG_DOCS.get(generic, "")


def _advice(flag: str) -> str:
    generic = "formula_in_<column>" if flag.startswith("formula_in_") else flag
    return ADVICE.get(generic, "")


def flag_summary(hops: pd.DataFrame) -> list[dict[str, Any]]:
    """Return one record per row flag found in ``hops``, most frequent first.

    Each record: ``flag``, ``rows`` (hop rows carrying it), ``meaning``, ``what_to_do`` and
    ``examples`` (the first :data:`EXAMPLES_PER_FLAG` rows by file and line: ``file``, ``line``,
    ``traceback_id``, ``hop`` as printed in the source, ``provider``).
    """
    if hops.empty or "flags" not in hops:
        return []
    flags = hops["flags"].fillna("").astype(str)
    flagged = hops[flags != ""]
    if flagged.empty:
        return []
    printed = printed_hop(flagged)
    exploded = pd.DataFrame(
        {
            "flag": flags[flags != ""].str.split(";"),
            "file": flagged.get("source_file", pd.Series("", index=flagged.index)).astype(str),
            "line": flagged.get("source_line", pd.Series(0, index=flagged.index)),
            "traceback_id": flagged["traceback_id"].astype(str),
            "hop": printed,
            "provider": flagged["provider"].astype(str),
        }
    ).explode("flag")
    exploded = exploded[exploded["flag"] != ""]
    counts = exploded.groupby("flag").size()
    order = sorted(counts.index, key=lambda f: (-int(counts[f]), str(f)))
    out = []
    for flag in order:
        rows = exploded[exploded["flag"] == flag].sort_values(["file", "line"], kind="stable")
        examples = [
            {
                "file": str(r.file),
                "line": int(r.line),
                "traceback_id": str(r.traceback_id),
                "hop": int(r.hop),
                "provider": str(r.provider),
            }
            for r in rows.head(EXAMPLES_PER_FLAG).itertuples(index=False)
        ]
        out.append(
            {
                "flag": str(flag),
                "rows": int(counts[flag]),
                "meaning": _meaning(str(flag)),
                "what_to_do": _advice(str(flag)),
                "examples": examples,
            }
        )
    return out
