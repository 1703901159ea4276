"""Run every check on a declaration and put the findings into words."""

from __future__ import annotations

from rcep_origin.declaration import Declaration
from rcep_origin.origin import (
    Determination,
    MaterialsExceedFob,
    ValuedDeclaration,
    determine,
    value_declaration,
)
from rcep_origin.prereview._i18n import Localizer
from rcep_origin.prereview._model import Finding, PreReview, jsonable, verdict_of
from rcep_origin.prereview._review import REGISTRY, Raw, Review
from rcep_origin.prereview.catalogue import CHECKS
from rcep_origin.prereview.checks.bom import missing_rates
from rcep_origin.prereview.context import PreReviewContext
from rcep_origin.rules import RuleSet, builtin_ruleset

_ORDER = {code: position for position, code in enumerate(CHECKS)}


def prereview(
    declaration: Declaration,
    *,
    ruleset: RuleSet | None = None,
    lang: str | None = "en",
    context: PreReviewContext | None = None,
    source: str | None = None,
) -> PreReview:
    """Check a declaration before it is submitted, and say what would be refused and why.

    ``lang``: ``"en"`` or ``"zh"`` (any ``zh_*`` tag); another language gives English.
    ``context``: other declarations' lines, for the checks across declarations; ``source``
    names this declaration in it (its lines there are not compared with themselves; default:
    the declaration's ``reference``).

    The engine runs once, on the declaration as given; its verdict is ``determination``. A
    check may ask the engine one more question (what if the materials without valid supplier
    declarations were of undetermined origin?), never decide origin itself.
    """
    rules = ruleset if ruleset is not None else builtin_ruleset()
    unconvertible = missing_rates(declaration)
    good: ValuedDeclaration | None = None
    determination: Determination | None = None
    exceeds: MaterialsExceedFob | None = None
    if not unconvertible:
        try:
            good = value_declaration(declaration)
        except MaterialsExceedFob as exc:  # the engine refuses it: BOM_VALUE_EXCEEDS_FOB
            exceeds = exc
        else:
            determination = determine(declaration, ruleset=rules)
    review = Review(
        declaration=declaration,
        ruleset=rules,
        context=context,
        source=source if source is not None else declaration.reference,
        missing_rates=unconvertible,
        good=good,
        determination=determination,
        exceeds_fob=exceeds,
    )
    raws = [raw for registered in REGISTRY for raw in registered.function(review)]
    localizer = Localizer(lang)
    findings = [_word(raw, localizer) for raw in raws]
    findings.sort(key=lambda f: (f.severity.rank, _ORDER[f.code]))
    return PreReview(verdict_of(findings), tuple(findings), determination, localizer.locale)


def _word(raw: Raw, localizer: Localizer) -> Finding:
    spec = CHECKS[raw.code]
    text = spec.variants[raw.variant] if raw.variant else spec.text
    message = localizer.format(text.message, raw.params)
    fix = localizer.format(text.fix, raw.params)
    if raw.message_suffix is not None:
        message += localizer.sentence_gap + localizer.format(*raw.message_suffix)
    if raw.fix_suffix is not None:
        fix += localizer.sentence_gap + localizer.format(*raw.fix_suffix)
    return Finding(
        code=raw.code,
        severity=raw.severity or spec.severity,
        message=message,
        reason=spec.reason,
        fields=raw.fields,
        fix=fix,
        data=jsonable(raw.data),
    )
