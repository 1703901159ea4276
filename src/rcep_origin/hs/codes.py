"""HS code values. A code is kept as its digits (2, 4 or 6 of them) and printed the way the
Agreement prints it: chapter ``84``, heading ``84.58``, subheading ``8458.11``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

EDITIONS = ("HS2012", "HS2017", "HS2022")

# "8458.11", "845811", "8458.11.00" and national lines of 8-10 digits (their first six digits
# are the HS subheading); "84.58" or "8458" for a heading; "84" for a chapter.
_PATTERNS = (
    re.compile(r"^(\d{4})\.?(\d{2})(?:\.?\d{2}){0,2}$"),
    re.compile(r"^(\d{2})\.?(\d{2})$"),
    re.compile(r"^(\d{2})$"),
)


@dataclass(frozen=True, slots=True, order=True)
class HsCode:
    digits: str

    @property
    def level(self) -> int:
        return len(self.digits)

    @property
    def chapter(self) -> str:
        return self.digits[:2]

    @property
    def heading(self) -> str | None:
        return self.digits[:4] if self.level >= 4 else None

    @property
    def subheading(self) -> str | None:
        return self.digits[:6] if self.level >= 6 else None

    def __str__(self) -> str:
        return _printed(self.digits)

    def truncated(self, level: int) -> HsCode:
        """The code at a coarser level (``level`` 2, 4 or 6)."""
        if level > self.level:
            raise ValueError(f"{self} has no {level}-digit level")
        return HsCode(self.digits[:level])


@lru_cache(maxsize=65536)
def _printed(digits: str) -> str:
    if len(digits) == 6:
        return f"{digits[:4]}.{digits[4:]}"
    if len(digits) == 4:
        return f"{digits[:2]}.{digits[2:]}"
    return digits


@lru_cache(maxsize=65536)
def parse_hs_code(text: str, *, min_level: int = 2) -> HsCode:
    """Parse a code as people write it. Raises ``ValueError`` with a readable reason.
    Cached: a catalogue or a batch repeats the same few thousand codes."""
    cleaned = str(text).strip().replace(" ", "")
    for pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if match:
            code = HsCode("".join(match.groups()))
            if code.level < min_level:
                raise ValueError(
                    f"{text!r} is an HS {_LEVEL_NAMES[code.level]}; a {min_level}-digit "
                    f"{_LEVEL_NAMES[min_level]} is needed"
                )
            if code.chapter == "00" or code.chapter > "97":
                raise ValueError(f"{text!r}: HS chapters run from 01 to 97")
            return code
    raise ValueError(
        f"{text!r} is not an HS code; write a subheading as 6 digits, e.g. '8458.11' or '845811'"
    )


_LEVEL_NAMES = {2: "chapter", 4: "heading", 6: "subheading"}
