"""A verdict put into words for the console: its steps (title, article, result, sentence) in the
reader's language, and the value build-up its chart draws.

The engine explains itself in English (``trace[].summary``), from typed facts it also records
(``trace[].inputs`` and the verdict's fields). In English the console shows the engine's own
sentences. In Chinese it writes each step again from those facts, with sentences from the
catalogue (``locale/``), and keeps the engine's English sentence beside it as the original; a
step it has no sentence for shows the English one, marked as such.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rcep_origin.web._i18n import Lang, party_name, text

# Step titles by the engine's check names (``change:<term>`` has one title per term).
TITLES = {
    "in_force_exporting_party": "Agreement in force for the exporting Party",
    "in_force_importing_party": "Agreement in force for the importing Party",
    "direct_consignment": "Direct consignment",
    "currency_conversion": "Currency conversion",
    "wholly_obtained": "Wholly obtained",
    "wholly_obtained_rule": "Rule requiring a wholly obtained good",
    "produced_exclusively_from_originating_materials": "Produced exclusively from originating materials",
    "product_specific_rule": "Product-specific rule",
    "change:CC": "Change of chapter (CC)",
    "change:CTH": "Change of heading (CTH)",
    "change:CTSH": "Change of subheading (CTSH)",
    "regional_value_content": "Regional value content",
    "beyond_minimal_operations": "Beyond minimal operations",
    "chemical_reaction": "Chemical reaction",
    "cumulation": "Cumulation",
    "de_minimis": "De minimis",
    "rule_met": "Rule met",
    "tariff_differentials": "Tariff differentials",
    "acquired_originating_status_in_exporting_party": "Originating status acquired in the exporting Party",
    "appendix_additional_requirement": "Appendix goods: 20 % value from the exporting Party",
    "rcep_country_of_origin": "RCEP country of origin",
    "highest_value_contributor": "Highest value of originating materials",
    "importer_alternative_claim": "The importer's alternative claim",
}
RESULTS = {
    "pass": "met",
    "fail": "not met",
    "unknown": "cannot decide",
    "info": "fact",
    "skipped": "not needed",
}
OUTCOMES = {
    "originating": "Originating",
    "not_originating": "Not originating",
    "undecidable": "Cannot decide",
}
TERMS_ZH = {"CC": "章", "CTH": "品目", "CTSH": "子目"}


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    article: str
    result: str  # pass, fail, unknown, info, skipped
    result_label: str
    sentence: str
    original: str | None  # the engine's English sentence, when ``sentence`` is a translation
    translated: bool


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    amount: Decimal
    percent: Decimal
    x: Decimal = Decimal(0)  # where the bar starts, in percent of the FOB value


@dataclass(frozen=True)
class Chart:
    currency: str
    fob: Decimal
    segments: list[Segment]
    threshold: Decimal | None  # the RVC threshold, in percent
    rvc: Decimal | None
    method: str | None
    notes: list[str] = field(default_factory=list)


def article(lang: Lang, value: str) -> str:
    """An article reference as a Chinese reader cites it ("Art. 3.5(1)(a)" is
    "第3.5条第1款(a)项"); unchanged in English."""
    if lang == "en":
        return value
    out = value
    out = re.sub(
        r"Art\. (\d+\.\d+)\((\d+)\)-\((\d+)\)", lambda m: f"第{m[1]}条第{m[2]}至{m[3]}款", out
    )
    out = re.sub(
        r"Art\. (\d+\.\d+)\((\d+)\)\(([a-z])\)", lambda m: f"第{m[1]}条第{m[2]}款({m[3]})项", out
    )
    out = re.sub(r"Art\. (\d+\.\d+)\((\d+)\)", lambda m: f"第{m[1]}条第{m[2]}款", out)
    out = re.sub(r"Art\. (\d+\.\d+)\(([a-z])\)", lambda m: f"第{m[1]}条({m[2]})项", out)
    out = re.sub(r"Arts?\. (\d+\.\d+)", lambda m: f"第{m[1]}条", out)
    for english, chinese in (
        ("Annex 3A, Headnotes 4 and 8", "附件3A总注释第4、8条"),
        ("Annex 3A, Headnotes", "附件3A总注释"),
        (
            "Annex I, Appendix to the Schedules of the Parties with differentiated commitments",
            "附件一有差别承诺缔约方减让表附录",
        ),
        ("Annex 3A", "附件3A"),
        (", first sentence", "第一句"),
        (" or ", "或"),
        ("; ", "；"),
    ):
        out = out.replace(english, chinese)
    return out


def _d(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value).split()[0])
    except (InvalidOperation, IndexError):
        return None


def _ids(values: Any) -> str:
    if isinstance(values, Mapping):
        values = list(values)
    if isinstance(values, list | tuple):
        return "、".join(str(v) for v in values) or "—"
    return str(values)


# --- Chinese sentences, one per step, from the step's facts --------------------------------------

Facts = Mapping[str, Any]
Writer = Callable[[Lang, str, Facts, Facts, Facts], str | None]


def _in_force(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    values = {"party": party_name(lang, str(inputs.get("party", ""))), "date": inputs.get("date")}
    if result == "pass":
        return text(lang, "On {date} the Agreement is in force for {party}.", **values)
    if result == "fail":
        return text(lang, "On {date} the Agreement is not yet in force for {party}.", **values)
    return text(
        lang, "The date the Agreement entered into force for {party} is not known.", **values
    )


def _consignment(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    if result == "pass" and not inputs:
        return text(
            lang,
            "Transported directly from {exporting} to {importing} (no transit declared).",
            exporting=party_name(lang, str(doc.get("exporting_party", ""))),
            importing=party_name(lang, str(doc.get("importing_party", ""))),
        )
    if result == "pass":
        return text(
            lang,
            "Transit through a non-Party with only unloading, reloading, storage or preservation, under customs control.",
        )
    return text(
        lang,
        "In transit the goods underwent more than the operations allowed, or were not under customs control.",
    )


def _conversion(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    currency = (doc.get("fob_value") or {}).get("currency", "")
    return text(
        lang,
        "{count} value(s) converted to {currency} at the declared rates.",
        count=len(inputs),
        currency=currency,
    )


def _exclusively(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    if result == "pass":
        parties = [party_name(lang, p) for p in inputs.get("origin_parties", [])]
        return text(
            lang,
            "Every component material originates in an RCEP Party ({parties}).",
            parties="、".join(parties),
        )
    return text(
        lang,
        "Not every material is originating: {materials} (a material of undetermined origin counts as non-originating, Art. 3.5(4)).",
        materials=_ids(inputs.get("non_originating_materials", [])),
    )


def _wholly(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    if result == "pass":
        return text(
            lang,
            "Wholly obtained in {party} ({category}).",
            party=party_name(lang, str(doc.get("exporting_party", ""))),
            category=str(inputs.get("category", "")).replace("_", " "),
        )
    return text(
        lang,
        "Claimed wholly obtained, but the bill of materials lists non-originating or undetermined materials: {materials}.",
        materials=_ids(inputs.get("non_originating_materials", [])),
    )


def _wholly_rule(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    return text(
        lang,
        "The rule requires a wholly obtained good (or one produced exclusively from originating materials).",
    )


def _psr(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    rule = verdict.get("rule") or {}
    if result == "info" and rule:
        return text(
            lang,
            "Annex 3A rule for {code} ({edition}): {rule} [{layer}, {row}].",
            code=rule.get("hs_code", ""),
            edition=rule.get("hs_edition", ""),
            rule=rule.get("text", ""),
            layer=rule.get("layer", ""),
            row=rule.get("row", ""),
        )
    if "candidates" in inputs:
        return text(
            lang,
            "Cannot decide: the code maps to several HS2012 subheadings, so which Annex 3A row applies is not known.",
        )
    return text(
        lang,
        "Cannot decide: the rule set has no Annex 3A row for this code (a gap in the rule set, not in the declaration).",
    )


def _change(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts, term: str) -> str:
    unit = TERMS_ZH.get(term, term) if lang == "zh" else term
    materials = inputs.get("non_originating_materials") or {}
    if result == "pass":
        return text(
            lang,
            "Every non-originating material ({count}) undergoes a change of {unit}.",
            count=len(materials),
            unit=unit,
        )
    failing = [
        m
        for m, why in (materials.items() if isinstance(materials, Mapping) else [])
        if "no " in why
    ]
    return text(
        lang,
        "{term} is not met by: {materials}.",
        term=term,
        materials=_ids(failing or list(materials)),
    )


def _rvc(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    rvc = verdict.get("rvc") or {}
    if result == "unknown" or not rvc:
        return text(lang, "The regional value content cannot be computed: a value is missing.")
    method = text(lang, "build-down" if rvc.get("method") == "build_down" else "build-up")
    values = {
        "percent": rvc.get("percent"),
        "method": method,
        "threshold": rvc.get("threshold"),
        "margin": str(abs(_d(rvc.get("margin")) or Decimal(0))),
    }
    if result == "pass":
        return text(
            lang,
            "RVC {percent} % ({method}) meets the {threshold} % threshold by {margin} points.",
            **values,
        )
    return text(
        lang,
        "RVC {percent} % ({method}) falls short of the {threshold} % threshold by {margin} points.",
        **values,
    )


def _minimal(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    party = party_name(lang, str(doc.get("exporting_party", "")))
    if result == "pass":
        return text(
            lang,
            "Production in {party} goes beyond minimal operations: {steps}.",
            party=party,
            steps="；".join(inputs.get("substantive_steps", [])),
        )
    if result == "fail":
        return text(
            lang,
            "Every step in {party} is a minimal operation ({steps}); these do not confer origin, alone or combined.",
            party=party,
            steps="；".join(inputs.get("minimal_steps", [])),
        )
    return text(
        lang,
        "No production step in {party} is declared, so it cannot be shown that more than minimal operations were performed.",
        party=party,
    )


def _chemical(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    if result == "pass":
        return text(lang, "A chemical reaction took place in a Party.")
    return text(lang, "No production step is declared as a chemical reaction in a Party.")


def _cumulation(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    return text(
        lang,
        "Materials originating in other Parties count as originating: {materials}.",
        materials=_ids(inputs.get("materials", [])),
    )


def _de_minimis(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    facts = inputs.get("by_value", inputs)
    values = {"percent": facts.get("percent", "?"), "limit": facts.get("limit_percent", "10")}
    if result == "pass":
        return text(
            lang,
            "Materials failing the change are {percent} % of the FOB value, within the {limit} % tolerance.",
            **values,
        )
    if result == "fail":
        return text(
            lang,
            "Materials failing the change are {percent} % of the FOB value, above the {limit} % tolerance.",
            **values,
        )
    return text(lang, "De minimis cannot be decided: a value or an HS code is missing.")


def _rule_met(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    return text(
        lang,
        "The rule is met by the alternative {criteria}.",
        criteria=" + ".join(verdict.get("criteria") or []),
    )


def _differentials(
    lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts
) -> str | None:
    party = party_name(lang, str(inputs.get("importing_party", doc.get("importing_party", ""))))
    if "source" in inputs:
        return text(
            lang,
            "{party} keeps differentiated tariff commitments: the exporting Party's rate applies only if it is the RCEP country of origin.",
            party=party,
        )
    return text(lang, "{party} keeps no differentiated tariff commitments.", party=party)


def _acquired(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    party = party_name(lang, str(doc.get("exporting_party", "")))
    if result == "pass":
        return text(lang, "The good acquired originating status in {party}.", party=party)
    if result == "fail":
        return text(lang, "The good did not acquire originating status in {party}.", party=party)
    return None


def _appendix(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    values = {
        "percent": inputs.get("exporting_party_value_content_percent", "?"),
        "threshold": inputs.get("threshold_percent", "20"),
        "party": party_name(lang, str(doc.get("exporting_party", ""))),
    }
    if result == "pass":
        return text(
            lang,
            "Value added in {party} is {percent} % of the good's value, at least {threshold} %.",
            **values,
        )
    if result == "fail":
        return text(
            lang,
            "Value added in {party} is {percent} % of the good's value, below {threshold} %.",
            **values,
        )
    if result == "skipped":
        return text(lang, "Not needed for this good.")
    return None


def _country(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    country = verdict.get("rcep_country_of_origin")
    if result == "pass" and country:
        return text(lang, "RCEP country of origin: {party}.", party=party_name(lang, country))
    return text(lang, "The RCEP country of origin cannot be established without the missing facts.")


def _highest(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    country = verdict.get("rcep_country_of_origin")
    if result == "pass" and country:
        return text(
            lang,
            "RCEP country of origin: {party}, the Party that contributed the highest value of originating materials.",
            party=party_name(lang, country),
        )
    return text(
        lang,
        "The Party that contributed the highest value of originating materials cannot be named.",
    )


def _alternative(lang: Lang, result: str, inputs: Facts, verdict: Facts, doc: Facts) -> str | None:
    return text(
        lang,
        "The importer may instead claim the highest rate the importing Party applies to the good from any Party that contributed originating materials (if proven), or from any Party.",
    )


WRITERS: dict[str, Writer] = {
    "in_force_exporting_party": _in_force,
    "in_force_importing_party": _in_force,
    "direct_consignment": _consignment,
    "currency_conversion": _conversion,
    "produced_exclusively_from_originating_materials": _exclusively,
    "wholly_obtained": _wholly,
    "wholly_obtained_rule": _wholly_rule,
    "product_specific_rule": _psr,
    "regional_value_content": _rvc,
    "beyond_minimal_operations": _minimal,
    "chemical_reaction": _chemical,
    "cumulation": _cumulation,
    "de_minimis": _de_minimis,
    "rule_met": _rule_met,
    "tariff_differentials": _differentials,
    "acquired_originating_status_in_exporting_party": _acquired,
    "appendix_additional_requirement": _appendix,
    "rcep_country_of_origin": _country,
    "highest_value_contributor": _highest,
    "importer_alternative_claim": _alternative,
}


def steps(lang: Lang, verdict: Facts, document: Facts) -> list[Step]:
    """Each step of the verdict's trace, in ``lang``."""
    out = []
    for check in verdict.get("trace", []):
        name = str(check.get("name", ""))
        result = str(check.get("result", "info"))
        summary = str(check.get("summary", ""))
        inputs = check.get("inputs") or {}
        sentence: str | None = None
        if lang != "en":
            if name.startswith("change:"):
                sentence = _change(lang, result, inputs, verdict, document, name.split(":", 1)[1])
            elif name in WRITERS:
                sentence = WRITERS[name](lang, result, inputs, verdict, document)
        title = TITLES.get(name)
        out.append(
            Step(
                name=name,
                title=text(lang, title) if title else name.replace("_", " "),
                article=article(lang, str(check.get("article", ""))),
                result=result,
                result_label=text(lang, RESULTS.get(result, result)),
                sentence=sentence or summary,
                original=summary if sentence else None,
                translated=sentence is not None,
            )
        )
    return out


def headline(lang: Lang, verdict: Facts) -> str:
    """The verdict in one sentence."""
    outcome = str(verdict.get("outcome", ""))
    rule = (verdict.get("rule") or {}).get("text", "")
    country = verdict.get("rcep_country_of_origin")
    if lang == "en":
        return str(verdict.get("summary", ""))
    if outcome == "originating":
        return text(
            lang,
            "Originating ({criterion}) under '{rule}'; RCEP country of origin {party}.",
            criterion="、".join(verdict.get("criteria") or [verdict.get("criterion") or ""]),
            rule=rule,
            party=party_name(lang, str(country)) if country else "—",
        )
    if outcome == "not_originating":
        return text(lang, "Not originating under '{rule}'.", rule=rule or "—")
    return text(lang, "Cannot decide: facts are missing (listed below).")


# --- the value build-up ----------------------------------------------------------------------


def chart(lang: Lang, verdict: Facts, document: Facts) -> Chart | None:
    """The FOB value split into originating materials, materials of other Parties counted as
    originating (Art. 3.4), value added in the exporting Party (labour, overhead, profit and
    other costs: FOB less all materials), materials tolerated under de minimis (Art. 3.7) and
    the other non-originating materials. Transport packing is left out (Art. 3.8). None when
    a value is missing or not in the FOB currency without a conversion."""
    fob_value = document.get("fob_value") or {}
    fob = _d(fob_value.get("amount"))
    currency = str(fob_value.get("currency", ""))
    if fob is None or fob <= 0:
        return None
    conversions: dict[str, Any] = {}
    de_minimis: set[str] = set()
    for check in verdict.get("trace", []):
        if check.get("name") == "currency_conversion":
            conversions = check.get("inputs") or {}
        if check.get("name") == "de_minimis" and check.get("result") == "pass":
            facts = check.get("inputs") or {}
            facts = facts.get("by_value", facts)
            de_minimis.update(facts.get("materials", []))
    exporting = document.get("exporting_party")
    totals = dict.fromkeys(
        ("originating", "cumulated", "de_minimis", "non_originating"), Decimal(0)
    )
    for index, material in enumerate(document.get("materials", [])):
        role = material.get("role", "component")
        if role == "transport_packing":
            continue
        value = material.get("value") or {}
        converted = conversions.get(f"materials[{index}].value")
        amount = (
            _d(converted.get("to"))
            if isinstance(converted, Mapping)
            else _d(value.get("amount"))
            if value.get("currency") == currency
            else None
        )
        if amount is None:
            return None
        if role == "indirect" or material.get("originating") is True:
            origin = material.get("origin_party")
            key = "originating" if role == "indirect" or origin == exporting else "cumulated"
        elif material.get("id") in de_minimis:
            key = "de_minimis"
        else:
            key = "non_originating"
        totals[key] += amount
    materials = sum(totals.values(), Decimal(0))
    added = fob - materials
    labels = {
        "originating": text(
            lang, "Originating materials from {party}", party=party_name(lang, str(exporting))
        ),
        "cumulated": text(lang, "Materials of other Parties, counted as originating (Art. 3.4)"),
        "added": text(
            lang,
            "Value added in {party} (labour, overhead, profit)",
            party=party_name(lang, str(exporting)),
        ),
        "de_minimis": text(lang, "Non-originating, within de minimis (Art. 3.7)"),
        "non_originating": text(lang, "Non-originating materials"),
    }
    amounts = [
        ("originating", totals["originating"]),
        ("cumulated", totals["cumulated"]),
        ("added", max(added, Decimal(0))),
        ("de_minimis", totals["de_minimis"]),
        ("non_originating", totals["non_originating"]),
    ]
    segments = []
    x = Decimal(0)
    for key, amount in amounts:
        percent = (amount / fob * 100).quantize(Decimal("0.01"))
        segments.append(Segment(key, labels[key], amount.quantize(Decimal("0.01")), percent, x))
        x += percent
    rvc = verdict.get("rvc") or {}
    notes = []
    if added < 0:
        notes.append(text(lang, "The materials are worth more than the FOB value."))
    return Chart(
        currency=currency,
        fob=fob,
        segments=segments,
        threshold=_d(rvc.get("threshold")),
        rvc=_d(rvc.get("percent")),
        method=rvc.get("method"),
        notes=notes,
    )
