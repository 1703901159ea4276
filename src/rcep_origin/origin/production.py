"""Where and how the good was produced: wholly obtained (Art. 3.3), produced exclusively from
originating materials (Art. 3.2(b)), minimal operations (Art. 3.6) and a chemical reaction
(Annex 3A headnote 7(f))."""

from __future__ import annotations

from rcep_origin.declaration import WO_CATEGORY_ARTICLES, Role
from rcep_origin.origin.result import Check, Missing, Result
from rcep_origin.origin.valuation import ValuedDeclaration
from rcep_origin.parties import is_party

MINIMAL_OPERATIONS = "Art. 3.6"


def wholly_obtained(good: ValuedDeclaration) -> Check | None:
    """Art. 3.3: None when no claim is made. A claim is contradicted by any non-originating
    component: a wholly obtained good contains nothing from outside the Parties."""
    claim = good.declaration.wholly_obtained
    if claim is None:
        return None
    article = WO_CATEGORY_ARTICLES[claim.category]
    foreign = [m.id for m in good.materials_with(Role.COMPONENT) if not m.originating]
    if foreign:
        return Check(
            "wholly_obtained",
            article,
            Result.FAIL,
            f"claimed wholly obtained ({claim.category.replace('_', ' ')}), but the bill of "
            f"materials lists non-originating or undetermined materials: {', '.join(foreign)}",
            {"category": claim.category, "non_originating_materials": foreign},
        )
    return Check(
        "wholly_obtained",
        article,
        Result.PASS,
        f"wholly obtained in {good.declaration.exporting_party}: {claim.category.replace('_', ' ')}",
        {"category": claim.category, "description": claim.description},
    )


def exclusively_originating(good: ValuedDeclaration) -> Check:
    """Art. 3.2(b): produced exclusively from originating materials of one or more Parties.
    Retail packaging and accessories are disregarded here (Arts. 3.8(2)(b), 3.9(1))."""
    components = good.materials_with(Role.COMPONENT)
    foreign = [m for m in components if not m.originating]
    parties = sorted({m.origin_party for m in components if m.originating and m.origin_party})
    if foreign:
        undetermined = [m.id for m in foreign if m.undetermined]
        summary = f"{len(foreign)} of {len(components)} component materials are not originating"
        if undetermined:
            summary += f" ({', '.join(undetermined)} of undetermined origin, Art. 3.5(4))"
        return Check(
            "produced_exclusively_from_originating_materials",
            "Art. 3.2(b)",
            Result.FAIL,
            summary,
            {"non_originating_materials": [m.id for m in foreign]},
        )
    return Check(
        "produced_exclusively_from_originating_materials",
        "Art. 3.2(b)",
        Result.PASS,
        f"all {len(components)} component materials originate in RCEP Parties ({', '.join(parties)})",
        {"origin_parties": parties},
    )


def minimal_operations(good: ValuedDeclaration) -> tuple[Check, tuple[Missing, ...]]:
    """Art. 3.6: operations on non-originating materials listed there (preserving, packing,
    labelling, simple cutting, mixing, painting, disassembly, ...) never confer origin, alone or
    combined. The exporter flags each such step (``minimal_operation``)."""
    exporting = good.declaration.exporting_party
    steps = [
        (i, s) for i, s in enumerate(good.declaration.production_steps) if s.party == exporting
    ]
    if not steps:
        return (
            Check(
                "beyond_minimal_operations",
                MINIMAL_OPERATIONS,
                Result.UNKNOWN,
                f"no production step in {exporting} is declared, so it cannot be shown that more "
                "than minimal operations were performed on the non-originating materials",
                {"exporting_party": exporting},
            ),
            (Missing("production_steps", f"the production steps performed in {exporting}"),),
        )
    substantive = [s.description for _, s in steps if not s.minimal_operation]
    minimal = [s.description for _, s in steps if s.minimal_operation]
    if not substantive:
        return (
            Check(
                "beyond_minimal_operations",
                MINIMAL_OPERATIONS,
                Result.FAIL,
                f"every step in {exporting} is a minimal operation ({'; '.join(minimal)}); these "
                "do not confer origin, alone or combined",
                {"minimal_steps": minimal},
            ),
            (),
        )
    return (
        Check(
            "beyond_minimal_operations",
            MINIMAL_OPERATIONS,
            Result.PASS,
            f"production in {exporting} goes beyond minimal operations: {'; '.join(substantive)}",
            {"substantive_steps": substantive, "minimal_steps": minimal},
        ),
        (),
    )


def chemical_reaction(good: ValuedDeclaration) -> Check:
    """Annex 3A headnote 7(f): CR is met when the chemical reaction occurred in a Party."""
    steps = [s for s in good.declaration.production_steps if s.chemical_reaction]
    in_party = [s for s in steps if is_party(s.party)]
    return Check(
        "chemical_reaction",
        "Annex 3A, Headnote 7(f)",
        Result.PASS if in_party else Result.FAIL,
        f"chemical reaction in {in_party[0].party}: {in_party[0].description}"
        if in_party
        else "no production step declared as a chemical reaction in a Party",
        {"steps": [s.description for s in steps]},
    )
