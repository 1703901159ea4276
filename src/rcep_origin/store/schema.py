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


# --- the e-CO exchange (issue 20): store/exchange.py reads and writes these ---------------------


class TrustedIssuer(Base):
    """An issuing body of another Party whose certificates this register's inbox accepts: its
    ``did.json`` as published (keys, their lifetimes, XML signing certificates). A removal is a
    state, so the audit log and the row agree."""

    __tablename__ = "exchange_trusted_issuers"
    did: Mapped[str] = mapped_column(String(300), primary_key=True)
    party: Mapped[str] = mapped_column(String(2), index=True)
    name: Mapped[str | None] = mapped_column(String(300))
    document: Mapped[dict[str, Any]]
    jwks: Mapped[dict[str, Any] | None]
    document_sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))  # active | removed
    changed_by: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime]
    updated: Mapped[datetime]


class ExchangePeer(Base):
    """The importing Party's customs this issuing body delivers to: its inbox URL and its
    ``did.json`` (pinned, to verify its receipts). The API key it gave us stays a file in the
    home (keys are files), named by its public prefix here."""

    __tablename__ = "exchange_peers"
    party: Mapped[str] = mapped_column(String(2), primary_key=True)
    url: Mapped[str] = mapped_column(String(1000))
    form: Mapped[str] = mapped_column(String(10))  # json | jwt | xml
    receiver: Mapped[str] = mapped_column(String(300))  # the peer's DID
    receiver_document: Mapped[dict[str, Any]]
    key_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))  # active | removed
    changed_by: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime]
    updated: Mapped[datetime]


class OutboxRow(Base):
    """A delivery to a peer, written in the same transaction as the issuance or status change it
    carries (transactional outbox). Exactly once: one row per (Party, number, event, payload
    hash), and the peer keeps one record per (number, hash)."""

    __tablename__ = "exchange_outbox"
    __table_args__ = (UniqueConstraint("party", "number", "event", "payload_sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party: Mapped[str] = mapped_column(String(2))
    number: Mapped[str] = mapped_column(String(64), index=True)
    # certificate | revocation | suspension | reinstatement
    event: Mapped[str] = mapped_column(String(20))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(100))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    # queued | delivered | acknowledged | rejected
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime] = mapped_column(index=True)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    receipt: Mapped[dict[str, Any] | None]
    created: Mapped[datetime]
    delivered: Mapped[datetime | None]
    acknowledged: Mapped[datetime | None]


class InboxRow(Base):
    """A certificate delivered by a peer issuing body, verified and classified on arrival, with
    the signed receipt it was answered with. One row per (number, hash of the bytes): a repeated
    delivery gets the same receipt. Keyed by sender too: another peer sending the same bytes
    first must not decide the answer the issuing body gets."""

    __tablename__ = "exchange_inbox"
    __table_args__ = (UniqueConstraint("sender", "number", "sha256"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender: Mapped[str] = mapped_column(String(64), index=True)  # organisation id
    sender_party: Mapped[str] = mapped_column(String(2))
    number: Mapped[str] = mapped_column(String(64), index=True)  # "" when unreadable
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    form: Mapped[str] = mapped_column(String(10))
    document: Mapped[bytes] = mapped_column(LargeBinary)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    issuer: Mapped[str | None] = mapped_column(String(300))
    exporting_party: Mapped[str | None] = mapped_column(String(2), index=True)
    importing_party: Mapped[str | None] = mapped_column(String(2))
    importer_name: Mapped[str | None] = mapped_column(String(300))
    importer_identifier: Mapped[str | None] = mapped_column(String(100))
    verdict: Mapped[str] = mapped_column(String(20), index=True)
    accepted: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))  # in force | revoked | suspended | unknown
    reason: Mapped[str] = mapped_column(Text)
    checks: Mapped[dict[str, Any]]  # {"checks": [...]}: the verification report's checks
    classification: Mapped[dict[str, Any] | None]
    hs_chapters: Mapped[str] = mapped_column(String(400))  # ",84,85,": filtered with LIKE
    appendix_flagged: Mapped[bool] = mapped_column(Boolean)
    rvc: Mapped[bool] = mapped_column(Boolean)
    events: Mapped[dict[str, Any]]  # {"events": [...]}: status notices applied, in order
    receipt: Mapped[dict[str, Any]]
    received: Mapped[datetime]
    updated: Mapped[datetime]


class InboxNotice(Base):
    """A revocation, suspension or reinstatement delivered by a peer, with its signed receipt."""

    __tablename__ = "exchange_notices"
    __table_args__ = (UniqueConstraint("sender", "number", "sha256"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(20))
    notice: Mapped[dict[str, Any]]
    receipt: Mapped[dict[str, Any]]
    received: Mapped[datetime]


class PeerStatusList(Base):
    """The newest signed status list seen for a URL (fetched from its issuer, or carried by a
    status notice): what the inbox checks against when the issuer cannot be reached."""

    __tablename__ = "exchange_status_lists"
    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[str] = mapped_column(String(40))
    credential: Mapped[dict[str, Any]]
    updated: Mapped[datetime]


class LedgerEntry(Base):
    """A leaf of the issuing body's evidence log (RFC 9162; ``rcep_origin.ledger``): the exact
    leaf bytes, in log order, never changed or deleted. The other columns index what the leaf
    commits to, for look-ups and for who may see it."""

    __tablename__ = "ledger_entries"
    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # an evidence kind, certificate, audit_head, ...
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # the digest the leaf commits to
    subject: Mapped[str | None] = mapped_column(String(200), index=True)  # number, credential, ...
    owner: Mapped[str | None] = mapped_column(String(64), index=True)  # the organisation
    created: Mapped[datetime]


class LedgerNode(Base):
    """The hash of a perfect subtree of the log: ``2**level`` leaves from ``position <<
    level``. Level 0 holds the leaf hashes. Only ever inserted."""

    __tablename__ = "ledger_nodes"
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerCheckpoint(Base):
    """A signed checkpoint of the evidence log: its size and root at a time, by the issuer's
    key (``ledger.Checkpoint``)."""

    __tablename__ = "ledger_checkpoints"
    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(300))
    signature: Mapped[str] = mapped_column(String(200))


class SupplierKey(Base):
    """A supplier's own signing key (``did:key``), bound to its organisation by the first status
    list it signed and uploaded; a key belongs to one supplier."""

    __tablename__ = "supplier_keys"
    did: Mapped[str] = mapped_column(String(200), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    created: Mapped[datetime]


class SupplierStatusList(Base):
    """A supplier's W3C Bitstring Status List for its declarations, as it signed it."""

    __tablename__ = "supplier_status_lists"
    list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(200))
    credential: Mapped[dict[str, Any]]
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    updated: Mapped[datetime]


class SupplierCredential(Base):
    """A supplier declaration (W3C VC signed by the supplier), as submitted; logged as evidence.
    ``revoked`` is set when the supplier's status list says so."""

    __tablename__ = "supplier_credentials"
    __table_args__ = (UniqueConstraint("list_id", "status_index"),)
    credential_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(200))
    list_id: Mapped[str] = mapped_column(String(64))
    status_index: Mapped[int] = mapped_column(Integer)
    credential: Mapped[dict[str, Any]]
    sha256: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    leaf_index: Mapped[int] = mapped_column(BigInteger)
    created: Mapped[datetime]
    revoked: Mapped[datetime | None]


class SupplierReliance(Base):
    """That a determination or a certificate relied on a supplier declaration (it made a
    material originating): what a revocation reaches (the cascade report)."""

    __tablename__ = "supplier_reliances"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credential_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # determination | certificate
    subject: Mapped[str] = mapped_column(String(64), index=True)  # run id or certificate number
    declaration_id: Mapped[str | None] = mapped_column(String(64))
    declaration_version: Mapped[int | None]
    material: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime]
