"""Signed checkpoints of the audit chain, and the head the issuer publishes.

The hash chain alone proves that no entry was changed *unless* whoever changed it recomputed
every later hash, and it cannot show that the newest entries were deleted. So every unit of work
that appends to the chain ends with a checkpoint -- "entry N has hash H", signed by the issuer's
current key -- stored beside the chain, and the newest one is also written to
``public/audit-head.json`` for publication (the provenance log takes it further). ``audit
verify`` then checks, besides the chain: every checkpoint's signature (by a key of the issuer,
inside its lifetime) and that the chain still has that hash at that entry; and that the chain
reaches the published head.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rcep_origin.certificates.keys import Keyring, Signer
from rcep_origin.store import schema

log = logging.getLogger("rcep_origin.audit")
HEAD_FILE = "audit-head.json"


def checkpoint_message(did: str, seq: int, head_hash: str, at: datetime) -> bytes:
    """What a checkpoint signs: the issuer, the entry, its hash and when (domain-separated)."""
    stamp = at.astimezone(UTC).isoformat()
    return f"rcep-origin audit checkpoint\n{did}\n{seq}\n{head_hash}\n{stamp}".encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_checkpoint(
    session: Session, signer: Signer, did: str, now: datetime
) -> dict[str, Any] | None:
    """Sign the chain's current head, in the caller's transaction (which holds the audit
    counter's lock, so no entry can slip in after the head it reads)."""
    head = session.scalars(
        select(schema.AuditEntry).order_by(schema.AuditEntry.seq.desc()).limit(1)
    ).first()
    if head is None:
        return None
    at = now.astimezone(UTC).replace(microsecond=0)
    signature = _b64(signer.sign(checkpoint_message(did, head.seq, head.hash, at)))
    session.merge(
        schema.AuditCheckpoint(
            seq=head.seq, head_hash=head.hash, at=at, key_id=signer.key.id, signature=signature
        )
    )
    session.flush()
    return {
        "issuer": did,
        "seq": head.seq,
        "head_hash": head.hash,
        "at": at.isoformat(),
        "key_id": signer.key.id,
        "signature": signature,
    }


def publish_head(public: Path, checkpoint: dict[str, Any]) -> None:
    """Write the newest checkpoint to ``public/audit-head.json``; an older one (a slower
    concurrent transaction) never overwrites a newer one."""
    public.mkdir(parents=True, exist_ok=True)
    with open(public / ".audit-head.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        target = public / HEAD_FILE
        try:
            current = json.loads(target.read_text("utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            current = {}
        if int(current.get("seq", 0)) >= checkpoint["seq"]:
            return
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(checkpoint, indent=2) + "\n", "utf-8")
        temporary.replace(target)


@dataclass(frozen=True)
class CheckpointReport:
    checkpoints: int
    last: int | None
    published: int | None
    intact: bool
    reason: str


def verify_checkpoints(
    session: Session, keys: Keyring, did: str, published: dict[str, Any] | None
) -> CheckpointReport:
    newest = session.scalar(select(func.max(schema.AuditEntry.seq))) or 0
    count, last = 0, None
    for point in session.scalars(
        select(schema.AuditCheckpoint).order_by(schema.AuditCheckpoint.seq)
    ):
        count, last = count + 1, point.seq
        problem = _checkpoint_problem(
            session, keys, did, point.seq, point.head_hash, point.at, point.key_id, point.signature
        )
        if problem:
            return CheckpointReport(count, last, None, False, f"checkpoint {point.seq}: {problem}")
    head = None
    if published is not None:
        try:
            head = int(published["seq"])
            at = datetime.fromisoformat(str(published["at"]))
            problem = _checkpoint_problem(
                session, keys, did, head, str(published["head_hash"]), at,
                str(published["key_id"]), str(published["signature"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            return CheckpointReport(
                count, last, None, False, f"the published head is malformed: {exc}"
            )
        if problem:
            return CheckpointReport(
                count, last, head, False, f"the published head (entry {head}): {problem}"
            )
    if last is not None and last > newest:
        return CheckpointReport(
            count, last, head, False, f"entries after {newest} are missing (checkpoint {last})"
        )
    return CheckpointReport(
        count, last, head, True,
        f"{count} signed checkpoints hold" + ("" if head is None else f"; the chain reaches the published head {head}"),
    )  # fmt: skip


def _checkpoint_problem(
    session: Session,
    keys: Keyring,
    did: str,
    seq: int,
    head_hash: str,
    at: datetime,
    key_id: str,
    signature: str,
) -> str:
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    key = keys.get(key_id)
    if key is None or key.controller != did:
        return f"signed by {key_id}, not a key of {did}"
    within, why = key.signed_in_lifetime(at)
    if not within:
        return f"signed outside its key's lifetime: {why}"
    try:
        raw = _unb64(signature)
    except ValueError:
        return "its signature does not decode"
    if not key.verify(raw, checkpoint_message(did, seq, head_hash, at)):
        return "its signature does not verify: the checkpoint was altered"
    entry = session.get(schema.AuditEntry, seq)
    if entry is None:
        return f"entry {seq} is missing: the chain was cut back"
    if entry.hash != head_hash:
        return f"entry {seq} no longer has the signed hash: the chain was rewritten"
    return ""
