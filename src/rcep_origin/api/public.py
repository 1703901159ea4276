"""What anyone may call: verification (JSON, and the page a QR code opens), status lists, the
issuer's DID document and JWKS, health and metrics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from rcep_origin.api.context import authority, raw_body
from rcep_origin.authority import Authority, NotFound
from rcep_origin.web.pages import render_verification_page

router = APIRouter()
AuthorityDep = Annotated[Authority, Depends(authority)]


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


@router.get("/verify/{number}", tags=["verification"], response_model=None)
def verify_number(number: str, request: Request, found: AuthorityDep) -> Response | dict[str, Any]:
    """The verification report of a certificate issued here, checked against the register.
    Browsers (the QR code) get the public page; programs get JSON. Neither shows more than the
    certificate's public fields."""
    try:
        report = found.verify_number(number)
    except NotFound:
        if _wants_html(request):
            return HTMLResponse(render_verification_page(None, number), status_code=404)
        raise
    if _wants_html(request):
        return HTMLResponse(render_verification_page(report, number))
    return report.to_dict()


@router.post("/verify", tags=["verification"])
def verify_upload(found: AuthorityDep, body: Annotated[bytes, Depends(raw_body)]) -> dict[str, Any]:
    """Verify a certificate document of any form (JSON, JWT, XML or PDF) sent as the body,
    including whether the issuing body's register holds it."""
    return found.verify_document(body).to_dict()


@router.get("/status/{list_id}", tags=["verification"])
def status_list(list_id: str, found: AuthorityDep) -> JSONResponse:
    return JSONResponse(found.status_list(list_id), headers={"Cache-Control": "max-age=300"})


@router.get("/.well-known/did.json", tags=["issuer"])
def did(found: AuthorityDep) -> dict[str, Any]:
    return found.published("did.json")


@router.get("/.well-known/jwks.json", tags=["issuer"])
def keys(found: AuthorityDep) -> dict[str, Any]:
    return found.published("jwks.json")


@router.get("/healthz", tags=["operations"])
def health(found: AuthorityDep) -> dict[str, str]:
    """200 when the database answers and its schema is this code's; 503 otherwise."""
    return found.health()


@router.get("/metrics", tags=["operations"])
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST
    )
