"""Art. 3.7 De Minimis.

A good that does not satisfy a change in tariff classification is nonetheless originating if
(a) the value of the non-originating materials that did not undergo the change does not exceed
10 % of the FOB value (any chapter), or (b) for a good of Chapters 50 to 63, their weight does not
exceed 10 % of the good's total weight. Para. 2: their value still counts in VNM for an RVC.
Thresholds are dated parameters of the rule set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rcep_origin.origin.result import Check, Missing, Result, round2
from rcep_origin.origin.valuation import ValuedDeclaration, ValuedMaterial
from rcep_origin.rules import RuleSet

TEXTILE_CHAPTERS = ("50", "63")  # Art. 3.7(1)(b): Chapters 50 through 63
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class DeMinimis:
    met: bool | None
    check: Check
    missing: tuple[Missing, ...]


def apply_de_minimis(
    good: ValuedDeclaration,
    offending: list[ValuedMaterial],
    unclear: list[ValuedMaterial],
    ruleset: RuleSet,
    day: date,
) -> DeMinimis:
    """``offending`` failed the change; ``unclear`` could not be tested (no HS code). The good
    passes if every one of them together fits the tolerance; it fails if the offending alone
    exceed it; otherwise it is undecided."""
    by_value, value_check, value_missing = _value_test(good, offending, unclear, ruleset, day)
    chapter = good.declaration.product.code.chapter
    if not TEXTILE_CHAPTERS[0] <= chapter <= TEXTILE_CHAPTERS[1] or by_value is True:
        return DeMinimis(by_value, value_check, value_missing)
    by_weight, weight_check, weight_missing = _weight_test(good, offending, unclear, ruleset, day)
    # (a) or (b): either test suffices; the good fails only when both fail.
    met = True if by_weight is True else False if by_value is False and by_weight is False else None
    check = Check(
        "de_minimis",
        "Art. 3.7(1)(a) or (b)",
        Result.of(met),
        f"{value_check.summary}; {weight_check.summary}",
        {"by_value": value_check.inputs, "by_weight": weight_check.inputs},
    )
    missing = () if met is True else value_missing + weight_missing
    return DeMinimis(met, check, missing)


@dataclass(frozen=True, slots=True)
class _Measure:
    """What a tolerance test adds up: the value of materials against the FOB value (Art.
    3.7(1)(a)), or their weight against the good's weight (Art. 3.7(1)(b))."""

    name: str  # "value" or "weight"
    parameter: str
    whole: Decimal | None  # FOB value, or the good's weight
    whole_field: str
    whole_text: str
    material_field: str

    def of(self, material: ValuedMaterial) -> Decimal | None:
        return material.value if self.name == "value" else material.material.weight_kg


def _value_test(
    good: ValuedDeclaration,
    offending: list[ValuedMaterial],
    unclear: list[ValuedMaterial],
    ruleset: RuleSet,
    day: date,
) -> tuple[bool | None, Check, tuple[Missing, ...]]:
    measure = _Measure(
        "value", "de_minimis_value_percent", good.fob, "fob_value.amount", "FOB", "value"
    )
    return _tolerance_test(measure, offending, unclear, ruleset, day)


def _weight_test(
    good: ValuedDeclaration,
    offending: list[ValuedMaterial],
    unclear: list[ValuedMaterial],
    ruleset: RuleSet,
    day: date,
) -> tuple[bool | None, Check, tuple[Missing, ...]]:
    weight = good.declaration.product.weight_kg
    measure = _Measure(
        "weight",
        "de_minimis_weight_percent",
        weight,
        "product.weight_kg",
        "the good's weight",
        "weight_kg",
    )
    return _tolerance_test(measure, offending, unclear, ruleset, day)


def _tolerance_test(
    measure: _Measure,
    offending: list[ValuedMaterial],
    unclear: list[ValuedMaterial],
    ruleset: RuleSet,
    day: date,
) -> tuple[bool | None, Check, tuple[Missing, ...]]:
    """Pass if the offending and untested materials together fit the tolerance; fail if the
    offending alone exceed it; otherwise undecided, naming what would settle it."""
    percent, reference = ruleset.parameter(measure.parameter, day)
    inputs: dict[str, object] = {
        "materials": [m.id for m in offending],
        "untested_materials": [m.id for m in unclear],
        "limit_percent": percent,
    }
    if measure.whole is None or measure.whole <= 0:
        why = f"de minimis by {measure.name} needs {measure.whole_text} (above zero)"
        return (
            None,
            Check("de_minimis", reference, Result.UNKNOWN, why, inputs),
            (Missing(measure.whole_field, why),),
        )
    limit = measure.whole * percent / HUNDRED
    known = sum((v for m in offending if (v := measure.of(m)) is not None), Decimal(0))
    inputs.update({measure.name: known, measure.whole_field: measure.whole})
    share = known / measure.whole * HUNDRED
    inputs["percent"] = round2(share)
    if known > limit:
        summary = f"materials failing the change are {round2(share)} % of {measure.whole_text} by {measure.name}, above the {percent} % tolerance"
        return False, Check("de_minimis", reference, Result.FAIL, summary, inputs), ()
    everything = offending + unclear
    missing = tuple(
        Missing(
            f"{m.path}.{measure.material_field}",
            f"de minimis by {measure.name} needs the {measure.name} of each material that fails the change",
        )
        for m in everything
        if measure.of(m) is None
    )
    if missing:
        summary = f"de minimis by {measure.name} cannot be settled: {measure.name}s missing"
        return None, Check("de_minimis", reference, Result.UNKNOWN, summary, inputs), missing
    total = sum((v for m in everything if (v := measure.of(m)) is not None), Decimal(0))
    total_share = total / measure.whole * HUNDRED
    inputs["percent"] = round2(total_share)
    if total <= limit:
        summary = f"materials failing the change are {round2(total_share)} % of {measure.whole_text} by {measure.name}, within the {percent} % tolerance"
        return True, Check("de_minimis", reference, Result.PASS, summary, inputs), ()
    summary = (
        f"materials failing the change fit the {percent} % tolerance by {measure.name}, but with the "
        f"materials whose HS code is missing they reach {round2(total_share)} %"
    )
    return (
        None,
        Check("de_minimis", reference, Result.UNKNOWN, summary, inputs),
        tuple(
            Missing(f"{m.path}.hs_code", "needed to test the change in tariff classification")
            for m in unclear
        ),
    )
