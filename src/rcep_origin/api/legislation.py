"""The legislation bundle over HTTP (issue 14): which bundle this register decides under, the
issuing body's overlay rows (added and removed by it, every change audited), and rows exporters
propose for an issuing body to approve. Each handler calls one use case of the authority."""

from __future__ import annotations

from fastapi import APIRouter

from rcep_origin.api.context import AuthorityDep, Caller, StrictJsonRoute
from rcep_origin.api.problems import AUTHENTICATED
from rcep_origin.authority import (
    LegislationRowInput,
    LegislationRowView,
    LegislationView,
    NotFound,
    ProposalDecision,
    Refusal,
)

router = APIRouter(prefix="/v1/legislation", route_class=StrictJsonRoute, tags=["legislation"])


def _row_id(row_id: int) -> int:
    # Out of a database integer's range is simply not a row (never a 5xx).
    if not 1 <= row_id < 2**31:
        raise NotFound("No such row")
    return row_id


@router.get("", response_model=LegislationView, responses=AUTHENTICATED)
def get_legislation(found: AuthorityDep, who: Caller) -> LegislationView:
    """The bundle determinations here are decided under: its version, its layers (built-in
    catalogue, the service's rule directory, the register overlay), the overlay's rows and the
    proposals awaiting a decision (an exporter sees its own)."""
    return found.legislation(who)


@router.post("/rows", status_code=201, response_model=LegislationRowView, responses=AUTHENTICATED)
def add_row(row: LegislationRowInput, found: AuthorityDep, who: Caller) -> LegislationRowView:
    """Add an Annex 3A row to the register overlay (issuing body): parsed first, with its
    source; the bundle version changes and the change is audited."""
    return found.add_legislation_row(who, row)


@router.post("/rows/{row_id}/remove", response_model=LegislationRowView, responses=AUTHENTICATED)
def remove_row(
    row_id: int, refusal: Refusal, found: AuthorityDep, who: Caller
) -> LegislationRowView:
    """Take a row out of the register overlay (issuing body), with the reason (audited)."""
    return found.remove_legislation_row(who, _row_id(row_id), refusal.reason)


@router.post(
    "/proposals", status_code=201, response_model=LegislationRowView, responses=AUTHENTICATED
)
def propose_row(row: LegislationRowInput, found: AuthorityDep, who: Caller) -> LegislationRowView:
    """Propose a row (exporter): the official Annex 3A row for a good, with its source. It
    decides nothing until an issuing body approves it."""
    return found.propose_legislation_row(who, row)


@router.post(
    "/proposals/{row_id}/decision", response_model=LegislationRowView, responses=AUTHENTICATED
)
def decide_proposal(
    row_id: int, decision: ProposalDecision, found: AuthorityDep, who: Caller
) -> LegislationRowView:
    """Approve (the row joins the overlay) or reject a proposal (issuing body), with a reason."""
    return found.decide_proposal(who, _row_id(row_id), decision)
