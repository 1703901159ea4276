"""Art. 3.5(3): the value of a material given by its landed cost.

    Art. 3.5(3) The value of non-originating materials shall be:
        (a) for imported materials, the CIF value of the materials at the time of importation;
        (b) for materials obtained within a Party, the earliest ascertainable price paid or
            payable.
    Art. 3.1(b) CIF value means the value of the imported good, inclusive of the cost of
        insurance and freight up to the port or place of entry into the country of importation.
    Art. 3.5(5) The following expenses may be deducted from the value of non-originating
        materials: (a) the costs of freight, insurance, packing and other transport-related
        costs incurred in transporting the goods to the producer; (b) duties, taxes and customs
        brokerage fees, other than duties that are waived, refunded or otherwise recovered.

(RCEP Agreement, English text, pages 29 and 34.) What a producer pays for a material, its landed
cost, is more than that value: duties are paid after importation and never part of a CIF value,
and freight and insurance count only up to the place of entry for an imported material and not
at all for one bought within the Party. So the value content takes the prescribed value and the
explanation shows both (``LandedValue``).

The Article speaks of non-originating materials; the same value is used for an originating
material in the build-up formula (Art. 3.5(2): values per the Customs Valuation Agreement,
mutatis mutandis), and the explanation says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from rcep_origin.declaration import LANDED_COST_COMPONENTS, LandedCost, MoneyValue
from rcep_origin.trace import Check, Result, round2

# Per way of acquisition: the components in the prescribed value, and the article.
PRESCRIBED = {
    "imported": (("price", "freight", "insurance"), "Art. 3.5(3)(a); Art. 3.1(b)"),
    "domestic": (("price",), "Art. 3.5(3)(b)"),
}
ARTICLE = "Art. 3.5(3)"

Convert = Callable[[MoneyValue | None, str], Decimal | None]


@dataclass(frozen=True, slots=True)
class LandedValue:
    """One material's landed cost and the value Art. 3.5(3) prescribes, both in the FOB
    currency (each component converted at the declaration's rates)."""

    index: int  # materials[index]
    material: str  # its id
    acquired: str  # "imported" or "domestic"
    components: tuple[tuple[str, Decimal], ...]  # (name, amount), in the FOB currency
    landed: Decimal  # everything the producer pays: price, freight, insurance, duties
    prescribed: Decimal  # the value the value content takes
    counted: tuple[str, ...]  # the components in ``prescribed``
    article: str

    @property
    def path(self) -> str:
        return f"materials[{self.index}].landed_cost"

    @property
    def excluded(self) -> Decimal:
        return self.landed - self.prescribed

    def to_dict(self) -> dict[str, object]:
        return {
            "material": self.material,
            "acquired": self.acquired,
            "landed": str(self.landed),
            "prescribed": str(self.prescribed),
            "counted": list(self.counted),
            "article": self.article,
        }


def landed_value(index: int, material_id: str, cost: LandedCost, convert: Convert) -> LandedValue:
    """The prescribed value of one material. ``convert`` turns a declared amount into the FOB
    currency (and records the conversion), raising ``CurrencyError`` without a rate."""
    counted, article = PRESCRIBED[cost.acquired]
    components: list[tuple[str, Decimal]] = []
    for name in LANDED_COST_COMPONENTS:
        amount = convert(getattr(cost, name), f"materials[{index}].landed_cost.{name}")
        if amount is not None:
            components.append((name, amount))
    landed = sum((amount for _, amount in components), Decimal(0))
    prescribed = sum((amount for name, amount in components if name in counted), Decimal(0))
    return LandedValue(
        index=index,
        material=material_id,
        acquired=cost.acquired,
        components=tuple(components),
        landed=landed,
        prescribed=prescribed,
        counted=tuple(name for name, _ in components if name in counted),
        article=article,
    )


def landed_cost_check(values: tuple[LandedValue, ...], currency: str) -> Check:
    """The trace entry: each landed cost beside the value the value content takes."""
    landed = sum((v.landed for v in values), Decimal(0))
    prescribed = sum((v.prescribed for v in values), Decimal(0))
    imported = sum(1 for v in values if v.acquired == "imported")
    return Check(
        "landed_cost",
        ARTICLE,
        Result.INFO,
        f"{len(values)} material value(s) from landed costs: landed {round2(landed)} {currency}, "
        f"of which {round2(prescribed)} {currency} counts ({imported} imported, at their CIF "
        "value: the price with insurance and freight up to the place of entry, Art. 3.5(3)(a) "
        f"and Art. 3.1(b); {len(values) - imported} obtained within the Party, at the price "
        "paid or payable, Art. 3.5(3)(b)); duties are not part of a CIF value, nor is a local "
        "purchase's transport to the producer (Art. 3.5(5)); originating materials are valued "
        "the same way (Art. 3.5(2))",
        {
            "currency": currency,
            "landed": landed,
            "prescribed": prescribed,
            "materials": {f"materials[{v.index}]": v.to_dict() for v in values},
        },
    )
