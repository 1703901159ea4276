"""The evidence log in the register: its leaves, the hashes of its perfect subtrees, and its
signed checkpoints (the mathematics is ``rcep_origin.ledger``'s). Each function takes the
caller's session, so a leaf commits with the change it records, or not at all.

Appending is serialised. A transaction appends leaves under two row locks, always in this order:
the audit chain's counter first, then the log's size. Every unit of work that writes ends by
appending to the audit chain and then logging the chain's head, so taking the audit lock before
the log's (and not the other way round) keeps two transactions from ever waiting on each other
in a circle. On SQLite, writers are serialised anyway (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rcep_origin import ledger
from rcep_origin.store import schema

AUDIT_COUNTER = "audit"  # sql.audit's counter: the first lock of every appending transaction
SIZE_COUNTER = "ledger.size"
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_CHUNK = 500  # keys per IN query (SQLite's bound-parameter limit, PostgreSQL's plan size)


@dataclass(frozen=True)
class Meta:
    """What the columns beside a leaf record about it (the leaf itself says it all)."""

    kind: str
    sha256: str
    subject: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class Appended:
    leaf_index: int
    leaf_hash: bytes
    tree_size: int  # after this append


def _counter(session: Session, name: str) -> schema.Sequence:
    """A counter row, locked to the end of the transaction (created at 0 on first use)."""
    query = select(schema.Sequence).where(schema.Sequence.name == name).with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():
                session.add(schema.Sequence(name=name, value=0))
        except IntegrityError:
            pass  # created by a concurrent first use; its lock is waited for below
        row = session.execute(query).scalar_one()
    return row


def size(session: Session) -> int:
    row = session.get(schema.Sequence, SIZE_COUNTER)
    return 0 if row is None else int(row.value)


def nodes(session: Session, keys: Iterable[ledger.NodeKey]) -> dict[ledger.NodeKey, bytes]:
    """The stored hashes of these perfect subtrees, in one query (per chunk of keys). Keys are
    asked level by level, ``level = l AND position IN (...)``, which both databases answer from
    the primary key (SQLite does not use the index for a row-value IN)."""
    wanted = sorted(set(keys))
    found: dict[ledger.NodeKey, bytes] = {}
    node = schema.LedgerNode
    for start in range(0, len(wanted), _CHUNK):
        by_level: dict[int, list[int]] = {}
        for level, position in wanted[start : start + _CHUNK]:
            by_level.setdefault(level, []).append(position)
        query = select(node.level, node.position, node.hash).where(
            or_(
                *(
                    and_(node.level == level, node.position.in_(ps))
                    for level, ps in by_level.items()
                )
            )
        )
        for level, position, value in session.execute(query):
            found[level, position] = bytes(value)
    missing = [key for key in wanted if key not in found]
    if missing:
        raise LookupError(f"the log has no node {missing[0]}: it is not that large, or was cut")
    return found


def append(session: Session, leaves: Sequence[tuple[bytes, Meta]], at: datetime) -> list[Appended]:
    """Append leaves in order; returns where each went."""
    if not leaves:
        return []
    _counter(session, AUDIT_COUNTER)  # the lock order of the module's docstring
    counter = _counter(session, SIZE_COUNTER)
    start = int(counter.value)
    frontier = ledger.Frontier.of(start, nodes(session, ledger.frontier_keys(start)))
    entries, new_nodes, appended = [], [], []
    for leaf, meta in leaves:
        digest = ledger.leaf_hash(leaf)
        index = frontier.size
        new_nodes += [
            {"level": level, "position": position, "hash": value}
            for level, position, value in frontier.append(digest)
        ]
        entries.append(
            {
                "leaf_index": index,
                "leaf": leaf,
                "leaf_hash": digest.hex(),
                "kind": meta.kind,
                "sha256": meta.sha256,
                "subject": meta.subject,
                "owner": meta.owner,
                "created": at,
            }
        )
        appended.append(Appended(index, digest, index + 1))
    session.execute(insert(schema.LedgerEntry), entries)
    session.execute(insert(schema.LedgerNode), new_nodes)
    counter.value = frontier.size
    session.flush()
    return appended


def root(session: Session, tree_size: int) -> bytes:
    if tree_size == 0:
        return ledger.EMPTY_ROOT
    return ledger.root_of(tree_size, nodes(session, ledger.frontier_keys(tree_size)))


def inclusion(session: Session, leaf_index: int, tree_size: int) -> tuple[list[bytes], bytes]:
    """The audit path of a leaf in the tree of ``tree_size`` leaves, and that tree's root."""
    found = nodes(session, ledger.inclusion_keys(leaf_index, tree_size))
    return ledger.audit_path(leaf_index, tree_size, found), ledger.root_of(tree_size, found)


def consistency(session: Session, first: int, second: int) -> tuple[list[bytes], bytes, bytes]:
    """The consistency path from ``first`` to ``second`` leaves, and both roots."""
    found = nodes(session, ledger.consistency_keys(first, second))
    roots = [ledger.EMPTY_ROOT if n == 0 else ledger.root_of(n, found) for n in (first, second)]
    return ledger.consistency_path(first, second, found), roots[0], roots[1]


# --- entries -----------------------------------------------------------------------------------


def entry(session: Session, leaf_index: int) -> schema.LedgerEntry | None:
    return session.get(schema.LedgerEntry, leaf_index)


def entries_by(
    session: Session,
    *,
    sha256: str | None = None,
    leaf_hash: str | None = None,
    kind: str | None = None,
    subject: str | None = None,
    owner: str | None = None,
    limit: int = 100,
) -> list[schema.LedgerEntry]:
    """Entries matching every given column, oldest first."""
    row = schema.LedgerEntry
    query = select(row).order_by(row.leaf_index).limit(limit)
    for column, value in (
        (row.sha256, sha256),
        (row.leaf_hash, leaf_hash),
        (row.kind, kind),
        (row.subject, subject),
        (row.owner, owner),
    ):
        if value is not None:
            query = query.where(column == value)
    return list(session.scalars(query))


def certificate_entries(session: Session, numbers: Iterable[str]) -> list[schema.LedgerEntry]:
    """The certificate leaves of these numbers, oldest first."""
    wanted = sorted(set(numbers))
    found: list[schema.LedgerEntry] = []
    row = schema.LedgerEntry
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found += session.scalars(
            select(row)
            .where(row.kind == "certificate")
            .where(row.subject.in_(chunk))
            .order_by(row.leaf_index)
        )
    return found


def entries_with_hashes(session: Session, leaf_hashes: Iterable[str]) -> list[schema.LedgerEntry]:
    wanted = sorted(set(leaf_hashes))
    found: list[schema.LedgerEntry] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found += session.scalars(
            select(schema.LedgerEntry).where(schema.LedgerEntry.leaf_hash.in_(chunk))
        )
    return found


# --- checkpoints -------------------------------------------------------------------------------


def save_checkpoint(session: Session, point: ledger.Checkpoint) -> None:
    session.merge(
        schema.LedgerCheckpoint(
            tree_size=point.tree_size,
            root_hash=point.root_hash.hex(),
            at=point.signed_at,
            key_id=point.key_id,
            signature=point.to_json()["signature"],
        )
    )
    session.flush()


def _checkpoint(row: schema.LedgerCheckpoint, issuer: str) -> ledger.Checkpoint:
    return ledger.Checkpoint.from_json(
        {
            "issuer": issuer,
            "tree_size": row.tree_size,
            "root_hash": row.root_hash,
            "time": ledger.instant(row.at),
            "key_id": row.key_id,
            "signature": row.signature,
        }
    )


def latest_checkpoint(session: Session, issuer: str) -> ledger.Checkpoint | None:
    row = session.scalars(
        select(schema.LedgerCheckpoint).order_by(schema.LedgerCheckpoint.tree_size.desc()).limit(1)
    ).first()
    return None if row is None else _checkpoint(row, issuer)


def checkpoint(session: Session, issuer: str, tree_size: int) -> ledger.Checkpoint | None:
    row = session.get(schema.LedgerCheckpoint, tree_size)
    return None if row is None else _checkpoint(row, issuer)


def signed_before(session: Session, leaf_index: int) -> datetime | None:
    """When the newest checkpoint the leaf at ``leaf_index`` came after was signed: the leaf
    cannot have been logged earlier than that."""
    row = schema.LedgerCheckpoint
    found = session.scalars(
        select(row.at).where(row.tree_size <= leaf_index).order_by(row.tree_size.desc()).limit(1)
    ).first()
    return None if found is None else (found if found.tzinfo else found.replace(tzinfo=UTC))


def checkpoints(session: Session, issuer: str) -> list[ledger.Checkpoint]:
    rows = session.scalars(
        select(schema.LedgerCheckpoint).order_by(schema.LedgerCheckpoint.tree_size)
    )
    return [_checkpoint(row, issuer) for row in rows]


# --- certificates ------------------------------------------------------------------------------


def certificate_leaf(
    number: str, digest: str, credential: dict[str, object], at: datetime
) -> bytes:
    """The leaf that says certificate ``number`` with content ``digest`` was issued (logged at
    ``at``), naming the key and the signing time its proof states."""
    proof = credential.get("proof")
    proof = proof if isinstance(proof, dict) else {}
    signed = str(proof.get("created", ""))
    return ledger.encode_leaf(
        ledger.CertificateLeaf(
            time=ledger.instant(at),
            number=number,
            digest=digest,
            key_id=str(proof.get("verificationMethod") or "unknown")[:500],
            signed=signed if _INSTANT.match(signed) else ledger.instant(at),
        )
    )


def log_certificates(session: Session, at: datetime) -> list[Appended]:
    """Log every certificate of the register that the log does not hold yet, in the order they
    were issued (certificates that entered the register before the log, or by a migration)."""
    from rcep_origin.certificates.credential import certificate_from_credential
    from rcep_origin.certificates.model import certificate_digest

    logged = set(
        session.scalars(
            select(schema.LedgerEntry.subject).where(schema.LedgerEntry.kind == "certificate")
        )
    )
    table = schema.CertificateRow.__table__
    rows = session.execute(
        select(table.c.number, table.c.credential, table.c.content_sha256).order_by(
            table.c.created, table.c.number
        )
    )
    leaves = []
    for number, credential, stored in rows:
        if number in logged:
            continue
        digest = stored or certificate_digest(certificate_from_credential(credential))
        leaves.append(
            (
                certificate_leaf(number, digest, credential, at),
                Meta("certificate", digest, subject=number),
            )
        )
    return append(session, leaves, at)
