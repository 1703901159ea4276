"""Art. 3.15 Direct Consignment: an originating good keeps its status if transported directly,
or through intermediate Parties or non-Parties with no operations beyond logistics (unloading,
reloading, storing, preserving) and under customs control there."""

from __future__ import annotations

from dataclasses import dataclass

from rcep_origin.origin.valuation import ValuedDeclaration
from rcep_origin.trace import Check, Missing, Result

ARTICLE = "Art. 3.15"
LOGISTICS = {"unloading", "reloading", "storage", "preservation"}


@dataclass(frozen=True, slots=True)
class TransitStop:
    """One country of transit, as Art. 3.15(1)(b) reads it."""

    index: int  # consignment.transit[index]
    party: str
    operations_beyond_logistics: tuple[str, ...]  # (b)(i): beyond unloading, reloading, ...
    under_customs_control: bool | None  # (b)(ii); None: not declared

    @property
    def failures(self) -> tuple[str, ...]:
        found = []
        if self.operations_beyond_logistics:
            found.append(
                f"operations in {self.party} beyond logistics "
                f"({', '.join(self.operations_beyond_logistics)})"
            )
        if self.under_customs_control is False:
            found.append(f"not under customs control in {self.party}")
        return tuple(found)


@dataclass(frozen=True, slots=True)
class DirectConsignment:
    """Art. 3.15: whether the good was transported directly, or through transit countries with
    logistics operations only and under customs control (``met``; None when customs control
    during transit is not declared)."""

    exporting_party: str
    importing_party: str
    transit: tuple[TransitStop, ...]

    @property
    def met(self) -> bool | None:
        if any(stop.failures for stop in self.transit):
            return False
        if any(stop.under_customs_control is None for stop in self.transit):
            return None
        return True

    @property
    def article(self) -> str:
        if not self.transit:
            return f"{ARTICLE}(1)(a)"
        return f"{ARTICLE}(1)(b)" if self.met is not None else f"{ARTICLE}(1)(b)(ii)"

    @property
    def missing(self) -> tuple[Missing, ...]:
        if self.met is False:
            return ()
        return tuple(
            Missing(
                f"consignment.transit[{stop.index}].under_customs_control",
                f"whether the good stayed under customs control in {stop.party}",
            )
            for stop in self.transit
            if stop.under_customs_control is None
        )

    def check(self) -> Check:
        if not self.transit:
            return Check(
                "direct_consignment",
                self.article,
                Result.PASS,
                f"transported directly from {self.exporting_party} to "
                f"{self.importing_party} (no transit declared)",
            )
        parties = [stop.party for stop in self.transit]
        inputs = {"transit": parties}
        met = self.met
        if met is False:
            summary = "; ".join(f for stop in self.transit for f in stop.failures)
        elif met is None:
            summary = "customs control during transit is not declared"
        else:
            summary = (
                f"transit through {', '.join(parties)} with logistics operations only, "
                "under customs control"
            )
        return Check("direct_consignment", self.article, Result.of(met), summary, inputs)


def direct_consignment(good: ValuedDeclaration) -> DirectConsignment:
    declaration = good.declaration
    transit = declaration.consignment.transit if declaration.consignment else []
    return DirectConsignment(
        exporting_party=declaration.exporting_party,
        importing_party=declaration.importing_party,
        transit=tuple(
            TransitStop(
                index=index,
                party=stop.party,
                operations_beyond_logistics=tuple(
                    op for op in stop.operations if op not in LOGISTICS
                ),
                under_customs_control=stop.under_customs_control,
            )
            for index, stop in enumerate(transit)
        ),
    )
