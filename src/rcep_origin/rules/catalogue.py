"""The rule catalogue: product-specific rules (Annex 3A), Appendix lists (Art. 2.6), the Parties
and their entry into force (Art. 20.7), dated thresholds and the HS correlation tables, loaded
from a directory of data files and pinned by one content hash over all of them (``RuleSet``, the
legislation *bundle*; ``rules/bundle.py`` loads it and stacks overlays on it).

A rule set directory holds:

* ``psr.csv``       columns ``hs_code, rule, hs_edition, source`` (required) and
                    ``description, basis, checked_by, note`` (optional). One row per subheading,
                    heading or chapter, per HS edition; ``rule`` is the verbatim Annex 3A text.
* ``appendix.csv``  columns ``importing_party, hs_code, source`` (required) and
                    ``description, valid_from, valid_to, note`` (optional).
* ``parameters.yaml`` (optional; the built-in one otherwise) dated thresholds.
* ``parties.csv``   (optional; the built-in one otherwise) the Parties and entry into force.
* ``hs_correlation/<FROM>-<TO>.csv`` (optional; the built-in UNSD tables otherwise).
* ``manifest.yaml`` (optional) ``name``, ``version``, ``sources``, ``appendix_complete`` (the
                    importing Parties whose Appendix list is complete in ``appendix.csv``),
                    ``anomalies`` (defects found in the sources, recorded, never repaired) and
                    ``extends`` (``builtin`` or a path: this directory is an *overlay* on that
                    bundle, and holds only its own rows).

Loading is strict: an unknown column, a duplicate row, a rule that does not parse or an HS code
that is malformed is an error naming the file and line. What the catalogue does not contain is
unknown, and the engine says so; it never falls back to a guess.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from importlib.abc import Traversable
from typing import Any

from rcep_origin.errors import RuleSetError, RuleSyntaxError
from rcep_origin.hs import EDITIONS, Correlation, CorrelationTable, HsCode, correlate, parse_hs_code
from rcep_origin.parties import Party, is_party
from rcep_origin.rules.language import Rule, parse_rule
from rcep_origin.rules.parameters import Parameter

PSR_COLUMNS = ("hs_code", "rule", "hs_edition", "source")
PSR_OPTIONAL = ("description", "basis", "checked_by", "note")
APPENDIX_COLUMNS = ("importing_party", "hs_code", "source")
APPENDIX_OPTIONAL = ("description", "valid_from", "valid_to", "note")
MANIFEST_KEYS = {
    "name",
    "version",
    "description",
    "sources",
    "appendix_complete",
    "anomalies",
    "extends",
}
BUILTIN_LAYER = "built-in"
# Annex 3A was negotiated in HS2012 (Art. 3.1 and the Annex's headnotes): a good declared in a
# later edition reaches its row through the UN correlation tables.
ANNEX_EDITION = "HS2012"


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
    layer: str = BUILTIN_LAYER  # the bundle layer the row comes from (an overlay's name)
    replaces: str = ""  # the lower layer's row this one overrides ("layer psr.csv:12"), if any

    @property
    def citation(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def from_overlay(self) -> bool:
        return self.layer != BUILTIN_LAYER


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
    layer: str = BUILTIN_LAYER

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
class Layer:
    """One layer of a bundle: the built-in catalogue, an overlay directory a user maintains, or
    the rows an issuing body keeps in its register. Upper layers override lower ones row by
    row; the verdict names the layer of the row it applied."""

    name: str
    release: str
    kind: str  # "built-in", "directory" or "register"
    location: str  # the directory, or where the rows are kept
    sha256: str  # over this layer's own files
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.release}"

    def describe(self) -> str:
        if self.kind == "built-in":
            return f"built-in catalogue {self.label}"
        if self.kind == "register":
            return f"register overlay {self.label}"
        if self.manifest.get("extends"):
            return f"overlay {self.label} ({self.location})"
        return f"rule set {self.label} ({self.location})"


class RuleResolutionStatus(StrEnum):
    FOUND = "found"  # a row in the declared edition
    CORRELATED = "correlated"  # the row of the single HS2012 subheading the code maps to
    AMBIGUOUS = "correlation_ambiguous"  # the code maps to several HS2012 subheadings
    TRANSPOSITION_UNKNOWN = "transposition_unknown"  # rows elsewhere, no correlation known
    NOT_IN_CATALOGUE = "not_in_catalogue"


@dataclass(frozen=True)
class RuleResolution:
    """How the bundle answers "which Annex 3A row applies to this code in this edition"."""

    code: HsCode
    edition: str
    status: RuleResolutionStatus
    entry: PsrEntry | None
    correlation: Correlation | None = None
    candidates: tuple[tuple[HsCode, PsrEntry | None], ...] = ()  # correlation targets and rows
    others: tuple[PsrEntry, ...] = ()  # rows in other editions (TRANSPOSITION_UNKNOWN)

    @property
    def found(self) -> bool:
        return self.entry is not None


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
    parties: dict[str, Party] = field(default_factory=dict)  # Art. 20.7, as this bundle has it
    correlations: dict[tuple[str, str], CorrelationTable] = field(default_factory=dict)
    layers: tuple[Layer, ...] = ()  # bottom (built-in) to top (the last overlay)
    files: dict[str, str] = field(default_factory=dict, repr=False)  # "layer/file" -> sha256

    @property
    def version(self) -> str:
        """Name, release and content hash: two rule sets with the same version decide alike.
        The hash covers every file of every layer: rows, Appendix lists, Parties, parameters
        and correlation tables."""
        return f"{self.name}@{self.release}+sha256:{self.sha256[:16]}"

    def layer(self, name: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == name), None)

    def correlate(self, code: HsCode, source: str, target: str) -> Correlation | None:
        """The correlation of a subheading between two editions, from this bundle's tables."""
        return correlate(code, source, target, tables=self.correlations)

    def resolve(self, code: HsCode, edition: str) -> RuleResolution:
        """The Annex 3A row for a good declared as ``code`` in ``edition``:

        1. the most specific row in the declared edition (subheading, heading, chapter);
        2. else, for a subheading of a later edition, the UN correlation to HS2012, the edition
           Annex 3A was negotiated in: exactly one HS2012 subheading -> that subheading's row,
           said so; several -> undecidable, listing each candidate and its row (or none);
        3. else no row: the rule set's gap, never a guess."""
        entry = self.psr_for(code, edition)
        if entry is not None:
            return RuleResolution(code, edition, RuleResolutionStatus.FOUND, entry)
        correlation: Correlation | None = None
        if code.level == 6 and edition != ANNEX_EDITION:
            correlation = self.correlate(code, edition, ANNEX_EDITION)
        if correlation is not None:
            candidates = tuple((t, self.psr_for(t, ANNEX_EDITION)) for t in correlation.targets)
            if correlation.single:
                found = candidates[0][1]
                status = (
                    RuleResolutionStatus.CORRELATED
                    if found is not None
                    else RuleResolutionStatus.NOT_IN_CATALOGUE
                )
                return RuleResolution(code, edition, status, found, correlation, candidates)
            return RuleResolution(
                code, edition, RuleResolutionStatus.AMBIGUOUS, None, correlation, candidates
            )
        others = tuple(
            e
            for (row_edition, _), e in sorted(self.psr.items())
            if row_edition != edition and code.digits.startswith(e.hs_code.digits)
        )
        if others:
            return RuleResolution(
                code, edition, RuleResolutionStatus.TRANSPOSITION_UNKNOWN, None, others=others
            )
        return RuleResolution(code, edition, RuleResolutionStatus.NOT_IN_CATALOGUE, None)

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


def parse_psr(
    text: str, file: str = "psr.csv", *, layer: str = BUILTIN_LAYER
) -> dict[tuple[str, str], PsrEntry]:
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
            layer=layer,
        )
    return entries


def parse_appendix(
    text: str, file: str = "appendix.csv", *, layer: str = BUILTIN_LAYER
) -> dict[str, tuple[AppendixEntry, ...]]:
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
                layer=layer,
            )
        )
    # Longest lines first, so a national line's entry wins over its heading's.
    return {p: tuple(sorted(e, key=lambda x: -len(x.tariff_line))) for p, e in by_party.items()}


def _builtin_root() -> Traversable:
    return resources.files("rcep_origin.data").joinpath("ruleset")
