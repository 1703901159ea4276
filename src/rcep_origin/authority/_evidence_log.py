"""The evidence log's parts around the use cases of ``_evidence``: the issuer that logs what it
issues, the register online verification consults (the log), the log's own check, and the
checkpoint the issuing body publishes."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rcep_origin import ledger
from rcep_origin.authority._core import _Work
from rcep_origin.authority._errors import Conflict
from rcep_origin.authority._evidence_views import (
    CheckpointView,
    EvidenceView,
    LogCheckView,
    SupplierDeclarationView,
)
from rcep_origin.certificates.issuer import IssuedCertificate, Issuer
from rcep_origin.certificates.keys import Keyring
from rcep_origin.certificates.model import certificate_digest
from rcep_origin.certificates.request import CertificateRequest
from rcep_origin.certificates.status_list import Bitstring
from rcep_origin.certificates.supplier import read_declaration
from rcep_origin.errors import InputError
from rcep_origin.prereview.checks.provenance import CredentialState, LoggedRecord
from rcep_origin.rules import RuleSet
from rcep_origin.store import ledger as log_store
from rcep_origin.store import schema, sql

if TYPE_CHECKING:
    from rcep_origin.authority._evidence import _Evidence

OPERATOR = "operator"  # the owner of what the CLI at the issuing body adds
CHECKPOINT_FILE = "evidence-checkpoint.json"
# How far a leaf's time may precede a checkpoint signed before it: clocks of the CLI and the
# service's workers differ a little, and a leaf's time is read before the log's lock is taken.
CLOCK_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class _Relied:
    index: int  # the material's position in the BOM
    material: str  # its id
    state: CredentialState
    leaf_hash: str | None  # the declaration's leaf, when it holds


# --- the issuer and the register, with the log ---------------------------------------------------


class _EvidencedIssuer(Issuer):
    """The issuer with the register's log around it: before signing, each good's declaration
    is resolved and its evidence leaves put on the certificate; after, each certificate is
    logged, and what relied on supplier declarations is recorded."""

    def __init__(
        self, base: Issuer, authority: _Evidence, session: Session, exporter_id: str | None
    ) -> None:
        super().__init__(
            base.profile, base.signer, base.registry, xml_signer=base.xml_signer, clock=base.clock
        )
        self._authority = authority
        self._session = session
        self._owner = exporter_id or OPERATOR

    def issue(
        self, requests: Sequence[CertificateRequest], *, ruleset: RuleSet | None = None
    ) -> list[IssuedCertificate]:
        work = _Work(self._session)  # its audit entries are the caller's (none here)
        prepared, reliances = [], []
        for request in requests:
            items = []
            for item in request.items:
                resolved, relied = self._authority._resolve(self._session, item.declaration)
                leaves = self._authority._evidence_leaves(
                    work, item.declaration, relied, self._owner
                )
                items.append(
                    item.model_copy(
                        update={"declaration": resolved, "evidence_leaves": leaves or None}
                    )
                )
                reliances.append([r for r in relied if r.state.status == "valid"])
            prepared.append(request.model_copy(update={"items": items}))
        issued = super().issue(prepared, ruleset=ruleset)
        now = self.clock()
        logged: list[tuple[bytes, log_store.Meta]] = []
        for certificate in issued:
            digest = certificate_digest(certificate.certificate)
            number = certificate.certificate.number
            logged.append(
                (
                    log_store.certificate_leaf(number, digest, certificate.credential, now),
                    log_store.Meta("certificate", digest, subject=number, owner=self._owner),
                )
            )
        log_store.append(self._session, logged, now)
        goods = iter(reliances)
        for certificate in issued:
            for _ in certificate.certificate.goods:
                self._authority._rely(
                    self._session, "certificate", certificate.certificate.number, None, next(goods)
                )
        return issued


class _LoggedRegister(sql.SqlRegistry):
    """The register as online verification consults it: what the *log* says was issued. A
    certificate whose number is not in the log -- a row slipped into the table, a number
    signed with a stolen key -- was not issued by this body; nor was one logged only after its
    signing key was reported compromised."""

    def __init__(self, session: Session, issuer_did: str, keys: Keyring) -> None:
        super().__init__(session, issuer_did=issuer_did)
        self._keys = keys

    def registered_digest(self, number: str) -> str | None:
        return self.registered_digests([number])[number]

    def registered_digests(self, numbers: list[str]) -> dict[str, str | None]:
        """The digests the log holds for these numbers, in one query (``verify_many``)."""
        answer: dict[str, str | None] = dict.fromkeys(numbers)
        for entry in log_store.certificate_entries(self.session, numbers):
            if answer.get(entry.subject or "") is None and entry.subject in answer:
                answer[entry.subject] = self._recognised(entry)
        return answer

    def _recognised(self, entry: schema.LedgerEntry) -> str | None:
        leaf = ledger.decode_leaf(entry.leaf)
        if not isinstance(leaf, ledger.CertificateLeaf):
            return None
        key = self._keys.get(leaf.key_id)
        logged = datetime.strptime(leaf.time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if key is not None and key.revoked is not None and logged >= key.revoked:
            return None  # logged only after its key was reported compromised
        before = log_store.signed_before(self.session, entry.leaf_index)
        if before is not None and before > logged + CLOCK_TOLERANCE:
            return None  # its time is earlier than a checkpoint signed before it: back-dated
        return leaf.digest


# --- helpers -------------------------------------------------------------------------------------


def _evidence_view(
    entry: schema.LedgerEntry, tree_size: int, *, existing: bool = False
) -> EvidenceView:
    leaf = ledger.decode_leaf(entry.leaf)
    return EvidenceView(
        leaf_index=entry.leaf_index,
        leaf_hash=entry.leaf_hash,
        sha256=entry.sha256,
        kind=entry.kind,
        tree_size=tree_size,
        time=leaf.time,
        existing=existing,
    )


def _checkpoint_view(point: ledger.Checkpoint) -> CheckpointView:
    return CheckpointView.model_validate(point.to_json())


def _supplier_view(row: schema.SupplierCredential, leaf_hash: str) -> SupplierDeclarationView:
    claim, _ = read_declaration(row.credential)
    return SupplierDeclarationView(
        credential_id=row.credential_id,
        issuer=row.issuer,
        supplier=row.organisation_id,
        material=claim.material,
        hs_code=claim.hs_code,
        originating=claim.originating,
        origin_party=claim.origin_party,
        valid_from=claim.valid_from,
        valid_until=claim.valid_until,
        revoked=row.revoked,
        leaf_index=row.leaf_index,
        leaf_hash=leaf_hash,
        credential=row.credential,
    )


def _logged(entry: schema.LedgerEntry) -> LoggedRecord:
    leaf = ledger.decode_leaf(entry.leaf)
    evidence = leaf if isinstance(leaf, ledger.EvidenceLeaf) else None
    return LoggedRecord(
        kind=entry.kind,
        sha256=entry.sha256,
        leaf_index=entry.leaf_index,
        leaf_hash=entry.leaf_hash,
        time=leaf.time,
        version=None if evidence is None else evidence.version,
        parties=None if evidence is None or evidence.parties is None else tuple(evidence.parties),
        period_from=None if evidence is None else evidence.period_from,
        period_to=None if evidence is None else evidence.period_to,
    )


def _inconsistent(what: str) -> Conflict:
    return Conflict(
        "The evidence log does not match its signed checkpoints",
        f"{what}: the log was changed; the issuing body must investigate "
        "('rcep-origin evidence check')",
        kind="log-inconsistent",
    )


def _set_bits(bits: Bitstring) -> Iterator[int]:
    for position, byte in enumerate(bits.bits):
        if byte:
            for bit in range(8):
                if byte >> (7 - bit) & 1:
                    yield position * 8 + bit


def _certificate_status(register: sql.SqlRegistry, number: str) -> str:
    entries = register.status_entries_of(number)
    if entries is None:
        return "unknown"
    for entry in entries:
        flagged = register.status_bits(entry.list_url.rsplit("/", 1)[-1]).get(entry.index)
        if flagged:
            return "revoked" if entry.purpose == "revocation" else "suspended"
    return "in force"


def _publish(public: Path, point: ledger.Checkpoint) -> None:
    """Write the newest checkpoint to ``public/evidence-checkpoint.json``; an older one (a slower
    concurrent transaction) never replaces a newer one."""
    public.mkdir(parents=True, exist_ok=True)
    with open(public / ".evidence-checkpoint.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        target = public / CHECKPOINT_FILE
        current = _read_published(target)
        if current is not None and int(current.get("tree_size", 0)) >= point.tree_size:
            return
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(point.to_json(), indent=2) + "\n", "utf-8")
        temporary.replace(target)


def _read_published(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return found if isinstance(found, dict) else None


def _check_log(
    session: Session, did: str, keys: Keyring, published: Mapping[str, Any] | None
) -> LogCheckView:
    size = log_store.size(session)
    memory = ledger.MemoryLog()
    roots: dict[int, bytes] = {}
    points = {p.tree_size: p for p in log_store.checkpoints(session, did)}
    audit = {
        seq: hash_
        for seq, hash_ in session.execute(select(schema.AuditEntry.seq, schema.AuditEntry.hash))
    }

    def report(intact: bool, reason: str) -> LogCheckView:
        return LogCheckView(
            tree_size=size,
            checkpoints=len(points),
            intact=intact,
            reason=reason,
            published=None if published is None else published.get("tree_size"),
        )

    wanted = set(points) | ({int(published.get("tree_size", 0))} if published else set())
    signed = sorted((size, point.signed_at) for size, point in points.items())
    last_signed: datetime | None = None
    expected = 0
    leaves = select(schema.LedgerEntry).order_by(schema.LedgerEntry.leaf_index)
    for entry in session.scalars(leaves.execution_options(yield_per=1000)):
        if entry.leaf_index != expected:
            return report(False, f"leaf {expected} is missing")
        digest = ledger.leaf_hash(entry.leaf)
        if digest.hex() != entry.leaf_hash:
            return report(False, f"leaf {expected} does not match its hash: it was changed")
        try:
            leaf = ledger.decode_leaf(entry.leaf)
        except InputError as exc:
            return report(False, f"leaf {expected} is not a leaf of this log: {exc}")
        while signed and signed[0][0] <= expected:
            last_signed = signed.pop(0)[1]
        logged = datetime.strptime(leaf.time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if last_signed is not None and last_signed > logged + CLOCK_TOLERANCE:
            return report(False, f"leaf {expected} is dated before a checkpoint signed before it")
        if isinstance(leaf, ledger.AuditHeadLeaf) and audit.get(leaf.seq) != leaf.head_hash:
            return report(
                False,
                f"leaf {expected} logs audit entry {leaf.seq} with another hash: the audit "
                "chain was rewritten or cut back",
            )
        memory.append(digest)
        expected += 1
        if expected in wanted:
            roots[expected] = memory.root()
    if expected != size:
        return report(False, f"the log should have {size} leaves, it has {expected}")
    stored = log_store.nodes(session, ledger.frontier_keys(size)) if size else {}
    if size and ledger.root_of(size, stored) != memory.root():
        return report(False, "the stored nodes do not give the root of the leaves")
    for tree_size, point in points.items():
        problem = ledger.checkpoint_problem(point, keys.get(point.key_id))
        if problem:
            return report(False, f"checkpoint {tree_size}: {problem}")
        if tree_size > size or roots.get(tree_size) != point.root_hash:
            return report(False, f"checkpoint {tree_size}: the log no longer has its root")
    if published is not None:
        try:
            head = ledger.Checkpoint.from_json(published)
        except InputError as exc:
            return report(False, f"the published checkpoint is malformed: {exc}")
        problem = ledger.checkpoint_problem(head, keys.get(head.key_id))
        if problem:
            return report(False, f"the published checkpoint: {problem}")
        if roots.get(head.tree_size) != head.root_hash:
            return report(
                False,
                f"the log does not reach the published checkpoint of {head.tree_size} leaves: "
                "it was cut back or rewritten",
            )
    return report(True, f"{size} leaves; {len(points)} signed checkpoints hold")
