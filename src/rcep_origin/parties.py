"""The fifteen RCEP Parties, the date the Agreement entered into force for each (Art. 20.7), and
whether each keeps differentiated tariff commitments (Art. 2.6). Data: ``data/parties.csv``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from rcep_origin.errors import RuleSetError

ENTRY_INTO_FORCE = "Art. 20.7"


@dataclass(frozen=True, slots=True)
class Party:
    code: str
    name: str
    entry_into_force: date | None  # None: not known from a source
    differentiated_schedule: bool
    source: str
    note: str

    def in_force_on(self, day: date) -> bool | None:
        """True/False, or None when the entry-into-force date is not known."""
        if self.entry_into_force is None:
            return None
        return day >= self.entry_into_force


@cache
def parties() -> dict[str, Party]:
    text = resources.files("rcep_origin.data").joinpath("parties.csv").read_text("utf-8")
    result: dict[str, Party] = {}
    for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            result[row["code"]] = Party(
                code=row["code"],
                name=row["name"],
                entry_into_force=date.fromisoformat(row["entry_into_force"])
                if row["entry_into_force"]
                else None,
                differentiated_schedule=row["differentiated_schedule"] == "true",
                source=row["source"],
                note=row["note"] or "",
            )
        except (KeyError, ValueError) as exc:
            raise RuleSetError(f"parties.csv line {line}: {exc}") from exc
    return result


def is_party(code: str) -> bool:
    return code in parties()


def require_party(code: str) -> str:
    """Validator: ``code`` is an RCEP Party (used by every model that names one)."""
    if not is_party(code):
        raise ValueError(f"{code!r} is not an RCEP Party (ISO alpha-2, e.g. 'CN', 'TH')")
    return code
