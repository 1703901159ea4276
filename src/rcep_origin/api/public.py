"""What anyone may call: verification (JSON, and the page a QR code opens), status lists, the
issuer's DID document and JWKS, health and metrics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.orm import Session

from rcep_origin.api.context import Services, services, session
from rcep_origin.api.problems import Problem
from rcep_origin.certificates.verification import VerificationReport, verify_credential_json
from rcep_origin.certificates.verification import verify_document as verify_any
from rcep_origin.store import schema
from rcep_origin.store.sql import SqlRegistry
from rcep_origin.web.pages import render_verification_page

router = APIRouter()
DbSession = Annotated[Session, Depends(session, scope="function")]
ServicesDep = Annotated[Services, Depends(services)]


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def _report_for(db: Session, svc: Services, number: str) -> VerificationReport:
    row = db.get(schema.CertificateRow, number)
    if row is None:
        raise Problem(404, "not-found", "No certificate with this number was issued here")
    return verify_credential_json(row.credential, svc.trust, SqlRegistry(db), datetime.now(UTC))


@router.get("/verify/{number}", tags=["verification"], response_model=None)
def verify_number(
    number: str,
    request: Request,
    db: DbSession,
    svc: ServicesDep,
) -> Response | dict[str, Any]:
    """The verification report of a certificate issued here. Browsers (the QR code) get the
    public page; programs get JSON. Neither shows more than the certificate's public fields."""
    try:
        report = _report_for(db, svc, number)
    except Problem:
        if _wants_html(request):
            return HTMLResponse(render_verification_page(None, number), status_code=404)
        raise
    if _wants_html(request):
        return HTMLResponse(render_verification_page(report, number))
    return report.to_dict()


@router.post("/verify", tags=["verification"])
async def verify_upload(
    request: Request,
    db: DbSession,
    svc: ServicesDep,
) -> dict[str, Any]:
    """Verify a certificate document of any form (JSON, JWT, XML or PDF) sent as the body."""
    body = await request.body()
    return verify_any(body, svc.trust, SqlRegistry(db)).to_dict()


@router.get("/status/{list_id}", tags=["verification"])
def status_list(list_id: str, db: DbSession) -> JSONResponse:
    row = db.get(schema.StatusListRow, list_id)
    if row is None or row.credential is None:
        raise Problem(404, "not-found", "No such status list")
    return JSONResponse(row.credential, headers={"Cache-Control": "max-age=300"})


@router.get("/.well-known/did.json", tags=["issuer"])
def did(svc: ServicesDep) -> dict[str, Any]:
    return svc.published_keys()[0]


@router.get("/.well-known/jwks.json", tags=["issuer"])
def keys(svc: ServicesDep) -> dict[str, Any]:
    return svc.published_keys()[1]


@router.get("/healthz", tags=["operations"])
def health(db: DbSession) -> dict[str, str]:
    db.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}


@router.get("/metrics", tags=["operations"])
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST
    )
