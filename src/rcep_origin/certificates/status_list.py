"""W3C Bitstring Status List v1.0: one bit per certificate, revocation and suspension.

The list is a bitstring of at least 131,072 entries (16 KiB) so that a verifier fetching it
learns nothing about which certificate it checks. Bit 0 is the most significant bit of the first
byte. ``encodedList`` is the GZIP-compressed bitstring in base64url without padding, with the
multibase prefix ``u``.
"""

from __future__ import annotations

import base64
import gzip
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
