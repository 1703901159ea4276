"""A change in tariff classification (Annex 3A headnotes 5-7: CC, CTH, CTSH, with exceptions).

Only non-originating materials must make the change (headnote 5), and an exclusion applies only
to non-originating materials (headnote 6). Retail packaging (Art. 3.8(2)) and accessories, spare
parts and tools presented with the good (Art. 3.9(1)) are disregarded; packing for transport is
never taken into account (Art. 3.8(1)); indirect materials are originating (Art. 3.10). A material
that fails the change may still be tolerated under de minimis (Art. 3.7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from rcep_origin.declaration import Role
from rcep_origin.hs import HsCode
from rcep_origin.origin.de_minimis import DeMinimis, apply_de_minimis
from rcep_origin.origin.valuation import ValuedDeclaration, ValuedMaterial
from rcep_origin.rules import (
    ChangeLevel,
    ChangeOfClassification,
    Conjunction,
    Rule,
    RuleSet,
    print_rule,
)
from rcep_origin.rules.language import ANNEX_3A_HEADNOTES
from rcep_origin.trace import Check, Missing, Result


class MaterialChange(NamedTuple):
    """Headnote 5: whether one non-originating component makes the change the term asks for.

    An immutable record, one per non-originating line: a named tuple because a BOM of 1,000
    lines makes 1,000 of them, and a tuple is built in a third of a frozen dataclass's time."""

    material: str  # the material's id
    position: int  # its line: materials[position]
    hs_code: str | None  # as declared
    makes_change: bool | None  # None: its code is missing or too coarse to tell
    reason: str

    @property
    def path(self) -> str:
        """E.g. "materials[0]"."""
        return f"materials[{self.position}]"


@dataclass(frozen=True, slots=True)
class CtcOutcome:
    """Annex 3A headnotes 5-7: one change-in-tariff-classification term of a rule (``CTH``,
    ``CC except from 01.06``), tested on every non-originating component, then, when some
    failed or could not be tested, the Art. 3.7 tolerance for them."""

    term: str  # the term as printed, e.g. "CTH except from 72.08"
    level: ChangeLevel  # CC, CTH or CTSH
    product_hs_code: str
    materials: tuple[MaterialChange, ...]  # the non-originating components tested, in BOM order
    disregarded_materials: tuple[str, ...]  # Arts. 3.8-3.10: not components, not tested
    de_minimis: DeMinimis | None  # None when every material makes the change

    @property
    def change_met(self) -> bool | None:
        """Before de minimis: False when a material fails, None when one cannot be tested."""
        if self.offending:
            return False
        return None if self.untested else True

    @property
    def met(self) -> bool | None:
        """The term, de minimis included."""
        return True if self.de_minimis is None else self.de_minimis.met

    @property
    def de_minimis_used(self) -> bool:
        return self.de_minimis is not None and self.de_minimis.met is True

    @property
    def offending(self) -> tuple[str, ...]:
        """Ids of the non-originating materials that do not make the change."""
        return tuple(m.material for m in self.materials if m.makes_change is False)

    @property
    def untested(self) -> tuple[str, ...]:
        """Ids of those that could not be tested (no HS code, or one too coarse)."""
        return tuple(m.material for m in self.materials if m.makes_change is None)

    @property
    def missing(self) -> tuple[Missing, ...]:
        tolerance = self.de_minimis
        return tolerance.missing if tolerance is not None and tolerance.met is None else ()

    def checks(self) -> tuple[Check, ...]:
        """The trace entries: the change, then the tolerance when it was needed."""
        inputs: dict[str, object] = {
            "product_hs_code": self.product_hs_code,
            "non_originating_materials": {m.material: m.reason for m in self.materials},
            "disregarded_materials": list(self.disregarded_materials),
        }
        name = f"change:{self.term}"
        if self.de_minimis is None:
            summary = (
                f"every non-originating material ({len(self.materials)}) undergoes a change of "
                f"{self.level.unit}"
                if self.materials
                else "no non-originating component material: the change is met trivially"
            )
            return (Check(name, ANNEX_3A_HEADNOTES, Result.PASS, summary, inputs),)
        failing = ", ".join(
            f"{m.material} ({m.reason})"
            for m in (
                *(m for m in self.materials if m.makes_change is False),
                *(m for m in self.materials if m.makes_change is None),
            )
        )
        change = Check(
            name,
            ANNEX_3A_HEADNOTES,
            Result.FAIL if self.offending else Result.UNKNOWN,
            f"{self.term} not met by: {failing}",
            inputs,
        )
        return (change, self.de_minimis.check())


def material_makes_change(
    product: HsCode, material: HsCode | None, term: ChangeOfClassification
) -> tuple[bool | None, str]:
    """Whether one non-originating material satisfies the term, and why."""
    return change_test(product, term)(material)


class ChangeTest:
    """Headnotes 5-7 for one good's code and one term, compiled once: the level, the good's
    digits at that level and the exclusions are read from the rule once, and each material
    code's answer is kept, since a bill of materials (and a batch of them) repeats its codes.
    ``test(code)`` is ``material_makes_change(product, code, term)``."""

    __slots__ = ("_exceptions", "_level", "_memo", "_product", "_unit", "prefix")

    def __init__(self, product: HsCode, term: ChangeOfClassification) -> None:
        self._product = product
        self._level = term.level.value
        self._unit = term.level.unit
        self._exceptions = term.exceptions
        self.prefix = product.digits[: self._level]
        self._memo: dict[str | None, tuple[bool | None, str]] = {}

    def __call__(self, material: HsCode | None) -> tuple[bool | None, str]:
        key = None if material is None else material.digits
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._decide(material)
        return found

    def _decide(self, material: HsCode | None) -> tuple[bool | None, str]:
        level, unit = self._level, self._unit
        if material is None:
            return None, "HS code not declared"
        if material.level < level:
            return None, f"HS code {material} is too coarse to test a change of {unit}"
        if material.digits[:level] == self.prefix:
            return False, f"classified in the same {unit} ({material.truncated(level)}) as the good"
        for excluded in self._exceptions:
            inside = excluded.contains(material)
            if inside:
                return False, f"classified in {material}, which the rule excludes"
            if inside is None:
                return (
                    None,
                    f"HS code {material} is too coarse to tell whether the rule's exclusion applies",
                )
        return True, f"{material} -> {self._product}: change of {unit}"


@lru_cache(maxsize=4096)
def change_test(product: HsCode, term: ChangeOfClassification) -> ChangeTest:
    """The compiled test of ``term`` for a good of code ``product``, shared by every
    declaration of that code (a batch of catalogue goods asks the same few thousand)."""
    return ChangeTest(product, term)


def evaluate_change(
    good: ValuedDeclaration, term: ChangeOfClassification, ruleset: RuleSet, day: date
) -> CtcOutcome:
    product = good.declaration.product.code
    test = change_test(product, term)
    component = Role.COMPONENT
    changes: list[MaterialChange] = []
    offending: list[ValuedMaterial] = []
    unclear: list[ValuedMaterial] = []
    disregarded: list[str] = []
    # One pass over the bill of materials: only non-originating components are tested
    # (headnote 5); the other roles are disregarded (Arts. 3.8-3.10).
    for material in good.materials:
        if material.role is not component:
            disregarded.append(material.id)
            continue
        if material.originating:
            continue
        makes, reason = test(material.code)
        changes.append(
            MaterialChange(material.id, material.index, material.material.hs_code, makes, reason)
        )
        if makes is False:
            offending.append(material)
        elif makes is None:
            unclear.append(material)
    tolerance = (
        apply_de_minimis(good, offending, unclear, ruleset, day) if offending or unclear else None
    )
    return CtcOutcome(
        term=_printed_term(term),
        level=term.level,
        product_hs_code=str(product),
        materials=tuple(changes),
        disregarded_materials=tuple(disregarded),
        de_minimis=tolerance,
    )


@lru_cache(maxsize=4096)
def _printed_term(term: ChangeOfClassification) -> str:
    return print_rule(Rule((Conjunction((term,)),)))
