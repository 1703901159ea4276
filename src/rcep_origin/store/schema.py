"""The service's tables (SQLAlchemy 2). Migrations in ``migrations/`` create them; this module
is their single description, used by the repository code and by Alembic's autogenerate check."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class Organisation(Base):
    """An exporter or producer, an issuing body, or an importer/customs office (verifier)."""

    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # exporter | issuing_body | verifier
    party: Mapped[str] = mapped_column(String(2))
    # The registered legal identity a certificate names (Annex 3B(a)): taken from here, never
    # from what an application says.
    address: Mapped[str | None] = mapped_column(String(600))
    identifier: Mapped[str | None] = mapped_column(String(100))
    approved_exporter: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime]


class ApiKey(Base):
    """API keys are stored as SHA-256 of a 256-bit random secret: a leaked table reveals none."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # public prefix of the key
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime]
    revoked: Mapped[datetime | None]


class DeclarationVersion(Base):
    """Immutable: a change is a new version with its own hash."""

    __tablename__ = "declaration_versions"
    __table_args__ = (UniqueConstraint("declaration_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int]
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]
    created: Mapped[datetime]


class Run(Base):
    """A determination or pre-review run on one declaration version."""

    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # determination | prereview
    declaration_version_id: Mapped[int] = mapped_column(
        ForeignKey("declaration_versions.id"), index=True
    )
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any]]
    created: Mapped[datetime]


class CertificateRequestRow(Base):
    __tablename__ = "certificate_requests"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    application: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(20))  # submitted | issued | refused
    reason: Mapped[str | None] = mapped_column(Text)
    certificate_number: Mapped[str | None] = mapped_column(String(64))
    created: Mapped[datetime]
    decided: Mapped[datetime | None]


class CertificateRow(Base):
    __tablename__ = "certificates"
    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str | None] = mapped_column(
        ForeignKey("certificate_requests.id"), index=True
    )
    exporter_organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    credential: Mapped[dict[str, Any]]
    jwt: Mapped[str] = mapped_column(Text)
    xml: Mapped[bytes | None] = mapped_column(LargeBinary)
    # certificates.certificate_digest of the Annex 3B content: the register entry online
    # verification compares a presented certificate with (back-dating, forgery).
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    created: Mapped[datetime]


class StatusListRow(Base):
    """One status list. Entries are handed out by walking ``allocated`` through a keyed
    permutation of ``0 .. capacity-1`` (``certificates.IndexPermutation`` under ``secret``); a
    full list is closed and the next one opened."""

    __tablename__ = "status_lists"
    list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str | None] = mapped_column(String(20), index=True)
    number: Mapped[int | None]  # 1, 2, ... within its purpose
    capacity: Mapped[int | None]
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    credential: Mapped[dict[str, Any] | None]
    updated: Mapped[datetime | None]


class StatusIndex(Base):
    __tablename__ = "status_indexes"
    list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)


class Sequence(Base):
    __tablename__ = "sequences"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class IdempotencyRecord(Base):
    """A creating call's response, kept under its Idempotency-Key: a retry gets the same answer."""

    __tablename__ = "idempotency"
    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]]
    created: Mapped[datetime]


class AuditEntry(Base):
    """Append-only, hash-chained: each entry's hash covers its fields and the previous hash."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200))
    data_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LegislationRow(Base):
    """A product-specific rule row of the issuing body's register overlay (issue 14): added by
    the issuing body, or proposed by an exporter and approved or rejected by it. Rows are never
    deleted: a removal is a state, so the audit log and the row agree."""

    __tablename__ = "legislation_rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hs_code: Mapped[str] = mapped_column(String(12))
    hs_edition: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(String(20), default="transcribed")
    checked_by: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), index=True)  # proposed|approved|rejected|removed
    proposed_by: Mapped[str] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime]
    decided: Mapped[datetime | None]


class AuditCheckpoint(Base):
    """A signed statement of the audit chain's head: "entry ``seq`` has hash ``head_hash``",
    signed by the issuer's key. Rewriting the chain (even with recomputed hashes) breaks a
    checkpoint; deleting its newest entries shows against the head the issuer published."""

    __tablename__ = "audit_checkpoints"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(300))
    signature: Mapped[str] = mapped_column(String(200))
