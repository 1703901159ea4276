"""Tariff treatment: the RCEP country of origin of Art. 2.6 (tariff differentials)."""

from rcep_origin.tariffs.country_of_origin import (
    CountryOfOrigin,
    OriginFacts,
    rcep_country_of_origin,
)

__all__ = ["CountryOfOrigin", "OriginFacts", "rcep_country_of_origin"]
