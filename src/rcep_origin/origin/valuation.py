"""Every value of a declaration expressed in the currency of its FOB value.

Conversions use only the rates the declaration carries (``fx_rates``) and are recorded, so the
trace shows the rate, its date and its source. Everything downstream works on plain ``Decimal``
amounts in one currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rcep_origin.declaration import Declaration, Material, MoneyValue, Role
from rcep_origin.hs import HsCode
from rcep_origin.money import Conversion, FxTable


@dataclass(frozen=True, slots=True)
class ValuedMaterial:
    """A material with its value in the FOB currency and its treatment settled once:
    Art. 3.10, indirect materials are originating wherever produced; Art. 3.5(4), a material
    of undetermined origin (``originating`` null) is non-originating."""

    index: int
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
        indirect = material.role is Role.INDIRECT
        return cls(
            index=index,
            material=material,
            code=material.code,
            value=value,
            id=material.id,
            role=material.role,
            originating=indirect or material.originating is True,
            undetermined=not indirect and material.originating is None,
            origin_party=material.origin_party,
        )


@dataclass(frozen=True, slots=True)
class ValuedDeclaration:
    declaration: Declaration
    currency: str
    fob: Decimal
    materials: tuple[ValuedMaterial, ...]
    costs: dict[str, Decimal | None]  # build-up cost elements; None when not declared
    conversions: tuple[tuple[str, Conversion], ...]  # (path, conversion) for those converted

    def materials_with(self, *roles: Role) -> list[ValuedMaterial]:
        return [m for m in self.materials if m.role in roles]


COST_ELEMENTS = ("direct_labour", "direct_overhead", "profit", "other")


def value_declaration(declaration: Declaration) -> ValuedDeclaration:
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

    materials = tuple(
        ValuedMaterial.of(index, material, convert(material.value, f"materials[{index}].value"))
        for index, material in enumerate(declaration.materials)
    )
    costs: dict[str, Decimal | None] = {}
    for name in COST_ELEMENTS:
        value = None if declaration.costs is None else getattr(declaration.costs, name)
        costs[name] = convert(value, f"costs.{name}")
    return ValuedDeclaration(
        declaration=declaration,
        currency=currency,
        fob=declaration.fob_value.amount,
        materials=materials,
        costs=costs,
        conversions=tuple(conversions),
    )
