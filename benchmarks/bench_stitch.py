"""Bulk stitching speed: suspect calls traced per second, set-based vs one query per hop.

Builds, inside DuckDB, ``--rows`` normalised call-record rows (default 10,000,000) across
``--carriers`` carriers (default 20): the records of ``--calls`` traced calls (default 100,000;
paths of 3-6 distinct carriers, per-carrier clock skew up to +-5 s, a third of the carriers
logging wire Call-IDs) plus unrelated traffic filling the rest. Then, in the same run:

* **set-based**: :func:`graphengine.traceback.stitch.stitch` traces every suspect call, one
  query per hop level for all calls at once;
* **baseline**: the same SQL run per call and per hop (a frontier of one row), on
  ``--baseline-calls`` calls (default 100), its rate extrapolated.

Prints wall seconds, calls traced per second, the ratio, the share of planted paths recovered
hop for hop, and the process's peak resident memory. Record hashes are not computed here
(``record_source`` is left empty): they come from the raw files, which this benchmark does
not write.

Usage: .venv/bin/python benchmarks/bench_stitch.py [--rows 10000000] [--calls 100000]
"""

from __future__ import annotations

import argparse
import resource
import time

import duckdb
import pandas as pd

from graphengine.traceback.engines import CANDIDATES_SQL, DETAILS_SQL, DuckDBEngine
from graphengine.traceback.stitch import stitch

T0_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
SPAN_MS = 90 * 86_400_000
STEPS = (1, 3, 7, 9, 11, 13, 17, 19)  # coprime to 20: a path never repeats a carrier

BUILD_SQL = """
CREATE TABLE calls AS
SELECT i,
       (hash(i, 1) % {nc})::INT AS start,
       [{steps}][1 + (hash(i, 2) % {nsteps})::INT] AS step,
       3 + (hash(i, 3) % 4)::INT AS len,
       {t0} + (hash(i, 4) % {span})::BIGINT AS t_ms,
       '+1' || (2000000000 + i)::VARCHAR AS calling,
       '+1' || (3000000000 + (hash(i, 5) % 999999999))::VARCHAR AS called
FROM range({calls}) r(i);

CREATE TABLE traced AS
SELECT c.i, k, c.len, c.t_ms, c.calling, c.called,
       ((c.start + k * c.step) % {nc})::INT AS car,
       CASE WHEN k = 0 THEN -1 ELSE ((c.start + (k - 1) * c.step) % {nc})::INT END AS down,
       CASE WHEN k = c.len - 1 THEN -1 ELSE ((c.start + (k + 1) * c.step) % {nc})::INT END AS up
FROM calls c, range(6) h(k) WHERE k < c.len;

CREATE TABLE records AS
SELECT row_number() OVER () - 1 AS rid, * FROM (
  SELECT 'carrier ' || lpad(car::VARCHAR, 2, '0') AS carrier_key,
         t_ms + ((car * 997) % 10001 - 5000) AS t_ms,
         calling, called,
         CASE WHEN up < 0 THEN '' ELSE 'carrier ' || lpad(up::VARCHAR, 2, '0') END AS ingress_key,
         CASE WHEN up < 0 THEN '' ELSE 'Carrier ' || lpad(up::VARCHAR, 2, '0') || ' LLC' END
           AS ingress_carrier,
         CASE WHEN up < 0 THEN 'Customer ' || (i % 500)::VARCHAR ELSE '' END AS ingress_customer,
         CASE WHEN down < 0 THEN '' ELSE 'carrier ' || lpad(down::VARCHAR, 2, '0') END AS egress_key,
         CASE WHEN car % 3 = 0 THEN 'L' || i::VARCHAR || '-' || (k + 1)::VARCHAR
              ELSE 'I' || i::VARCHAR || '-' || k::VARCHAR || 'in' END AS call_id_in,
         CASE WHEN k = 0 THEN ''
              WHEN car % 3 = 0 THEN 'L' || i::VARCHAR || '-' || k::VARCHAR
              ELSE 'I' || i::VARCHAR || '-' || k::VARCHAR || 'out' END AS call_id_out,
         'C' AS attestation, '' AS origid, '' AS identity_hash,
         car::BIGINT AS file_id, i::BIGINT AS line
  FROM traced
  UNION ALL
  SELECT 'carrier ' || lpad((hash(j, 6) % {nc})::VARCHAR, 2, '0'),
         {t0} + (hash(j, 7) % {span})::BIGINT,
         '+1' || (2000000000 + hash(j, 8) % 7999999999)::VARCHAR,
         '+1' || (2000000000 + hash(j, 9) % 7999999999)::VARCHAR,
         'carrier ' || lpad((hash(j, 10) % {nc})::VARCHAR, 2, '0'),
         'Carrier ' || lpad((hash(j, 10) % {nc})::VARCHAR, 2, '0') || ' LLC', '',
         CASE WHEN j % 3 = 0 THEN '' ELSE 'carrier ' || lpad((hash(j, 11) % {nc})::VARCHAR, 2, '0') END,
         'U' || j::VARCHAR || 'i', 'U' || j::VARCHAR || 'o', '', '', '',
         -1, j
  FROM range((SELECT {rows} - COUNT(*) FROM traced)) u(j)
);
"""


def build(con: duckdb.DuckDBPyConnection, rows: int, calls: int, carriers: int) -> pd.DataFrame:
    """Create the records table; return the suspect calls and each one's planted path length."""
    steps = ", ".join(str(s) for s in STEPS)
    con.execute(
        BUILD_SQL.format(
            nc=carriers,
            steps=steps,
            nsteps=len(STEPS),
            t0=T0_MS,
            span=SPAN_MS,
            calls=calls,
            rows=rows,
        )
    )
    frame: pd.DataFrame = con.execute(
        "SELECT 'TB-' || lpad(i::VARCHAR, 7, '0') AS traceback_id, "
        "'Carrier ' || lpad(start::VARCHAR, 2, '0') || ' LLC' AS terminating_carrier, "
        "(t_ms // 1000) * 1000 AS t_ms, calling AS calling_number, called AS called_number, len "
        "FROM calls ORDER BY i"
    ).df()
    frame["call_time"] = pd.to_datetime(frame["t_ms"], unit="ms", utc=True).dt.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    frame["campaign"] = "bench"
    return frame


def baseline(engine: DuckDBEngine, calls: pd.DataFrame, tol_ms: int) -> int:
    """Trace ``calls`` one query per hop; return the hops matched."""
    sql = CANDIDATES_SQL.format(tol=tol_ms)
    matched = 0
    for row in calls.itertuples(index=False):
        f = {
            "fid": 0,
            "carrier_key": row.terminating_carrier.lower().removesuffix(" llc"),
            "t_ms": int(row.t_ms),
            "calling": row.calling_number,
            "called": row.called_number,
            "down_key": "",
            "cid": "",
            "ihash": "",
            "origid": "",
        }
        for _ in range(30):
            cands = engine.query(sql, {"frontier": pd.DataFrame([f])})
            best = cands[cands["key_rank"] == cands["key_rank"].min()] if len(cands) else cands
            if len(best) != 1:
                break
            d = engine.query(DETAILS_SQL, {"wanted": best[["rid"]].astype("int64")}).iloc[0]
            matched += 1
            if not d["ingress_key"] or d["ingress_customer"]:
                break
            f = {
                "fid": 0,
                "carrier_key": d["ingress_key"],
                "t_ms": int(d["t_ms"]),
                "calling": d["calling"],
                "called": d["called"],
                "down_key": f["carrier_key"],
                "cid": d["call_id_in"],
                "ihash": d["identity_hash"],
                "origid": d["origid"],
            }
    return matched


def main() -> None:
    """Build the records, run both tracers, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--carriers", type=int, default=20)
    ap.add_argument("--baseline-calls", type=int, default=100)
    args = ap.parse_args()

    con = duckdb.connect(":memory:")
    start = time.perf_counter()
    calls = build(con, args.rows, args.calls, args.carriers)
    n_rows = con.execute("SELECT COUNT(*) FROM records").fetchone()[0]  # type: ignore[index]
    print(
        f"built {n_rows:,} record rows across {args.carriers} carriers, "
        f"{len(calls):,} suspect calls in {time.perf_counter() - start:.1f} s"
    )
    engine = DuckDBEngine(None, con=con)

    start = time.perf_counter()
    result = stitch(engine, calls, tolerance_s=10.0, show_progress=False)
    batch_s = time.perf_counter() - start
    matched = result.matches.groupby("traceback_id").size()
    planted = calls.set_index("traceback_id")["len"]
    recovered = int((matched.reindex(planted.index, fill_value=0) == planted).sum())
    batch_rate = len(calls) / batch_s
    print(
        f"set-based: {len(calls):,} calls in {batch_s:.1f} s = {batch_rate:,.0f} calls/s; "
        f"paths recovered hop for hop {recovered:,}/{len(calls):,}; "
        f"ambiguous hops {result.stats['ambiguous_hops']}"
    )

    sample = calls.head(args.baseline_calls)
    start = time.perf_counter()
    hops = baseline(engine, sample, 10_000)
    base_s = time.perf_counter() - start
    base_rate = len(sample) / base_s
    print(
        f"one query per hop: {len(sample)} calls ({hops} hops) in {base_s:.1f} s = "
        f"{base_rate:,.2f} calls/s"
    )
    print(f"ratio set-based / per-hop: {batch_rate / base_rate:,.0f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
