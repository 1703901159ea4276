"""What a determination returns: a verdict, the criterion, the typed facts each step of the
Agreement established (``Facts``), and the trace of every check with the article it applies,
rendered from those facts. A verdict is a value with a small closed set of outcomes; ``missing``
names each fact that was needed and absent.

Readers that act on the verdict (pre-review, the service) read ``facts``; the trace is the
human explanation, not an interface: nothing parses its strings or matches its names."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Literal

from rcep_origin.origin.change_of_classification import CtcOutcome
from rcep_origin.origin.consignment import DirectConsignment
from rcep_origin.origin.cumulation import Cumulation
from rcep_origin.origin.de_minimis import DeMinimis
from rcep_origin.origin.landed_cost import LandedValue
from rcep_origin.origin.product_specific_rule import AppliedRule, RuleEvaluation, RuleLookup
from rcep_origin.origin.production import (
    ExclusivelyOriginating,
    MinimalOperations,
    WhollyObtainedOutcome,
)
from rcep_origin.origin.rvc import RvcCalculation, RvcFigure
from rcep_origin.origin.subassembly import SubassemblyUse
from rcep_origin.parties import ENTRY_INTO_FORCE
from rcep_origin.tariffs import CountryOfOrigin
from rcep_origin.trace import Check, Missing, Result, round2

__all__ = [
    "AdditionalRule",
    "AppliedRule",
    "Check",
    "Determination",
    "Facts",
    "Missing",
    "Outcome",
    "PartyInForce",
    "Result",
    "RvcFigure",
    "round2",
]


class Outcome(StrEnum):
    ORIGINATING = "originating"
    NOT_ORIGINATING = "not_originating"
    UNDECIDABLE = "undecidable"

    @property
    def exit_code(self) -> int:
        return {"originating": 0, "not_originating": 1, "undecidable": 2}[self.value]

    @property
    def originating(self) -> bool | None:
        return {"originating": True, "not_originating": False, "undecidable": None}[self.value]


@dataclass(frozen=True, slots=True)
class AdditionalRule:
    """Art. 2.6(3): the Appendix's additional requirement (exporting-Party value content)."""

    applies: bool | None
    exporting_party_value_content_percent: Decimal | None
    threshold: Decimal | None
    met: bool | None

    def to_dict(self) -> dict[str, Any]:
        percent = self.exporting_party_value_content_percent
        return {
            "applies": self.applies,
            "exporting_party_value_content_percent": None
            if percent is None
            else str(round2(percent)),
            "threshold": None if self.threshold is None else str(self.threshold),
            "met": self.met,
        }


@dataclass(frozen=True, slots=True)
class PartyInForce:
    """Art. 20.7: whether the Agreement is in force for a Party on the determination's date."""

    role: Literal["exporting", "importing"]
    party: str
    party_name: str
    day: date
    entry_into_force: date | None  # None: not known from a source
    note: str  # why, when the date is not known
    source: str

    article: ClassVar[str] = ENTRY_INTO_FORCE

    @property
    def in_force(self) -> bool | None:
        if self.entry_into_force is None:
            return None
        return self.day >= self.entry_into_force

    @property
    def missing(self) -> tuple[Missing, ...]:
        if self.in_force is not None:
            return ()
        return (
            Missing(
                f"{self.role}_party",
                f"the Agreement's entry into force for {self.party} is not known from a source",
            ),
        )

    def check(self) -> Check:
        if self.in_force:
            summary = f"RCEP in force for {self.party_name} since {self.entry_into_force}"
        else:
            summary = f"RCEP not in force for {self.party_name} on {self.day}" + (
                f" (from {self.entry_into_force})" if self.entry_into_force else f": {self.note}"
            )
        return Check(
            f"in_force_{self.role}_party",
            self.article,
            Result.of(self.in_force),
            summary,
            {"party": self.party, "date": self.day.isoformat(), "source": self.source},
        )


@dataclass(frozen=True, slots=True)
class Facts:
    """What each step established, in the Agreement's order. A step that was not needed for
    the verdict is None (e.g. the product-specific rule of a wholly obtained good)."""

    exporting_party_in_force: PartyInForce  # Art. 20.7
    importing_party_in_force: PartyInForce  # Art. 20.7
    consignment: DirectConsignment  # Art. 3.15
    wholly_obtained: WhollyObtainedOutcome | None  # Art. 3.3; None: no claim made
    exclusively_originating: ExclusivelyOriginating | None  # Art. 3.2(b); None: WO held
    rule_lookup: RuleLookup | None  # Art. 3.2(c), Annex 3A; None: WO or PE held
    rule: RuleEvaluation | None  # the rule's alternatives and terms; None: no rule
    minimal_operations: MinimalOperations | None  # Art. 3.6; None: not tested (no rule)
    cumulation: Cumulation | None  # Art. 3.4; None: not assessed (origin not met)
    country_of_origin: CountryOfOrigin | None  # Art. 2.6; None: not originating
    landed_costs: tuple[LandedValue, ...] = ()  # Art. 3.5(3): values from landed costs
    subassemblies: tuple[SubassemblyUse, ...] = ()  # Art. 3.1(l): lines determined on their own

    @property
    def in_force(self) -> tuple[PartyInForce, PartyInForce]:
        return (self.exporting_party_in_force, self.importing_party_in_force)

    @property
    def changes(self) -> tuple[CtcOutcome, ...]:
        """Every change-in-tariff-classification term tested, in the rule's order."""
        return () if self.rule is None else self.rule.changes

    @property
    def rvc_terms(self) -> tuple[RvcCalculation, ...]:
        """Every RVC term calculated, in the rule's order (a term repeated in two alternatives
        appears twice, with the same calculation)."""
        return () if self.rule is None else self.rule.rvc_terms

    @property
    def de_minimis(self) -> DeMinimis | None:
        """Art. 3.7 as relied on: the tolerance of the chosen alternative that admitted the
        materials failing its change (None when the verdict did not need it)."""
        chosen = None if self.rule is None else self.rule.chosen
        if chosen is None:
            return None
        for term in chosen.terms:
            if isinstance(term, CtcOutcome) and term.de_minimis_used:
                return term.de_minimis
        return None


@dataclass(frozen=True)
class Determination:
    outcome: Outcome
    criterion: str | None  # WO, PE, CTC, RVC, CR
    criteria: tuple[str, ...]  # every criterion of the alternative met, e.g. ("CTC", "RVC")
    flags: tuple[str, ...]  # ACU, DMI
    rule: AppliedRule | None
    rvc: RvcFigure | None
    rcep_country_of_origin: str | None
    additional_rule: AdditionalRule | None
    trace: tuple[Check, ...]  # rendered from ``facts``
    missing: tuple[Missing, ...]
    inputs_sha256: str
    ruleset_version: str
    engine_version: str
    summary: str
    facts: Facts

    @property
    def originating(self) -> bool | None:
        return self.outcome.originating

    def sha256(self) -> str:
        """The hash of the whole verdict (canonical JSON, sorted keys). A certificate cites it,
        so the verdict it was issued on can be shown without disclosing it."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {
            "originating": self.originating,
            "outcome": self.outcome.value,
            "summary": self.summary,
            "criterion": self.criterion,
            "criteria": list(self.criteria),
            "flags": list(self.flags),
            "rule": None if self.rule is None else self.rule.to_dict(),
            "rvc": None if self.rvc is None else self.rvc.to_dict(),
            "rcep_country_of_origin": self.rcep_country_of_origin,
            "additional_rule": None
            if self.additional_rule is None
            else self.additional_rule.to_dict(),
            "trace": [check.to_dict() for check in self.trace],
            "missing": [item.to_dict() for item in self.missing],
            "inputs_sha256": self.inputs_sha256,
            "ruleset_version": self.ruleset_version,
            "engine_version": self.engine_version,
        }
