"""The authenticated API: declarations (immutable versions), determination runs, certificate
requests, issuance, revocation, the audit chain. Every state change writes an audit entry in
the same transaction; every creating call honours ``Idempotency-Key``."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from rcep_origin.api.context import (
    Idempotency,
    Services,
    idempotency,
    json_body,
    principal,
    require,
    services,
    session,
)
from rcep_origin.api.models import CertificateApplication, Refusal, StatusChange
from rcep_origin.api.problems import Problem
from rcep_origin.certificates.issuance import IssuanceRefused
from rcep_origin.certificates.request import CertificateRequest
from rcep_origin.declaration import canonical_json, validate_declaration
from rcep_origin.origin import determine
from rcep_origin.store import schema, sql

router = APIRouter(prefix="/v1")
EXPORTER, ISSUER, VERIFIER = "exporter", "issuing_body", "verifier"

# What handlers take: the request's unit of work (committed before the response is sent), the
# caller, restricted by role where an endpoint is, and idempotent replay of creating calls.
DbSession = Annotated[Session, Depends(session, scope="function")]
Caller = Annotated[sql.Principal, Depends(principal)]
ExporterOnly = Annotated[sql.Principal, Depends(require(EXPORTER))]
IssuerOnly = Annotated[sql.Principal, Depends(require(ISSUER))]
ExporterOrIssuer = Annotated[sql.Principal, Depends(require(EXPORTER, ISSUER))]
ServicesDep = Annotated[Services, Depends(services)]
Replay = Annotated[Idempotency, Depends(idempotency)]


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _created(
    db: Session, who: sql.Principal, replay: Idempotency, body: dict[str, Any], status: int = 201
) -> JSONResponse:
    replay.remember(db, who, status, body)
    return JSONResponse(body, status_code=status)


# --- declarations ----------------------------------------------------------------------------


def _version_summary(row: schema.DeclarationVersion) -> dict[str, Any]:
    return {
        "declaration_id": row.declaration_id,
        "version": row.version,
        "sha256": row.sha256,
        "created": row.created.isoformat(),
    }


def _store_version(
    db: Session, who: sql.Principal, declaration_id: str, raw: bytes
) -> schema.DeclarationVersion:
    declaration = validate_declaration(json_body(raw))
    document = declaration.model_dump(mode="json", by_alias=True, exclude_none=True)
    digest = hashlib.sha256(canonical_json(declaration).encode()).hexdigest()
    try:
        row = sql.add_declaration_version(db, who.organisation_id, declaration_id, document, digest)
    except PermissionError:
        raise Problem(404, "not-found", "No such declaration") from None
    sql.audit(
        db, who.actor, "declaration.version", f"{declaration_id}@{row.version}", {"sha256": digest}
    )
    return row


@router.post("/declarations", status_code=201, tags=["declarations"])
async def create_declaration(
    request: Request,
    db: DbSession,
    who: ExporterOnly,
    replay: Replay,
) -> Response:
    """Store a declaration (version 1). The body is a declaration document."""
    if replay.stored is not None:
        return replay.stored
    row = _store_version(db, who, _new_id("decl"), await request.body())
    return _created(db, who, replay, _version_summary(row))


@router.post("/declarations/{declaration_id}/versions", status_code=201, tags=["declarations"])
async def add_version(
    declaration_id: str,
    request: Request,
    db: DbSession,
    who: ExporterOnly,
    replay: Replay,
) -> Response:
    """A new immutable version of a declaration; earlier versions stay as they were."""
    if replay.stored is not None:
        return replay.stored
    if sql.declaration_version(db, declaration_id) is None:
        raise Problem(404, "not-found", "No such declaration")
    row = _store_version(db, who, declaration_id, await request.body())
    return _created(db, who, replay, _version_summary(row))


def _readable_version(
    db: Session, who: sql.Principal, declaration_id: str, version: int | None = None
) -> schema.DeclarationVersion:
    row = sql.declaration_version(db, declaration_id, version)
    # An exporter sees only its own declarations; an issuing body those named in a request.
    allowed = row is not None and (
        row.organisation_id == who.organisation_id
        or (who.role == ISSUER and _requested(db, declaration_id))
    )
    if row is None or not allowed:
        raise Problem(404, "not-found", "No such declaration")
    return row


def _requested(db: Session, declaration_id: str) -> bool:
    for application in db.execute(select(schema.CertificateRequestRow.application)).scalars():
        if any(item["declaration_id"] == declaration_id for item in application["items"]):
            return True
    return False


@router.get("/declarations/{declaration_id}", tags=["declarations"])
def get_declaration(
    declaration_id: str,
    db: DbSession,
    who: ExporterOrIssuer,
) -> dict[str, Any]:
    latest = _readable_version(db, who, declaration_id)
    return {
        **_version_summary(latest),
        "document": latest.document,
        "versions": [_version_summary(r) for r in sql.declaration_versions(db, declaration_id)],
    }


@router.get("/declarations/{declaration_id}/versions/{version}", tags=["declarations"])
def get_declaration_version(
    declaration_id: str,
    version: int,
    db: DbSession,
    who: ExporterOrIssuer,
) -> dict[str, Any]:
    row = _readable_version(db, who, declaration_id, version)
    return {**_version_summary(row), "document": row.document}


# --- determinations --------------------------------------------------------------------------


def _record_run(
    db: Session,
    who: sql.Principal,
    row: schema.DeclarationVersion,
    kind: str,
    outcome: str,
    result: dict[str, Any],
    audited: dict[str, Any],
) -> schema.Run:
    """Keep a run's result, and say so in the audit log, in the caller's transaction."""
    run = schema.Run(
        id=_new_id("run"),
        kind=kind,
        declaration_version_id=row.id,
        organisation_id=who.organisation_id,
        outcome=outcome,
        result=result,
        created=sql.now(),
    )
    db.add(run)
    sql.audit(
        db,
        who.actor,
        f"{kind}.run",
        run.id,
        {"declaration": f"{row.declaration_id}@{row.version}", **audited},
    )
    return run


@router.post(
    "/declarations/{declaration_id}/determinations", status_code=201, tags=["determinations"]
)
def run_determination(
    declaration_id: str,
    db: DbSession,
    who: ExporterOrIssuer,
    replay: Replay,
    version: int | None = None,
) -> Response:
    """Determine origin for a stored declaration version; the run and its verdict are kept."""
    if replay.stored is not None:
        return replay.stored
    row = _readable_version(db, who, declaration_id, version)
    verdict = determine(validate_declaration(row.document))
    run = _record_run(
        db,
        who,
        row,
        "determination",
        verdict.outcome.value,
        verdict.to_dict(),
        {"determination_sha256": verdict.sha256()},
    )
    return _created(
        db,
        who,
        replay,
        {
            "run_id": run.id,
            "declaration_id": declaration_id,
            "version": row.version,
            "determination": verdict.to_dict(),
        },
    )


def _prereview_context(db: Session, who: sql.Principal, excluding: str) -> Any:
    """The exporter's other declarations (latest versions), for the cross-declaration checks."""
    from rcep_origin.prereview import PreReviewContext

    latest: dict[str, schema.DeclarationVersion] = {}
    for row in sql.organisation_declarations(db, who.organisation_id):
        if (
            row.declaration_id != excluding
            and row.version >= latest.get(row.declaration_id, row).version
        ):
            latest[row.declaration_id] = row
    return PreReviewContext.from_declarations(
        (row.declaration_id, validate_declaration(row.document)) for row in latest.values()
    )


def _run_prereview(
    db: Session, who: sql.Principal, row: schema.DeclarationVersion, lang: str
) -> tuple[schema.Run, Any]:
    from rcep_origin.prereview import prereview

    owner = (
        sql.Principal(row.organisation_id, EXPORTER, "", False, "") if who.role != EXPORTER else who
    )
    review = prereview(
        validate_declaration(row.document),
        lang=lang,
        context=_prereview_context(db, owner, row.declaration_id),
        source=row.declaration_id,
    )
    run = _record_run(
        db,
        who,
        row,
        "prereview",
        review.verdict.value,
        review.to_dict(),
        {"verdict": review.verdict.value},
    )
    return run, review


@router.post("/declarations/{declaration_id}/prereviews", status_code=201, tags=["determinations"])
def run_prereview(
    declaration_id: str,
    request: Request,
    db: DbSession,
    who: ExporterOrIssuer,
    replay: Replay,
    version: int | None = None,
) -> Response:
    """Pre-review a stored declaration version: coded findings with severity, article and fix.
    The language follows ``Accept-Language`` (English or Chinese)."""
    if replay.stored is not None:
        return replay.stored
    row = _readable_version(db, who, declaration_id, version)
    run, review = _run_prereview(
        db, who, row, request.headers.get("accept-language", "en").split(",")[0].strip()
    )
    return _created(
        db,
        who,
        replay,
        {
            "run_id": run.id,
            "declaration_id": declaration_id,
            "version": row.version,
            "prereview": review.to_dict(),
        },
    )


@router.get("/runs/{run_id}", tags=["determinations"])
def get_run(
    run_id: str,
    db: DbSession,
    who: ExporterOrIssuer,
) -> dict[str, Any]:
    run = db.get(schema.Run, run_id)
    if run is None or (run.organisation_id != who.organisation_id and who.role != ISSUER):
        raise Problem(404, "not-found", "No such run")
    return {
        "run_id": run.id,
        "kind": run.kind,
        "outcome": run.outcome,
        "result": run.result,
        "created": run.created.isoformat(),
    }


# --- certificate requests and issuance -------------------------------------------------------


def _request_view(row: schema.CertificateRequestRow) -> dict[str, Any]:
    return {
        "request_id": row.id,
        "state": row.state,
        "reason": row.reason,
        "certificate_number": row.certificate_number,
        "created": row.created.isoformat(),
        "decided": None if row.decided is None else row.decided.isoformat(),
        "application": row.application,
    }


def _application_for_issue(db: Session, row: schema.CertificateRequestRow) -> CertificateRequest:
    items = []
    for item in row.application["items"]:
        version = sql.declaration_version(db, item["declaration_id"], item["version"])
        assert version is not None
        items.append(
            {
                **{
                    k: v
                    for k, v in item.items()
                    if k not in ("declaration_id", "version", "sha256")
                },
                "declaration": validate_declaration(version.document),
            }
        )
    return CertificateRequest.model_validate(
        {**{k: v for k, v in row.application.items() if k != "items"}, "items": items}
    )


def _issue(
    db: Session, svc: Services, row: schema.CertificateRequestRow, actor: str
) -> dict[str, Any]:
    issuer = svc.issuer(db, request_id=row.id, exporter_id=row.organisation_id)
    issued = issuer.issue([_application_for_issue(db, row)])[0]
    row.state, row.certificate_number, row.decided = "issued", issued.certificate.number, sql.now()
    sql.audit(
        db,
        actor,
        "certificate.issue",
        issued.certificate.number,
        {"request": row.id, "credential_sha256": sql.sha256_json(issued.credential)},
    )
    return {
        "certificate_number": issued.certificate.number,
        "credential": issued.credential,
        "jwt": issued.jwt,
    }


@router.post("/certificate-requests", status_code=201, tags=["certificates"])
def create_request(
    application: CertificateApplication,
    db: DbSession,
    svc: ServicesDep,
    who: ExporterOnly,
    replay: Replay,
) -> Response:
    """Apply for a certificate. For an approved exporter whose goods all determine as
    originating, the certificate is issued at once; otherwise an issuing body decides."""
    if replay.stored is not None:
        return replay.stored
    body = application.model_dump(mode="json")
    for index, item in enumerate(body["items"]):
        version = sql.declaration_version(db, item["declaration_id"], item["version"])
        if version is None or version.organisation_id != who.organisation_id:
            raise Problem(
                400, "bad-input", "No such declaration", field=f"items[{index}].declaration_id"
            )
        item["version"], item["sha256"] = version.version, version.sha256
    row = schema.CertificateRequestRow(
        id=_new_id("req"),
        organisation_id=who.organisation_id,
        application=body,
        state="submitted",
        reason=None,
        certificate_number=None,
        created=sql.now(),
        decided=None,
    )
    db.add(row)
    db.flush()
    sql.audit(db, who.actor, "request.submit", row.id, body)
    response: dict[str, Any] = {}
    if who.approved_exporter:
        # Automatic issue needs every good's pre-review free of rejections and its determination
        # originating (the issuance re-runs the latter); otherwise an issuing body decides.
        rejected = []
        for item in body["items"]:
            version = sql.declaration_version(db, item["declaration_id"], item["version"])
            assert version is not None
            review_run, review = _run_prereview(db, who, version, "en")
            if review.verdict.value == "reject":
                rejected.append(f"{item['declaration_id']}: pre-review {review_run.id} rejects it")
        if rejected:
            row.reason = "not issued automatically: " + "; ".join(rejected)
        else:
            try:
                with db.begin_nested():
                    response = _issue(db, svc, row, f"{who.actor} (approved exporter)")
            except IssuanceRefused as exc:
                row.reason = f"not issued automatically: {exc.path}: {exc.message}"
    return _created(db, who, replay, {**_request_view(row), **response})


@router.get("/certificate-requests", tags=["certificates"])
def list_requests(
    db: DbSession,
    who: ExporterOrIssuer,
    state: str | None = None,
) -> list[dict[str, Any]]:
    query = select(schema.CertificateRequestRow).order_by(schema.CertificateRequestRow.created)
    if who.role == EXPORTER:
        query = query.where(schema.CertificateRequestRow.organisation_id == who.organisation_id)
    if state is not None:
        query = query.where(schema.CertificateRequestRow.state == state)
    return [_request_view(r) for r in db.execute(query).scalars()]


def _request(db: Session, who: sql.Principal, request_id: str) -> schema.CertificateRequestRow:
    row = db.get(schema.CertificateRequestRow, request_id)
    if row is None or (who.role == EXPORTER and row.organisation_id != who.organisation_id):
        raise Problem(404, "not-found", "No such certificate request")
    return row


@router.get("/certificate-requests/{request_id}", tags=["certificates"])
def get_request(
    request_id: str,
    db: DbSession,
    who: ExporterOrIssuer,
) -> dict[str, Any]:
    return _request_view(_request(db, who, request_id))


@router.post("/certificate-requests/{request_id}/issue", status_code=201, tags=["certificates"])
def issue_request(
    request_id: str,
    db: DbSession,
    svc: ServicesDep,
    who: IssuerOnly,
    replay: Replay,
) -> Response:
    """Issue the certificate (issuing bodies only). Refused goods leave the request open."""
    if replay.stored is not None:
        return replay.stored
    row = _request(db, who, request_id)
    if row.state != "submitted":
        raise Problem(
            409,
            "request-decided",
            f"The request is already {row.state}",
            certificate_number=row.certificate_number,
        )
    try:
        with db.begin_nested():
            issued = _issue(db, svc, row, who.actor)
    except IssuanceRefused as exc:
        raise Problem(
            422, "not-originating", "The certificate cannot be issued", exc.message, field=exc.path
        ) from None
    return _created(db, who, replay, {**_request_view(row), **issued})


@router.post("/certificate-requests/{request_id}/refuse", tags=["certificates"])
def refuse_request(
    request_id: str,
    refusal: Refusal,
    db: DbSession,
    who: IssuerOnly,
) -> dict[str, Any]:
    row = _request(db, who, request_id)
    if row.state != "submitted":
        raise Problem(409, "request-decided", f"The request is already {row.state}")
    row.state, row.reason, row.decided = "refused", refusal.reason, sql.now()
    sql.audit(db, who.actor, "request.refuse", row.id, {"reason": refusal.reason})
    return _request_view(row)


def _certificate(db: Session, who: sql.Principal, number: str) -> schema.CertificateRow:
    row = db.get(schema.CertificateRow, number)
    if row is None or (
        who.role == EXPORTER and row.exporter_organisation_id != who.organisation_id
    ):
        raise Problem(404, "not-found", "No such certificate")
    return row


@router.get("/certificates/{number}", tags=["certificates"])
def get_certificate(
    number: str,
    db: DbSession,
    who: Caller,
) -> dict[str, Any]:
    row = _certificate(db, who, number)
    return {
        "number": row.number,
        "credential": row.credential,
        "jwt": row.jwt,
        "created": row.created.isoformat(),
    }


@router.get("/certificates/{number}/xml", tags=["certificates"])
def get_certificate_xml(
    number: str,
    db: DbSession,
    who: Caller,
) -> Response:
    row = _certificate(db, who, number)
    return Response(row.xml or b"", media_type="application/xml")


@router.get("/certificates/{number}/pdf", tags=["certificates"])
def get_certificate_pdf(
    number: str,
    db: DbSession,
    svc: ServicesDep,
    who: Caller,
) -> Response:
    from rcep_origin.certificates.credential import certificate_from_credential
    from rcep_origin.certificates.pdf import render_pdf

    row = _certificate(db, who, number)
    signed = (json.dumps(row.credential, indent=2, ensure_ascii=False) + "\n").encode()
    pdf = render_pdf(
        certificate_from_credential(row.credential),
        signed_credential=signed,
        verification_url=svc.keystore.profile().verify_link(number),
        jwt=row.jwt,
    )
    return Response(pdf, media_type="application/pdf")


@router.post("/certificates/{number}/status", tags=["certificates"])
def change_status(
    number: str,
    change: StatusChange,
    db: DbSession,
    svc: ServicesDep,
    who: IssuerOnly,
) -> dict[str, Any]:
    """Revoke (final) or suspend / reinstate a certificate: flips its bit and re-signs the list."""
    _certificate(db, who, number)
    svc.issuer(db).set_status(number, purpose=change.purpose, flagged=change.flagged)
    sql.audit(db, who.actor, f"certificate.{change.purpose}", number, change.model_dump())
    return {"number": number, "purpose": change.purpose, "flagged": change.flagged}


@router.get("/audit/verify", tags=["audit"])
def verify_audit(db: DbSession, who: IssuerOnly) -> dict[str, Any]:
    """Recompute the audit chain; name the first broken link."""
    return sql.verify_audit_chain(db).to_dict()
