"""Art. 3.4 Cumulation: originating goods and materials of a Party, used in another Party's
production, count as originating there. The certificate carries ``ACU`` when the verdict relied
on it, i.e. when the good would not qualify if the materials originating in other Parties were
counted as non-originating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rcep_origin.declaration import Role
from rcep_origin.origin.change_of_classification import change_test
from rcep_origin.origin.rvc import calculate_rvc
from rcep_origin.origin.valuation import ValuedDeclaration, ValuedMaterial
from rcep_origin.rules import ChangeOfClassification, Conjunction, RegionalValueContent, RuleSet
from rcep_origin.trace import Check, Result

ARTICLE = "Art. 3.4"


@dataclass(frozen=True, slots=True)
class Cumulation:
    """Art. 3.4: whether the verdict relied on materials originating in another Party
    (``ACU``), and on which."""

    materials: tuple[str, ...]  # ids of the materials it relied on; empty: not relied on
    parties: tuple[str, ...]  # the Parties they originate in

    @property
    def relied(self) -> bool:
        return bool(self.materials)

    def check(self) -> Check:
        return Check(
            "cumulation",
            ARTICLE,
            Result.INFO,
            "materials originating in other Parties count as originating: "
            + ", ".join(self.materials),
            {"materials": list(self.materials)},
        )


def cumulated_materials(good: ValuedDeclaration) -> list[ValuedMaterial]:
    """Materials originating in a Party other than the exporting Party."""
    exporting = good.declaration.exporting_party
    return [
        m
        for m in good.materials
        if m.material.originating is True
        and m.origin_party not in (None, exporting)
        and m.role is not Role.TRANSPORT_PACKING
    ]


def relied_on_cumulation(
    good: ValuedDeclaration,
    criterion: str,
    alternative: Conjunction | None,
    ruleset: RuleSet,
    day: date,
) -> Cumulation:
    """Whether the verdict depended on Art. 3.4, and on which materials."""
    ids = _relied_on(good, criterion, alternative, ruleset, day)
    origin = {m.id: m.origin_party for m in good.materials}
    return Cumulation(ids, tuple(sorted({p for i in ids if (p := origin[i]) is not None})))


def _relied_on(
    good: ValuedDeclaration,
    criterion: str,
    alternative: Conjunction | None,
    ruleset: RuleSet,
    day: date,
) -> tuple[str, ...]:
    others = [
        m for m in cumulated_materials(good) if m.role is Role.COMPONENT or criterion == "RVC"
    ]
    if not others:
        return ()
    if criterion == "PE":
        return tuple(m.id for m in others if m.role is Role.COMPONENT)
    if alternative is None:
        return ()
    needed: list[str] = []
    other_ids = {m.id for m in others}
    for term in alternative.terms:
        if isinstance(term, ChangeOfClassification):
            test = change_test(good.declaration.product.code, term)
            needed += [
                m.id for m in others if m.role is Role.COMPONENT and test(m.code)[0] is not True
            ]
        elif isinstance(term, RegionalValueContent):
            exporting_only = frozenset(
                m.id for m in good.materials if m.originating and m.id not in other_ids
            )
            without = calculate_rvc(good, term.threshold, treat_as_originating=exporting_only)
            if without.figure is not None and not without.figure.met:
                needed += [m.id for m in others]
    return tuple(dict.fromkeys(needed))
