"""Repository functions over the service's tables. Each takes the caller's session, so a
request's changes -- state and its audit entry -- commit together or not at all."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rcep_origin.certificates.credential import (
    StatusEntry,
    certificate_from_credential,
    status_entries,
)
from rcep_origin.certificates.issuer import IssuedCertificate
from rcep_origin.certificates.model import certificate_digest
from rcep_origin.certificates.status_list import MIN_ENTRIES, Bitstring, IndexPermutation
from rcep_origin.store import schema

ROLES = ("exporter", "issuing_body", "verifier", "supplier")  # supplier: issue 16
GENESIS = "0" * 64


def now() -> datetime:
    return datetime.now(UTC)


def sha256_json(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def _locked_sequence(session: Session, name: str) -> schema.Sequence | None:
    return session.execute(
        select(schema.Sequence).where(schema.Sequence.name == name).with_for_update()
    ).scalar_one_or_none()


def _next(session: Session, name: str) -> int:
    """A gap-free counter, locked to the end of the transaction (PostgreSQL row lock; SQLite
    writers are serialised by BEGIN IMMEDIATE). A rolled-back transaction consumes no number."""
    row = _locked_sequence(session, name)
    if row is None:
        # Two first uses may race to create the counter: the loser's insert fails inside its
        # savepoint, and it then waits on the winner's row lock like any later caller.
        try:
            with session.begin_nested():
                session.add(schema.Sequence(name=name, value=0))
        except IntegrityError:
            pass
        row = _locked_sequence(session, name)
        assert row is not None
    row.value += 1
    session.flush()
    return int(row.value)


# --- organisations and keys ------------------------------------------------------------------


def create_organisation(
    session: Session,
    *,
    id: str,
    name: str,
    role: str,
    party: str,
    approved_exporter: bool = False,
    address: str | None = None,
    identifier: str | None = None,
) -> schema.Organisation:
    if role not in ROLES:
        raise ValueError(f"role is one of {ROLES}")
    organisation = schema.Organisation(
        id=id,
        name=name,
        role=role,
        party=party,
        approved_exporter=approved_exporter,
        address=address,
        identifier=identifier,
        created=now(),
    )
    session.add(organisation)
    session.flush()
    return organisation


def create_api_key(session: Session, organisation_id: str) -> str:
    """A new key; the secret is returned once and only its hash is kept."""
    prefix = "rk_" + secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    session.add(
        schema.ApiKey(
            id=prefix,
            organisation_id=organisation_id,
            secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
            created=now(),
            revoked=None,
        )
    )
    session.flush()
    return f"{prefix}.{secret}"


@dataclass(frozen=True)
class Principal:
    organisation_id: str
    role: str
    party: str
    approved_exporter: bool
    key_id: str

    @property
    def actor(self) -> str:
        return f"{self.organisation_id}/{self.key_id}"


def authenticate(session: Session, token: str) -> Principal | None:
    prefix, _, secret = token.partition(".")
    if not prefix.startswith("rk_") or not secret:
        return None
    key = session.get(schema.ApiKey, prefix)
    if key is None or key.revoked is not None:
        return None
    if not hmac.compare_digest(key.secret_sha256, hashlib.sha256(secret.encode()).hexdigest()):
        return None
    organisation = session.get(schema.Organisation, key.organisation_id)
    assert organisation is not None
    return Principal(
        organisation.id,
        organisation.role,
        organisation.party,
        organisation.approved_exporter,
        key.id,
    )


# --- audit log -------------------------------------------------------------------------------


def _entry_hash(
    seq: int, at: datetime, actor: str, action: str, subject: str, data_sha256: str, prev_hash: str
) -> str:
    fields = [
        str(seq),
        at.astimezone(UTC).isoformat(),
        actor,
        action,
        subject,
        data_sha256,
        prev_hash,
    ]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def audit(session: Session, actor: str, action: str, subject: str, data: Any) -> schema.AuditEntry:
    """Append an entry chained to the previous one, in the caller's transaction."""
    seq = _next(session, "audit")
    previous = session.get(schema.AuditEntry, seq - 1) if seq > 1 else None
    prev_hash = previous.hash if previous is not None else GENESIS
    at = now().replace(microsecond=0)
    data_sha256 = sha256_json(data)
    entry = schema.AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data_sha256=data_sha256,
        prev_hash=prev_hash,
        hash=_entry_hash(seq, at, actor, action, subject, data_sha256, prev_hash),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    intact: bool
    first_broken: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "intact": self.intact,
            "first_broken": self.first_broken,
            "reason": self.reason,
        }


def verify_audit_chain(session: Session) -> ChainReport:
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for entry in session.execute(
        select(schema.AuditEntry).order_by(schema.AuditEntry.seq)
    ).scalars():
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(count, False, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return ChainReport(count, False, entry.seq, "its link to the previous entry is broken")
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
        if entry.hash != _entry_hash(
            entry.seq,
            at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.data_sha256,
            entry.prev_hash,
        ):
            return ChainReport(count, False, entry.seq, "its content does not match its hash")
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    return ChainReport(count, True, None, f"{count} entries, chain intact")


# --- idempotency -----------------------------------------------------------------------------


def idempotent_response(
    session: Session, organisation_id: str, key: str
) -> schema.IdempotencyRecord | None:
    return session.get(schema.IdempotencyRecord, (organisation_id, key))


def remember_response(
    session: Session,
    organisation_id: str,
    key: str,
    request_sha256: str,
    status_code: int,
    response: dict[str, Any],
) -> None:
    session.add(
        schema.IdempotencyRecord(
            organisation_id=organisation_id,
            key=key,
            request_sha256=request_sha256,
            status_code=status_code,
            response=response,
            created=now(),
        )
    )
    session.flush()


# --- declarations and runs -------------------------------------------------------------------


def add_declaration_version(
    session: Session,
    organisation_id: str,
    declaration_id: str,
    document: dict[str, Any],
    sha256: str,
) -> schema.DeclarationVersion:
    latest = session.execute(
        select(schema.DeclarationVersion)
        .where(schema.DeclarationVersion.declaration_id == declaration_id)
        .order_by(schema.DeclarationVersion.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    if latest is not None and latest.organisation_id != organisation_id:
        raise PermissionError("declaration belongs to another organisation")
    row = schema.DeclarationVersion(
        declaration_id=declaration_id,
        version=1 if latest is None else latest.version + 1,
        organisation_id=organisation_id,
        sha256=sha256,
        document=document,
        created=now(),
    )
    session.add(row)
    session.flush()
    return row


def declaration_version(
    session: Session, declaration_id: str, version: int | None = None
) -> schema.DeclarationVersion | None:
    query = select(schema.DeclarationVersion).where(
        schema.DeclarationVersion.declaration_id == declaration_id
    )
    if version is not None:
        query = query.where(schema.DeclarationVersion.version == version)
    return session.execute(
        query.order_by(schema.DeclarationVersion.version.desc()).limit(1)
    ).scalar_one_or_none()


def declaration_versions(
    session: Session, declaration_id: str
) -> Sequence[schema.DeclarationVersion]:
    return (
        session.execute(
            select(schema.DeclarationVersion)
            .where(schema.DeclarationVersion.declaration_id == declaration_id)
            .order_by(schema.DeclarationVersion.version)
        )
        .scalars()
        .all()
    )


def organisation_declarations(
    session: Session, organisation_id: str
) -> Sequence[schema.DeclarationVersion]:
    return (
        session.execute(
            select(schema.DeclarationVersion).where(
                schema.DeclarationVersion.organisation_id == organisation_id
            )
        )
        .scalars()
        .all()
    )


# --- the issuer's registry on SQL ------------------------------------------------------------


class SqlRegistry:
    """``certificates.issuer.Registry`` over the database, inside the caller's session: the one
    register of an issuing body, whether the CLI or the service issues."""

    def __init__(
        self,
        session: Session,
        *,
        request_id: str | None = None,
        exporter_id: str | None = None,
        status_capacity: int = MIN_ENTRIES,
        issuer_did: str | None = None,
    ):
        if not 0 < status_capacity <= MIN_ENTRIES:
            raise ValueError(f"a status list's capacity is 1..{MIN_ENTRIES}")
        self.session = session
        self.request_id = request_id
        self.exporter_id = exporter_id
        self.status_capacity = status_capacity
        if issuer_did is not None:
            # certificates.Register: the register speaks for this issuer's certificates only.
            self.issuer_did = issuer_did

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield  # the caller's unit of work is the transaction

    def next_sequence(self, year: int) -> int:
        return _next(self.session, f"certificate-{year}")

    # -- status lists ---------------------------------------------------------------------
    def _open_list(self, purpose: str) -> schema.StatusListRow:
        """The purpose's newest list, locked; a list made before lists could grow (0001) is
        adopted with a fresh secret (its random indexes stay reserved in status_indexes)."""
        row = self.session.execute(
            select(schema.StatusListRow)
            .where(schema.StatusListRow.purpose == purpose)
            .order_by(schema.StatusListRow.number.desc())
            .limit(1)
            .with_for_update()
        ).scalar_one_or_none()
        if row is None:
            legacy = self.session.get(schema.StatusListRow, f"{purpose}-1", with_for_update=True)
            if legacy is not None:
                legacy.purpose, legacy.number = purpose, 1
                legacy.capacity, legacy.secret = MIN_ENTRIES, secrets.token_bytes(32)
                legacy.allocated = legacy.allocated or 0
                self.session.flush()
                return legacy
            return self._new_list(purpose, 1)
        return row

    def _new_list(self, purpose: str, number: int) -> schema.StatusListRow:
        row = schema.StatusListRow(
            list_id=f"{purpose}-{number}",
            purpose=purpose,
            number=number,
            capacity=self.status_capacity,
            allocated=0,
            secret=secrets.token_bytes(32),
            bits=bytes(Bitstring().bits),
            credential=None,
            updated=now(),
        )
        self.session.add(row)
        self.session.flush()
        return row

    def allocate_status(self, purpose: str) -> tuple[str, int]:
        """Walk the open list's permutation to the next index not yet taken; a full list is
        left as it is and the next one opened. Every step advances, so this always ends."""
        row = self._open_list(purpose)
        while True:
            capacity = row.capacity or MIN_ENTRIES
            assert row.secret is not None
            permutation = IndexPermutation(row.secret, capacity)
            while row.allocated < capacity:
                index = permutation.index(row.allocated)
                row.allocated += 1
                if self.session.get(schema.StatusIndex, (row.list_id, index)) is None:
                    self.session.add(schema.StatusIndex(list_id=row.list_id, index=index))
                    self.session.flush()
                    return row.list_id, index
            row = self._new_list(purpose, (row.number or 1) + 1)

    def status_bits(self, list_id: str) -> Bitstring:
        row = self.session.get(schema.StatusListRow, list_id, with_for_update=True)
        return Bitstring() if row is None else Bitstring(bits=bytearray(row.bits))

    def save_status_list(self, list_id: str, bits: Bitstring, credential: dict[str, Any]) -> None:
        row = self.session.get(schema.StatusListRow, list_id)
        if row is None:
            raise KeyError(f"status list {list_id} was never opened")
        row.bits, row.credential, row.updated = bytes(bits.bits), credential, now()
        self.session.flush()

    def status_list_ids(self) -> list[str]:
        return list(
            self.session.scalars(
                select(schema.StatusListRow.list_id).order_by(schema.StatusListRow.list_id)
            )
        )

    def status_list_credential(self, url: str) -> dict[str, Any] | None:
        row = self.session.get(schema.StatusListRow, url.rstrip("/").rsplit("/", 1)[-1])
        if row is None or row.credential is None or row.credential.get("id") != url:
            return None
        return row.credential

    # -- certificates ---------------------------------------------------------------------
    def save_issued(self, issued: Sequence[IssuedCertificate]) -> None:
        for item in issued:
            self.session.add(
                schema.CertificateRow(
                    number=item.certificate.number,
                    request_id=self.request_id,
                    exporter_organisation_id=self.exporter_id,
                    credential=item.credential,
                    jwt=item.jwt,
                    xml=item.xml,
                    content_sha256=certificate_digest(item.certificate),
                    created=now(),
                )
            )
        self.session.flush()

    def issued(self, number: str) -> IssuedCertificate | None:
        row = self.session.get(schema.CertificateRow, number)
        if row is None:
            return None
        return IssuedCertificate(
            certificate=certificate_from_credential(row.credential),
            credential=row.credential,
            jwt=row.jwt,
            xml=row.xml,
            status=tuple(status_entries(row.credential)),
        )

    def status_entries_of(self, number: str) -> list[StatusEntry] | None:
        issued = self.issued(number)
        return None if issued is None else list(issued.status)

    def registered_digest(self, number: str) -> str | None:
        """The register's digest of certificate ``number`` (``certificates.Register``)."""
        row = self.session.get(schema.CertificateRow, number)
        if row is None:
            return None
        return row.content_sha256 or certificate_digest(certificate_from_credential(row.credential))
