"""Advice: the smallest sourcing changes that make a non-originating good originate, ranked by
what they add to the cost of the good.

The changes come from the user and the bill of materials, never from thin air:

* alternative quotes the user gives (``quotes.yaml``): this material from that supplier, of that
  origin, at that price or landed cost;
* supplier declarations to obtain: a material of undetermined origin bought from a supplier in
  an RCEP Party (Art. 3.5(4) treats it as non-originating until its origin is known).

How: each change is first determined on its own; the engine's typed facts give, for each
alternative of the Annex 3A rule, how far each of its terms is from being met (the
non-originating value above the de minimis tolerance for a change of classification, Art. 3.7;
the non-originating value above what the threshold allows for an RVC, Art. 3.5). Sets of changes
are then visited cheapest first, and a set whose changes together close every gap of one
alternative is determined by the engine: only a set the engine finds originating is offered, so
no option relies on a change the rule does not accept. An option is minimal: without any one of
its changes the good does not originate. The gaps only guide the search; the verdict is always
the engine's.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rcep_origin.declaration import (
    Declaration,
    LandedCost,
    MoneyValue,
    parse_json,
    validate_declaration,
)
from rcep_origin.errors import InputError
from rcep_origin.origin import (
    CtcOutcome,
    Determination,
    Outcome,
    RvcCalculation,
    determine,
    value_declaration,
)
from rcep_origin.parties import is_party
from rcep_origin.rules import RuleSet

MAX_CHANGES = 4  # changes in one option, by default
OPTIONS = 5  # options offered, by default
_VISITS = 200_000  # sets of changes visited in the search
_CHECKS = 150  # sets determined by the engine


class Quote(BaseModel):
    """An alternative source for one material line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    material: str = Field(min_length=1, description="the id of the material line")
    supplier: str = Field(min_length=1, max_length=500)
    origin_party: str = Field(pattern=r"^[A-Z]{2}$")
    originating: bool | None = Field(
        default=None, description="originating under RCEP (backed by the supplier's declaration)"
    )
    value: MoneyValue | None = None
    landed_cost: LandedCost | None = None
    hs_code: str | None = None
    reference: str = Field(default="", max_length=200, description="the quote's number")


class _QuoteFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quotes: list[Quote] = Field(default_factory=list)
    supplier_declaration_cost: MoneyValue | None = Field(
        default=None, description="what obtaining one supplier's declaration costs (default 0)"
    )


@dataclass(frozen=True)
class QuoteBook:
    quotes: tuple[Quote, ...] = ()
    declaration_cost: MoneyValue | None = None


def load_quotes(path: Path | None) -> QuoteBook:
    """Read a quotes file (YAML or JSON); an error names the quote and field."""
    if path is None:
        return QuoteBook()
    try:
        raw = path.read_bytes()
        data = parse_json(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"quotes file {path}: {exc}") from None
    try:
        parsed = _QuoteFile.model_validate(data or {})
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"])
        raise InputError(f"quotes file {path}: {error['msg']}", path=where) from None
    for index, quote in enumerate(parsed.quotes):
        if (quote.value is None) == (quote.landed_cost is None):
            raise InputError(
                f"quotes file {path}: give the quote a value or a landed_cost (one of them)",
                path=f"quotes.{index}",
            )
        if quote.originating and not is_party(quote.origin_party):
            raise InputError(
                f"quotes file {path}: {quote.origin_party} is not an RCEP Party, so the material "
                "cannot be originating",
                path=f"quotes.{index}.originating",
            )
    return QuoteBook(tuple(parsed.quotes), parsed.supplier_declaration_cost)


@dataclass(frozen=True)
class Change:
    """One change to one material line."""

    kind: Literal["quote", "supplier_declaration"]
    material: str  # the line's id
    index: int  # materials[index]
    supplier: str
    party: str
    originating: bool | None  # after the change
    added_cost: Decimal  # in the FOB currency: the landed cost after minus before
    value_before: Decimal | None  # landed cost (or value) before, FOB currency
    value_after: Decimal | None
    line: dict[str, Any] = field(repr=False, compare=False)  # the line as changed
    quote: Quote | None = None


@dataclass(frozen=True)
class Option:
    changes: tuple[Change, ...]
    added_cost: Decimal
    result: Determination


@dataclass(frozen=True)
class Advice:
    status: Literal["originating", "options", "none", "cannot"]
    before: Determination
    options: tuple[Option, ...]
    currency: str
    reason: str = ""  # why nothing can be advised (status "cannot")
    candidates: int = 0  # single changes considered
    checked: int = 0  # determinations run
    max_changes: int = MAX_CHANGES

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "currency": self.currency,
            "before": {"outcome": self.before.outcome.value, "summary": self.before.summary},
            "candidates": self.candidates,
            "checked": self.checked,
            "options": [
                {
                    "added_cost": str(option.added_cost),
                    "outcome": option.result.outcome.value,
                    "criterion": option.result.criterion,
                    "flags": list(option.result.flags),
                    "rvc_percent": None
                    if option.result.rvc is None
                    else str(option.result.rvc.to_dict()["percent"]),
                    "rcep_country_of_origin": option.result.rcep_country_of_origin,
                    "summary": option.result.summary,
                    "inputs_sha256": option.result.inputs_sha256,
                    "changes": [
                        {
                            "kind": change.kind,
                            "material": change.material,
                            "supplier": change.supplier,
                            "origin_party": change.party,
                            "originating": change.originating,
                            "added_cost": str(change.added_cost),
                            "reference": "" if change.quote is None else change.quote.reference,
                        }
                        for change in option.changes
                    ],
                }
                for option in self.options
            ],
        }


Resolver = Callable[[Declaration], Declaration]


def advise(
    declaration: Declaration,
    quotes: QuoteBook | Sequence[Quote] = (),
    *,
    ruleset: RuleSet,
    max_changes: int = MAX_CHANGES,
    options: int = OPTIONS,
) -> Advice:
    """The cheapest minimal sets of changes that make the good originate (see the module)."""
    book = quotes if isinstance(quotes, QuoteBook) else QuoteBook(tuple(quotes))
    search = _Search(declaration, book, ruleset, max_changes)
    before = search.base
    currency = declaration.fob_value.currency
    if before.outcome is Outcome.ORIGINATING:
        return Advice("originating", before, (), currency)
    why = _not_fixable(before)
    if why:
        return Advice("cannot", before, (), currency, reason=why)
    found = search.run(options)
    return Advice(
        "options" if found else "none",
        before,
        tuple(found),
        currency,
        candidates=len(search.candidates),
        checked=search.checked,
        max_changes=max_changes,
    )


def _not_fixable(result: Determination) -> str:
    """Why no change of source can make the good originate, or "" when one might."""
    facts = result.facts
    if result.outcome is Outcome.UNDECIDABLE:
        return f"the verdict is undecidable; the missing facts come first: {result.summary}"
    if any(fact.in_force is False for fact in facts.in_force):
        return "the Agreement is not in force for a Party on the date (Art. 20.7)"
    if facts.consignment.met is False:
        return "the good is not directly consigned (Art. 3.15)"
    if facts.minimal_operations is not None and facts.minimal_operations.met is False:
        return "only minimal operations take place in the exporting Party (Art. 3.6)"
    if facts.rule is None:
        return result.summary
    return ""


# --- the search ---------------------------------------------------------------------------------

Deficits = tuple[tuple[Decimal | None, ...], ...]  # per alternative, per term; None: not fixable
Moves = tuple[tuple[Decimal | None, ...] | None, ...]  # per alternative: how each gap moves


class _Search:
    def __init__(
        self, declaration: Declaration, book: QuoteBook, ruleset: RuleSet, max_changes: int
    ) -> None:
        self.declaration = declaration
        self.ruleset = ruleset
        self.max_changes = max_changes
        self.document = declaration.model_dump(mode="json", by_alias=True, exclude_none=True)
        self.checked = 0
        self.base = self._determine(declaration)
        self.percent, _ = ruleset.parameter("de_minimis_value_percent", declaration.date)
        self.book = book
        self.candidates: list[tuple[Change, Moves]] = []
        self.base_deficits: Deficits = ()

    def _determine(self, declaration: Declaration) -> Determination:
        self.checked += 1
        return determine(declaration, ruleset=self.ruleset)

    def _changed(self, lines: dict[int, dict[str, Any]]) -> Declaration:
        document = dict(self.document)
        materials = list(document["materials"])
        for index, line in lines.items():
            materials[index] = line
        document["materials"] = materials
        return validate_declaration(document)

    # -- the gap of each term, from the engine's facts -------------------------------------------

    def deficits(self, declaration: Declaration, result: Determination) -> Deficits:
        rule = result.facts.rule
        if rule is None:
            return ()
        values = {m.id: m.value for m in value_declaration(declaration).materials}
        limit = declaration.fob_value.amount * self.percent / 100
        return tuple(
            tuple(self._deficit(term, values, limit) for term in alternative.terms)
            for alternative in rule.alternatives
        )

    @staticmethod
    def _deficit(term: Any, values: dict[str, Decimal | None], limit: Decimal) -> Decimal | None:
        if isinstance(term, CtcOutcome):
            # Art. 3.7(1)(a): the materials that do not make the change, against the tolerance.
            failing = Decimal(0)
            for material in term.materials:
                if material.makes_change is True:
                    continue
                value = values.get(material.material)
                if material.makes_change is None or value is None:
                    return None  # a code or value is missing: no price changes that
                failing += value
            return failing - limit
        if isinstance(term, RvcCalculation):
            if term.figure is None:
                return None
            if term.method == "build_down":
                return (term.vnm or Decimal(0)) - term.max_vnm  # Art. 3.5(1)(a)
            return term.min_numerator - term.figure.numerator  # Art. 3.5(1)(b)
        return Decimal(0) if term.met else None  # WO, CR: not a matter of sourcing

    # -- the single changes ------------------------------------------------------------------------

    def collect(self) -> None:
        base_valued = value_declaration(self.declaration)
        ids = {m.id: i for i, m in enumerate(self.declaration.materials)}
        base_deficits = self.deficits(self.declaration, self.base)
        self.base_deficits = base_deficits
        changes: list[Change] = []
        for number, quote in enumerate(self.book.quotes):
            index = ids.get(quote.material)
            if index is None:
                raise InputError(
                    f"quote {number + 1} names material {quote.material!r}, which the bill of "
                    "materials does not list",
                    path=f"quotes.{number}.material",
                )
            changes.append(self._quote(index, quote))
        declaration_cost = self.book.declaration_cost
        for index, material in enumerate(self.declaration.materials):
            if (
                material.originating is None
                and material.subassembly is None
                and material.origin_party is not None
                and is_party(material.origin_party)
            ):
                line = self.document["materials"][index] | {"originating": True}
                changes.append(
                    Change(
                        "supplier_declaration",
                        material.id,
                        index,
                        material.supplier or "the supplier",
                        material.origin_party,
                        True,
                        Decimal(0),
                        None,
                        None,
                        line,
                    )
                )
        for change in changes:
            try:
                declaration = self._changed({change.index: change.line})
                result = self._determine(declaration)
                after = value_declaration(declaration)
            except InputError:
                continue  # e.g. materials then worth more than the good: not a sourcing option
            change = self._costed(change, base_valued, after, declaration_cost)
            deficits = self.deficits(declaration, result)
            if result.outcome is Outcome.ORIGINATING:
                deficits = tuple(tuple(Decimal(-1) for _ in alt) for alt in base_deficits)
            self.candidates.append((change, _difference(deficits, base_deficits)))

    def _quote(self, index: int, quote: Quote) -> Change:
        line = dict(self.document["materials"][index])
        # Bought from this supplier now: its price, origin and evidence replace the line's, and a
        # sub-assembly made in-house becomes a bought part.
        for name in ("value", "landed_cost", "supplier_declaration", "originating", "subassembly"):
            line.pop(name, None)
        line["origin_party"] = quote.origin_party
        line["supplier"] = quote.supplier
        if quote.originating is not None:
            line["originating"] = quote.originating
        if quote.value is not None:
            line["value"] = quote.value.model_dump(mode="json")
        if quote.landed_cost is not None:
            line["landed_cost"] = quote.landed_cost.model_dump(mode="json", exclude_none=True)
        if quote.hs_code is not None:
            line["hs_code"] = quote.hs_code
        return Change(
            "quote",
            quote.material,
            index,
            quote.supplier,
            quote.origin_party,
            quote.originating,
            Decimal(0),
            None,
            None,
            line,
            quote,
        )

    def _costed(
        self, change: Change, before: Any, after: Any, declaration_cost: MoneyValue | None
    ) -> Change:
        old = _paid(before, change.index)
        new = _paid(after, change.index)
        added = Decimal(0) if old is None or new is None else new - old
        if change.kind == "supplier_declaration" and declaration_cost is not None:
            added = _in_fob(before, declaration_cost)
        return Change(
            change.kind,
            change.material,
            change.index,
            change.supplier,
            change.party,
            change.originating,
            added,
            old,
            new,
            change.line,
            change.quote,
        )

    # -- the sets of changes -----------------------------------------------------------------------

    def run(self, wanted: int) -> list[Option]:
        self.collect()
        found: dict[frozenset[int], Option] = {}
        for alternative in range(len(self.base_deficits)):
            if None in self.base_deficits[alternative]:
                continue
            for option in self._alternative(alternative, wanted):
                found.setdefault(frozenset(id(c) for c in option.changes), option)
        ranked = sorted(found.values(), key=lambda o: (o.added_cost, len(o.changes)))
        return ranked[:wanted]

    def _alternative(self, alternative: int, wanted: int) -> list[Option]:
        """Sets of useful changes, cheapest first, whose estimated gaps all close; each is
        determined, and kept when originating and minimal."""
        base = self.base_deficits[alternative]
        useful: list[tuple[Change, tuple[Decimal | None, ...]]] = []
        for change, moves in self.candidates:
            deltas = moves[alternative]
            if deltas is not None and any(
                d is not None and d < 0 and gap is not None and gap > 0
                for d, gap in zip(deltas, base, strict=True)
            ):
                useful.append((change, deltas))
        useful.sort(key=lambda item: (item[0].added_cost, item[0].index))
        if not useful:
            return []
        costs = [change.added_cost for change, _ in useful]
        heap: list[tuple[Decimal, tuple[int, ...]]] = [(costs[0], (0,))]
        options: list[Option] = []
        visits = 0
        while heap and visits < _VISITS and self.checked < _CHECKS and len(options) < wanted:
            cost, chosen = heapq.heappop(heap)
            visits += 1
            last = chosen[-1]
            if last + 1 < len(useful):  # the same set with its last change moved on
                heapq.heappush(
                    heap, (cost - costs[last] + costs[last + 1], (*chosen[:-1], last + 1))
                )
            lines = [useful[i][0].index for i in chosen]
            if len(set(lines)) < len(lines):
                continue  # two changes to one line; so have all its supersets
            if self._closes(base, [useful[i][1] for i in chosen]):
                option = self._verified([useful[i][0] for i in chosen])
                if option is not None:
                    options.append(option)
                    continue  # a superset would not be minimal
            if len(chosen) < self.max_changes and last + 1 < len(useful):
                heapq.heappush(heap, (cost + costs[last + 1], (*chosen, last + 1)))
        return options

    @staticmethod
    def _closes(base: tuple[Decimal | None, ...], deltas: list[tuple[Decimal | None, ...]]) -> bool:
        for position, gap in enumerate(base):
            if gap is None:
                return False
            total = gap
            for delta in deltas:
                step = delta[position]
                if step is None:
                    return False
                total += step
            if total > 0:
                return False
        return True

    def _verified(self, changes: list[Change]) -> Option | None:
        """The option, when the engine finds the changed good originating; made minimal by
        leaving out, one at a time, each change it does not need."""
        result = self._try(changes)
        if result is None or result.outcome is not Outcome.ORIGINATING:
            return None
        reduced = True
        while reduced and len(changes) > 1:
            reduced = False
            for left_out in range(len(changes)):
                fewer = changes[:left_out] + changes[left_out + 1 :]
                smaller = self._try(fewer)
                if smaller is not None and smaller.outcome is Outcome.ORIGINATING:
                    changes, result, reduced = fewer, smaller, True
                    break
        cost = sum((c.added_cost for c in changes), Decimal(0))
        return Option(tuple(sorted(changes, key=lambda c: c.index)), cost, result)

    def _try(self, changes: list[Change]) -> Determination | None:
        try:
            return self._determine(self._changed({c.index: c.line for c in changes}))
        except InputError:
            return None


def _difference(after: Deficits, before: Deficits) -> Moves:
    """Per alternative, how much each term's gap moves with one change (None: unknown)."""
    moved: list[tuple[Decimal | None, ...] | None] = []
    for position, terms in enumerate(before):
        if position >= len(after):
            moved.append(None)
            continue
        moved.append(
            tuple(
                None if a is None or b is None else a - b
                for a, b in zip(after[position], terms, strict=True)
            )
        )
    return tuple(moved)


def _paid(valued: Any, index: int) -> Decimal | None:
    """What the producer pays for a line, in the FOB currency: its landed cost when given
    by components (Art. 3.5(3) counts less of it), else its value."""
    for landed in valued.landed:
        if landed.index == index:
            value: Decimal = landed.landed
            return value
    material: Decimal | None = valued.materials[index].value
    return material


def _in_fob(valued: Any, money: MoneyValue) -> Decimal:
    if money.currency == valued.currency:
        return money.amount
    for path, conversion in valued.conversions:
        del path
        rate = conversion.rate
        if rate is not None and rate.source_currency == money.currency:
            converted: Decimal = money.amount * rate.rate
            return converted
    raise InputError(
        f"supplier_declaration_cost is in {money.currency}; the declaration has no rate to "
        f"{valued.currency}"
    )
