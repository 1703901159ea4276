"""Thresholds of the Agreement as dated parameters, each with its legal reference.

A threshold is never a literal in the code: ``parameter("de_minimis_value_percent", on=day)``
reads it from ``data/parameters.yaml``, where every value is keyed by the date it takes effect
(the way OpenFisca keeps parameters), so a change in the law is a new dated row, not a code edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from rcep_origin.errors import RuleSetError

_ALLOWED_KEYS = {"description", "reference", "unit", "values"}


@dataclass(frozen=True, slots=True)
class DatedValue:
    start: date
    value: Decimal | None  # None ends the parameter from ``start`` on


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    description: str
    reference: str
    unit: str
    values: tuple[DatedValue, ...]  # sorted by start

    def on(self, day: date) -> Decimal | None:
        """The value in force on ``day``; None before the first value or after an end."""
        current: Decimal | None = None
        for dated in self.values:
            if dated.start > day:
                break
            current = dated.value
        return current


def load_parameters(text: str, *, file: str) -> dict[str, Parameter]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleSetError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise RuleSetError(f"{file}: expected a mapping of parameter names")
    return {name: _parameter(name, body, file) for name, body in raw.items()}


def _parameter(name: str, body: Any, file: str) -> Parameter:
    where = f"{file}: parameter {name!r}"
    if not isinstance(body, dict):
        raise RuleSetError(f"{where}: expected a mapping")
    unknown = set(body) - _ALLOWED_KEYS
    if unknown:
        raise RuleSetError(f"{where}: unknown keys {sorted(unknown)}")
    missing = {"reference", "values"} - set(body)
    if missing:
        raise RuleSetError(f"{where}: missing keys {sorted(missing)}")
    values = []
    if not isinstance(body["values"], dict) or not body["values"]:
        raise RuleSetError(f"{where}: 'values' maps effective dates to values")
    for start, value in body["values"].items():
        try:
            day = start if isinstance(start, date) else date.fromisoformat(str(start))
            amount = None if value is None else Decimal(str(value))
        except (ValueError, InvalidOperation) as exc:
            raise RuleSetError(f"{where}: bad dated value {start!r}: {value!r}") from exc
        values.append(DatedValue(day, amount))
    return Parameter(
        name=name,
        description=str(body.get("description", "")),
        reference=str(body["reference"]),
        unit=str(body.get("unit", "")),
        values=tuple(sorted(values, key=lambda v: v.start)),
    )
