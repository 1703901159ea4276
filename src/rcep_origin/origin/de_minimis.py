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


def _ids(materials: list[ValuedMaterial]) -> list[str]:
    return [m.id for m in materials]


def _value_test(
    good: ValuedDeclaration,
    offending: list[ValuedMaterial],
    unclear: list[ValuedMaterial],
    ruleset: RuleSet,
    day: date,
) -> tuple[bool | None, Check, tuple[Missing, ...]]:
    percent, reference = ruleset.parameter("de_minimis_value_percent", day)
    limit = good.fob * percent / HUNDRED
    known = sum((m.value for m in offending if m.value is not None), Decimal(0))
    everything = offending + unclear
    missing = tuple(
        Missing(
            f"{m.path}.value",
            "de minimis by value needs the value of each material that fails the change",
        )
        for m in everything
        if m.value is None
    )
    inputs: dict[str, object] = {
        "materials": _ids(offending),
        "untested_materials": _ids(unclear),
        "value": known,
        "fob": good.fob,
        "limit_percent": percent,
    }
    if good.fob <= 0:
        return (
            None,
            Check(
                "de_minimis",
                reference,
                Result.UNKNOWN,
                "de minimis by value needs an FOB value above zero",
                inputs,
            ),
            (Missing("fob_value.amount", "de minimis by value needs an FOB value above zero"),),
        )
    share = known / good.fob * HUNDRED
    inputs["percent_of_fob"] = round2(share)
    if known > limit:
        return (
            False,
            Check(
                "de_minimis",
                reference,
                Result.FAIL,
                f"materials failing the change are {round2(share)} % of FOB, above the {percent} % tolerance",
                inputs,
            ),
            (),
        )
    if missing:
        return (
            None,
            Check(
                "de_minimis",
                reference,
                Result.UNKNOWN,
                "de minimis by value cannot be settled: values missing",
                inputs,
            ),
            missing,
        )
    total = sum((m.value for m in everything if m.value is not None), Decimal(0))
    total_share = total / good.fob * HUNDRED
    inputs["percent_of_fob"] = round2(total_share)
    if total <= limit:
        return (
            True,
            Check(
                "de_minimis",
                reference,
                Result.PASS,
                f"materials failing the change are {round2(total_share)} % of FOB, within the {percent} % tolerance",
                inputs,
            ),
            (),
        )
    # The offending materials fit, the untested ones push past the tolerance.
    return (
        None,
        Check(
            "de_minimis",
            reference,
            Result.UNKNOWN,
            f"materials failing the change fit the {percent} % tolerance, but together with "
            f"materials whose HS code is missing they reach {round2(total_share)} %",
            inputs,
        ),
        tuple(
            Missing(f"{m.path}.hs_code", "needed to test the change in tariff classification")
            for m in unclear
        ),
    )


def _weight_test(
    good: ValuedDeclaration,
    offending: list[ValuedMaterial],
    unclear: list[ValuedMaterial],
    ruleset: RuleSet,
    day: date,
) -> tuple[bool | None, Check, tuple[Missing, ...]]:
    percent, reference = ruleset.parameter("de_minimis_weight_percent", day)
    product_weight = good.declaration.product.weight_kg
    everything = offending + unclear
    missing: list[Missing] = []
    if product_weight is None:
        missing.append(
            Missing(
                "product.weight_kg", "de minimis by weight needs the good's weight (Chapters 50-63)"
            )
        )
    for material in everything:
        if material.material.weight_kg is None:
            missing.append(
                Missing(
                    f"{material.path}.weight_kg",
                    "de minimis by weight needs the weight of each material that fails the change",
                )
            )
    inputs: dict[str, object] = {"materials": _ids(offending), "limit_percent": percent}
    known = sum(
        (m.material.weight_kg for m in offending if m.material.weight_kg is not None), Decimal(0)
    )
    if product_weight is None:
        return (
            None,
            Check(
                "de_minimis",
                reference,
                Result.UNKNOWN,
                "de minimis by weight cannot be settled: the good's weight is missing",
                inputs,
            ),
            tuple(missing),
        )
    limit = product_weight * percent / HUNDRED
    inputs.update(weight_kg=known, good_weight_kg=product_weight)
    share = known / product_weight * HUNDRED
    if known > limit:
        return (
            False,
            Check(
                "de_minimis",
                reference,
                Result.FAIL,
                f"by weight they are {round2(share)} % of the good, above {percent} %",
                inputs,
            ),
            (),
        )
    if missing:
        return (
            None,
            Check(
                "de_minimis",
                reference,
                Result.UNKNOWN,
                "de minimis by weight cannot be settled: weights missing",
                inputs,
            ),
            tuple(missing),
        )
    total = sum(
        (m.material.weight_kg for m in everything if m.material.weight_kg is not None), Decimal(0)
    )
    if total <= limit:
        return (
            True,
            Check(
                "de_minimis",
                reference,
                Result.PASS,
                f"by weight they are {round2(total / product_weight * HUNDRED)} % of the good, within {percent} %",
                inputs,
            ),
            (),
        )
    return (
        None,
        Check(
            "de_minimis",
            reference,
            Result.UNKNOWN,
            "by weight the untested materials push past the tolerance",
            inputs,
        ),
        tuple(
            Missing(f"{m.path}.hs_code", "needed to test the change in tariff classification")
            for m in unclear
        ),
    )
