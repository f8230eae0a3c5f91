"""The platform (``graphengine serve``): accounts, audit trail and live intake of reports.

A room of its own: the platform uses the engine's public functions (and ``loaders``); the engine
never imports it. Modules, one job each:

- :mod:`.settings`: where the database, secret key and files live (environment variables);
- :mod:`.db`: engines and sessions (SQLite by default, PostgreSQL via ``GRAPHENGINE_DATABASE_URL``);
- :mod:`.models`: the SQLAlchemy 2 typed tables;
- :mod:`.migrate`: Alembic migrations shipped inside the package (``graphengine platform init``);
- :mod:`.security`: password, API-key, TOTP and CSRF primitives;
- :mod:`.audit`: the hash-chained, append-only audit trail;
- :mod:`.intake`: exactly-once storage of a batch of reports, with its receipt;
- :mod:`.access`: the route registry (every route declares its roles or scopes; deny by default);
- :mod:`.app`: the FastAPI application factory;
- :mod:`.admin`: organisations, users and keys (the CLI verbs);
- :mod:`.demo`: ``graphengine platform seed-demo``.
"""
