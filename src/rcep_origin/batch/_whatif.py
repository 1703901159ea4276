"""What if: the same declaration with some facts changed, re-determined by the same engine, and
what changed in the verdict: the outcome and criterion, the regional value content and its
margin (Art. 3.5), the value of non-originating materials, and the RCEP country of origin
(Art. 2.6).

A change is ``PATH=VALUE``: ``materials[INS-03].origin_party=TH`` (a material by its id, or by
its position ``materials[2]``), ``materials[INS-03].value.amount=110``, ``fob_value.amount=1200``,
``materials[INS-03].landed_cost={"acquired": "imported", "price": {...}}`` (a JSON value),
``materials[INS-03].originating=null`` (null removes the field), ``materials[+]={...}`` (a new
line). The changed document is validated like any declaration: a change that makes it invalid is
bad input naming the field, never a silent guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rcep_origin.declaration import Declaration, parse_json, validate_declaration
from rcep_origin.errors import InputError
from rcep_origin.origin import Determination, determine, has_subassemblies
from rcep_origin.rules import RuleSet
from rcep_origin.trace import round2

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]]+\])*)")
_SELECTOR = re.compile(r"\[([^\]]+)\]")
REMOVE = object()  # the value "null": remove the field


@dataclass(frozen=True, slots=True)
class Assignment:
    """One ``PATH=VALUE`` change."""

    text: str  # as written
    path: tuple[str | tuple[str], ...]  # field names; a selector is a 1-tuple ("INS-03",)
    value: Any  # REMOVE for null

    def __str__(self) -> str:
        return self.text


def parse_assignment(text: str) -> Assignment:
    """Read ``PATH=VALUE``; raises ``InputError`` saying what is wrong with it."""
    path_text, equals, value_text = text.partition("=")
    if not equals or not path_text.strip():
        raise InputError(
            f"--set {text!r}: write PATH=VALUE, e.g. materials[INS-03].origin_party=TH"
        )
    path: list[str | tuple[str]] = []
    for part in path_text.strip().split("."):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise InputError(f"--set {text!r}: {part!r} is not a field name with [selectors]")
        path.append(match.group(1))
        path.extend((selector,) for selector in _SELECTOR.findall(match.group(2)))
    return Assignment(text, tuple(path), _value(value_text.strip(), text))


def _value(text: str, assignment: str) -> Any:
    if text in ("null", "~"):
        return REMOVE
    if text in ("true", "false"):
        return text == "true"
    if text.startswith(("{", "[")):
        try:
            return parse_json(text)  # the input policy: exact decimals, no repeated keys
        except InputError as exc:
            raise InputError(f"--set {assignment!r}: {exc.message}") from None
    return text  # the model reads amounts, dates and codes from text


def apply_assignments(document: dict[str, Any], changes: Sequence[Assignment]) -> dict[str, Any]:
    """Apply the changes to a declaration document (a copy is changed and returned)."""
    import copy

    changed = copy.deepcopy(document)
    for change in changes:
        _apply(changed, change)
    return changed


def _apply(document: dict[str, Any], change: Assignment) -> None:
    node: Any = document
    path = change.path
    for position, step in enumerate(path):
        last = position == len(path) - 1
        if isinstance(step, tuple):
            if not isinstance(node, list):
                raise InputError(f"--set {change.text!r}: [{step[0]}] selects in a list only")
            if step[0] == "+":
                if not last:
                    raise InputError(f"--set {change.text!r}: [+] adds a whole element")
                node.append(change.value)
                return
            index = _select(node, step[0], change)
            if last:
                if change.value is REMOVE:
                    del node[index]
                else:
                    node[index] = change.value
                return
            node = node[index]
            continue
        if not isinstance(node, dict):
            raise InputError(f"--set {change.text!r}: {step!r} is not a field of an object")
        if last:
            if change.value is REMOVE:
                node.pop(step, None)
            else:
                node[step] = change.value
            return
        following = path[position + 1]
        if step not in node or node[step] is None:
            node[step] = [] if isinstance(following, tuple) else {}
        node = node[step]


def _select(items: list[Any], selector: str, change: Assignment) -> int:
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("id") == selector:
            return index
    if selector.isdigit() and int(selector) < len(items):
        return int(selector)
    raise InputError(f"--set {change.text!r}: no element {selector!r} (by id or position)")


@dataclass(frozen=True)
class Figures:
    """What a what-if compares, read from a determination's facts."""

    outcome: str
    criterion: str | None
    rvc_percent: Decimal | None
    threshold: Decimal | None
    margin: Decimal | None
    vnm: Decimal | None
    landed: Decimal | None  # landed cost of the lines given by landed cost
    counted: Decimal | None  # the value Art. 3.5(3) counts for them
    currency: str | None
    country: str | None
    summary: str

    @classmethod
    def of(cls, result: Determination) -> Figures:
        terms = result.facts.rvc_terms
        term = terms[0] if terms else None
        figure = result.rvc
        landed = result.facts.landed_costs
        return cls(
            outcome=result.outcome.value,
            criterion="+".join([result.criterion, *result.flags]) if result.criterion else None,
            rvc_percent=None if figure is None else round2(figure.percent),
            threshold=None if figure is None else figure.threshold,
            margin=None if figure is None else round2(figure.percent - figure.threshold),
            vnm=None if term is None or term.vnm is None else round2(term.vnm),
            landed=round2(sum((v.landed for v in landed), Decimal(0))) if landed else None,
            counted=round2(sum((v.prescribed for v in landed), Decimal(0))) if landed else None,
            currency=None if term is None else term.currency,
            country=result.rcep_country_of_origin,
            summary=result.summary,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            name: (str(value) if isinstance(value, Decimal) else value)
            for name, value in self.__dict__.items()
        }


@dataclass(frozen=True)
class WhatIf:
    """A declaration before and after the changes, and both determinations."""

    changes: tuple[Assignment, ...]
    before: Determination
    after: Determination
    declaration: Declaration  # as changed

    @property
    def figures(self) -> tuple[Figures, Figures]:
        return Figures.of(self.before), Figures.of(self.after)

    @property
    def kind(self) -> str:
        """kept, lost, gained or same (the outcome did not move between those)."""
        before, after = self.before.originating, self.after.originating
        if before is True and after is True:
            return "kept"
        if before is True:
            return "lost"
        if after is True:
            return "gained"
        return "same"

    def differences(self) -> list[tuple[str, Any, Any]]:
        """(what, before, after) for every compared figure, in the report's order."""
        before, after = self.figures
        return [
            ("whatif.verdict", before.outcome, after.outcome),
            ("whatif.criterion", before.criterion, after.criterion),
            ("whatif.rvc", before.rvc_percent, after.rvc_percent),
            ("whatif.margin", before.margin, after.margin),
            ("whatif.vnm", before.vnm, after.vnm),
            ("whatif.landed", before.landed, after.landed),
            ("whatif.country", before.country, after.country),
        ]

    def to_dict(self) -> dict[str, Any]:
        before, after = self.figures
        return {
            "changes": [str(change) for change in self.changes],
            "kind": self.kind,
            "before": before.to_dict(),
            "after": after.to_dict(),
            "changed": [what.split(".")[1] for what, b, a in self.differences() if b != a],
            "after_verdict": self.after.to_dict(),
        }


Resolver = Callable[[Declaration], Declaration]


def whatif(
    declaration: Declaration,
    changes: Sequence[str | Assignment],
    *,
    ruleset: RuleSet,
    resolve: Resolver | None = None,
) -> WhatIf:
    """Determine the declaration as it is and with ``changes``; ``resolve`` determines the
    sub-assemblies a changed line may name (``resolve_subassemblies`` with its source)."""
    assignments = tuple(
        change if isinstance(change, Assignment) else parse_assignment(change) for change in changes
    )
    before = determine(declaration, ruleset=ruleset)
    document = declaration.model_dump(mode="json", by_alias=True, exclude_none=True)
    changed = validate_declaration(apply_assignments(document, assignments))
    if resolve is not None and has_subassemblies(changed):
        changed = resolve(changed)
    after = determine(changed, ruleset=ruleset)
    return WhatIf(assignments, before, after, changed)
