"""Alembic environment: runs the package's revisions on the engine handed in by migrate.py."""

from __future__ import annotations

from alembic import context

from graphengine.platform import (  # noqa: F401 - register their tables on Base
    alert_models,
    campaign_models,
    jobs,
    legal_models,
    login_throttle,
    traceback_models,
)
from graphengine.platform.db import make_engine
from graphengine.platform.models import Base

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
