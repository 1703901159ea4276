"""The authenticated API: declarations (immutable versions), determination and pre-review runs,
certificate requests, issuance, revocation, the audit chain. Each handler is an adapter: it
reads the request, calls one use case of the authority (``rcep_origin.authority``), which
owns the transaction, the authorisation rule and the audit entry, and returns its typed view."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from rcep_origin.api.context import (
    AuthorityDep,
    Body,
    Caller,
    Replay,
    StrictJsonRoute,
    json_body,
    respond,
)
from rcep_origin.api.problems import AUTHENTICATED
from rcep_origin.authority import (
    Application,
    AuditReport,
    CertificateView,
    DeclarationDocumentView,
    DeclarationVersionView,
    DeclarationView,
    DeterminationRunView,
    PrereviewRunView,
    Refusal,
    RequestView,
    RunView,
    StatusChange,
    StatusView,
)
from rcep_origin.declaration import Declaration

router = APIRouter(prefix="/v1", route_class=StrictJsonRoute)


# The declaration is read from the raw body (amounts as Decimal, errors with their path); its
# schema is still documented.
DECLARATION_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": Declaration.model_json_schema()}},
    }
}
PROBLEMS = AUTHENTICATED


# --- declarations ----------------------------------------------------------------------------


@router.post(
    "/declarations",
    status_code=201,
    tags=["declarations"],
    response_model=DeclarationVersionView,
    responses=PROBLEMS,
    openapi_extra=DECLARATION_BODY,
)
def create_declaration(found: AuthorityDep, who: Caller, body: Body, replay: Replay) -> Response:
    """Store a declaration (version 1). The body is a declaration document."""
    return respond(found.submit_declaration(who, json_body(body), idempotency=replay))


@router.post(
    "/declarations/{declaration_id}/versions",
    status_code=201,
    tags=["declarations"],
    response_model=DeclarationVersionView,
    responses=PROBLEMS,
    openapi_extra=DECLARATION_BODY,
)
def add_version(
    declaration_id: str, found: AuthorityDep, who: Caller, body: Body, replay: Replay
) -> Response:
    """A new immutable version of a declaration; earlier versions stay as they were."""
    return respond(
        found.submit_declaration(
            who, json_body(body), declaration_id=declaration_id, idempotency=replay
        )
    )


@router.get(
    "/declarations/{declaration_id}",
    tags=["declarations"],
    response_model=DeclarationView,
    responses=PROBLEMS,
)
def get_declaration(
    declaration_id: str, found: AuthorityDep, who: Caller
) -> DeclarationView | DeclarationDocumentView:
    return found.declaration(who, declaration_id)


@router.get(
    "/declarations/{declaration_id}/versions/{version}",
    tags=["declarations"],
    response_model=DeclarationDocumentView,
    responses=PROBLEMS,
)
def get_declaration_version(
    declaration_id: str, version: int, found: AuthorityDep, who: Caller
) -> DeclarationView | DeclarationDocumentView:
    return found.declaration(who, declaration_id, _version(version))


def _version(version: int | None) -> int | None:
    # Out of a database integer's range is simply not a version (never a 5xx).
    if version is not None and not 1 <= version < 2**31:
        from rcep_origin.authority import NotFound

        raise NotFound("No such declaration version")
    return version


# --- determinations --------------------------------------------------------------------------


@router.post(
    "/declarations/{declaration_id}/determinations",
    status_code=201,
    tags=["determinations"],
    response_model=DeterminationRunView,
    responses=PROBLEMS,
)
def run_determination(
    declaration_id: str,
    found: AuthorityDep,
    who: Caller,
    replay: Replay,
    version: int | None = None,
) -> Response:
    """Determine origin for a stored declaration version; the run and its verdict are kept."""
    return respond(found.determine(who, declaration_id, _version(version), idempotency=replay))


@router.post(
    "/declarations/{declaration_id}/prereviews",
    status_code=201,
    tags=["determinations"],
    response_model=PrereviewRunView,
    responses=PROBLEMS,
)
def run_prereview(
    declaration_id: str,
    request: Request,
    found: AuthorityDep,
    who: Caller,
    replay: Replay,
    version: int | None = None,
) -> Response:
    """Pre-review a stored declaration version: coded findings with severity, article and fix.
    The language follows ``Accept-Language`` (English or Chinese)."""
    lang = request.headers.get("accept-language", "en").split(",")[0].strip()
    return respond(
        found.prereview(who, declaration_id, _version(version), lang=lang, idempotency=replay)
    )


@router.get(
    "/runs/{run_id}",
    tags=["determinations"],
    response_model=RunView,
    responses=PROBLEMS,
)
def get_run(run_id: str, found: AuthorityDep, who: Caller) -> RunView:
    return found.run(who, run_id)


# --- certificate requests and issuance -------------------------------------------------------


@router.post(
    "/certificate-requests",
    status_code=201,
    tags=["certificates"],
    response_model=RequestView,
    responses=PROBLEMS,
)
def create_request(
    application: Application, found: AuthorityDep, who: Caller, replay: Replay
) -> Response:
    """Apply for a certificate. The exporter is the caller's registered identity. For an
    approved exporter whose goods all determine as originating, the certificate is issued at
    once; otherwise an issuing body decides."""
    return respond(found.apply(who, application, idempotency=replay))


@router.get(
    "/certificate-requests",
    tags=["certificates"],
    response_model=list[RequestView],
    responses=PROBLEMS,
)
def list_requests(found: AuthorityDep, who: Caller, state: str | None = None) -> list[RequestView]:
    return found.requests(who, state)


@router.get(
    "/certificate-requests/{request_id}",
    tags=["certificates"],
    response_model=RequestView,
    responses=PROBLEMS,
)
def get_request(request_id: str, found: AuthorityDep, who: Caller) -> RequestView:
    return found.request(who, request_id)


@router.post(
    "/certificate-requests/{request_id}/issue",
    status_code=201,
    tags=["certificates"],
    response_model=RequestView,
    responses=PROBLEMS,
)
def issue_request(request_id: str, found: AuthorityDep, who: Caller, replay: Replay) -> Response:
    """Issue the certificate (issuing bodies only), exactly once: concurrent calls get 409.
    Refused goods leave the request open."""
    return respond(found.issue(who, request_id, idempotency=replay))


@router.post(
    "/certificate-requests/{request_id}/refuse",
    tags=["certificates"],
    response_model=RequestView,
    responses=PROBLEMS,
)
def refuse_request(
    request_id: str, refusal: Refusal, found: AuthorityDep, who: Caller
) -> RequestView:
    return found.refuse(who, request_id, refusal.reason)


@router.get(
    "/certificates/{number}",
    tags=["certificates"],
    response_model=CertificateView,
    responses=PROBLEMS,
)
def get_certificate(number: str, found: AuthorityDep, who: Caller) -> CertificateView:
    return found.certificate(who, number)


@router.get(
    "/certificates/{number}/xml",
    tags=["certificates"],
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}, **PROBLEMS},
)
def get_certificate_xml(number: str, found: AuthorityDep, who: Caller) -> Response:
    return Response(found.certificate_forms(who, number).xml or b"", media_type="application/xml")


@router.get(
    "/certificates/{number}/pdf",
    tags=["certificates"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **PROBLEMS},
)
def get_certificate_pdf(number: str, found: AuthorityDep, who: Caller) -> Response:
    return Response(found.certificate_pdf(who, number), media_type="application/pdf")


@router.post(
    "/certificates/{number}/status",
    tags=["certificates"],
    response_model=StatusView,
    responses=PROBLEMS,
)
def change_status(
    number: str, change: StatusChange, found: AuthorityDep, who: Caller
) -> StatusView:
    """Revoke (final), suspend, or reinstate a suspended certificate: flips its bit and
    re-signs the list. A change that changes nothing, or undoes a revocation, is a 409."""
    return found.set_status(
        who, number, purpose=change.purpose, flagged=change.flagged, reason=change.reason
    )


@router.get(
    "/audit/verify",
    tags=["audit"],
    response_model=AuditReport,
    responses=PROBLEMS,
)
def verify_audit(found: AuthorityDep, who: Caller) -> AuditReport:
    """Recompute the audit chain; name the first broken link."""
    return found.verify_audit(who)
