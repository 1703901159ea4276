"""What every request handler needs: the issuing authority (the application layer), the
caller's identity, and the request's idempotency key. Handlers are plain ``def`` functions, so
FastAPI runs them in its thread pool and database work never blocks the event loop; only
reading the body (``raw_body``) is ``async``, and it touches no database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response, Security
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from rcep_origin.api.problems import Problem
from rcep_origin.authority import Authority, Idempotency, Outcome, Principal
from rcep_origin.declaration import parse_json
from rcep_origin.errors import InputError


def authority(request: Request) -> Authority:
    found: Authority = request.app.state.authority
    return found


async def raw_body(request: Request) -> bytes:
    return await request.body()


# Declared as security schemes, so OpenAPI says how to authenticate (auto_error off: a missing
# key is the authority's 401 problem document, not FastAPI's plain 403).
BEARER = HTTPBearer(auto_error=False, description="An API key: 'Authorization: Bearer rk_...'")
API_KEY = APIKeyHeader(
    name="X-Api-Key", auto_error=False, description="The same key, another header"
)


def caller(
    request: Request,
    found: Annotated[Authority, Depends(authority)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    x_api_key: Annotated[str | None, Security(API_KEY)] = None,
) -> Principal:
    # The standard header first: a stray X-Api-Key never overrides a Bearer key.
    token = (bearer.credentials.strip() if bearer is not None else None) or x_api_key
    who = found.authenticate(token)
    request.state.actor = who.actor
    return who


def idempotency(
    request: Request,
    body: Annotated[bytes, Depends(raw_body)],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Idempotency | None:
    """The Idempotency-Key with the digest of what this call asks (path, query and body)."""
    if idempotency_key is None:
        return None
    if not idempotency_key.strip():
        raise Problem(400, "bad-input", "An Idempotency-Key header must not be empty")
    asked = request.url.path.encode() + b"?" + request.url.query.encode() + b"\0" + body
    return Idempotency(idempotency_key, hashlib.sha256(asked).hexdigest())


def respond(outcome: Outcome[Any]) -> JSONResponse:
    headers = {"Idempotent-Replay": "true"} if outcome.replayed else None
    return JSONResponse(
        outcome.view.model_dump(mode="json"), status_code=outcome.status, headers=headers
    )


def json_body(raw: bytes) -> Any:
    """A JSON body by the input policy (``declaration.parse_json``): Decimal numbers, bounded
    integers and depth, no repeated keys."""
    try:
        return parse_json(raw)
    except InputError as exc:
        raise Problem(400, "bad-input", "The body is not valid JSON", exc.message) from None


class StrictJsonRequest(Request):
    """A request whose JSON body FastAPI parses by the same input policy as every other edge
    (its default would take the last of two repeated keys and nest without limit)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = parse_json(await self.body())
            except InputError as exc:
                # FastAPI turns a JSONDecodeError into a validation error (our 400 problem).
                raise json.JSONDecodeError(exc.message, "", 0) from None
        return self._json


class StrictJsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict


# What route handlers take, named once for every router: the authority, the authenticated
# caller, the idempotency key of a creating call, and the raw body.
AuthorityDep = Annotated[Authority, Depends(authority)]
Caller = Annotated[Principal, Depends(caller)]
Replay = Annotated[Idempotency | None, Depends(idempotency)]
Body = Annotated[bytes, Depends(raw_body)]
