"""From an application and its determinations to a certificate (Art. 3.17).

A certificate is issued only for goods each originating in its own right (Art. 3.17(4)(b)), with
an established RCEP country of origin (Annex 3B(i)); anything else is refused with the reason,
and nothing is issued.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from rcep_origin.certificates.model import (
    Certificate,
    DeterminationLink,
    GoodsItem,
    IssuingBody,
    MoneyAmount,
    Signatory,
    one_year_after,
)
from rcep_origin.certificates.request import CertificateRequest
from rcep_origin.errors import InputError
from rcep_origin.origin import Determination


class IssuanceRefused(InputError):
    """The application cannot be certified: a good is not originating, its origin cannot be
    decided, or the details clash. ``kind`` says which, as a stable word (HTTP problem types)."""

    kind = "not-originating"


class OriginUndecidable(IssuanceRefused):
    """A good's origin cannot be decided (e.g. its rule is not in the rule set): not a finding
    that it is not originating, and said differently."""

    kind = "undecidable"


@dataclass(frozen=True, slots=True)
class IssuingOffice:
    body: IssuingBody
    signatory: Signatory
    place_of_issue: str


def build_certificate(
    request: CertificateRequest,
    determinations: Sequence[Determination],
    *,
    number: str,
    office: IssuingOffice,
    issue_date: date,
) -> Certificate:
    if len(determinations) != len(request.items):
        raise ValueError("one determination per requested item")
    first = request.items[0].declaration
    # Annex 3B(a) and (c): the exporter is in the exporting Party and the importer in the
    # importing Party the goods are declared for; a certificate naming others is refused.
    if request.exporter.country != first.exporting_party:
        raise IssuanceRefused(
            f"the exporter is in {request.exporter.country}, the goods are exported from "
            f"{first.exporting_party}",
            path="exporter.country",
        )
    if request.importer.country != first.importing_party:
        raise IssuanceRefused(
            f"the importer is in {request.importer.country}, the goods are declared for "
            f"{first.importing_party}",
            path="importer.country",
        )
    goods = []
    for index, (item, verdict) in enumerate(zip(request.items, determinations, strict=True)):
        path = f"items[{index}]"
        declaration = item.declaration
        if (declaration.exporting_party, declaration.importing_party) != (
            first.exporting_party,
            first.importing_party,
        ):
            raise IssuanceRefused(
                "every good of one certificate goes from the same exporting Party to the same "
                "importing Party",
                path=f"{path}.declaration.importing_party",
            )
        if verdict.originating is None:
            # Undecidable is not "not originating": often the rule set lacks the good's row.
            raise OriginUndecidable(
                f"the good's origin is undecidable: {verdict.summary}", path=path
            )
        if verdict.originating is not True or verdict.criterion is None:
            raise IssuanceRefused(f"the good is not originating: {verdict.summary}", path=path)
        if verdict.rcep_country_of_origin is None:
            raise IssuanceRefused(
                "the RCEP country of origin is not established (Annex 3B(i) requires it): "
                + "; ".join(f"{m.field}: {m.reason}" for m in verdict.missing),
                path=path,
            )
        fob = declaration.fob_value
        goods.append(
            GoodsItem(
                item_number=index + 1,
                description=declaration.product.description,
                hs_code=declaration.product.hs_code,
                marks_and_packages=item.marks_and_packages,
                origin_criterion=verdict.criterion,
                flags=list(verdict.flags),
                rcep_country_of_origin=verdict.rcep_country_of_origin,
                quantity=item.quantity,
                fob_value=MoneyAmount(amount=fob.amount, currency=fob.currency)
                if verdict.criterion == "RVC"
                else None,
                invoice=item.invoice,
                determination=DeterminationLink(
                    determination_sha256=verdict.sha256(),
                    inputs_sha256=verdict.inputs_sha256,
                    ruleset_version=verdict.ruleset_version,
                    engine_version=verdict.engine_version,
                    evidence_leaves=item.evidence_leaves,
                ),
            )
        )
    try:
        return Certificate(
            number=number,
            exporting_party=first.exporting_party,
            importing_party=first.importing_party,
            exporter=request.exporter,
            producer=request.producer,
            importer=request.importer,
            goods=goods,
            consignment=request.consignment,
            issuing_body=office.body,
            signatory=office.signatory,
            place_of_issue=office.place_of_issue,
            issue_date=issue_date,
            valid_until=one_year_after(issue_date),
            back_to_back=request.back_to_back,
            third_party_invoicing=request.third_party_invoicing,
            retroactive=request.retroactive,
            remarks=request.remarks,
        )
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        message = error["msg"].removeprefix("Value error, ")
        raise IssuanceRefused(message, path=".".join(str(p) for p in error["loc"])) from None
