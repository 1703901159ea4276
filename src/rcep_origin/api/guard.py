"""The service's outer guard (pure ASGI, cheaper than Starlette's BaseHTTPMiddleware): it gives
every request an id, refuses oversized bodies -- by their declared length before reading, and
by counting while they stream, whatever the headers say -- rate-limits the public endpoints per
client address, and counts, times and logs every request as one JSON line.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass, field

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rcep_origin.api import problems
from rcep_origin.api.settings import Settings

log = logging.getLogger("rcep_origin.api")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@dataclass
class TokenBuckets:
    """Per client address: ``rate`` requests a second on average, bursts up to ``burst``."""

    rate: float
    burst: int
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, client: str, now: float) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        tokens, last = self.buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens < 1:
            self.buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate
        if len(self.buckets) > 50_000:  # forget idle clients rather than grow without end
            self.buckets.clear()
        self.buckets[client] = (tokens - 1, now)
        return 0.0


def _is_public_verification(method: str, path: str) -> bool:
    return (method == "POST" and path == "/verify") or (
        method == "GET" and path.startswith("/verify/")
    )


class Guard:
    def __init__(self, app: ASGIApp, *, settings: Settings, requests: Counter, latency: Histogram):
        self.app, self.settings, self.requests, self.latency = app, settings, requests, latency
        self.limiter = (
            TokenBuckets(settings.public_rate_per_second, settings.public_burst)
            if settings.public_rate_per_second > 0
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        offered = headers.get("x-request-id", "")
        request_id = offered if REQUEST_ID.match(offered) else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            refusal.headers["X-Request-Id"] = request_id
            await refusal(scope, receive, send)
            return
        limit = self._limit(scope)
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes through FastAPI's body parsing untouched.
                    raise HTTPException(413, f"The body is too large: at most {limit} bytes")
            return message

        status = 500
        started = time.perf_counter()

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, counted, observe)
        finally:
            self._record(scope, status, time.perf_counter() - started, request_id)

    def _limit(self, scope: Scope) -> int:
        return (
            self.settings.max_upload_bytes
            if scope["path"] == "/verify"
            else self.settings.max_body_bytes
        )

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> JSONResponse | None:
        limit = self._limit(scope)
        declared = headers.get("content-length")
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if declared is None and chunked:
            return problems.problem_response(
                411, "length-required", "Send the body with a Content-Length"
            )
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return problems.problem_response(
                413, "too-large", "The body is too large", f"at most {limit} bytes"
            )
        if self.limiter is not None and _is_public_verification(scope["method"], scope["path"]):
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = self.limiter.take(str(client), time.monotonic())
            if wait > 0:
                response = problems.problem_response(
                    429,
                    "rate-limited",
                    "Too many verification requests from this address",
                    f"at most {self.settings.public_rate_per_second:g} a second on average",
                )
                response.headers["Retry-After"] = str(max(1, round(wait + 0.5)))
                return response
        return None

    def _record(self, scope: Scope, status: int, elapsed: float, request_id: str) -> None:
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
                        "request_id": request_id,
                    }
                },
            )
