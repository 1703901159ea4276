"""Request bodies of the API (unknown fields are refused, like everywhere else)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rcep_origin.certificates.model import Invoice, Quantity
from rcep_origin.certificates.request import Shipment


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequestedItem(_Body):
    declaration_id: str = Field(min_length=1, max_length=64)
    version: int | None = Field(default=None, ge=1, description="default: the latest version")
    quantity: Quantity
    invoice: Invoice
    marks_and_packages: str | None = Field(default=None, max_length=1000)


class CertificateApplication(Shipment):
    """An application over HTTP: its goods name stored declarations (by id and version)."""

    items: list[RequestedItem] = Field(min_length=1, max_length=200)


class Refusal(_Body):
    reason: str = Field(min_length=1, max_length=2000)


class StatusChange(_Body):
    purpose: Literal["revocation", "suspension"] = "revocation"
    flagged: bool = True
    reason: str = Field(min_length=1, max_length=2000)
