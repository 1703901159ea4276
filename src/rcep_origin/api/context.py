"""What every request handler needs: the issuing authority (the application layer), the
caller's identity, and the request's idempotency key. Handlers are plain ``def`` functions, so
FastAPI runs them in its thread pool and database work never blocks the event loop; only
reading the body (``raw_body``) is ``async``, and it touches no database."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from rcep_origin.api.problems import Problem
from rcep_origin.authority import Authority, Idempotency, Outcome, Principal


def authority(request: Request) -> Authority:
    found: Authority = request.app.state.authority
    return found


async def raw_body(request: Request) -> bytes:
    return await request.body()


def caller(
    request: Request,
    found: Annotated[Authority, Depends(authority)],
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Principal:
    token = x_api_key or (authorization.removeprefix("Bearer ").strip() if authorization else None)
    who = found.authenticate(token)
    request.state.actor = who.actor
    return who


def idempotency(
    request: Request,
    body: Annotated[bytes, Depends(raw_body)],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Idempotency | None:
    """The Idempotency-Key with the digest of what this call asks (path and body)."""
    if idempotency_key is None:
        return None
    digest = hashlib.sha256(request.url.path.encode() + b"\0" + body).hexdigest()
    return Idempotency(idempotency_key, digest)


def respond(outcome: Outcome[Any]) -> JSONResponse:
    headers = {"Idempotent-Replay": "true"} if outcome.replayed else None
    return JSONResponse(
        outcome.view.model_dump(mode="json"), status_code=outcome.status, headers=headers
    )


def json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Problem(400, "bad-input", "The body is not valid JSON", str(exc)) from None
