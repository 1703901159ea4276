"""Where and how the good was produced: wholly obtained (Art. 3.3), produced exclusively from
originating materials (Art. 3.2(b)), minimal operations (Art. 3.6) and a chemical reaction
(Annex 3A headnote 7(f))."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rcep_origin.declaration import WO_CATEGORY_ARTICLES, Role
from rcep_origin.origin.valuation import ValuedDeclaration
from rcep_origin.parties import is_party
from rcep_origin.trace import Check, Missing, Result

MINIMAL_OPERATIONS = "Art. 3.6"
EXCLUSIVELY_ORIGINATING = "Art. 3.2(b)"
CHEMICAL_REACTION = "Annex 3A, Headnote 7(f)"


@dataclass(frozen=True, slots=True)
class WhollyObtainedOutcome:
    """Art. 3.3: a claim that the good is wholly obtained, tested against the bill of
    materials: a wholly obtained good contains nothing from outside the Parties."""

    category: str  # e.g. "minerals", Art. 3.3(e)
    description: str
    exporting_party: str
    non_originating_materials: tuple[str, ...]  # components that contradict the claim

    @property
    def met(self) -> bool:
        return not self.non_originating_materials

    @property
    def article(self) -> str:
        return WO_CATEGORY_ARTICLES[self.category]

    def check(self) -> Check:
        category = self.category.replace("_", " ")
        if not self.met:
            return Check(
                "wholly_obtained",
                self.article,
                Result.FAIL,
                f"claimed wholly obtained ({category}), but the bill of materials lists "
                "non-originating or undetermined materials: "
                + ", ".join(self.non_originating_materials),
                {
                    "category": self.category,
                    "non_originating_materials": list(self.non_originating_materials),
                },
            )
        return Check(
            "wholly_obtained",
            self.article,
            Result.PASS,
            f"wholly obtained in {self.exporting_party}: {category}",
            {"category": self.category, "description": self.description},
        )


@dataclass(frozen=True, slots=True)
class ExclusivelyOriginating:
    """Art. 3.2(b): whether the good is produced exclusively from originating materials of one
    or more Parties (retail packaging and accessories disregarded, Arts. 3.8(2)(b), 3.9(1))."""

    components: int
    non_originating_materials: tuple[str, ...]
    undetermined_materials: tuple[str, ...]  # among them, of undetermined origin (Art. 3.5(4))
    origin_parties: tuple[str, ...]  # the Parties the originating components come from

    @property
    def met(self) -> bool:
        return not self.non_originating_materials

    article: ClassVar[str] = EXCLUSIVELY_ORIGINATING

    def check(self) -> Check:
        name = "produced_exclusively_from_originating_materials"
        if not self.met:
            summary = (
                f"{len(self.non_originating_materials)} of {self.components} component "
                "materials are not originating"
            )
            if self.undetermined_materials:
                summary += (
                    f" ({', '.join(self.undetermined_materials)} of undetermined origin, "
                    "Art. 3.5(4))"
                )
            return Check(
                name,
                self.article,
                Result.FAIL,
                summary,
                {"non_originating_materials": list(self.non_originating_materials)},
            )
        return Check(
            name,
            self.article,
            Result.PASS,
            f"all {self.components} component materials originate in RCEP Parties "
            f"({', '.join(self.origin_parties)})",
            {"origin_parties": list(self.origin_parties)},
        )


@dataclass(frozen=True, slots=True)
class DeclaredStep:
    """A production step of the declaration, as Art. 3.6 reads it."""

    index: int  # production_steps[index]
    description: str
    minimal_operation: bool  # the exporter marks it an Art. 3.6 operation


@dataclass(frozen=True, slots=True)
class MinimalOperations:
    """Art. 3.6: whether production in the exporting Party goes beyond the minimal operations
    (``met``): unknown without a declared step there, false when every step is minimal."""

    exporting_party: str
    steps: tuple[DeclaredStep, ...]  # the steps declared in the exporting Party

    article: ClassVar[str] = MINIMAL_OPERATIONS

    @property
    def met(self) -> bool | None:
        if not self.steps:
            return None
        return bool(self.substantive_steps)

    @property
    def substantive_steps(self) -> tuple[DeclaredStep, ...]:
        return tuple(step for step in self.steps if not step.minimal_operation)

    @property
    def minimal_steps(self) -> tuple[DeclaredStep, ...]:
        return tuple(step for step in self.steps if step.minimal_operation)

    @property
    def missing(self) -> tuple[Missing, ...]:
        if self.steps:
            return ()
        return (
            Missing(
                "production_steps", f"the production steps performed in {self.exporting_party}"
            ),
        )

    def check(self) -> Check:
        exporting = self.exporting_party
        substantive = [step.description for step in self.substantive_steps]
        minimal = [step.description for step in self.minimal_steps]
        name = "beyond_minimal_operations"
        if not self.steps:
            return Check(
                name,
                self.article,
                Result.UNKNOWN,
                f"no production step in {exporting} is declared, so it cannot be shown that more "
                "than minimal operations were performed on the non-originating materials",
                {"exporting_party": exporting},
            )
        if not substantive:
            return Check(
                name,
                self.article,
                Result.FAIL,
                f"every step in {exporting} is a minimal operation ({'; '.join(minimal)}); these "
                "do not confer origin, alone or combined",
                {"minimal_steps": minimal},
            )
        return Check(
            name,
            self.article,
            Result.PASS,
            f"production in {exporting} goes beyond minimal operations: {'; '.join(substantive)}",
            {"substantive_steps": substantive, "minimal_steps": minimal},
        )


@dataclass(frozen=True, slots=True)
class ChemicalReactionOutcome:
    """Annex 3A headnote 7(f): CR is met when a chemical reaction occurred in a Party."""

    steps: tuple[str, ...]  # every step declared as a chemical reaction
    party: str | None  # the Party of the first such step in a Party
    step: str | None  # its description

    @property
    def met(self) -> bool:
        return self.party is not None

    article: ClassVar[str] = CHEMICAL_REACTION

    def check(self) -> Check:
        return Check(
            "chemical_reaction",
            self.article,
            Result.PASS if self.met else Result.FAIL,
            f"chemical reaction in {self.party}: {self.step}"
            if self.met
            else "no production step declared as a chemical reaction in a Party",
            {"steps": list(self.steps)},
        )


def wholly_obtained(good: ValuedDeclaration) -> WhollyObtainedOutcome | None:
    """Art. 3.3: None when no claim is made. A claim is contradicted by any non-originating
    component: a wholly obtained good contains nothing from outside the Parties."""
    claim = good.declaration.wholly_obtained
    if claim is None:
        return None
    return WhollyObtainedOutcome(
        category=claim.category,
        description=claim.description,
        exporting_party=good.declaration.exporting_party,
        non_originating_materials=tuple(
            m.id for m in good.materials_with(Role.COMPONENT) if not m.originating
        ),
    )


def exclusively_originating(good: ValuedDeclaration) -> ExclusivelyOriginating:
    """Art. 3.2(b): produced exclusively from originating materials of one or more Parties.
    Retail packaging and accessories are disregarded here (Arts. 3.8(2)(b), 3.9(1))."""
    components = 0
    foreign: list[str] = []
    undetermined: list[str] = []
    parties: set[str] = set()
    component = Role.COMPONENT
    for material in good.materials:  # one pass: this runs on every bill of materials
        if material.role is not component:
            continue
        components += 1
        if material.originating:
            if material.origin_party:
                parties.add(material.origin_party)
        else:
            foreign.append(material.id)
            if material.undetermined:
                undetermined.append(material.id)
    return ExclusivelyOriginating(
        components=components,
        non_originating_materials=tuple(foreign),
        undetermined_materials=tuple(undetermined),
        origin_parties=tuple(sorted(parties)),
    )


def minimal_operations(good: ValuedDeclaration) -> MinimalOperations:
    """Art. 3.6: operations on non-originating materials listed there (preserving, packing,
    labelling, simple cutting, mixing, painting, disassembly, ...) never confer origin, alone or
    combined. The exporter flags each such step (``minimal_operation``)."""
    exporting = good.declaration.exporting_party
    return MinimalOperations(
        exporting_party=exporting,
        steps=tuple(
            DeclaredStep(index, step.description, step.minimal_operation)
            for index, step in enumerate(good.declaration.production_steps)
            if step.party == exporting
        ),
    )


def chemical_reaction(good: ValuedDeclaration) -> ChemicalReactionOutcome:
    """Annex 3A headnote 7(f): CR is met when the chemical reaction occurred in a Party."""
    steps = [s for s in good.declaration.production_steps if s.chemical_reaction]
    in_party = [s for s in steps if is_party(s.party)]
    first = in_party[0] if in_party else None
    return ChemicalReactionOutcome(
        steps=tuple(s.description for s in steps),
        party=None if first is None else first.party,
        step=None if first is None else first.description,
    )
