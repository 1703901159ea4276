"""The vocabulary of an explanation: a ``Check`` (one step, its article, inputs and result) and
a ``Missing`` fact. Shared by every part of the core that explains itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum, StrEnum
from typing import Any


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    INFO = "info"  # a fact recorded, not a test
    SKIPPED = "skipped"  # not needed for the verdict

    @staticmethod
    def of(value: bool | None) -> Result:
        return Result.UNKNOWN if value is None else Result.PASS if value else Result.FAIL


@dataclass(frozen=True, slots=True)
class Check:
    """One step of the reasoning: what was checked, under which article, on which data."""

    name: str
    article: str
    result: Result
    summary: str
    inputs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "article": self.article,
            "result": self.result.value,
            "summary": self.summary,
            "inputs": _jsonable(self.inputs),
        }


@dataclass(frozen=True, slots=True)
class Missing:
    """A fact the determination needed and the declaration did not give."""

    field: str  # path into the declaration, e.g. "materials[2].value"
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


def round2(value: Decimal) -> Decimal:
    """Percentages are shown to two decimals (half up); comparisons use the exact value."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value
