"""HS classification: codes that exist in their edition, that fit their description, and that
the rule catalogue can be read with.

The description check asks the nomenclature suggester about every (description, code) of the
declaration in one batch (``_hs_scores``), once per distinct pair, with answers kept across
declarations: a BOM repeats descriptions, and so do an exporter's declarations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rcep_origin import hs
from rcep_origin.declaration import Role
from rcep_origin.hs import HsCode
from rcep_origin.prereview._hs_scores import Scored, available, score_items
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview.catalogue import CLOSEST
from rcep_origin.prereview.thresholds import HS_MIN_BEST_SCORE, HS_SCORE_GAP

TARGET_EDITION = "HS2022"  # the edition certificates and the transposed catalogue use


def _same_line(a: HsCode, b: HsCode) -> bool:
    """One code refines the other: heading 84.71 and subheading 8471.30 agree."""
    return a.digits.startswith(b.digits) or b.digits.startswith(a.digits)


def _listed(found: tuple[hs.Suggestion, ...]) -> list[str]:
    return [f"{s.code} ({s.score:.2f})" for s in found]


def _suggestion_data(found: tuple[hs.Suggestion, ...]) -> list[dict[str, Any]]:
    return [
        {"code": str(s.code), "score": round(s.score, 3), "description": s.description}
        for s in found
    ]


def _items(review: Review) -> list[tuple[str, str, HsCode]]:
    """(field, description, code) of the product and of every material with a code."""
    product = review.declaration.product
    items = [("product.hs_code", product.description.strip(), product.code)]
    for path, material in review.materials():
        if material.code is not None:
            items.append((f"{path}.hs_code", material.description.strip(), material.code))
    return items


def _decisive(review: Review) -> list[tuple[str, str, HsCode]]:
    """The codes the verdict depends on: the product's (it selects the Annex 3A rule) and
    those of the components that are not shown originating, the only materials a change in
    tariff classification is tested on (Annex 3A headnote 5; Arts. 3.8-3.10 set the other
    roles aside). An originating material's code changes nothing, so its description is not
    scored; its code is still checked for existence."""
    decisive = {"product.hs_code"} | {
        f"{path}.hs_code"
        for path, m in review.materials()
        if m.role is Role.COMPONENT and m.originating is not True
    }
    return [item for item in _items(review) if item[0] in decisive]


def _scored(review: Review, items: list[tuple[str, str, HsCode]]) -> dict[tuple[str, str], Scored]:
    """The suggester's answers, asked in one batch per declaration and shared by the checks."""
    known: dict[tuple[str, str], Scored] = review.notes.setdefault("hs_scores", {})
    wanted = [(d, code) for _, d, code in items if d and (d, code.digits) not in known]
    if wanted and available(review.edition):
        known.update(score_items(wanted, review.edition))
    return known


@check("HS_EDITION_UNAVAILABLE", "HS_UNKNOWN")
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
    unknown = [item for item in _items(review) if hs.exists_in_edition(item[2], edition) is False]
    scores = _scored(review, unknown + _decisive(review))
    for field, description, code in unknown:
        scored = scores.get((description, code.digits))
        found = tuple(
            s for s in (scored.suggestions if scored else ()) if s.score >= HS_MIN_BEST_SCORE
        )
        yield Raw(
            "HS_UNKNOWN",
            params={"field": field, "code": str(code), "edition": edition},
            fields=(field,),
            data={"code": str(code), "edition": edition, "suggestions": _suggestion_data(found)},
            fix_suffix=(CLOSEST, {"suggestions": _listed(found)}) if found else None,
        )


@check("HS_DESCRIPTION_MISMATCH")
def description_fits(review: Review) -> Iterator[Raw]:
    """For the codes the verdict depends on (``_decisive``): warn when the best suggestion is
    confident (``HS_MIN_BEST_SCORE``), no top suggestion is the declared code or a refinement
    of it, and the declared code scores ``HS_SCORE_GAP`` lower than the best."""
    edition = review.edition
    decisive = _decisive(review)
    scores = _scored(review, decisive)
    for field, description, code in decisive:
        scored = scores.get((description, code.digits))
        if scored is None or not scored.suggestions or hs.exists_in_edition(code, edition) is False:
            continue
        best = scored.suggestions[0]
        if best.score < HS_MIN_BEST_SCORE:
            continue
        if any(_same_line(s.code, code) for s in scored.suggestions):
            continue
        if best.score - scored.score < HS_SCORE_GAP:
            continue
        yield Raw(
            "HS_DESCRIPTION_MISMATCH",
            params={
                "field": field,
                "description": description,
                "code": str(code),
                "score": f"{scored.score:.2f}",
                "best_code": str(best.code),
                "best_score": f"{best.score:.2f}",
                "suggestions": _listed(scored.suggestions),
            },
            fields=(field, field.removesuffix("hs_code") + "description"),
            data={
                "code": str(code),
                "score": round(scored.score, 3),
                "suggestions": _suggestion_data(scored.suggestions),
                "gap": round(best.score - scored.score, 3),
                "gap_threshold": HS_SCORE_GAP,
            },
        )


@check("HS_TRANSPOSITION_UNKNOWN")
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


@check("RULE_NOT_IN_CATALOGUE")
def rule_in_catalogue(review: Review) -> Iterator[Raw]:
    """The engine looked the rule up and found no row for the declared code and edition
    (``RuleStatus.NOT_IN_CATALOGUE``, or ``TRANSPOSITION_UNKNOWN``: a row in another edition
    only); it then cannot decide, and says so."""
    lookup = review.facts.rule_lookup if review.facts is not None else None
    if lookup is None or lookup.found:
        return
    product = review.declaration.product
    yield Raw(
        "RULE_NOT_IN_CATALOGUE",
        params={
            "code": str(product.code),
            "edition": product.hs_edition,
            "ruleset": review.ruleset.version,
        },
        fields=("product.hs_code",),
        data={
            "code": str(product.code),
            "edition": product.hs_edition,
            "ruleset": review.ruleset.version,
            "status": lookup.status.value,
            "engine": lookup.check().summary,
        },
    )
