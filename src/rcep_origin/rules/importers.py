"""Importers for the forms in which the Parties publish Annex 3A: the Agreement's table (HS code,
description, product-specific rule) as text pages (a PDF's pages, the flipbook HTML pages
``basic-html/pageNNN.html`` Thailand publishes, in English or in the Thai translation) and as rows
of cells (CSV or XLSX exports of tariff finders).

Each imported row cites the file and the page (or the row) it came from. A line that looks like a
row but whose rule does not parse is reported, never guessed; so is a code given twice with two
different rules. The adapters read the files (pypdf, openpyxl, the HTML parser of the standard
library) and hand this module text or cells: the legislation layer stays light.

Thai pages keep the rule codes in Latin letters and translate only the connectors:
``หรือ`` = "or", ``และ`` = "and", ``ยกเว้นจาก`` = "except from", ``ตอนที่``/``ตอน`` = "Chapter",
``ประเภทย่อย`` = "subheading", ``ประเภท`` = "heading".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from rcep_origin.errors import RuleSyntaxError
from rcep_origin.hs import parse_hs_code
from rcep_origin.rules.language import parse_rule, print_rule

_THAI = (
    ("ยกเว้นจาก", " except from "),
    ("ประเภทย่อย", " subheading "),
    ("ประเภท", " heading "),
    ("ตอนที่", " Chapter "),
    ("ตอน", " Chapter "),
    ("หรือ", " or "),
    ("และ", " and "),
)
_CODE = r"(?:\d{4}\.\d{2}|\d{2}\.\d{2}|\d{6}|\d{4})"
_RULE_START = r"(?:CC|CTH|CTSH|RVC\s?\d{2}|WO|CR)\b"
# A table line: code, description, rule (the rule runs to the end of the line). A chapter row
# reads "Chapter 94 ..." or, as the Agreement's table prints it, "94 CHAPTER 94: ...".
_LINE = re.compile(
    rf"^\s*(?:[Cc]hapter\s+(\d{{2}})|(\d{{2}})(?=\s+CHAPTER\b)|({_CODE}))\s+(.*?)\s*"
    rf"({_RULE_START}.*)$"
)


@dataclass(frozen=True)
class ImportedRow:
    hs_code: str  # printed form
    rule: str  # as printed (connectors translated for a Thai page)
    description: str
    citation: str  # "file, page N" or "file, row N"

    def source(self, document: str) -> str:
        return f"{document}, {self.citation}" if document else self.citation


@dataclass(frozen=True)
class Unparsed:
    citation: str
    text: str
    reason: str


@dataclass
class ImportReport:
    rows: list[ImportedRow] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)

    def add(self, row: ImportedRow) -> None:
        for index, known in enumerate(self.rows):
            if parse_hs_code(known.hs_code) == parse_hs_code(row.hs_code):
                if print_rule(parse_rule(known.rule)) != print_rule(parse_rule(row.rule)):
                    self.unparsed.append(
                        Unparsed(
                            row.citation,
                            f"{row.hs_code} {row.rule}",
                            f"{row.hs_code} already read as {known.rule!r} ({known.citation}); "
                            "two readings disagree, neither is kept",
                        )
                    )
                    del self.rows[index]
                return
        self.rows.append(row)


def translate_thai(text: str) -> str:
    for thai, english in _THAI:
        text = text.replace(thai, english)
    return re.sub(r"\s+", " ", text).strip()


def _normalise_rule(text: str) -> str:
    text = translate_thai(text)
    text = re.sub(r"RVC\s+(\d{2})", r"RVC\1", text)
    text = re.sub(r"\s*;\s*$", "", text)
    return text.strip()


def _code(chapter: str | None, code: str | None) -> str:
    if chapter:
        return chapter
    assert code is not None
    digits = code.replace(".", "")
    return str(parse_hs_code(digits))


def rows_from_text(
    pages: Iterable[tuple[str, str]], report: ImportReport | None = None
) -> ImportReport:
    """Rows from pages of text (``(citation, text)``, e.g. ("annex.pdf, page 193", "...")), one
    table row per line. A line with a code and a rule keyword whose rule does not parse is
    reported; lines without both are not rows (titles, descriptions that wrap)."""
    report = report if report is not None else ImportReport()
    for citation, text in pages:
        for line in text.splitlines():
            # The flipbook's text layer may hold both columns of a spread on one line, each row
            # twice ("8530.10 - ... 8530.10 - ... CTSH หรือ RVC40 CTSH หรือ RVC40 8533.31 ..."):
            # each row start begins a segment.
            for segment in _ROW_START.split(line):
                match = _LINE.match(segment)
                if match is None:
                    continue
                chapter, printed_chapter, code, description, rule = match.groups()
                try:
                    hs = _code(chapter or printed_chapter, code)
                    rule_text = _single(_normalise_rule(rule))
                    parse_rule(rule_text)
                except (ValueError, RuleSyntaxError) as exc:
                    report.unparsed.append(Unparsed(citation, segment.strip(), str(exc)))
                    continue
                report.add(ImportedRow(hs, rule_text, description.strip(" -"), citation))
    return report


_ROW_START = re.compile(r"(?=(?<!\S)\d{4}\.\d{2}\s+-)")


def _single(rule: str) -> str:
    """A rule the text layer printed twice ("CTH or RVC40 CTH or RVC40") is that rule once."""
    words = rule.split()
    half = len(words) // 2
    if len(words) % 2 == 0 and half and words[:half] == words[half:]:
        return " ".join(words[:half])
    return rule


_HEADERS = {
    "hs_code": ("hs code", "hs_code", "code", "subheading", "heading", "hs", "tariff"),
    "description": ("description", "product description", "goods"),
    "rule": ("rule", "product-specific rule", "product specific rule", "psr", "origin criteria"),
}


def _columns(header: Sequence[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = re.sub(r"\s+", " ", cell.strip().lower())
        for key, words in _HEADERS.items():
            if key not in found and any(name == w or name.startswith(w) for w in words):
                found[key] = index
    return found if {"hs_code", "rule"} <= set(found) else None


def rows_from_cells(
    rows: Iterable[Sequence[object]], *, file: str, report: ImportReport | None = None
) -> ImportReport:
    """Rows from a table of cells (CSV, or a sheet of an XLSX export): the first row whose cells
    name an HS code column and a rule column is the header; every later row with a code is a
    row, cited by its row number."""
    report = report if report is not None else ImportReport()
    columns: dict[str, int] | None = None
    for number, raw in enumerate(rows, start=1):
        cells = ["" if c is None else str(c).strip() for c in raw]
        if columns is None:
            columns = _columns(cells)
            continue
        code_cell = cells[columns["hs_code"]] if columns["hs_code"] < len(cells) else ""
        rule_cell = cells[columns["rule"]] if columns["rule"] < len(cells) else ""
        if not code_cell and not rule_cell:
            continue
        citation = f"{file}, row {number}"
        description = (
            cells[columns["description"]]
            if "description" in columns and columns["description"] < len(cells)
            else ""
        )
        try:
            chapter = re.fullmatch(r"(?:Chapter\s+)?(\d{2})", code_cell)
            hs = chapter.group(1) if chapter else str(parse_hs_code(code_cell))
            rule_text = _normalise_rule(rule_cell)
            parse_rule(rule_text)
        except (ValueError, RuleSyntaxError) as exc:
            report.unparsed.append(Unparsed(citation, f"{code_cell} | {rule_cell}", str(exc)))
            continue
        report.add(ImportedRow(hs, rule_text, description, citation))
    if columns is None:
        report.unparsed.append(
            Unparsed(file, "", "no header row naming an HS code column and a rule column")
        )
    return report


class _Text(HTMLParser):
    """The text of a flipbook page, one line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "tr", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in ("p", "div", "tr", "td"):
            self.parts.append("\n" if tag != "td" else " ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)
