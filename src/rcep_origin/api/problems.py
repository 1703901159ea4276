"""Errors as RFC 9457 ``application/problem+json``, each with a stable ``type``."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rcep_origin.authority import AuthorityError
from rcep_origin.errors import InputError

TYPE_BASE = "https://w3id.org/rcep-origin/problems/"
MEDIA_TYPE = "application/problem+json"


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
            {"field": _path(tuple(p for p in e["loc"] if p != "body")), "message": e["msg"]}
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
