"""Every value of a declaration expressed in the currency of its FOB value.

Conversions use only the rates the declaration carries (``fx_rates``) and are recorded, so the
trace shows the rate, its date and its source. Everything downstream works on plain ``Decimal``
amounts in one currency.

A declaration whose materials are together worth more than its FOB value is refused as bad input
(``MaterialsExceedFob``, naming ``fob_value.amount``; ``determine`` exits 3): materials cannot be
worth more than the good made from them (Art. 3.5 measures value content against the FOB value,
Art. 3.1), so one of the values is wrong (often a price per batch instead of per unit), and every
value-based step, the RVC (Art. 3.5), the de minimis tolerance (Art. 3.7) and the exporting
Party's value content (Art. 2.6(3)), would rest on it. The materials counted are those the RVC
counts (``VALUE_CONTENT_ROLES``; transport packing is not taken into account, Art. 3.8(1)).
Chosen over a verdict of "value content cannot be computed" because a good qualifying by a change
of classification would then still be declared originating on values that contradict each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from rcep_origin.declaration import Declaration, Material, MoneyValue, Role
from rcep_origin.errors import InputError
from rcep_origin.hs import HsCode
from rcep_origin.money import Conversion, FxTable
from rcep_origin.origin.landed_cost import LandedValue, landed_value

# The roles whose value counts in the value content (Art. 3.5): components, retail packaging
# (Art. 3.8(3)), accessories (Art. 3.9(2)) and indirect materials (Art. 3.10); not packing for
# transport (Art. 3.8(1)).
VALUE_CONTENT_ROLES = (Role.COMPONENT, Role.RETAIL_PACKAGING, Role.ACCESSORY, Role.INDIRECT)


class MaterialsExceedFob(InputError):
    """The materials counted in the value content are together worth more than the FOB value
    (in the FOB currency, at the declared rates)."""

    def __init__(self, total: Decimal, fob: Decimal, currency: str) -> None:
        self.total = total
        self.fob = fob
        self.currency = currency
        super().__init__(
            f"the materials are together worth {total.quantize(Decimal('0.01'))} {currency}, "
            f"more than the FOB value of {fob} {currency}: a material's value (per unit, "
            "not per batch?) or the FOB value is wrong, and the value content (Art. 3.5), de "
            "minimis (Art. 3.7) and Art. 2.6 would rest on it",
            path="fob_value.amount",
        )


class ValuedMaterial(NamedTuple):
    """A material with its value in the FOB currency and its treatment settled once:
    Art. 3.10, indirect materials are originating wherever produced; Art. 3.5(4), a material
    of undetermined origin (``originating`` null) is non-originating.

    Immutable, and a named tuple rather than a frozen dataclass: a determination makes one per
    BOM line, and a tuple is built in a quarter of the time (issue 15)."""

    index: int  # type: ignore[assignment]  # materials[index] (shadows tuple.index)
    material: Material
    code: HsCode | None
    value: Decimal | None  # in the FOB currency; None when not declared
    id: str
    role: Role
    originating: bool
    undetermined: bool
    origin_party: str | None

    @property
    def path(self) -> str:
        return f"materials[{self.index}]"

    @classmethod
    def of(cls, index: int, material: Material, value: Decimal | None) -> ValuedMaterial:
        role = material.role
        declared = material.originating
        indirect = role is Role.INDIRECT
        return tuple.__new__(  # the named tuple's own __new__, without its Python frame
            cls,
            (
                index,
                material,
                material.code,
                value,
                material.id,
                role,
                indirect or declared is True,
                not indirect and declared is None,
                material.origin_party,
            ),
        )


@dataclass(frozen=True, slots=True)
class ValuedDeclaration:
    declaration: Declaration
    currency: str
    fob: Decimal
    materials: tuple[ValuedMaterial, ...]
    costs: dict[str, Decimal | None]  # build-up cost elements; None when not declared
    conversions: tuple[tuple[str, Conversion], ...]  # (path, conversion) for those converted
    landed: tuple[LandedValue, ...] = ()  # materials valued from their landed cost (Art. 3.5(3))

    def materials_with(self, *roles: Role) -> list[ValuedMaterial]:
        return [m for m in self.materials if m.role in roles]


COST_ELEMENTS = ("direct_labour", "direct_overhead", "profit", "other")


def value_declaration(declaration: Declaration) -> ValuedDeclaration:
    """Every value in the FOB currency. Raises ``CurrencyError`` for a value with no declared
    rate and ``MaterialsExceedFob`` when the materials are worth more than the good."""
    fx = FxTable([rate.rate_record() for rate in declaration.fx_rates])
    currency = declaration.fob_value.currency
    conversions: list[tuple[str, Conversion]] = []

    def convert(value: MoneyValue | None, path: str) -> Decimal | None:
        if value is None:
            return None
        if value.currency == currency:
            return value.amount
        conversion = fx.convert(value.money(), currency, path=path)
        if conversion.rate is not None:
            conversions.append((path, conversion))
        return conversion.converted.amount

    landed: list[LandedValue] = []

    def value_of(index: int, material: Material) -> Decimal | None:
        if material.landed_cost is None:
            value = material.value
            if value is None or value.currency == currency:  # most lines: nothing to convert
                return None if value is None else value.amount
            return convert(value, f"materials[{index}].value")
        found = landed_value(index, material.id, material.landed_cost, convert)
        landed.append(found)
        return found.prescribed

    materials = tuple(
        ValuedMaterial.of(index, material, value_of(index, material))
        for index, material in enumerate(declaration.materials)
    )
    costs: dict[str, Decimal | None] = {}
    for name in COST_ELEMENTS:
        value = None if declaration.costs is None else getattr(declaration.costs, name)
        costs[name] = convert(value, f"costs.{name}")
    total = sum(
        (m.value for m in materials if m.role in VALUE_CONTENT_ROLES and m.value is not None),
        Decimal(0),
    )
    # A zero FOB value is another defect, which the RVC names ("an FOB value above zero").
    if declaration.fob_value.amount > 0 and total > declaration.fob_value.amount:
        raise MaterialsExceedFob(total, declaration.fob_value.amount, currency)
    return ValuedDeclaration(
        declaration=declaration,
        currency=currency,
        fob=declaration.fob_value.amount,
        materials=materials,
        costs=costs,
        conversions=tuple(conversions),
        landed=tuple(landed),
    )
