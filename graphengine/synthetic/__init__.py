"""Seeded synthetic traceback data with planted ground truth, and its scoring.

:mod:`~graphengine.synthetic.generator` writes the files (hops, paths, RMD, truth) that the
loaders read like any investigator's export; :mod:`~graphengine.synthetic.scoring` compares an
investigation with the planted truth. The generator is not ingestion: it produces input files.
"""

from __future__ import annotations

from graphengine.synthetic.generator import (
    FILES,
    GeneratedDataset,
    GeneratorConfig,
    generate,
    write_rmd,
)

__all__ = ["GeneratorConfig", "GeneratedDataset", "FILES", "generate", "write_rmd"]
