"""STIR/SHAKEN attestation anomalies.

Kinds
    ``a_attested_spoofed``
        The call was signed with full attestation (A) but its caller ID shows signs of
        spoofing: it is on the supplied Do-Not-Originate (DNO) list, or it is not a valid NANP
        number (see :func:`nanp_problem`). The finding is against the **signer**, taken as the
        most upstream hop of the traceback that shows attestation A (the first provider that
        had the call with an A signature). One row per traceback.
    ``c_at_originating``
        A hop with role ``originating`` shows attestation C (gateway attestation). An
        originating provider knows its customer, so C there is inconsistent. One row per hop.

NANP checks (structural; we have no allocation table, so "unallocated" means the reserved ranges)
    A 10-digit number NPA-NXX-XXXX (after an optional leading country code 1) is flagged when:
    the NPA (area code) starts with 0 or 1; the NPA is an N11 service code (211 ... 911); the NPA
    has 9 as its middle digit (37X and 96X aside, X9X codes are reserved for expansion); the NXX
    (exchange) starts with 0 or 1; the NXX is N11; it is a 555-01XX fictional number; or the
    number does not have 10 digits. Numbers given in E.164 with another country code are not NANP
    and are not checked; an empty caller ID is not checked either.

DNO list file
    Plain text, one number per line, any punctuation; blank lines and ``#`` comments are ignored.
    Numbers are compared on their 10 NANP digits.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from graphengine.errors import InputFileError
from graphengine.findings._common import add_window_columns, map_keys, restore, windowed
from graphengine.findings.window import ResolvedWindow, Window

__all__ = ["ANOMALY_COLUMNS", "nanp_digits", "nanp_problem", "load_dno", "attestation_anomalies"]

ANOMALY_COLUMNS: tuple[str, ...] = (
    "provider_key",
    "kind",
    "traceback_id",
    "hop",
    "call_time",
    "calling_number",
    "detail",
    "window_since",
    "window_until",
)


def nanp_digits(numbers: pd.Series) -> pd.Series:
    """Return the 10 NANP digits of each number, ``<NA>`` for empty, ``"non-nanp"`` for E.164
    numbers with another country code, and the raw digits when they are not 10 long.

    Examples
    --------
    >>> import pandas as pd
    >>> nanp_digits(pd.Series(["+1 (202) 555-0143", "2025550143", "+44 20 7946 0000", None]))
    0    2025550143
    1    2025550143
    2      non-nanp
    3          <NA>
    dtype: string
    """
    raw = numbers.astype("string").str.strip()
    digits = raw.str.replace(r"\D", "", regex=True)
    foreign = raw.str.startswith("+") & ~raw.str.startswith("+1")
    eleven = (digits.str.len() == 11) & digits.str.startswith("1")
    digits = digits.where(~eleven.fillna(False), digits.str[1:])
    digits = digits.where(~foreign.fillna(False), "non-nanp")
    empty = (digits.fillna("") == "").to_numpy()
    digits = digits.astype("string").copy()
    digits[empty] = None
    return digits


def nanp_problem(numbers: pd.Series) -> pd.Series:
    """Why each number is not a valid NANP caller ID, or ``<NA>`` when it looks valid.

    Examples
    --------
    >>> import pandas as pd
    >>> nanp_problem(pd.Series(["2025551234", "0125551234", "4115551234", "2125550155", "212"]))
    0                         <NA>
    1         area code starts 0/1
    2                N11 area code
    3    555-01XX fictional number
    4                not 10 digits
    dtype: string
    """
    d = nanp_digits(numbers)
    problem = pd.Series(pd.NA, index=numbers.index, dtype="string")
    checked = d.notna() & (d != "non-nanp")
    npa, nxx, line = d.str[0:3], d.str[3:6], d.str[6:10]
    rules = [
        (d.str.len() != 10, "not 10 digits"),
        (npa.str[0].isin(["0", "1"]), "area code starts 0/1"),
        (npa.str[1:3] == "11", "N11 area code"),
        (npa.str[1] == "9", "reserved X9X area code"),
        (nxx.str[0].isin(["0", "1"]), "exchange starts 0/1"),
        (nxx.str[1:3] == "11", "N11 exchange"),
        ((nxx == "555") & line.str.startswith("01"), "555-01XX fictional number"),
    ]
    # Apply in reverse so that the first matching rule wins.
    for cond, text in reversed(rules):
        hit = (cond & checked).fillna(False).astype(bool)
        problem[hit] = text
    return problem


def load_dno(path: str | Path) -> frozenset[str]:
    """Read a Do-Not-Originate list (one number per line) into a set of 10-digit NANP numbers.

    Raises
    ------
    InputFileError
        If the file cannot be read, or a line holds no digits.
    """
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputFileError(
            f"cannot read DNO list {p}: {reason}; give a text file, one number per line"
        ) from exc
    entries = []
    for n, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not any(ch.isdigit() for ch in text):
            raise InputFileError(f"DNO list {p} line {n}: {text!r} is not a phone number")
        entries.append(text)
    return frozenset(nanp_digits(pd.Series(entries, dtype="string")).dropna().tolist())


def _normalised(values: pd.Series) -> pd.Series:
    """Upper-case, stripped attestation letters (per category when categorical)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = pd.Series(values.cat.categories).astype(str).str.strip().str.upper()
        return map_keys(values, pd.Series(cats.to_numpy(), index=values.cat.categories))
    return values.astype("string").str.strip().str.upper()


def attestation_anomalies(
    hops: pd.DataFrame,
    dno: frozenset[str] | set[str] | None = None,
    window: Window | ResolvedWindow | None = None,
) -> pd.DataFrame:
    """Find A-attested spoofed calls and C attestation at originating hops.

    Parameters
    ----------
    hops
        Canonical hop frame (``attestation``, ``calling_number``/``calling_number_e164``, ``role``).
    dno
        10-digit numbers that must never originate (see :func:`load_dno`), or ``None``.
    window
        Analysis window; ``None`` means all data.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ANOMALY_COLUMNS`, sorted by provider, kind, traceback. ``detail`` says why
        (``on DNO list`` or the NANP problem).
    """
    hops, resolved = windowed(hops, window)
    att = _normalised(hops["attestation"])
    a_hops = hops[(att == "A").fillna(False)]
    signer = a_hops.sort_values(["traceback_id", "hop"], kind="stable").drop_duplicates(
        "traceback_id", keep="last"
    )
    number = signer["calling_number_e164"].fillna(signer["calling_number"])
    detail = nanp_problem(number)
    if dno:
        on_dno = nanp_digits(number).isin(dno).fillna(False).astype(bool)
        detail = detail.where(~on_dno, "on DNO list")
    spoofed = signer[detail.notna()].assign(
        kind="a_attested_spoofed", detail=detail[detail.notna()], calling_number=number
    )
    c_orig = hops[((att == "C") & (hops["role"] == "originating")).fillna(False)]
    c_orig = c_orig.assign(
        kind="c_at_originating",
        detail="C attestation at an originating hop",
        calling_number=c_orig["calling_number_e164"].fillna(c_orig["calling_number"]),
    )
    cols = list(ANOMALY_COLUMNS[:-2])
    out = pd.concat([restore(spoofed[cols]), restore(c_orig[cols])], ignore_index=True)
    out = out.astype({"kind": "string", "detail": "string", "calling_number": "string"})
    out = out.sort_values(["provider_key", "kind", "traceback_id", "hop"], kind="stable")
    out = add_window_columns(out.reset_index(drop=True), resolved)
    return out[list(ANOMALY_COLUMNS)]
