"""The certificate of origin: every item of Annex 3B, as a validated value.

Annex 3B (minimum information requirements) for a Certificate of Origin:
(a) exporter, (b) producer if known, (c) importer or consignee, (d) description and 6-digit HS
code, (e) certificate number, (f) origin conferring criterion, (g) the exporter's declaration,
(h) the issuing body's certification with authorised signature, (i) RCEP country of origin
(Art. 2.6), (j) consignment details (invoice number, departure date, vessel or flight, port of
discharge), (k) FOB value if the RVC criterion is used, (l) quantity, (m) for a back-to-back
certificate the original proof's reference, date, RCEP country of origin and approved exporter
code. Art. 3.16(6): valid for one year from issue. Art. 3.17(4): one certificate may cover
several invoices and several goods, each originating in its own right.

A certificate carries no cost data: it links to the determination it was issued on by that
determination's hash, which an auditor can match against the issuing body's records.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from rcep_origin.declaration import bounded_decimal
from rcep_origin.hs import parse_hs_code
from rcep_origin.parties import require_party

VALIDITY_ARTICLE = "Art. 3.16(6)"

Criterion = Literal["WO", "PE", "CTC", "RVC", "CR"]
Flag = Literal["ACU", "DMI"]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str) -> str:
    # Control characters have no place on a certificate, and XML 1.0 cannot even carry most of
    # them; tabs and line breaks (CR, LF: addresses from any ERP) are allowed.
    if _CONTROL.search(value) is not None:
        raise ValueError("control characters are not allowed")
    return value


# Free text: checked for control characters (a field held to a pattern of letters and digits
# needs no such check, and a verifier validates thousands of certificates a second).
Text = Annotated[str, AfterValidator(_printable)]
PartyCode = Annotated[str, AfterValidator(require_party)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
# Bounded by the input policy before anything formats it ("1e99999999" would print 100 MB).
PlainDecimal = Annotated[
    Decimal,
    AfterValidator(bounded_decimal),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Organisation(_Model):
    name: Text = Field(min_length=1, max_length=300)
    address: Text = Field(min_length=1, max_length=600)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    identifier: Text | None = Field(
        default=None, max_length=100, description="e.g. tax or customs ID"
    )


class Quantity(_Model):
    value: PlainDecimal = Field(gt=0)
    unit: Text = Field(
        min_length=1, max_length=20, description="UN/ECE Rec. 20 code, e.g. PCE, KGM"
    )


class MoneyAmount(_Model):
    amount: PlainDecimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class Invoice(_Model):
    number: Text = Field(min_length=1, max_length=100)
    date: date


class DeterminationLink(_Model):
    """The determination a goods item was certified on, by hashes only (no cost data)."""

    determination_sha256: Sha256
    inputs_sha256: Sha256
    ruleset_version: Text
    engine_version: Text
    # Issue 16: the issuing body's evidence log leaves (RFC 9162 leaf hashes) of the records the
    # determination relied on -- the declaration's BOM version, its firmware and production
    # logs, its supplier declarations -- hashes only; absent on certificates without any.
    evidence_leaves: list[Sha256] | None = Field(default=None, min_length=1, max_length=64)


class GoodsItem(_Model):
    item_number: int = Field(ge=1)
    description: Text = Field(min_length=1, max_length=2000)
    hs_code: Text
    marks_and_packages: Text | None = Field(default=None, max_length=1000)
    origin_criterion: Criterion
    flags: list[Flag] = Field(default_factory=list)
    rcep_country_of_origin: PartyCode
    quantity: Quantity
    fob_value: MoneyAmount | None = None
    invoice: Invoice
    determination: DeterminationLink

    @field_validator("hs_code")
    @classmethod
    def _six_digits(cls, value: str) -> str:
        return str(parse_hs_code(value, min_level=6).truncated(6))

    @model_validator(mode="after")
    def _fob_only_with_rvc(self) -> GoodsItem:
        # Annex 3B(k): the FOB value is stated if, and only if, the RVC criterion is used; it is
        # commercially sensitive and never shown otherwise.
        if (self.origin_criterion == "RVC") != (self.fob_value is not None):
            raise ValueError(
                "fob_value is given when, and only when, origin_criterion is RVC (Annex 3B(k))"
            )
        if len(set(self.flags)) != len(self.flags):
            raise ValueError("flags repeat")
        return self


class Consignment(_Model):
    departure_date: date
    transport: Text = Field(
        min_length=1, max_length=300, description="vessel name, flight number, ..."
    )
    port_of_discharge: Text = Field(min_length=1, max_length=200)


class BackToBack(_Model):
    """Annex 3B(m): the original proof of origin of the first exporting Party."""

    original_reference: Text = Field(min_length=1, max_length=100)
    original_issue_date: date
    original_rcep_country_of_origin: str = Field(pattern=r"^[A-Z]{2}$")
    approved_exporter_code: Text | None = None


class ThirdPartyInvoicing(_Model):
    operator_name: Text = Field(min_length=1, max_length=300)
    operator_country: str = Field(pattern=r"^[A-Z]{2}$")


class IssuingBody(_Model):
    name: Text = Field(min_length=1, max_length=300)
    country: PartyCode
    id: Text = Field(description="the issuer's DID, e.g. did:web:co.example.org")


class Signatory(_Model):
    name: Text = Field(min_length=1, max_length=200)
    position: Text = Field(min_length=1, max_length=200)


class Certificate(_Model):
    number: str = Field(
        pattern=r"^[A-Z0-9][A-Z0-9-]{5,63}$", description="unique (Art. 3.17(3)(b))"
    )
    exporting_party: PartyCode
    importing_party: PartyCode
    exporter: Organisation
    producer: Organisation | None = None
    importer: Organisation
    goods: list[GoodsItem] = Field(min_length=1, max_length=200)
    consignment: Consignment
    exporter_declaration: Text = Field(
        default=(
            "The undersigned hereby declares that the above details and statement are correct, "
            "that all the goods were produced in the exporting Party and that they comply with "
            "the requirements specified for these goods in Chapter 3 of the RCEP Agreement."
        ),
        max_length=2000,
    )
    issuing_body: IssuingBody
    signatory: Signatory
    place_of_issue: Text = Field(min_length=1, max_length=200)
    issue_date: date
    valid_until: date
    back_to_back: BackToBack | None = None
    third_party_invoicing: ThirdPartyInvoicing | None = None
    retroactive: bool = False
    remarks: Text | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _consistent(self) -> Certificate:
        if self.exporting_party == self.importing_party:
            raise ValueError("exporting_party and importing_party are the same Party")
        if self.issuing_body.country != self.exporting_party:
            raise ValueError("the issuing body is of the exporting Party (Art. 3.17(1))")
        numbers = [item.item_number for item in self.goods]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("goods are numbered 1, 2, 3, ... in order")
        if self.valid_until != one_year_after(self.issue_date):
            raise ValueError(f"a certificate is valid one year from issue ({VALIDITY_ARTICLE})")
        if self.issue_date > self.consignment.departure_date and not self.retroactive:
            raise ValueError("issued after the departure date: mark the certificate retroactive")
        return self

    @property
    def uses_rvc(self) -> bool:
        return any(item.origin_criterion == "RVC" for item in self.goods)


def one_year_after(day: date) -> date:
    """The last day of validity: one year from the issue date (29 February rolls to 28)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def certificate_digest(certificate: Certificate) -> str:
    """SHA-256 (hex) of the certificate's Annex 3B content, the same from every form.

    The content is the model as JSON without absent optional items (exactly the credential
    subject less its ``type``), serialised with sorted keys, no white space and UTF-8: for this
    data (string keys, strings, integers, booleans) that is the JSON Canonicalization Scheme
    (RFC 8785), so anyone can recompute the digest with a JCS library. The JSON, JWT, XML and
    PDF forms of one certificate rebuild an equal model, hence one digest; a register keeps it
    to show a number was issued with exactly this content.
    """
    content = certificate.model_dump(mode="json", exclude_none=True)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # surrogatepass: a lone surrogate (possible from a JSON escape) digests, never crashes.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
