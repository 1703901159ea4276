"""W3C Bitstring Status List v1.0: one bit per certificate, revocation and suspension.

The list is a bitstring of at least 131,072 entries (16 KiB) so that a verifier fetching it
learns nothing about which certificate it checks. Bit 0 is the most significant bit of the first
byte. ``encodedList`` is the GZIP-compressed bitstring in base64url without padding, with the
multibase prefix ``u``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import io
from dataclasses import dataclass, field

MIN_ENTRIES = 131_072
PURPOSES = ("revocation", "suspension")


class StatusListError(ValueError):
    pass


@dataclass
class Bitstring:
    size: int = MIN_ENTRIES
    bits: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        if self.size < MIN_ENTRIES or self.size % 8:
            raise StatusListError(
                f"a status list holds a multiple of 8 entries, at least {MIN_ENTRIES}"
            )
        if not self.bits:
            self.bits = bytearray(self.size // 8)
        elif len(self.bits) * 8 != self.size:
            raise StatusListError("bitstring length does not match its size")

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < self.size:
            raise StatusListError(f"status index {index} outside 0..{self.size - 1}")
        return index // 8, 7 - index % 8

    def get(self, index: int) -> bool:
        byte, bit = self._locate(index)
        return bool(self.bits[byte] >> bit & 1)

    def set(self, index: int, value: bool) -> None:
        byte, bit = self._locate(index)
        if value:
            self.bits[byte] |= 1 << bit
        else:
            self.bits[byte] &= ~(1 << bit) & 0xFF

    def encode(self) -> str:
        # mtime=0 keeps the encoding deterministic, so equal lists encode (and sign) alike.
        compressed = gzip.compress(bytes(self.bits), mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: str, *, max_entries: int = 16 * MIN_ENTRIES * 8) -> Bitstring:
        if not encoded.startswith("u"):
            raise StatusListError("encodedList is multibase base64url and starts with 'u'")
        body = encoded[1:]
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            # Bounded decompression: a hostile list cannot expand without limit.
            decompressor = gzip.GzipFile(fileobj=io.BytesIO(compressed))
            raw = decompressor.read(max_entries // 8 + 1)
        except (ValueError, OSError, EOFError) as exc:
            raise StatusListError(f"encodedList does not decode: {exc}") from None
        if len(raw) * 8 > max_entries:
            raise StatusListError("encodedList is larger than any list this verifier accepts")
        return cls(size=len(raw) * 8, bits=bytearray(raw))


class IndexPermutation:
    """A keyed pseudo-random permutation of ``0 .. capacity-1``: position ``n`` of a list maps to
    a status index nobody can predict without the list's secret, and no two positions share one.

    Allocation walks positions 0, 1, 2, ... so it always terminates and needs no record of the
    shuffle (W3C Bitstring Status List, privacy considerations: indexes should not reveal issue
    order). A balanced Feistel network over the smallest even number of bits that covers the
    capacity, with cycle-walking to stay inside it (Black and Rogaway, "Ciphers with arbitrary
    finite domains", 2002); rounds are HMAC-SHA256 under the list's secret.
    """

    ROUNDS = 6

    def __init__(self, secret: bytes, capacity: int):
        if capacity < 1:
            raise StatusListError("a status list holds at least one entry")
        if len(secret) < 16:
            raise StatusListError("a permutation secret has at least 16 bytes")
        self.secret, self.capacity = secret, capacity
        half = max(1, ((capacity - 1).bit_length() + 1) // 2)
        self._half_bits, self._mask = half, (1 << half) - 1

    def _round(self, number: int, value: int) -> int:
        message = number.to_bytes(1, "big") + value.to_bytes(8, "big")
        digest = hmac.new(self.secret, message, hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big") & self._mask

    def _encrypt(self, value: int) -> int:
        left, right = value >> self._half_bits, value & self._mask
        for number in range(self.ROUNDS):
            left, right = right, left ^ self._round(number, right)
        return (left << self._half_bits) | right

    def index(self, position: int) -> int:
        if not 0 <= position < self.capacity:
            raise StatusListError(f"position {position} outside 0..{self.capacity - 1}")
        value = self._encrypt(position)
        while value >= self.capacity:  # cycle-walk back into the domain
            value = self._encrypt(value)
        return value
