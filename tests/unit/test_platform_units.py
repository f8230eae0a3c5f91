"""Platform pieces without a server: route registry, keys, TOTP, settings, rate limiter."""

from __future__ import annotations

import pyotp
import pytest
from fastapi import APIRouter, FastAPI

from graphengine.errors import ConfigError
from graphengine.platform.access import REGISTRY, check_registry, route_keys
from graphengine.platform.ratelimit import RateLimiter
from graphengine.platform.security import (
    check_password,
    digest_matches,
    hash_password,
    new_api_key,
    parse_api_key,
    totp_ok,
)
from graphengine.platform.settings import database_url, redact_url


def test_an_undeclared_route_stops_the_app_from_building() -> None:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    router = APIRouter()

    @router.get("/api/v1/reports")
    def declared() -> None: ...

    @router.get("/api/v1/secret-export")
    def undeclared() -> None: ...

    app.include_router(router)
    assert route_keys(app.routes) == {("GET", "/api/v1/reports"), ("GET", "/api/v1/secret-export")}
    with pytest.raises(RuntimeError, match=r"undeclared \[\('GET', '/api/v1/secret-export'\)\]"):
        check_registry(app.routes)
    # and every declaration is public, or names roles or scopes
    assert all(a.public or a.roles or a.scopes for a in REGISTRY.values())


def test_api_keys_are_stored_as_hashes() -> None:
    made = new_api_key()
    prefix, secret = parse_api_key(made.token) or ("", "")
    assert made.token.startswith(f"ge_{prefix}_") and prefix == made.prefix and len(prefix) == 8
    assert secret not in made.digest and digest_matches(made.digest, secret)
    assert not digest_matches(made.digest, secret + "x")
    assert parse_api_key("Bearer nonsense") is None and parse_api_key("ge_short_x") is None


def test_passwords_and_totp() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert check_password(stored, "correct horse battery")
    assert not check_password(stored, "wrong") and not check_password(None, "anything")
    secret = pyotp.random_base32()
    assert totp_ok(secret, pyotp.TOTP(secret).now()) and not totp_ok(secret, "000000x")
    assert not totp_ok(None, "123456")


def test_database_url_settings(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("GRAPHENGINE_DATABASE_URL", raising=False)
    assert database_url() == f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    monkeypatch.setenv("GRAPHENGINE_DATABASE_URL", "postgresql://ge:pw@db:5432/ge")
    assert database_url() == "postgresql+psycopg://ge:pw@db:5432/ge"
    monkeypatch.setenv("GRAPHENGINE_DATABASE_URL", "mysql://root:hunter2@db/ge")
    with pytest.raises(ConfigError) as err:
        database_url()
    assert "hunter2" not in str(err.value) and "mysql://root:***@db/ge" in str(err.value)
    assert redact_url("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"


def test_rate_limiter_bucket() -> None:
    limiter = RateLimiter()
    assert [limiter.take(1, 3) for _ in range(3)] == [0, 0, 0]
    assert limiter.take(1, 3) == 20  # 3 per minute: one more in 20 s
    assert limiter.take(2, 3) == 0  # another key has its own bucket
