"""HS classification: codes that exist in their edition, that fit their description, and that
the rule catalogue can be read with.

Every HS problem is a finding of its own, for the product and for each material alike, and the
run goes on: a code unknown in every edition (``HS_UNKNOWN``), a code of another edition
(``HS_WRONG_EDITION``), a code the description does not support (``HS_DESCRIPTION_MISMATCH``).
Each names the nearest valid codes with their titles in English and Chinese (``data`` carries
both; the message shows the reader's).

The description check asks the suggester about every (description, code) of the declaration in
one batch, lexical signal first and the model only for the pairs that signal doubts
(``_hs_scores.judge``), once per distinct pair, with answers kept across declarations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rcep_origin import hs
from rcep_origin.declaration import Role
from rcep_origin.hs import HsCode
from rcep_origin.prereview._hs_scores import available, judge, score_items
from rcep_origin.prereview._i18n import Titled
from rcep_origin.prereview._phrases import NEAREST
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview._spec import INFO, REJECT, WARN, spec
from rcep_origin.prereview.thresholds import HS_TOP_SUGGESTIONS

TARGET_EDITION = "HS2022"  # the edition certificates and the transposed catalogue use


@dataclass(frozen=True, slots=True)
class _Item:
    field: str  # e.g. "materials[3].hs_code"
    description: str
    code: HsCode
    decisive: bool  # the verdict depends on this code (see ``_items``)


def _items(review: Review) -> list[_Item]:
    """The product's code and every material's. A code is *decisive* when the verdict depends
    on it: the product's (it selects the Annex 3A rule) and those of the components that are not
    shown originating, the only materials a change in tariff classification is tested on
    (Annex 3A headnotes; Arts. 3.8-3.10 set the other roles aside). An originating material's
    code changes nothing, so its description is not scored; its code is still checked for
    existence."""
    product = review.declaration.product
    items = [_Item("product.hs_code", product.description.strip(), product.code, True)]
    for path, material in review.materials():
        if material.code is not None:
            decisive = material.role is Role.COMPONENT and material.originating is not True
            items.append(
                _Item(f"{path}.hs_code", material.description.strip(), material.code, decisive)
            )
    return items


def titled(code: HsCode, edition: str = TARGET_EDITION) -> Titled:
    """A code with its English and Chinese titles (either may be unknown)."""
    return Titled(str(code), hs.describe(code, edition), hs.describe(code, edition, lang="zh"))


def _entry(code: HsCode, edition: str, basis: str, score: float | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": str(code),
        "edition": edition,
        "title_en": hs.describe(code, edition),
        "title_zh": hs.describe(code, edition, lang="zh"),
        "basis": basis,
    }
    if score is not None:
        entry["score"] = score
    return entry


def _neighbours(code: HsCode, edition: str) -> list[HsCode]:
    """Valid codes of ``edition`` closest to a code that is not in it: the subheadings of its
    heading (nearest number first), else the headings of its chapter."""
    all_codes = hs.subheadings(edition) or ()
    same_heading = [c for c in all_codes if c.digits[:4] == code.digits[:4]]
    if same_heading and code.level == 6:
        return sorted(same_heading, key=lambda c: (abs(int(c.digits) - int(code.digits)), c))
    chapter = sorted(
        {c.truncated(4) for c in all_codes if c.chapter == code.chapter},
        key=lambda c: (abs(int(c.digits[:4]) - int(code.digits[:4])), c),
    )
    return chapter


def _nearest(review: Review, item: _Item, other_editions: list[str]) -> list[dict[str, Any]]:
    """Up to ``HS_TOP_SUGGESTIONS`` valid codes of the declared edition for a code that is not
    in it, taken in turn from what the code became (the UN correlation, for a code of another
    edition; the targets the description fits best first), what the description reads like
    (the suggester), and the code's nearest neighbours. Each source that has a code gets a
    place: a lathe declared under an HS2012 press code is shown both what the code became and
    the lathe's own subheading."""
    edition = review.edition
    targets: list[HsCode] = []
    if item.code.level == 6:
        for other in other_editions:
            correlation = hs.correlate(item.code, other, edition)
            targets += correlation.targets if correlation is not None else ()
    described: list[tuple[HsCode, float]] = []
    if item.description and available(edition):
        asked = [(item.description, item.code), *((item.description, t) for t in targets)]
        scored = score_items(asked, edition, semantic=True)
        best = scored[(item.description, item.code.digits)].suggestions
        described = [(s.code, s.score) for s in best]
        fit = {t: scored[(item.description, t.digits)].score for t in targets}
        targets.sort(key=lambda t: -_or_lowest(fit[t]))
    basis = f"correlation {'/'.join(other_editions)}-{edition}"
    sources: list[list[tuple[HsCode, str, float | None]]] = [
        [(code, basis, None) for code in targets],
        [(code, "description", score) for code, score in described],
        [(code, "neighbour", None) for code in _neighbours(item.code, edition)],
    ]
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(found) < HS_TOP_SUGGESTIONS and any(sources):
        for source in sources:  # one from each source in turn
            while source and str(source[0][0]) in seen:
                source.pop(0)
            if source and len(found) < HS_TOP_SUGGESTIONS:
                code, basis, score = source.pop(0)
                seen.add(str(code))
                found.append(_entry(code, edition, basis, score))
    return found


def _or_lowest(score: float | None) -> float:
    return float("-inf") if score is None else score


def _titles(entries: list[dict[str, Any]]) -> list[Titled]:
    return [Titled(e["code"], e["title_en"], e["title_zh"]) for e in entries]


HS_EDITION_UNAVAILABLE = spec(
    "HS_EDITION_UNAVAILABLE",
    "hs",
    INFO,
    "Annex 3A (negotiated in HS2012, transposed to HS2022)",
    "the nomenclature of the declared edition is at hand to check codes against",
    "The {edition} nomenclature is not available, so the HS codes could not be checked against it.",
    "Declare the codes in HS2022 if you can, or check them against the {edition} "
    "nomenclature yourself.",
    why="Nothing is known to be wrong: only the check could not be made.",
)

HS_UNKNOWN = spec(
    "HS_UNKNOWN",
    "hs",
    REJECT,
    "Annex 3A, headnote 3; Annex 3B (HS code)",
    "the product's or a material's HS code exists in its edition (or in any known edition)",
    "{field}: HS code {code} does not exist in {edition}.",
    "Re-classify it under a code that exists in {edition}.",
    why=(
        "Reject when the code decides something: the product's code selects the Annex 3A rule "
        "and is printed on the certificate (Annex 3B), and a non-originating component's code "
        "is the one the change of classification is tested on (Annex 3A headnotes); a code "
        "that does not exist leaves the verdict resting on nothing. An originating material's "
        "code, or a packing or indirect line's, decides nothing (Arts. 3.8-3.10): warn."
    ),
)

HS_WRONG_EDITION = spec(
    "HS_WRONG_EDITION",
    "hs",
    REJECT,
    "Annex 3A, headnote 3; Annex 3B (HS code); HS amendments",
    "a code that exists only in another edition than the declared one",
    "{field}: HS code {code} belongs to {other_edition}; it does not exist in {edition}, the "
    "edition declared.",
    "Declare the {edition} code of the item, or declare the edition the code belongs to.",
    why=(
        "As HS_UNKNOWN: in the declared edition the code does not exist, so the rule and the "
        "change of classification cannot rest on it; reject where the code decides something, "
        "warn where it decides nothing."
    ),
)


@check(HS_EDITION_UNAVAILABLE, HS_UNKNOWN, HS_WRONG_EDITION)
def codes_exist(review: Review) -> Iterator[Raw]:
    edition = review.edition
    if hs.exists_in_edition(review.declaration.product.code, edition) is None:
        yield Raw(
            "HS_EDITION_UNAVAILABLE",
            params={"edition": edition},
            fields=("product.hs_edition",),
            data={"edition": edition},
        )
        return
    for item in _items(review):
        if hs.exists_in_edition(item.code, edition) is not False:
            continue
        others = [
            e
            for e in hs.editions_available()
            if e != edition and hs.exists_in_edition(item.code, e)
        ]
        nearest = _nearest(review, item, others)
        params: dict[str, Any] = {"field": item.field, "code": str(item.code), "edition": edition}
        data: dict[str, Any] = {
            "code": str(item.code),
            "edition": edition,
            "decisive": item.decisive,
            "nearest": nearest,
        }
        if others:
            params["other_edition"] = others[0]
            data["exists_in"] = others
        yield Raw(
            "HS_WRONG_EDITION" if others else "HS_UNKNOWN",
            params=params,
            fields=(item.field,),
            data=data,
            severity=None if item.decisive else WARN,
            fix_suffix=(NEAREST, {"codes": _titles(nearest)}) if nearest else None,
        )


HS_DESCRIPTION_MISMATCH = spec(
    "HS_DESCRIPTION_MISMATCH",
    "hs",
    WARN,
    "Annex 3A, headnote 3; HS General Interpretative Rule 1",
    "the declared HS code is among the codes the description reads like",
    "{field}: the description “{description}” reads like {best}, not like the declared "
    "{declared} (its heading ranks {heading_rank} among the headings for this description).",
    "Check the classification. If {code} is right, describe the item in the nomenclature's terms.",
    why=(
        "A text-similarity model's doubt is not a classification: the HS is applied by the "
        "terms of the headings and the Section and Chapter Notes (General Interpretative Rule "
        "1), which the model does not read. Customs would query the code, not refuse the "
        "declaration; the threshold is calibrated to keep false warnings on correctly "
        "classified goods at about 2 % or less (thresholds.py)."
    ),
)


@check(HS_DESCRIPTION_MISMATCH)
def description_fits(review: Review) -> Iterator[Raw]:
    """For the decisive codes that exist: warn when the suggester, in both its stages, doubts
    the declared code (``_hs_scores.doubtful``). English and Chinese descriptions alike."""
    edition = review.edition
    if not available(edition):
        return
    items = [
        item
        for item in _items(review)
        if item.decisive and item.description and hs.exists_in_edition(item.code, edition)
    ]
    verdicts = judge([(item.description, item.code) for item in items], edition)
    for item in items:
        scored, doubt = verdicts[(item.description, item.code.digits)]
        best = scored.best
        if not doubt or best is None:
            continue
        nearest = [_entry(s.code, edition, "description", s.score) for s in scored.suggestions]
        yield Raw(
            "HS_DESCRIPTION_MISMATCH",
            params={
                "field": item.field,
                "description": item.description,
                "code": str(item.code),
                "declared": titled(item.code, edition),
                "best": titled(best.code, edition),
                "heading_rank": scored.heading_rank,
            },
            fields=(item.field, item.field.removesuffix("hs_code") + "description"),
            data={
                "code": str(item.code),
                "title_en": hs.describe(item.code, edition),
                "title_zh": hs.describe(item.code, edition, lang="zh"),
                "score": scored.score,
                "rank": scored.rank,
                "heading_rank": scored.heading_rank,
                "language": scored.language,
                "semantic": scored.semantic,
                "nearest": nearest,
            },
            fix_suffix=(NEAREST, {"codes": _titles(nearest)}),
        )


HS_TRANSPOSITION_UNKNOWN = spec(
    "HS_TRANSPOSITION_UNKNOWN",
    "hs",
    WARN,
    "Annex 3A (HS2012), transposed to HS2022",
    "a code declared in another edition maps one-to-one to HS2022, and the rule is given "
    "in the declared edition",
    "{code} ({edition}) corresponds to {targets} in {target_edition}, not to a single "
    "subheading; the rule for the transposed code is not known from a source.",
    "Declare the good under its {target_edition} subheading (one of {targets}) and check "
    "that the catalogue has a rule for it.",
    why=(
        "The declared code is not wrong: only the rule for it is unknown until a source gives "
        "the transposed row. The engine then cannot decide on the rule, which "
        "RULE_NOT_IN_CATALOGUE reports."
    ),
    unknown=(
        "No correlation from {code} ({edition}) to {target_edition} is known, so the rule "
        "cannot be carried over.",
        "Declare the good under its {target_edition} subheading.",
    ),
    other_edition=(
        "The catalogue has a rule for {rows} but none for {code} ({edition}); the "
        "transposition between the editions is not recorded.",
        "If the subheading is unchanged between the editions, ask for the transposed row "
        "to be added to the catalogue, with its source; otherwise declare the code in the "
        "edition the rule is given in.",
    ),
)


@check(HS_TRANSPOSITION_UNKNOWN)
def transposition(review: Review) -> Iterator[Raw]:
    """Annex 3A is in HS2012 and carried to HS2022 row by row where a source allows. Warn when
    a code declared in another edition has no one-to-one HS2022 counterpart, and when the
    catalogue has the rule only in another edition than the declared one."""
    code, edition = review.declaration.product.code, review.edition
    targets: tuple[HsCode, ...] = ()
    if edition != TARGET_EDITION:
        correlation = hs.correlate(code, edition, TARGET_EDITION)
        params = {"code": str(code), "edition": edition, "target_edition": TARGET_EDITION}
        fields = ("product.hs_code", "product.hs_edition")
        if correlation is None:
            yield Raw(
                "HS_TRANSPOSITION_UNKNOWN",
                params=params,
                fields=fields,
                data={**params, "correlation": None},
                variant="unknown",
            )
        else:
            targets = correlation.targets
            if not correlation.exact:
                listed = [str(t) for t in targets]
                yield Raw(
                    "HS_TRANSPOSITION_UNKNOWN",
                    params={**params, "targets": listed},
                    fields=fields,
                    data={**params, "targets": listed, "exact": False},
                )
    lookup = review.facts.rule_lookup if review.facts is not None else None
    if lookup is None or lookup.found:
        return
    candidates = (code, *targets)
    rows = sorted(
        {
            f"{entry.hs_code} ({entry.hs_edition})"
            for (row_edition, _), entry in review.ruleset.psr.items()
            if row_edition != edition
            and any(c.digits.startswith(entry.hs_code.digits) for c in candidates)
        }
    )
    if rows:
        yield Raw(
            "HS_TRANSPOSITION_UNKNOWN",
            params={"code": str(code), "edition": edition, "rows": rows},
            fields=("product.hs_code", "product.hs_edition"),
            data={"code": str(code), "edition": edition, "rows_in_other_editions": rows},
            variant="other_edition",
        )


RULE_NOT_IN_CATALOGUE = spec(
    "RULE_NOT_IN_CATALOGUE",
    "hs",
    WARN,
    "Art. 3.2(c); Annex 3A",
    "the rule set has the Annex 3A rule for the product, when the engine needs one",
    "Rule set {ruleset} has no Annex 3A rule for {code} ({edition}): the verdict is undecided "
    "on the product-specific rule, though nothing in the declaration is wrong.",
    "An issuing body holding the official row adds it with: rcep-origin rules add DIR {code} "
    '"RULE" --edition {edition} --source "...", then pre-reviews again with --rules DIR.',
    why=(
        "The gap is the rule set's, not the declaration's: nothing the exporter declared is "
        "wrong, and the verdict is undecided on the rule until the official row is added. Not "
        "a reject, so a clean declaration is not refused for a missing catalogue row; the "
        "engine's UNDECIDABLE is not reported for that gap alone."
    ),
)


@check(RULE_NOT_IN_CATALOGUE)
def rule_in_catalogue(review: Review) -> Iterator[Raw]:
    """The engine looked the rule up and found no row it may use for the declared code and
    edition (not in the catalogue, a correlation to several HS2012 rows, or a row in another
    edition only); the missing fact is then the rule set's (``Missing("ruleset", ...)``). Not
    for a product code that does not exist: HS_UNKNOWN or HS_WRONG_EDITION says what is wrong."""
    lookup = review.facts.rule_lookup if review.facts is not None else None
    if lookup is None or lookup.found:
        return
    product = review.declaration.product
    if hs.exists_in_edition(product.code, product.hs_edition) is False:
        return
    yield Raw(
        "RULE_NOT_IN_CATALOGUE",
        params={
            "code": str(product.code),
            "edition": product.hs_edition,
            "ruleset": review.ruleset.version,
        },
        fields=("ruleset", "product.hs_code"),
        data={
            "code": str(product.code),
            "edition": product.hs_edition,
            "ruleset": review.ruleset.version,
            "status": lookup.status.value,
            "engine": lookup.check().summary,
            "command": (
                f'rcep-origin rules add DIR {product.code} "RULE" --edition '
                f'{product.hs_edition} --source "..."'
            ),
        },
    )
