"""An application for a certificate of origin (Art. 3.17(1)-(2)): who ships what to whom, and the
declaration behind each good. The issuing body re-runs every determination itself; it never
certifies a verdict it did not compute."""

from __future__ import annotations

from pydantic import Field

from rcep_origin.certificates.model import (
    BackToBack,
    Consignment,
    Invoice,
    Organisation,
    Quantity,
    Sha256,
    ThirdPartyInvoicing,
    _Model,
)
from rcep_origin.declaration import Declaration


class ItemRequest(_Model):
    declaration: Declaration
    quantity: Quantity
    invoice: Invoice
    marks_and_packages: str | None = Field(default=None, max_length=1000)
    # Set by the issuing body's register, never taken from an application (issue 16).
    evidence_leaves: list[Sha256] | None = Field(default=None, min_length=1, max_length=64)


class Shipment(_Model):
    """What an application says besides its goods: the parties, the consignment and the
    Annex 3B indicators. The CLI's and the service's applications share it."""

    exporter: Organisation
    producer: Organisation | None = None
    importer: Organisation
    consignment: Consignment
    back_to_back: BackToBack | None = None
    third_party_invoicing: ThirdPartyInvoicing | None = None
    retroactive: bool = False
    remarks: str | None = Field(default=None, max_length=2000)


class CertificateRequest(Shipment):
    items: list[ItemRequest] = Field(min_length=1, max_length=200)
