"""Automated traceback: the hop-by-hop workflow and the stitching of carriers' call records.

* :mod:`~graphengine.traceback.workflow`: the database-free state machine of a traceback and its hop
  requests (deadlines, answers, answers from records), ending in canonical hop rows;
* :mod:`~graphengine.traceback.records`: reading and validating a carrier's call records;
* :mod:`~graphengine.traceback.stitch` / :mod:`~graphengine.traceback.bulk`: tracing many suspect
  calls through many carriers' records at once, on DuckDB or Spark.

The engine never imports this package; the platform and the CLI do.
"""
