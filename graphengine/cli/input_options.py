"""Options shared by every verb that reads traceback files (``--timezone``), and their notes.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_timezone_argument(parser)
>>> parser.parse_args(["--timezone", "America/New_York"]).timezone
'America/New_York'
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

__all__ = ["TIMEZONE_HELP", "add_timezone_argument", "print_notes"]

TIMEZONE_HELP = (
    "zone of call times that carry none (IANA name such as America/New_York, or UTC); "
    "overrides the mapping file's timezone: and a zone named in the column header. Without "
    "any of these a zoneless call time is an error, never silently UTC"
)


def add_timezone_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """Add ``--timezone ZONE`` to ``parser``."""
    parser.add_argument("--timezone", metavar="ZONE", default=None, help=TIMEZONE_HELP)


def print_notes(notes: Iterable[str]) -> None:
    """Print what the loaders decided on their own (one ``note:`` line each, on stderr)."""
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
