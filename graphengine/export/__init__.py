"""Network diagrams as case evidence: plotly figures, static exports and verifiable bundles.

Public API::

    from graphengine.export import export_ecosystem, export_provider, export_traceback
    from graphengine.export import verify_bundle, ExportSettings, Provenance

Modules, one job each: :mod:`.tables` (node/edge tables from hops), :mod:`.layout` (seeded
coordinates), :mod:`.labels` (label placement), :mod:`.figures` (plotly figures),
:mod:`.formats` (HTML and kaleido PNG/SVG/PDF), :mod:`.datafiles` (CSV, GraphML),
:mod:`.redact` (called numbers), :mod:`.fingerprint`, :mod:`.bundle` (manifest, zip),
:mod:`.verify` and :mod:`.api` (one call per bundle kind).
"""

from __future__ import annotations

from graphengine.export.api import (
    FORMATS,
    HUB_DISPLAY_MODES,
    ExportSettings,
    Provenance,
    export_ecosystem,
    export_provider,
    export_top_ecosystems,
    export_traceback,
)
from graphengine.export.bundle import Bundle
from graphengine.export.verify import VerifyReport, verify_bundle

__all__ = [
    "FORMATS",
    "HUB_DISPLAY_MODES",
    "Bundle",
    "ExportSettings",
    "Provenance",
    "VerifyReport",
    "export_ecosystem",
    "export_provider",
    "export_top_ecosystems",
    "export_traceback",
    "verify_bundle",
]
