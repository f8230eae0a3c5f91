"""Where graphengine finds its own files: the saved queries and the repository checkout.

The saved investigator queries live at the top level of the repository (``cypher/``) and are
shipped inside the wheel as ``graphengine/cypher``; :func:`queries_dir` finds either.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["package_dir", "queries_dir", "repo_root"]


def package_dir() -> Path:
    """Return the folder of the installed (or checked-out) ``graphengine`` package."""
    return Path(__file__).resolve().parent


def repo_root() -> Path | None:
    """Return the repository checkout that holds this package, or ``None`` when installed.

    A checkout is recognised by ``pyproject.toml`` next to the package folder.
    """
    parent = package_dir().parent
    if (parent / "pyproject.toml").is_file() and (parent / "graphengine").is_dir():
        return parent
    return None


def queries_dir() -> Path:
    """Return the folder of saved Cypher queries.

    Returns
    -------
    pathlib.Path
        ``graphengine/cypher`` inside an installed wheel when it exists, else the repository's
        top-level ``cypher/`` folder.

    Raises
    ------
    FileNotFoundError
        When neither folder exists (a broken installation).

    Examples
    --------
    >>> queries_dir().name
    'cypher'
    """
    installed = package_dir() / "cypher"
    if installed.is_dir():
        return installed
    root = repo_root()
    if root is not None and (root / "cypher").is_dir():
        return root / "cypher"
    raise FileNotFoundError(
        f"no saved query folder: neither {installed} nor the repository's cypher/ exists; "
        "reinstall graphengine"
    )
