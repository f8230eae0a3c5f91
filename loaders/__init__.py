"""Ingestion: files (CSV, JSON Lines, XLSX, RMD export) into graphengine's canonical frames.

Loaders know nothing of Neo4j or igraph: they parse, map columns, validate, normalise and
quarantine, and return frames that follow :mod:`graphengine.schema`.
"""
