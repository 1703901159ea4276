"""The determination: a short chain of the Agreement's steps, each in its own module.

    Art. 20.7   the Agreement is in force for both Parties on the date
    Art. 3.15   direct consignment
    Art. 3.2(a) wholly obtained (Art. 3.3)          -> WO
    Art. 3.2(b) exclusively originating materials   -> PE   (ACU when Art. 3.4 was needed)
    Art. 3.2(c) the Annex 3A rule                   -> CTC / RVC / CR (DMI when Art. 3.7 was needed)
                and more than minimal operations (Art. 3.6)
    Art. 2.6    RCEP country of origin, with the Appendix's additional requirement

A determination is a pure function of (declaration, rule set, engine version); its
``inputs_sha256``, ``ruleset_version`` and ``engine_version`` let anyone re-run it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from rcep_origin._version import ENGINE_VERSION
from rcep_origin.declaration import Declaration, Role, canonical_json
from rcep_origin.origin.consignment import direct_consignment
from rcep_origin.origin.cumulation import ARTICLE as CUMULATION
from rcep_origin.origin.cumulation import relied_on_cumulation
from rcep_origin.origin.product_specific_rule import evaluate_rule
from rcep_origin.origin.production import (
    exclusively_originating,
    minimal_operations,
    wholly_obtained,
)
from rcep_origin.origin.result import (
    AdditionalRule,
    AppliedRule,
    Check,
    Determination,
    Missing,
    Outcome,
    Result,
    RvcFigure,
)
from rcep_origin.origin.rvc import calculate_rvc
from rcep_origin.origin.valuation import ValuedDeclaration, value_declaration
from rcep_origin.parties import ENTRY_INTO_FORCE, parties
from rcep_origin.rules import Conjunction, PsrEntry, RuleSet, builtin_ruleset, print_rule
from rcep_origin.tariffs import OriginFacts, rcep_country_of_origin


class _Reasoning:
    """The trace and the missing facts, gathered as the chain runs."""

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.missing: dict[str, Missing] = {}

    def add(self, *checks: Check) -> None:
        self.checks.extend(checks)

    def need(self, *items: Missing) -> None:
        for item in items:
            self.missing.setdefault(item.field, item)


def determine(declaration: Declaration, *, ruleset: RuleSet | None = None) -> Determination:
    """Decide whether the declared good is RCEP-originating, on which criterion, and which
    Party is its RCEP country of origin. Raises ``InputError`` only for bad input (e.g. a
    value in a currency with no declared rate); every other answer is a ``Determination``."""
    rules = ruleset if ruleset is not None else builtin_ruleset()
    good = value_declaration(declaration)
    reasoning = _Reasoning()
    day = declaration.date

    in_force = _in_force(declaration, reasoning)
    consigned_check, consigned_missing = direct_consignment(good)
    reasoning.add(consigned_check)
    reasoning.need(*consigned_missing)
    if good.conversions:
        reasoning.add(_conversions_check(good))

    criterion: str | None = None
    criteria: tuple[str, ...] = ()
    flags: list[str] = []
    applied: AppliedRule | None = None
    rvc: RvcFigure | None = None
    alternative: Conjunction | None = None
    origin_reasons: tuple[Check, ...] = ()
    origin_met: bool | None

    wo_check = wholly_obtained(good)
    if wo_check is not None:
        reasoning.add(wo_check)
    if wo_check is not None and wo_check.result is Result.PASS:
        origin_met, criterion, criteria = True, "WO", ("WO",)
    else:
        pe_check = exclusively_originating(good)
        reasoning.add(pe_check)
        if pe_check.result is Result.PASS:
            origin_met, criterion, criteria = True, "PE", ("PE",)
        else:
            psr = _product_specific_rule(good, rules, reasoning)
            origin_met, criteria, applied, rvc = psr.met, psr.criteria, psr.applied, psr.rvc
            alternative = psr.alternative
            origin_reasons = psr.reasons
            criterion = criteria[0] if criteria else None

    if criterion is not None and origin_met:
        cumulated, materials = relied_on_cumulation(good, criterion, alternative, rules, day)
        if cumulated:
            flags.append("ACU")
            reasoning.add(
                Check(
                    "cumulation",
                    CUMULATION,
                    Result.INFO,
                    "materials originating in other Parties count as originating: "
                    + ", ".join(materials),
                    {"materials": materials},
                )
            )
    if "DMI" in criteria:
        criteria = tuple(c for c in criteria if c != "DMI")
        flags.append("DMI")

    outcome = _combine(in_force, consigned_check.result, origin_met)
    if outcome is not Outcome.ORIGINATING:
        criterion, criteria, flags = None, (), []

    country: str | None = None
    additional: AdditionalRule | None = None
    if outcome is Outcome.ORIGINATING and criterion is not None:
        decision = rcep_country_of_origin(_origin_facts(good, criterion, rules), rules)
        reasoning.add(*decision.checks)
        reasoning.need(*decision.missing)
        country = decision.party
        additional = AdditionalRule(
            decision.additional_rule_applies,
            decision.exporting_party_value_content,
            decision.threshold,
            decision.additional_rule_met,
        )

    missing = () if outcome is Outcome.NOT_ORIGINATING else tuple(reasoning.missing.values())
    return Determination(
        outcome=outcome,
        criterion=criterion,
        criteria=criteria,
        flags=tuple(flags),
        rule=applied,
        rvc=rvc,
        rcep_country_of_origin=country,
        additional_rule=additional,
        trace=tuple(reasoning.checks),
        missing=missing,
        inputs_sha256=hashlib.sha256(canonical_json(declaration).encode("utf-8")).hexdigest(),
        ruleset_version=rules.version,
        engine_version=ENGINE_VERSION,
        summary=_summary(outcome, criterion, flags, applied, country, reasoning, origin_reasons),
    )


def _in_force(declaration: Declaration, reasoning: _Reasoning) -> bool | None:
    results = []
    for role, code in (
        ("exporting", declaration.exporting_party),
        ("importing", declaration.importing_party),
    ):
        party = parties()[code]
        in_force = party.in_force_on(declaration.date)
        results.append(in_force)
        reasoning.add(
            Check(
                f"in_force_{role}_party",
                ENTRY_INTO_FORCE,
                Result.of(in_force),
                f"RCEP in force for {party.name} since {party.entry_into_force}"
                if in_force
                else f"RCEP not in force for {party.name} on {declaration.date}"
                + (
                    f" (from {party.entry_into_force})"
                    if party.entry_into_force
                    else f": {party.note}"
                ),
                {"party": code, "date": declaration.date.isoformat(), "source": party.source},
            )
        )
        if in_force is None:
            reasoning.need(
                Missing(
                    f"{role}_party",
                    f"the Agreement's entry into force for {code} is not known from a source",
                )
            )
    if False in results:
        return False
    return None if None in results else True


def _conversions_check(good: ValuedDeclaration) -> Check:
    return Check(
        "currency_conversion",
        "Art. 3.5(2)",
        Result.INFO,
        f"{len(good.conversions)} value(s) converted to {good.currency} at declared rates",
        {
            path: {
                "from": str(c.original),
                "to": str(c.converted),
                "rate": f"{c.rate.source_currency}->{c.rate.target_currency} {c.rate.rate}"
                if c.rate
                else None,
                "rate_date": c.rate.on.isoformat() if c.rate else None,
                "rate_source": c.rate.source if c.rate else None,
            }
            for path, c in good.conversions
        },
    )


@dataclass(frozen=True, slots=True)
class _PsrOutcome:
    met: bool | None
    criteria: tuple[str, ...] = ()  # of the alternative relied on; "DMI" last when used
    applied: AppliedRule | None = None
    rvc: RvcFigure | None = None
    alternative: Conjunction | None = None
    reasons: tuple[Check, ...] = ()  # the checks that decided a failure


def _product_specific_rule(
    good: ValuedDeclaration, rules: RuleSet, reasoning: _Reasoning
) -> _PsrOutcome:
    product = good.declaration.product
    entry = rules.psr_for(product.code, product.hs_edition)
    if entry is None:
        reasoning.add(_rule_not_in_catalogue(product.code, product.hs_edition, rules))
        reasoning.need(
            Missing(
                "product.hs_code",
                f"no Annex 3A rule for {product.code} ({product.hs_edition}) in rule set {rules.version}",
            )
        )
        return _PsrOutcome(None)
    applied = _applied(entry)
    reasoning.add(
        Check(
            "product_specific_rule",
            "Art. 3.2(c); Annex 3A",
            Result.INFO,
            f"Annex 3A rule for {entry.hs_code} ({entry.hs_edition}): {entry.text}",
            {"row": entry.citation, "source": entry.source, "basis": entry.basis},
        )
    )
    result = evaluate_rule(entry.rule, good, rules, good.declaration.date, wholly_obtained=False)
    reasoning.add(*result.checks)
    ops_check, ops_missing = minimal_operations(good)
    reasoning.add(ops_check)
    met = _and(result.met, Result.PASS if ops_check.result is Result.PASS else ops_check.result)
    if met is None:
        reasoning.need(*result.missing, *ops_missing)
    if result.chosen is None or met is not True:
        reasons: tuple[Check, ...] = ()
        if met is False:
            reasons = (
                (ops_check,)
                if ops_check.result is Result.FAIL
                else tuple(c for c in result.checks if c.result is Result.FAIL)
            )
        return _PsrOutcome(met, applied=applied, rvc=result.rvc, reasons=reasons)
    criteria = tuple(dict.fromkeys(result.chosen.criteria))
    if result.chosen.de_minimis_used:
        criteria += ("DMI",)
    reasoning.add(
        Check(
            "rule_met",
            "Annex 3A, Headnotes 4 and 8",
            Result.PASS,
            f"met by the alternative '{result.chosen.text}'"
            + (" with de minimis (Art. 3.7)" if result.chosen.de_minimis_used else ""),
        )
    )
    return _PsrOutcome(True, criteria, applied, result.rvc, result.chosen.alternative)


def _and(rule_met: bool | None, operations: Result) -> bool | None:
    if rule_met is False or operations is Result.FAIL:
        return False
    if rule_met is None or operations is Result.UNKNOWN:
        return None
    return True


def _rule_not_in_catalogue(code: object, edition: str, rules: RuleSet) -> Check:
    other = [
        f"{e.hs_code} ({e.hs_edition})"
        for (ed, _), e in rules.psr.items()
        if ed != edition and str(code).startswith(str(e.hs_code))
    ]
    summary = f"cannot decide: no Annex 3A rule for {code} ({edition}) in the catalogue"
    if other:
        summary += (
            f"; a row exists for {', '.join(other)}, but its transposition to {edition} is not "
            "recorded (Annex 3A is in HS2012; a changed subheading's rule is unknown until a "
            "source gives it)"
        )
    return Check(
        "product_specific_rule",
        "Art. 3.2(c); Annex 3A",
        Result.UNKNOWN,
        summary,
        {"ruleset": rules.version},
    )


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


def _combine(in_force: bool | None, consigned: Result, origin_met: bool | None) -> Outcome:
    facts = (
        in_force,
        None if consigned is Result.UNKNOWN else consigned is Result.PASS,
        origin_met,
    )
    if False in facts:
        return Outcome.NOT_ORIGINATING
    if None in facts:
        return Outcome.UNDECIDABLE
    return Outcome.ORIGINATING


def _origin_facts(good: ValuedDeclaration, criterion: str, rules: RuleSet) -> OriginFacts:
    declaration = good.declaration
    exporting = declaration.exporting_party
    steps = [s for s in declaration.production_steps if s.party == exporting]
    if criterion == "WO":
        beyond: bool | None = True
    elif steps:
        beyond = any(not s.minimal_operation for s in steps)
    else:
        beyond = None if criterion == "PE" else True
    # Art. 2.6(3): value added in the exporting Party, Art. 3.5 mutatis mutandis: only
    # materials originating in the exporting Party (and indirect materials) count as its own.
    own = frozenset(
        m.id
        for m in good.materials
        if m.role is Role.INDIRECT
        or (m.material.originating is True and m.origin_party == exporting)
    )
    threshold, _ = rules.parameter("additional_rule_value_content_percent", declaration.date)
    content = calculate_rvc(good, threshold, treat_as_originating=own)
    by_party: dict[str, Decimal] = {}
    value_missing: list[Missing] = []
    for material in good.materials:
        if (
            material.role in (Role.TRANSPORT_PACKING, Role.INDIRECT)
            or material.material.originating is not True
        ):
            continue
        if material.value is None:
            value_missing.append(
                Missing(
                    f"{material.path}.value",
                    "Art. 2.6(4) compares the value of originating materials by Party",
                )
            )
            continue
        party = material.origin_party or ""
        by_party[party] = by_party.get(party, Decimal(0)) + material.value
    return OriginFacts(
        exporting_party=exporting,
        importing_party=declaration.importing_party,
        day=declaration.date,
        hs_code=declaration.product.code,
        import_tariff_line=declaration.product.import_tariff_line,
        criterion=criterion,
        production_beyond_minimal_in_exporting_party=beyond,
        exporting_party_value_content=None if content.figure is None else content.figure.percent,
        value_content_missing=content.missing,
        originating_material_value_by_party=None if value_missing else by_party,
        originating_value_missing=tuple(value_missing),
    )


def _summary(
    outcome: Outcome,
    criterion: str | None,
    flags: list[str],
    applied: AppliedRule | None,
    country: str | None,
    reasoning: _Reasoning,
    origin_reasons: tuple[Check, ...],
) -> str:
    if outcome is Outcome.ORIGINATING:
        label = "+".join([criterion or "", *flags])
        text = f"Originating ({label})"
        if applied is not None and criterion not in ("WO", "PE"):
            text += f" under '{applied.text}'"
        text += (
            f"; RCEP country of origin {country}"
            if country
            else "; RCEP country of origin not established"
        )
        return text + "."
    if outcome is Outcome.NOT_ORIGINATING:
        # The grounds, in the order the Agreement applies them: in force, consignment, origin.
        grounds = [
            c
            for c in reasoning.checks
            if c.result is Result.FAIL and c.name.startswith(("in_force_", "direct_consignment"))
        ] + list(origin_reasons)
        grounds = grounds or [c for c in reasoning.checks if c.result is Result.FAIL]
        return "Not originating: " + "; ".join(f"{c.summary} ({c.article})" for c in grounds) + "."
    missing = list(reasoning.missing.values())
    return "Cannot decide: " + "; ".join(f"{m.field} ({m.reason})" for m in missing[:3]) + "."
