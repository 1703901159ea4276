"""Use cases on the evidence log (issue 16): an append-only RFC 9162 Merkle log of the issuing
body, kept in its register, with signed checkpoints; certificates that point to their evidence;
supplier declarations signed by the suppliers themselves.

What enters the log (``ledger`` describes the leaves), each in the transaction of the change it
records:

- evidence an exporter (or the issuing body, or a supplier) adds: a file's SHA-256, kind, size and
  what it states that a declaration can be checked against -- never the file (Art. 3.27);
- every declaration version, as a ``bom`` leaf (its canonical JSON's SHA-256), when submitted;
- every certificate issued (its number and content digest) -- the register that online
  verification consults is this log: a certificate not in it was not issued by this body;
- every supplier declaration submitted, and its revocation;
- the head of the audit chain at the end of every unit of work that wrote, followed by a signed
  checkpoint (tree size, root, time; the issuer's current key) published once committed in
  ``public/evidence-checkpoint.json``. A unit of work that could not sign (no current key) leaves
  its leaves to the next checkpoint.

Who sees what: the issuing body (of this register's Party) everything; an organisation what it
added; whoever may see a certificate (its exporter, the importing Party's verifiers) that
certificate's entry; anyone, without a key, the latest checkpoint; any authenticated caller
consistency proofs between sizes (they hold hashes of subtrees only).

Supplier declarations and the engine. The engine stays pure: it neither reads the register nor
checks a signature. Before a determination (a run, a pre-review, an issuance) the register
*resolves* each BOM line that attaches a supplier declaration: if the declaration holds (known,
signature checked when submitted, not revoked, valid on the declaration's date, for that HS
code), the line is originating in the Party the supplier declares; if not, the line is of
undetermined origin (Art. 3.5(4)). The engine then decides on the resolved declaration, whose
hash (``inputs_sha256``) the determination carries, so the verdict stays a pure function of its
inputs; the register records which determinations and certificates relied on which declaration,
for the cascade a revocation reports. Passing typed "supplier facts" into the engine instead
would have changed its input contract for one source of ``originating``; resolving before keeps
one contract: the declaration.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rcep_origin import ledger
from rcep_origin.authority._core import EXPORTER, ISSUER, Idempotency, _mtime, _Work
from rcep_origin.authority._errors import Conflict, Forbidden, NotFound, Refused
from rcep_origin.authority._evidence_log import (
    CHECKPOINT_FILE,
    _certificate_status,
    _check_log,
    _checkpoint_view,
    _evidence_view,
    _EvidencedIssuer,
    _inconsistent,
    _logged,
    _LoggedRegister,
    _publish,
    _read_published,
    _Relied,
    _set_bits,
    _supplier_view,
)
from rcep_origin.authority._evidence_views import (
    AffectedDeclarationView,
    CascadeView,
    CheckpointView,
    ConsistencyProofView,
    EvidenceInput,
    EvidenceView,
    InclusionProofView,
    LogCheckView,
    RelianceView,
    SupplierDeclarationView,
    SupplierStatusListView,
)
from rcep_origin.authority._legislation import _Legislation
from rcep_origin.authority._views import (
    Outcome,
)
from rcep_origin.certificates.issuer import Issuer
from rcep_origin.certificates.keys import Keyring
from rcep_origin.certificates.status_list import Bitstring
from rcep_origin.certificates.supplier import (
    SupplierDeclarationError,
    read_declaration,
    read_status_list,
    verify_declaration,
)
from rcep_origin.declaration import Declaration, canonical_json, validate_declaration
from rcep_origin.errors import InputError
from rcep_origin.prereview.checks.provenance import (
    CredentialState,
    LoggedRecord,
    ProvenanceContext,
    provenance_findings,
)
from rcep_origin.store import ledger as log_store
from rcep_origin.store import schema, sql
from rcep_origin.store.keystore import StoreError

log = logging.getLogger("rcep_origin.evidence")
SUPPLIER = "supplier"
_PUBLISHED = "evidence.checkpoints"  # session.info: checkpoints to publish once committed
_LIST_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class _Evidence(_Legislation):
    @contextmanager
    def _work(self, *, writes: bool = True) -> Iterator[_Work]:
        published: list[ledger.Checkpoint] = []
        with super()._work(writes=writes) as work:
            work.session.info[_PUBLISHED] = published
            yield work
            if any(action == "home.migrate" for _, action, _, _ in work.audit):
                # Certificates that entered the register from a file home: logged now.
                log_store.log_certificates(work.session, self.clock())
        for point in published:  # committed: now it may be published
            _publish(self.keystore.home / "public", point)

    def _checkpoint(self, session: Session) -> dict[str, Any] | None:
        """After the audit checkpoint: the audit chain's head as a leaf (so cutting the chain
        back shows in the log too), then a signed checkpoint of the log."""
        point = super()._checkpoint(session)
        head = session.scalars(
            select(schema.AuditEntry).order_by(schema.AuditEntry.seq.desc()).limit(1)
        ).first()
        now = self.clock()
        if head is not None:
            leaf = ledger.AuditHeadLeaf(time=ledger.instant(now), seq=head.seq, head_hash=head.hash)
            log_store.append(
                session,
                [
                    (
                        ledger.encode_leaf(leaf),
                        log_store.Meta("audit_head", head.hash, str(head.seq)),
                    )
                ],
                now,
            )
        self._sign_log(session, now)
        return point

    def _sign_log(self, session: Session, now: datetime) -> ledger.Checkpoint | None:
        size = log_store.size(session)
        if size == 0:
            return None
        try:
            signer = self.keystore.current_signer()
        except StoreError as exc:  # no current key (yet), or it cannot be unlocked now
            log.warning("evidence log checkpoint not signed: %s", exc)
            return None
        point = ledger.sign_checkpoint(
            self.keystore.profile().did,
            size,
            log_store.root(session, size),
            now,
            signer.key.id,
            signer.sign,
        )
        log_store.save_checkpoint(session, point)
        session.info.setdefault(_PUBLISHED, []).append(point)
        return point

    # -- adding evidence ----------------------------------------------------------------------

    def add_evidence(
        self,
        actor: sql.Principal,
        item: EvidenceInput,
        *,
        idempotency: Idempotency | None = None,
    ) -> Outcome[EvidenceView]:
        """Log a record's hash (exporters, suppliers, the issuing body). The same record logged
        again by the same organisation gives the entry it already has."""
        self._require(actor, EXPORTER, ISSUER, SUPPLIER)
        if actor.role == ISSUER:
            self._issuing_body(actor)
        with self._work() as work:

            def add() -> EvidenceView:
                view = self._log_evidence(work, actor.organisation_id, item)
                if not view.existing:
                    work.record(
                        actor,
                        "evidence.add",
                        f"leaf {view.leaf_index}",
                        {"kind": item.kind, "sha256": item.sha256, "leaf_hash": view.leaf_hash},
                    )
                return view

            return self._once(work, actor, idempotency, EvidenceView, add)

    def _log_evidence(
        self, work: _Work, owner: str, item: EvidenceInput, **extra: str
    ) -> EvidenceView:
        now = self.clock()
        leaf = ledger.EvidenceLeaf.model_validate(
            {
                "time": ledger.instant(now),
                "by": owner,
                **item.model_dump(exclude_none=True),
                **extra,
            }
        )
        same = {k: v for k, v in leaf.model_dump(exclude_none=True).items() if k != "time"}
        for found in log_store.entries_by(
            work.session, sha256=item.sha256, kind=item.kind, owner=owner
        ):
            earlier = ledger.decode_leaf(found.leaf)
            if {
                k: v for k, v in earlier.model_dump(exclude_none=True).items() if k != "time"
            } == same:
                return _evidence_view(found, log_store.size(work.session), existing=True)
        (appended,) = log_store.append(
            work.session,
            [
                (
                    ledger.encode_leaf(leaf),
                    log_store.Meta(
                        item.kind,
                        item.sha256,
                        subject=extra.get("declaration") or extra.get("credential"),
                        owner=owner,
                    ),
                )
            ],
            now,
        )
        entry = log_store.entry(work.session, appended.leaf_index)
        assert entry is not None
        return _evidence_view(entry, appended.tree_size)

    # -- proofs and checkpoints ---------------------------------------------------------------

    def evidence_checkpoint(self) -> CheckpointView:
        """The newest signed checkpoint (anyone)."""
        with self._work(writes=False) as work:
            point = log_store.latest_checkpoint(work.session, self.keystore.profile().did)
        if point is None:
            raise NotFound("The evidence log has no signed checkpoint yet")
        return _checkpoint_view(point)

    def evidence_proof(self, actor: sql.Principal, ref: str) -> InclusionProofView:
        """The inclusion proof of an entry the caller may see: by leaf index, or by the SHA-256
        it commits to (a file's), or by its leaf hash; against the newest signed checkpoint."""
        with self._work(writes=False) as work:
            entry = self._visible_entry(work.session, actor, ref)
            return self._inclusion(work.session, entry)

    def certificate_proof(self, actor: sql.Principal, number: str) -> InclusionProofView:
        """The inclusion proof of a certificate's entry (whoever may see the certificate): with
        the checkpoint it travels beside the certificate, for an offline check."""
        with self._work(writes=False) as work:
            self._visible_certificate(work.session, actor, number)
            found = log_store.entries_by(work.session, kind="certificate", subject=number, limit=1)
            if not found:
                raise NotFound(f"{number} is not in the evidence log")
            return self._inclusion(work.session, found[0])

    def evidence_consistency(
        self, actor: sql.Principal, first: int, second: int | None = None
    ) -> ConsistencyProofView:
        """RFC 9162 section 2.1.4: the log at ``second`` leaves (default: the newest signed
        checkpoint) extends the log at ``first``."""
        did = self.keystore.profile().did
        with self._work(writes=False) as work:
            latest = log_store.latest_checkpoint(work.session, did)
            size = log_store.size(work.session)
            second = second if second is not None else (latest.tree_size if latest else size)
            if not 0 <= first <= second:
                raise InputError("0 <= first <= second", path="first")
            if second > size:
                raise NotFound(f"the evidence log has {size} leaves, not {second}")
            try:
                path, first_root, second_root = log_store.consistency(work.session, first, second)
            except LookupError as exc:
                raise _inconsistent(str(exc)) from None
            point = log_store.checkpoint(work.session, did, second)
        return ConsistencyProofView(
            first=first,
            second=second,
            first_root=first_root.hex(),
            second_root=second_root.hex(),
            path=[h.hex() for h in path],
            checkpoint=None if point is None else _checkpoint_view(point),
        )

    def _visible_entry(
        self, session: Session, actor: sql.Principal, ref: str
    ) -> schema.LedgerEntry:
        reference = ref.strip().lower()
        if reference.isdigit() and len(reference) <= 18:
            found = log_store.entry(session, int(reference))
            candidates = [] if found is None else [found]
        elif _HEX64.match(reference):
            candidates = log_store.entries_by(session, sha256=reference) + log_store.entries_by(
                session, leaf_hash=reference
            )
        else:
            raise InputError(
                "a leaf index, or the 64 hex digits of a SHA-256 or a leaf hash", path="ref"
            )
        for entry in candidates:
            if self._may_see(session, actor, entry):
                return entry
        raise NotFound("No such entry in the evidence log")

    def _may_see(self, session: Session, actor: sql.Principal, entry: schema.LedgerEntry) -> bool:
        if actor.role == ISSUER and actor.party == self.keystore.profile().country:
            return True
        if entry.owner is not None and entry.owner == actor.organisation_id:
            return True
        if entry.kind == "certificate" and entry.subject is not None:
            try:
                self._visible_certificate(session, actor, entry.subject)
            except NotFound:
                return False
            return True
        return False

    def _inclusion(self, session: Session, entry: schema.LedgerEntry) -> InclusionProofView:
        point = log_store.latest_checkpoint(session, self.keystore.profile().did)
        if point is None or entry.leaf_index >= point.tree_size:
            raise Conflict(
                "The entry is not covered by a signed checkpoint yet",
                "The next change the issuing body makes with a current key signs one; retry then.",
                kind="not-checkpointed",
            )
        try:
            path, root = log_store.inclusion(session, entry.leaf_index, point.tree_size)
        except LookupError as exc:
            raise _inconsistent(str(exc)) from None
        if root != point.root_hash:
            raise _inconsistent(f"the root of {point.tree_size} leaves is not the one signed")
        return InclusionProofView(
            leaf=base64.b64encode(entry.leaf).decode("ascii"),
            leaf_index=entry.leaf_index,
            tree_size=point.tree_size,
            audit_path=[h.hex() for h in path],
            root_hash=root.hex(),
            checkpoint=_checkpoint_view(point),
        )

    # -- the log's own check --------------------------------------------------------------------

    def check_evidence_log(self, actor: sql.Principal) -> LogCheckView:
        """Recompute the log from its leaves: every leaf hash, every stored node, every signed
        checkpoint (signature, key lifetime, root), the published checkpoint, and every audit
        head leaf against the audit chain."""
        self._issuing_body(actor)
        did = self.keystore.profile().did
        keys = self.keystore.keyring()
        published = _read_published(self.keystore.home / "public" / CHECKPOINT_FILE)
        with self._work(writes=False) as work:
            return _check_log(work.session, did, keys, published)

    # -- certificates: issued into the log, verified against it ------------------------------

    def _issuer(
        self, session: Session, *, request_id: str | None = None, exporter_id: str | None = None
    ) -> Issuer:
        base = super()._issuer(session, request_id=request_id, exporter_id=exporter_id)
        return _EvidencedIssuer(base, self, session, exporter_id)

    def _register(self, session: Session) -> sql.SqlRegistry:
        return _LoggedRegister(session, self.keystore.profile().did, self._own_keys())

    def _own_keys(self) -> Keyring:
        """This issuer's keys with their lifetimes, re-read when the key file changes."""
        stamp = _mtime(self.keystore.home / "keys" / "keys.json")
        cached = self.__dict__.get("_evidence_keys")
        if cached is None or cached[0] != stamp:
            cached = (stamp, self.keystore.keyring())
            self.__dict__["_evidence_keys"] = cached
        keys: Keyring = cached[1]
        return keys

    # -- declarations: every version logged; determinations on resolved declarations -------

    def _store_version(
        self, work: _Work, actor: sql.Principal, declaration_id: str, declaration: Declaration
    ) -> Any:
        view = super()._store_version(work, actor, declaration_id, declaration)
        self._log_declaration(
            work, actor.organisation_id, declaration, f"{declaration_id}@{view.version}"
        )
        return view

    def _log_declaration(
        self, work: _Work, owner: str, declaration: Declaration, name: str | None = None
    ) -> str:
        """The ``bom`` leaf of a declaration (its canonical JSON's SHA-256), appended if the
        log does not have it yet for this owner; returns its leaf hash."""
        text = canonical_json(declaration).encode()
        digest = hashlib.sha256(text).hexdigest()
        found = log_store.entries_by(work.session, sha256=digest, kind="bom", limit=1)
        if found:
            return found[0].leaf_hash
        item = EvidenceInput(
            kind="bom", sha256=digest, size=len(text), reference=declaration.reference
        )
        extra = {} if name is None else {"declaration": name}
        return self._log_evidence(work, owner, item, **extra).leaf_hash

    # -- the hooks of _Declarations: decide on the resolved declaration, record reliance ----

    def _decided(
        self, work: _Work, row: schema.DeclarationVersion
    ) -> tuple[Declaration, Declaration, list[Any]]:
        """The declaration with its supplier declarations resolved (the module's docstring)."""
        declared = validate_declaration(row.document)
        resolved, relied = self._resolve(work.session, declared)
        return declared, resolved, list(relied)

    def _relied_audit(self, relied: list[Any]) -> dict[str, Any]:
        held = [r for r in relied if r.state.status == "valid"]
        return {"supplier_declarations": [r.state.credential_id for r in held]} if held else {}

    def _after_determination(
        self, work: _Work, record: schema.Run, row: schema.DeclarationVersion, relied: list[Any]
    ) -> None:
        work.session.flush()
        held = [r for r in relied if r.state.status == "valid"]
        self._rely(work.session, "determination", record.id, row, held)

    def _prereview_context(
        self, work: _Work, declared: Declaration, relied: list[Any], others: Any
    ) -> Any:
        """With what the evidence log says about its records (``prereview.checks.provenance``)."""
        return self._provenance(work.session, declared, relied, others.lines)

    def _provenance(
        self,
        session: Session,
        declaration: Declaration,
        relied: Sequence[_Relied],
        lines: tuple[Any, ...] = (),
    ) -> ProvenanceContext:
        records: dict[str, tuple[LoggedRecord, ...]] = {}
        evidence = declaration.evidence
        for record in (evidence.firmware_log, evidence.production_log) if evidence else ():
            if record is not None and record.sha256 is not None:
                records[record.sha256] = tuple(
                    _logged(entry) for entry in log_store.entries_by(session, sha256=record.sha256)
                )
        return ProvenanceContext(
            lines=tuple(lines),
            log=self.keystore.profile().did,
            records=records,
            credentials={r.state.credential_id: r.state for r in relied},
        )

    def _resolve(
        self, session: Session, declaration: Declaration
    ) -> tuple[Declaration, list[_Relied]]:
        """The declaration with each BOM line that attaches a supplier declaration resolved
        against it (the module's docstring), and what was found for each."""
        materials = list(declaration.materials)
        relied: list[_Relied] = []
        for index, material in enumerate(materials):
            statement = material.supplier_declaration
            if statement is None or statement.credential is None:
                continue
            state, leaf = self._credential_state(
                session, statement.credential, material.hs_code, declaration.date
            )
            relied.append(_Relied(index, material.id, state, leaf))
            if state.status == "valid":
                row = session.get(schema.SupplierCredential, statement.credential)
                assert row is not None
                claim, _ = read_declaration(row.credential)
                update: dict[str, Any] = {
                    "originating": claim.originating,
                    "origin_party": claim.origin_party,
                }
            else:
                update = {"originating": None}
            materials[index] = material.model_copy(update=update)
        if not relied:
            return declaration, relied
        return declaration.model_copy(update={"materials": materials}), relied

    def _credential_state(
        self, session: Session, credential_id: str, hs_code: str | None, day: date
    ) -> tuple[CredentialState, str | None]:
        row = session.get(schema.SupplierCredential, credential_id)
        if row is None:
            return CredentialState(credential_id, "unknown"), None
        claim, _ = read_declaration(row.credential)
        entry = log_store.entry(session, row.leaf_index)
        leaf = None if entry is None else entry.leaf_hash
        common = {"origin_party": claim.origin_party, "supplier": claim.supplier_name}
        if row.revoked is not None:
            moment = row.revoked if row.revoked.tzinfo else row.revoked.replace(tzinfo=UTC)
            return CredentialState(credential_id, "revoked", ledger.instant(moment), **common), None
        if not claim.covers(day):
            period = f"{claim.valid_from.isoformat()} .. {claim.valid_until.isoformat()}"
            return CredentialState(credential_id, "expired", period, **common), None
        if not claim.matches_hs(hs_code):
            return CredentialState(credential_id, "hs_mismatch", claim.hs_code, **common), None
        return CredentialState(credential_id, "valid", "", **common), leaf

    @staticmethod
    def _rely(
        session: Session,
        kind: str,
        subject: str,
        row: schema.DeclarationVersion | None,
        held: Sequence[_Relied],
    ) -> None:
        for relied in held:
            session.add(
                schema.SupplierReliance(
                    credential_id=relied.state.credential_id,
                    kind=kind,
                    subject=subject,
                    declaration_id=None if row is None else row.declaration_id,
                    declaration_version=None if row is None else row.version,
                    material=relied.material,
                    created=sql.now(),
                )
            )
        session.flush()

    def _evidence_leaves(
        self, work: _Work, declaration: Declaration, relied: Sequence[_Relied], owner: str
    ) -> list[str]:
        """The leaf hashes of the records a determination of ``declaration`` relies on: its
        BOM version (logged now if it was not), its firmware and production logs when logged,
        and the supplier declarations that held."""
        leaves = [self._log_declaration(work, owner, declaration)]
        evidence = declaration.evidence
        for kind, record in (
            ("firmware_log", evidence.firmware_log if evidence else None),
            ("production_log", evidence.production_log if evidence else None),
        ):
            if record is not None and record.sha256 is not None:
                found = log_store.entries_by(work.session, sha256=record.sha256, kind=kind, limit=1)
                if found:
                    leaves.append(found[0].leaf_hash)
        leaves += [r.leaf_hash for r in relied if r.state.status == "valid" and r.leaf_hash]
        return list(dict.fromkeys(leaves))[:64]

    # -- supplier declarations ------------------------------------------------------------------

    def _supplier_list_url(self, list_id: str) -> str:
        return f"{self.keystore.profile().status_url.rstrip('/')}/suppliers/{list_id}"

    def upload_supplier_status_list(
        self, actor: sql.Principal, list_id: str, listing: Any
    ) -> SupplierStatusListView:
        """A supplier's signed revocation list, first or updated. The first binds the list, and
        the key that signed it, to the supplier; an update may set bits, never clear one (a
        revocation is final). Each newly set bit revokes the declaration at that index."""
        self._require(actor, SUPPLIER)
        if not _LIST_ID.match(list_id):
            raise NotFound("No such status list")
        try:
            issuer, bits = read_status_list(listing, self._supplier_list_url(list_id))
        except SupplierDeclarationError as exc:
            raise InputError(exc.message, path=exc.path) from None
        with self._work() as work:
            session = work.session
            self._bind_key(session, actor, issuer)
            row = session.get(schema.SupplierStatusList, list_id, with_for_update=True)
            newly: list[int] = []
            if row is not None:
                if row.organisation_id != actor.organisation_id:
                    raise Forbidden("This status list is another supplier's")
                if row.issuer != issuer:
                    raise Refused(
                        "The list is signed by another key than its earlier versions",
                        kind="wrong-key",
                    )
                before = Bitstring(bits=bytearray(row.bits))
                if before.size != bits.size:
                    raise Refused("A status list keeps its size", kind="wrong-size")
                cleared = [i for i in _set_bits(before) if not bits.get(i)]
                if cleared:
                    raise Conflict(
                        "A revocation is final",
                        f"entry {cleared[0]} was revoked; a list that clears it is refused",
                        kind="status-unchanged",
                    )
                newly = [i for i in _set_bits(bits) if not before.get(i)]
                row.bits, row.credential, row.updated = bytes(bits.bits), listing, sql.now()
            else:
                session.add(
                    schema.SupplierStatusList(
                        list_id=list_id,
                        organisation_id=actor.organisation_id,
                        issuer=issuer,
                        credential=listing,
                        bits=bytes(bits.bits),
                        updated=sql.now(),
                    )
                )
                newly = list(_set_bits(bits))
            session.flush()
            revoked = self._revoke_credentials(work, actor, list_id, newly, listing)
            work.record(actor, "supplier_status_list.upload", list_id, {"revoked": revoked})
            reliances = (
                list(
                    session.scalars(
                        select(schema.SupplierReliance).where(
                            schema.SupplierReliance.credential_id.in_(revoked)
                        )
                    )
                )
                if revoked
                else []
            )
            return SupplierStatusListView(
                list_id=list_id,
                issuer=issuer,
                revoked=revoked,
                determinations_affected=sum(r.kind == "determination" for r in reliances),
                certificates_affected=sum(r.kind == "certificate" for r in reliances),
            )

    def _bind_key(self, session: Session, actor: sql.Principal, did: str) -> None:
        bound = session.get(schema.SupplierKey, did)
        if bound is None:
            session.add(
                schema.SupplierKey(
                    did=did, organisation_id=actor.organisation_id, created=sql.now()
                )
            )
            session.flush()
        elif bound.organisation_id != actor.organisation_id:
            raise Forbidden("This key belongs to another supplier")

    def _revoke_credentials(
        self, work: _Work, actor: sql.Principal, list_id: str, indexes: list[int], listing: Any
    ) -> list[str]:
        if not indexes:
            return []
        rows = list(
            work.session.scalars(
                select(schema.SupplierCredential)
                .where(schema.SupplierCredential.list_id == list_id)
                .where(schema.SupplierCredential.status_index.in_(indexes))
                .where(schema.SupplierCredential.revoked.is_(None))
                .order_by(schema.SupplierCredential.status_index)
            )
        )
        now = self.clock()
        digest = hashlib.sha256(ledger.canonical(listing)).hexdigest()
        leaves = []
        for row in rows:
            row.revoked = now
            leaf = ledger.CredentialStatusLeaf(
                time=ledger.instant(now),
                credential=row.credential_id,
                status="revoked",
                list_sha256=digest,
            )
            leaves.append(
                (
                    ledger.encode_leaf(leaf),
                    log_store.Meta(
                        "credential_status", digest, row.credential_id, actor.organisation_id
                    ),
                )
            )
            work.record(actor, "supplier_declaration.revoke", row.credential_id, {"list": list_id})
        log_store.append(work.session, leaves, now)
        return [row.credential_id for row in rows]

    def submit_supplier_declaration(
        self,
        actor: sql.Principal,
        credential: Any,
        *,
        idempotency: Idempotency | None = None,
    ) -> Outcome[SupplierDeclarationView]:
        """A supplier's signed declaration, checked (envelope, signature by its bound key, an
        entry of its own status list not used before and not set) and logged as evidence."""
        self._require(actor, SUPPLIER)
        try:
            claim, entry = read_declaration(credential)
        except SupplierDeclarationError as exc:
            raise InputError(exc.message, path=exc.path) from None
        proof = verify_declaration(credential)
        if not proof.valid:
            raise Refused(
                "The declaration's signature does not verify", proof.reason, kind="bad-signature"
            )
        prefix = self._supplier_list_url("")
        if not entry.list_url.startswith(prefix) or not _LIST_ID.match(
            entry.list_url[len(prefix) :]
        ):
            raise Refused(
                "The declaration's status list is not one of this register",
                f"its status list must be {prefix}<list id>, uploaded first",
                kind="unknown-status-list",
                field="credentialStatus",
            )
        list_id = entry.list_url[len(prefix) :]
        with self._work() as work:

            def submit() -> SupplierDeclarationView:
                session = work.session
                bound = session.get(schema.SupplierKey, credential["issuer"])
                listing = session.get(schema.SupplierStatusList, list_id)
                if bound is None or bound.organisation_id != actor.organisation_id:
                    raise Refused(
                        "The declaration is signed by a key not bound to the caller",
                        "upload your status list first (PUT /v1/supplier-status-lists/{id}): "
                        "it binds the key that signed it to your organisation",
                        kind="unknown-key",
                    )
                if (
                    listing is None
                    or listing.organisation_id != actor.organisation_id
                    or listing.issuer != credential["issuer"]
                ):
                    raise Refused(
                        "The declaration's status list is not the supplier's",
                        kind="unknown-status-list",
                        field="credentialStatus",
                    )
                bits = Bitstring(bits=bytearray(listing.bits))
                if not 0 <= entry.index < bits.size or bits.get(entry.index):
                    raise Refused(
                        "The declaration's status entry is outside the list or already set",
                        kind="bad-status-entry",
                        field="credentialStatus",
                    )
                if session.get(schema.SupplierCredential, credential["id"]) is not None:
                    raise Conflict(
                        f"{credential['id']} was submitted before", kind="already-exists"
                    )
                used = session.scalars(
                    select(schema.SupplierCredential.credential_id)
                    .where(schema.SupplierCredential.list_id == list_id)
                    .where(schema.SupplierCredential.status_index == entry.index)
                ).first()
                if used is not None:
                    raise Conflict(
                        f"status entry {entry.index} is {used}'s", kind="status-entry-used"
                    )
                text = ledger.canonical(credential)
                digest = hashlib.sha256(text).hexdigest()
                view = self._log_evidence(
                    work,
                    actor.organisation_id,
                    EvidenceInput(kind="supplier_declaration", sha256=digest, size=len(text)),
                    credential=credential["id"],
                )
                row = schema.SupplierCredential(
                    credential_id=credential["id"],
                    organisation_id=actor.organisation_id,
                    issuer=credential["issuer"],
                    list_id=list_id,
                    status_index=entry.index,
                    credential=credential,
                    sha256=digest,
                    valid_from=datetime.combine(claim.valid_from, datetime.min.time(), tzinfo=UTC),
                    valid_until=datetime.combine(
                        claim.valid_until, datetime.min.time(), tzinfo=UTC
                    ),
                    leaf_index=view.leaf_index,
                    created=sql.now(),
                    revoked=None,
                )
                session.add(row)
                session.flush()
                work.record(
                    actor, "supplier_declaration.submit", row.credential_id, {"sha256": digest}
                )
                return _supplier_view(row, view.leaf_hash)

            return self._once(work, actor, idempotency, SupplierDeclarationView, submit)

    def supplier_declaration(
        self, actor: sql.Principal, credential_id: str
    ) -> SupplierDeclarationView:
        """A supplier declaration: its supplier, the issuing body, and exporters (who attach
        it to their BOM lines by its id)."""
        self._require(actor, SUPPLIER, EXPORTER, ISSUER)
        with self._work(writes=False) as work:
            row = work.session.get(schema.SupplierCredential, credential_id)
            if row is None or (
                actor.role == SUPPLIER and row.organisation_id != actor.organisation_id
            ):
                raise NotFound("No such supplier declaration")
            if actor.role == ISSUER:
                self._issuing_body(actor)
            entry = log_store.entry(work.session, row.leaf_index)
            return _supplier_view(row, "" if entry is None else entry.leaf_hash)

    def supplier_status_list(self, list_id: str) -> dict[str, Any]:
        """A supplier's signed revocation list (anyone: verifiers of its declarations)."""
        with self._work(writes=False) as work:
            row = work.session.get(schema.SupplierStatusList, list_id)
            if row is None:
                raise NotFound("No such status list")
            return row.credential

    def supplier_cascade(self, actor: sql.Principal, credential_id: str) -> CascadeView:
        """Every determination and certificate that relied on a supplier declaration, and the
        pre-review findings on each affected declaration now (issuing body)."""
        self._issuing_body(actor)
        with self._work(writes=False) as work:
            session = work.session
            row = session.get(schema.SupplierCredential, credential_id)
            if row is None:
                raise NotFound("No such supplier declaration")
            reliances = list(
                session.scalars(
                    select(schema.SupplierReliance)
                    .where(schema.SupplierReliance.credential_id == credential_id)
                    .order_by(schema.SupplierReliance.id)
                )
            )
            register = sql.SqlRegistry(session)
            determinations: list[RelianceView] = []
            certificates: list[RelianceView] = []
            affected: dict[tuple[str, int], None] = {}
            for reliance in reliances:
                view = RelianceView(
                    kind=reliance.kind,
                    subject=reliance.subject,
                    declaration_id=reliance.declaration_id,
                    declaration_version=reliance.declaration_version,
                    material=reliance.material,
                    created=reliance.created,
                    status=_certificate_status(register, reliance.subject)
                    if reliance.kind == "certificate"
                    else None,
                )
                (certificates if reliance.kind == "certificate" else determinations).append(view)
                if reliance.declaration_id is not None and reliance.declaration_version is not None:
                    affected[reliance.declaration_id, reliance.declaration_version] = None
            declarations = []
            for declaration_id, version in affected:
                stored = sql.declaration_version(session, declaration_id, version)
                if stored is None:
                    continue
                declaration = validate_declaration(stored.document)
                _, relied = self._resolve(session, declaration)
                context = self._provenance(session, declaration, relied)
                declarations.append(
                    AffectedDeclarationView(
                        declaration_id=declaration_id,
                        version=version,
                        findings=[f.to_dict() for f in provenance_findings(declaration, context)],
                        findings_zh=[
                            f.to_dict()
                            for f in provenance_findings(declaration, context, lang="zh")
                        ],
                    )
                )
            return CascadeView(
                credential_id=credential_id,
                revoked=row.revoked,
                determinations=determinations,
                certificates=certificates,
                declarations=declarations,
                note=(
                    "Certificates are not revoked by this report: the issuing body verifies "
                    "the origin of each good again (Art. 3.24) and revokes what no longer "
                    "stands; a determination run again resolves the material as of "
                    "undetermined origin (Art. 3.5(4))."
                ),
            )
