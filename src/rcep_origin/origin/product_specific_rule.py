"""Art. 3.2(c) and Annex 3A: evaluate a product-specific rule against the declaration.

Alternatives ("or") need one to hold (headnote 4); the terms of an alternative ("and") all.
Each term is true, false or unknown; so is the rule. Among the alternatives that hold, the
exporter may choose (headnote 8): the engine reports the first, in the order the rule gives,
that holds without de minimis, else the first that holds with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from rcep_origin.origin.change_of_classification import CtcOutcome, evaluate_change
from rcep_origin.origin.production import ChemicalReactionOutcome, chemical_reaction
from rcep_origin.origin.rvc import RvcCalculation, RvcFigure, calculate_rvc
from rcep_origin.origin.valuation import ValuedDeclaration
from rcep_origin.rules import (
    ChangeOfClassification,
    ChemicalReaction,
    Conjunction,
    PsrEntry,
    RegionalValueContent,
    Rule,
    RuleSet,
    Term,
    WhollyObtained,
    print_rule,
)
from rcep_origin.trace import Check, Missing, Result

ARTICLE = "Art. 3.2(c); Annex 3A"
CRITERION_OF = {
    ChangeOfClassification: "CTC",
    RegionalValueContent: "RVC",
    ChemicalReaction: "CR",
    WhollyObtained: "WO",
}


# --- which rule: the catalogue row for the good's code ----------------------------------------


@dataclass(frozen=True, slots=True)
class AppliedRule:
    """The Annex 3A row the determination applied, and where it comes from."""

    text: str  # verbatim, as the source prints it
    canonical: str
    hs_code: str
    hs_edition: str
    source: str
    row: str  # file:line in the rule set
    basis: str

    def to_dict(self) -> dict[str, str]:
        return {
            "text": self.text,
            "canonical": self.canonical,
            "hs_code": self.hs_code,
            "hs_edition": self.hs_edition,
            "source": self.source,
            "row": self.row,
            "basis": self.basis,
        }


class RuleStatus(StrEnum):
    """What the catalogue says about the good's code. The engine never guesses a rule: without
    a row for the declared edition the rule is unknown and the good undecidable."""

    FOUND = "found"
    NOT_IN_CATALOGUE = "not_in_catalogue"  # no row for the code in any edition
    # A row exists in another edition (Annex 3A is in HS2012), but its transposition to the
    # declared edition is not recorded: unknown until a source gives it.
    TRANSPOSITION_UNKNOWN = "transposition_unknown"


@dataclass(frozen=True, slots=True)
class RuleLookup:
    """Art. 3.2(c); Annex 3A: the product-specific rule for the good's code and edition."""

    hs_code: str
    hs_edition: str
    ruleset_version: str
    status: RuleStatus
    rule: AppliedRule | None  # when FOUND
    rows_in_other_editions: tuple[str, ...]  # e.g. ("1302.19 (HS2012)",), when not FOUND

    article: ClassVar[str] = ARTICLE

    @property
    def found(self) -> bool:
        return self.status is RuleStatus.FOUND

    @property
    def missing(self) -> tuple[Missing, ...]:
        if self.found:
            return ()
        return (
            Missing(
                "product.hs_code",
                f"no Annex 3A rule for {self.hs_code} ({self.hs_edition}) in rule set "
                f"{self.ruleset_version}",
            ),
        )

    def check(self) -> Check:
        rule = self.rule
        if rule is not None:
            return Check(
                "product_specific_rule",
                self.article,
                Result.INFO,
                f"Annex 3A rule for {rule.hs_code} ({rule.hs_edition}): {rule.text}",
                {"row": rule.row, "source": rule.source, "basis": rule.basis},
            )
        summary = (
            f"cannot decide: no Annex 3A rule for {self.hs_code} ({self.hs_edition}) in the "
            "catalogue"
        )
        if self.rows_in_other_editions:
            summary += (
                f"; a row exists for {', '.join(self.rows_in_other_editions)}, but its "
                f"transposition to {self.hs_edition} is not recorded (Annex 3A is in HS2012; a "
                "changed subheading's rule is unknown until a source gives it)"
            )
        return Check(
            "product_specific_rule",
            self.article,
            Result.UNKNOWN,
            summary,
            {"ruleset": self.ruleset_version},
        )


def look_up_rule(good: ValuedDeclaration, rules: RuleSet) -> tuple[RuleLookup, PsrEntry | None]:
    """The most specific row for the good's code in its edition, or why there is none."""
    product = good.declaration.product
    code, edition = product.code, product.hs_edition
    entry = rules.psr_for(code, edition)
    others: tuple[str, ...] = ()
    if entry is None:
        others = tuple(
            f"{e.hs_code} ({e.hs_edition})"
            for (row_edition, _), e in rules.psr.items()
            if row_edition != edition and str(code).startswith(str(e.hs_code))
        )
    status = (
        RuleStatus.FOUND
        if entry is not None
        else RuleStatus.TRANSPOSITION_UNKNOWN
        if others
        else RuleStatus.NOT_IN_CATALOGUE
    )
    lookup = RuleLookup(
        hs_code=str(code),
        hs_edition=edition,
        ruleset_version=rules.version,
        status=status,
        rule=None if entry is None else _applied(entry),
        rows_in_other_editions=others,
    )
    return lookup, entry


def _applied(entry: PsrEntry) -> AppliedRule:
    return AppliedRule(
        text=entry.text,
        canonical=print_rule(entry.rule),
        hs_code=str(entry.hs_code),
        hs_edition=entry.hs_edition,
        source=entry.source,
        row=entry.citation,
        basis=entry.basis,
    )


# --- whether the good meets it ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WhollyObtainedTerm:
    """Annex 3A headnote 7(e): a rule term that requires a wholly obtained good."""

    met: bool

    article: ClassVar[str] = "Annex 3A, Headnote 7(e)"

    def check(self) -> Check:
        return Check(
            "wholly_obtained_rule",
            self.article,
            Result.of(self.met),
            "the rule requires a wholly obtained good (or one produced exclusively from "
            "originating materials, Art. 3.2(b))",
        )


TermOutcome = CtcOutcome | RvcCalculation | ChemicalReactionOutcome | WhollyObtainedTerm


def term_checks(term: TermOutcome) -> tuple[Check, ...]:
    """A term's trace entries (a change test carries its de minimis test with it)."""
    if isinstance(term, CtcOutcome):
        return term.checks()
    return (term.check(),)


def term_missing(term: TermOutcome) -> tuple[Missing, ...]:
    if isinstance(term, CtcOutcome | RvcCalculation):
        return term.missing
    return ()


@dataclass(frozen=True, slots=True)
class AlternativeOutcome:
    """One alternative of the rule (its terms joined by "and"): true, false or unknown."""

    alternative: Conjunction
    terms: tuple[TermOutcome, ...]  # in the order of the rule's terms

    @property
    def text(self) -> str:
        return print_rule(Rule((self.alternative,)))

    @property
    def met(self) -> bool | None:
        results = [term.met for term in self.terms]
        if False in results:
            return False
        return None if None in results else True

    @property
    def criteria(self) -> tuple[str, ...]:
        """Headnote 4's criterion of each term, e.g. ("CTC", "RVC")."""
        return tuple(CRITERION_OF[type(term)] for term in self.alternative.terms)

    @property
    def de_minimis_used(self) -> bool:
        return any(isinstance(t, CtcOutcome) and t.de_minimis_used for t in self.terms)

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(check for term in self.terms for check in term_checks(term))

    @property
    def missing(self) -> tuple[Missing, ...]:
        return tuple(item for term in self.terms for item in term_missing(term))


@dataclass(frozen=True, slots=True)
class RuleEvaluation:
    """Headnote 4: a rule holds when one alternative holds. Among those that hold the exporter
    may choose (headnote 8); ``chosen`` is the first that holds without de minimis, else the
    first that holds with it."""

    alternatives: tuple[AlternativeOutcome, ...]
    chosen: AlternativeOutcome | None
    rvc: RvcFigure | None  # the first RVC figure computed, if any

    @property
    def met(self) -> bool | None:
        if self.chosen is not None:
            return True
        return None if any(a.met is None for a in self.alternatives) else False

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(check for alternative in self.alternatives for check in alternative.checks)

    @property
    def missing(self) -> tuple[Missing, ...]:
        seen: dict[str, Missing] = {}
        for alternative in self.alternatives:
            for item in alternative.missing:
                seen.setdefault(item.field, item)
        return tuple(seen.values())

    @property
    def changes(self) -> tuple[CtcOutcome, ...]:
        """Every change-in-classification term tested, in the rule's order."""
        return tuple(
            term
            for alternative in self.alternatives
            for term in alternative.terms
            if isinstance(term, CtcOutcome)
        )

    @property
    def rvc_terms(self) -> tuple[RvcCalculation, ...]:
        """Every RVC term tested, in the rule's order."""
        return tuple(
            term
            for alternative in self.alternatives
            for term in alternative.terms
            if isinstance(term, RvcCalculation)
        )


def evaluate_rule(
    rule: Rule, good: ValuedDeclaration, ruleset: RuleSet, day: date, *, wholly_obtained: bool
) -> RuleEvaluation:
    rvc_cache: dict[Decimal, RvcCalculation] = {}
    results = tuple(
        AlternativeOutcome(
            alternative,
            tuple(
                _evaluate_term(term, good, ruleset, day, rvc_cache, wholly_obtained)
                for term in alternative.terms
            ),
        )
        for alternative in rule.alternatives
    )
    held = [r for r in results if r.met is True]
    chosen = next((r for r in held if not r.de_minimis_used), held[0] if held else None)
    figures = [c.figure for c in rvc_cache.values() if c.figure is not None]
    return RuleEvaluation(results, chosen, figures[0] if figures else None)


def _evaluate_term(
    term: Term,
    good: ValuedDeclaration,
    ruleset: RuleSet,
    day: date,
    rvc_cache: dict[Decimal, RvcCalculation],
    wholly_obtained: bool,
) -> TermOutcome:
    if isinstance(term, ChangeOfClassification):
        return evaluate_change(good, term, ruleset, day)
    if isinstance(term, RegionalValueContent):
        # One calculation per threshold: alternatives that repeat it share it.
        if term.threshold not in rvc_cache:
            rvc_cache[term.threshold] = calculate_rvc(good, term.threshold)
        return rvc_cache[term.threshold]
    if isinstance(term, ChemicalReaction):
        return chemical_reaction(good)
    return WhollyObtainedTerm(wholly_obtained)
