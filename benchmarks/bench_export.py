"""Static image export: one kaleido/Chromium session for a whole bundle vs a browser per image.

Renders the same ``N`` figures (the small fixture's ecosystem diagram, PNG) twice in this run:
once through one :func:`graphengine.export.formats.write_static` call (one browser session,
the way bundles are written) and once with one call per image (a cold browser each time, the
way ``fig.write_image`` behaves). Prints wall seconds for both and the ratio.

With ``--bundle`` it times a whole ecosystem bundle instead: all four formats (HTML, PNG, SVG,
PDF with its footnote page) against the same bundle with HTML only (the baseline, measured in
the same run), and the call-flow layout on its own. The ecosystem is the seeded 139-provider
fixture, or ecosystem ``--ecosystem`` of ``--input hops.csv`` (with ``--providers rmd.csv``),
e.g. ``graphengine generate --tracebacks 50000``'s largest (130 providers).

Usage: .venv/bin/python benchmarks/bench_export.py [--images 6]
       .venv/bin/python benchmarks/bench_export.py --bundle [--input hops.csv --providers rmd.csv]
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
    parser.add_argument("--bundle", action="store_true", help="time a whole ecosystem bundle")
    parser.add_argument("--input", type=Path, help="hops.csv for --bundle (default: fixture)")
    parser.add_argument("--providers", type=Path, help="rmd.csv for --bundle with --input")
    parser.add_argument("--ecosystem", default="1", help="ecosystem id for --input (default 1)")
    args = parser.parse_args()
    if args.bundle:
        return bench_bundle(args)
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


def _case(args: argparse.Namespace) -> tuple[object, object, str, str]:
    if args.input is None:
        from tests.helpers.export import random_ecosystem_hops

        hops = random_ecosystem_hops(n_providers=160, n_tracebacks=3000, seed=11, unique_names=True)
        keys = sorted(hops["provider_key"].astype(str).unique())
        return hops, dict.fromkeys(keys, 1), "1", "seeded fixture"
    from graphengine.ecosystems import detect_ecosystems
    from loaders.load import load_inputs

    loaded = load_inputs([args.input], providers=args.providers)
    result = detect_ecosystems(loaded.hops, loaded.providers, seed=42)
    return loaded.hops, result, str(args.ecosystem), str(args.input)


def bench_bundle(args: argparse.Namespace) -> int:
    """Time one ecosystem bundle in all four formats against HTML only; print the ratio."""
    from graphengine.export import ExportSettings, export_ecosystem
    from graphengine.export.api import _build_ecosystem

    hops, partition, eco, source = _case(args)
    start = time.perf_counter()
    built = _build_ecosystem(hops, partition, eco, ExportSettings(formats=("html",)), None)
    build = time.perf_counter() - start
    layout = built.content.layout
    members = sum(1 for _ in built.content.nodes["provider_key"])
    print(
        f"{source}: ecosystem {eco}, {members} providers (with adjacent hubs) in "
        f"{len(layout['boxes'])} boxes, {len(layout['routes'])} links"
    )
    print(f"tables + lanes + aggregation + layout + figures: {build:6.2f} s")
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, formats in (
            ("html only", ("html",)),
            ("all four", ("html", "png", "svg", "pdf")),
        ):
            out = Path(tmp) / label.replace(" ", "-")
            start = time.perf_counter()
            export_ecosystem(hops, partition, eco, out, settings=ExportSettings(formats=formats))
            times[label] = time.perf_counter() - start
            sizes = {
                p.name: p.stat().st_size for p in sorted((out / "figures").glob("ecosystem.*"))
            }
            total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            print(
                f"{label:9s}: bundle in {times[label]:6.2f} s, {total / 1e6:5.1f} MB; "
                + ", ".join(f"{k} {v / 1e3:,.0f} kB" for k, v in sizes.items())
            )
    print(f"ratio (all four / html only): {times['all four'] / times['html only']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
