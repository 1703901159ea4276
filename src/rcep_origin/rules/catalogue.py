"""The rule catalogue: product-specific rules (Annex 3A), Appendix lists (Art. 2.6) and dated
thresholds, loaded from a directory of data files and pinned by a content hash.

A rule set directory holds:

* ``psr.csv``       columns ``hs_code, rule, hs_edition, source`` (required) and
                    ``description, basis, checked_by, note`` (optional). One row per subheading,
                    heading or chapter, per HS edition; ``rule`` is the verbatim Annex 3A text.
* ``appendix.csv``  columns ``importing_party, hs_code, source`` (required) and
                    ``description, valid_from, valid_to, note`` (optional).
* ``parameters.yaml`` (optional; the built-in one otherwise) dated thresholds.
* ``manifest.yaml`` (optional) ``name``, ``version``, ``sources``, ``appendix_complete`` (the
                    importing Parties whose Appendix list is complete in ``appendix.csv``) and
                    ``anomalies`` (defects found in the sources, recorded, never repaired).

Loading is strict: an unknown column, a duplicate row, a rule that does not parse or an HS code
that is malformed is an error naming the file and line. What the catalogue does not contain is
unknown, and the engine says so; it never falls back to a guess.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from rcep_origin.errors import RuleSetError, RuleSyntaxError
from rcep_origin.hs import EDITIONS, HsCode, parse_hs_code
from rcep_origin.parties import is_party
from rcep_origin.rules.language import Rule, parse_rule
from rcep_origin.rules.parameters import Parameter, load_parameters

PSR_COLUMNS = ("hs_code", "rule", "hs_edition", "source")
PSR_OPTIONAL = ("description", "basis", "checked_by", "note")
APPENDIX_COLUMNS = ("importing_party", "hs_code", "source")
APPENDIX_OPTIONAL = ("description", "valid_from", "valid_to", "note")
MANIFEST_KEYS = {"name", "version", "description", "sources", "appendix_complete", "anomalies"}


@dataclass(frozen=True, slots=True)
class PsrEntry:
    """One row of ``psr.csv``: the rule for a subheading (or heading, or chapter)."""

    hs_code: HsCode
    hs_edition: str
    text: str  # verbatim, as the source prints it
    rule: Rule
    source: str
    description: str
    basis: str  # "transcribed" from the source, or "transposed" to another edition
    checked_by: str
    note: str
    file: str
    line: int

    @property
    def citation(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class AppendixEntry:
    importing_party: str
    hs_code: HsCode  # the HS heading or subheading the line falls in
    tariff_line: str  # the digits as listed: often the importing Party's 8-digit national line
    source: str
    description: str
    valid_from: date | None
    valid_to: date | None
    file: str
    line: int

    def in_force_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)


@dataclass(frozen=True, slots=True)
class AppendixLookup:
    """Whether a good is on an importing Party's Appendix: True, False, or None (unknown)."""

    listed: bool | None
    entry: AppendixEntry | None
    reason: str


@dataclass(frozen=True)
class RuleSet:
    name: str
    release: str
    sha256: str
    psr: dict[tuple[str, str], PsrEntry]  # (edition, digits) -> entry
    appendix: dict[str, tuple[AppendixEntry, ...]]  # importing party -> entries
    appendix_complete: frozenset[str]
    parameters: dict[str, Parameter]
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """Name, release and content hash: two rule sets with the same version decide alike."""
        return f"{self.name}@{self.release}+sha256:{self.sha256[:16]}"

    def psr_for(self, code: HsCode, edition: str) -> PsrEntry | None:
        """The most specific row for ``code`` in ``edition``: subheading, heading, then chapter."""
        for level in (6, 4, 2):
            if code.level >= level:
                entry = self.psr.get((edition, code.digits[:level]))
                if entry is not None:
                    return entry
        return None

    def appendix_lookup(
        self, importing_party: str, code: HsCode, day: date, *, tariff_line: str | None = None
    ) -> AppendixLookup:
        """Whether the good is on the importing Party's Appendix on ``day``. Appendix lists
        name national tariff lines; a good declared only by its 6-digit subheading, whose
        subheading holds listed lines, is unknown until its national line is declared."""
        line_digits = tariff_line or code.digits
        partial_match: AppendixEntry | None = None
        for entry in self.appendix.get(importing_party, ()):
            if line_digits.startswith(entry.tariff_line):
                if entry.in_force_on(day):
                    return AppendixLookup(True, entry, f"listed at {entry.file}:{entry.line}")
                return AppendixLookup(
                    False, entry, f"listed at {entry.file}:{entry.line}, but not in force on {day}"
                )
            if entry.tariff_line.startswith(line_digits) and partial_match is None:
                partial_match = entry
        if partial_match is not None:
            return AppendixLookup(
                None,
                partial_match,
                f"national line {partial_match.tariff_line} of subheading {code} is listed "
                f"({partial_match.file}:{partial_match.line}); declare product.import_tariff_line "
                "to tell whether this good is",
            )
        if importing_party in self.appendix_complete:
            return AppendixLookup(
                False, None, f"not in the complete Appendix list of {importing_party}"
            )
        return AppendixLookup(
            None,
            None,
            f"the Appendix list of {importing_party} is not complete in rule set {self.version}",
        )

    def parameter(self, name: str, day: date) -> tuple[Decimal, str]:
        """The value of a dated threshold on ``day`` and its legal reference."""
        parameter = self.parameters.get(name)
        if parameter is None:
            raise RuleSetError(f"rule set {self.version} has no parameter {name!r}")
        value = parameter.on(day)
        if value is None:
            raise RuleSetError(f"parameter {name!r} has no value on {day}")
        return value, parameter.reference


def _read_csv(
    text: str, *, file: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    columns = tuple(reader.fieldnames or ())
    missing = [c for c in required if c not in columns]
    unknown = [c for c in columns if c not in required + optional]
    if missing or unknown:
        raise RuleSetError(f"{file}: missing columns {missing}, unknown columns {unknown}")
    rows = []
    # Line numbers count the header and any leading '#' comment lines, as an editor shows them.
    offset = 1 + sum(1 for line in text.splitlines()[:50] if line.startswith("#"))
    for index, row in enumerate(reader, start=1):
        if None in row:
            raise RuleSetError(f"{file}:{index + offset}: more fields than columns")
        rows.append((index + offset, {k: (v or "").strip() for k, v in row.items()}))
    return rows


def _parse_psr(text: str, file: str) -> dict[tuple[str, str], PsrEntry]:
    entries: dict[tuple[str, str], PsrEntry] = {}
    for line, row in _read_csv(text, file=file, required=PSR_COLUMNS, optional=PSR_OPTIONAL):
        where = f"{file}:{line}"
        for column in PSR_COLUMNS:
            if not row[column]:
                raise RuleSetError(f"{where}: empty {column}")
        try:
            code = parse_hs_code(row["hs_code"])
        except ValueError as exc:
            raise RuleSetError(f"{where}: {exc}") from exc
        if row["hs_edition"] not in EDITIONS:
            raise RuleSetError(f"{where}: hs_edition must be one of {EDITIONS}")
        try:
            rule = parse_rule(row["rule"])
        except RuleSyntaxError as exc:
            raise RuleSyntaxError(
                f"{where}: {exc.args[0]}", text=exc.text, position=exc.position
            ) from exc
        key = (row["hs_edition"], code.digits)
        if key in entries:
            raise RuleSetError(
                f"{where}: duplicate row for {code} ({row['hs_edition']}), first at line {entries[key].line}"
            )
        entries[key] = PsrEntry(
            hs_code=code,
            hs_edition=row["hs_edition"],
            text=row["rule"],
            rule=rule,
            source=row["source"],
            description=row.get("description", ""),
            basis=row.get("basis", "") or "transcribed",
            checked_by=row.get("checked_by", ""),
            note=row.get("note", ""),
            file=file,
            line=line,
        )
    return entries


def _parse_appendix(text: str, file: str) -> dict[str, tuple[AppendixEntry, ...]]:
    by_party: dict[str, list[AppendixEntry]] = {}
    seen: dict[tuple[str, str], int] = {}
    rows = _read_csv(text, file=file, required=APPENDIX_COLUMNS, optional=APPENDIX_OPTIONAL)
    for line, row in rows:
        where = f"{file}:{line}"
        for column in APPENDIX_COLUMNS:
            if not row[column]:
                raise RuleSetError(f"{where}: empty {column}")
        party = row["importing_party"]
        if not is_party(party):
            raise RuleSetError(f"{where}: {party!r} is not an RCEP Party")
        try:
            code = parse_hs_code(row["hs_code"], min_level=4)
            tariff_line = re.sub(r"[.\s]", "", row["hs_code"])
            if not tariff_line.isdigit() or len(tariff_line) > 10:
                raise ValueError(f"{row['hs_code']!r} is not a tariff line")
            valid_from = date.fromisoformat(row["valid_from"]) if row.get("valid_from") else None
            valid_to = date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None
        except ValueError as exc:
            raise RuleSetError(f"{where}: {exc}") from exc
        if (party, tariff_line) in seen:
            raise RuleSetError(
                f"{where}: duplicate row, first at line {seen[(party, tariff_line)]}"
            )
        seen[(party, tariff_line)] = line
        by_party.setdefault(party, []).append(
            AppendixEntry(
                importing_party=party,
                hs_code=code,
                tariff_line=tariff_line,
                source=row["source"],
                description=row.get("description", ""),
                valid_from=valid_from,
                valid_to=valid_to,
                file=file,
                line=line,
            )
        )
    # Longest lines first, so a national line's entry wins over its heading's.
    return {p: tuple(sorted(e, key=lambda x: -len(x.tariff_line))) for p, e in by_party.items()}


def load_ruleset(directory: Path | Traversable) -> RuleSet:
    """Load a rule set directory (see the module docstring)."""
    root: Traversable = Path(directory) if isinstance(directory, str | Path) else directory
    if not root.is_dir():
        raise RuleSetError(f"{directory}: not a directory")
    texts: dict[str, str] = {}
    for name in ("psr.csv", "appendix.csv"):
        item = root.joinpath(name)
        if not item.is_file():
            raise RuleSetError(f"{directory}: {name} is missing")
        texts[name] = item.read_text("utf-8")
    parameters_file = root.joinpath("parameters.yaml")
    if not parameters_file.is_file():
        parameters_file = _builtin_root().joinpath("parameters.yaml")
    texts["parameters.yaml"] = parameters_file.read_text("utf-8")
    manifest: dict[str, Any] = {}
    manifest_file = root.joinpath("manifest.yaml")
    if manifest_file.is_file():
        texts["manifest.yaml"] = manifest_file.read_text("utf-8")
        loaded = yaml.safe_load(texts["manifest.yaml"]) or {}
        if not isinstance(loaded, dict) or set(loaded) - MANIFEST_KEYS:
            raise RuleSetError(f"manifest.yaml: expected keys among {sorted(MANIFEST_KEYS)}")
        manifest = loaded
    digest = hashlib.sha256()
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode("utf-8") + b"\0")
    complete = frozenset(str(p) for p in manifest.get("appendix_complete", []) or [])
    return RuleSet(
        name=str(manifest.get("name", getattr(root, "name", "rules"))),
        release=str(manifest.get("version", "unversioned")),
        sha256=digest.hexdigest(),
        psr=_parse_psr(texts["psr.csv"], "psr.csv"),
        appendix=_parse_appendix(texts["appendix.csv"], "appendix.csv"),
        appendix_complete=complete,
        parameters=load_parameters(texts["parameters.yaml"], file="parameters.yaml"),
        manifest=manifest,
    )


def _builtin_root() -> Traversable:
    return resources.files("rcep_origin.data").joinpath("ruleset")


@cache
def builtin_ruleset() -> RuleSet:
    """The rule set shipped in the package (``rcep_origin/data/ruleset``)."""
    return load_ruleset(_builtin_root())
