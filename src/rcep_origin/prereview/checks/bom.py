"""The bill of materials: complete, consistently valued, in currencies that can be converted."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from rcep_origin.declaration import Declaration, Material, MoneyValue, Role
from rcep_origin.errors import CurrencyError
from rcep_origin.money import FxTable, Money
from rcep_origin.origin import RVC_ROLES
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview.context import item_key
from rcep_origin.prereview.thresholds import FX_INVERSE_TOLERANCE, FX_STALE_DAYS

# Packing for transport is not taken into account at all (Art. 3.8(1)); an indirect material
# is originating and its cost usually sits in overheads (Art. 3.10): neither needs a value.
_VALUE_NOT_NEEDED = (Role.TRANSPORT_PACKING, Role.INDIRECT)


def _values(declaration: Declaration) -> Iterator[tuple[str, MoneyValue]]:
    for index, material in enumerate(declaration.materials):
        if material.value is not None:
            yield f"materials[{index}].value", material.value
    if declaration.costs is not None:
        for name in ("direct_labour", "direct_overhead", "profit", "other"):
            value = getattr(declaration.costs, name)
            if value is not None:
                yield f"costs.{name}", value


def _fx_table(declaration: Declaration) -> FxTable:
    return FxTable([rate.rate_record() for rate in declaration.fx_rates])


def missing_rates(declaration: Declaration) -> list[tuple[str, str]]:
    """(path, currency) of every value whose currency the declared rates cannot convert to the
    FOB currency; the engine's own exchange-rate table decides, so this agrees with it."""
    table = _fx_table(declaration)
    target = declaration.fob_value.currency
    missing = []
    convertible: dict[str, bool] = {target: True}
    for path, value in _values(declaration):
        if value.currency not in convertible:
            try:
                table.convert(Money(Decimal(1), value.currency), target, path=path)
                convertible[value.currency] = True
            except CurrencyError:
                convertible[value.currency] = False
        if not convertible[value.currency]:
            missing.append((path, value.currency))
    return missing


@check("BOM_EMPTY")
def bom_empty(review: Review) -> Iterator[Raw]:
    """Art. 3.2(b), (c): a good that is not wholly obtained is made from materials. (The
    declaration contract refuses such a document; this catches one built without it.)"""
    declaration = review.declaration
    if declaration.wholly_obtained is None and not any(
        material.role is Role.COMPONENT for material in declaration.materials
    ):
        yield Raw(
            "BOM_EMPTY",
            fields=("materials",),
            data={"lines": len(declaration.materials)},
        )


@check("BOM_VALUE_MISSING", "BOM_ZERO_VALUE")
def bom_values(review: Review) -> Iterator[Raw]:
    missing: list[tuple[str, str]] = []
    zero: list[tuple[str, str]] = []
    for path, material in review.materials():
        if material.role in _VALUE_NOT_NEEDED:
            continue
        if material.value is None:
            missing.append((path, material.id))
        elif material.value.amount == 0:
            zero.append((path, material.id))
    for code, lines in (("BOM_VALUE_MISSING", missing), ("BOM_ZERO_VALUE", zero)):
        if lines:
            ids = [material_id for _, material_id in lines]
            yield Raw(
                code,
                params={"count": len(ids), "materials": ids},
                fields=tuple(f"{path}.value" for path, _ in lines),
                data={"materials": ids},
            )


@check("BOM_DUPLICATE_PART")
def duplicate_parts(review: Review) -> Iterator[Raw]:
    groups: dict[str, list[tuple[str, Material]]] = {}
    for path, material in review.materials():
        key = item_key(material.part_number, "") if material.part_number else None
        if key is not None:
            groups.setdefault(key, []).append((path, material))
    for lines in groups.values():
        if len(lines) < 2:
            continue
        part_number = lines[0][1].part_number
        ids = [material.id for _, material in lines]
        yield Raw(
            "BOM_DUPLICATE_PART",
            params={"part_number": part_number, "count": len(lines), "materials": ids},
            fields=tuple(f"{path}.part_number" for path, _ in lines),
            data={
                "part_number": part_number,
                "materials": ids,
                "hs_codes": sorted({m.hs_code for _, m in lines if m.hs_code}),
            },
        )


@check("BOM_HS_MISSING")
def hs_missing(review: Review) -> Iterator[Raw]:
    """Annex 3A headnote 5: the change is tested on every non-originating component's code."""
    lines = [
        (path, material.id)
        for path, material in review.materials()
        if material.role is Role.COMPONENT
        and material.originating is not True
        and material.hs_code is None
    ]
    if lines:
        ids = [material_id for _, material_id in lines]
        yield Raw(
            "BOM_HS_MISSING",
            params={"count": len(ids), "materials": ids},
            fields=tuple(f"{path}.hs_code" for path, _ in lines),
            data={"materials": ids},
        )


@check("BOM_VALUE_EXCEEDS_FOB")
def value_exceeds_fob(review: Review) -> Iterator[Raw]:
    """The materials counted in an RVC (Art. 3.5; transport packing left out, Art. 3.8(1)),
    converted at the declared rates, cannot together be worth more than the good."""
    good = review.good
    if good is None:
        return
    counted = [m for m in good.materials if m.role in RVC_ROLES and m.value is not None]
    total = sum((m.value for m in counted if m.value is not None), Decimal(0))
    if total > good.fob:
        yield Raw(
            "BOM_VALUE_EXCEEDS_FOB",
            params={
                "total": total.quantize(Decimal("0.01")),
                "fob": good.fob,
                "currency": good.currency,
            },
            fields=("fob_value.amount", *(f"{m.path}.value" for m in counted)),
            data={"materials_total": total, "fob": good.fob, "currency": good.currency},
        )


@check("BOM_CURRENCY_WITHOUT_RATE")
def currency_without_rate(review: Review) -> Iterator[Raw]:
    target = review.declaration.fob_value.currency
    for path, currency in review.missing_rates:
        yield Raw(
            "BOM_CURRENCY_WITHOUT_RATE",
            params={"field": path, "currency": currency, "fob_currency": target},
            fields=(f"{path}.currency", "fx_rates"),
            data={"currency": currency, "fob_currency": target},
        )


@check("FX_RATE_STALE")
def stale_rates(review: Review) -> Iterator[Raw]:
    """Only the rates the engine uses: the one its table picks for each currency converted."""
    declaration = review.declaration
    table = _fx_table(declaration)
    target = declaration.fob_value.currency
    failed = {currency for _, currency in review.missing_rates}
    seen: set[tuple[str, str]] = set()
    for path, value in _values(declaration):
        if value.currency == target or value.currency in failed:
            continue
        rate = table.convert(Money(Decimal(1), value.currency), target, path=path).rate
        if rate is None or (rate.source_currency, rate.target_currency) in seen:
            continue
        seen.add((rate.source_currency, rate.target_currency))
        days = abs((rate.on - declaration.date).days)
        if days > FX_STALE_DAYS:
            index = next(
                i
                for i, declared in enumerate(declaration.fx_rates)
                if (declared.from_, declared.to) == (rate.source_currency, rate.target_currency)
            )
            pair = f"{rate.source_currency}→{rate.target_currency}"
            yield Raw(
                "FX_RATE_STALE",
                params={"pair": pair, "rate_date": rate.on, "days": days, "date": declaration.date},
                fields=(f"fx_rates[{index}].date", "date"),
                data={
                    "pair": pair,
                    "rate": rate.rate,
                    "rate_date": rate.on,
                    "date": declaration.date,
                    "days": days,
                    "limit_days": FX_STALE_DAYS,
                },
            )


@check("FX_RATE_CONFLICT")
def conflicting_rates(review: Review) -> Iterator[Raw]:
    rates = review.declaration.fx_rates
    by_pair: dict[tuple[str, str], list[int]] = {}
    for index, rate in enumerate(rates):
        by_pair.setdefault((rate.from_, rate.to), []).append(index)
    for (source, target), indexes in by_pair.items():
        values = [rates[i].rate for i in indexes]
        conflict = len(set(values)) > 1
        reverse = by_pair.get((target, source), [])
        if not conflict and reverse and source < target:
            product = values[0] * rates[reverse[0]].rate
            conflict = abs(product - 1) > FX_INVERSE_TOLERANCE
            indexes = indexes + reverse[:1]
        if conflict:
            pair = f"{source}→{target}"
            listed = [
                f"{rates[i].from_}→{rates[i].to} {rates[i].rate} ({rates[i].date})" for i in indexes
            ]
            yield Raw(
                "FX_RATE_CONFLICT",
                params={"pair": pair, "rates": listed},
                fields=tuple(f"fx_rates[{i}].rate" for i in indexes),
                data={"pair": pair, "rates": listed},
            )
