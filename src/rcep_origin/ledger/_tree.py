"""Where the hashes of an RFC 9162 tree come from, and which ones a proof needs.

A log keeps the hash of every *perfect* subtree: the node at ``(level, index)`` is MTH of the
``2**level`` leaves starting at leaf ``index << level``. Level 0 holds the leaf hashes. Appending
leaf ``n`` adds its leaf hash and one node per subtree it completes (about two nodes a leaf), so
nothing is ever rewritten: the table only grows, like the log.

Any range the RFC's recursion names (section 2.1.1: split at ``k``, the largest power of two
below the size) is a perfect subtree or splits into a perfect left part and a smaller right
part, so its hash comes from O(log n) stored nodes (``range_keys`` names them, ``range_hash``
folds them). The proofs of sections 2.1.3.1 (``PATH``) and 2.1.4.1 (``PROOF``/``SUBPROOF``) are
lists of such ranges (``inclusion_ranges``, ``consistency_ranges``): a store reads the nodes they
need in one query, whatever the size of the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rcep_origin.ledger._hashing import EMPTY_ROOT, node_hash, split_point

NodeKey = tuple[int, int]  # (level, index): the perfect subtree of leaves [index << level, ...)
Range = tuple[int, int]  # leaves [start, end)


def _perfect(start: int, end: int) -> NodeKey | None:
    size = end - start
    if size > 0 and size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return level, start >> level
    return None


def range_keys(start: int, end: int) -> list[NodeKey]:
    """The stored nodes MTH(D[start:end]) is folded from (section 2.1.1's recursion)."""
    if not 0 <= start < end:
        raise ValueError(f"not a range of leaves: [{start}, {end})")
    keys: list[NodeKey] = []
    pending = [(start, end)]
    while pending:
        low, high = pending.pop()
        key = _perfect(low, high)
        if key is not None:
            keys.append(key)
            continue
        k = split_point(high - low)
        pending += [(low, low + k), (low + k, high)]
    return keys


def range_hash(start: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH(D[start:end]) from the stored nodes (``range_keys`` names those it reads)."""
    if start == end:
        return EMPTY_ROOT
    key = _perfect(start, end)
    if key is not None:
        return nodes[key]
    k = split_point(end - start)
    return node_hash(range_hash(start, start + k, nodes), range_hash(start + k, end, nodes))


def keys_of(ranges: Iterable[Range]) -> set[NodeKey]:
    return {key for start, end in ranges for key in range_keys(start, end)}


def root_ranges(size: int) -> list[Range]:
    return [(0, size)] if size else []


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 9162 section 2.1.3.1, PATH(m, D[n]), as the ranges whose hashes make the audit path,
    leaf first (bottom-up)::

        PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])    for m < k
        PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])  for m >= k
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    path.reverse()
    return path


def consistency_ranges(first: int, second: int) -> list[Range]:
    """RFC 9162 section 2.1.4.1, PROOF(m, D[n]) = SUBPROOF(m, D[n], true), as ranges::

        SUBPROOF(m, D[m], true)  = {}
        SUBPROOF(m, D[m], false) = {MTH(D[m])}
        SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])          for m <= k
        SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  for m > k

    The RFC defines it for 0 < m < n; here m == n and m == 0 (nothing to prove) give [].
    """
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second} leaves")
    if first in (0, second):
        return []
    path: list[Range] = []
    remaining, start, end, whole = first, 0, second, True
    while remaining != end - start:
        k = split_point(end - start)
        if remaining <= k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            remaining -= k
            start += k
            whole = False
    if not whole:
        path.append((start, end))
    path.reverse()
    return path


def frontier_keys(size: int) -> list[NodeKey]:
    """The perfect subtrees along the right border of a tree of ``size`` leaves, largest first:
    all an append needs (``Frontier``)."""
    keys, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


@dataclass
class Frontier:
    """The right border of the tree (a "compact range"): enough to append leaves and to compute
    the root without reading anything else."""

    size: int = 0
    pieces: list[tuple[int, bytes]] = field(default_factory=list)  # (level, hash), largest first

    @classmethod
    def of(cls, size: int, nodes: Mapping[NodeKey, bytes]) -> Frontier:
        return cls(size, [(level, nodes[level, index]) for level, index in frontier_keys(size)])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; returns the nodes it creates as (level, index, hash)."""
        index, level, current = self.size, 0, leaf
        created = [(0, index, leaf)]
        while self.pieces and self.pieces[-1][0] == level:
            _, left = self.pieces.pop()
            current = node_hash(left, current)
            level += 1
            created.append((level, index >> level, current))
        self.pieces.append((level, current))
        self.size += 1
        return created

    def root(self) -> bytes:
        """MTH(D[size]): the border's subtrees folded from the right (section 2.1.1)."""
        if not self.pieces:
            return EMPTY_ROOT
        result = self.pieces[-1][1]
        for _, piece in reversed(self.pieces[:-1]):
            result = node_hash(piece, result)
        return result


def inclusion_keys(index: int, size: int) -> set[NodeKey]:
    """The nodes an inclusion proof (and its root) is made of."""
    return keys_of([*inclusion_ranges(index, size), *root_ranges(size)])


def consistency_keys(first: int, second: int) -> set[NodeKey]:
    """The nodes a consistency proof (and both roots) is made of."""
    ranges = [*consistency_ranges(first, second), *root_ranges(first), *root_ranges(second)]
    return keys_of(ranges)


def audit_path(index: int, size: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    return [range_hash(start, end, nodes) for start, end in inclusion_ranges(index, size)]


def consistency_path(first: int, second: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    return [range_hash(start, end, nodes) for start, end in consistency_ranges(first, second)]


def root_of(size: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    return range_hash(0, size, nodes)


class MemoryLog:
    """A log in memory, for tests and benchmarks: the same frontier and nodes a store keeps."""

    def __init__(self) -> None:
        self.frontier = Frontier()
        self.nodes: dict[NodeKey, bytes] = {}

    @property
    def size(self) -> int:
        return self.frontier.size

    def append(self, leaf: bytes) -> int:
        """Append a leaf hash; returns its index."""
        for level, index, value in self.frontier.append(leaf):
            self.nodes[level, index] = value
        return self.frontier.size - 1

    def root(self, size: int | None = None) -> bytes:
        return self.frontier.root() if size is None else root_of(size, self.nodes)
