"""The HTTP service: ``create_app(settings)``; ``rcep-origin serve`` runs it under uvicorn."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rcep_origin import __version__
from rcep_origin.api import problems, public, routes
from rcep_origin.api.settings import Settings
from rcep_origin.authority import Authority, Database
from rcep_origin.rules import load_ruleset

log = logging.getLogger("rcep_origin.api")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: what log shippers expect."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False)


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        found = Authority.open(
            settings.issuer_home,
            settings.database_url,
            database=database,
            migrate=settings.migrate,
            ruleset=None if settings.rules is None else load_ruleset(settings.rules),
            trust_homes=settings.trust,
            status_capacity=settings.status_capacity,
        )
        app.state.authority = found
        yield
        if database is None:
            found.dispose()

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
    requests = Counter(
        "rcep_origin_http_requests_total",
        "HTTP requests",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "rcep_origin_http_request_seconds",
        "HTTP request latency",
        ["method", "route"],
        registry=registry,
        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    )
    app.add_middleware(_Guard, settings=settings, requests=requests, latency=latency)


class _Guard:
    """Pure ASGI middleware (cheaper than Starlette's BaseHTTPMiddleware): refuses oversized
    bodies before reading them, counts and times every request, logs one JSON line each."""

    def __init__(self, app: ASGIApp, *, settings: Settings, requests: Counter, latency: Histogram):
        self.app, self.settings, self.requests, self.latency = app, settings, requests, latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        limit = (
            self.settings.max_upload_bytes
            if scope["path"] == "/verify"
            else self.settings.max_body_bytes
        )
        declared = headers.get("content-length")
        refusal = None
        if declared is None and "chunked" in headers.get("transfer-encoding", ""):
            refusal = problems.problem_response(
                411, "length-required", "Send the body with a Content-Length"
            )
        elif declared is not None and (not declared.isdigit() or int(declared) > limit):
            refusal = problems.problem_response(
                413, "too-large", "The body is too large", f"at most {limit} bytes"
            )
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            self.requests.labels(scope["method"], route, str(status)).inc()
            self.latency.labels(scope["method"], route).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                state = scope.get("state", {})
                log.info(
                    "request",
                    extra={
                        "fields": {
                            "method": scope["method"],
                            "route": route,
                            "status": status,
                            "ms": round(elapsed * 1000, 2),
                            "actor": state.get("actor"),
                        }
                    },
                )
