"""Signed checkpoints: "the log of issuer I had N leaves and root R at time T", signed with the
issuer's Ed25519 key.

A checkpoint is what a verifier holds on to. An inclusion proof ends at a root; the checkpoint's
signature says that root is the issuer's log. Two checkpoints and a consistency proof between
them show the log only grew. The signed message is plain text, domain-separated so that it can
never be mistaken for anything else the same key signs (a certificate's proof, an audit
checkpoint)::

    rcep-origin evidence log checkpoint v1
    did:web:co.example.cn
    1024
    3f0c...e1          (the root, 64 hex digits)
    2026-11-20T09:00:00Z

The key is named by its verification method (``did:web:...#key-...``), so anyone resolves it
from the issuer's published ``did.json`` and checks that it signed inside its lifetime.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from rcep_origin.errors import InputError
from rcep_origin.ledger._hashing import HASH_SIZE

DOMAIN = "rcep-origin evidence log checkpoint v1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MAX_TREE_SIZE = 2**62  # bounds the integers a document may carry


class ProofFormatError(InputError):
    """A checkpoint or proof document is malformed; ``path`` names the member."""


class CheckpointKey(Protocol):
    """What a checkpoint is checked with (``certificates.keys.VerificationKey`` is one)."""

    @property
    def controller(self) -> str: ...

    def verify(self, signature: bytes, data: bytes) -> bool: ...

    def signed_in_lifetime(self, instant: datetime) -> tuple[bool, str]: ...


def instant(moment: datetime) -> str:
    """UTC to the second, with ``Z``: the one spelling a checkpoint or a leaf uses."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def checkpoint_message(issuer: str, tree_size: int, root_hash: bytes, time: str) -> bytes:
    return f"{DOMAIN}\n{issuer}\n{tree_size}\n{root_hash.hex()}\n{time}\n".encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str, path: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ProofFormatError("not base64url", path=path) from None


@dataclass(frozen=True)
class Checkpoint:
    issuer: str  # the issuing body's DID: whose log
    tree_size: int
    root_hash: bytes
    time: str  # instant(), e.g. 2026-11-20T09:00:00Z
    key_id: str  # the verification method that signed
    signature: bytes

    @property
    def signed_at(self) -> datetime:
        return datetime.strptime(self.time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    def message(self) -> bytes:
        return checkpoint_message(self.issuer, self.tree_size, self.root_hash, self.time)

    def to_json(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "time": self.time,
            "key_id": self.key_id,
            "signature": b64url(self.signature),
        }

    @classmethod
    def from_json(cls, data: Any, path: str = "checkpoint") -> Checkpoint:
        if not isinstance(data, Mapping):
            raise ProofFormatError("a checkpoint is a JSON object", path=path)
        fields = {
            "issuer": str,
            "tree_size": int,
            "root_hash": str,
            "time": str,
            "key_id": str,
            "signature": str,
        }
        for name, kind in fields.items():
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ProofFormatError(f"{name} is missing or not a {kind.__name__}", path=path)
        size = data["tree_size"]
        if not 0 <= size <= MAX_TREE_SIZE:
            raise ProofFormatError("tree_size is out of range", path=f"{path}.tree_size")
        if not _HEX64.match(data["root_hash"]):
            raise ProofFormatError("root_hash is 64 hex digits", path=f"{path}.root_hash")
        if not _INSTANT.match(data["time"]):
            raise ProofFormatError("time is YYYY-MM-DDThh:mm:ssZ", path=f"{path}.time")
        return cls(
            issuer=data["issuer"],
            tree_size=size,
            root_hash=bytes.fromhex(data["root_hash"]),
            time=data["time"],
            key_id=data["key_id"],
            signature=_b64url_decode(data["signature"], f"{path}.signature"),
        )


def sign_checkpoint(
    issuer: str,
    tree_size: int,
    root_hash: bytes,
    at: datetime,
    key_id: str,
    sign: Callable[[bytes], bytes],
) -> Checkpoint:
    if len(root_hash) != HASH_SIZE:
        raise ValueError("a root is a SHA-256 hash")
    time = instant(at)
    signature = sign(checkpoint_message(issuer, tree_size, root_hash, time))
    return Checkpoint(issuer, tree_size, root_hash, time, key_id, signature)


def checkpoint_problem(checkpoint: Checkpoint, key: CheckpointKey | None) -> str:
    """Why ``checkpoint`` does not hold under ``key`` (the key it names, resolved by the
    caller from the issuer's published keys), or '' when it holds."""
    if key is None:
        return f"signed by {checkpoint.key_id}, which is not a published key of the issuer"
    if key.controller != checkpoint.issuer:
        return f"{checkpoint.key_id} is not a key of {checkpoint.issuer}"
    within, why = key.signed_in_lifetime(checkpoint.signed_at)
    if not within:
        return f"signed outside the key's lifetime: {why}"
    if not key.verify(checkpoint.signature, checkpoint.message()):
        return "the checkpoint's signature does not verify: it was altered or signed by another key"
    return ""
