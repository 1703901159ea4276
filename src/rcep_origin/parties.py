"""The fifteen RCEP Parties, the date the Agreement entered into force for each (Art. 20.7), and
whether each keeps differentiated tariff commitments (Art. 2.6).

The table is part of the legislation bundle (``data/ruleset/parties.csv``, inside its version
hash); an overlay may restate a Party's row with its own source (e.g. Myanmar's date, once an
issuing body holds it). ``parties()`` is the built-in table: which codes are Parties is fixed by
the Agreement, so input validation reads it; a determination reads its bundle's rows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from rcep_origin.errors import RuleSetError

ENTRY_INTO_FORCE = "Art. 20.7"
PARTIES_FILE = "parties.csv"
_COLUMNS = ["code", "name", "entry_into_force", "differentiated_schedule", "source", "note"]


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


def parse_parties(text: str, *, file: str = PARTIES_FILE) -> dict[str, Party]:
    """Read a parties table strictly; an error names the file and line."""
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    reader = csv.DictReader(lines)
    if reader.fieldnames != _COLUMNS:
        raise RuleSetError(f"{file}: expected the columns {_COLUMNS}")
    offset = 1 + sum(1 for line in text.splitlines() if line.startswith("#"))
    result: dict[str, Party] = {}
    for line, row in enumerate(reader, start=1 + offset):
        try:
            if None in row or not row["code"] or not row["source"]:
                raise ValueError("every row needs a code and a source, and no extra fields")
            if row["differentiated_schedule"] not in ("true", "false"):
                raise ValueError("differentiated_schedule is 'true' or 'false'")
            if row["code"] in result:
                raise ValueError(f"a second row for {row['code']}")
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
            raise RuleSetError(f"{file}:{line}: {exc}") from exc
    return result


@cache
def builtin_parties_text() -> str:
    return resources.files("rcep_origin.data").joinpath("ruleset", PARTIES_FILE).read_text("utf-8")


@cache
def parties() -> dict[str, Party]:
    """The built-in table (the bundle's ``parties.csv``)."""
    return parse_parties(builtin_parties_text())


def is_party(code: str) -> bool:
    return code in parties()


def require_party(code: str) -> str:
    """Validator: ``code`` is an RCEP Party (used by every model that names one)."""
    if not is_party(code):
        raise ValueError(f"{code!r} is not an RCEP Party (ISO alpha-2, e.g. 'CN', 'TH')")
    return code
