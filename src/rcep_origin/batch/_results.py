"""One result row per declaration, and the files that hold them (``.csv``, ``.parquet``,
``.jsonl``, chosen by the extension of ``--out``).

A row carries the verdict exactly as ``rcep-origin determine --json`` gives it for the same
declaration (``verdict_sha256`` is the SHA-256 of that verdict, trace included), with the hashes
that let anyone re-run it: ``inputs_sha256``, ``ruleset_version``, ``engine_version``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rcep_origin.errors import InputError
from rcep_origin.origin import Determination, Outcome
from rcep_origin.trace import Result, round2

# (column, description): the README's table of result columns is held to this list by a test.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("declaration", "the file (relative to INPUT) or the table's declaration key"),
    ("source", "where it was read: the file, or table#row numbers"),
    ("lines", "material lines in the declaration"),
    ("outcome", "originating, not_originating, undecidable, or error"),
    ("originating", "true, false, or empty when undecidable or in error"),
    ("criterion", "WO, PE, CTC, RVC or CR (Annex 3B origin conferring criterion)"),
    ("flags", "ACU (Art. 3.4 cumulation), DMI (Art. 3.7 de minimis), space-separated"),
    ("rule", "the Annex 3A rule applied, as its source prints it"),
    ("rvc_percent", "the first regional value content computed, two decimals (Art. 3.5)"),
    ("rvc_threshold", "its threshold, per cent"),
    ("rvc_margin", "rvc_percent minus the threshold, points"),
    ("rcep_country_of_origin", "the Party whose rate applies (Art. 2.6)"),
    ("reasons", "why not originating, or why undecidable: codes with their articles"),
    ("summary", "the verdict in one sentence, citing the articles"),
    ("subassemblies", "in-house sub-assemblies determined first (multi-level BOM)"),
    ("inputs_sha256", "SHA-256 of the declaration's canonical JSON"),
    ("verdict_sha256", "SHA-256 of the whole verdict, as determine --json gives it"),
    ("source_sha256", "SHA-256 of the bytes (or table cells) read"),
    ("ruleset_version", "the rule set the verdict was decided under"),
    ("engine_version", "the engine that decided it"),
    ("error", "why the declaration could not be read or decided; empty otherwise"),
)
NAMES = tuple(name for name, _ in COLUMNS)
FORMATS = (".csv", ".parquet", ".jsonl")

Row = dict[str, Any]


def row_of(
    name: str,
    source: str,
    source_sha256: str,
    result: Determination,
    lines: int,
    subassemblies: int,
) -> Row:
    """The result row of one determination."""
    rvc = result.rvc
    return {
        "declaration": name,
        "source": source,
        "lines": lines,
        "outcome": result.outcome.value,
        "originating": result.originating,
        "criterion": result.criterion,
        "flags": " ".join(result.flags) or None,
        "rule": None if result.rule is None else result.rule.text,
        "rvc_percent": None if rvc is None else str(round2(rvc.percent)),
        "rvc_threshold": None if rvc is None else str(rvc.threshold),
        "rvc_margin": None if rvc is None else str(round2(rvc.percent - rvc.threshold)),
        "rcep_country_of_origin": result.rcep_country_of_origin,
        "reasons": " ".join(reasons(result)) or None,
        "summary": result.summary,
        "subassemblies": subassemblies,
        "inputs_sha256": result.inputs_sha256,
        "verdict_sha256": result.sha256(),
        "source_sha256": source_sha256,
        "ruleset_version": result.ruleset_version,
        "engine_version": result.engine_version,
        "error": None,
    }


def error_row(
    name: str,
    source: str,
    source_sha256: str,
    error: str,
    *,
    ruleset_version: str,
    engine_version: str,
    lines: int = 0,
) -> Row:
    row: Row = dict.fromkeys(NAMES)
    row.update(
        declaration=name,
        source=source,
        lines=lines,
        outcome="error",
        source_sha256=source_sha256,
        ruleset_version=ruleset_version,
        engine_version=engine_version,
        subassemblies=0,
        error=error,
    )
    return row


# Reason codes, each with the article it rests on: what the summary counts and the report
# charts. Read from the typed facts, never from the trace's words.
REASONS = {
    "not_in_force": "Art. 20.7",
    "not_direct_consignment": "Art. 3.15",
    "wholly_obtained_claim_fails": "Art. 3.3",
    "ctc_not_met": "Annex 3A, Headnotes 5-7",
    "de_minimis_exceeded": "Art. 3.7",
    "rvc_below_threshold": "Art. 3.5",
    "no_chemical_reaction": "Annex 3A, Headnote 7(f)",
    "wholly_obtained_required": "Annex 3A, Headnote 7(e)",
    "minimal_operations_only": "Art. 3.6",
    "rule_not_in_catalogue": "Art. 3.2(c); Annex 3A",
    "value_missing": "Art. 3.5",
    "hs_code_missing": "Annex 3A, Headnote 5",
    "production_steps_missing": "Art. 3.6",
    "entry_into_force_unknown": "Art. 20.7",
    "customs_control_unknown": "Art. 3.15",
    "other_fact_missing": "",
}


def reasons(result: Determination) -> list[str]:
    """Why a good is not originating, or undecidable, as codes (``REASONS``)."""
    if result.outcome is Outcome.ORIGINATING:
        return []
    facts = result.facts
    found: list[str] = []
    if result.outcome is Outcome.NOT_ORIGINATING:
        if any(fact.in_force is False for fact in facts.in_force):
            found.append("not_in_force")
        if facts.consignment.met is False:
            found.append("not_direct_consignment")
        if facts.minimal_operations is not None and facts.minimal_operations.met is False:
            found.append("minimal_operations_only")
        if facts.rule is not None and facts.rule.met is False:
            for change in facts.changes:
                if change.met is False:
                    found.append("ctc_not_met")
                    if change.de_minimis is not None and change.de_minimis.met is False:
                        found.append("de_minimis_exceeded")
            if any(term.met is False for term in facts.rvc_terms):
                found.append("rvc_below_threshold")
            for check in facts.rule.checks:
                if check.result is Result.FAIL and check.name == "chemical_reaction":
                    found.append("no_chemical_reaction")
                if check.result is Result.FAIL and check.name == "wholly_obtained_rule":
                    found.append("wholly_obtained_required")
        if not found and facts.wholly_obtained is not None and not facts.wholly_obtained.met:
            found.append("wholly_obtained_claim_fails")
        return list(dict.fromkeys(found))
    for item in result.missing:
        field = item.field
        if field == "ruleset":
            found.append("rule_not_in_catalogue")
        elif field.endswith(".value") or field.startswith("costs.") or field == "fob_value.amount":
            found.append("value_missing")
        elif field.endswith(".hs_code"):
            found.append("hs_code_missing")
        elif field == "production_steps":
            found.append("production_steps_missing")
        elif field.endswith("_party") and field in ("exporting_party", "importing_party"):
            found.append("entry_into_force_unknown")
        elif "under_customs_control" in field:
            found.append("customs_control_unknown")
        else:
            found.append("other_fact_missing")
    return list(dict.fromkeys(found))


# --- files --------------------------------------------------------------------------------------


def check_output(path: Path) -> None:
    if path.suffix.lower() not in FORMATS:
        raise InputError(
            f"--out {path}: the results file ends in {', '.join(FORMATS)} (the format follows it)"
        )


def read_results(path: Path) -> list[Row]:
    """The rows of an earlier results file (for resuming); [] when there is none."""
    if not path.exists():
        return []
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
        else:
            import polars as pl

            frame = (
                pl.read_parquet(path)
                if suffix == ".parquet"
                else pl.read_csv(path, infer_schema=False)
            )
            rows = [_typed(row) for row in frame.to_dicts()]
    except Exception as exc:  # a results file that does not read is a usage error, not a defect
        raise InputError(f"cannot read the earlier results {path} to resume: {exc}") from None
    return [row for row in rows if isinstance(row, dict) and "declaration" in row]


def _typed(row: dict[str, Any]) -> Row:
    """A CSV/Parquet row back to the types the runner writes."""
    originating = row.get("originating")
    if isinstance(originating, str):
        row["originating"] = {"true": True, "false": False}.get(originating.lower())
    for name in ("lines", "subassemblies"):
        value = row.get(name)
        if isinstance(value, str) and value.isdigit():
            row[name] = int(value)
    for name in ("rvc_percent", "rvc_threshold", "rvc_margin"):
        value = row.get(name)
        if value is not None and not isinstance(value, str):
            row[name] = str(value)
    return {name: (None if row.get(name) == "" else row.get(name)) for name in NAMES}


def write_results(path: Path, rows: Iterable[Row]) -> None:
    """Write every row, sorted by declaration, atomically (a temporary file then a rename)."""
    ordered = sorted(rows, key=lambda row: str(row["declaration"]))
    temporary = path.with_name(f".{path.name}.writing")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        with temporary.open("w", encoding="utf-8") as handle:
            for row in ordered:
                handle.write(json.dumps({n: row.get(n) for n in NAMES}, ensure_ascii=False))
                handle.write("\n")
    else:
        import polars as pl

        frame = pl.DataFrame(
            [{n: row.get(n) for n in NAMES} for row in ordered], schema=_schema(), orient="row"
        )
        if suffix == ".parquet":
            frame.write_parquet(temporary)
        else:
            frame.write_csv(temporary)
    os.replace(temporary, path)


def _schema() -> dict[str, Any]:
    import polars as pl

    schema: dict[str, Any] = dict.fromkeys(NAMES, pl.Utf8)
    schema.update(lines=pl.Int64, subassemblies=pl.Int64, originating=pl.Boolean)
    return schema


class Journal:
    """Rows appended as they arrive (JSON lines beside the results), so an interrupted run
    keeps what it decided; merged into the results file at the end and removed."""

    def __init__(self, results: Path) -> None:
        self.path = results.with_name(f".{results.name}.partial.jsonl")

    def read(self) -> list[Row]:
        if not self.path.exists():
            return []
        rows = []
        for line in self.path.read_text("utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:  # the last line of a killed run may be cut short
                continue
        return rows

    def append(self, rows: Iterable[Row]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.flush()

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
