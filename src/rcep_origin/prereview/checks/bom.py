"""The bill of materials: complete, consistently valued, in currencies that can be converted."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from rcep_origin.declaration import Declaration, Material, MoneyValue, Role
from rcep_origin.errors import CurrencyError
from rcep_origin.money import FxTable, Money
from rcep_origin.origin import RVC_ROLES
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview._spec import REJECT, WARN, spec
from rcep_origin.prereview.context import normalised_description, normalised_part_number
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


BOM_EMPTY = spec(
    "BOM_EMPTY",
    "bom",
    REJECT,
    "Art. 3.2(b), (c)",
    "a good that is not wholly obtained lists the materials it is made from",
    "The bill of materials lists no component, and the good is not claimed wholly obtained.",
    "List every material used in production, with its HS code, value and origin.",
    why=(
        "A good that is not wholly obtained is produced from materials (Art. 3.2(b), (c)): "
        "without them no criterion can be tested."
    ),
)


@check(BOM_EMPTY)
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


BOM_VALUE_MISSING = spec(
    "BOM_VALUE_MISSING",
    "bom",
    REJECT,
    "Art. 3.5(3); Art. 3.7; Art. 2.6",
    "every material has a value",
    "{count} material(s) have no value: {materials}.",
    "Declare each material's value (CIF at importation, or the earliest price paid in the "
    "Party, Art. 3.5(3)); the RVC, de minimis and Art. 2.6 need them.",
    why=(
        "The bill of materials is incomplete: the RVC (Art. 3.5), the de minimis tolerance "
        "(Art. 3.7) and the Art. 2.6 value content cannot be computed from it, and an issuing "
        "body does not accept a bill of materials without the values the criterion is checked "
        "on."
    ),
)


BOM_ZERO_VALUE = spec(
    "BOM_ZERO_VALUE",
    "bom",
    WARN,
    "Art. 3.5(2), (3); Customs Valuation Agreement",
    "no material is declared with a value of zero",
    "{count} material(s) are declared with a value of zero: {materials}.",
    "Declare the price paid or payable; a material supplied free of charge still has a "
    "customs value.",
    why=(
        "A zero is the declaration's own statement of the price: it may be a placeholder or a "
        "free supply whose value must be added, but it is not a contradiction; the RVC "
        "findings show whether the value content depends on it."
    ),
)


@check(BOM_VALUE_MISSING, BOM_ZERO_VALUE)
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


BOM_DUPLICATE_PART = spec(
    "BOM_DUPLICATE_PART",
    "bom",
    WARN,
    "Art. 3.5 (each material counted once)",
    "no part number is listed twice (part numbers compared without case, spacing or separators)",
    "Part number {part_number} is listed {count} times: {materials}.",
    "Merge the lines into one with the total quantity and value, or correct the part numbers.",
    why=(
        "The same part on two lines with compatible codes changes no classification test and "
        "the values still add up; it is worth a look (counted twice?), not a refusal."
    ),
)

BOM_HS_INCONSISTENT = spec(
    "BOM_HS_INCONSISTENT",
    "bom",
    REJECT,
    "Annex 3A, headnotes (the change is tested on each material's code); HS General "
    "Interpretative Rules 1 and 6",
    "the same item (the same part number, or the same description) has one HS code within a "
    "bill of materials",
    "{item} is classified under {codes} in this bill of materials: {materials}.",
    "Classify the item once and use that code on every line; if they are different items, "
    "tell them apart in the description or part number.",
    why=(
        "One item has one classification (General Interpretative Rules 1 and 6): two codes for "
        "it in one bill of materials means one is wrong. Reject when a line is a "
        "non-originating component, whose code the change of classification is tested on; "
        "warn when none is, since then the codes decide nothing."
    ),
)


def _compatible(a: str, b: str) -> bool:
    """Codes agree when one refines the other ("84.71" and "8471.30")."""
    x, y = a.replace(".", ""), b.replace(".", "")
    return x.startswith(y) or y.startswith(x)


def _groups(review: Review) -> Iterator[tuple[str, str, list[tuple[str, Material]]]]:
    """Lines that name the same item: by part number, then by description (each set of lines
    once). Yields (kind, the item as declared, the lines)."""
    seen: set[tuple[str, ...]] = set()
    for kind in ("part", "description"):
        groups: dict[str, list[tuple[str, Material]]] = {}
        for path, material in review.materials():
            if kind == "part":
                key = normalised_part_number(material.part_number or "")
            else:
                key = normalised_description(material.description)
            if key:
                groups.setdefault(key, []).append((path, material))
        for lines in groups.values():
            paths = tuple(path for path, _ in lines)
            if len(lines) < 2 or paths in seen:
                continue
            seen.add(paths)
            first = lines[0][1]
            yield kind, (first.part_number if kind == "part" else first.description) or "", lines


@check(BOM_DUPLICATE_PART, BOM_HS_INCONSISTENT)
def same_item(review: Review) -> Iterator[Raw]:
    """Lines naming the same item. Codes that do not refine one another: BOM_HS_INCONSISTENT
    (warn when no line is a non-originating component). Otherwise the same part number twice:
    BOM_DUPLICATE_PART. The same description under the same code on two lines is no finding
    (two suppliers of one screw)."""
    for kind, item, lines in _groups(review):
        ids = [material.id for _, material in lines]
        codes = list(dict.fromkeys(m.hs_code for _, m in lines if m.hs_code))
        clash = any(not _compatible(a, b) for a in codes for b in codes)
        if clash:
            decisive = any(m.role is Role.COMPONENT and m.originating is not True for _, m in lines)
            shown = item if kind == "description" else f"{item} ({lines[0][1].description})"
            yield Raw(
                "BOM_HS_INCONSISTENT",
                params={"item": f"“{shown}”", "codes": codes, "materials": ids},
                fields=tuple(f"{path}.hs_code" for path, _ in lines),
                data={
                    "matched_by": kind,
                    "item": item,
                    "materials": ids,
                    "hs_codes": {m.id: m.hs_code for _, m in lines},
                    "decisive": decisive,
                },
                severity=None if decisive else WARN,
            )
        elif kind == "part":
            yield Raw(
                "BOM_DUPLICATE_PART",
                params={"part_number": item, "count": len(lines), "materials": ids},
                fields=tuple(f"{path}.part_number" for path, _ in lines),
                data={"part_number": item, "materials": ids, "hs_codes": sorted(codes)},
            )


BOM_HS_MISSING = spec(
    "BOM_HS_MISSING",
    "bom",
    WARN,
    "Annex 3A, headnote 5",
    "every non-originating component has an HS code to test the change of classification",
    "{count} non-originating material(s) have no HS code, so the change in tariff "
    "classification cannot be tested: {materials}.",
    "Declare the HS code (at least the heading) of every non-originating material.",
    why=(
        "The engine already treats the line as not making the change (Annex 3A headnotes), so "
        "its verdict, and CTC_FAILS or UNDECIDABLE, carry the legal effect; this finding "
        "names the lines to complete."
    ),
)


@check(BOM_HS_MISSING)
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


BOM_VALUE_EXCEEDS_FOB = spec(
    "BOM_VALUE_EXCEEDS_FOB",
    "bom",
    REJECT,
    "Art. 3.5; Art. 3.1 (FOB value)",
    "the materials together are worth no more than the good's FOB value",
    "The materials are worth {total} {currency}, more than the FOB value of {fob} {currency}.",
    "Check the units, quantities and currencies of the material values (a value per batch "
    "instead of per unit is a common slip), and the FOB value.",
    why=(
        "The values contradict each other (materials cannot be worth more than the good), so "
        "at least one is wrong, and the RVC, the de minimis tolerance and the Art. 2.6 value "
        "content all rest on them; 'determine' refuses such a declaration as bad input."
    ),
)


@check(BOM_VALUE_EXCEEDS_FOB)
def value_exceeds_fob(review: Review) -> Iterator[Raw]:
    """The materials counted in the value content (Art. 3.5; transport packing left out, Art.
    3.8(1)), converted at the declared rates, are worth more than the good: the engine refuses
    the declaration (``MaterialsExceedFob``), so there is no verdict."""
    exceeded = review.exceeds_fob
    if exceeded is None:
        return
    counted = [
        path for path, m in review.materials() if m.role in RVC_ROLES and m.value is not None
    ]
    yield Raw(
        "BOM_VALUE_EXCEEDS_FOB",
        params={
            "total": exceeded.total.quantize(Decimal("0.01")),
            "fob": exceeded.fob,
            "currency": exceeded.currency,
        },
        fields=("fob_value.amount", *(f"{path}.value" for path in counted)),
        data={
            "materials_total": exceeded.total,
            "fob": exceeded.fob,
            "currency": exceeded.currency,
        },
    )


BOM_CURRENCY_WITHOUT_RATE = spec(
    "BOM_CURRENCY_WITHOUT_RATE",
    "bom",
    REJECT,
    "Art. 3.5(2)",
    "every value in another currency than the FOB value has a declared exchange rate",
    "{field} is in {currency}, but no {currency}→{fob_currency} exchange rate is declared.",
    "Add the rate to fx_rates ({{from, to, rate, date, source}}), as published for the "
    "date of exportation.",
    why=(
        "A value that cannot be converted to the FOB currency leaves every value-based test "
        "undecidable (Art. 3.5(2)): the engine cannot run at all."
    ),
)


@check(BOM_CURRENCY_WITHOUT_RATE)
def currency_without_rate(review: Review) -> Iterator[Raw]:
    target = review.declaration.fob_value.currency
    for path, currency in review.missing_rates:
        yield Raw(
            "BOM_CURRENCY_WITHOUT_RATE",
            params={"field": path, "currency": currency, "fob_currency": target},
            fields=(f"{path}.currency", "fx_rates"),
            data={"currency": currency, "fob_currency": target},
        )


FX_RATE_STALE = spec(
    "FX_RATE_STALE",
    "bom",
    WARN,
    "Art. 3.5(2); Customs Valuation Agreement, Art. 9",
    "the exchange rates used are dated close to the declaration date",
    "The {pair} rate is dated {rate_date}, {days} days from the declaration date {date}.",
    "Use the rate in effect at the time of exportation (e.g. the customs monthly rate) and "
    "record its date and source.",
    why=(
        "An old rate is still a declared rate; customs convert at the rate in effect at "
        "exportation and the RVC margin findings show whether the difference matters."
    ),
)


@check(FX_RATE_STALE)
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


FX_RATE_CONFLICT = spec(
    "FX_RATE_CONFLICT",
    "bom",
    WARN,
    "Art. 3.5(2)",
    "one currency pair has one rate",
    "fx_rates declares different {pair} rates: {rates}; the first one is used.",
    "Keep one rate per currency pair.",
    why=(
        "The engine uses the first rate; two rates for one pair are ambiguous, not "
        "necessarily wrong for the verdict."
    ),
)


@check(FX_RATE_CONFLICT)
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
