"""The evidence log over HTTP (issue 16): exporters (and suppliers, and the issuing body) add the
hashes of their records; whoever may see an entry gets its inclusion proof; any caller with a
key gets consistency proofs; anyone gets the newest signed checkpoint. Suppliers upload their
signed status lists and declarations; the issuing body reads what a declaration's revocation
reaches. Each handler calls one use case of the authority."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from rcep_origin.api.context import (
    AuthorityDep,
    Body,
    Caller,
    Replay,
    StrictJsonRoute,
    json_body,
    respond,
)
from rcep_origin.api.problems import AUTHENTICATED, PUBLIC
from rcep_origin.authority import (
    CascadeView,
    CheckpointView,
    ConsistencyProofView,
    EvidenceInput,
    EvidenceView,
    InclusionProofView,
    LogCheckView,
    NotFound,
    SupplierDeclarationView,
    SupplierStatusListView,
)

router = APIRouter(route_class=StrictJsonRoute)

MAX_SIZE = 2**62  # a tree size or index beyond any log (never a 5xx)

CREDENTIAL_BODY = {
    "requestBody": {
        "required": True,
        "description": "a W3C Verifiable Credential signed by the supplier's did:key",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}
STATUS_LIST_BODY = {
    "requestBody": {
        "required": True,
        "description": "a BitstringStatusListCredential signed by the supplier's did:key",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post(
    "/v1/evidence",
    status_code=201,
    tags=["evidence"],
    response_model=EvidenceView,
    responses=AUTHENTICATED,
)
def add_evidence(item: EvidenceInput, found: AuthorityDep, who: Caller, replay: Replay) -> Response:
    """Log a record's SHA-256, kind and size (and the version, Parties and period it states):
    the file stays with its owner (Art. 3.27 record keeping). The same record again gives the
    entry it has (``existing``)."""
    return respond(found.add_evidence(who, item, idempotency=replay))


@router.get(
    "/v1/evidence/checkpoint",
    tags=["evidence"],
    response_model=CheckpointView,
    responses=PUBLIC,
)
def checkpoint(found: AuthorityDep) -> CheckpointView:
    """The evidence log's newest signed checkpoint (tree size, root, time), verifiable with
    the issuer's ``/.well-known/did.json``. Anyone may read it."""
    return found.evidence_checkpoint()


@router.get(
    "/v1/evidence/consistency",
    tags=["evidence"],
    response_model=ConsistencyProofView,
    responses=AUTHENTICATED,
)
def consistency(
    found: AuthorityDep,
    who: Caller,
    first: Annotated[int, Query(ge=0, le=MAX_SIZE)],
    second: Annotated[int | None, Query(ge=0, le=MAX_SIZE)] = None,
) -> ConsistencyProofView:
    """RFC 9162 section 2.1.4: the log at ``second`` leaves (default: the newest checkpoint)
    extends the log at ``first``."""
    return found.evidence_consistency(who, first, second)


@router.get(
    "/v1/evidence/check",
    tags=["evidence"],
    response_model=LogCheckView,
    responses=AUTHENTICATED,
)
def check(found: AuthorityDep, who: Caller) -> LogCheckView:
    """Recompute the whole log from its leaves (issuing body)."""
    return found.check_evidence_log(who)


@router.get(
    "/v1/evidence/certificates/{number}/proof",
    tags=["evidence"],
    response_model=InclusionProofView,
    responses=AUTHENTICATED,
)
def certificate_proof(number: str, found: AuthorityDep, who: Caller) -> InclusionProofView:
    """A certificate's entry in the log with its inclusion proof and signed checkpoint, to keep
    beside the certificate for an offline check (whoever may see the certificate)."""
    return found.certificate_proof(who, number)


@router.get(
    "/v1/evidence/{ref}/proof",
    tags=["evidence"],
    response_model=InclusionProofView,
    responses=AUTHENTICATED,
)
def proof(ref: str, found: AuthorityDep, who: Caller) -> InclusionProofView:
    """The inclusion proof of an entry the caller may see -- by leaf index, the SHA-256 of the
    logged file, or the leaf hash -- against the newest signed checkpoint."""
    return found.evidence_proof(who, ref)


# --- supplier declarations ---------------------------------------------------------------------


@router.put(
    "/v1/supplier-status-lists/{list_id}",
    tags=["suppliers"],
    response_model=SupplierStatusListView,
    responses=AUTHENTICATED,
    openapi_extra=STATUS_LIST_BODY,
)
def upload_status_list(
    list_id: str, found: AuthorityDep, who: Caller, body: Body
) -> SupplierStatusListView:
    """A supplier's revocation list, signed with its own key: the first upload binds the list
    and the key to the supplier; a later one may revoke (set bits), never reinstate."""
    return found.upload_supplier_status_list(who, list_id, json_body(body))


@router.post(
    "/v1/supplier-declarations",
    status_code=201,
    tags=["suppliers"],
    response_model=SupplierDeclarationView,
    responses=AUTHENTICATED,
    openapi_extra=CREDENTIAL_BODY,
)
def submit_declaration(found: AuthorityDep, who: Caller, body: Body, replay: Replay) -> Response:
    """A supplier's long-term declaration (a W3C VC signed with its own key, with an entry of
    its status list); logged as evidence. Exporters attach it to a BOM line by its id."""
    return respond(found.submit_supplier_declaration(who, json_body(body), idempotency=replay))


@router.get(
    "/v1/supplier-declarations/{credential_id}",
    tags=["suppliers"],
    response_model=SupplierDeclarationView,
    responses=AUTHENTICATED,
)
def get_declaration(
    credential_id: str, found: AuthorityDep, who: Caller
) -> SupplierDeclarationView:
    return found.supplier_declaration(who, credential_id)


@router.get(
    "/v1/supplier-declarations/{credential_id}/cascade",
    tags=["suppliers"],
    response_model=CascadeView,
    responses=AUTHENTICATED,
)
def cascade(credential_id: str, found: AuthorityDep, who: Caller) -> CascadeView:
    """Every determination and certificate that relied on the declaration, and the pre-review
    findings on each affected declaration (issuing body)."""
    return found.supplier_cascade(who, credential_id)


@router.get(
    "/status/suppliers/{list_id}",
    tags=["verification"],
    response_model=dict[str, Any],
    responses=PUBLIC,
)
def supplier_status_list(list_id: str, found: AuthorityDep) -> JSONResponse:
    """A supplier's signed W3C Bitstring Status List."""
    if len(list_id) > 64:
        raise NotFound("No such status list")
    return JSONResponse(
        found.supplier_status_list(list_id), headers={"Cache-Control": "max-age=300"}
    )
