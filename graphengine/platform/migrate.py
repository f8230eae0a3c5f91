"""Create or migrate the platform's schema with the Alembic revisions shipped in the package.

``graphengine platform init`` calls :func:`upgrade`; tests and ``seed-demo`` do too. The revisions
live in ``graphengine/platform/migrations/versions``; a new table gets a new revision file.
"""

from __future__ import annotations

import logging
from pathlib import Path

# Alembic logs every plugin and revision at INFO (some on import); the CLI prints its own summary
logging.getLogger("alembic").setLevel(logging.WARNING)

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from alembic.runtime.migration import MigrationContext  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config whose migrations run on ``engine``'s connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate the database to the newest revision; return ``(revision before, revision after)``."""
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    return before, head_revision()


def current_revision(engine: Engine) -> str | None:
    """Return the database's revision, or ``None`` for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """Return the newest revision shipped with this package."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head
