"""Provider identity: one stable canonical key per company, whatever name it was printed under.

Rules, applied in this order (``rule`` in the merges report):

1. ``normalised``: Unicode NFKC, case folding, ``AT&T`` -> ``att``, ``&`` -> ``and``, dots and
   apostrophes dropped (``L.L.C.`` -> ``llc``), other punctuation -> space, runs of single letters
   joined (``S A`` -> ``sa``), a leading ``the`` and trailing legal suffixes (LLC, Inc., Corp., Ltd.,
   Co., GmbH, S.A., PLC, LP, LLP, B.V., Pty, S.A. de C.V., ...) removed.
2. ``dba``: ``Legal Name d/b/a Trade Name`` (also ``dba``, ``d.b.a.``, ``doing business as``,
   ``a/k/a``, ``aka``, ``t/a``, ``trading as``) resolves to the legal name's key, and the trade name
   printed on its own anywhere else resolves to that same key. So do the RMD export's
   ``other_dba_names``.
3. ``alias``: the editable alias CSV (``alias,canonical``) maps a name to another name's key; chains
   are followed (``a -> b -> c``).
4. ``frn``: registry rows that share an FRN share a key.

**Never across FRNs**: when registry rows with *different* FRNs end up on one key, they are kept
apart: each gets ``<key>|frn:<FRN>`` and the merges report lists them with rule ``frn_kept_apart``.
A hop whose name matches one of those registry names exactly (ignoring case and spacing) gets that
registry row's key; any other name on the contested key keeps the plain key and is flagged
``ambiguous_provider`` (the analyst settles it with the alias file).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graphengine.errors import InputFileError
from loaders.distinct import map_unique

__all__ = [
    "LEGAL_SUFFIXES",
    "PLURAL_FOLDS",
    "split_dba",
    "normalise_name",
    "has_name_characters",
    "read_aliases",
    "Identity",
    "build_identity",
]

#: Trailing tokens (after cleaning) that are legal forms, not part of a company's identity.
LEGAL_SUFFIXES: frozenset[str] = frozenset(
    {
        "llc", "inc", "incorporated", "corp", "corporation", "ltd", "limited", "co", "company",
        "gmbh", "mbh", "sa", "sas", "sarl", "srl", "spa", "plc", "lp", "llp", "lllp", "pllc", "pc",
        "ag", "bv", "nv", "pty", "pte", "pvt", "private", "ltda", "oy", "ou", "ab", "kk", "sl", "cv",
        "sro", "doo", "fz", "fze", "fzco", "fzllc", "bhd", "sdn",
        "dd", "ad", "eood", "ood", "ooo", "tov", "mmc", "lda", "gesmbh", "kg", "oyj", "asa",
        "aps", "srls", "sprl", "bvba", "kft", "zrt", "as", "spzoo",
    }
)  # fmt: skip
_MULTI_SUFFIXES: tuple[tuple[str, ...], ...] = (
    ("gmbh", "and", "co", "kg"),
    ("sp", "z", "oo"),
    ("s", "de", "rl", "de", "cv"),
    ("sa", "de", "cv"),
    ("s", "de", "rl"),
)
_DBA = re.compile(
    r"(?:^|(?<=[\s,(;]))(?:d\s*/\s*b\s*/\s*a|d\.\s*b\.\s*a\.?|dba|doing\s+business\s+as"
    r"|a\s*/\s*k\s*/\s*a|a\.k\.a\.?|aka|t\s*/\s*a|trading\s+as)(?=$|[\s:,;)])",
    re.IGNORECASE,
)
_NAME_CHAR = re.compile(r"\w", re.UNICODE)

#: Plural industry nouns folded to the singular, so that spelling slips such as
#: "Telcast Networks" / "Telcast Network" resolve to one key. Only these words are folded: a
#: general stemmer would merge names that differ in meaning. Names with different FRNs are
#: still kept apart by :func:`build_identity`.
PLURAL_FOLDS: dict[str, str] = {
    "networks": "network",
    "communications": "communication",
    "signals": "signal",
    "solutions": "solution",
    "services": "service",
    "systems": "system",
    "technologies": "technology",
    "carriers": "carrier",
    "connections": "connection",
    "connects": "connect",
    "exchanges": "exchange",
    "holdings": "holding",
    "partners": "partner",
    "enterprises": "enterprise",
    "links": "link",
    "lines": "line",
}


def has_name_characters(name: object) -> bool:
    """Return True when ``name`` has at least one letter or digit."""
    return isinstance(name, str) and bool(_NAME_CHAR.search(name.replace("_", "")))


def split_dba(name: str) -> tuple[str, list[str]]:
    """Split ``Legal d/b/a Trade`` into ``(legal, [trade, ...])`` (as printed, trimmed).

    Examples
    --------
    >>> split_dba("Lingo Telecom, LLC d/b/a BullsEyeComm")
    ('Lingo Telecom, LLC', ['BullsEyeComm'])
    >>> split_dba("Acme Telecom")
    ('Acme Telecom', [])
    """
    parts = [p.strip(" \t,;:()") for p in _DBA.split(name)]
    parts = [p for p in parts if has_name_characters(p)]
    if len(parts) <= 1:
        return (parts[0] if parts else name.strip()), []
    return parts[0], parts[1:]


def _clean(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold()
    t = re.sub(r"(?<=\w)&(?=\w)", "", t)  # AT&T -> att
    t = t.replace("&", " and ")
    t = re.sub(r"[.'\u2019`]", "", t)  # L.L.C. -> llc, O'Neil -> oneil
    t = re.sub(r"[\W_]+", " ", t)
    tokens = t.split()
    joined: list[str] = []
    run: list[str] = []
    for tok in [*tokens, ""]:  # join runs of single letters: "s a" -> "sa"
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            joined.append("".join(run) if len(run) > 1 else run[0])
            run = []
        if tok:
            joined.append(tok)
    tokens = joined
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for tail in _MULTI_SUFFIXES:
            if len(tokens) > len(tail) and tuple(tokens[-len(tail) :]) == tail:
                tokens = tokens[: -len(tail)]
                changed = True
        if len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
            tokens = tokens[:-1]
            changed = True
    return " ".join(PLURAL_FOLDS.get(tok, tok) for tok in tokens)


def normalise_name(name: str) -> str:
    """Return the normalised key of one name (the legal part when it has a d/b/a).

    Examples
    --------
    >>> normalise_name("ACME Telecom, L.L.C.")
    'acme telecom'
    >>> normalise_name("Lingo Telecom, LLC d/b/a BullsEyeComm")
    'lingo telecom'
    >>> normalise_name("AT&T Corp.")
    'att'
    >>> normalise_name("Telcast Networks, Inc.") == normalise_name("Telcast Network")
    True
    """
    legal, _ = split_dba(name)
    return _clean(legal)


def _exact(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def read_aliases(path: str | Path | None) -> pd.DataFrame:
    """Read the alias CSV (columns ``alias,canonical``); ``None`` gives an empty frame.

    Raises
    ------
    InputFileError
        When the file is missing, unreadable or lacks the two columns.
    """
    if path is None:
        return pd.DataFrame(
            {"alias": pd.Series(dtype="string"), "canonical": pd.Series(dtype="string")}
        )
    target = Path(path)
    try:
        frame = pd.read_csv(target, dtype="string", keep_default_na=False, comment="#")
    except FileNotFoundError as exc:
        raise InputFileError(f"{target}: alias file not found") from exc
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(
            f"{target}: alias file is not a readable CSV ({type(exc).__name__})"
        ) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("alias", "canonical") if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"{target}: alias file needs columns alias,canonical (missing {', '.join(missing)})"
        )
    frame = frame[["alias", "canonical"]].apply(lambda s: s.str.strip())
    return frame[(frame["alias"] != "") & (frame["canonical"] != "")].reset_index(drop=True)


@dataclass
class Identity:
    """The resolved identity of every name seen: raw name -> key, with the rule that decided it."""

    keys: dict[str, str] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)  # raw names left on a contested key
    kept_apart: list[tuple[str, str, str]] = field(default_factory=list)  # (raw, key, frn)
    registry_keys: dict[int, str] = field(default_factory=dict)  # registry row position -> key

    def resolve(self, names: pd.Series | np.ndarray) -> np.ndarray:
        """Return the key of every name in ``names`` as an object array (None where unknown)."""
        return map_unique(np.asarray(names, dtype=object), self.keys.get)

    def merges(self) -> pd.DataFrame:
        """Return the merges report: ``raw_name, provider_key, rule``.

        Lists every raw name whose key is shared with at least one other raw name, plus the
        registry names kept apart because their FRNs differ (rule ``frn_kept_apart``).
        """
        frame = pd.DataFrame(
            {"raw_name": list(self.keys), "provider_key": list(self.keys.values())}, dtype="string"
        )
        frame["rule"] = frame["raw_name"].map(self.rules).astype("string")
        shared = frame.groupby("provider_key")["raw_name"].transform("size") > 1
        out = frame[shared]
        apart = pd.DataFrame(
            [(raw, key, "frn_kept_apart") for raw, key, _ in self.kept_apart],
            columns=["raw_name", "provider_key", "rule"],
            dtype="string",
        )
        merged = pd.concat([out, apart], ignore_index=True).drop_duplicates()
        return merged.sort_values(["provider_key", "raw_name"], kind="stable").reset_index(
            drop=True
        )


def build_identity(
    names: Iterable[str],
    *,
    registry: pd.DataFrame | None = None,
    aliases: pd.DataFrame | None = None,
) -> Identity:
    """Resolve every raw provider name to a canonical key.

    Parameters
    ----------
    names
        Raw provider names as printed (hops, upstream names); duplicates are fine.
    registry
        Optional frame with ``name``, ``frn`` and ``dba_names`` (``;``-separated) per registry row.
    aliases
        Optional frame with ``alias`` and ``canonical`` columns (see :func:`read_aliases`).

    Returns
    -------
    Identity
        ``keys`` maps each raw name to its key; ``merges()`` reports what was merged.

    Examples
    --------
    >>> ident = build_identity(["Acme Telecom LLC", "ACME TELECOM, INC.", "Beta d/b/a Gamma", "Gamma"])
    >>> sorted(set(ident.keys.values()))
    ['acme telecom', 'beta']
    """
    reg = registry if registry is not None else pd.DataFrame(columns=["name", "frn", "dba_names"])
    raw_names = {str(n) for n in names if isinstance(n, str) and has_name_characters(n)}
    reg_names = [str(n) for n in reg["name"].tolist()]
    raw_names.update(n for n in reg_names if has_name_characters(n))

    # 1-2. normalisation and d/b/a: every trade name points at its legal name's key.
    trade_to_legal: dict[str, str] = {}
    base: dict[str, str] = {}
    rules: dict[str, str] = {}
    dba_lists = reg["dba_names"].tolist() if "dba_names" in reg else [None] * len(reg)
    for raw in sorted(raw_names):
        legal, trades = split_dba(raw)
        base[raw] = _clean(legal)
        rules[raw] = "dba" if trades else "normalised"
        for trade in trades:
            trade_to_legal.setdefault(_clean(trade), base[raw])
    for name, dbas in zip(reg_names, dba_lists, strict=True):
        if isinstance(dbas, str) and has_name_characters(name):
            for trade in dbas.split(";"):
                if has_name_characters(trade):
                    trade_to_legal.setdefault(_clean(trade), _clean(split_dba(name)[0]))
    for raw, key in base.items():
        if key in trade_to_legal and trade_to_legal[key] != key:
            base[raw] = trade_to_legal[key]
            rules[raw] = "dba"

    # 3. alias table, followed transitively.
    alias_map: dict[str, str] = {}
    if aliases is not None:
        for alias, canonical in zip(aliases["alias"], aliases["canonical"], strict=True):
            a = _clean(split_dba(str(alias))[0])
            c = _clean(split_dba(str(canonical))[0])
            a, c = trade_to_legal.get(a, a), trade_to_legal.get(c, c)
            if a and c and a != c:
                alias_map[a] = c

    def follow(key: str) -> str:
        seen = {key}
        while key in alias_map and alias_map[key] not in seen:
            key = alias_map[key]
            seen.add(key)
        return key

    keys: dict[str, str] = {}
    for raw, key in base.items():
        final = follow(key)
        if final != key:
            rules[raw] = "alias"
        keys[raw] = final

    ident = Identity(keys=keys, rules=rules)
    if not len(reg):
        return ident

    # 4. registry rows: one key per FRN, and never one key across FRNs.
    reg_keys = [keys.get(n, _clean(n)) for n in reg_names]
    frns = [str(f) if isinstance(f, str) and f else "" for f in reg["frn"].tolist()]
    key_of_frn: dict[str, str] = {}
    for i, (key, frn) in enumerate(zip(reg_keys, frns, strict=True)):
        if frn:
            if frn in key_of_frn and key_of_frn[frn] != key:
                old = key
                reg_keys[i] = key_of_frn[frn]
                for raw, k in keys.items():  # names on the old key follow to the FRN's key
                    if k == old and not _other_frn_on(old, frn, reg_keys, frns):
                        keys[raw] = key_of_frn[frn]
                        rules[raw] = "frn"
            key_of_frn.setdefault(frn, reg_keys[i])
    frns_per_key: dict[str, set[str]] = {}
    for key, frn in zip(reg_keys, frns, strict=True):
        if frn:
            frns_per_key.setdefault(key, set()).add(frn)
    contested = {k for k, fs in frns_per_key.items() if len(fs) > 1}
    exact_registry: dict[str, str] = {}
    for i, (name, key, frn) in enumerate(zip(reg_names, reg_keys, frns, strict=True)):
        if key in contested:
            new = f"{key}|frn:{frn}" if frn else key
            reg_keys[i] = new
            ident.kept_apart.append((name, new, frn))
            exact_registry[_exact(name)] = new
        ident.registry_keys[i] = reg_keys[i]
    for raw, key in list(keys.items()):
        if key in contested:
            if _exact(raw) in exact_registry:
                keys[raw] = exact_registry[_exact(raw)]
            else:
                ident.ambiguous.add(raw)
    return ident


def _other_frn_on(key: str, frn: str, reg_keys: list[str], frns: list[str]) -> bool:
    return any(k == key and f and f != frn for k, f in zip(reg_keys, frns, strict=True))
