"""Where and how the good was made: steps declared in the exporting Party, more than minimal
operations (Art. 3.6), in RCEP Parties (Art. 3.2)."""

from __future__ import annotations

from collections.abc import Iterator

from rcep_origin.origin import Determination, Outcome, determine
from rcep_origin.parties import is_party
from rcep_origin.prereview._model import Severity
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview._spec import REJECT, WARN, spec
from rcep_origin.prereview.minimal_operations import read_step

PRODUCTION_STEPS_MISSING = spec(
    "PRODUCTION_STEPS_MISSING",
    "production",
    WARN,
    "Art. 3.6; Art. 2.6(2)",
    "production steps in the exporting Party are declared (reject when the engine needs them)",
    "No production step in {party} is declared.",
    "List the production steps performed in {party} (description, party), marking the "
    "minimal operations.",
    why=(
        "Warn when the engine can decide without them (e.g. on the materials' origin); reject "
        "when the engine lists them among the facts it lacks."
    ),
)


@check(PRODUCTION_STEPS_MISSING)
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


FINAL_STEP_NOT_IN_EXPORTING_PARTY = spec(
    "FINAL_STEP_NOT_IN_EXPORTING_PARTY",
    "production",
    REJECT,
    "Art. 3.2; Art. 2.6(2)",
    "the last production step took place in the exporting Party",
    "The last production step (“{step}”) is declared in {step_party}, not in the exporting "
    "Party {party}.",
    "Check where the good was finished: it acquires originating status where it is "
    "produced, and that Party's exporter declares it.",
    why=(
        "A good is originating where it is produced (Art. 3.2) and its RCEP country of origin "
        "follows the production in the exporting Party (Art. 2.6): when the last step "
        "happened elsewhere, the exporting Party is not where the good was finished, and its "
        "issuing body cannot certify it as declared."
    ),
)


@check(FINAL_STEP_NOT_IN_EXPORTING_PARTY)
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


STEP_OUTSIDE_PARTIES = spec(
    "STEP_OUTSIDE_PARTIES",
    "production",
    WARN,
    "Art. 3.2 (produced in a Party)",
    "production steps take place in RCEP Parties",
    "{field}: step “{step}” was performed in {step_party}, which is not an RCEP Party; it "
    "does not count toward origin.",
    "Declare what was made in {step_party} as a non-originating material instead of a "
    "production step.",
    why=(
        "The engine does not count such a step; if it was the last step, "
        "FINAL_STEP_NOT_IN_EXPORTING_PARTY rejects."
    ),
)


@check(STEP_OUTSIDE_PARTIES)
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


MINIMAL_OPERATIONS_ONLY = spec(
    "MINIMAL_OPERATIONS_ONLY",
    "production",
    REJECT,
    "Art. 3.6",
    "production in the exporting Party goes beyond minimal operations (warn when the "
    "steps only look minimal)",
    "Every production step in {party} is a minimal operation ({steps}); these do not "
    "confer origin, alone or combined.",
    "If more was done in {party} (machining, assembly, software integration ...), declare "
    "those steps; otherwise the good does not qualify under the product-specific rule.",
    why=(
        "Art. 3.6: minimal operations never confer origin, alone or combined. Reject when the "
        "engine finds only minimal operations, and when the steps only read as minimal but "
        "the engine, asked with them marked as such, would no longer find the good "
        "originating; warn when it would still find it originating."
    ),
    likely=(
        "The steps declared in {party} all look like minimal operations under Art. 3.6 "
        "({steps}), though they are not marked as such; such operations do not confer "
        "origin, alone or combined.",
        "Describe the substantive processing precisely, or mark the steps as minimal operations.",
    ),
)


MINIMAL_OPERATION_SUSPECTED = spec(
    "MINIMAL_OPERATION_SUSPECTED",
    "production",
    WARN,
    "Art. 3.6",
    "a step that reads like a minimal operation is marked as one",
    "{field}: “{step}” looks like a minimal operation (Art. 3.6 {subparagraphs}) but is not "
    "marked minimal_operation.",
    "Mark it minimal_operation: true if that is all it is, or describe the processing it involves.",
    why=(
        "One step that reads like a minimal operation, among substantive ones, changes no "
        "verdict; it should be marked as what it is."
    ),
)


@check(MINIMAL_OPERATIONS_ONLY, MINIMAL_OPERATION_SUSPECTED)
def minimal_operations(review: Review) -> Iterator[Raw]:
    """Reject when the engine finds only minimal operations (Art. 3.6: its ``MinimalOperations``
    fact names the steps). Otherwise read each unmarked step in the exporting Party: one that
    names an Art. 3.6 operation and nothing more is suspected (warn). When every step is marked
    or suspected, the engine is asked again with the suspected steps marked: if the good then
    no longer qualifies, ``MINIMAL_OPERATIONS_ONLY`` (variant ``likely``) rejects; if it still
    does, it warns."""
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
        marked = _as_marked(review, {index for index, _, _ in suspected})
        loses = marked is not None and marked.outcome is not Outcome.ORIGINATING
        yield Raw(
            "MINIMAL_OPERATIONS_ONLY",
            params={"party": party, "steps": steps},
            fields=tuple(f"production_steps[{i}].description" for i, _ in review.exporting_steps),
            data={
                "steps": steps,
                "suspected": [d for _, d, _ in suspected],
                "if_marked": None
                if marked is None
                else {"outcome": marked.outcome.value, "summary": marked.summary},
            },
            variant="likely",
            severity=Severity.REJECT if loses else Severity.WARN,
        )


def _as_marked(review: Review, indexes: set[int]) -> Determination | None:
    """The engine's verdict with the steps at ``indexes`` marked as minimal operations (the
    classifier's reading put to the engine); None when there is no verdict to compare."""
    if review.determination is None:
        return None
    declaration = review.declaration
    steps = [
        step.model_copy(update={"minimal_operation": True}) if index in indexes else step
        for index, step in enumerate(declaration.production_steps)
    ]
    return determine(
        declaration.model_copy(update={"production_steps": steps}), ruleset=review.ruleset
    )
