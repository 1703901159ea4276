"""The exchange's HTTP client side: fetching a status list or a ``did.json`` from another
deployment, and posting a delivery to a peer's inbox. httpx (a well-kept client with timeouts
per phase and a test transport) is imported here only, and only when the exchange runs."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

MAX_FETCH_BYTES = 1024 * 1024  # a status list or a did.json is a few KiB
MAX_ANSWER_BYTES = 256 * 1024  # a receipt or a problem document


_clients: dict[int, httpx.Client] = {}
_clients_lock = threading.Lock()


def _client(transport: httpx.BaseTransport | None) -> httpx.Client:
    """One client per transport for the whole process (httpx clients are thread-safe): making
    one loads the CA bundle, some 30 ms, which would dominate a delivery."""
    import httpx

    key = id(transport)
    with _clients_lock:
        found = _clients.get(key)
        if found is None:
            # No proxies from the environment, no redirects: a peer answers at the URL it gave.
            found = _clients[key] = httpx.Client(
                transport=transport, trust_env=False, follow_redirects=False
            )
        return found


def fetch_json(
    url: str, timeout: float, *, transport: httpx.BaseTransport | None = None
) -> dict[str, Any] | None:
    """The JSON object at ``url`` (http or https only), or None when it cannot be had in time,
    is too large or is not a JSON object."""
    import httpx

    if not url.startswith(("https://", "http://")) or timeout <= 0:
        return None
    # httpx's timeouts bound each phase; a server dripping bytes is bounded here, in total.
    deadline = time.monotonic() + timeout
    try:
        with _client(transport).stream(
            "GET", url, headers={"Accept": "application/json"}, timeout=httpx.Timeout(timeout)
        ) as response:
            if response.status_code != 200:
                return None
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_FETCH_BYTES or time.monotonic() > deadline:
                    return None
    except (httpx.HTTPError, OSError, ValueError):
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class Answer:
    """What a peer answered: its status and JSON body, or the transport error."""

    status: int | None
    body: dict[str, Any] | None
    error: str | None


def post(
    url: str,
    payload: bytes,
    *,
    headers: dict[str, str],
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> Answer:
    import httpx

    try:
        with _client(transport).stream(
            "POST", url, content=payload, headers=headers, timeout=httpx.Timeout(timeout)
        ) as response:
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    return Answer(response.status_code, None, "the answer is too large")
            status = response.status_code
    except (httpx.HTTPError, OSError) as exc:
        return Answer(
            None, None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        )
    try:
        value = json.loads(body) if body else None
    except (ValueError, RecursionError):
        value = None
    return Answer(status, value if isinstance(value, dict) else None, None)
