"""The issuing authority: every use case, with its transaction, its authorisation rule and its
audit entry. The CLI and the HTTP routes call these methods and nothing below them.

Each use case is one unit of work on the database (``Database.session``): its state change and
its audit entries commit together or not at all. Audit entries are appended last, so the audit
chain's lock is the last one a transaction takes and is held for the shortest time (taking it
first would let two use cases lock in opposite orders and deadlock).

Who may do what (one rule each, enforced here, tested in tests/test_authority.py):

- an *exporter* submits and reads its own declarations, runs determinations and pre-reviews on
  them, and applies for certificates naming itself -- its registered legal identity, never what
  the application says -- for goods exported from its own Party;
- an *issuing body* acts only for the Party of the issuer this authority signs for: it reads the
  declarations named in applications for goods exported from that Party, decides those
  applications, and revokes, suspends or reinstates only certificates it issued;
- a *verifier* (an importing Party's customs) reads certificates for goods imported into its
  Party;
- the *operator* (the CLI on the issuing body's own machine) acts as the issuing body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from rcep_origin.authority._audit import HEAD_FILE, verify_checkpoints
from rcep_origin.authority._console import _ConsoleQueries
from rcep_origin.authority._core import (
    EXPORTER,
    PUBLISHED,
    _mtime,
    _translate,
    _Work,
    trust_of_homes,
)
from rcep_origin.authority._errors import (
    Conflict,
    NotFound,
    Unavailable,
)
from rcep_origin.authority._evidence import _Evidence
from rcep_origin.authority._exchange import _Exchange
from rcep_origin.authority._migrate import import_file_register, move_aside
from rcep_origin.authority._views import (
    AuditReport,
    HealthView,
    MigrationReport,
)
from rcep_origin.certificates.keys import VerificationKey
from rcep_origin.certificates.verification import (
    TrustStore,
    VerificationReport,
    verify_credential_json,
    verify_document,
    verify_many,
)
from rcep_origin.errors import InputError
from rcep_origin.store import schema, sql
from rcep_origin.store.keystore import StoreError


class Authority(_Exchange, _ConsoleQueries, _Evidence):
    """One issuing body: its register (the database), its keys (the home directory), the rule
    set it decides under, and the issuers it trusts when verifying."""

    # -- keys -------------------------------------------------------------------------------

    def create_key(self, actor: sql.Principal) -> VerificationKey:
        """A new signing key; the previous one is retired and keeps verifying what it signed."""
        self._issuing_body(actor)
        with self._work() as work:
            key = self.keystore.create_key()
            work.record(actor, "key.create", key.id, key.to_record())
            self._resign_status_lists(work, actor)
            return key

    def revoke_key(self, actor: sql.Principal, kid: str, at: datetime) -> VerificationKey:
        """Report a key compromised from ``at``: what it signed from then on fails."""
        self._issuing_body(actor)
        with self._work() as work:
            try:
                key = self.keystore.revoke_key(kid, at)
            except StoreError as exc:
                raise NotFound(exc.message) from None
            work.record(actor, "key.revoke", key.id, key.to_record())
            self._resign_status_lists(work, actor)
            return key

    def protect_keys(self, actor: sql.Principal) -> list[str]:
        """Encrypt the private key files at rest under the configured passphrase."""
        self._issuing_body(actor)
        with self._work() as work:
            rewritten = self.keystore.protect()
            work.record(actor, "keys.protect", self.keystore.profile().did, {"files": rewritten})
            return rewritten

    def _resign_status_lists(self, work: _Work, actor: sql.Principal) -> None:
        """Sign every status list again with the current key: a list signed by a key that is
        now revoked would fail, and whoever holds that key could otherwise sign a back-dated
        list that clears a revocation. With no current key (the current one was revoked),
        this waits for the next 'keys create', which calls it again."""
        try:
            issuer = self._issuer(work.session)
        except StoreError:
            return
        lists = issuer.resign_status_lists()
        if lists:
            work.record(actor, "status_lists.resign", issuer.signer.key.id, {"lists": lists})

    # -- verification (anyone) -------------------------------------------------------------

    def trust(self) -> TrustStore:
        """The keys this authority verifies with: its own and the other issuers it trusts,
        re-read when a key file changes (a rotation or a revocation made by the CLI is seen
        by a running service at once)."""
        homes = (self.keystore.home, *self.trust_homes)
        stamp = tuple(_mtime(Path(h) / "keys" / "keys.json") for h in homes)
        if self._trust is None or self._trust[0] != stamp:
            self._trust = (stamp, trust_of_homes(*homes))
        return self._trust[1]

    def verify_number(self, number: str) -> VerificationReport:
        """Online verification of a certificate in the register: signature, key, validity,
        status and the register entry itself."""
        with self._work(writes=False) as work:
            row = work.session.get(schema.CertificateRow, number)
            if row is None:
                raise NotFound("No certificate with this number was issued here")
            registry = self._register(work.session)
            return verify_credential_json(
                row.credential, self.trust(), registry, self.clock(), register=registry
            )

    def verify_document(
        self, data: bytes, *, trust: TrustStore | None = None, now: datetime | None = None
    ) -> VerificationReport:
        """Verify a presented certificate of any form, against the register too (its status
        lists, and whether it holds that number with that content)."""
        with self._work(writes=False) as work:
            registry = self._register(work.session)
            return verify_document(
                data,
                trust or self.trust(),
                registry,
                now=now or self.clock(),
                register=registry,
            )

    def verify_documents(
        self,
        documents: Iterable[bytes],
        *,
        trust: TrustStore | None = None,
        now: datetime | None = None,
    ) -> Iterator[VerificationReport]:
        """``verify_document`` for many certificates in one read-only unit of work: one report
        each, in order; each status list read and checked once, the register asked for a chunk
        of numbers at once."""
        with self._work(writes=False) as work:
            registry = self._register(work.session)
            yield from verify_many(
                documents,
                trust or self.trust(),
                registry,
                now=now or self.clock(),
                register=_ChunkedRegister(work.session, registry),
            )

    def status_list(self, list_id: str) -> dict[str, Any]:
        with self._work(writes=False) as work:
            row = work.session.get(schema.StatusListRow, list_id)
            if row is None or row.credential is None:
                raise NotFound("No such status list")
            return row.credential

    def published(self, name: str) -> dict[str, Any]:
        """What the issuer publishes (``did.json``, ``jwks.json``), as the keystore wrote it;
        re-read only when the file changes (a rotation or revocation)."""
        if name not in PUBLISHED:
            raise NotFound(f"{name} is not published")
        path = self.keystore.home / "public" / name
        stamp = _mtime(path)
        cached = self._published.get(name)
        if cached is None or cached[0] != stamp:
            try:
                cached = (stamp, json.loads(path.read_text("utf-8")))
            except FileNotFoundError:
                raise NotFound(f"{name} is not published yet: create a key") from None
            self._published[name] = cached
        return cached[1]

    # -- operations ------------------------------------------------------------------------

    def migrate_file_home(self, actor: sql.Principal) -> MigrationReport:
        """Move the file register of this issuing body's home into the database (once)."""
        self._issuing_body(actor)
        home = self.keystore.home
        with self._work() as work:
            done = import_file_register(work.session, home)
            work.record(actor, "home.migrate", str(home), asdict(done))
        self.keystore.publish()  # older homes dropped revoked keys from did.json and jwks.json
        moved = move_aside(home, self.clock().strftime("%Y%m%dT%H%M%SZ"))
        return MigrationReport(
            certificates=done.certificates,
            status_lists=done.status_lists,
            sequences=done.sequences,
            moved_to=None if moved is None else str(moved),
        )

    def health(self) -> HealthView:
        try:
            state = self.database.check()
        except DBAPIError as exc:
            raise _translate(exc) from exc
        if not state.ok:
            raise Unavailable("The database is not ready", state.reason, kind="database-not-ready")
        with self._work(writes=False) as work:
            work.session.execute(select(schema.AuditEntry.seq).limit(1)).all()
        return HealthView(status="ok", database="ok", schema_revision=state.revision or "")

    def verify_audit(self, actor: sql.Principal) -> AuditReport:
        """The hash chain, the signed checkpoints, and the published head: a changed entry,
        a chain rewritten with recomputed hashes, and deleted newest entries all show."""
        self._issuing_body(actor)
        head_file = self.keystore.home / "public" / HEAD_FILE
        try:
            published = json.loads(head_file.read_text("utf-8")) if head_file.exists() else None
        except (OSError, ValueError):
            published = {"malformed": True}
        with self._work(writes=False) as work:
            chain = sql.verify_audit_chain(work.session)
            points = verify_checkpoints(
                work.session, self.keystore.keyring(), self.keystore.profile().did, published
            )
        intact = chain.intact and points.intact
        return AuditReport(
            entries=chain.entries,
            intact=intact,
            first_broken=chain.first_broken,
            reason=chain.reason
            if not chain.intact
            else points.reason
            if not intact
            else f"{chain.reason}; {points.reason}",
            checkpoints=points.checkpoints,
            last_checkpoint=points.last,
            published_head=points.published,
        )

    def create_organisation(
        self,
        actor: sql.Principal,
        *,
        organisation_id: str,
        name: str,
        role: str,
        party: str,
        address: str | None = None,
        identifier: str | None = None,
        approved_exporter: bool = False,
    ) -> str:
        """Register an organisation and return its first API key (shown once)."""
        self._issuing_body(actor)
        if role == EXPORTER and not address:
            raise InputError("an exporter's registered address is required", path="address")
        with self._work() as work:
            if work.session.get(schema.Organisation, organisation_id) is not None:
                raise Conflict(f"{organisation_id} is already registered", kind="already-exists")
            try:
                sql.create_organisation(
                    work.session,
                    id=organisation_id,
                    name=name,
                    role=role,
                    party=party,
                    approved_exporter=approved_exporter,
                    address=address,
                    identifier=identifier,
                )
            except ValueError as exc:
                raise InputError(str(exc), path="role") from None
            key = sql.create_api_key(work.session, organisation_id)
            work.record(
                actor,
                "organisation.create",
                organisation_id,
                {"role": role, "party": party, "approved_exporter": approved_exporter},
            )
            return key

    def create_api_key(self, actor: sql.Principal, organisation_id: str) -> str:
        self._issuing_body(actor)
        with self._work() as work:
            if work.session.get(schema.Organisation, organisation_id) is None:
                raise NotFound(f"no organisation {organisation_id}")
            key = sql.create_api_key(work.session, organisation_id)
            work.record(actor, "api_key.create", organisation_id, {"key": key.split(".")[0]})
            return key

    def dispose(self) -> None:
        self.database.dispose()


class _ChunkedRegister:
    """The register as ``verify_many`` asks it: the digests of a chunk of numbers in one query
    (a row without a stored digest is digested as ``registered_digest`` does)."""

    def __init__(self, session: Session, registry: sql.SqlRegistry) -> None:
        self._session = session
        self._registry = registry
        self.issuer_did = registry.issuer_did

    def registered_digest(self, number: str) -> str | None:
        return self._registry.registered_digest(number)

    def registered_digests(self, numbers: list[str]) -> dict[str, str | None]:
        own = getattr(self._registry, "registered_digests", None)
        if own is not None:  # the register answers in bulk itself (from the evidence log)
            found_here: dict[str, str | None] = own(numbers)
            return found_here
        row = schema.CertificateRow
        query = select(row.number, row.content_sha256).where(row.number.in_(set(numbers)))
        found = {number: digest for number, digest in self._session.execute(query)}
        return {
            n: (found[n] or self._registry.registered_digest(n)) if n in found else None
            for n in numbers
        }
