"""Art. 3.2(c) and Annex 3A: evaluate a product-specific rule against the declaration.

Alternatives ("or") need one to hold (headnote 4); the terms of an alternative ("and") all.
Each term is true, false or unknown; so is the rule. Among the alternatives that hold, the
exporter may choose (headnote 8): the engine reports the first, in the order the rule gives,
that holds without de minimis, else the first that holds with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rcep_origin.origin.change_of_classification import evaluate_change
from rcep_origin.origin.production import chemical_reaction
from rcep_origin.origin.result import Check, Missing, Result, RvcFigure
from rcep_origin.origin.rvc import RvcCalculation, calculate_rvc, rvc_check
from rcep_origin.origin.valuation import ValuedDeclaration
from rcep_origin.rules import (
    ChangeOfClassification,
    ChemicalReaction,
    Conjunction,
    RegionalValueContent,
    Rule,
    RuleSet,
    Term,
    WhollyObtained,
    print_rule,
)

CRITERION_OF = {
    ChangeOfClassification: "CTC",
    RegionalValueContent: "RVC",
    ChemicalReaction: "CR",
    WhollyObtained: "WO",
}


@dataclass
class AlternativeResult:
    alternative: Conjunction
    met: bool | None
    de_minimis_used: bool = False
    criteria: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)

    @property
    def text(self) -> str:
        return print_rule(Rule((self.alternative,)))


@dataclass
class RuleResult:
    met: bool | None
    chosen: AlternativeResult | None
    alternatives: list[AlternativeResult]
    rvc: RvcFigure | None

    @property
    def checks(self) -> list[Check]:
        return [check for alternative in self.alternatives for check in alternative.checks]

    @property
    def missing(self) -> list[Missing]:
        seen: dict[str, Missing] = {}
        for alternative in self.alternatives:
            for item in alternative.missing:
                seen.setdefault(item.field, item)
        return list(seen.values())


def evaluate_rule(
    rule: Rule, good: ValuedDeclaration, ruleset: RuleSet, day: date, *, wholly_obtained: bool
) -> RuleResult:
    rvc_cache: dict[Decimal, RvcCalculation] = {}
    results = []
    for alternative in rule.alternatives:
        outcome = AlternativeResult(alternative, True)
        for term in alternative.terms:
            term_met, used_de_minimis = _evaluate_term(
                term, good, ruleset, day, outcome, rvc_cache, wholly_obtained
            )
            outcome.criteria.append(CRITERION_OF[type(term)])
            outcome.de_minimis_used |= used_de_minimis and term_met is True
            if term_met is False or outcome.met is False:
                outcome.met = False
            elif term_met is None:
                outcome.met = None
        results.append(outcome)
    held = [r for r in results if r.met is True]
    chosen = next((r for r in held if not r.de_minimis_used), held[0] if held else None)
    if chosen is not None:
        met: bool | None = True
    elif any(r.met is None for r in results):
        met = None
    else:
        met = False
    figures = [c.figure for c in rvc_cache.values() if c.figure is not None]
    return RuleResult(met, chosen, results, figures[0] if figures else None)


def _evaluate_term(
    term: Term,
    good: ValuedDeclaration,
    ruleset: RuleSet,
    day: date,
    outcome: AlternativeResult,
    rvc_cache: dict[Decimal, RvcCalculation],
    wholly_obtained: bool,
) -> tuple[bool | None, bool]:
    if isinstance(term, ChangeOfClassification):
        change = evaluate_change(good, term, ruleset, day)
        outcome.checks.extend(change.checks)
        outcome.missing.extend(change.missing)
        return change.met, change.de_minimis_used
    if isinstance(term, RegionalValueContent):
        if term.threshold not in rvc_cache:
            rvc_cache[term.threshold] = calculate_rvc(good, term.threshold)
        calculation = rvc_cache[term.threshold]
        outcome.checks.append(rvc_check(calculation, good, term.threshold))
        outcome.missing.extend(calculation.missing)
        return (None if calculation.figure is None else calculation.figure.met), False
    if isinstance(term, ChemicalReaction):
        check = chemical_reaction(good)
        outcome.checks.append(check)
        return check.result is Result.PASS, False
    outcome.checks.append(
        Check(
            "wholly_obtained_rule",
            "Annex 3A, Headnote 7(e)",
            Result.of(wholly_obtained),
            "the rule requires a wholly obtained good (or one produced exclusively from "
            "originating materials, Art. 3.2(b))",
        )
    )
    return wholly_obtained, False
