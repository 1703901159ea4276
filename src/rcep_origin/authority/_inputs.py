"""What the use cases take besides a declaration document (unknown fields are refused, like
everywhere else)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rcep_origin.certificates.model import Invoice, Organisation, Quantity
from rcep_origin.certificates.request import Shipment


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequestedItem(_Input):
    declaration_id: str = Field(min_length=1, max_length=64)
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="default: the latest version"
    )
    quantity: Quantity
    invoice: Invoice
    marks_and_packages: str | None = Field(default=None, max_length=1000)


class Application(Shipment):
    """An application over the API: its goods name stored declarations (by id and version).
    The exporter is the caller's registered identity; an ``exporter`` given here must be
    exactly that, or the application is refused."""

    exporter: Organisation | None = None  # type: ignore[assignment]
    items: list[RequestedItem] = Field(min_length=1, max_length=200)


class Refusal(_Input):
    reason: str = Field(min_length=1, max_length=2000)


class StatusChange(_Input):
    purpose: Literal["revocation", "suspension"] = "revocation"
    flagged: bool = True
    reason: str = Field(min_length=1, max_length=2000)
