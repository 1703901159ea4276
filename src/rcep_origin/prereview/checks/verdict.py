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
from rcep_origin.prereview._spec import INFO, REJECT, WARN, spec
from rcep_origin.prereview.thresholds import DE_MINIMIS_THIN_MARGIN_POINTS, RVC_THIN_MARGIN_POINTS
from rcep_origin.trace import round2


def party_name(code: str) -> Word:
    return Word(parties()[code].name) if code in parties() else Word(code)


ENTRY_INTO_FORCE = spec(
    "ENTRY_INTO_FORCE",
    "verdict",
    REJECT,
    "Art. 20.7",
    "the Agreement is in force for both Parties on the declaration date (warn when the "
    "date is not known from a source)",
    "RCEP is not in force for {party_name} on {date} (in force from {entry_into_force}).",
    "Ship on or after {entry_into_force}, or check the declaration date.",
    why=(
        "No preference can be claimed before the Agreement is in force for both Parties (Art. "
        "20.7); warn only when the date is not known from a source."
    ),
    unknown=(
        "The date RCEP entered into force for {party_name} is not known from a source.",
        "Check the Party's entry into force with the issuing body.",
    ),
)


@check(ENTRY_INTO_FORCE)
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


CONSIGNMENT_NOT_DIRECT = spec(
    "CONSIGNMENT_NOT_DIRECT",
    "verdict",
    REJECT,
    "Art. 3.15",
    "transit meets direct consignment",
    "The transit through {parties} does not meet direct consignment: operations beyond "
    "logistics, or not under customs control.",
    "In transit only unloading, reloading, storage and operations to preserve the good are "
    "allowed, under customs control; keep the transit documents.",
    why="A good that fails direct consignment loses its originating status (Art. 3.15).",
)


@check(CONSIGNMENT_NOT_DIRECT)
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


WO_CLAIM_FAILS = spec(
    "WO_CLAIM_FAILS",
    "verdict",
    WARN,
    "Art. 3.3",
    "a wholly obtained claim is consistent with the bill of materials",
    "The good is claimed wholly obtained, but the bill of materials lists non-originating "
    "materials: {materials}.",
    "Remove the wholly obtained claim, or correct the materials' origin.",
    why=(
        "The engine does not rely on a claim the materials contradict; it decides on the "
        "other criteria, so the claim is dropped, not used."
    ),
)


@check(WO_CLAIM_FAILS)
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


NOT_ORIGINATING = spec(
    "NOT_ORIGINATING",
    "verdict",
    REJECT,
    "Art. 3.2",
    "the engine finds the good originating",
    "The engine finds the good not originating: {summary}",
    "See the other findings for what fails; a certificate of origin cannot be issued as declared.",
    why="No certificate can be issued for a good that is not originating (Art. 3.2).",
)


UNDECIDABLE = spec(
    "UNDECIDABLE",
    "verdict",
    REJECT,
    "Art. 3.2",
    "the engine can decide origin from the facts declared",
    "The engine cannot decide origin; {count} fact(s) are missing: {fields}.",
    "Supply the missing facts (data.missing gives the reason for each) and pre-review again.",
    why=(
        "A declaration that lacks facts the verdict needs cannot be certified; not reported "
        "when the only missing fact is the rule set's row (RULE_NOT_IN_CATALOGUE says so)."
    ),
)


_RULESET_GAP = "ruleset"  # the field the engine names when the rule set lacks the row


@check(NOT_ORIGINATING, UNDECIDABLE)
def outcome(review: Review) -> Iterator[Raw]:
    """NOT_ORIGINATING, or UNDECIDABLE with the facts the engine lacks; not UNDECIDABLE when the
    only missing fact is the rule set's row (``Missing("ruleset", ...)``): nothing in the
    declaration is missing, and RULE_NOT_IN_CATALOGUE says what is."""
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
        if all(field == _RULESET_GAP for field in fields):
            return  # the rule set's gap alone: RULE_NOT_IN_CATALOGUE (not a reject)
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


RVC_FAILS = spec(
    "RVC_FAILS",
    "verdict",
    REJECT,
    "Art. 3.5",
    "the regional value content the rule requires is met",
    "The RVC is {percent} % ({method}), {gap} points below the {threshold} % threshold.",
    "Non-originating value {vnm} {currency} would have to fall to {max_vnm} {currency} or "
    "less: source more from RCEP Parties, with supplier declarations, or check that "
    "originating materials are declared as such.",
    why=(
        "The value content the rule requires is not met (Art. 3.5): the good is not "
        "originating on that criterion."
    ),
    build_up=(
        "The RVC is {percent} % ({method}), {gap} points below the {threshold} % threshold.",
        "Originating materials and costs would have to reach {min_numerator} {currency}: "
        "check the cost elements and the origin of the materials.",
    ),
)


@check(RVC_FAILS)
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


CTC_FAILS = spec(
    "CTC_FAILS",
    "verdict",
    REJECT,
    "Annex 3A, headnotes 5-7; Art. 3.7",
    "the non-originating materials make the change of classification the rule requires",
    "{rule} is not met: the non-originating {materials} do not change classification as "
    "required, beyond what de minimis allows.",
    "Check those materials' HS codes and origin; the good may still qualify under another "
    "alternative of the rule (e.g. the RVC).",
    why=(
        "The change of classification the rule requires is not made (Annex 3A): the good is "
        "not originating on that criterion."
    ),
)


@check(CTC_FAILS)
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


RVC_MARGIN_THIN = spec(
    "RVC_MARGIN_THIN",
    "verdict",
    WARN,
    "Art. 3.5",
    "an RVC the verdict relies on clears its threshold by a safe margin",
    "The RVC is {percent} %, only {margin} points above the {threshold} % threshold.",
    "A small rise in non-originating costs or a move in the exchange rate would lose "
    "origin: confirm the values and rates, and re-check before each shipment.",
    why="The good qualifies; the margin is a risk for the next shipment, not a defect.",
)


@check(RVC_MARGIN_THIN)
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


DE_MINIMIS_RELIED = spec(
    "DE_MINIMIS_RELIED",
    "verdict",
    INFO,
    "Art. 3.7",
    "whether the verdict relies on de minimis (warn when close to the tolerance)",
    "The verdict relies on de minimis: materials failing the change are {percent} % of "
    "{basis}, within the {limit} % tolerance.",
    "Keep the values of those materials documented; the certificate shows DMI.",
    why="Relying on de minimis is lawful (Art. 3.7); warn only close to the tolerance.",
)


@check(DE_MINIMIS_RELIED)
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


COUNTRY_OF_ORIGIN_NOT_ESTABLISHED = spec(
    "COUNTRY_OF_ORIGIN_NOT_ESTABLISHED",
    "verdict",
    REJECT,
    "Art. 2.6",
    "an originating good's RCEP country of origin is established",
    "The good is originating, but its RCEP country of origin is not established; a "
    "certificate cannot be issued.",
    "Supply the missing facts: {fields}.",
    why=(
        "A certificate names the RCEP country of origin (Art. 2.6, Annex 3B); issuance "
        "refuses a good whose country is not established."
    ),
)


ADDITIONAL_RULE_NOT_MET = spec(
    "ADDITIONAL_RULE_NOT_MET",
    "verdict",
    WARN,
    "Art. 2.6(3)",
    "a good on the importing Party's Appendix has the exporting Party's value content",
    "The good is on {importing}'s Appendix and the value content of {party} is {percent} %, "
    "below {threshold} %: the RCEP country of origin is {country}.",
    "The importing Party applies its rate for {country}; more value added in {party} would "
    "give {party}'s rate.",
    why="The good stays originating; only the Party whose rate applies changes (Art. 2.6(3)).",
)


@check(COUNTRY_OF_ORIGIN_NOT_ESTABLISHED, ADDITIONAL_RULE_NOT_MET)
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
