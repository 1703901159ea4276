"""Art. 2.6 Tariff Differentials: which Party's preferential rate an originating good gets.

(1) An importing Party with differentiated commitments applies the rate for the exporting Party
    only if the exporting Party is the good's *RCEP country of origin*.
(2) That is the Party where the good acquired originating status under Art. 3.2; for a good of
    Art. 3.2(b) (produced exclusively from originating materials), the exporting Party, provided
    production other than the minimal operations of paragraph 5 occurred there.
(3) For a good listed in the Appendix to the importing Party's Schedule, the exporting Party is
    the RCEP country of origin only if the Appendix's additional requirement is met: no less than
    20 % of the good's total value added in the exporting Party, calculated mutatis mutandis
    under Art. 3.5.
(4) Otherwise, the RCEP country of origin is the Party that contributed the highest value of
    originating materials used in the production of the good in the exporting Party.
(6) The importer may instead claim the highest rate applied to the good from any contributing
    Party, or from any Party.

This module decides from facts the origin engine has already established; it knows nothing of
bills of materials.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rcep_origin.hs import HsCode
from rcep_origin.parties import Party
from rcep_origin.rules import AppendixLookup, RuleSet
from rcep_origin.trace import Check, Missing, Result, round2

ARTICLE = "Art. 2.6"


@dataclass(frozen=True, slots=True)
class OriginFacts:
    exporting_party: str
    importing_party: str
    day: date
    hs_code: HsCode
    import_tariff_line: str | None
    criterion: str  # WO, PE, CTC, RVC, CR
    # Art. 2.6(2): production other than minimal operations in the exporting Party (None: unknown)
    production_beyond_minimal_in_exporting_party: bool | None
    # Art. 2.6(3): value added in the exporting Party, per cent of the good's value (None: unknown)
    exporting_party_value_content: Decimal | None
    value_content_missing: tuple[Missing, ...]
    # Art. 2.6(4): value of originating materials per Party (None: some value unknown)
    originating_material_value_by_party: dict[str, Decimal] | None
    originating_value_missing: tuple[Missing, ...] = ()


@dataclass(frozen=True)
class CountryOfOrigin:
    """What Art. 2.6 establishes for an originating good; ``checks`` is its explanation."""

    party: str | None  # the RCEP country of origin; None: not established (``missing``)
    additional_rule_applies: bool | None  # para. 3: on the importing Party's Appendix
    exporting_party_value_content: Decimal | None  # para. 3, per cent of the good's value
    threshold: Decimal | None
    additional_rule_met: bool | None
    checks: tuple[Check, ...]
    missing: tuple[Missing, ...] = field(default=())
    # Para. 2: the good acquired its originating status in the exporting Party (None: unknown).
    acquired_status_in_exporting_party: bool | None = None
    # Para. 4, when applied: the Parties that contributed the highest value of originating
    # materials (one: the RCEP country of origin; two or more: a tie no article breaks).
    highest_value_contributors: tuple[str, ...] = ()


def rcep_country_of_origin(facts: OriginFacts, ruleset: RuleSet) -> CountryOfOrigin:
    importer = ruleset.parties[facts.importing_party]
    checks: list[Check] = [_differentials_check(importer)]
    missing: list[Missing] = []
    exporting = facts.exporting_party
    threshold, _ = ruleset.parameter("additional_rule_value_content_percent", facts.day)
    content = facts.exporting_party_value_content

    established = _acquired_status_in_exporting_party(facts, checks)
    leaders: tuple[str, ...] = ()
    if established is False:
        # Para. 3 only adds a condition for the exporting Party; it cannot restore it.
        checks.append(
            Check(
                "appendix_additional_requirement",
                f"{ARTICLE}(3)",
                Result.SKIPPED,
                f"not needed: {exporting} is not the RCEP country of origin under paragraph 2",
            )
        )
        leaders = _highest_contributors(facts, checks, missing)
        return CountryOfOrigin(
            _single(leaders),
            None,
            content,
            threshold,
            None,
            tuple(checks),
            tuple(missing),
            established,
            leaders,
        )

    lookup, additional_ok, appendix_missing = _additional_requirement(
        facts, importer, ruleset, checks
    )
    if additional_ok is False:
        leaders = _highest_contributors(facts, checks, missing)
        party = _single(leaders)
    elif established is True and additional_ok is True:
        party = exporting
        checks.append(
            Check(
                "rcep_country_of_origin",
                f"{ARTICLE}(2)-(3)",
                Result.PASS,
                f"RCEP country of origin: {exporting}",
            )
        )
    else:
        party = None
        if established is None:
            missing.append(
                Missing("production_steps", f"the production steps performed in {exporting}")
            )
        missing.extend(appendix_missing)
        checks.append(
            Check(
                "rcep_country_of_origin",
                f"{ARTICLE}(2)-(3)",
                Result.UNKNOWN,
                "the RCEP country of origin cannot be established without the missing facts",
            )
        )
    checks.append(
        Check(
            "importer_alternative_claim",
            f"{ARTICLE}(6)",
            Result.INFO,
            "the importer may instead claim the highest rate the importing Party applies to the "
            "good from any Party that contributed originating materials (if proven), or from any Party",
        )
    )
    met = None if content is None or lookup.listed is False else content >= threshold
    return CountryOfOrigin(
        party,
        lookup.listed,
        content,
        threshold,
        met,
        tuple(checks),
        tuple(missing),
        established,
        leaders,
    )


def _differentials_check(importer: Party) -> Check:
    return Check(
        "tariff_differentials",
        f"{ARTICLE}(1)",
        Result.INFO,
        f"{importer.name} keeps differentiated tariff commitments: the exporting Party's rate "
        "applies only if it is the RCEP country of origin"
        if importer.differentiated_schedule
        else f"{importer.name} applies one schedule to all Parties; the RCEP country of origin "
        "is still recorded on the proof of origin",
        {"importing_party": importer.code, "source": importer.source},
    )


def _acquired_status_in_exporting_party(facts: OriginFacts, checks: list[Check]) -> bool | None:
    """Para. 2: True, False, or None when the production steps are not declared."""
    exporting = facts.exporting_party
    if facts.criterion == "PE":
        established = facts.production_beyond_minimal_in_exporting_party
        article = f"{ARTICLE}(2), second sentence"
        summary = {
            True: "produced exclusively from originating materials, with production beyond the "
            f"minimal operations of Art. 2.6(5) in {exporting}",
            False: f"only minimal operations of Art. 2.6(5) took place in {exporting}",
            None: f"no production step in {exporting} is declared",
        }[established]
    else:
        established = facts.production_beyond_minimal_in_exporting_party is not False
        article = f"{ARTICLE}(2), first sentence"
        summary = (
            f"the good acquired originating status ({facts.criterion}) in {exporting}"
            if established
            else f"the good did not acquire its originating status in {exporting}"
        )
    checks.append(
        Check(
            "acquired_originating_status_in_exporting_party",
            article,
            Result.of(established),
            summary,
        )
    )
    return established


def _additional_requirement(
    facts: OriginFacts, importer: Party, ruleset: RuleSet, checks: list[Check]
) -> tuple[AppendixLookup, bool | None, list[Missing]]:
    """Para. 3: whether the Appendix's additional requirement is satisfied (True when the good
    is not listed), and the facts that would settle it when it is not known."""
    threshold, reference = ruleset.parameter("additional_rule_value_content_percent", facts.day)
    if importer.differentiated_schedule:
        lookup = ruleset.appendix_lookup(
            facts.importing_party,
            facts.hs_code,
            facts.day,
            tariff_line=_digits(facts.import_tariff_line),
        )
    else:
        lookup = AppendixLookup(
            False, None, f"{importer.name} has no Appendix: it keeps no tariff differentials"
        )
    content = facts.exporting_party_value_content
    met = None if content is None else content >= threshold
    inputs: dict[str, object] = {"reason": lookup.reason, "threshold_percent": threshold}
    if lookup.entry is not None:
        inputs["appendix_row"] = f"{lookup.entry.file}:{lookup.entry.line}"
        inputs["source"] = lookup.entry.source
    if content is not None:
        inputs["exporting_party_value_content_percent"] = round2(content)
    if lookup.listed is False:
        checks.append(
            Check(
                "appendix_additional_requirement",
                f"{ARTICLE}(3)",
                Result.SKIPPED,
                f"not on the Appendix of {facts.importing_party}: {lookup.reason}",
                inputs,
            )
        )
        return lookup, True, []
    # Listed: the requirement decides. Possibly listed: only a met requirement settles it.
    satisfied = met if lookup.listed else (True if met else None)
    missing: list[Missing] = []
    if satisfied is None:
        if content is None:
            missing.extend(facts.value_content_missing)
        if lookup.listed is None:
            missing.append(Missing("product.import_tariff_line", lookup.reason))
    verb = "is listed" if lookup.listed else "may be listed"
    exporting = facts.exporting_party
    detail = (
        f"value added in {exporting} is {round2(content)} % of the good's value, "
        f"{'at least' if met else 'below'} {threshold} %"
        if content is not None
        else f"value added in {exporting} cannot be computed"
    )
    checks.append(
        Check(
            "appendix_additional_requirement",
            reference,
            Result.of(met),
            f"the good {verb} on the Appendix of {facts.importing_party} ({lookup.reason}); {detail}",
            inputs,
        )
    )
    return lookup, satisfied, missing


def _single(leaders: tuple[str, ...]) -> str | None:
    return leaders[0] if len(leaders) == 1 else None


def _highest_contributors(
    facts: OriginFacts, checks: list[Check], missing: list[Missing]
) -> tuple[str, ...]:
    """Para. 4: the Parties with the highest value of originating materials (empty when the
    values are unknown or no Party contributed any)."""
    values = facts.originating_material_value_by_party
    if values is None:
        missing.extend(facts.originating_value_missing)
        checks.append(
            Check(
                "highest_value_contributor",
                f"{ARTICLE}(4)",
                Result.UNKNOWN,
                "values of originating materials are missing",
            )
        )
        return ()
    if not values:
        checks.append(
            Check(
                "highest_value_contributor",
                f"{ARTICLE}(4)",
                Result.UNKNOWN,
                "no originating material with a Party of origin: no Party contributed originating materials",
            )
        )
        return ()
    top = max(values.values())
    leaders = sorted(p for p, v in values.items() if v == top)
    inputs = {"value_by_party": dict(sorted(values.items()))}
    if len(leaders) > 1:
        # The Agreement does not say how to break a tie; a person must decide, not the engine.
        checks.append(
            Check(
                "highest_value_contributor",
                f"{ARTICLE}(4)",
                Result.UNKNOWN,
                f"{' and '.join(leaders)} contributed the same highest value; Art. 2.6(4) names no tie-break",
                inputs,
            )
        )
        missing.append(
            Missing(
                "materials",
                "a tie between Parties under Art. 2.6(4) needs a ruling by the importing Party's customs",
            )
        )
        return tuple(leaders)
    checks.append(
        Check(
            "highest_value_contributor",
            f"{ARTICLE}(4)",
            Result.PASS,
            f"RCEP country of origin: {leaders[0]}, the Party that contributed the highest value of originating materials",
            inputs,
        )
    )
    return (leaders[0],)


def _digits(line: str | None) -> str | None:
    return None if line is None else line.replace(".", "")
