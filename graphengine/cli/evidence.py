"""``graphengine evidence verify BUNDLE``: recompute every hash of an evidence bundle.

Exit status 0 and ``verified N files`` on stdout when nothing changed; exit status 1 and one
line per altered, missing or extra file otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register", "verify"]


def register(subparsers: Any) -> None:
    """Add the ``evidence`` verb with its ``verify`` action."""
    parser = subparsers.add_parser(
        "evidence",
        help="check evidence bundles written by `graphengine export`",
        description="Check evidence bundles written by `graphengine export`.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    check = actions.add_parser(
        "verify",
        help="recompute the SHA-256 of every file against manifest.json",
        description=(
            "Recompute the SHA-256 of every file of a bundle (folder or .zip) and compare it with "
            "manifest.json. Exits 0 and prints 'verified N files' when nothing changed; exits 1 "
            "and names each altered, missing or extra file otherwise. Also prints the SHA-256 "
            "of manifest.json itself, to compare with the value recorded at export time."
        ),
    )
    check.add_argument("bundle", type=Path, metavar="BUNDLE", help="bundle folder or .zip")
    check.set_defaults(func=verify)


def verify(args: argparse.Namespace) -> int:
    """Run ``graphengine evidence verify``; return 0 when the bundle is intact, else 1."""
    # why: graphengine.export loads plotly, which takes seconds; --help needs none of it
    from graphengine.export.verify import verify_bundle

    report = verify_bundle(args.bundle)
    if report.ok:
        print(report.summary())
        print(f"manifest sha256 {report.manifest_sha256}")
        return 0
    for label, names in (
        ("altered", report.altered),
        ("missing", report.missing),
        ("extra", report.extra),
    ):
        for name in names:
            print(f"{label}: {name}")
    print(f"{args.bundle}: {report.summary()}", file=sys.stderr)
    return 1
