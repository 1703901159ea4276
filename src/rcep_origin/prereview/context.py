"""What other declarations say about the same parts and supplies, for the checks across
declarations (``HS_INCONSISTENT_ACROSS_BOMS``, ``ORIGIN_INCONSISTENT_ACROSS_DECLARATIONS``).

The command line builds a context from the declarations in a folder; a service builds one from
what its store holds (``ContextLine`` is plain data, so it needs no declaration to make one).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rcep_origin.declaration import Declaration


@dataclass(frozen=True, slots=True)
class ContextLine:
    """One bill-of-materials line of another declaration."""

    source: str  # the declaration it comes from: a reference, a file name, a store id
    path: str  # e.g. "materials[3]"
    part_number: str | None
    description: str
    hs_code: str | None  # as printed, e.g. "8536.50"
    supplier: str | None
    origin_party: str | None
    originating: bool | None


def normalised_description(text: str) -> str:
    """A description as compared: compatibility forms folded (full-width letters and digits,
    as Chinese input methods type them, become ASCII), case folded, punctuation and spacing
    reduced to single spaces. "AC servo motor SGM7J-08A" and "ac servo motor  sgm7j 08a" match."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", folded).strip()


def normalised_part_number(text: str) -> str:
    """A part number as compared: folded like a description, with every separator dropped
    ("SGM7J-08A", "sgm7j 08a" and "SGM7J08A" are one part)."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def item_key(part_number: str | None, description: str) -> str | None:
    """What identifies a part across declarations: its part number, else its description (a
    line with neither cannot be matched)."""
    if part_number and normalised_part_number(part_number):
        return "part:" + normalised_part_number(part_number)
    text = normalised_description(description)
    return "description:" + text if text else None


def supplier_key(supplier: str | None) -> str | None:
    return normalised_description(supplier) or None if supplier else None


@dataclass(frozen=True)
class PreReviewContext:
    lines: tuple[ContextLine, ...] = ()
    _by_item: dict[str, list[ContextLine]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for line in self.lines:
            key = item_key(line.part_number, line.description)
            if key is not None:
                self._by_item.setdefault(key, []).append(line)

    @classmethod
    def from_declarations(cls, declarations: Iterable[tuple[str, Declaration]]) -> PreReviewContext:
        """``declarations`` are (source, declaration) pairs, e.g. (file name, declaration)."""
        lines = [
            ContextLine(
                source=source,
                path=f"materials[{index}]",
                part_number=material.part_number,
                description=material.description,
                hs_code=material.hs_code,
                supplier=material.supplier,
                origin_party=material.origin_party,
                originating=material.originating,
            )
            for source, declaration in declarations
            for index, material in enumerate(declaration.materials)
        ]
        return cls(tuple(lines))

    def same_item(self, key: str, *, excluding_source: str | None) -> list[ContextLine]:
        return [line for line in self._by_item.get(key, ()) if line.source != excluding_source]
