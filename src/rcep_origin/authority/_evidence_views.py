"""What the evidence log's use cases take and return (``_evidence``): typed views, so the HTTP
layer returns them as they are and OpenAPI documents every response."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rcep_origin import ledger
from rcep_origin.authority._views import View


class EvidenceInput(BaseModel):
    """A record to log: its hash and what it states, never the file (it stays with its owner)."""

    model_config = ConfigDict(extra="forbid")

    kind: ledger.EvidenceKind
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file, hex")
    size: int = Field(ge=0, le=2**62, description="the file's size in bytes")
    reference: str | None = Field(default=None, min_length=1, max_length=500)
    version: str | None = Field(
        default=None, min_length=1, max_length=500, description="a firmware log's version"
    )
    parties: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="the Parties a production log covers (ISO alpha-2)",
    )
    period_from: date | None = Field(default=None, description="the first day a log covers")
    period_to: date | None = Field(default=None, description="the last day a log covers")

    @model_validator(mode="after")
    def _consistent(self) -> EvidenceInput:
        if self.parties is not None and not all(re.match(r"^[A-Z]{2}$", p) for p in self.parties):
            raise ValueError("parties are ISO alpha-2 codes, e.g. CN")
        if self.period_from and self.period_to and self.period_to < self.period_from:
            raise ValueError("period_to is before period_from")
        return self


class EvidenceView(View):
    leaf_index: int
    leaf_hash: str = Field(description="RFC 9162 leaf hash, hex")
    sha256: str
    kind: str
    tree_size: int = Field(description="the log's size once this leaf was appended")
    time: str = Field(description="when the log took it (UTC)")
    existing: bool = Field(default=False, description="the same record was logged before")


class CheckpointView(View):
    """A signed checkpoint: the log of ``issuer`` had ``tree_size`` leaves and root
    ``root_hash`` at ``time``; verify ``signature`` with ``key_id`` from the issuer's
    ``did.json`` over the text ``ledger.checkpoint_message`` gives."""

    issuer: str
    tree_size: int
    root_hash: str
    time: str
    key_id: str
    signature: str = Field(description="Ed25519, base64url")


class InclusionProofView(View):
    leaf: str = Field(description="the exact leaf bytes, base64")
    leaf_index: int
    tree_size: int
    audit_path: list[str] = Field(description="RFC 9162 section 2.1.3.1, bottom-up, hex")
    root_hash: str
    checkpoint: CheckpointView


class ConsistencyProofView(View):
    first: int
    second: int
    first_root: str
    second_root: str
    path: list[str] = Field(description="RFC 9162 section 2.1.4.1, hex")
    checkpoint: CheckpointView | None = Field(description="the signed checkpoint of `second`")


class LogCheckView(View):
    tree_size: int
    checkpoints: int
    intact: bool
    reason: str
    published: int | None = Field(description="the size public/evidence-checkpoint.json names")


class SupplierDeclarationView(View):
    credential_id: str
    issuer: str = Field(description="the supplier's did:key")
    supplier: str = Field(description="the supplier's organisation in this register")
    material: str
    hs_code: str
    originating: bool
    origin_party: str
    valid_from: date
    valid_until: date
    revoked: datetime | None
    leaf_index: int
    leaf_hash: str
    credential: dict[str, Any]


class RelianceView(View):
    kind: str = Field(description="determination or certificate")
    subject: str = Field(description="the run id or the certificate number")
    declaration_id: str | None
    declaration_version: int | None
    material: str
    created: datetime
    status: str | None = Field(default=None, description="a certificate's status now")


class AffectedDeclarationView(View):
    declaration_id: str
    version: int
    findings: list[dict[str, Any]] = Field(description="pre-review findings, English")
    findings_zh: list[dict[str, Any]] = Field(description="the same findings in Chinese")


class CascadeView(View):
    """Everything that relied on a supplier declaration: what its revocation reaches."""

    credential_id: str
    revoked: datetime | None
    determinations: list[RelianceView]
    certificates: list[RelianceView]
    declarations: list[AffectedDeclarationView]
    note: str


class SupplierStatusListView(View):
    list_id: str
    issuer: str
    revoked: list[str] = Field(description="declarations this upload revoked")
    determinations_affected: int
    certificates_affected: int
