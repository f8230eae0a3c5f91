"""Check that two investigation folders hold the same results (ecosystems and findings).

Used to show that a speed change leaves the results unchanged: run ``graphengine investigate``
on the same data before and after the change, then

    python benchmarks/same_investigation.py BEFORE_DIR AFTER_DIR

Compares, byte for byte, ``ecosystems.csv``, ``providers.csv``, ``targets.csv``,
``findings.json`` and ``analysis.json`` (without its ``versions`` block, which names library
versions), and the data files (``*.csv``) of every evidence bundle. Prints one line per file
and exits 1 when any differs or is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

FILES = ("ecosystems.csv", "providers.csv", "targets.csv", "findings.json", "analysis.json")


def digest(path: Path) -> str:
    """SHA-256 of a result file; ``analysis.json`` without its ``versions`` block."""
    data = path.read_bytes()
    if path.name == "analysis.json":
        record = json.loads(data)
        record.get("ecosystems", {}).pop("versions", None)
        data = json.dumps(record, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def compared(before: Path, after: Path, *, common_bundles: bool = False) -> list[str]:
    """Relative paths of the files to compare (present in either folder; with
    ``common_bundles``, evidence data only of the bundles both folders hold)."""
    names = set(FILES)
    found = [
        {str(p.relative_to(r)) for p in r.glob("evidence/*/data/*.csv")} for r in (before, after)
    ]
    names |= (found[0] & found[1]) if common_bundles else (found[0] | found[1])
    return sorted(names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument(
        "--common-bundles",
        action="store_true",
        help="compare evidence data only of the bundles both folders hold (a run stopped early)",
    )
    args = parser.parse_args()
    differ = 0
    for name in compared(args.before, args.after, common_bundles=args.common_bundles):
        a, b = args.before / name, args.after / name
        if not (a.is_file() and b.is_file()):
            print(f"MISSING  {name} ({'before' if not a.is_file() else 'after'})")
            differ += 1
        elif digest(a) != digest(b):
            print(f"DIFFERS  {name}")
            differ += 1
        else:
            print(f"same     {name} ({a.stat().st_size:,} bytes)")
    print("results unchanged" if not differ else f"{differ} file(s) differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
