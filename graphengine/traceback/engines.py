"""The two stitching engines: DuckDB (embedded, default) and Spark (local or a cluster).

Both run the **same SQL text** (:data:`CANDIDATES_SQL`) over the same two tables:

``records``
    the normalised call records (:data:`graphengine.traceback.records.NORMALISED_COLUMNS`);
``frontier``
    one row per traceback still being traced at the current hop: ``fid`` (its position),
    ``carrier_key`` (the carrier asked), ``t_ms`` (the downstream record's time, or the suspect
    call's at hop 0), ``calling``/``called`` (E.164), ``down_key`` (the carrier it handed the
    call to; "" at hop 0), ``cid`` (the downstream record's inbound Call-ID), ``ihash`` and
    ``origid`` (its STIR/SHAKEN values).

The query returns every candidate record with the strongest key that links it (1 Call-ID,
2 identity, 3 numbers and time); the decision (one candidate, or ambiguous) is made once, in
:mod:`graphengine.traceback.stitch`, so both engines give identical output by construction.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from graphengine.errors import ConfigError

__all__ = [
    "CANDIDATES_SQL",
    "DETAILS_SQL",
    "COVERAGE_SQL",
    "Engine",
    "DuckDBEngine",
    "SparkEngine",
    "make_engine",
]

# Both engines read this text unchanged; {tol} is an integer (milliseconds) set by the code.
CANDIDATES_SQL = """
SELECT fid, rid, MIN(key_rank) AS key_rank, MIN(dt_ms) AS dt_ms FROM (
  SELECT f.fid, r.rid, 1 AS key_rank, r.t_ms - f.t_ms AS dt_ms
  FROM frontier f JOIN records r
    ON r.carrier_key = f.carrier_key AND r.egress_key = f.down_key AND r.call_id_out = f.cid
  WHERE f.cid <> '' AND r.t_ms BETWEEN f.t_ms - {tol} AND f.t_ms + {tol}
  UNION ALL
  SELECT f.fid, r.rid, 2 AS key_rank, r.t_ms - f.t_ms AS dt_ms
  FROM frontier f JOIN records r
    ON r.carrier_key = f.carrier_key AND r.egress_key = f.down_key
   AND r.identity_hash = f.ihash
  WHERE f.ihash <> '' AND r.t_ms BETWEEN f.t_ms - {tol} AND f.t_ms + {tol}
  UNION ALL
  SELECT f.fid, r.rid,
         CASE WHEN f.origid <> '' AND r.origid = f.origid THEN 2 ELSE 3 END AS key_rank,
         r.t_ms - f.t_ms AS dt_ms
  FROM frontier f JOIN records r
    ON r.carrier_key = f.carrier_key AND r.egress_key = f.down_key
   AND r.calling = f.calling AND r.called = f.called
  WHERE f.calling <> '' AND f.called <> ''
    AND r.t_ms BETWEEN f.t_ms - {tol} AND f.t_ms + {tol}
) c
GROUP BY fid, rid
"""

DETAILS_SQL = """
SELECT r.rid, r.carrier_key, r.t_ms, r.calling, r.called, r.ingress_key, r.ingress_carrier,
       r.ingress_customer, r.call_id_in, r.attestation, r.origid, r.identity_hash,
       r.file_id, r.line
FROM wanted w JOIN records r ON r.rid = w.rid
"""

COVERAGE_SQL = """
SELECT carrier_key, MIN(t_ms) AS first_ms, MAX(t_ms) AS last_ms, COUNT(*) AS n
FROM records GROUP BY carrier_key
"""


class Engine(Protocol):
    """What the stitcher needs from an engine."""

    name: str

    def query(self, sql: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """Register ``tables`` (small frames) and return the result of ``sql`` as pandas."""
        ...

    def close(self) -> None:
        """Release the engine."""
        ...


class DuckDBEngine:
    """DuckDB in-process; the records table is loaded once (from a frame or Parquet files)."""

    name = "duckdb"

    def __init__(
        self,
        records: pd.DataFrame | str | Path | None,
        threads: int | None = None,
        con: Any = None,
    ) -> None:
        import duckdb

        # ``con``: a connection that already holds a ``records`` table (the benchmark builds one).
        self.con: Any = con if con is not None else duckdb.connect(":memory:")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if records is None:
            return
        if isinstance(records, pd.DataFrame):
            self.con.register("records_src", records)
            self.con.execute("CREATE TABLE records AS SELECT * FROM records_src")
            self.con.unregister("records_src")
        else:
            self.con.execute(
                "CREATE TABLE records AS SELECT * FROM read_parquet(?)", [str(records)]
            )

    def query(self, sql: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        for name, frame in tables.items():
            self.con.register(name, frame)
        try:
            return self.con.execute(sql).df()
        finally:
            for name in tables:
                self.con.unregister(name)

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """PySpark; ``master`` is ``local[2]`` by default, or a cluster URL (see docs/traceback.md)."""

    name = "spark"

    def __init__(self, records: pd.DataFrame | str | Path, master: str | None = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - the spark extra is in make venv
            raise ConfigError(
                "--engine spark needs PySpark: pip install 'graphengine[spark]'"
            ) from exc
        os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
        builder = (
            SparkSession.builder.appName("graphengine-stitch")
            .master(master or os.environ.get("GRAPHENGINE_SPARK_MASTER", "local[2]"))
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
        )
        self.spark: Any = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")
        if isinstance(records, pd.DataFrame):
            frame = self.spark.createDataFrame(records)
        else:
            frame = self.spark.read.parquet(str(records))
        frame.cache().createOrReplaceTempView("records")

    def query(self, sql: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        for name, frame in tables.items():
            self.spark.createDataFrame(frame).createOrReplaceTempView(name)
        out: pd.DataFrame = self.spark.sql(sql).toPandas()
        return out

    def close(self) -> None:
        self.spark.catalog.clearCache()


def make_engine(name: str, records: pd.DataFrame | str | Path, **options: Any) -> Engine:
    """Return the engine called ``name`` (``duckdb`` or ``spark``) over ``records``.

    Raises
    ------
    ConfigError
        For an unknown engine name.
    """
    if name == "duckdb":
        return DuckDBEngine(records, **options)
    if name == "spark":
        return SparkEngine(records, **options)
    raise ConfigError(f"--engine {name!r}: use duckdb or spark")
