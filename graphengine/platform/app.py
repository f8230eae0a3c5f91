"""The FastAPI application factory (``graphengine serve`` runs :func:`create_app` under uvicorn).

Requests bigger than :data:`~graphengine.platform.settings.MAX_BODY_BYTES` get 413 (by the
``Content-Length`` header, or while the body streams in). Errors on ``/api/`` routes are JSON
``{"error": "..."}``; errors on pages are an HTML page with the same one line.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphengine import __version__
from graphengine.platform import (  # noqa: F401 - the services register their jobs
    agency_api,
    alert_routes,
    alert_service,
    api_routes,
    campaign_routes,
    campaign_service,
    legal_routes,
    legal_service,
    page_routes,
    traceback_routes,
    traceback_service,
)
from graphengine.platform.access import LoginRequired, check_registry, guard
from graphengine.platform.db import make_engine, session_factory
from graphengine.platform.jobs import JobWorker
from graphengine.platform.login_throttle import LoginThrottle
from graphengine.platform.ratelimit import RateLimiter
from graphengine.platform.security import signer
from graphengine.platform.settings import (
    MAX_BODY_BYTES,
    database_url,
    login_max_failures,
    login_max_failures_per_address,
    login_window,
    secret_key,
)

__all__ = ["create_app"]

HERE = Path(__file__).resolve().parent


class BodyTooLarge(Exception):
    """The request body passed the limit while it streamed in."""


class BodyLimit:
    """ASGI middleware: refuse bodies over ``limit`` bytes (413) without buffering them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            response = JSONResponse({"error": _too_large(self.limit)}, status_code=413)
            await response(scope, receive, send)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge()
            return message

        await self.app(scope, counting, send)


def _too_large(limit: int) -> str:
    return f"request body is larger than the limit of {limit} bytes ({limit // (1024 * 1024)} MiB); split it"


def create_app(url: str | None = None) -> FastAPI:
    """Return the platform application on the database at ``url`` (default: the configured one).

    The schema must exist (``graphengine platform init``); the app does not migrate on its own.
    """
    url = url or database_url()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the job worker runs inside the server unless GRAPHENGINE_JOBS=0 (e.g. API-only workers)
        worker = None
        if os.environ.get("GRAPHENGINE_JOBS", "1") != "0":
            worker = JobWorker(app.state.write_sessions)
            worker.start()
        yield
        if worker is not None:
            worker.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="graphengine platform",
        version=__version__,
        description="Live intake of suspected robocall reports from carriers, blocking apps and "
        "complaint files. API keys: `Authorization: Bearer ge_...`.",
        dependencies=[Depends(guard)],
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    write_engine = make_engine(url)
    read_engine = make_engine(url, immediate=False) if url.startswith("sqlite") else write_engine
    app.state.write_sessions = session_factory(write_engine)
    app.state.read_sessions = session_factory(read_engine)
    app.state.limiter = RateLimiter()
    app.state.login_throttle = LoginThrottle(
        login_max_failures(), login_window(), max_per_address=login_max_failures_per_address()
    )
    key = secret_key().reveal()
    app.state.session_signer = signer(key, "session")
    app.state.csrf_signer = signer(key, "csrf")
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.templates.env.globals["version"] = __version__

    @app.middleware("http")
    async def open_session(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # one read session per request; its transaction ends in guard() after authentication
        with app.state.read_sessions() as session:
            request.state.db = session
            response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return _error(request, 413, _too_large(MAX_BODY_BYTES))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(
            request, exc.status_code, str(exc.detail), dict(exc.headers) if exc.headers else None
        )

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    app.include_router(campaign_routes.router)
    app.include_router(page_routes.router)
    app.include_router(api_routes.router)
    app.include_router(alert_routes.pages)
    app.include_router(alert_routes.api)
    app.include_router(legal_routes.router)
    app.include_router(agency_api.router)
    app.include_router(traceback_routes.pages)
    app.include_router(traceback_routes.api)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    check_registry(app.routes)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    return app


def _error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if request.url.path.startswith("/api/") or request.url.path.startswith("/openapi"):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, "who": None},
        status_code=status,
        headers=headers,
    )
