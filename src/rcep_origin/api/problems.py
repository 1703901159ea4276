"""Errors as RFC 9457 ``application/problem+json``, each with a stable ``type``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rcep_origin.authority import AuthorityError
from rcep_origin.errors import InputError

TYPE_BASE = "https://w3id.org/rcep-origin/problems/"
log = logging.getLogger("rcep_origin.api")
MEDIA_TYPE = "application/problem+json"


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "problems": {"type": "array", "items": {"type": "object"}},
        "request_id": {"type": "string"},
    },
}
_MEANINGS = {
    400: "bad input (the problem names the field)",
    401: "no or an unknown API key",
    403: "not allowed for this role or Party",
    404: "not found, or not visible to the caller",
    409: "the state does not allow it, or a concurrent call won (retry)",
    411: "a chunked body without Content-Length",
    413: "the body is too large",
    422: "well-formed but refused by the rules",
    429: "too many requests from this address",
    500: "a defect (logged under the request id)",
    503: "the database is unreachable or did not answer in time",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem documents an operation can answer with."""
    return {
        status: {
            "description": _MEANINGS[status],
            "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


AUTHENTICATED = problem_responses(400, 401, 403, 404, 409, 411, 413, 422, 500, 503)
PUBLIC = problem_responses(400, 404, 411, 413, 429, 500, 503)


class Problem(Exception):
    def __init__(self, status: int, kind: str, title: str, detail: str = "", **extra: Any):
        self.status, self.kind, self.title, self.detail, self.extra = (
            status,
            kind,
            title,
            detail,
            extra,
        )
        super().__init__(detail or title)


def problem_response(
    status: int, kind: str, title: str, detail: str = "", **extra: Any
) -> JSONResponse:
    body = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        **({"detail": detail} if detail else {}),
        **extra,
    }
    # A lost race (409 concurrent-update) and an outage (503) are both worth retrying.
    retry = status == 503 or kind == "concurrent-update"
    headers = {"Retry-After": "1" if status == 409 else "5"} if retry else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _path(location: tuple[Any, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


def install(app: Any) -> None:
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.kind, exc.title, exc.detail, **exc.extra)

    async def _input(request: Request, exc: InputError) -> JSONResponse:
        return problem_response(
            400,
            "bad-input",
            "The input is not valid",
            exc.message,
            field=exc.path,
            problems=[{"field": p, "message": m} for p, m in exc.problems],
        )

    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ""
                if e["type"] == "json_invalid"
                else _path(tuple(p for p in e["loc"] if p != "body")),
                "message": str(e.get("ctx", {}).get("error", e["msg"]))
                if e["type"] == "json_invalid"
                else e["msg"],
            }
            for e in exc.errors()
        ]
        return problem_response(
            400,
            "bad-input",
            "The input is not valid",
            problems[0]["message"] if problems else "",
            field=problems[0]["field"] if problems else "",
            problems=problems,
        )

    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kinds = {
            404: "not-found",
            405: "method-not-allowed",
            401: "unauthenticated",
            403: "forbidden",
            413: "too-large",
            429: "rate-limited",
        }
        return problem_response(
            exc.status_code, kinds.get(exc.status_code, "http-error"), str(exc.detail)
        )

    async def _authority(request: Request, exc: AuthorityError) -> JSONResponse:
        return problem_response(exc.status, exc.kind, exc.title, exc.detail, **exc.extra)

    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(InputError, _input)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(AuthorityError, _authority)

    async def _defect(request: Request, exc: Exception) -> JSONResponse:
        # A 500 is a defect: logged with its traceback under the id the caller is given.
        request_id = request.scope.get("state", {}).get("request_id", "")
        log.error(
            "unhandled error",
            exc_info=exc,
            extra={"fields": {"request_id": request_id, "path": request.url.path}},
        )
        response = problem_response(
            500,
            "internal",
            "An internal error: nothing was changed",
            "Report it with the request id.",
            request_id=request_id,
        )
        response.headers["X-Request-Id"] = request_id
        return response

    app.add_exception_handler(Exception, _defect)
