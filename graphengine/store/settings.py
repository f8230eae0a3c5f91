"""Neo4j connection settings from the environment, following Neo4j's own variable names.

``NEO4J_URI``, ``NEO4J_USERNAME``, ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE`` are read from the
environment; a ``.env`` file in the working directory (or the nearest parent) fills in the
variables that are not already set. When ``NEO4J_PASSWORD`` is unset and the local server of
``graphengine neo4j start`` has written its password file, that password is used, so the local
server works with no configuration at all.

The password is kept in a :class:`Secret`, whose ``repr`` and ``str`` never show it: settings can
be logged and put in exception messages safely.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import find_dotenv, load_dotenv

from graphengine.errors import ConfigError
from graphengine.paths import repo_root

__all__ = [
    "DEFAULT_URI",
    "DEFAULT_USERNAME",
    "Neo4jSettings",
    "Secret",
    "load_dotenv_once",
    "neo4j_settings",
    "home_dir",
    "local_password_file",
]

DEFAULT_URI = "bolt://127.0.0.1:7687"
DEFAULT_USERNAME = "neo4j"

_URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
_dotenv_loaded = False


class Secret:
    """A string that does not show itself in ``repr``, ``str`` or f-strings.

    Examples
    --------
    >>> s = Secret("hunter22")
    >>> s, str(s), f"{s}"
    (Secret('***'), '***', '***')
    >>> s.reveal()
    'hunter22'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret itself (only to hand it to the driver)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return (Secret, (self._value,))


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and how to reach Neo4j.

    Attributes
    ----------
    uri : str
        ``bolt://`` (one server) or ``neo4j://`` (routing, clusters and Aura) URI.
    username : str
        User name (``NEO4J_USERNAME``, default ``neo4j``).
    password : Secret
        Password; never shown by ``repr``.
    database : str or None
        Database name (``NEO4J_DATABASE``); ``None`` means the server's default database.
    password_source : str
        Where the password came from (``NEO4J_PASSWORD``, a file path, or ``argument``), so
        that an authentication error can say which value to check.
    """

    uri: str
    username: str
    password: Secret = field(repr=True)
    database: str | None = None
    password_source: str = "NEO4J_PASSWORD"

    @property
    def auth(self) -> tuple[str, str]:
        """Return ``(username, password)`` for :func:`neo4j.GraphDatabase.driver`."""
        return (self.username, self.password.reveal())


def load_dotenv_once() -> None:
    """Read ``.env`` (working directory or the nearest parent) once; set variables win."""
    global _dotenv_loaded
    if _dotenv_loaded:
        return
    _dotenv_loaded = True
    path = find_dotenv(usecwd=True)
    if path:
        load_dotenv(path, override=False)


def neo4j_settings(
    env: Mapping[str, str] | None = None,
    *,
    password_file: Path | None = None,
) -> Neo4jSettings:
    """Return the Neo4j settings from the environment (and ``.env``).

    Parameters
    ----------
    env
        Variables to read instead of ``os.environ`` (``.env`` is then not read); for tests.
    password_file
        The local server's password file, used when ``NEO4J_PASSWORD`` is unset; default
        the one of :func:`local_password_file`.

    Returns
    -------
    Neo4jSettings
        ``NEO4J_URI`` defaults to ``bolt://127.0.0.1:7687`` (the local server) and
        ``NEO4J_USERNAME`` to ``neo4j``; ``NEO4J_DATABASE`` empty means the server default.

    Raises
    ------
    ConfigError
        When a setting is missing or invalid; the message names the variable.

    Examples
    --------
    >>> s = neo4j_settings({"NEO4J_URI": "neo4j://db:7687", "NEO4J_PASSWORD": "pw123456"})
    >>> s.uri, s.username, s.database, s.password
    ('neo4j://db:7687', 'neo4j', None, Secret('***'))
    """
    if env is None:
        load_dotenv_once()
        env = os.environ
    uri = (env.get("NEO4J_URI") or "").strip() or DEFAULT_URI
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if scheme not in _URI_SCHEMES:
        raise ConfigError(
            f"NEO4J_URI={uri!r} is not a Neo4j URI; use bolt://HOST:PORT for one server or "
            "neo4j://HOST:PORT (neo4j+s:// for Aura) for a cluster"
        )
    username = (env.get("NEO4J_USERNAME") or "").strip() or DEFAULT_USERNAME
    database = (env.get("NEO4J_DATABASE") or "").strip() or None

    password = env.get("NEO4J_PASSWORD")
    source = "NEO4J_PASSWORD"
    # The local server's password goes only to a local URI, never to a remote server.
    if not password and _is_local(uri):
        if password_file is None:
            password_file = local_password_file()
        if password_file.is_file():
            password = password_file.read_text(encoding="utf-8").strip()
            source = str(password_file)
    if not password:
        raise ConfigError(
            "NEO4J_PASSWORD is not set; export it (or put it in .env), or start the local "
            "server with `graphengine neo4j start`, which writes its own password file"
        )
    return Neo4jSettings(
        uri=uri,
        username=username,
        password=Secret(password),
        database=database,
        password_source=source,
    )


def _is_local(uri: str) -> bool:
    host = uri.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    return host in {"127.0.0.1", "localhost", "::1"}


def home_dir() -> Path:
    """Return the local server's folder (``GRAPHENGINE_NEO4J_HOME`` or ``.neo4j``)."""
    env = os.environ.get("GRAPHENGINE_NEO4J_HOME")
    if env:
        return Path(env).expanduser().resolve()
    root = repo_root()
    return (root if root is not None else Path.cwd()) / ".neo4j"


def local_password_file(home: Path | None = None) -> Path:
    """Return the path of the local server's password file (``<home>/password``)."""
    return (home or home_dir()) / "password"
