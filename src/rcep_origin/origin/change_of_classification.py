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

from rcep_origin.declaration import Role
from rcep_origin.hs import HsCode
from rcep_origin.origin.de_minimis import apply_de_minimis
from rcep_origin.origin.result import Check, Missing, Result
from rcep_origin.origin.valuation import ValuedDeclaration, ValuedMaterial
from rcep_origin.rules import ChangeOfClassification, RuleSet, print_rule
from rcep_origin.rules.language import ANNEX_3A_HEADNOTES, Conjunction, Rule


@dataclass(frozen=True, slots=True)
class ChangeResult:
    met: bool | None
    de_minimis_used: bool
    checks: tuple[Check, ...]
    missing: tuple[Missing, ...]
    offending: tuple[str, ...]  # ids of non-originating materials that failed the change


def material_makes_change(
    product: HsCode, material: HsCode | None, term: ChangeOfClassification
) -> tuple[bool | None, str]:
    """Whether one non-originating material satisfies the term, and why."""
    level = term.level.value
    if material is None:
        return None, "HS code not declared"
    if material.level < level:
        return None, f"HS code {material} is too coarse to test a change of {term.level.unit}"
    if material.digits[:level] == product.digits[:level]:
        return (
            False,
            f"classified in the same {term.level.unit} ({material.truncated(level)}) as the good",
        )
    for excluded in term.exceptions:
        inside = excluded.contains(material)
        if inside:
            return False, f"classified in {material}, which the rule excludes"
        if inside is None:
            return (
                None,
                f"HS code {material} is too coarse to tell whether the rule's exclusion applies",
            )
    return True, f"{material} -> {product}: change of {term.level.unit}"


def evaluate_change(
    good: ValuedDeclaration, term: ChangeOfClassification, ruleset: RuleSet, day: date
) -> ChangeResult:
    product = good.declaration.product.code
    name = print_rule(Rule((Conjunction((term,)),)))
    tested = [m for m in good.materials_with(Role.COMPONENT) if not m.originating]
    offending: list[ValuedMaterial] = []
    unclear: list[ValuedMaterial] = []
    reasons: dict[str, str] = {}
    for material in tested:
        makes, reason = material_makes_change(product, material.code, term)
        reasons[material.id] = reason
        if makes is False:
            offending.append(material)
        elif makes is None:
            unclear.append(material)
    disregarded = [m.id for m in good.materials if m.role is not Role.COMPONENT]
    inputs: dict[str, object] = {
        "product_hs_code": str(product),
        "non_originating_materials": {m.id: reasons[m.id] for m in tested},
        "disregarded_materials": disregarded,
    }
    if not offending and not unclear:
        summary = (
            f"every non-originating material ({len(tested)}) undergoes a change of {term.level.unit}"
            if tested
            else "no non-originating component material: the change is met trivially"
        )
        return ChangeResult(
            True,
            False,
            (Check(f"change:{name}", ANNEX_3A_HEADNOTES, Result.PASS, summary, inputs),),
            (),
            (),
        )
    failing = ", ".join(f"{m.id} ({reasons[m.id]})" for m in offending + unclear)
    change_check = Check(
        f"change:{name}",
        ANNEX_3A_HEADNOTES,
        Result.FAIL if offending else Result.UNKNOWN,
        f"{name} not met by: {failing}",
        inputs,
    )
    tolerance = apply_de_minimis(good, offending, unclear, ruleset, day)
    missing = tolerance.missing if tolerance.met is None else ()
    return ChangeResult(
        tolerance.met,
        tolerance.met is True,
        (change_check, tolerance.check),
        missing,
        tuple(m.id for m in offending),
    )
