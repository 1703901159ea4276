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
from typing import Literal

from rcep_origin.origin.valuation import ValuedDeclaration, ValuedMaterial
from rcep_origin.rules import RuleSet
from rcep_origin.trace import Check, Missing, Result, round2

TEXTILE_CHAPTERS = ("50", "63")  # Art. 3.7(1)(b): Chapters 50 through 63
HUNDRED = Decimal(100)
EITHER = "Art. 3.7(1)(a) or (b)"
# Per basis of the tolerance: its dated parameter, the good's measure (its field and how the
# explanation names it), and each material's field.
_PARAMETER = {"value": "de_minimis_value_percent", "weight": "de_minimis_weight_percent"}
_WHOLE = {
    "value": ("fob_value.amount", "FOB"),
    "weight": ("product.weight_kg", "the good's weight"),
}
_MATERIAL_FIELD = {"value": "value", "weight": "weight_kg"}


@dataclass(frozen=True, slots=True)
class ToleranceTest:
    """One tolerance of Art. 3.7(1): (a) the value of the materials that fail the change against
    the FOB value, or (b) their weight against the good's weight (Chapters 50-63).

    ``materials`` failed the change; ``untested_materials`` could not be tested (no HS code).
    The test passes if all of them together fit the limit, fails if the failing ones alone
    exceed it, and is otherwise undecided (``missing`` names what would settle it)."""

    basis: Literal["value", "weight"]
    article: str  # the parameter's legal reference, e.g. "Art. 3.7(1)(a)"
    limit_percent: Decimal
    whole: Decimal | None  # the FOB value or the good's weight; None (or 0) makes it undecidable
    materials: tuple[str, ...]
    untested_materials: tuple[str, ...]
    failing_amount: Decimal | None  # known value (or weight) of ``materials``; None: no whole
    total_amount: Decimal | None  # of ``materials`` and ``untested_materials``, when all known
    met: bool | None
    missing: tuple[Missing, ...]

    @property
    def percent(self) -> Decimal | None:
        """The share (exact) the outcome rests on: of every material counted when all amounts
        are known, else of the failing materials alone; None without a whole."""
        if self.whole is None or self.whole <= 0:
            return None
        amount = self.total_amount if self.total_amount is not None else self.failing_amount
        return None if amount is None else amount / self.whole * HUNDRED

    def check(self) -> Check:
        name = self.basis
        whole_field, whole_text = _WHOLE[name]
        inputs: dict[str, object] = {
            "materials": list(self.materials),
            "untested_materials": list(self.untested_materials),
            "limit_percent": self.limit_percent,
        }
        percent = self.percent
        if percent is None or self.failing_amount is None:
            why = f"de minimis by {name} needs {whole_text} (above zero)"
            return Check("de_minimis", self.article, Result.UNKNOWN, why, inputs)
        inputs.update({name: self.failing_amount, whole_field: self.whole})
        inputs["percent"] = round2(percent)
        limit = self.limit_percent
        if self.met is False:
            summary = f"materials failing the change are {round2(percent)} % of {whole_text} by {name}, above the {limit} % tolerance"
        elif self.met is True:
            summary = f"materials failing the change are {round2(percent)} % of {whole_text} by {name}, within the {limit} % tolerance"
        elif self.total_amount is None:
            summary = f"de minimis by {name} cannot be settled: {name}s missing"
        else:
            summary = (
                f"materials failing the change fit the {limit} % tolerance by {name}, but with the "
                f"materials whose HS code is missing they reach {round2(percent)} %"
            )
        return Check("de_minimis", self.article, Result.of(self.met), summary, inputs)


@dataclass(frozen=True, slots=True)
class DeMinimis:
    """Art. 3.7: the tolerance applied to the materials that failed a change in tariff
    classification: by value, and for a good of Chapters 50-63 also by weight when the value
    test does not pass ((a) or (b): either suffices)."""

    met: bool | None
    tests: tuple[ToleranceTest, ...]  # by value, then by weight when it was needed
    missing: tuple[Missing, ...]

    @property
    def passed(self) -> ToleranceTest | None:
        """The tolerance the good met, if any."""
        return next((test for test in self.tests if test.met is True), None)

    def check(self) -> Check:
        if len(self.tests) == 1:
            return self.tests[0].check()
        value, weight = (test.check() for test in self.tests)
        return Check(
            "de_minimis",
            EITHER,
            Result.of(self.met),
            f"{value.summary}; {weight.summary}",
            {"by_value": value.inputs, "by_weight": weight.inputs},
        )


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
    by_value = _tolerance_test("value", good.fob, offending, unclear, ruleset, day)
    chapter = good.declaration.product.code.chapter
    if not TEXTILE_CHAPTERS[0] <= chapter <= TEXTILE_CHAPTERS[1] or by_value.met is True:
        return DeMinimis(by_value.met, (by_value,), by_value.missing)
    weight = good.declaration.product.weight_kg
    by_weight = _tolerance_test("weight", weight, offending, unclear, ruleset, day)
    # (a) or (b): either test suffices; the good fails only when both fail.
    met = (
        True
        if by_weight.met is True
        else False
        if by_value.met is False and by_weight.met is False
        else None
    )
    missing = () if met is True else by_value.missing + by_weight.missing
    return DeMinimis(met, (by_value, by_weight), missing)


def _amount(basis: Literal["value", "weight"], material: ValuedMaterial) -> Decimal | None:
    return material.value if basis == "value" else material.material.weight_kg


def _tolerance_test(
    basis: Literal["value", "weight"],
    whole: Decimal | None,
    offending: list[ValuedMaterial],
    unclear: list[ValuedMaterial],
    ruleset: RuleSet,
    day: date,
) -> ToleranceTest:
    """Pass if the offending and untested materials together fit the tolerance; fail if the
    offending alone exceed it; otherwise undecided, naming what would settle it."""
    percent, reference = ruleset.parameter(_PARAMETER[basis], day)
    whole_field, whole_text = _WHOLE[basis]

    def test(
        met: bool | None,
        missing: tuple[Missing, ...] = (),
        failing: Decimal | None = None,
        total: Decimal | None = None,
    ) -> ToleranceTest:
        return ToleranceTest(
            basis=basis,
            article=reference,
            limit_percent=percent,
            whole=whole,
            materials=tuple(m.id for m in offending),
            untested_materials=tuple(m.id for m in unclear),
            failing_amount=failing,
            total_amount=total,
            met=met,
            missing=missing,
        )

    if whole is None or whole <= 0:
        why = f"de minimis by {basis} needs {whole_text} (above zero)"
        return test(None, (Missing(whole_field, why),))
    limit = whole * percent / HUNDRED
    known = sum((v for m in offending if (v := _amount(basis, m)) is not None), Decimal(0))
    if known > limit:
        return test(False, failing=known)
    everything = offending + unclear
    missing = tuple(
        Missing(
            f"{m.path}.{_MATERIAL_FIELD[basis]}",
            f"de minimis by {basis} needs the {basis} of each material that fails the change",
        )
        for m in everything
        if _amount(basis, m) is None
    )
    if missing:
        return test(None, missing, failing=known)
    total = sum((v for m in everything if (v := _amount(basis, m)) is not None), Decimal(0))
    if total <= limit:
        return test(True, failing=known, total=total)
    return test(
        None,
        tuple(
            Missing(f"{m.path}.hs_code", "needed to test the change in tariff classification")
            for m in unclear
        ),
        failing=known,
        total=total,
    )
