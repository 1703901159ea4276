"""Request bodies of the API (unknown fields are refused, like everywhere else)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rcep_origin.certificates.model import (
    BackToBack,
    Consignment,
    Invoice,
    Organisation,
    Quantity,
    ThirdPartyInvoicing,
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequestedItem(_Body):
    declaration_id: str = Field(min_length=1, max_length=64)
    version: int | None = Field(default=None, ge=1, description="default: the latest version")
    quantity: Quantity
    invoice: Invoice
    marks_and_packages: str | None = Field(default=None, max_length=1000)


class CertificateApplication(_Body):
    exporter: Organisation
    producer: Organisation | None = None
    importer: Organisation
    consignment: Consignment
    items: list[RequestedItem] = Field(min_length=1, max_length=200)
    back_to_back: BackToBack | None = None
    third_party_invoicing: ThirdPartyInvoicing | None = None
    retroactive: bool = False
    remarks: str | None = Field(default=None, max_length=2000)


class Refusal(_Body):
    reason: str = Field(min_length=1, max_length=2000)


class StatusChange(_Body):
    purpose: Literal["revocation", "suspension"] = "revocation"
    flagged: bool = True
    reason: str = Field(min_length=1, max_length=2000)
