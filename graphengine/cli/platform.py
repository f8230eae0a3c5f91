"""`graphengine platform ...`: create the schema, organisations, people and keys; verify the audit trail.

The platform's modules are imported when a command runs, so the engine's verbs work without the
``platform`` extra installed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from graphengine.errors import ConfigError

__all__ = ["register"]

_DB_HELP = (
    "The database is GRAPHENGINE_DATABASE_URL (sqlite:///FILE or postgresql+psycopg://...), by "
    "default the SQLite file platform.sqlite3 in the state folder GRAPHENGINE_STATE_DIR (.graphengine)."
)


def _need_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError(
            f"the platform needs its extra packages ({exc.name} is missing): pip install 'graphengine[platform]'"
        ) from exc


def register(subparsers: Any) -> None:
    """Add the ``platform`` verb and its actions."""
    parser = subparsers.add_parser(
        "platform",
        help="administer the platform: schema, organisations, users, API keys, audit trail, traceback hops",
        description="Administer the platform behind `graphengine serve`. " + _DB_HELP,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    init = actions.add_parser(
        "init",
        help="create or migrate the database schema",
        description="Create the schema, or migrate it to this version's newest revision. "
        + _DB_HELP,
    )
    init.set_defaults(func=run_init)

    org = actions.add_parser(
        "create-org", help="create an organisation", description="Create an organisation."
    )
    org.add_argument("name", help="the organisation's unique name")
    org.add_argument(
        "--kind", required=True, choices=["carrier", "blocking_app", "agency", "traceback_admin"]
    )
    org.set_defaults(func=run_create_org)

    user = actions.add_parser(
        "create-user",
        help="create a person who logs in",
        description="Create a person. Admins, reviewers and investigators get a TOTP secret; its "
        "otpauth:// URI is printed once (add it to an authenticator app). The password is read "
        "from GRAPHENGINE_NEW_PASSWORD or asked for (never a command-line argument: it would show "
        "in the process list and shell history).",
    )
    user.add_argument("username")
    user.add_argument("--org", required=True, help="organisation name")
    user.add_argument(
        "--role",
        required=True,
        choices=["admin", "analyst", "investigator", "reviewer", "responder"],
    )
    user.add_argument("--totp", action="store_true", help="require a TOTP code for this role too")
    user.set_defaults(func=run_create_user)

    key = actions.add_parser(
        "create-api-key",
        help="create an API key for an organisation (shown once)",
        description="Create an API key; the key is printed once on stdout and stored only as a hash.",
    )
    key.add_argument("--org", required=True, help="organisation name")
    key.add_argument("--name", default="default", help="a label for the key (default: default)")
    key.add_argument(
        "--scope",
        action="append",
        dest="scopes",
        metavar="SCOPE",
        help="reports:write, reports:read, alerts:read, tracebacks:open, tracebacks:respond or records:write (repeat; default: the two reports scopes)",
    )
    key.add_argument(
        "--rate",
        type=int,
        default=600,
        metavar="PER_MINUTE",
        help="requests per minute (default 600)",
    )
    key.set_defaults(func=run_create_api_key)

    revoke = actions.add_parser(
        "revoke-api-key",
        help="revoke an API key by its prefix",
        description="Revoke an API key (the 8 characters after 'ge_').",
    )
    revoke.add_argument("prefix")
    revoke.set_defaults(func=run_revoke_api_key)

    unlock = actions.add_parser(
        "unlock-login",
        help="end a user name's (or a client address's) lock-out after too many failed sign-ins",
        description=(
            "Delete the failed sign-in attempts recorded for a user name, so that its next "
            "attempt checks the password at once instead of waiting for the window "
            "(GRAPHENGINE_LOGIN_WINDOW_MINUTES) to pass. With --address, the failures from "
            "that client address stop counting for the address (they still count for their "
            "user names). Audited as login_unlocked."
        ),
    )
    unlock.add_argument("username", nargs="?", help="the user name as typed at sign-in")
    unlock.add_argument(
        "--address", metavar="ADDR", help="a client address locked out (as in the audit trail)"
    )
    unlock.set_defaults(func=run_unlock_login)

    aud = actions.add_parser(
        "audit", help="check the audit trail", description="Audit-trail commands."
    )
    aud_actions = aud.add_subparsers(dest="audit_action", metavar="ACTION")
    aud_actions.required = True
    verify = aud_actions.add_parser(
        "verify",
        help="recompute the hash chain; name the first altered or missing entry",
        description="Recompute every entry's hash; exit 0 when the chain is intact, else print the first altered or missing entry and exit 1.",
    )
    verify.set_defaults(func=run_audit_verify)

    export = actions.add_parser(
        "export-hops",
        help="write the hop rows of complete and stalled tracebacks as a hop file",
        description="Write the canonical hop rows of every complete or stalled traceback the "
        "platform ran as one CSV hop file, which `graphengine investigate`, `analyze` and `load` "
        "read. The file's SHA-256 is printed and the export is audited. " + _DB_HELP,
    )
    export.add_argument("--out", required=True, metavar="HOPS.csv", help="the hop file to write")
    export.set_defaults(func=run_export_hops)

    demo = actions.add_parser(
        "seed-demo",
        help="fill a fresh database with demo organisations and logins, then stream a day of reports through the API",
        description="Create demo organisations, people (with TOTP secrets) and keys in an empty "
        "database, start the server, stream a day of generated reports through the real HTTP API "
        "and print the URL and the logins. With --serve the server keeps running.",
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument(
        "--reports", type=int, default=2000, metavar="N", help="reports in the day (default 2000)"
    )
    demo.add_argument(
        "--serve", action="store_true", help="keep serving after seeding (Ctrl-C stops)"
    )
    demo.set_defaults(func=run_seed_demo)


def _sessions() -> Any:
    _need_extra()
    from graphengine.platform.db import make_engine, session_factory
    from graphengine.platform.migrate import current_revision, head_revision

    engine = make_engine()
    if current_revision(engine) != head_revision():
        raise ConfigError(
            "the database schema is missing or old: run `graphengine platform init` first"
        )
    return session_factory(engine)


def run_init(args: argparse.Namespace) -> int:
    _need_extra()
    from graphengine.platform.db import make_engine
    from graphengine.platform.migrate import upgrade
    from graphengine.platform.settings import database_url, redact_url

    url = database_url()
    before, after = upgrade(make_engine(url))
    state = (
        "created"
        if before is None
        else ("up to date" if before == after else f"migrated from {before}")
    )
    print(f"schema {state} at revision {after}: {redact_url(url)}")
    return 0


def run_create_org(args: argparse.Namespace) -> int:
    from graphengine.platform.admin import create_org
    from graphengine.platform.db import session_scope

    with session_scope(_sessions()) as s:
        org = create_org(s, args.name, args.kind)
        print(f"organisation {org.id}: {org.name} ({org.kind})")
    return 0


def _new_password() -> str:
    env = os.environ.get("GRAPHENGINE_NEW_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        raise ConfigError("set GRAPHENGINE_NEW_PASSWORD (no terminal to ask for the password)")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise ConfigError("the two passwords differ")
    return first


def run_create_user(args: argparse.Namespace) -> int:
    from graphengine.platform.admin import create_user
    from graphengine.platform.db import session_scope

    factory = _sessions()
    password = _new_password()
    with session_scope(factory) as s:
        made = create_user(s, args.org, args.username, args.role, password, totp=args.totp)
        print(f"user {made.user.username}: {made.user.role} of {args.org}")
        if made.totp_uri:
            print(f"TOTP (add to an authenticator app; shown once): {made.totp_uri}")
    return 0


def run_create_api_key(args: argparse.Namespace) -> int:
    from graphengine.platform.admin import create_api_key
    from graphengine.platform.db import session_scope

    with session_scope(_sessions()) as s:
        key, token = create_api_key(
            s, args.org, args.name, args.scopes or ["reports:write", "reports:read"], args.rate
        )
        print(
            f"API key {key.prefix} for {args.org} ({key.scopes}; {key.rate_per_minute}/min), shown once:",
            file=sys.stderr,
        )
        print(token)
    return 0


def run_revoke_api_key(args: argparse.Namespace) -> int:
    from graphengine.platform.admin import revoke_api_key
    from graphengine.platform.db import session_scope

    with session_scope(_sessions()) as s:
        revoke_api_key(s, args.prefix)
    print(f"API key {args.prefix} revoked")
    return 0


def run_unlock_login(args: argparse.Namespace) -> int:
    from graphengine.platform.db import session_scope
    from graphengine.platform.login_throttle import unlock, unlock_address

    if not args.username and not args.address:
        raise ConfigError("unlock-login needs a user name or --address ADDR")
    if args.username:
        with session_scope(_sessions()) as s:
            count = unlock(s, args.username)
        print(f"user name {args.username!r}: {count} failed sign-in(s) cleared; it may sign in now")
    if args.address:
        with session_scope(_sessions()) as s:
            count = unlock_address(s, args.address)
        print(f"address {args.address!r}: {count} failed sign-in(s) cleared; it may sign in now")
    return 0


def run_audit_verify(args: argparse.Namespace) -> int:
    from graphengine.platform.audit import verify_chain

    with _sessions()() as s:
        report = verify_chain(s)
    if report.ok:
        print(f"audit trail intact: {report.checked} entries")
        return 0
    print(f"audit trail broken: {report.problem}", file=sys.stderr)
    return 1


def run_export_hops(args: argparse.Namespace) -> int:
    from graphengine.platform.db import session_scope
    from graphengine.platform.traceback_service import export_hops

    with session_scope(_sessions()) as s:
        hops, tracebacks, digest = export_hops(s, args.out)
    print(
        f"{hops} hops of {tracebacks} tracebacks -> {args.out} (sha256 {digest})", file=sys.stderr
    )
    return 0


def run_seed_demo(args: argparse.Namespace) -> int:
    _need_extra()
    from graphengine.platform.demo import seed_demo

    return seed_demo(
        host=args.host,
        port=args.port,
        seed=args.seed,
        reports=args.reports,
        keep_serving=args.serve,
    )
