"""Transcript normalisation: the text two calls of one script have in common.

A robocall transcript differs from call to call in what the script slots in (the agent's name,
amounts, reference and callback numbers) and in what the speech recogniser got wrong. The
normaliser removes the first kind of difference and keeps the callback numbers as features:

1. Unicode NFKC (full-width digits and punctuation become ASCII), number words become digits
   ("press one" and "press 1" are the same).
2. Phone numbers (10 digits, with or without separators or a leading 1, or read out digit by digit)
   become ``<phone>``; their digits are returned in ``callbacks``.
3. Amounts (``$1,299.99``, ``500 dollars``) become ``<amount>``; other numbers of three or more
   digits become ``<num>``; one- and two-digit numbers stay ("press 1", "30 minutes").
4. Agent names after "this is", "my name is", "officer", "agent"... (capitalised words) become
   ``<agent>``.
5. Case and punctuation go. Chinese (and other scripts written without spaces) is split into
   characters, so that :func:`shingles` can take character pairs.

Examples
--------
>>> n = normalise("Hi, this is Melissa Grant. Call 833-631-7911, that's $1,299.99 owed.")
>>> n.text
'hi this is <agent> call <phone> that s <amount> owed'
>>> n.callbacks
('8336317911',)
>>> normalise("国际快递通知您，请按1").text
'国 际 快 递 通 知 您 请 按 1'
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass

__all__ = ["Normalised", "normalise", "shingles", "shingle_hashes", "PLACEHOLDERS"]

#: Tokens the normaliser writes in place of what a script slots in.
PLACEHOLDERS = frozenset({"<phone>", "<amount>", "<num>", "<agent>"})

# Characters written without spaces: CJK ideographs, kana, hangul, Thai.
_NOSPACE = "\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_NOSPACE_RE = re.compile(f"[{_NOSPACE}]")
_NUMBER_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
# A span of digits and the separators speech recognition writes inside numbers; each span is then
# classified in Python (one regex pass is much faster than one pattern per number form).
_NUMBER_SPAN_RE = re.compile(r"[$+(]?\d(?:[\d,.()-]|\s(?=[\d(]))*\d|\d")
_DOLLARS_RE = re.compile(r"\s*(?:dollars|usd)\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_AGENT_HINT = re.compile(r"(?i)\b(?:is|am|i'm|it'?s|officer|agent|detective|sergeant)\s+[A-Z]")
_NAME = r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?"
_AGENT_RE = re.compile(
    r"\b((?:[Tt]his is|[Mm]y name is|[Nn]ame is|I am|I'm|[Ii]t'?s)\s+(?:(?:[Oo]fficer|[Aa]gent|"
    r"[Dd]etective|[Ss]ergeant)\s+)?)(" + _NAME + r")\b"
    r"|\b((?:[Oo]fficer|[Aa]gent|[Dd]etective|[Ss]ergeant)\s+)(" + _NAME + r")\b"
)
# Words that follow "this is" but are not a person's name.
_NOT_NAMES = frozenset(
    [
        "A",
        "An",
        "The",
        "Your",
        "Our",
        "This",
        "That",
        "It",
        "Not",
        "Just",
        "Only",
        "Regarding",
        "About",
        "Amazon",
        "Apple",
        "Social",
        "Medicare",
        "Final",
        "Important",
        "Urgent",
        "Calling",
        "Officer",
        "Agent",
    ]
)
_TOKEN_RE = re.compile(f"<[a-z]+>|[{_NOSPACE}]|[a-z0-9]+")


@dataclass(frozen=True)
class Normalised:
    """A normalised transcript.

    Attributes
    ----------
    text : str
        The tokens joined by single spaces.
    tokens : tuple[str, ...]
        Words, placeholders (``<phone>``...) and single characters of no-space scripts.
    callbacks : tuple[str, ...]
        Phone numbers read out in the message, as 10 digits, in order of appearance.
    language : str
        ``zh`` when most tokens are characters of a no-space script, else ``en``.
    """

    text: str
    tokens: tuple[str, ...]
    callbacks: tuple[str, ...]
    language: str


def normalise(transcript: str | None) -> Normalised:
    """Return the normalised form of ``transcript`` (empty for ``None`` or blank text)."""
    if not transcript or not isinstance(transcript, str):
        return Normalised("", (), (), "en")
    text = unicodedata.normalize("NFKC", transcript)
    if _AGENT_HINT.search(text):
        text = _AGENT_RE.sub(_agent, text)
    callbacks: list[str] = []
    if _DIGIT.search(text):
        text = _NUMBER_SPAN_RE.sub(lambda m: _number(m, callbacks), text)
    tokens = tuple(_NUMBER_WORDS.get(t, t) for t in _TOKEN_RE.findall(text.lower()))
    nospace = sum(1 for t in tokens if _NOSPACE_RE.match(t)) if _NOSPACE_RE.search(text) else 0
    language = "zh" if tokens and nospace * 2 >= len(tokens) else "en"
    return Normalised(" ".join(tokens), tokens, tuple(dict.fromkeys(callbacks)), language)


def _number(m: re.Match[str], callbacks: list[str]) -> str:
    span = m.group(0)
    digits = re.sub(r"\D", "", span)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) == 10 and span[0] != "$":
        callbacks.append(digits)
        return " <phone> "
    if span[0] == "$" or _DOLLARS_RE.match(m.string, m.end()):
        return " <amount> "
    return " <num> " if len(digits) >= 3 else f" {span} "


def _agent(m: re.Match[str]) -> str:
    prefix = m.group(1) if m.group(1) is not None else m.group(3)
    name = m.group(2) if m.group(2) is not None else m.group(4)
    if name.split()[0] in _NOT_NAMES:
        return m.group(0)
    return f"{prefix} <agent> "


def shingles(tokens: tuple[str, ...]) -> set[str]:
    """Return the shingles of a token sequence: pairs of adjacent tokens of the same script.

    Words give word pairs ("press 1"); characters of no-space scripts give character pairs
    ("快递"). A pair across the two scripts is not a shingle. A text of one token gives that token.

    Examples
    --------
    >>> sorted(shingles(("press", "1", "国", "际")))
    ['press 1', '国际']
    """
    out: set[str] = set()
    for a, b in zip(tokens, tokens[1:], strict=False):
        a_ns, b_ns = bool(_NOSPACE_RE.match(a)), bool(_NOSPACE_RE.match(b))
        if a_ns and b_ns:
            out.add(a + b)
        elif not a_ns and not b_ns:
            out.add(a + " " + b)
    if not out and tokens:
        out.update(tokens)
    return out


def shingle_hashes(tokens: tuple[str, ...]) -> frozenset[int]:
    """Return the shingles of ``tokens`` as 32-bit CRC-32 values (deterministic across runs)."""
    if any(_NOSPACE_RE.match(t) for t in tokens):
        return frozenset(zlib.crc32(s.encode("utf-8")) for s in shingles(tokens))
    if len(tokens) < 2:
        return frozenset(zlib.crc32(t.encode("utf-8")) for t in tokens)
    crc = zlib.crc32
    return frozenset(crc(f"{a} {b}".encode()) for a, b in zip(tokens, tokens[1:], strict=False))
