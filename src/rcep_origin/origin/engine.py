"""The determination: a short chain of the Agreement's steps, each in its own module.

    Art. 20.7   the Agreement is in force for both Parties on the date
    Art. 3.15   direct consignment
    Art. 3.2(a) wholly obtained (Art. 3.3)          -> WO
    Art. 3.2(b) exclusively originating materials   -> PE   (ACU when Art. 3.4 was needed)
    Art. 3.2(c) the Annex 3A rule                   -> CTC / RVC / CR (DMI when Art. 3.7 was needed)
                and more than minimal operations (Art. 3.6)
    Art. 2.6    RCEP country of origin, with the Appendix's additional requirement

Each step returns a typed fact (``Facts`` on the ``Determination``: what pre-review and the
service read); the trace, the explanation for people, is rendered from those facts.

A determination is a pure function of (declaration, rule set, engine version); its
``inputs_sha256``, ``ruleset_version`` and ``engine_version`` let anyone re-run it.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from rcep_origin._version import ENGINE_VERSION
from rcep_origin.declaration import Declaration, Role, canonical_json
from rcep_origin.origin.consignment import direct_consignment
from rcep_origin.origin.cumulation import Cumulation, relied_on_cumulation
from rcep_origin.origin.landed_cost import landed_cost_check
from rcep_origin.origin.product_specific_rule import (
    RuleEvaluation,
    RuleLookup,
    evaluate_rule,
    look_up_rule,
)
from rcep_origin.origin.production import (
    ExclusivelyOriginating,
    MinimalOperations,
    exclusively_originating,
    minimal_operations,
    wholly_obtained,
)
from rcep_origin.origin.result import (
    AdditionalRule,
    Check,
    Determination,
    Facts,
    Missing,
    Outcome,
    PartyInForce,
    Result,
)
from rcep_origin.origin.rvc import calculate_rvc
from rcep_origin.origin.subassembly import subassembly_uses
from rcep_origin.origin.valuation import ValuedDeclaration, value_declaration
from rcep_origin.rules import Conjunction, RuleSet, builtin_ruleset
from rcep_origin.tariffs import CountryOfOrigin, OriginFacts, rcep_country_of_origin


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

    exporting_in_force = _in_force(declaration, "exporting", rules, reasoning)
    importing_in_force = _in_force(declaration, "importing", rules, reasoning)
    consignment = direct_consignment(good)
    reasoning.add(consignment.check())
    reasoning.need(*consignment.missing)
    if good.conversions:
        reasoning.add(_conversions_check(good))
    if good.landed:
        reasoning.add(landed_cost_check(good.landed, good.currency))
    subassemblies = subassembly_uses(good)
    reasoning.add(*(use.check() for use in subassemblies))

    criterion: str | None = None
    criteria: tuple[str, ...] = ()
    flags: list[str] = []
    alternative: Conjunction | None = None
    origin_met: bool | None
    pe: ExclusivelyOriginating | None = None
    psr = _PsrOutcome(None)

    wo = wholly_obtained(good)
    if wo is not None:
        reasoning.add(wo.check())
    if wo is not None and wo.met:
        origin_met, criterion, criteria = True, "WO", ("WO",)
    else:
        pe = exclusively_originating(good)
        reasoning.add(pe.check())
        if pe.met:
            origin_met, criterion, criteria = True, "PE", ("PE",)
        else:
            psr = _product_specific_rule(good, rules, reasoning)
            origin_met, criteria = psr.met, psr.criteria
            alternative = psr.alternative
            criterion = criteria[0] if criteria else None

    cumulation: Cumulation | None = None
    if criterion is not None and origin_met:
        cumulation = relied_on_cumulation(good, criterion, alternative, rules, day)
        if cumulation.relied:
            flags.append("ACU")
            reasoning.add(cumulation.check())
    if "DMI" in criteria:
        criteria = tuple(c for c in criteria if c != "DMI")
        flags.append("DMI")

    in_force = _all_in_force(exporting_in_force, importing_in_force)
    outcome = _combine(in_force, consignment.met, origin_met)
    if outcome is not Outcome.ORIGINATING:
        criterion, criteria, flags = None, (), []

    country: CountryOfOrigin | None = None
    additional: AdditionalRule | None = None
    if outcome is Outcome.ORIGINATING and criterion is not None:
        country = rcep_country_of_origin(_origin_facts(good, criterion, rules), rules)
        reasoning.add(*country.checks)
        reasoning.need(*country.missing)
        additional = AdditionalRule(
            country.additional_rule_applies,
            country.exporting_party_value_content,
            country.threshold,
            country.additional_rule_met,
        )

    facts = Facts(
        exporting_party_in_force=exporting_in_force,
        importing_party_in_force=importing_in_force,
        consignment=consignment,
        wholly_obtained=wo,
        exclusively_originating=pe,
        rule_lookup=psr.lookup,
        rule=psr.evaluation,
        minimal_operations=psr.operations,
        cumulation=cumulation,
        country_of_origin=country,
        landed_costs=good.landed,
        subassemblies=subassemblies,
    )
    missing = () if outcome is Outcome.NOT_ORIGINATING else tuple(reasoning.missing.values())
    applied = None if psr.lookup is None else psr.lookup.rule
    return Determination(
        outcome=outcome,
        criterion=criterion,
        criteria=criteria,
        flags=tuple(flags),
        rule=applied,
        rvc=None if psr.evaluation is None else psr.evaluation.rvc,
        rcep_country_of_origin=None if country is None else country.party,
        additional_rule=additional,
        trace=tuple(reasoning.checks),
        missing=missing,
        inputs_sha256=inputs_sha256(declaration),
        ruleset_version=rules.version,
        engine_version=ENGINE_VERSION,
        summary=_summary(outcome, criterion, flags, facts, reasoning, psr.reasons),
        facts=facts,
    )


# The hashes of the last few declarations, by object: a batch hashes a declaration to know
# whether it was already decided (resume), then determines it; what-if and advice determine
# one declaration many times. Keyed by identity and holding the object, so an entry can never
# answer for another declaration (declarations are frozen).
_HASHES: OrderedDict[int, tuple[Declaration, str]] = OrderedDict()
_HASHES_KEPT = 16


def inputs_sha256(declaration: Declaration) -> str:
    """SHA-256 of the declaration's canonical JSON (``canonical_json``): the determination's
    ``inputs_sha256``, computed once per declaration object."""
    key = id(declaration)
    entry = _HASHES.get(key)
    if entry is not None and entry[0] is declaration:
        return entry[1]
    digest = hashlib.sha256(canonical_json(declaration).encode("utf-8")).hexdigest()
    _HASHES[key] = (declaration, digest)
    if len(_HASHES) > _HASHES_KEPT:
        _HASHES.popitem(last=False)
    return digest


def _in_force(
    declaration: Declaration,
    role: Literal["exporting", "importing"],
    rules: RuleSet,
    reasoning: _Reasoning,
) -> PartyInForce:
    """Art. 20.7 for the exporting or the importing Party, as the bundle records it."""
    code = declaration.exporting_party if role == "exporting" else declaration.importing_party
    party = rules.parties[code]
    fact = PartyInForce(
        role=role,
        party=code,
        party_name=party.name,
        day=declaration.date,
        entry_into_force=party.entry_into_force,
        note=party.note,
        source=party.source,
    )
    reasoning.add(fact.check())
    reasoning.need(*fact.missing)
    return fact


def _all_in_force(*facts: PartyInForce) -> bool | None:
    results = [fact.in_force for fact in facts]
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
    alternative: Conjunction | None = None
    reasons: tuple[Check, ...] = ()  # the checks that decided a failure
    lookup: RuleLookup | None = None
    evaluation: RuleEvaluation | None = None
    operations: MinimalOperations | None = None


def _product_specific_rule(
    good: ValuedDeclaration, rules: RuleSet, reasoning: _Reasoning
) -> _PsrOutcome:
    """Art. 3.2(c): the Annex 3A rule, and more than minimal operations (Art. 3.6)."""
    lookup, entry = look_up_rule(good, rules)
    reasoning.add(lookup.check())
    if entry is None:
        reasoning.need(*lookup.missing)
        return _PsrOutcome(None, lookup=lookup)
    result = evaluate_rule(entry.rule, good, rules, good.declaration.date, wholly_obtained=False)
    reasoning.add(*result.checks)
    operations = minimal_operations(good)
    ops_check = operations.check()
    reasoning.add(ops_check)
    met = _and(result.met, operations.met)
    if met is None:
        reasoning.need(*result.missing, *operations.missing)
    chosen = result.chosen
    if chosen is None or met is not True:
        reasons: tuple[Check, ...] = ()
        if met is False:
            reasons = (
                (ops_check,)
                if operations.met is False
                else tuple(c for c in result.checks if c.result is Result.FAIL)
            )
        return _PsrOutcome(
            met, reasons=reasons, lookup=lookup, evaluation=result, operations=operations
        )
    criteria = tuple(dict.fromkeys(chosen.criteria))
    if chosen.de_minimis_used:
        criteria += ("DMI",)
    reasoning.add(
        Check(
            "rule_met",
            "Annex 3A, Headnotes 4 and 8",
            Result.PASS,
            f"met by the alternative '{chosen.text}'"
            + (" with de minimis (Art. 3.7)" if chosen.de_minimis_used else ""),
        )
    )
    return _PsrOutcome(
        True,
        criteria,
        chosen.alternative,
        lookup=lookup,
        evaluation=result,
        operations=operations,
    )


def _and(rule_met: bool | None, operations_met: bool | None) -> bool | None:
    if rule_met is False or operations_met is False:
        return False
    if rule_met is None or operations_met is None:
        return None
    return True


def _combine(in_force: bool | None, consigned: bool | None, origin_met: bool | None) -> Outcome:
    facts = (in_force, consigned, origin_met)
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
    # Art. 2.6(4): the value of originating materials by Party (transport packing and indirect
    # materials aside). One pass over the bill of materials for both.
    own: list[str] = []
    by_party: dict[str, Decimal] = {}
    value_missing: list[Missing] = []
    indirect, packing = Role.INDIRECT, Role.TRANSPORT_PACKING
    for material in good.materials:
        role = material.role
        if role is indirect:
            own.append(material.id)
            continue
        if not material.originating:  # for any other role: declared originating
            continue
        party = material.origin_party
        if party == exporting:
            own.append(material.id)
        if role is packing:
            continue
        if material.value is None:
            value_missing.append(
                Missing(
                    f"{material.path}.value",
                    "Art. 2.6(4) compares the value of originating materials by Party",
                )
            )
            continue
        key = party or ""
        by_party[key] = by_party.get(key, Decimal(0)) + material.value
    threshold, _ = rules.parameter("additional_rule_value_content_percent", declaration.date)
    content = calculate_rvc(good, threshold, treat_as_originating=frozenset(own))
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
    facts: Facts,
    reasoning: _Reasoning,
    origin_reasons: tuple[Check, ...],
) -> str:
    if outcome is Outcome.ORIGINATING:
        label = "+".join([criterion or "", *flags])
        text = f"Originating ({label})"
        applied = None if facts.rule_lookup is None else facts.rule_lookup.rule
        if applied is not None and criterion not in ("WO", "PE"):
            text += f" under '{applied.text}'"
        country = None if facts.country_of_origin is None else facts.country_of_origin.party
        text += (
            f"; RCEP country of origin {country}"
            if country
            else "; RCEP country of origin not established"
        )
        return text + "."
    if outcome is Outcome.NOT_ORIGINATING:
        # The grounds, in the order the Agreement applies them: in force, consignment, origin.
        grounds = [fact.check() for fact in facts.in_force if fact.in_force is False]
        if facts.consignment.met is False:
            grounds.append(facts.consignment.check())
        grounds += origin_reasons
        grounds = grounds or [c for c in reasoning.checks if c.result is Result.FAIL]
        return "Not originating: " + "; ".join(f"{c.summary} ({c.article})" for c in grounds) + "."
    missing = list(reasoning.missing.values())
    return "Cannot decide: " + "; ".join(f"{m.field} ({m.reason})" for m in missing[:3]) + "."
