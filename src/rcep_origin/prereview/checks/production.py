"""Where and how the good was made: steps declared in the exporting Party, more than minimal
operations (Art. 3.6), in RCEP Parties (Art. 3.2)."""

from __future__ import annotations

from collections.abc import Iterator

from rcep_origin.parties import is_party
from rcep_origin.prereview._model import Severity
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview.minimal_operations import read_step


@check("PRODUCTION_STEPS_MISSING")
def steps_missing(review: Review) -> Iterator[Raw]:
    """Warn; reject when the engine lists the production steps among the facts it lacks."""
    determination = review.determination
    if review.exporting_steps:
        return
    if determination is not None and determination.criterion == "WO":
        return  # wholly obtained: nothing was made from materials
    if determination is None and review.declaration.wholly_obtained is not None:
        return
    needed = "production_steps" in review.missing_fields()
    yield Raw(
        "PRODUCTION_STEPS_MISSING",
        params={"party": review.exporting_party},
        fields=("production_steps",),
        data={
            "exporting_party": review.exporting_party,
            "steps_elsewhere": len(review.declaration.production_steps),
            "needed_by_engine": needed,
        },
        severity=Severity.REJECT if needed else None,
    )


@check("FINAL_STEP_NOT_IN_EXPORTING_PARTY")
def final_step(review: Review) -> Iterator[Raw]:
    steps = review.declaration.production_steps
    if not steps or steps[-1].party == review.exporting_party:
        return
    last = steps[-1]
    yield Raw(
        "FINAL_STEP_NOT_IN_EXPORTING_PARTY",
        params={
            "step": last.description,
            "step_party": last.party,
            "party": review.exporting_party,
        },
        fields=(f"production_steps[{len(steps) - 1}].party", "exporting_party"),
        data={"step": last.description, "step_party": last.party},
    )


@check("STEP_OUTSIDE_PARTIES")
def outside_parties(review: Review) -> Iterator[Raw]:
    for index, step in enumerate(review.declaration.production_steps):
        if not is_party(step.party):
            path = f"production_steps[{index}]"
            yield Raw(
                "STEP_OUTSIDE_PARTIES",
                params={"field": path, "step": step.description, "step_party": step.party},
                fields=(f"{path}.party",),
                data={"step": step.description, "party": step.party},
            )


@check("MINIMAL_OPERATIONS_ONLY", "MINIMAL_OPERATION_SUSPECTED")
def minimal_operations(review: Review) -> Iterator[Raw]:
    """Reject when the engine finds only minimal operations (Art. 3.6: its ``MinimalOperations``
    fact names the steps). Otherwise read each unmarked step in the exporting Party: one that
    names an Art. 3.6 operation and nothing more is suspected (warn); when every step is marked
    or suspected, the good probably fails too (``MINIMAL_OPERATIONS_ONLY``, variant ``likely``,
    warn)."""
    party = review.exporting_party
    operations = review.facts.minimal_operations if review.facts is not None else None
    if operations is not None and operations.met is False:
        steps = [step.description for step in operations.minimal_steps]
        yield Raw(
            "MINIMAL_OPERATIONS_ONLY",
            params={"party": party, "steps": steps},
            fields=tuple(
                f"production_steps[{step.index}].minimal_operation" for step in operations.steps
            ),
            data={"minimal_steps": steps, "engine": operations.check().summary},
        )
        return
    if review.determination is not None and review.determination.criterion == "WO":
        return
    suspected = []
    for index, step in review.exporting_steps:
        if step.minimal_operation:
            continue
        reading = read_step(step.description)
        if reading.looks_minimal:
            suspected.append((index, step.description, reading.subparagraphs))
    for index, description, subparagraphs in suspected:
        path = f"production_steps[{index}]"
        yield Raw(
            "MINIMAL_OPERATION_SUSPECTED",
            params={"field": path, "step": description, "subparagraphs": list(subparagraphs)},
            fields=(f"{path}.description", f"{path}.minimal_operation"),
            data={"step": description, "article_3_6": list(subparagraphs)},
        )
    # Art. 3.6 decides only when origin rests on the product-specific rule (the engine then
    # tests it); a good of originating materials only keeps its origin either way.
    tested = operations is not None
    unmarked = [step for _, step in review.exporting_steps if not step.minimal_operation]
    if tested and suspected and len(suspected) == len(unmarked):
        steps = [step.description for _, step in review.exporting_steps]
        yield Raw(
            "MINIMAL_OPERATIONS_ONLY",
            params={"party": party, "steps": steps},
            fields=tuple(f"production_steps[{i}].description" for i, _ in review.exporting_steps),
            data={"steps": steps, "suspected": [d for _, d, _ in suspected]},
            variant="likely",
            severity=Severity.WARN,
        )
