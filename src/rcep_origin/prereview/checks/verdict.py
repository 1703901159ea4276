"""What the engine decided, as findings: read from its verdict and its trace, never recomputed.

Each finding carries the engine's own explanation (``data.engine``) beside the localized
message, which is built from the figures of the same check.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from rcep_origin.origin import Outcome
from rcep_origin.origin.change_of_classification import material_makes_change
from rcep_origin.parties import parties
from rcep_origin.prereview._i18n import Word
from rcep_origin.prereview._model import Severity
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview.thresholds import DE_MINIMIS_THIN_MARGIN_POINTS, RVC_THIN_MARGIN_POINTS
from rcep_origin.rules import ChangeOfClassification, parse_rule
from rcep_origin.trace import Result, round2

HUNDRED = Decimal(100)


def party_name(code: str) -> Word:
    return Word(parties()[code].name) if code in parties() else Word(code)


@check("ENTRY_INTO_FORCE")
def entry_into_force(review: Review) -> Iterator[Raw]:
    """Art. 20.7: reject when the Agreement is not yet in force for a Party on the date; warn
    when its date of entry into force is not known from a source."""
    for role in ("exporting", "importing"):
        for found in review.trace(f"in_force_{role}_party"):
            if found.result not in (Result.FAIL, Result.UNKNOWN):
                continue
            code = str(found.inputs.get("party"))
            party = parties()[code]
            yield Raw(
                "ENTRY_INTO_FORCE",
                params={
                    "party_name": party_name(code),
                    "date": review.declaration.date,
                    "entry_into_force": party.entry_into_force,
                },
                fields=(f"{role}_party", "date"),
                data={
                    "party": code,
                    "date": review.declaration.date,
                    "entry_into_force": party.entry_into_force,
                    "engine": found.summary,
                },
                variant=None if found.result is Result.FAIL else "unknown",
                severity=None if found.result is Result.FAIL else Severity.WARN,
            )


@check("CONSIGNMENT_NOT_DIRECT")
def consignment(review: Review) -> Iterator[Raw]:
    for found in review.trace("direct_consignment"):
        if found.result is Result.FAIL:
            transit = [str(p) for p in found.inputs.get("transit", [])]
            yield Raw(
                "CONSIGNMENT_NOT_DIRECT",
                params={"parties": transit},
                fields=("consignment.transit",),
                data={"transit": transit, "engine": found.summary},
            )


@check("WO_CLAIM_FAILS")
def wholly_obtained(review: Review) -> Iterator[Raw]:
    for found in review.trace("wholly_obtained"):
        if found.result is Result.FAIL:
            ids = [str(m) for m in found.inputs.get("non_originating_materials", [])]
            yield Raw(
                "WO_CLAIM_FAILS",
                params={"materials": ids},
                fields=("wholly_obtained", *_paths(review, ids, "originating")),
                data={"materials": ids, "engine": found.summary},
            )


@check("NOT_ORIGINATING", "UNDECIDABLE")
def outcome(review: Review) -> Iterator[Raw]:
    determination = review.determination
    if determination is None:
        return
    if determination.outcome is Outcome.NOT_ORIGINATING:
        yield Raw(
            "NOT_ORIGINATING",
            params={"summary": determination.summary},
            data={"outcome": determination.outcome.value, "engine": determination.summary},
        )
    elif determination.outcome is Outcome.UNDECIDABLE:
        fields = [m.field for m in determination.missing]
        yield Raw(
            "UNDECIDABLE",
            params={"count": len(fields), "fields": fields},
            fields=tuple(fields),
            data={
                "missing": [m.to_dict() for m in determination.missing],
                "engine": determination.summary,
            },
        )


@check("RVC_FAILS")
def rvc_fails(review: Review) -> Iterator[Raw]:
    """Reported only when the good is not originating: a failed RVC in an alternative the good
    did not need is no defect."""
    if review.outcome is not Outcome.NOT_ORIGINATING:
        return
    for found in review.trace("regional_value_content"):
        if found.result is not Result.FAIL:
            continue
        inputs = found.inputs
        percent, threshold = Decimal(inputs["percent"]), Decimal(inputs["threshold"])
        fob = Decimal(inputs["fob"])
        build_down = inputs["method"] == "build_down"
        params: dict[str, Any] = {
            "percent": round2(percent),
            "threshold": threshold,
            "gap": round2(threshold - percent),
            "method": Word("build-down" if build_down else "build-up"),
            "currency": inputs["currency"],
        }
        if build_down:
            params["vnm"] = round2(Decimal(inputs.get("vnm", 0)))
            params["max_vnm"] = round2(fob * (1 - threshold / HUNDRED))
        else:
            params["min_numerator"] = round2(fob * threshold / HUNDRED)
        yield Raw(
            "RVC_FAILS",
            params=params,
            fields=("fob_value", "materials", *(("costs",) if not build_down else ())),
            data={**inputs, "engine": found.summary, "article": found.article},
            variant=None if build_down else "build_up",
        )


@check("CTC_FAILS")
def ctc_fails(review: Review) -> Iterator[Raw]:
    """The materials that defeat the change are found with the engine's own test
    (``material_makes_change``), on the term the failed check names."""
    if review.outcome is not Outcome.NOT_ORIGINATING:
        return
    product = review.declaration.product.code
    by_id = {m.id: (path, m) for path, m in review.materials()}
    tolerance = [c for c in review.trace("de_minimis") if c.result is Result.FAIL]
    for found in review.trace("change:"):
        if found.result is not Result.FAIL:
            continue
        rule_text = found.name.removeprefix("change:")
        term = parse_rule(rule_text).alternatives[0].terms[0]
        assert isinstance(term, ChangeOfClassification)
        offending: list[str] = []
        reasons: dict[str, str] = {}
        for material_id, reason in found.inputs.get("non_originating_materials", {}).items():
            _, material = by_id[material_id]
            makes, _ = material_makes_change(product, material.code, term)
            if makes is not True:
                offending.append(material_id)
                reasons[material_id] = f"{material.hs_code}: {reason}"
        yield Raw(
            "CTC_FAILS",
            params={"rule": rule_text, "materials": offending},
            fields=tuple(f"{by_id[i][0]}.hs_code" for i in offending),
            data={
                "rule": rule_text,
                "materials": reasons,
                "engine": found.summary,
                "de_minimis": [c.summary for c in tolerance],
            },
        )


@check("RVC_MARGIN_THIN")
def rvc_margin(review: Review) -> Iterator[Raw]:
    determination = review.determination
    if determination is None or determination.outcome is not Outcome.ORIGINATING:
        return
    if "RVC" not in determination.criteria:
        return
    passed = [c for c in review.trace("regional_value_content") if c.result is Result.PASS]
    if not passed:
        return
    found = min(passed, key=lambda c: Decimal(c.inputs["percent"]) - Decimal(c.inputs["threshold"]))
    percent, threshold = Decimal(found.inputs["percent"]), Decimal(found.inputs["threshold"])
    margin = percent - threshold
    if margin < RVC_THIN_MARGIN_POINTS:
        yield Raw(
            "RVC_MARGIN_THIN",
            params={"percent": percent, "threshold": threshold, "margin": round2(margin)},
            fields=("fob_value", "materials"),
            data={
                "percent": percent,
                "threshold": threshold,
                "margin": round2(margin),
                "thin_below_points": RVC_THIN_MARGIN_POINTS,
                "engine": found.summary,
            },
        )


@check("DE_MINIMIS_RELIED")
def de_minimis(review: Review) -> Iterator[Raw]:
    """Info; warn when within ``DE_MINIMIS_THIN_MARGIN_POINTS`` of the tolerance."""
    determination = review.determination
    if determination is None or "DMI" not in determination.flags:
        return
    for found in review.trace("de_minimis"):
        if found.result is not Result.PASS:
            continue
        measures = [found.inputs]
        if "by_value" in found.inputs:  # Chapters 50-63: by value or by weight, Art. 3.7(1)
            measures = [found.inputs["by_weight"], found.inputs["by_value"]]
        for inputs in measures:
            if "percent" not in inputs or "limit_percent" not in inputs:
                continue
            percent, limit = Decimal(inputs["percent"]), Decimal(inputs["limit_percent"])
            if percent > limit:
                continue
            by_weight = "weight" in inputs
            thin = limit - percent < DE_MINIMIS_THIN_MARGIN_POINTS
            ids = [str(m) for m in inputs.get("materials", [])]
            yield Raw(
                "DE_MINIMIS_RELIED",
                params={
                    "percent": percent,
                    "limit": limit,
                    "basis": Word("the good's weight" if by_weight else "the FOB value"),
                },
                fields=tuple(_paths(review, ids, "weight_kg" if by_weight else "value")),
                data={
                    "percent": percent,
                    "limit_percent": limit,
                    "basis": "weight" if by_weight else "value",
                    "materials": ids,
                    "engine": found.summary,
                },
                severity=Severity.WARN if thin else None,
            )
            return


@check("COUNTRY_OF_ORIGIN_NOT_ESTABLISHED", "ADDITIONAL_RULE_NOT_MET")
def country_of_origin(review: Review) -> Iterator[Raw]:
    """Art. 2.6: a certificate names the RCEP country of origin; issuance refuses a good
    whose country is not established."""
    determination = review.determination
    if determination is None or determination.outcome is not Outcome.ORIGINATING:
        return
    declaration = review.declaration
    if determination.rcep_country_of_origin is None:
        fields = [m.field for m in determination.missing]
        yield Raw(
            "COUNTRY_OF_ORIGIN_NOT_ESTABLISHED",
            params={"fields": fields},
            fields=tuple(fields),
            data={"missing": [m.to_dict() for m in determination.missing]},
        )
    additional = determination.additional_rule
    if additional is not None and additional.applies and additional.met is False:
        yield Raw(
            "ADDITIONAL_RULE_NOT_MET",
            params={
                "importing": party_name(declaration.importing_party),
                "party": declaration.exporting_party,
                "percent": round2(additional.exporting_party_value_content_percent or Decimal(0)),
                "threshold": additional.threshold,
                "country": determination.rcep_country_of_origin,
            },
            fields=("product.import_tariff_line", "materials"),
            data={
                **additional.to_dict(),
                "rcep_country_of_origin": determination.rcep_country_of_origin,
            },
        )


def _paths(review: Review, ids: list[str], leaf: str) -> list[str]:
    wanted = set(ids)
    return [f"{path}.{leaf}" for path, m in review.materials() if m.id in wanted]
