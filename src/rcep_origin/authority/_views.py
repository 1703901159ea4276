"""What the use cases return: typed, JSON-ready views. The HTTP layer returns them as they are
(so OpenAPI documents every response) and the CLI prints them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator


class View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _with_offset(cls, value: Any) -> Any:
        # Every timestamp carries its offset: SQLite hands back naive datetimes for what was
        # stored in UTC.
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class DeclarationVersionView(View):
    declaration_id: str
    version: int
    sha256: str = Field(description="SHA-256 of the declaration's canonical JSON")
    created: datetime


class DeclarationDocumentView(DeclarationVersionView):
    document: dict[str, Any] = Field(description="the declaration as stored (immutable)")


class DeclarationView(DeclarationDocumentView):
    versions: list[DeclarationVersionView]


class DeterminationRunView(View):
    run_id: str
    declaration_id: str
    version: int
    determination: dict[str, Any] = Field(description="the verdict, its trace and its hashes")


class PrereviewRunView(View):
    run_id: str
    declaration_id: str
    version: int
    prereview: dict[str, Any] = Field(description="coded findings with severity and fix")


class RunView(View):
    run_id: str
    kind: str
    outcome: str
    result: dict[str, Any]
    created: datetime


class RequestView(View):
    request_id: str
    state: str = Field(description="submitted, issued or refused")
    reason: str | None
    certificate_number: str | None
    created: datetime
    decided: datetime | None
    application: dict[str, Any]
    credential: dict[str, Any] | None = Field(
        default=None, description="the signed credential, when this call issued it"
    )
    jwt: str | None = Field(default=None, description="the VC-JOSE form, when this call issued it")


class CertificateView(View):
    number: str
    credential: dict[str, Any]
    jwt: str
    created: datetime


class StatusView(View):
    number: str
    purpose: str
    flagged: bool


class AuditReport(View):
    entries: int
    intact: bool
    first_broken: int | None
    reason: str
    checkpoints: int = Field(default=0, description="signed checkpoints of the chain's head")
    last_checkpoint: int | None = None
    published_head: int | None = Field(
        default=None, description="the entry public/audit-head.json names"
    )


class MigrationReport(View):
    certificates: int
    status_lists: int
    sequences: dict[str, int]
    moved_to: str | None


class CheckView(View):
    name: str = Field(description="format, issuer, signature, key, validity, status or register")
    result: str = Field(description="pass, fail or unknown")
    reason: str


class VerificationView(View):
    """A verification report: public fields only (a certificate carries no cost data)."""

    verdict: str = Field(description="valid, invalid or indeterminate")
    valid: bool
    form: str = Field(description="json, jwt, xml, pdf or unknown")
    reason: str
    number: str | None
    issuer: str | None
    checks: list[CheckView]
    certificate: dict[str, Any] | None


class HealthView(View):
    status: str
    database: str
    schema_revision: str = Field(alias="schema", serialization_alias="schema")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


V = TypeVar("V", bound=View)


class Outcome(BaseModel, Generic[V]):
    """A creating call's result: its view, the HTTP status it stands for, and whether it is the
    stored answer to a retry with the same Idempotency-Key."""

    model_config = ConfigDict(frozen=True)

    view: V
    status: int = 201
    replayed: bool = False
