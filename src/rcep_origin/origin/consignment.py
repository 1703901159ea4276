"""Art. 3.15 Direct Consignment: an originating good keeps its status if transported directly,
or through intermediate Parties or non-Parties with no operations beyond logistics (unloading,
reloading, storing, preserving) and under customs control there."""

from __future__ import annotations

from rcep_origin.origin.result import Check, Missing, Result
from rcep_origin.origin.valuation import ValuedDeclaration

ARTICLE = "Art. 3.15"
LOGISTICS = {"unloading", "reloading", "storage", "preservation"}


def direct_consignment(good: ValuedDeclaration) -> tuple[Check, tuple[Missing, ...]]:
    declaration = good.declaration
    transit = declaration.consignment.transit if declaration.consignment else []
    if not transit:
        return (
            Check(
                "direct_consignment",
                f"{ARTICLE}(1)(a)",
                Result.PASS,
                f"transported directly from {declaration.exporting_party} to "
                f"{declaration.importing_party} (no transit declared)",
            ),
            (),
        )
    failures, missing = [], []
    for index, stop in enumerate(transit):
        extra = [op for op in stop.operations if op not in LOGISTICS]
        if extra:
            failures.append(f"operations in {stop.party} beyond logistics ({', '.join(extra)})")
        if stop.under_customs_control is False:
            failures.append(f"not under customs control in {stop.party}")
        elif stop.under_customs_control is None:
            missing.append(
                Missing(
                    f"consignment.transit[{index}].under_customs_control",
                    f"whether the good stayed under customs control in {stop.party}",
                )
            )
    inputs = {"transit": [stop.party for stop in transit]}
    if failures:
        return Check(
            "direct_consignment", f"{ARTICLE}(1)(b)", Result.FAIL, "; ".join(failures), inputs
        ), ()
    if missing:
        return (
            Check(
                "direct_consignment",
                f"{ARTICLE}(1)(b)(ii)",
                Result.UNKNOWN,
                "customs control during transit is not declared",
                inputs,
            ),
            tuple(missing),
        )
    return (
        Check(
            "direct_consignment",
            f"{ARTICLE}(1)(b)",
            Result.PASS,
            f"transit through {', '.join(inputs['transit'])} with logistics operations only, under customs control",
            inputs,
        ),
        (),
    )
