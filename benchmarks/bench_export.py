"""Static image export: one kaleido/Chromium session for a whole bundle vs a browser per image.

Renders the same ``N`` figures (the small fixture's ecosystem diagram, PNG) twice in this run:
once through one :func:`graphengine.export.formats.write_static` call (one browser session,
the way bundles are written) and once with one call per image (a cold browser each time, the
way ``fig.write_image`` behaves). Prints wall seconds for both and the ratio.

Usage: .venv/bin/python benchmarks/bench_export.py [--images 6]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main"]


def main() -> int:
    """Run the comparison; print one line per mode and the ratio."""
    from graphengine.export import tables
    from graphengine.export.figures import TitleBlock, ecosystem_figure
    from graphengine.export.formats import ImageJob, write_static
    from graphengine.export.layout import force_layout
    from tests.helpers.export import small_hops, small_partition

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6, help="images per mode (default 6)")
    args = parser.parse_args()
    hops = small_hops()
    members = set(small_partition().dropna(subset=["ecosystem"])["provider_key"])
    nodes, edges = tables.provider_tables(hops)
    nodes, edges = tables.restrict(nodes, edges, members)
    coords = force_layout(list(nodes["provider_key"]), edges, seed=1)
    title = TitleBlock("benchmark", "BENCH", tables.data_window(hops), "now", "0" * 64)
    fig = ecosystem_figure(nodes, edges, coords, title)
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [
            ImageJob(fig, Path(tmp) / f"a{i}.png", "png", 1200, 800) for i in range(args.images)
        ]
        start = time.perf_counter()
        write_static(jobs)
        batched = time.perf_counter() - start
        start = time.perf_counter()
        for i in range(args.images):
            write_static([ImageJob(fig, Path(tmp) / f"b{i}.png", "png", 1200, 800)])
        separate = time.perf_counter() - start
    print(
        f"one session   : {args.images} images in {batched:6.2f} s ({batched / args.images:.2f} s/image)"
    )
    print(
        f"one per image : {args.images} images in {separate:6.2f} s ({separate / args.images:.2f} s/image)"
    )
    print(f"ratio (per-image / one session): {separate / batched:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
