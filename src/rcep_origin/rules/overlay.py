"""Overlays a user maintains: a directory of rows on top of the built-in catalogue.

    rcep-origin rules init DIR                         manifest.yaml (extends: builtin), psr.csv
    rcep-origin rules add DIR 8458.11 "CTH or RVC40" --source "Annex 3A, page ..."
    rcep-origin rules remove DIR 8458.11

Every change is checked before it is written: the code and the rule must parse, the row must not
already be there, and the whole bundle must load afterwards; otherwise nothing is written and the
error names the problem. Files are replaced atomically, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from rcep_origin.errors import RuleSetError, RuleSyntaxError
from rcep_origin.hs import EDITIONS, parse_hs_code
from rcep_origin.rules.bundle import BUILTIN, load_ruleset
from rcep_origin.rules.catalogue import PSR_COLUMNS, PSR_OPTIONAL, PsrEntry, RuleSet
from rcep_origin.rules.language import parse_rule

COLUMNS = PSR_COLUMNS + PSR_OPTIONAL
APPENDIX_HEADER = "importing_party,hs_code,source,description,valid_from,valid_to,note\n"
BASES = ("transcribed", "transposed", "imported", "test")


@dataclass(frozen=True)
class Row:
    """A PSR row as a user gives it (validated by ``make_row``)."""

    hs_code: str  # printed form, e.g. "8458.11"
    rule: str
    hs_edition: str
    source: str
    description: str = ""
    basis: str = "transcribed"
    checked_by: str = ""
    note: str = ""

    def cells(self) -> list[str]:
        return [
            self.hs_code,
            self.rule,
            self.hs_edition,
            self.source,
            self.description,
            self.basis,
            self.checked_by,
            self.note,
        ]


def make_row(
    hs_code: str,
    rule: str,
    *,
    source: str,
    edition: str = "HS2022",
    description: str = "",
    basis: str = "transcribed",
    checked_by: str = "",
    note: str = "",
) -> Row:
    """A row, or ``RuleSetError`` naming what is wrong (the code, the rule, the edition)."""
    try:
        code = parse_hs_code(hs_code)
    except ValueError as exc:
        raise RuleSetError(f"hs_code: {exc}") from None
    try:
        parse_rule(rule)
    except RuleSyntaxError as exc:
        raise RuleSetError(f"rule: {exc}") from None
    if edition not in EDITIONS:
        raise RuleSetError(f"edition: {edition!r} is not one of {', '.join(EDITIONS)}")
    if not source.strip():
        raise RuleSetError("source: say where the row was read (document and page)")
    if basis not in BASES:
        raise RuleSetError(f"basis: {basis!r} is not one of {', '.join(BASES)}")
    for name, value in (("source", source), ("description", description), ("note", note)):
        if "\n" in value or "\r" in value:
            raise RuleSetError(f"{name}: one line, please")
    return Row(
        hs_code=str(code),
        rule=rule.strip(),
        hs_edition=edition,
        source=source.strip(),
        description=description.strip(),
        basis=basis,
        checked_by=checked_by.strip(),
        note=note.strip(),
    )


def init_overlay(directory: Path, *, name: str | None = None, description: str = "") -> Path:
    """Make an overlay directory on the built-in catalogue; refuses a directory in use."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise RuleSetError(f"{directory}: not empty; an overlay starts in a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {
        "name": name or directory.resolve().name,
        "version": "1",
        "extends": BUILTIN,
        "description": description
        or "Rows an issuing body holds from an official source, on top of the built-in "
        "catalogue. Each row names its source; 'rcep-origin rules add' checks it first.",
        "sources": [],
    }
    _write(
        directory / "manifest.yaml", yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
    )
    _write(directory / "psr.csv", ",".join(COLUMNS) + "\n")
    _write(directory / "appendix.csv", APPENDIX_HEADER)
    load_ruleset(directory)  # what init writes must load
    return directory


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The file's leading '#' lines (kept as they are) and its data rows."""
    text = path.read_text("utf-8") if path.exists() else ""
    comments = [line for line in text.splitlines() if line.startswith("#")]
    body = [line for line in text.splitlines() if not line.startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(body))))
    if rows and rows[0] != list(COLUMNS):
        header = rows[0]
        # An older file with fewer optional columns: read by name, written with all of them.
        rows = [header, *rows[1:]]
        return comments, [
            [dict(zip(header, r, strict=False)).get(c, "") for c in COLUMNS] for r in rows[1:]
        ]
    return comments, rows[1:]


def _render(comments: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    for line in comments:
        out.write(line + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def _write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _require_overlay(directory: Path) -> None:
    manifest = Path(directory) / "manifest.yaml"
    if not manifest.is_file():
        raise RuleSetError(f"{directory}: no manifest.yaml; make an overlay with 'rules init'")


@dataclass(frozen=True)
class Change:
    """What ``add_row`` or ``remove_row`` did, for the message and the audit entry."""

    directory: str
    row: Row
    replaces: PsrEntry | None  # a lower layer's row the new one overrides
    ruleset: RuleSet  # the bundle after the change


def add_row(directory: Path, row: Row, *, replace: bool = False) -> Change:
    """Add ``row`` to the overlay at ``directory`` (or replace its own row for the same code and
    edition with ``replace``). Nothing is written unless the bundle loads afterwards."""
    directory = Path(directory)
    _require_overlay(directory)
    path = directory / "psr.csv"
    comments, rows = _read_rows(path)
    key = (row.hs_edition, parse_hs_code(row.hs_code).digits)
    kept = []
    for cells in rows:
        if (cells[2], parse_hs_code(cells[0]).digits) == key:
            if not replace:
                raise RuleSetError(
                    f"{path}: a row for {row.hs_code} ({row.hs_edition}) is already there "
                    f"({cells[1]!r}); remove it first or use --replace"
                )
            continue
        kept.append(cells)
    kept.append(row.cells())
    kept.sort(key=lambda c: (c[2], parse_hs_code(c[0]).digits))
    before = load_ruleset(directory)
    lower = before.psr.get(key)
    if lower is not None and lower.layer == before.name:
        lower = None  # its own row, being replaced: not a lower layer's
    after = _try(directory, path, _render(comments, kept))
    return Change(str(directory), row, lower, after)


def remove_row(directory: Path, hs_code: str, *, edition: str = "HS2022") -> Change:
    """Remove the overlay's own row for ``hs_code`` in ``edition`` (a built-in row cannot be
    removed: an overlay adds or overrides, it does not unsay the catalogue)."""
    directory = Path(directory)
    _require_overlay(directory)
    try:
        digits = parse_hs_code(hs_code).digits
    except ValueError as exc:
        raise RuleSetError(f"hs_code: {exc}") from None
    path = directory / "psr.csv"
    comments, rows = _read_rows(path)
    kept = [c for c in rows if (c[2], parse_hs_code(c[0]).digits) != (edition, digits)]
    if len(kept) == len(rows):
        raise RuleSetError(f"{path}: no row for {hs_code} ({edition}) in this overlay")
    gone = next(c for c in rows if (c[2], parse_hs_code(c[0]).digits) == (edition, digits))
    after = _try(directory, path, _render(comments, kept))
    removed = Row(*gone[:4], *gone[4:8]) if len(gone) >= 8 else Row(*gone[:4])
    return Change(str(directory), removed, None, after)


def _try(directory: Path, path: Path, text: str) -> RuleSet:
    """Write ``text`` to ``path`` only if the bundle loads with it."""
    previous = path.read_text("utf-8") if path.exists() else None
    _write(path, text)
    try:
        return load_ruleset(directory)
    except RuleSetError:
        if previous is None:
            path.unlink()
        else:
            _write(path, previous)
        raise
