"""The same part, the same supply, declared alike in every declaration: across the files of a
folder, or against what a service holds (``PreReviewContext``). Seed 001: "firms with ...
inconsistent HS coding across departments will face higher friction"."""

from __future__ import annotations

from collections.abc import Iterator

from rcep_origin.declaration import Material
from rcep_origin.prereview._i18n import Phrase, Word
from rcep_origin.prereview._phrases import ORIGIN_PHRASE
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview._spec import WARN, spec
from rcep_origin.prereview.context import ContextLine, item_key, supplier_key


def _compatible(a: str, b: str) -> bool:
    """Codes agree when one refines the other ("84.71" and "8471.30")."""
    x, y = a.replace(".", ""), b.replace(".", "")
    return x.startswith(y) or y.startswith(x)


def _item(part_number: str | None, description: str) -> str:
    return part_number if part_number else f"“{description}”"


HS_INCONSISTENT_ACROSS_BOMS = spec(
    "HS_INCONSISTENT_ACROSS_BOMS",
    "consistency",
    WARN,
    "Annex 3A, headnote 5 (the change is tested on each material's code)",
    "the same part (part number, else description) has the same HS code everywhere",
    "{field}: {item} is classified {code} here but {others} in {sources}.",
    "Classify the same part the same way everywhere; correct whichever declaration is wrong.",
    why="Either declaration may be the wrong one; this one's verdict stands on its own codes.",
)


@check(HS_INCONSISTENT_ACROSS_BOMS)
def hs_across(review: Review) -> Iterator[Raw]:
    context = review.context
    if context is None:
        return
    for path, material in review.materials():
        key = item_key(material.part_number, material.description)
        if key is None or material.hs_code is None:
            continue
        others = [
            line
            for line in context.same_item(key, excluding_source=review.source)
            if line.hs_code is not None and not _compatible(line.hs_code, material.hs_code)
        ]
        if others:
            yield Raw(
                "HS_INCONSISTENT_ACROSS_BOMS",
                params={
                    "field": f"{path}.hs_code",
                    "item": _item(material.part_number, material.description),
                    "code": material.hs_code,
                    "others": sorted({line.hs_code for line in others if line.hs_code}),
                    "sources": sorted({line.source for line in others}),
                },
                fields=(f"{path}.hs_code",),
                data={
                    "material": material.id,
                    "hs_code": material.hs_code,
                    "elsewhere": _lines(others, "hs_code"),
                },
            )


ORIGIN_INCONSISTENT_ACROSS_DECLARATIONS = spec(
    "ORIGIN_INCONSISTENT_ACROSS_DECLARATIONS",
    "consistency",
    WARN,
    "Art. 3.27; Art. 3.24",
    "the same supply (supplier and part) has the same origin everywhere",
    "{field}: {item} from {supplier} is declared {origin} here but {others} in {sources}.",
    "Check the supplier declarations and declare the same origin for the same supply.",
    why=(
        "Either declaration may be the wrong one; the supplier declarations decide, and "
        "EVIDENCE findings cover them."
    ),
)


@check(ORIGIN_INCONSISTENT_ACROSS_DECLARATIONS)
def origin_across(review: Review) -> Iterator[Raw]:
    """The same supplier's same part with another origin Party, or originating in one place
    and not in another. An undetermined origin contradicts nothing (it states no origin)."""
    context = review.context
    if context is None:
        return
    for path, material in review.materials():
        supplier = supplier_key(material.supplier)
        key = item_key(material.part_number, material.description)
        if supplier is None or key is None:
            continue
        others = [
            line
            for line in context.same_item(key, excluding_source=review.source)
            if supplier_key(line.supplier) == supplier and _contradicts(material, line)
        ]
        if others:
            yield Raw(
                "ORIGIN_INCONSISTENT_ACROSS_DECLARATIONS",
                params={
                    "field": path,
                    "item": _item(material.part_number, material.description),
                    "supplier": material.supplier,
                    "origin": _origin(material.origin_party, material.originating),
                    "others": [
                        _origin(party, originating)
                        for party, originating in dict.fromkeys(
                            (line.origin_party, line.originating) for line in others
                        )
                    ],
                    "sources": sorted({line.source for line in others}),
                },
                fields=(f"{path}.origin_party", f"{path}.originating"),
                data={
                    "material": material.id,
                    "supplier": material.supplier,
                    "origin_party": material.origin_party,
                    "originating": material.originating,
                    "elsewhere": _lines(others, "origin_party", "originating"),
                },
            )


def _origin(party: str | None, originating: bool | None) -> Phrase:
    status = {True: "originating", False: "non-originating", None: "undetermined"}[originating]
    return Phrase(ORIGIN_PHRASE, {"party": party or "?", "status": Word(status)})


def _contradicts(material: Material, line: ContextLine) -> bool:
    party, originating = material.origin_party, material.originating
    if party and line.origin_party and party != line.origin_party:
        return True
    return (
        originating is not None and line.originating is not None and originating != line.originating
    )


def _lines(lines: list[ContextLine], *keys: str) -> list[dict[str, object]]:
    return [
        {"source": line.source, "path": line.path, **{k: getattr(line, k) for k in keys}}
        for line in lines
    ]
