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

from rcep_origin.hs import Correlation
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
    RuleResolutionStatus,
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
    """The Annex 3A row the determination applied, and where it comes from: the row's own
    source text, its file and line, and the bundle layer that holds it (the built-in catalogue
    or an overlay an issuing body maintains)."""

    text: str  # verbatim, as the source prints it
    canonical: str
    hs_code: str
    hs_edition: str
    source: str
    row: str  # file:line in the rule set
    basis: str
    layer: str = ""  # the bundle layer the row comes from, e.g. "overlay ccpit@1 (/srv/rules)"
    via: str = ""  # how the declared code reached the row, when not directly

    def to_dict(self) -> dict[str, str]:
        return {
            "text": self.text,
            "canonical": self.canonical,
            "hs_code": self.hs_code,
            "hs_edition": self.hs_edition,
            "source": self.source,
            "row": self.row,
            "basis": self.basis,
            "layer": self.layer,
            "via": self.via,
        }


class RuleStatus(StrEnum):
    """What the catalogue says about the good's code. The engine never guesses a rule: without
    a row for the declared edition, or a correlation to a single HS2012 subheading that has
    one, the rule is unknown and the good undecidable."""

    FOUND = "found"
    # No row in the declared edition; the UN correlation maps the subheading to exactly one
    # HS2012 subheading (the edition of Annex 3A), whose row applies to all of it.
    CORRELATED = "correlated"
    # The subheading maps to several HS2012 subheadings: which rule applies is unknown until
    # the row for the declared edition is given (the candidates and their rows are listed).
    CORRELATION_AMBIGUOUS = "correlation_ambiguous"
    NOT_IN_CATALOGUE = "not_in_catalogue"  # no row for the code (or its correlation target)
    # A row exists in another edition, but no correlation table links the editions for this
    # code: unknown until a source gives the transposed rule.
    TRANSPOSITION_UNKNOWN = "transposition_unknown"


@dataclass(frozen=True, slots=True)
class RuleCandidate:
    """One HS2012 subheading an ambiguous correlation leads to, and its row if the catalogue
    has one."""

    hs_code: str
    rule: AppliedRule | None


_SHOWN = 8  # candidates named in a summary; the inputs list them all


@dataclass(frozen=True, slots=True)
class RuleLookup:
    """Art. 3.2(c); Annex 3A: the product-specific rule for the good's code and edition."""

    hs_code: str
    hs_edition: str
    ruleset_version: str
    status: RuleStatus
    rule: AppliedRule | None  # when FOUND or CORRELATED
    rows_in_other_editions: tuple[str, ...]  # e.g. ("1302.19 (HS2012)",), when not found
    correlation: Correlation | None = None  # when the lookup went through a correlation table
    candidates: tuple[RuleCandidate, ...] = ()  # the correlation's targets and their rows

    article: ClassVar[str] = ARTICLE

    @property
    def found(self) -> bool:
        return self.status in (RuleStatus.FOUND, RuleStatus.CORRELATED)

    @property
    def missing(self) -> tuple[Missing, ...]:
        """The rule set's gap, not the declaration's: the missing fact is a row of the rule
        set, and the reason says how the holder of the official row adds it."""
        if self.found:
            return ()
        add = (
            "an issuing body holding the official row adds it with 'rcep-origin rules add "
            f'DIR {self.hs_code} "RULE" --edition {self.hs_edition} --source "..."\' '
            "and decides with --rules DIR"
        )
        if self.status is RuleStatus.CORRELATION_AMBIGUOUS:
            reason = (
                f"rule set {self.ruleset_version} cannot tell which Annex 3A rule applies to "
                f"{self.hs_code} ({self.hs_edition}): it correlates to {len(self.candidates)} "
                f"HS2012 subheadings ({self._shown_candidates()}); {add}"
            )
        else:
            reason = f"rule set {self.ruleset_version} has no Annex 3A row for {self.hs_code} ({self.hs_edition})"
            if self.correlation is not None and self.candidates:
                reason += (
                    f" nor for {self.candidates[0].hs_code} (HS2012), {self.correlation.describe()}"
                )
            reason += f"; {add}"
        return (Missing("ruleset", reason),)

    def _shown_candidates(self) -> str:
        shown = [
            f"{c.hs_code}: {c.rule.text if c.rule else 'no row'}" for c in self.candidates[:_SHOWN]
        ]
        more = len(self.candidates) - _SHOWN
        return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")

    def check(self) -> Check:
        rule = self.rule
        correlation = None if self.correlation is None else self._correlation_inputs()
        if rule is not None:
            inputs: dict[str, object] = {
                "row": rule.row,
                "source": rule.source,
                "basis": rule.basis,
                "layer": rule.layer,
            }
            summary = f"Annex 3A rule for {rule.hs_code} ({rule.hs_edition}): {rule.text}"
            if correlation is not None:
                inputs["correlation"] = correlation
                summary = (
                    f"Annex 3A rule for {rule.hs_code} ({rule.hs_edition}), reached from "
                    f"{self.hs_code} ({self.hs_edition}) {rule.via}: {rule.text}; the change "
                    f"of classification is tested on the declared {self.hs_edition} codes"
                )
            summary += f" [{rule.layer}, {rule.row}]"
            return Check("product_specific_rule", self.article, Result.INFO, summary, inputs)
        unknown_inputs: dict[str, object] = {"ruleset": self.ruleset_version}
        if self.status is RuleStatus.CORRELATION_AMBIGUOUS:
            assert self.correlation is not None
            summary = (
                f"cannot decide: {self.hs_code} ({self.hs_edition}) maps "
                f"{self.correlation.describe()} ({self._shown_candidates()}), so which Annex 3A "
                f"rule applies is undecidable until rule set {self.ruleset_version} has the "
                f"row for {self.hs_code} in {self.hs_edition}"
            )
            unknown_inputs["correlation"] = correlation
            unknown_inputs["candidates"] = [c.hs_code for c in self.candidates]
            unknown_inputs["candidate_rules"] = {
                c.hs_code: {"rule": c.rule.text, "row": c.rule.row, "layer": c.rule.layer}
                for c in self.candidates
                if c.rule is not None
            }
            return Check(
                "product_specific_rule", self.article, Result.UNKNOWN, summary, unknown_inputs
            )
        summary = (
            f"cannot decide: rule set {self.ruleset_version} has no Annex 3A row for "
            f"{self.hs_code} ({self.hs_edition})"
        )
        if self.correlation is not None and self.candidates:
            unknown_inputs["correlation"] = correlation
            summary += (
                f" nor for {self.candidates[0].hs_code} (HS2012), which it maps to "
                f"{self.correlation.describe()}"
            )
        if self.rows_in_other_editions:
            summary += (
                f"; a row exists for {', '.join(self.rows_in_other_editions)}, but its "
                f"transposition to {self.hs_edition} is not recorded (Annex 3A is in HS2012; a "
                "changed subheading's rule is unknown until a source gives it)"
            )
        summary += " (the catalogue's gap, not the declaration's)"
        return Check("product_specific_rule", self.article, Result.UNKNOWN, summary, unknown_inputs)

    def _correlation_inputs(self) -> dict[str, object]:
        assert self.correlation is not None
        return {
            "from": f"{self.correlation.source} ({self.correlation.source_edition})",
            "to_edition": self.correlation.target_edition,
            "targets": len(self.correlation.targets),
            "relations": sorted(set(self.correlation.relations)),
            "table": self.correlation.citation,
        }


_STATUS = {
    RuleResolutionStatus.FOUND: RuleStatus.FOUND,
    RuleResolutionStatus.CORRELATED: RuleStatus.CORRELATED,
    RuleResolutionStatus.AMBIGUOUS: RuleStatus.CORRELATION_AMBIGUOUS,
    RuleResolutionStatus.NOT_IN_CATALOGUE: RuleStatus.NOT_IN_CATALOGUE,
    RuleResolutionStatus.TRANSPOSITION_UNKNOWN: RuleStatus.TRANSPOSITION_UNKNOWN,
}


def look_up_rule(good: ValuedDeclaration, rules: RuleSet) -> tuple[RuleLookup, PsrEntry | None]:
    """The row for the good's code in its edition (``RuleSet.resolve``), or why there is none."""
    product = good.declaration.product
    resolution = rules.resolve(product.code, product.hs_edition)
    entry = resolution.entry
    via = ""
    if resolution.correlation is not None and entry is not None:
        relations = ", ".join(sorted(set(resolution.correlation.relations)))
        via = f"{resolution.correlation.describe()} ({relations})"
    lookup = RuleLookup(
        hs_code=str(product.code),
        hs_edition=product.hs_edition,
        ruleset_version=rules.version,
        status=_STATUS[resolution.status],
        rule=None if entry is None else _applied(entry, rules, via),
        rows_in_other_editions=tuple(f"{e.hs_code} ({e.hs_edition})" for e in resolution.others),
        correlation=resolution.correlation,
        candidates=tuple(
            RuleCandidate(str(code), None if row is None else _applied(row, rules, ""))
            for code, row in resolution.candidates
        ),
    )
    return lookup, entry


def _applied(entry: PsrEntry, rules: RuleSet, via: str) -> AppliedRule:
    layer = rules.layer(entry.layer)
    return AppliedRule(
        text=entry.text,
        canonical=print_rule(entry.rule),
        hs_code=str(entry.hs_code),
        hs_edition=entry.hs_edition,
        source=entry.source,
        row=entry.citation,
        basis=entry.basis,
        layer=entry.layer if layer is None else layer.describe(),
        via=via,
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
