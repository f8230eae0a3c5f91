"""The migrated schema is the models' schema, on SQLite and PostgreSQL: Alembic's comparison of
the database after every revision with ``Base.metadata`` finds no difference (a table, column,
index or type declared on one side only). Revision 0026's index on ``traceback.ended_at`` (the
campaign job's look-up of tracebacks ended since its last run) goes and comes back with it."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from graphengine.platform.db import make_engine
from graphengine.platform.migrate import alembic_config, current_revision
from graphengine.platform.models import Base
from tests.helpers.platform import DB_KINDS, fresh_database


def traceback_indexes(engine) -> dict[str, list[str]]:
    return {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("traceback")}


@pytest.mark.parametrize("kind", DB_KINDS)
def test_migrations_match_the_models_and_index_traceback_ended_at(kind, tmp_path) -> None:
    with fresh_database(kind, tmp_path) as url:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                ctx = MigrationContext.configure(conn, opts={"compare_type": True})
                assert compare_metadata(ctx, Base.metadata) == []
            assert traceback_indexes(engine)["ix_traceback_ended_at"] == ["ended_at"]

            command.downgrade(alembic_config(engine), "0025")
            assert current_revision(engine) == "0025"
            assert "ix_traceback_ended_at" not in traceback_indexes(engine)
            assert "ix_traceback_state" in traceback_indexes(engine)  # only 0026's index went
            command.upgrade(alembic_config(engine), "head")
            assert traceback_indexes(engine)["ix_traceback_ended_at"] == ["ended_at"]
        finally:
            engine.dispose()
