"""Money as ``Decimal`` with a currency, and the declared exchange rates that convert it.

Floats never touch a value: amounts arrive as strings or integers and stay ``Decimal``. A
conversion records the rate, its date and its source, so an auditor can redo it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

import pycountry

from rcep_origin.errors import CurrencyError


@cache
def is_iso_currency(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code) is not None


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@dataclass(frozen=True, slots=True)
class FxRate:
    """One declared rate: 1 unit of ``source_currency`` = ``rate`` units of ``target_currency``."""

    source_currency: str
    target_currency: str
    rate: Decimal
    on: date
    source: str


@dataclass(frozen=True, slots=True)
class Conversion:
    """The record of one conversion, kept in the trace."""

    original: Money
    converted: Money
    rate: FxRate | None  # None when no conversion was needed


class FxTable:
    """The exchange rates a declaration carries. Only declared rates are used: a missing rate is
    an error naming the value that needed it, never a guess (and never a rate from the network).
    The inverse of a declared rate is used when only the other direction is declared."""

    def __init__(self, rates: list[FxRate]):
        self._rates: dict[tuple[str, str], FxRate] = {}
        for rate in rates:
            self._rates.setdefault((rate.source_currency, rate.target_currency), rate)

    def convert(self, money: Money, target_currency: str, *, path: str) -> Conversion:
        if money.currency == target_currency:
            return Conversion(original=money, converted=money, rate=None)
        if not is_iso_currency(money.currency):
            raise CurrencyError(
                f"{money.currency!r} is not an ISO 4217 currency code", path=f"{path}.currency"
            )
        direct = self._rates.get((money.currency, target_currency))
        if direct is not None:
            return Conversion(money, Money(money.amount * direct.rate, target_currency), direct)
        inverse = self._rates.get((target_currency, money.currency))
        if inverse is not None:
            return Conversion(money, Money(money.amount / inverse.rate, target_currency), inverse)
        raise CurrencyError(
            f"value in {money.currency} but the FOB value is in {target_currency} and fx_rates "
            f"declares no {money.currency}->{target_currency} rate; add one "
            "({from, to, rate, date, source})",
            path=f"{path}.currency",
        )
