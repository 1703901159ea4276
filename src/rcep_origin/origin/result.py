"""What a determination returns: a verdict, the criterion, and the trace of every check with the
article it applies. A verdict is a value with a small closed set of outcomes; ``missing`` names
each fact that was needed and absent."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rcep_origin.trace import Check, Missing, Result, round2

__all__ = [
    "AdditionalRule",
    "AppliedRule",
    "Check",
    "Determination",
    "Missing",
    "Outcome",
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
class RvcFigure:
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
class AppliedRule:
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
    trace: tuple[Check, ...]
    missing: tuple[Missing, ...]
    inputs_sha256: str
    ruleset_version: str
    engine_version: str
    summary: str

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
