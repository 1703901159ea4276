"""The e-CO exchange over HTTP (issue 20): the importing customs' trust list, inbox and status
notices; the issuing body's peers and deliveries; the interface pre-check for ERP integrators;
and the badge and embeddable snippet of product pages. Each handler calls one use case of the
authority (``rcep_origin.authority``), which owns its transaction, authorisation and audit."""

from __future__ import annotations

import html
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from rcep_origin.api.context import (
    AuthorityDep,
    Body,
    Caller,
    StrictJsonRoute,
    json_body,
)
from rcep_origin.api.problems import AUTHENTICATED, MEDIA_TYPE, PROBLEM_SCHEMA, PUBLIC
from rcep_origin.authority import (
    DeliveryPassView,
    DeliveryView,
    EmbedView,
    InboxQuery,
    InboxRecordView,
    InboxSummaryView,
    InterfaceCheckView,
    NotFound,
    Outcome,
    PeerInput,
    PeerView,
    ReceiptView,
    StatusNotice,
    TrustedIssuerView,
    TrustInput,
    check_interface,
)
from rcep_origin.errors import InputError

router = APIRouter(route_class=StrictJsonRoute)


_RECEIPT = {"$ref": "#/components/schemas/ReceiptView"}
# The inbox answers a refused delivery with 422 and a signed negative receipt (JSON), and a
# request a rule refuses with 422 and a problem document: both are documented.
RECEIPTS: dict[int | str, dict[str, Any]] = {
    **AUTHENTICATED,
    200: {
        "description": "the same bytes again: the receipt they were given",
        "content": {"application/json": {"schema": _RECEIPT}},
    },
    201: {
        "description": "received, verified, classified and stored: a signed receipt",
        "content": {"application/json": {"schema": _RECEIPT}},
    },
    422: {
        "description": "refused (a tampered or invalid certificate): a signed negative receipt",
        "content": {
            "application/json": {"schema": _RECEIPT},
            MEDIA_TYPE: {"schema": PROBLEM_SCHEMA},
        },
    },
}
DOCUMENT = {
    "requestBody": {
        "required": True,
        "description": "a certificate in any form: JSON credential, JWT or XML",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in (
                "application/json",
                "application/vc+jwt",
                "application/xml",
                "application/octet-stream",
            )
        },
    }
}
CHECKED = {
    "requestBody": {
        "required": True,
        "description": "a certificate (JSON credential, JWT or XML), a declaration or an "
        "application, as an ERP system would send it",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/json", "application/xml", "application/octet-stream")
        },
    }
}
NOTICE = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": StatusNotice.model_json_schema()}},
    }
}


def _respond(outcome: Outcome[Any]) -> JSONResponse:
    headers = {"Idempotent-Replay": "true"} if outcome.replayed else None
    return JSONResponse(
        outcome.view.model_dump(mode="json"), status_code=outcome.status, headers=headers
    )


# --- the trust list (importing side) -------------------------------------------------------------


@router.get(
    "/v1/exchange/trust",
    tags=["exchange"],
    response_model=list[TrustedIssuerView],
    responses=AUTHENTICATED,
)
def list_trust(
    found: AuthorityDep, who: Caller, include_removed: bool = False
) -> list[TrustedIssuerView]:
    """The issuing bodies of other Parties whose certificates the inbox accepts, per Party,
    with their keys and lifetimes (customs and the issuing body of this register's Party)."""
    return found.trust_list(who, include_removed=include_removed)


@router.post(
    "/v1/exchange/trust",
    status_code=201,
    tags=["exchange"],
    response_model=TrustedIssuerView,
    responses=AUTHENTICATED,
)
def add_trust(entry: TrustInput, found: AuthorityDep, who: Caller) -> TrustedIssuerView:
    """Accept an issuing body of another Party by its published did.json (administrator: the
    issuing body of this register's Party); again, to take in its rotated keys. Audited."""
    return found.trust_add(who, entry)


@router.post(
    "/v1/exchange/trust/{did}/remove",
    tags=["exchange"],
    response_model=TrustedIssuerView,
    responses=AUTHENTICATED,
)
def remove_trust(did: str, found: AuthorityDep, who: Caller) -> TrustedIssuerView:
    """Stop accepting an issuing body (administrator). Audited."""
    return found.trust_remove(who, did)


# --- the inbox (importing side) ------------------------------------------------------------------


@router.post(
    "/v1/exchange/inbox",
    status_code=201,
    tags=["exchange"],
    response_model=ReceiptView,
    responses=RECEIPTS,
    openapi_extra=DOCUMENT,
)
def receive(found: AuthorityDep, who: Caller, body: Body) -> JSONResponse:
    """A certificate delivered by an issuing body of another Party (its API key), in any form:
    verified at once against the trust list (signature, key lifetime, validity, status from the
    issuer), classified (Appendix goods for Art. 2.6, RVC and its threshold, HS chapters),
    stored, and answered with a receipt signed by this register: 201 accepted, 422 refused,
    200 the same receipt for the same bytes."""
    return _respond(found.receive(who, body))


@router.post(
    "/v1/exchange/notices",
    status_code=201,
    tags=["exchange"],
    response_model=ReceiptView,
    responses=RECEIPTS,
    openapi_extra=NOTICE,
)
def receive_notice(found: AuthorityDep, who: Caller, body: Body) -> JSONResponse:
    """A revocation, suspension or reinstatement of a certificate delivered before: the inbox
    record is verified again and follows; the notice gets a signed receipt."""
    try:
        notice = StatusNotice.model_validate(json_body(body))
    except ValidationError as exc:
        problems = [
            (".".join(str(p) for p in error["loc"]), error["msg"])
            for error in exc.errors(include_url=False)
        ]
        raise InputError(problems[0][1], path=problems[0][0], problems=problems) from None
    return _respond(found.receive_notice(who, body, notice))


@router.get(
    "/v1/exchange/inbox",
    tags=["exchange"],
    response_model=list[InboxSummaryView],
    responses=AUTHENTICATED,
)
def list_inbox(
    found: AuthorityDep,
    who: Caller,
    verdict: Literal["valid", "invalid", "indeterminate"] | None = None,
    party: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    chapter: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    appendix: bool | None = None,
    status: Literal["in force", "revoked", "suspended", "unknown"] | None = None,
    number: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[InboxSummaryView]:
    """Certificates received, newest first (customs of this Party; an importer sees those of
    authentic certificates naming it), by verdict, exporting Party, HS chapter, Appendix flag,
    status or number."""
    query = InboxQuery(
        verdict=verdict,
        party=party,
        chapter=chapter,
        appendix=appendix,
        status=status,
        number=number,
        limit=limit,
        offset=offset,
    )
    return found.inbox(who, query)


@router.get(
    "/v1/exchange/inbox/{record_id}",
    tags=["exchange"],
    response_model=InboxRecordView,
    responses=AUTHENTICATED,
)
def get_inbox_record(record_id: str, found: AuthorityDep, who: Caller) -> InboxRecordView:
    """One record: the document as delivered, every check, the classification, the receipt and
    the status notices applied since."""
    return found.inbox_record(who, record_id)


# --- peers and deliveries (exporting side) -------------------------------------------------------


@router.get(
    "/v1/exchange/peers", tags=["exchange"], response_model=list[PeerView], responses=AUTHENTICATED
)
def list_peers(found: AuthorityDep, who: Caller) -> list[PeerView]:
    """The importing Parties' customs this issuing body delivers to."""
    return found.peers(who)


@router.post(
    "/v1/exchange/peers",
    status_code=201,
    tags=["exchange"],
    response_model=PeerView,
    responses=AUTHENTICATED,
)
def add_peer(peer: PeerInput, found: AuthorityDep, who: Caller) -> PeerView:
    """Deliver certificates for the importing Party ``party`` to its customs at ``url``, with
    the API key it created for this issuing body; its did.json verifies its receipts. From now
    on every certificate issued for that Party is queued in its issuance's transaction."""
    return found.peer_add(who, peer)


@router.post(
    "/v1/exchange/peers/{party}/remove",
    tags=["exchange"],
    response_model=PeerView,
    responses=AUTHENTICATED,
)
def remove_peer(party: str, found: AuthorityDep, who: Caller) -> PeerView:
    return found.peer_remove(who, party)


@router.post(
    "/v1/exchange/deliver",
    tags=["exchange"],
    response_model=DeliveryPassView,
    responses=AUTHENTICATED,
)
def deliver(found: AuthorityDep, who: Caller) -> DeliveryPassView:
    """Run one delivery pass now over every pending delivery, whatever its backoff (issuing
    body); the service's worker does the same on its own."""
    return found.deliver_now(who)


@router.get(
    "/v1/certificates/{number}/deliveries",
    tags=["exchange"],
    response_model=list[DeliveryView],
    responses=AUTHENTICATED,
)
def deliveries(number: str, found: AuthorityDep, who: Caller) -> list[DeliveryView]:
    """Where the certificate, and each change of its status, was delivered: queued,
    delivered, acknowledged or rejected (with the peer's reason), with the verified receipt."""
    return found.deliveries(who, number)


# --- interface pre-check ---------------------------------------------------------------------------


@router.post(
    "/v1/exchange/check",
    tags=["exchange"],
    response_model=InterfaceCheckView,
    responses=AUTHENTICATED,
    openapi_extra=CHECKED,
)
def check(who: Caller, body: Body) -> InterfaceCheckView:
    """Check a document an ERP system is about to send against the published schemas: every
    field-level problem with its path. Nothing is stored or issued."""
    return check_interface(body)


# --- product pages -----------------------------------------------------------------------------------


@router.get(
    "/v1/certificates/{number}/embed",
    tags=["exchange"],
    response_model=EmbedView,
    responses=AUTHENTICATED,
)
def embed(number: str, found: AuthorityDep, who: Caller) -> EmbedView:
    """The link, badge and JSON-LD snippet an exporter embeds on a product page."""
    return found.embed(who, number)


SVG = "image/svg+xml"
BADGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PUBLIC,
    200: {"description": "the badge", "content": {SVG: {"schema": {"type": "string"}}}},
    404: {
        "description": "no certificate with this number and hash: a 'not verified' badge",
        "content": {SVG: {"schema": {"type": "string"}}, MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
    },
}
COLOURS = {
    "in force": "#2e7d32",
    "revoked": "#c62828",
    "suspended": "#ef6c00",
    "expired": "#616161",
    "not verified": "#c62828",
}


@router.get(
    "/verify/{number}/badge.svg",
    tags=["verification"],
    response_class=Response,
    responses=BADGE_RESPONSES,
)
def badge(
    number: str,
    found: AuthorityDep,
    h: Annotated[
        str,
        Query(
            pattern=r"^[0-9a-fA-F]{16,64}$",
            description="the certificate's digest (or its first 16+ hex digits)",
        ),
    ],
) -> Response:
    """A small badge with the certificate's live status, for a product page. The link carries
    the certificate's digest, so a page cannot show another certificate's badge."""
    headers = {"Cache-Control": "max-age=60", "X-Content-Type-Options": "nosniff"}
    try:
        view = found.badge(number, h)
    except NotFound:
        svg = render_badge("not verified", "not verified / 未核验")
        return Response(svg, status_code=404, media_type=SVG, headers=headers)
    text = f"{view.status} / {view.label_zh.split('：', 1)[-1]}"
    return Response(render_badge(view.status, text), media_type=SVG, headers=headers)


def _width(text: str) -> int:
    # Verdana 11px: about 7 px a Latin letter, 12 px a CJK character.
    return sum(12 if ord(ch) > 0x2E80 else 7 for ch in text) + 10


def render_badge(status: str, text: str) -> str:
    label = "RCEP origin 原产地"
    left, right = _width(label), _width(text)
    colour = COLOURS.get(status, "#616161")
    label_x, text_x = left // 2, left + right // 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + right}" height="20" '
        f'role="img" aria-label="{html.escape(label)}: {html.escape(text)}">'
        f"<title>{html.escape(label)}: {html.escape(text)}</title>"
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,DejaVu Sans,Noto Sans CJK SC,sans-serif" font-size="11">'
        f'<text x="{label_x}" y="14">{html.escape(label)}</text>'
        f'<text x="{text_x}" y="14">{html.escape(text)}</text>'
        "</g></svg>"
    )
