"""Speed and memory of the synthetic generator: is it linear in N, and is its memory flat?

Runs the generator in a fresh child process at a tiny size (the fixed start-up cost: imports
and the world), a baseline size and a larger size (same seed), and prints, for each, CPU
seconds, wall seconds, tracebacks per CPU second net of start-up, and the child's peak resident
memory; then the ratios larger/baseline. Linear time gives a throughput ratio near 1; flat
memory gives a peak-memory ratio near 1. The big figure (1,000,000 tracebacks)
in docs/benchmarks.md was measured with ``/usr/bin/time -v`` on the same command.

Usage: .venv/bin/python benchmarks/bench_generator.py [--base 20000] [--large 200000] [--seed 1]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["run_once"]


def run_once(tracebacks: int, seed: int, out: Path) -> dict[str, float]:
    """Run the generator in a child process; return cpu/wall seconds and peak RSS (MiB).

    The child runs only ``graphengine.synthetic.generate`` (not the whole CLI) so that its peak
    memory is the generator's, not the other verbs' imports.
    """
    code = (
        "import sys; from graphengine.synthetic import generate; "
        "generate(sys.argv[1], tracebacks=int(sys.argv[2]), seed=int(sys.argv[3]), "
        "show_progress=False)"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(out), str(tracebacks), str(seed)], check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far (KiB on Linux); run the small
    # size first so that the larger run's figure is its own.
    return {"cpu": cpu, "wall": wall, "rss_mib": after.ru_maxrss / 1024, "n": tracebacks}


def main() -> int:
    """Print the baseline and large runs and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=20_000, help="baseline tracebacks")
    parser.add_argument("--large", type=int, default=200_000, help="larger run's tracebacks")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tiny = run_once(100, args.seed, Path(tmp) / "tiny")
        base = run_once(args.base, args.seed, Path(tmp) / "base")
        large = run_once(args.large, args.seed, Path(tmp) / "large")

    def rate(r: dict[str, float]) -> float:
        return (r["n"] - tiny["n"]) / max(r["cpu"] - tiny["cpu"], 1e-9)

    print(
        f"start-up  N={tiny['n']:>9,d}  cpu {tiny['cpu']:7.1f}s  peak RSS {tiny['rss_mib']:6.0f} MiB"
    )
    for label, r in (("baseline", base), ("large", large)):
        print(
            f"{label:9s} N={r['n']:>9,d}  cpu {r['cpu']:7.1f}s  wall {r['wall']:7.1f}s  "
            f"{rate(r):9,.0f} tracebacks/cpu-s net  peak RSS {r['rss_mib']:6.0f} MiB"
        )
    print(f"throughput ratio large/baseline: {rate(large) / rate(base):.2f} (1.00 = linear time)")
    print(f"peak memory ratio large/baseline: {large['rss_mib'] / base['rss_mib']:.2f} (flat = ~1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
