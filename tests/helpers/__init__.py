"""Shared test data and helpers, imported as ``tests.helpers.<module>`` by tests and benchmarks.

The repository root is on ``sys.path`` (pytest's ``pythonpath`` setting in pyproject.toml, and
the editable install for scripts), so no test or benchmark edits ``sys.path``.
"""
