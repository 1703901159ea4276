"""The state one pre-review works on, and how a check is declared.

A check is a function of the ``Review`` that yields ``Raw`` findings: a code, the values for its
message, the fields it looked at and the data it read. The runner localizes them. Checks never
decide origin themselves: what the engine decided is in ``review.determination``, and they read
its verdict and its typed facts (``review.facts``), never its trace: the trace is the engine's
explanation for people, quoted in a finding's ``data.engine`` but never parsed or matched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from rcep_origin.declaration import Declaration, Material, ProductionStep
from rcep_origin.origin import (
    Determination,
    Facts,
    MaterialsExceedFob,
    Outcome,
    ValuedDeclaration,
)
from rcep_origin.prereview._model import Severity
from rcep_origin.prereview._spec import CheckSpec
from rcep_origin.prereview.context import PreReviewContext
from rcep_origin.rules import RuleSet


@dataclass
class Raw:
    """A finding before it is put into words."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)  # values the message names
    fields: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    severity: Severity | None = None  # None: the check's default
    variant: str | None = None  # another wording of the same code
    message_suffix: tuple[str, dict[str, Any]] | None = None  # a sentence appended
    fix_suffix: tuple[str, dict[str, Any]] | None = None


@dataclass
class Review:
    declaration: Declaration
    ruleset: RuleSet
    context: PreReviewContext | None
    source: str | None
    missing_rates: list[tuple[str, str]]  # (path, currency) of values with no declared rate
    good: ValuedDeclaration | None  # None when a rate is missing or the values contradict
    determination: Determination | None  # None when the engine could not run (as ``good``)
    exceeds_fob: MaterialsExceedFob | None = None  # the engine refused the values
    # Filled by the checks that know, read by later ones.
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def exporting_party(self) -> str:
        return self.declaration.exporting_party

    @property
    def edition(self) -> str:
        return self.declaration.product.hs_edition

    @property
    def outcome(self) -> Outcome | None:
        return None if self.determination is None else self.determination.outcome

    @cached_property
    def exporting_steps(self) -> list[tuple[int, ProductionStep]]:
        return [
            (index, step)
            for index, step in enumerate(self.declaration.production_steps)
            if step.party == self.exporting_party
        ]

    def materials(self) -> Iterable[tuple[str, Material]]:
        for index, material in enumerate(self.declaration.materials):
            yield f"materials[{index}]", material

    @property
    def facts(self) -> Facts | None:
        """What each step of the engine established (None when it could not run)."""
        return None if self.determination is None else self.determination.facts

    def missing_fields(self) -> list[str]:
        return [] if self.determination is None else [m.field for m in self.determination.missing]


CheckFunction = Callable[[Review], Iterable[Raw]]


@dataclass(frozen=True, slots=True)
class Registered:
    specs: tuple[CheckSpec, ...]
    function: CheckFunction

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(spec.code for spec in self.specs)


REGISTRY: list[Registered] = []


def check(*specs: CheckSpec) -> Callable[[CheckFunction], CheckFunction]:
    """Declare a check with the specs of the codes it may report, defined beside it (a test
    holds each check to its codes)."""

    def register(function: CheckFunction) -> CheckFunction:
        REGISTRY.append(Registered(specs, function))
        return function

    return register
