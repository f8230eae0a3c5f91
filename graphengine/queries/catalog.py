"""Find query files: the saved library shipped with graphengine plus a user's own folders.

Order and precedence (documented in ``docs/queries.md``): the saved library first, then each
folder named in ``GRAPHENGINE_QUERIES`` (``os.pathsep``-separated), then each ``--queries DIR``
(``queries_dir=`` in Python). A later folder **replaces** a query of the same name from an
earlier one, so an investigator can adapt a saved query without editing the library; every
replacement is logged on stderr, and ``query list`` shows where each query came from.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from graphengine.errors import QueryError
from graphengine.paths import queries_dir
from graphengine.queries.header import QuerySpec, parse_file

__all__ = ["ENV_VAR", "saved_dir", "saved_queries", "search_dirs", "list_queries", "get"]

#: environment variable naming extra query folders (``os.pathsep``-separated).
ENV_VAR = "GRAPHENGINE_QUERIES"

log = logging.getLogger(__name__)

DirsArg = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None


def saved_dir() -> Path:
    """Return the folder of saved queries (``cypher/`` in a checkout, ``graphengine/cypher``
    inside an installed wheel)."""
    try:
        return queries_dir()
    except FileNotFoundError as exc:
        raise QueryError(str(exc)) from None


def _as_list(dirs: DirsArg) -> list[Path]:
    if dirs is None:
        return []
    if isinstance(dirs, str | os.PathLike):
        return [Path(dirs)]
    return [Path(d) for d in dirs]


def search_dirs(dirs: DirsArg = None, *, include_saved: bool = True) -> list[tuple[Path, str]]:
    """Return ``(folder, source)`` pairs in precedence order (later wins).

    ``source`` is ``"saved"`` for the library and ``"user"`` for every other folder.
    """
    out: list[tuple[Path, str]] = [(saved_dir(), "saved")] if include_saved else []
    for part in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if part.strip():
            out.append((Path(part.strip()), "user"))
    out.extend((d, "user") for d in _as_list(dirs))
    return out


def _env_dirs() -> set[Path]:
    return {Path(p.strip()) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()}


def _load_folder(folder: Path, source: str) -> Iterable[QuerySpec]:
    if not folder.is_dir():
        hint = f" (named in {ENV_VAR})" if folder in _env_dirs() else ""
        raise QueryError(f"query folder {folder}{hint} does not exist or is not a folder")
    for path in sorted(folder.glob("*.cypher")):
        if source == "saved":
            yield parse_file(path, source=source)  # a broken saved file is a bug: fail loudly
            continue
        try:
            yield parse_file(path, source=source)
        except QueryError as exc:
            # one broken file of a user's folder must not block every other query
            log.warning("skipped a query file that cannot be used: %s", exc)


def saved_queries() -> list[QuerySpec]:
    """Return the saved library only (no user folders, ``GRAPHENGINE_QUERIES`` ignored), by name.

    Raises
    ------
    QueryError
        When a saved file has an invalid header.
    """
    return sorted(_load_folder(saved_dir(), "saved"), key=lambda s: s.name)


def list_queries(dirs: DirsArg = None, *, include_saved: bool = True) -> list[QuerySpec]:
    """Return every available query, sorted by name.

    Parameters
    ----------
    dirs
        Extra user folder(s) of ``.cypher`` files, searched after ``GRAPHENGINE_QUERIES``.
    include_saved
        Whether to include the saved library.

    Returns
    -------
    list of QuerySpec

    Raises
    ------
    QueryError
        When a folder is missing or a file has an invalid header (the message names the file
        and line).

    Examples
    --------
    >>> names = [q.name for q in list_queries()]
    >>> "traceback_path" in names
    True
    """
    found: dict[str, QuerySpec] = {}
    for folder, source in search_dirs(dirs, include_saved=include_saved):
        for spec in _load_folder(folder, source):
            previous = found.get(spec.name)
            if previous is not None:
                log.warning(
                    "query %r from %s replaces the one from %s", spec.name, spec.path, previous.path
                )
            found[spec.name] = spec
    return [found[name] for name in sorted(found)]


def get(name: str, dirs: DirsArg = None) -> QuerySpec:
    """Return the query called ``name`` (user folders win over the saved library).

    Raises
    ------
    QueryError
        When no query has that name; the message lists the available names.
    """
    specs = {s.name: s for s in list_queries(dirs)}
    spec = specs.get(name)
    if spec is None:
        raise QueryError(
            f"no saved query named {name!r}; run 'graphengine query list' "
            f"(available: {', '.join(sorted(specs))})"
        )
    return spec
