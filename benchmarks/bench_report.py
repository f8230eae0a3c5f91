"""Size of ``report.html``: the report as it was (baseline) against the bounded report.

Runs ``investigate`` once on a generated (or given) data set, then renders the report of that
same investigation three times: as it was before (every row, and each id-list cell carrying its
whole list as its sort key: the baseline), with every row but id-list cells sorting by the ids
they show, and as ``investigate`` writes it now (also at most ``--rows`` rows a table). Prints
each report's size, the bytes of each section and the ratio baseline / now.

    graphengine generate --tracebacks 200000 --seed 11 --out /tmp/g200k     # ~1.04M hops
    python benchmarks/bench_report.py /tmp/g200k --out /tmp/inv200k

A quick run: ``python benchmarks/bench_report.py --tracebacks 2000``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from graphengine.pipeline import report
from graphengine.pipeline.investigate import investigate
from graphengine.pipeline.investigation import InvestigateOptions
from graphengine.pipeline.report import SECTIONS, render_report
from graphengine.pipeline.report_rows import DEFAULT_REPORT_ROWS


def section_sizes(page: str) -> dict[str, int]:
    """Bytes (UTF-8) of each ``<section id=...>`` of a report."""
    sizes = {}
    for anchor in SECTIONS:
        found = re.search(rf"<section id='{anchor}'>.*?</section>", page, re.S)
        sizes[anchor] = len(found.group(0).encode()) if found else 0
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", help="folder with hops.csv and rmd.csv (generate's)")
    parser.add_argument("--tracebacks", type=int, default=2000, help="generate this many")
    parser.add_argument("--out", help="investigation folder (default: a temporary one)")
    parser.add_argument("--rows", type=int, default=DEFAULT_REPORT_ROWS, help="the bound")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench_report_"))
    if args.data:
        data = Path(args.data)
    else:
        from graphengine.synthetic import generate

        data = generate(work / "data", tracebacks=args.tracebacks, seed=11).hops.parent
    out = Path(args.out) if args.out else work / "inv"
    start = time.perf_counter()
    inv = investigate(
        [data / "hops.csv"],
        out,
        providers=data / "rmd.csv",
        options=InvestigateOptions(formats=("html",), report_rows=args.rows),
        neo4j=False,
    )
    print(f"investigate: {time.perf_counter() - start:.1f} s, {inv.summary()['hops']:,} hops")
    pages = {}
    short_key = report._ids_key
    runs = (
        ("before: every row, full id lists (baseline)", 0, True),
        ("every row, id cells sort by the ids shown", 0, False),
        (f"now: at most {args.rows} rows a table", args.rows, False),
    )
    for label, rows, full_lists in runs:
        # the baseline: the sort key of an id-list cell was its whole list
        report._ids_key = (lambda v: ";".join(report._id_list(v))) if full_lists else short_key  # type: ignore[assignment]
        start = time.perf_counter()
        pages[label] = render_report(inv, max_rows=rows)
        took = time.perf_counter() - start
        report._ids_key = short_key  # type: ignore[assignment]
        size = len(pages[label].encode())
        print(f"{label}: {size / 1e6:.2f} MB, rendered in {took:.1f} s")
        for anchor, n in section_sizes(pages[label]).items():
            print(f"    {anchor:<17} {n / 1e6:8.2f} MB")
    written = inv.report.stat().st_size
    base, _, now = (len(p.encode()) for p in pages.values())
    print(f"report.html as written: {written / 1e6:.2f} MB")
    print(f"ratio baseline / now: {base / now:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
