"""Art. 3.5 Calculation of Regional Value Content.

    (a) build-down:  RVC = (FOB - VNM) / FOB x 100
    (b) build-up:    RVC = (VOM + direct labour + direct overhead + profit + other cost) / FOB x 100

Art. 3.5(4): a material of undetermined origin is non-originating. Art. 3.7(2): materials
admitted under de minimis still count in VNM. Arts. 3.8(3) and 3.9(2): retail packaging and
accessories presented with the good count as originating or non-originating materials. Art.
3.8(1): packing for transport is not taken into account. Art. 3.10: indirect materials are
originating.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rcep_origin.declaration import Role
from rcep_origin.origin.valuation import (
    COST_ELEMENTS,
    VALUE_CONTENT_ROLES,
    ValuedDeclaration,
    ValuedMaterial,
)
from rcep_origin.trace import Check, Missing, Result, round2

ARTICLE = "Art. 3.5"
HUNDRED = Decimal(100)
RVC_ROLES = VALUE_CONTENT_ROLES  # transport packing is not taken into account (Art. 3.8(1))


@dataclass(frozen=True, slots=True)
class RvcFigure:
    """Art. 3.5(1): the figure, exact; ``percent`` is shown to two decimals, compared exactly."""

    method: str
    percent: Decimal  # exact
    threshold: Decimal
    fob: Decimal
    numerator: Decimal

    @property
    def met(self) -> bool:
        return self.percent >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "percent": str(round2(self.percent)),
            "threshold": str(self.threshold),
            "margin": str(round2(self.percent - self.threshold)),
            "met": self.met,
        }


@dataclass(frozen=True, slots=True)
class RvcCalculation:
    """Art. 3.5: one RVC term of a rule (``RVC40``), calculated by the declared method; the
    figure is None when a value it needs is missing (``missing`` names each)."""

    threshold: Decimal
    method: str  # "build_down" (Art. 3.5(1)(a)) or "build_up" (Art. 3.5(1)(b))
    fob: Decimal
    currency: str
    figure: RvcFigure | None  # None when it cannot be computed
    missing: tuple[Missing, ...]
    vnm: Decimal | None
    vom: Decimal | None

    @property
    def met(self) -> bool | None:
        return None if self.figure is None else self.figure.met

    @property
    def article(self) -> str:
        return f"{ARTICLE}(1)({'a' if self.method == 'build_down' else 'b'})"

    def check(self) -> Check:
        """The trace entry: the figure against the threshold, or what is missing."""
        method, threshold, figure = self.method, self.threshold, self.figure
        inputs: dict[str, object] = {"method": method, "fob": self.fob, "currency": self.currency}
        if self.vnm is not None:
            inputs["vnm"] = self.vnm
        if self.vom is not None:
            inputs["vom"] = self.vom
        if figure is None:
            return Check(
                "regional_value_content",
                self.article,
                Result.UNKNOWN,
                f"RVC{threshold} cannot be computed: "
                + "; ".join(f"{m.field} missing" for m in self.missing),
                inputs,
            )
        inputs["percent"] = round2(figure.percent)
        inputs["threshold"] = threshold
        if figure.met:
            summary = (
                f"RVC {round2(figure.percent)} % ({method.replace('_', '-')}) meets the "
                f"{threshold} % threshold by {round2(figure.percent - threshold)} points"
            )
        else:
            summary = (
                f"RVC {round2(figure.percent)} % ({method.replace('_', '-')}) is "
                f"{round2(threshold - figure.percent)} points below the {threshold} % threshold"
            )
            if method == "build_down" and self.vnm is not None:
                summary += (
                    f"; non-originating value {round2(self.vnm)} {self.currency} would have to "
                    f"fall to {round2(self.max_vnm)} {self.currency} or less"
                )
        return Check("regional_value_content", self.article, Result.of(figure.met), summary, inputs)

    @property
    def max_vnm(self) -> Decimal:
        """Build-down: the highest non-originating value that still meets the threshold."""
        return self.fob * (1 - self.threshold / HUNDRED)

    @property
    def min_numerator(self) -> Decimal:
        """Build-up: the lowest numerator (VOM and costs) that still meets the threshold."""
        return self.fob * self.threshold / HUNDRED


def calculate_rvc(
    good: ValuedDeclaration,
    threshold: Decimal,
    *,
    treat_as_originating: frozenset[str] | None = None,
) -> RvcCalculation:
    """The RVC by the declared method. ``treat_as_originating`` (material ids) overrides which
    materials count as originating; Art. 2.6 uses it to count only the exporting Party's."""
    method = good.declaration.rvc_method
    missing: list[Missing] = []
    if good.fob <= 0:
        missing.append(Missing("fob_value.amount", "an RVC needs an FOB value above zero"))
    counted = good.materials_with(*RVC_ROLES)

    def is_originating(material: ValuedMaterial) -> bool:
        if treat_as_originating is None:
            return material.originating
        return material.id in treat_as_originating

    vnm = _sum(
        [m for m in counted if not is_originating(m)], missing, "a non-originating material's value"
    )
    vom: Decimal | None = None
    numerator: Decimal | None
    if method == "build_down":
        numerator = None if vnm is None else good.fob - vnm
    else:
        vom = _sum(
            [m for m in counted if is_originating(m) and not _indirect_without_value(m)],
            missing,
            "an originating material's value (VOM)",
        )
        costs = []
        for name in COST_ELEMENTS:
            value = good.costs[name]
            if value is None:
                missing.append(
                    Missing(
                        f"costs.{name}",
                        "the build-up formula needs every cost element (write 0 if none)",
                    )
                )
            costs.append(value)
        numerator = (
            None if vom is None or None in costs else vom + sum(c for c in costs if c is not None)
        )
    figure: RvcFigure | None = None
    if not missing and numerator is not None:
        percent = numerator / good.fob * HUNDRED
        figure = RvcFigure(
            method=method, percent=percent, threshold=threshold, fob=good.fob, numerator=numerator
        )
    return RvcCalculation(
        threshold=threshold,
        method=method,
        fob=good.fob,
        currency=good.currency,
        figure=figure,
        missing=() if figure is not None else tuple(missing),
        vnm=vnm,
        vom=vom,
    )


def _indirect_without_value(material: ValuedMaterial) -> bool:
    # An indirect material's cost is usually inside overheads; when no value is given it adds
    # nothing to VOM rather than making VOM unknown.
    return material.role is Role.INDIRECT and material.value is None


def _sum(materials: list[ValuedMaterial], missing: list[Missing], what: str) -> Decimal | None:
    total = Decimal(0)
    complete = True
    for material in materials:
        if material.value is None:
            missing.append(Missing(f"{material.path}.value", f"{what} is needed for the RVC"))
            complete = False
        else:
            total += material.value
    return total if complete else None
