"""`graphengine serve`: run the platform (FastAPI under uvicorn) on 127.0.0.1:8000 by default."""

from __future__ import annotations

import argparse
from typing import Any

from graphengine.errors import ConfigError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``serve`` verb."""
    parser = subparsers.add_parser(
        "serve",
        help="run the platform's web server (intake API, pages, OpenAPI docs at /docs)",
        description="Serve the platform with uvicorn. Run `graphengine platform init` once first. "
        "Listen on loopback and put a TLS proxy in front for other machines (docs/platform.md).",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (default 1; PostgreSQL for more)"
    )
    parser.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover
        raise ConfigError(
            "the platform needs its extra packages: pip install 'graphengine[platform]'"
        ) from exc
    from graphengine.platform import legal_service, mail, package_evidence
    from graphengine.platform.db import make_engine
    from graphengine.platform.migrate import current_revision, head_revision
    from graphengine.platform.settings import (
        database_url,
        login_max_failures,
        login_max_failures_per_address,
        login_window,
        redact_url,
    )

    url = database_url()
    if current_revision(make_engine(url)) != head_revision():
        raise ConfigError(
            "the database schema is missing or old: run `graphengine platform init` first"
        )
    # settings of the portal are checked now: a typo is one line here, not a failed job later
    legal_service.check_config()
    package_evidence.check_config()
    mail.smtp_settings()
    login_max_failures(), login_window(), login_max_failures_per_address()
    print(
        f"graphengine platform on http://{args.host}:{args.port}/ (database {redact_url(url)})",
        flush=True,
    )
    uvicorn.run(
        "graphengine.platform.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        proxy_headers=True,
    )
    return 0
