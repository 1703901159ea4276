"""The HTTP service: ``create_app(settings)``; ``rcep-origin serve`` runs it under uvicorn."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram

from rcep_origin import __version__
from rcep_origin.api import evidence, exchange, legislation, problems, public, routes
from rcep_origin.api.guard import Guard
from rcep_origin.api.settings import Settings
from rcep_origin.authority import Authority, Database, DeliveryWorker
from rcep_origin.rules import load_ruleset
from rcep_origin.web import console

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
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
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
        # The exchange's delivery worker (issue 20): deliveries leave as soon as they are queued.
        worker = DeliveryWorker(found) if DeliveryWorker.enabled() else None
        if worker is not None:
            worker.start()
        yield
        if worker is not None:
            worker.stop()
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
    app.include_router(legislation.router)
    app.include_router(public.router)
    app.include_router(exchange.router)
    app.include_router(evidence.router)
    app.include_router(console.router)  # HTML pages, outside the OpenAPI document
    _instrument(app, settings)
    _truthful_openapi(app)
    return app


def _truthful_openapi(app: FastAPI) -> None:
    """FastAPI documents a 422 ``HTTPValidationError`` on every operation with parameters; this
    service answers invalid requests with a 400 problem document instead (and a 422 only where a
    rule refuses, documented per operation), so that default entry would be a false promise."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    answer = operation.get("responses", {}).get("422", {})
                    if "HTTPValidationError" in json.dumps(answer):
                        del operation["responses"]["422"]
            schemas = document.get("components", {}).get("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


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
    app.add_middleware(Guard, settings=settings, requests=requests, latency=latency)
