"""The HTTP service: ``create_app(settings)``; ``rcep-origin serve`` runs it under uvicorn."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram

from rcep_origin import __version__
from rcep_origin.api import problems, public, routes
from rcep_origin.api.context import Services, build_trust
from rcep_origin.api.settings import Settings
from rcep_origin.store.database import Database
from rcep_origin.store.files import FileKeystore

log = logging.getLogger("rcep_origin.api")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: what log shippers expect."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"at": self.formatTime(record), "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False)


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = database or Database(settings.database_url)
        if settings.migrate:
            db.upgrade()
        keystore = FileKeystore(settings.issuer_home)
        keystore.profile()  # fails early, with a hint, when the issuing body is not set up
        app.state.services = Services(settings, db, keystore, build_trust(keystore, settings.trust))
        yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="rcep-origin",
        version=__version__,
        description="RCEP rules of origin: declarations, determinations, certificates of origin and their verification.",
        lifespan=lifespan,
    )
    problems.install(app)
    app.include_router(routes.router)
    app.include_router(public.router)
    _instrument(app, settings)
    return app


def _instrument(app: FastAPI, settings: Settings) -> None:
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    requests = Counter("rcep_origin_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=registry)
    latency = Histogram(
        "rcep_origin_http_request_seconds", "HTTP request latency", ["method", "route"], registry=registry,
        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    )

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        limit = settings.max_upload_bytes if request.url.path == "/verify" else settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is None and request.method in ("POST", "PUT", "PATCH") and "chunked" in request.headers.get("transfer-encoding", ""):
            return problems.problem_response(411, "length-required", "Send the body with a Content-Length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return problems.problem_response(413, "too-large", "The body is too large", f"at most {limit} bytes")
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = time.perf_counter() - started
        route = getattr(request.scope.get("route"), "path", "unmatched")
        requests.labels(request.method, route, str(response.status_code)).inc()
        latency.labels(request.method, route).observe(elapsed)
        log.info(
            "request",
            extra={"fields": {"method": request.method, "route": route, "status": response.status_code, "ms": round(elapsed * 1000, 2), "actor": getattr(request.state, "actor", None)}},
        )
        return response
