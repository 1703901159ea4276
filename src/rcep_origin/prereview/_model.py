"""What a pre-review returns: coded findings, each with its severity, the article or rationale
it rests on, the declaration fields it looked at, a suggested fix and the values it read; and a
verdict that follows from the findings alone (reject > warn > pass)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from rcep_origin.origin import Determination


class Severity(StrEnum):
    REJECT = "reject"  # would be refused on submission: fix before submitting
    WARN = "warn"  # may be queried or loses a margin: look at it
    INFO = "info"  # a fact worth knowing; changes nothing

    @property
    def rank(self) -> int:
        return {"reject": 0, "warn": 1, "info": 2}[self.value]


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    REJECT = "reject"

    @property
    def exit_code(self) -> int:
        """The CLI's exit code: 0 pass, 1 warn, 2 reject (3 is bad input)."""
        return {"pass": 0, "warn": 1, "reject": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One coded observation about a declaration."""

    code: str  # stable, UPPER_SNAKE; see ``CHECKS``
    severity: Severity
    message: str  # localized
    reason: str  # the article (e.g. "Art. 3.6") or the rationale
    fields: tuple[str, ...]  # declaration paths looked at, e.g. "materials[3].hs_code"
    fix: str  # localized
    data: dict[str, Any] = field(default_factory=dict)  # the values looked at

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "reason": self.reason,
            "fields": list(self.fields),
            "fix": self.fix,
            "data": jsonable(self.data),
        }


@dataclass(frozen=True)
class PreReview:
    """The outcome of a pre-review. ``determination`` is the engine's verdict on the same
    declaration (run once); it is None only when the engine could not run at all, which a
    ``BOM_CURRENCY_WITHOUT_RATE`` or ``BOM_VALUE_EXCEEDS_FOB`` finding then explains."""

    verdict: Verdict
    findings: tuple[Finding, ...]
    determination: Determination | None
    lang: str  # the catalogue the messages come from: "en" or "zh_Hans"

    def codes(self) -> list[str]:
        return [finding.code for finding in self.findings]

    def by_code(self, code: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.code == code]

    def to_dict(self) -> dict[str, Any]:
        counts = {severity.value: 0 for severity in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return {
            "verdict": self.verdict.value,
            "counts": counts,
            "lang": self.lang,
            "findings": [finding.to_dict() for finding in self.findings],
            "determination": None if self.determination is None else self.determination.to_dict(),
        }


def verdict_of(findings: list[Finding] | tuple[Finding, ...]) -> Verdict:
    """Reject if any finding rejects, else warn if any warns, else pass."""
    severities = {finding.severity for finding in findings}
    if Severity.REJECT in severities:
        return Verdict.REJECT
    if Severity.WARN in severities:
        return Verdict.WARN
    return Verdict.PASS


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return value
