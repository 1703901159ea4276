"""Correlation of HS subheadings between editions (for example the HS2012 codes of Annex 3A and the
HS2022 codes of a declaration).

Correlations are data: rows of ``data/hs/correlations.csv`` taken from a published correlation
table (WCO / UNSD), each naming its source. That file has no rows yet (see ``data/hs/README.md``),
so every cross-edition correlation is reported as unknown (``None``). Equal codes in two editions
are *not* taken as a correlation: a subheading can keep its number and lose or gain scope.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rcep_origin.hs.codes import HsCode
from rcep_origin.hs.nomenclature import exists_in_edition

_FILE = "correlations.csv"
_RELATIONS = ("1:1", "1:n", "n:1", "n:n")


@dataclass(frozen=True)
class Correlation:
    """Where one subheading of ``source_edition`` goes in ``target_edition``.
    ``exact`` is true only for a one-to-one link to the same, unchanged subheading."""

    source: HsCode
    source_edition: str
    target_edition: str
    targets: tuple[HsCode, ...]
    exact: bool


@dataclass(frozen=True, slots=True)
class _Link:
    target: str
    relation: str
    citation: str


_Table = Mapping[tuple[str, str], Mapping[str, tuple[_Link, ...]]]


def correlate(code: HsCode, source_edition: str, target_edition: str) -> Correlation | None:
    """The correlation of the subheading ``code`` from ``source_edition`` to ``target_edition``.

    ``None`` means unknown: no correlation data for that pair of editions, or none for that code.
    Within one edition, an existing code correlates to itself."""
    return _correlate_in(_table(), code, source_edition, target_edition)


def _correlate_in(
    table: _Table, code: HsCode, source_edition: str, target_edition: str
) -> Correlation | None:
    if code.level != 6:
        raise ValueError(f"{code} is not a subheading; correlation tables link 6-digit codes")
    if source_edition == target_edition:
        if exists_in_edition(code, source_edition) is not True:
            return None
        return Correlation(code, source_edition, target_edition, (code,), exact=True)
    links = table.get((source_edition, target_edition), {}).get(code.digits)
    if not links:
        return None
    targets = tuple(HsCode(d) for d in sorted({link.target for link in links}))
    exact = len(links) == 1 and links[0].relation == "1:1" and links[0].target == code.digits
    return Correlation(code, source_edition, target_edition, targets, exact)


def _parse(rows: Iterable[Mapping[str, str]], where: str) -> _Table:
    table: dict[tuple[str, str], dict[str, list[_Link]]] = {}
    for number, row in enumerate(rows, start=1):
        relation, citation = row["relation"], row["source"]
        if relation not in _RELATIONS or not citation:
            raise ValueError(
                f"{where} row {number}: relation must be one of {_RELATIONS} with a source"
            )
        codes = (row["from_code"], row["to_code"])
        if not all(len(c) == 6 and c.isdigit() for c in codes):
            raise ValueError(f"{where} row {number}: codes must be 6 digits, got {codes}")
        pair = (row["from_edition"], row["to_edition"])
        by_code = table.setdefault(pair, {})
        by_code.setdefault(row["from_code"], []).append(_Link(row["to_code"], relation, citation))
    return {
        pair: {c: tuple(links) for c, links in by_code.items()} for pair, by_code in table.items()
    }


@cache
def _table() -> _Table:
    text = resources.files("rcep_origin.data.hs").joinpath(_FILE).read_text("utf-8")
    lines = (line for line in io.StringIO(text) if not line.startswith("#"))
    return _parse(csv.DictReader(lines), _FILE)
