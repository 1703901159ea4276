"""Checking proofs as RFC 9162 prescribes: section 2.1.3.2 ("Verifying an Inclusion Proof") and
section 2.1.4.2 ("Verifying Consistency between Two Tree Heads"), step by step. A verifier needs
nothing but the hashes: no log, no database."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from rcep_origin.ledger._hashing import HASH_SIZE, node_hash


def _well_formed(path: Sequence[bytes]) -> bool:
    return all(isinstance(p, bytes) and len(p) == HASH_SIZE for p in path)


def root_from_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, audit_path: Sequence[bytes]
) -> bytes | None:
    """The root an audit path leads to from a leaf hash (section 2.1.3.2, steps 1-5 without the
    final comparison); None when the path cannot be a path for that leaf and size."""
    # 1. leaf_index must be below tree_size.
    if not 0 <= leaf_index < tree_size or not _well_formed([leaf, *audit_path]):
        return None
    # 2. fn = leaf_index, sn = tree_size - 1; 3. r = hash.
    fn, sn, r = leaf_index, tree_size - 1, leaf
    # 4. for each p in the inclusion path:
    for p in audit_path:
        if sn == 0:  # a. more hashes than the tree has levels
            return None
        if fn & 1 or fn == sn:  # b. p is a left sibling
            r = node_hash(p, r)
            if not fn & 1:  # ii. climb past the levels where this node has no sibling
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:  # otherwise p is a right sibling
            r = node_hash(r, p)
        fn >>= 1  # c.
        sn >>= 1
    # 5. sn must be 0: the path reached the root.
    return r if sn == 0 else None


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, audit_path: Sequence[bytes], root: bytes
) -> bool:
    """Section 2.1.3.2: ``leaf`` (a leaf *hash*) is at ``leaf_index`` in the tree of
    ``tree_size`` leaves whose root is ``root``."""
    computed = root_from_inclusion(leaf_index, tree_size, leaf, audit_path)
    return computed is not None and hmac.compare_digest(computed, root)


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """Section 2.1.4.2: the tree of ``second`` leaves (``second_root``) extends the tree of
    ``first`` leaves (``first_root``): every leaf of the first is in the second, unchanged and
    in place. The RFC's algorithm is for 0 < first < second; a tree is consistent with itself
    (same size and root, empty path), and the empty tree with every tree (empty path)."""
    if not _well_formed([first_root, second_root, *path]):
        return False
    if not path and first == second:
        return hmac.compare_digest(first_root, second_root)
    if not path and first == 0:
        return second >= 0
    if not 0 < first < second:
        return False
    # 1. An empty path fails.
    if not path:
        return False
    # 2. If first is an exact power of two, prepend first_hash to the path.
    steps = list(path)
    if first & (first - 1) == 0:
        steps.insert(0, first_root)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = first - 1, second - 1
    # 4. While LSB(fn) is set, right-shift fn and sn equally.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr = sr = the first value of the path.
    fr = sr = steps[0]
    # 6. For each subsequent value c:
    for c in steps[1:]:
        if sn == 0:  # a.
            return False
        if fn & 1 or fn == sn:  # b.
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:  # iii.
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # c.
        sn >>= 1
    # 7. fr == first_hash, sr == second_hash, sn == 0.
    return hmac.compare_digest(fr, first_root) and hmac.compare_digest(sr, second_root) and sn == 0
