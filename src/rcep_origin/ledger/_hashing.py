"""RFC 9162 section 2.1.1, "Definition of the Merkle Tree", with SHA-256 as its hash:

    MTH({})      = SHA-256()
    MTH({d(0)})  = SHA-256(0x00 || d(0))                          the leaf hash
    MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))    k: the largest power of two < n

The prefixes 0x00 and 0x01 keep a leaf from ever being read as an inner node (the second-preimage
defence the RFC gives them for).
"""

from __future__ import annotations

import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}), the root of the empty log
_LEAF, _NODE = b"\x00", b"\x01"


def leaf_hash(leaf: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(_LEAF + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE + left + right).digest()


def split_point(size: int) -> int:
    """k, the largest power of two smaller than ``size`` (``size`` > 1)."""
    if size < 2:
        raise ValueError("only a tree of two leaves or more is split")
    return 1 << ((size - 1).bit_length() - 1)
