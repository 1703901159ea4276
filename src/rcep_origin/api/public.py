"""What anyone may call: verification (JSON, and the page a QR code opens), status lists, the
issuer's DID document and JWKS, health and metrics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from rcep_origin.api.context import AuthorityDep, StrictJsonRoute, raw_body
from rcep_origin.api.problems import PUBLIC
from rcep_origin.authority import HealthView, NotFound, VerificationView
from rcep_origin.web.pages import page_language, render_verification_page

router = APIRouter(route_class=StrictJsonRoute)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


REPORT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the verification report (JSON), or the public page for a browser",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/VerificationView"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}
DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "description": "a certificate in any of its forms",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in (
                "application/json",
                "application/vc+jwt",
                "application/xml",
                "application/pdf",
                "application/octet-stream",
            )
        },
    }
}


@router.get(
    "/verify/{number}",
    tags=["verification"],
    response_model=VerificationView,
    responses={**REPORT, **PUBLIC},
)
def verify_number(number: str, request: Request, found: AuthorityDep) -> Response:
    """The verification report of a certificate issued here, checked against the register.
    Browsers (the QR code) get the public page; programs get JSON. Neither shows more than the
    certificate's public fields."""
    try:
        report = found.verify_number(number)
    except NotFound:
        if _wants_html(request):
            return HTMLResponse(
                render_verification_page(None, number, lang=page_language(request)),
                status_code=404,
            )
        raise
    if _wants_html(request):
        return HTMLResponse(render_verification_page(report, number, lang=page_language(request)))
    return JSONResponse(VerificationView.model_validate(report.to_dict()).model_dump(mode="json"))


@router.post(
    "/verify",
    tags=["verification"],
    response_model=VerificationView,
    responses=PUBLIC,
    openapi_extra=DOCUMENT_BODY,
)
def verify_upload(
    found: AuthorityDep, body: Annotated[bytes, Depends(raw_body)]
) -> VerificationView:
    """Verify a certificate document of any form (JSON, JWT, XML or PDF) sent as the body,
    including whether the issuing body's register holds it."""
    return VerificationView.model_validate(found.verify_document(body).to_dict())


@router.get(
    "/status/{list_id}", tags=["verification"], response_model=dict[str, Any], responses=PUBLIC
)
def status_list(list_id: str, found: AuthorityDep) -> JSONResponse:
    """A signed W3C Bitstring Status List credential."""
    return JSONResponse(found.status_list(list_id), headers={"Cache-Control": "max-age=300"})


@router.get(
    "/.well-known/did.json", tags=["issuer"], response_model=dict[str, Any], responses=PUBLIC
)
def did(found: AuthorityDep) -> dict[str, Any]:
    return found.published("did.json")


@router.get(
    "/.well-known/jwks.json", tags=["issuer"], response_model=dict[str, Any], responses=PUBLIC
)
def keys(found: AuthorityDep) -> dict[str, Any]:
    return found.published("jwks.json")


@router.get("/healthz", tags=["operations"], response_model=HealthView, responses=PUBLIC)
def health(found: AuthorityDep) -> HealthView:
    """200 when the database answers and its schema is this code's; 503 otherwise."""
    return found.health()


@router.get(
    "/metrics",
    tags=["operations"],
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST
    )
