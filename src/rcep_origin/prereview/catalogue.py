"""The checks pre-review runs: code, default severity, the article or rationale, and the English
message and fix (the gettext message ids; translations live in ``locale/``).

A code is stable: clients match on it. A message template names its values in braces
(``{materials}``); a list value is joined the way the language joins lists. Some checks choose
between variants of their message (e.g. ``ENTRY_INTO_FORCE`` when the date is known and when it
is not); a variant keeps the code and may change the severity, which the check documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rcep_origin.prereview._model import Severity

REJECT, WARN, INFO = Severity.REJECT, Severity.WARN, Severity.INFO


@dataclass(frozen=True, slots=True)
class Text:
    message: str
    fix: str


@dataclass(frozen=True, slots=True)
class CheckSpec:
    code: str
    group: str  # hs, bom, evidence, production, verdict, consistency
    severity: Severity  # the default; a check may raise or lower it, as its docstring says
    reason: str  # the article, or the rationale when no article applies
    what: str  # one line: what it checks (documentation, not shown per finding)
    text: Text
    variants: dict[str, Text] = field(default_factory=dict)

    def texts(self) -> list[Text]:
        return [self.text, *self.variants.values()]


def _spec(
    code: str,
    group: str,
    severity: Severity,
    reason: str,
    what: str,
    message: str,
    fix: str,
    **variants: tuple[str, str],
) -> CheckSpec:
    return CheckSpec(
        code,
        group,
        severity,
        reason,
        what,
        Text(message, fix),
        {name: Text(*pair) for name, pair in variants.items()},
    )


_SPECS = [
    # --- HS classification -------------------------------------------------------------------
    _spec(
        "HS_UNKNOWN",
        "hs",
        REJECT,
        "Annex 3A, headnote 3; Annex 3B (HS code)",
        "the product's or a material's HS code exists in its edition",
        "{field}: HS code {code} does not exist in {edition}.",
        "Re-classify it under a code that exists in {edition}.",
    ),
    _spec(
        "HS_EDITION_UNAVAILABLE",
        "hs",
        INFO,
        "Annex 3A (negotiated in HS2012, transposed to HS2022)",
        "the nomenclature of the declared edition is at hand to check codes against",
        "The {edition} nomenclature is not available, so the HS codes could not be checked "
        "against it.",
        "Declare the codes in HS2022 if you can, or check them against the {edition} "
        "nomenclature yourself.",
    ),
    _spec(
        "HS_DESCRIPTION_MISMATCH",
        "hs",
        WARN,
        "Annex 3A, headnote 3; HS General Interpretative Rule 1",
        "the declared HS code fits the description about as well as the best suggestion",
        "{field}: the description “{description}” fits {best_code} (score {best_score}) much "
        "better than the declared {code} (score {score}).",
        "Check the classification; the closest codes are {suggestions}. If {code} is right, "
        "describe the item in the nomenclature's terms.",
    ),
    _spec(
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
    ),
    _spec(
        "RULE_NOT_IN_CATALOGUE",
        "hs",
        REJECT,
        "Art. 3.2(c); Annex 3A",
        "the rule set has an Annex 3A rule for the product, when the engine needs one",
        "No Annex 3A rule for {code} ({edition}) in rule set {ruleset}: origin under the "
        "product-specific rule cannot be decided.",
        "Load a complete rule catalogue (--rules DIR), or check whether the good is wholly "
        "obtained or produced exclusively from originating materials.",
    ),
    # --- bill of materials ------------------------------------------------------------------
    _spec(
        "BOM_EMPTY",
        "bom",
        REJECT,
        "Art. 3.2(b), (c)",
        "a good that is not wholly obtained lists the materials it is made from",
        "The bill of materials lists no component, and the good is not claimed wholly obtained.",
        "List every material used in production, with its HS code, value and origin.",
    ),
    _spec(
        "BOM_VALUE_EXCEEDS_FOB",
        "bom",
        REJECT,
        "Art. 3.5; Art. 3.1 (FOB value)",
        "the materials together are worth no more than the good's FOB value",
        "The materials are worth {total} {currency}, more than the FOB value of {fob} {currency}.",
        "Check the units, quantities and currencies of the material values (a value per batch "
        "instead of per unit is a common slip), and the FOB value.",
    ),
    _spec(
        "BOM_VALUE_MISSING",
        "bom",
        WARN,
        "Art. 3.5(3); Art. 3.7; Art. 2.6",
        "every material has a value",
        "{count} material(s) have no value: {materials}.",
        "Declare each material's value (CIF at importation, or the earliest price paid in the "
        "Party, Art. 3.5(3)); the RVC, de minimis and Art. 2.6 need them.",
    ),
    _spec(
        "BOM_DUPLICATE_PART",
        "bom",
        WARN,
        "Art. 3.5 (each material counted once)",
        "no part number is listed twice",
        "Part number {part_number} is listed {count} times: {materials}.",
        "Merge the lines into one with the total quantity and value, or correct the part numbers.",
    ),
    _spec(
        "BOM_ZERO_VALUE",
        "bom",
        WARN,
        "Art. 3.5(2), (3); Customs Valuation Agreement",
        "no material is declared with a value of zero",
        "{count} material(s) are declared with a value of zero: {materials}.",
        "Declare the price paid or payable; a material supplied free of charge still has a "
        "customs value.",
    ),
    _spec(
        "BOM_HS_MISSING",
        "bom",
        WARN,
        "Annex 3A, headnote 5",
        "every non-originating component has an HS code to test the change of classification",
        "{count} non-originating material(s) have no HS code, so the change in tariff "
        "classification cannot be tested: {materials}.",
        "Declare the HS code (at least the heading) of every non-originating material.",
    ),
    _spec(
        "BOM_CURRENCY_WITHOUT_RATE",
        "bom",
        REJECT,
        "Art. 3.5(2)",
        "every value in another currency than the FOB value has a declared exchange rate",
        "{field} is in {currency}, but no {currency}→{fob_currency} exchange rate is declared.",
        "Add the rate to fx_rates ({{from, to, rate, date, source}}), as published for the "
        "date of exportation.",
    ),
    _spec(
        "FX_RATE_STALE",
        "bom",
        WARN,
        "Art. 3.5(2); Customs Valuation Agreement, Art. 9",
        "the exchange rates used are dated close to the declaration date",
        "The {pair} rate is dated {rate_date}, {days} days from the declaration date {date}.",
        "Use the rate in effect at the time of exportation (e.g. the customs monthly rate) and "
        "record its date and source.",
    ),
    _spec(
        "FX_RATE_CONFLICT",
        "bom",
        WARN,
        "Art. 3.5(2)",
        "one currency pair has one rate",
        "fx_rates declares different {pair} rates: {rates}; the first one is used.",
        "Keep one rate per currency pair.",
    ),
    # --- origin of materials and evidence ------------------------------------------------------
    _spec(
        "ORIGIN_UNDETERMINED",
        "evidence",
        WARN,
        "Art. 3.5(4)",
        "every material's origin is stated (info when the good qualifies regardless)",
        "{count} material(s) are of undetermined origin and count as non-originating: {materials}.",
        "Ask the suppliers for the origin and, for materials originating in a Party, a "
        "supplier declaration.",
    ),
    _spec(
        "ORIGIN_PARTY_NOT_RCEP",
        "evidence",
        REJECT,
        "Art. 3.2; Art. 3.4",
        "a material declared originating comes from an RCEP Party, on the BOM and on its "
        "supplier declaration",
        "{field} is declared originating, but {party} is not an RCEP Party.",
        "Set originating to false (the material then counts as non-originating), or correct "
        "the origin if it was made in a Party.",
    ),
    _spec(
        "EVIDENCE_MISSING",
        "evidence",
        WARN,
        "Art. 3.27 (record keeping); Art. 3.24 (verification)",
        "every material declared originating has a supplier declaration (reject when the "
        "verdict depends on them)",
        "{count} material(s) are declared originating without a supplier declaration: {materials}.",
        "Obtain a supplier declaration (reference, supplier, issue date, validity) for each, "
        "or declare them non-originating.",
    ),
    _spec(
        "EVIDENCE_EXPIRED",
        "evidence",
        WARN,
        "Art. 3.27 (record keeping); Art. 3.24 (verification)",
        "each supplier declaration is valid on the declaration date (reject when the verdict "
        "depends on it)",
        "{field}: supplier declaration {reference} covers {issued} to {valid_until}, not the "
        "declaration date {date}.",
        "Obtain a supplier declaration valid on {date}.",
    ),
    _spec(
        "EVIDENCE_SUPPLIER_MISMATCH",
        "evidence",
        WARN,
        "Art. 3.27 (record keeping)",
        "the supplier declaration is made by the material's supplier",
        "{field}: the supplier declaration is made by “{declared_by}”, but the material's "
        "supplier is “{supplier}”.",
        "Attach the declaration of the supplier that sold the material, or correct the supplier.",
    ),
    _spec(
        "EVIDENCE_ORIGIN_MISMATCH",
        "evidence",
        REJECT,
        "Art. 3.4; Art. 3.27",
        "the supplier declaration covers the origin the material is declared with",
        "{field}: the supplier declaration covers origin {covered}, but the material is "
        "declared from {party}.",
        "Declare the origin the supplier declaration states, or obtain one that covers {party}.",
    ),
    _spec(
        "FIRMWARE_LOG_MISSING",
        "evidence",
        WARN,
        "Art. 3.27 (record keeping); Art. 3.6 (the substantive step must be shown)",
        "a good whose value relies on software integration comes with its firmware log",
        "The good's value relies on software integration, but no firmware log is attached.",
        "Attach the firmware log (evidence.firmware_log: reference, version, sha256) showing "
        "what was installed in {party}.",
    ),
    _spec(
        "PRODUCTION_LOG_MISSING",
        "evidence",
        WARN,
        "Art. 3.27 (record keeping)",
        "a production log backs the production the verdict relies on (info for wholly "
        "obtained goods and goods produced exclusively from originating materials)",
        "No production log is attached for the production in {party}.",
        "Attach the production log (evidence.production_log: reference, sha256).",
    ),
    _spec(
        "LOG_NOT_HASHED",
        "evidence",
        INFO,
        "Art. 3.27 (record keeping)",
        "an attached log carries its SHA-256, so it can be shown unchanged later",
        "The {log} has no SHA-256, so it cannot be shown later that it was not changed.",
        "Add the log file's SHA-256 (evidence.{key}.sha256).",
    ),
    _spec(
        "CUMULATION_RELIED",
        "evidence",
        INFO,
        "Art. 3.4",
        "the verdict relies on cumulation, whose materials need their own proof of origin",
        "The verdict relies on cumulation: materials originating in other Parties count as "
        "originating ({materials}).",
        "Keep the proof of origin of these materials (certificate, declaration of origin or "
        "supplier declaration).",
    ),
    # --- production ---------------------------------------------------------------------------
    _spec(
        "PRODUCTION_STEPS_MISSING",
        "production",
        WARN,
        "Art. 3.6; Art. 2.6(2)",
        "production steps in the exporting Party are declared (reject when the engine needs them)",
        "No production step in {party} is declared.",
        "List the production steps performed in {party} (description, party), marking the "
        "minimal operations.",
    ),
    _spec(
        "FINAL_STEP_NOT_IN_EXPORTING_PARTY",
        "production",
        WARN,
        "Art. 3.2; Art. 2.6(2)",
        "the last production step took place in the exporting Party",
        "The last production step (“{step}”) is declared in {step_party}, not in the exporting "
        "Party {party}.",
        "Check where the good was finished: it acquires originating status where it is "
        "produced, and that Party's exporter declares it.",
    ),
    _spec(
        "STEP_OUTSIDE_PARTIES",
        "production",
        WARN,
        "Art. 3.2 (produced in a Party)",
        "production steps take place in RCEP Parties",
        "{field}: step “{step}” was performed in {step_party}, which is not an RCEP Party; it "
        "does not count toward origin.",
        "Declare what was made in {step_party} as a non-originating material instead of a "
        "production step.",
    ),
    _spec(
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
        likely=(
            "The steps declared in {party} all look like minimal operations under Art. 3.6 "
            "({steps}), though they are not marked as such; if they are, the good does not "
            "qualify.",
            "Describe the substantive processing precisely, or mark the steps as minimal "
            "operations.",
        ),
    ),
    _spec(
        "MINIMAL_OPERATION_SUSPECTED",
        "production",
        WARN,
        "Art. 3.6",
        "a step that reads like a minimal operation is marked as one",
        "{field}: “{step}” looks like a minimal operation (Art. 3.6 {subparagraphs}) but is not "
        "marked minimal_operation.",
        "Mark it minimal_operation: true if that is all it is, or describe the processing it "
        "involves.",
    ),
    # --- the engine's verdict -----------------------------------------------------------------
    _spec(
        "ENTRY_INTO_FORCE",
        "verdict",
        REJECT,
        "Art. 20.7",
        "the Agreement is in force for both Parties on the declaration date (warn when the "
        "date is not known from a source)",
        "RCEP is not in force for {party_name} on {date} (in force from {entry_into_force}).",
        "Ship on or after {entry_into_force}, or check the declaration date.",
        unknown=(
            "The date RCEP entered into force for {party_name} is not known from a source.",
            "Check the Party's entry into force with the issuing body.",
        ),
    ),
    _spec(
        "CONSIGNMENT_NOT_DIRECT",
        "verdict",
        REJECT,
        "Art. 3.15",
        "transit meets direct consignment",
        "The transit through {parties} does not meet direct consignment: operations beyond "
        "logistics, or not under customs control.",
        "In transit only unloading, reloading, storage and operations to preserve the good are "
        "allowed, under customs control; keep the transit documents.",
    ),
    _spec(
        "WO_CLAIM_FAILS",
        "verdict",
        WARN,
        "Art. 3.3",
        "a wholly obtained claim is consistent with the bill of materials",
        "The good is claimed wholly obtained, but the bill of materials lists non-originating "
        "materials: {materials}.",
        "Remove the wholly obtained claim, or correct the materials' origin.",
    ),
    _spec(
        "NOT_ORIGINATING",
        "verdict",
        REJECT,
        "Art. 3.2",
        "the engine finds the good originating",
        "The engine finds the good not originating: {summary}",
        "See the other findings for what fails; a certificate of origin cannot be issued as "
        "declared.",
    ),
    _spec(
        "UNDECIDABLE",
        "verdict",
        REJECT,
        "Art. 3.2",
        "the engine can decide origin from the facts declared",
        "The engine cannot decide origin; {count} fact(s) are missing: {fields}.",
        "Supply the missing facts (data.missing gives the reason for each) and pre-review again.",
    ),
    _spec(
        "RVC_FAILS",
        "verdict",
        REJECT,
        "Art. 3.5",
        "the regional value content the rule requires is met",
        "The RVC is {percent} % ({method}), {gap} points below the {threshold} % threshold.",
        "Non-originating value {vnm} {currency} would have to fall to {max_vnm} {currency} or "
        "less: source more from RCEP Parties, with supplier declarations, or check that "
        "originating materials are declared as such.",
        build_up=(
            "The RVC is {percent} % ({method}), {gap} points below the {threshold} % threshold.",
            "Originating materials and costs would have to reach {min_numerator} {currency}: "
            "check the cost elements and the origin of the materials.",
        ),
    ),
    _spec(
        "CTC_FAILS",
        "verdict",
        REJECT,
        "Annex 3A, headnotes 5-7; Art. 3.7",
        "the non-originating materials make the change of classification the rule requires",
        "{rule} is not met: the non-originating {materials} do not change classification as "
        "required, beyond what de minimis allows.",
        "Check those materials' HS codes and origin; the good may still qualify under another "
        "alternative of the rule (e.g. the RVC).",
    ),
    _spec(
        "RVC_MARGIN_THIN",
        "verdict",
        WARN,
        "Art. 3.5",
        "an RVC the verdict relies on clears its threshold by a safe margin",
        "The RVC is {percent} %, only {margin} points above the {threshold} % threshold.",
        "A small rise in non-originating costs or a move in the exchange rate would lose "
        "origin: confirm the values and rates, and re-check before each shipment.",
    ),
    _spec(
        "DE_MINIMIS_RELIED",
        "verdict",
        INFO,
        "Art. 3.7",
        "whether the verdict relies on de minimis (warn when close to the tolerance)",
        "The verdict relies on de minimis: materials failing the change are {percent} % of "
        "{basis}, within the {limit} % tolerance.",
        "Keep the values of those materials documented; the certificate shows DMI.",
    ),
    _spec(
        "COUNTRY_OF_ORIGIN_NOT_ESTABLISHED",
        "verdict",
        REJECT,
        "Art. 2.6",
        "an originating good's RCEP country of origin is established",
        "The good is originating, but its RCEP country of origin is not established; a "
        "certificate cannot be issued.",
        "Supply the missing facts: {fields}.",
    ),
    _spec(
        "ADDITIONAL_RULE_NOT_MET",
        "verdict",
        WARN,
        "Art. 2.6(3)",
        "a good on the importing Party's Appendix has the exporting Party's value content",
        "The good is on {importing}'s Appendix and the value content of {party} is {percent} %, "
        "below {threshold} %: the RCEP country of origin is {country}.",
        "The importing Party applies its rate for {country}; more value added in {party} would "
        "give {party}'s rate.",
    ),
    # --- across declarations ------------------------------------------------------------------
    _spec(
        "HS_INCONSISTENT_ACROSS_BOMS",
        "consistency",
        WARN,
        "Annex 3A, headnote 5 (the change is tested on each material's code)",
        "the same part (part number, else description) has the same HS code everywhere",
        "{field}: {item} is classified {code} here but {others} in {sources}.",
        "Classify the same part the same way everywhere; correct whichever declaration is wrong.",
    ),
    _spec(
        "ORIGIN_INCONSISTENT_ACROSS_DECLARATIONS",
        "consistency",
        WARN,
        "Art. 3.27; Art. 3.24",
        "the same supply (supplier and part) has the same origin everywhere",
        "{field}: {item} from {supplier} is declared {origin} here but {others} in {sources}.",
        "Check the supplier declarations and declare the same origin for the same supply.",
    ),
]

CHECKS: dict[str, CheckSpec] = {spec.code: spec for spec in _SPECS}

# Words the messages insert, translated like the messages.
WORDS = {
    "none": "none",
    "open-ended": "open-ended",
    "originating": "originating",
    "not originating": "not originating",
    "undecidable": "undecidable",
    "non-originating": "non-originating",
    "undetermined": "undetermined",
    "build-down": "build-down",
    "build-up": "build-up",
    "the FOB value": "the FOB value",
    "the good's weight": "the good's weight",
    "production log": "production log",
    "firmware log": "firmware log",
}

# The Parties' names as ``data/parties.csv`` gives them, translated for messages.
PARTY_NAMES = (
    "Australia",
    "Brunei Darussalam",
    "Cambodia",
    "China",
    "Indonesia",
    "Japan",
    "Korea",
    "Lao PDR",
    "Malaysia",
    "Myanmar",
    "New Zealand",
    "Philippines",
    "Singapore",
    "Thailand",
    "Viet Nam",
)

# Small messages inserted in larger ones.
ORIGIN_PHRASE = "{party} ({status})"

# Sentences appended to a message or fix in some cases.
CLOSEST = "Closest by description: {suggestions}."
RELIED = "The verdict depends on them: counted as undetermined, the good would be “{outcome}”."

# The words of the command line's report.
REPORT = {
    "title": "Pre-review: {verdict}",
    "engine": "Engine: {summary}",
    "counts": "{reject} to fix, {warn} to check, {info} for information",
    "pass": "pass",
    "warn": "warn",
    "reject": "reject",
    "info": "info",
    "no findings": "No findings.",
}


def message_ids() -> list[str]:
    """Every message id the catalogues must translate."""
    ids: list[str] = []
    for spec in _SPECS:
        for text in spec.texts():
            ids += [text.message, text.fix]
    ids += (
        list(WORDS.values())
        + list(PARTY_NAMES)
        + [ORIGIN_PHRASE, CLOSEST, RELIED]
        + list(REPORT.values())
    )
    return list(dict.fromkeys(ids))
