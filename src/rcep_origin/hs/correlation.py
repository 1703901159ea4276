"""Correlation of HS subheadings between editions (the HS2012 codes of Annex 3A and the HS2022
codes of a declaration).

Correlations are data: the UN Statistics Division's conversion and correlation tables, shipped as
CSV in the legislation bundle (``data/ruleset/hs_correlation/<FROM>-<TO>.csv``, built by
``scripts/build_hs_correlation.py``), each file naming its source. A table is read both ways: a
link from HS2022 8458.11 to HS2012 8458.11 is also the link back. A pair of editions with no table
is unknown (``None``), and so is a code the table does not list.

Equal codes in two editions are *not* taken as a correlation: a subheading can keep its number and
lose or gain scope. ``exact`` is true only for a one-to-one link to the same number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import NamedTuple

from rcep_origin.hs.codes import EDITIONS, HsCode
from rcep_origin.hs.nomenclature import exists_in_edition

_FOLDER = "hs_correlation"
_RELATIONS = ("1:1", "1:n", "n:1", "n:n")
_INVERSE = {"1:1": "1:1", "1:n": "n:1", "n:1": "1:n", "n:n": "n:n"}
_COLUMNS = ["from_code", "to_code", "relation", "partial"]
_ROW = re.compile(r"^(\d{6}),(\d{6}),(1:1|1:n|n:1|n:n),(ex|)$")
_TABLE = re.compile(r"(?:\d{6},\d{6},(?:1:1|1:n|n:1|n:n),(?:ex)?\n)*")


class Link(NamedTuple):
    """One line of a correlation table: ``target`` is a subheading of the target edition.
    (A named tuple: a bundle holds ~76,000 of them, and they are made at load time.)"""

    target: str
    relation: str  # as the table states it, read in the direction of the lookup
    partial: bool  # the table marks it "ex": only part of the code


@dataclass(frozen=True)
class CorrelationTable:
    """One correlation table between two editions, as shipped, with its source (the file's
    '#' header). Checked whole when it is read; its index is built on the first lookup (a
    bundle's three tables hold ~38,000 links, and most runs look up one code)."""

    source_edition: str
    target_edition: str
    file: str
    source: str
    rows: tuple[str, ...] = field(repr=False)  # the data lines, already checked

    @cached_property
    def links(self) -> Mapping[str, tuple[Link, ...]]:
        """Source code -> its links, in the table's direction."""
        return self._index[0]

    @cached_property
    def inverse(self) -> Mapping[str, tuple[Link, ...]]:
        """Target code -> the links back."""
        return self._index[1]

    @cached_property
    def _index(self) -> tuple[dict[str, tuple[Link, ...]], dict[str, tuple[Link, ...]]]:
        forward: dict[str, list[Link]] = {}
        backward: dict[str, list[Link]] = {}
        for line in self.rows:
            source, target, relation, partial = line.split(",")
            forward.setdefault(source, []).append(Link(target, relation, partial == "ex"))
            backward.setdefault(target, []).append(
                Link(source, _INVERSE[relation], partial == "ex")
            )
        return (
            {k: tuple(v) for k, v in forward.items()},
            {k: tuple(v) for k, v in backward.items()},
        )

    def lookup(self, code: str, source_edition: str) -> tuple[Link, ...]:
        if source_edition == self.source_edition:
            return self.links.get(code, ())
        if source_edition == self.target_edition:
            return self.inverse.get(code, ())
        raise ValueError(f"{self.file} links {self.source_edition} and {self.target_edition}")


@dataclass(frozen=True)
class Correlation:
    """Where one subheading of ``source_edition`` goes in ``target_edition``."""

    source: HsCode
    source_edition: str
    target_edition: str
    targets: tuple[HsCode, ...]
    exact: bool  # one-to-one to the same number
    relations: tuple[str, ...] = ()  # the relation of each target link, as the table says
    citation: str = ""  # the table's file and source

    @property
    def single(self) -> bool:
        """Exactly one target: its rule is the rule of the whole source subheading."""
        return len(self.targets) == 1

    def describe(self) -> str:
        count = len(self.targets)
        return (
            f"via UN correlation {self.source_edition} → {self.target_edition}, "
            f"{count} target{'s' if count != 1 else ''}"
        )


def parse_correlation_table(
    text: str, *, file: str, source_edition: str, target_edition: str
) -> CorrelationTable:
    """Read one table strictly: six-digit codes, a known relation, and a '#' header that names
    the source. Raises ``ValueError`` naming the file and line."""
    for edition in (source_edition, target_edition):
        if edition not in EDITIONS:
            raise ValueError(f"{file}: {edition!r} is not an HS edition {EDITIONS}")
    lines = text.splitlines()
    header = [line[1:].strip() for line in lines if line.startswith("#")]
    start = next((i for i, line in enumerate(header) if line.lower().startswith("source")), None)
    if start is None:
        raise ValueError(f"{file}: the '#' header must name the table's source ('# Source: ...')")
    # The source is its 'Source:' line and the indented lines that continue it.
    cited = [header[start]]
    for line in header[start + 1 :]:
        if not lines_continue(line):
            break
        cited.append(line)
    body = [(n, line) for n, line in enumerate(lines, start=1) if not line.startswith("#")]
    if not body or next(csv.reader([body[0][1]])) != _COLUMNS:
        raise ValueError(f"{file}: expected the columns {_COLUMNS}")
    data = [line for _, line in body[1:]]
    # Every field is a code or a fixed word (no quoting): one pattern checks the whole table
    # in one pass; only a table that fails it is read line by line, to name the line.
    if _TABLE.fullmatch("".join(line + "\n" for line in data)) is None:
        for number, line in body[1:]:
            if _ROW.match(line) is None:
                fields = line.split(",")
                if len(fields) != len(_COLUMNS):
                    raise ValueError(f"{file}:{number}: expected {len(_COLUMNS)} fields")
                if not all(len(c) == 6 and c.isdigit() for c in fields[:2]):
                    raise ValueError(f"{file}:{number}: codes must be 6 digits, got {fields[:2]}")
                raise ValueError(f"{file}:{number}: relation must be one of {_RELATIONS}")
    return CorrelationTable(
        source_edition=source_edition,
        target_edition=target_edition,
        file=file,
        source=" ".join(cited),
        rows=tuple(data),
    )


def lines_continue(line: str) -> bool:
    """A header line that continues the 'Source:' line (the build script writes these)."""
    return line.startswith(("workbook", "as ", "by "))


Tables = Mapping[tuple[str, str], CorrelationTable]


def correlate(
    code: HsCode, source_edition: str, target_edition: str, *, tables: Tables | None = None
) -> Correlation | None:
    """The correlation of the subheading ``code`` from ``source_edition`` to ``target_edition``,
    from ``tables`` (default: the built-in bundle's UNSD tables).

    ``None`` means unknown: no table for that pair of editions, or none that lists the code.
    Within one edition, an existing code correlates to itself."""
    if code.level != 6:
        raise ValueError(f"{code} is not a subheading; correlation tables link 6-digit codes")
    if source_edition == target_edition:
        if exists_in_edition(code, source_edition) is not True:
            return None
        return Correlation(code, source_edition, target_edition, (code,), exact=True)
    found = builtin_tables() if tables is None else tables
    table = found.get((source_edition, target_edition)) or found.get(
        (target_edition, source_edition)
    )
    if table is None:
        return None
    links = table.lookup(code.digits, source_edition)
    if not links:
        return None
    by_target = {link.target: link for link in links}
    targets = tuple(HsCode(d) for d in sorted(by_target))
    exact = len(links) == 1 and links[0].relation == "1:1" and links[0].target == code.digits
    return Correlation(
        code,
        source_edition,
        target_edition,
        targets,
        exact,
        relations=tuple(by_target[t.digits].relation for t in targets),
        citation=f"{table.file}: {table.source}",
    )


def table_file_name(source_edition: str, target_edition: str) -> str:
    return f"{_FOLDER}/{source_edition}-{target_edition}.csv"


def parse_table_file_name(name: str) -> tuple[str, str] | None:
    """``HS2022-HS2012.csv`` -> ("HS2022", "HS2012"); None for any other name."""
    stem = name.removesuffix(".csv")
    parts = stem.split("-")
    if not name.endswith(".csv") or len(parts) != 2 or not all(p in EDITIONS for p in parts):
        return None
    return parts[0], parts[1]


@cache
def builtin_table_texts() -> dict[str, str]:
    """The built-in tables' text by file name (``hs_correlation/HS2022-HS2012.csv``): the bundle
    hashes exactly these."""
    folder = resources.files("rcep_origin.data").joinpath("ruleset").joinpath(_FOLDER)
    return {
        f"{_FOLDER}/{item.name}": item.read_text("utf-8")
        for item in sorted(folder.iterdir(), key=lambda i: i.name)
        if parse_table_file_name(item.name) is not None
    }


@cache
def builtin_tables() -> dict[tuple[str, str], CorrelationTable]:
    tables = {}
    for file, text in builtin_table_texts().items():
        pair = parse_table_file_name(file.removeprefix(f"{_FOLDER}/"))
        assert pair is not None
        tables[pair] = parse_correlation_table(
            text, file=file, source_edition=pair[0], target_edition=pair[1]
        )
    return tables
