"""Proofs as documents that travel: an inclusion proof (the leaf itself, its index, the audit
path and the root, with the signed checkpoint of that root) and a consistency proof (two sizes,
their roots and the path between them, with the checkpoint of the second). Each checks itself
with nothing but its own content (``problem``); whether the checkpoint's key is the issuer's is
for the caller to say (``checkpoint_problem`` with the key from the published ``did.json``)."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rcep_origin.ledger._checkpoint import MAX_TREE_SIZE, Checkpoint, ProofFormatError
from rcep_origin.ledger._hashing import HASH_SIZE, leaf_hash
from rcep_origin.ledger._verify import verify_consistency, verify_inclusion

MAX_PATH = 130  # two per level of a tree of 2**62 leaves, and then some


def _hashes(value: Any, path: str) -> tuple[bytes, ...]:
    if not isinstance(value, list) or len(value) > MAX_PATH:
        raise ProofFormatError(f"a list of at most {MAX_PATH} hashes", path=path)
    return tuple(_hash(item, f"{path}[{i}]") for i, item in enumerate(value))


def _hash(value: Any, path: str) -> bytes:
    try:
        if not isinstance(value, str) or len(value) != 2 * HASH_SIZE or value != value.lower():
            raise ValueError
        return bytes.fromhex(value)
    except ValueError:
        raise ProofFormatError("a hash is 64 lower-case hex digits", path=path) from None


def _size(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_TREE_SIZE:
        raise ProofFormatError(f"{name} is a whole number of leaves", path=name)
    return value


def _checkpoint(data: Mapping[str, Any]) -> Checkpoint | None:
    found = data.get("checkpoint")
    return None if found is None else Checkpoint.from_json(found)


@dataclass(frozen=True)
class InclusionProof:
    leaf: bytes  # the exact leaf bytes (``decode_leaf`` reads them)
    leaf_index: int
    tree_size: int
    audit_path: tuple[bytes, ...]
    root_hash: bytes
    checkpoint: Checkpoint | None = None

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf)

    def problem(self) -> str:
        """Why the proof does not hold by itself, or ''."""
        if not verify_inclusion(
            self.leaf_index, self.tree_size, self.leaf_hash, self.audit_path, self.root_hash
        ):
            return (
                f"the audit path does not lead from leaf {self.leaf_index} to the root of "
                f"{self.tree_size} leaves (RFC 9162 section 2.1.3.2)"
            )
        point = self.checkpoint
        if point is not None and (
            point.tree_size != self.tree_size
            or not hmac.compare_digest(point.root_hash, self.root_hash)
        ):
            return "the checkpoint is of another tree than the proof"
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "leaf": base64.b64encode(self.leaf).decode("ascii"),
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "audit_path": [h.hex() for h in self.audit_path],
            "root_hash": self.root_hash.hex(),
            "checkpoint": None if self.checkpoint is None else self.checkpoint.to_json(),
        }

    @classmethod
    def from_json(cls, data: Any) -> InclusionProof:
        if not isinstance(data, Mapping):
            raise ProofFormatError("an inclusion proof is a JSON object")
        try:
            leaf = base64.b64decode(str(data.get("leaf", "")), validate=True)
        except (binascii.Error, ValueError):
            raise ProofFormatError("leaf is base64", path="leaf") from None
        return cls(
            leaf=leaf,
            leaf_index=_size(data, "leaf_index"),
            tree_size=_size(data, "tree_size"),
            audit_path=_hashes(data.get("audit_path"), "audit_path"),
            root_hash=_hash(data.get("root_hash"), "root_hash"),
            checkpoint=_checkpoint(data),
        )


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    path: tuple[bytes, ...]
    checkpoint: Checkpoint | None = None  # of ``second``, when the log signed one

    def problem(self) -> str:
        if not verify_consistency(
            self.first, self.second, self.first_root, self.second_root, self.path
        ):
            return (
                f"the path does not show the tree of {self.second} leaves extends the tree of "
                f"{self.first} (RFC 9162 section 2.1.4.2)"
            )
        point = self.checkpoint
        if point is not None and (
            point.tree_size != self.second
            or not hmac.compare_digest(point.root_hash, self.second_root)
        ):
            return "the checkpoint is of another tree than the proof's second"
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "first_root": self.first_root.hex(),
            "second_root": self.second_root.hex(),
            "path": [h.hex() for h in self.path],
            "checkpoint": None if self.checkpoint is None else self.checkpoint.to_json(),
        }

    @classmethod
    def from_json(cls, data: Any) -> ConsistencyProof:
        if not isinstance(data, Mapping):
            raise ProofFormatError("a consistency proof is a JSON object")
        return cls(
            first=_size(data, "first"),
            second=_size(data, "second"),
            first_root=_hash(data.get("first_root"), "first_root"),
            second_root=_hash(data.get("second_root"), "second_root"),
            path=_hashes(data.get("path"), "path"),
            checkpoint=_checkpoint(data),
        )


def read_proof(data: Any) -> InclusionProof | ConsistencyProof:
    """An inclusion or a consistency proof, told apart by their members."""
    if isinstance(data, Mapping) and "audit_path" in data:
        return InclusionProof.from_json(data)
    if isinstance(data, Mapping) and "first" in data:
        return ConsistencyProof.from_json(data)
    raise ProofFormatError(
        "neither an inclusion proof (audit_path) nor a consistency proof (first)"
    )
