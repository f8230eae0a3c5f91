"""Text extents for the exhibit font (Arial/Helvetica), so labels can be placed before drawing.

Plotly does not report where its text lands. The exhibit layout therefore measures every label
itself with the Helvetica advance widths (Arial has the same metrics), a safety factor for
rendering differences, and a fixed line height. An unknown glyph (non-Latin script) counts as a
wide one, so a label is never under-estimated.

Examples
--------
>>> round(text_width("Lingo", 10.0), 1)
25.0
>>> wrap("Lingo Telecom of the Southwest LLC", 120.0, 11.0)
['Lingo Telecom of the', 'Southwest LLC']
"""

from __future__ import annotations

__all__ = ["LINE_HEIGHT", "SAFETY", "text_width", "wrap"]

#: line height as a multiple of the font size (plotly's <br> spacing is about 1.3).
LINE_HEIGHT = 1.3
#: measured widths are multiplied by this, to absorb hinting and font substitution.
SAFETY = 1.08

# Helvetica advance widths in 1/1000 em (the AFM of the standard PDF font; Arial matches).
_WIDTHS = {
    " ": 278, "!": 278, '"': 355, "#": 556, "$": 556, "%": 889, "&": 667, "'": 191, "(": 333,
    ")": 333, "*": 389, "+": 584, ",": 278, "-": 333, ".": 278, "/": 278, ":": 278, ";": 278,
    "<": 584, "=": 584, ">": 584, "?": 556, "@": 1015, "[": 278, "\\": 278, "]": 278, "^": 469,
    "_": 556, "`": 333, "{": 334, "|": 260, "}": 334, "~": 584,
    "A": 667, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 722, "I": 278,
    "J": 500, "K": 667, "L": 556, "M": 833, "N": 722, "O": 778, "P": 667, "Q": 778, "R": 722,
    "S": 667, "T": 611, "U": 722, "V": 667, "W": 944, "X": 667, "Y": 667, "Z": 611,
    "a": 556, "b": 556, "c": 500, "d": 556, "e": 556, "f": 278, "g": 556, "h": 556, "i": 222,
    "j": 222, "k": 500, "l": 222, "m": 833, "n": 556, "o": 556, "p": 556, "q": 556, "r": 333,
    "s": 500, "t": 278, "u": 556, "v": 500, "w": 722, "x": 500, "y": 500, "z": 500,
}  # fmt: skip
_DIGIT = 556
_UNKNOWN = 1000


def text_width(text: str, font_px: float) -> float:
    """Return the drawn width of one line of ``text`` in pixels (with the safety factor)."""
    units = sum(_DIGIT if c.isdigit() else _WIDTHS.get(c, _UNKNOWN) for c in text)
    return units / 1000.0 * font_px * SAFETY


def wrap(text: str, max_px: float, font_px: float) -> list[str]:
    """Return ``text`` broken into lines no wider than ``max_px``; nothing is cut.

    Words are kept whole; a single word wider than the line is split between characters.
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font_px) <= max_px:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while text_width(word, font_px) > max_px:  # a very long word: split it
            cut = max(
                1,
                max(
                    i
                    for i in range(1, len(word) + 1)
                    if i == 1 or text_width(word[:i], font_px) <= max_px
                ),
            )
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines or [""]
