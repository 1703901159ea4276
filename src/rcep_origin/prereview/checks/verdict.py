"""What the engine decided, as findings: read from its verdict and its typed facts
(``Determination.facts``), never recomputed and never read back from the trace.

Each finding carries the engine's own explanation (``data.engine``, the trace entry rendered from
the same fact) beside the localized message, which is built from the fact's figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from rcep_origin.origin import Outcome, RvcCalculation
from rcep_origin.parties import parties
from rcep_origin.prereview._i18n import Word
from rcep_origin.prereview._model import Severity
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview.thresholds import DE_MINIMIS_THIN_MARGIN_POINTS, RVC_THIN_MARGIN_POINTS
from rcep_origin.trace import round2


def party_name(code: str) -> Word:
    return Word(parties()[code].name) if code in parties() else Word(code)


@check("ENTRY_INTO_FORCE")
def entry_into_force(review: Review) -> Iterator[Raw]:
    """Art. 20.7: reject when the Agreement is not yet in force for a Party on the date; warn
    when its date of entry into force is not known from a source."""
    if review.facts is None:
        return
    for fact in review.facts.in_force:
        if fact.in_force is True:
            continue
        yield Raw(
            "ENTRY_INTO_FORCE",
            params={
                "party_name": party_name(fact.party),
                "date": review.declaration.date,
                "entry_into_force": fact.entry_into_force,
            },
            fields=(f"{fact.role}_party", "date"),
            data={
                "party": fact.party,
                "date": review.declaration.date,
                "entry_into_force": fact.entry_into_force,
                "engine": fact.check().summary,
            },
            variant=None if fact.in_force is False else "unknown",
            severity=None if fact.in_force is False else Severity.WARN,
        )


@check("CONSIGNMENT_NOT_DIRECT")
def consignment(review: Review) -> Iterator[Raw]:
    """Art. 3.15: the engine's ``DirectConsignment`` fact fails."""
    found = review.facts.consignment if review.facts is not None else None
    if found is None or found.met is not False:
        return
    transit = [stop.party for stop in found.transit]
    yield Raw(
        "CONSIGNMENT_NOT_DIRECT",
        params={"parties": transit},
        fields=("consignment.transit",),
        data={"transit": transit, "engine": found.check().summary},
    )


@check("WO_CLAIM_FAILS")
def wholly_obtained(review: Review) -> Iterator[Raw]:
    found = review.facts.wholly_obtained if review.facts is not None else None
    if found is None or found.met:
        return
    ids = list(found.non_originating_materials)
    yield Raw(
        "WO_CLAIM_FAILS",
        params={"materials": ids},
        fields=("wholly_obtained", *_paths(review, ids, "originating")),
        data={"materials": ids, "engine": found.check().summary},
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


def _rvc_data(term: RvcCalculation) -> dict[str, Any]:
    """The figures of an RVC term, as the engine shows them (percentages to two decimals)."""
    data: dict[str, Any] = {"method": term.method, "fob": term.fob, "currency": term.currency}
    if term.vnm is not None:
        data["vnm"] = term.vnm
    if term.vom is not None:
        data["vom"] = term.vom
    if term.figure is not None:
        data["percent"] = round2(term.figure.percent)
        data["threshold"] = term.threshold
    return data


@check("RVC_FAILS")
def rvc_fails(review: Review) -> Iterator[Raw]:
    """Reported only when the good is not originating: a failed RVC in an alternative the good
    did not need is no defect. One finding per RVC term of the rule that fails."""
    if review.outcome is not Outcome.NOT_ORIGINATING or review.facts is None:
        return
    for term in review.facts.rvc_terms:
        if term.met is not False or term.figure is None:
            continue
        percent, threshold = round2(term.figure.percent), term.threshold
        build_down = term.method == "build_down"
        params: dict[str, Any] = {
            "percent": percent,
            "threshold": threshold,
            "gap": round2(threshold - percent),
            "method": Word("build-down" if build_down else "build-up"),
            "currency": term.currency,
        }
        if build_down:
            params["vnm"] = round2(term.vnm if term.vnm is not None else Decimal(0))
            params["max_vnm"] = round2(term.max_vnm)
        else:
            params["min_numerator"] = round2(term.min_numerator)
        yield Raw(
            "RVC_FAILS",
            params=params,
            fields=("fob_value", "materials", *(("costs",) if not build_down else ())),
            data={**_rvc_data(term), "engine": term.check().summary, "article": term.article},
            variant=None if build_down else "build_up",
        )


@check("CTC_FAILS")
def ctc_fails(review: Review) -> Iterator[Raw]:
    """The materials that defeat the change, as the engine's ``CtcOutcome`` names them: those
    that do not make it and those it could not test, for each change term that failed."""
    if review.outcome is not Outcome.NOT_ORIGINATING or review.facts is None:
        return
    by_id = {m.id: path for path, m in review.materials()}
    changes = review.facts.changes
    tolerance = [
        change.de_minimis.check().summary
        for change in changes
        if change.de_minimis is not None and change.de_minimis.met is False
    ]
    for change in changes:
        if change.change_met is not False:
            continue
        failing = [m for m in change.materials if m.makes_change is not True]
        offending = [m.material for m in failing]
        yield Raw(
            "CTC_FAILS",
            params={"rule": change.term, "materials": offending},
            fields=tuple(f"{by_id[i]}.hs_code" for i in offending),
            data={
                "rule": change.term,
                "materials": {m.material: f"{m.hs_code}: {m.reason}" for m in failing},
                "engine": change.checks()[0].summary,
                "de_minimis": tolerance,
            },
        )


@check("RVC_MARGIN_THIN")
def rvc_margin(review: Review) -> Iterator[Raw]:
    """The good qualifies on an RVC term, but within ``RVC_THIN_MARGIN_POINTS`` of its
    threshold (the thinnest margin among the RVC terms met)."""
    determination = review.determination
    if determination is None or determination.outcome is not Outcome.ORIGINATING:
        return
    if "RVC" not in determination.criteria:
        return
    passed = [
        (round2(term.figure.percent), term)
        for term in determination.facts.rvc_terms
        if term.figure is not None and term.met is True
    ]
    if not passed:
        return
    percent, found = min(passed, key=lambda pair: pair[0] - pair[1].threshold)
    threshold = found.threshold
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
                "engine": found.check().summary,
            },
        )


@check("DE_MINIMIS_RELIED")
def de_minimis(review: Review) -> Iterator[Raw]:
    """Info; warn when within ``DE_MINIMIS_THIN_MARGIN_POINTS`` of the tolerance. Reads the
    tolerance the chosen alternative relied on (``Facts.de_minimis``)."""
    determination = review.determination
    if determination is None or "DMI" not in determination.flags:
        return
    relied = determination.facts.de_minimis
    test = None if relied is None else relied.passed
    if relied is None or test is None or test.percent is None:
        return
    percent, limit = round2(test.percent), test.limit_percent
    by_weight = test.basis == "weight"
    thin = limit - percent < DE_MINIMIS_THIN_MARGIN_POINTS
    ids = list(test.materials)
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
            "engine": relied.check().summary,
        },
        severity=Severity.WARN if thin else None,
    )


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
