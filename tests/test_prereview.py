"""Pre-review: each check fires on the defect it names, and stays silent on a sound declaration.

The sound declaration (``clean``) is originating under 85.38 "CTH or RVC40", with a supplier
declaration for its originating material, a hashed production log and production beyond minimal
operations: it passes with no finding at all. Each test changes one thing.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from prereview.helpers import (
    FIXTURE_RULES,
    HERE,
    SCENARIOS,
    SHA,
    Data,
    clean,
    material,
    only,
    run,
    scenario,
)
from rcep_origin import builtin_ruleset, load_ruleset, validate_declaration
from rcep_origin.origin import Outcome
from rcep_origin.prereview import (
    CHECKS,
    ContextLine,
    PreReviewContext,
    Severity,
    Verdict,
)
from rcep_origin.prereview._review import REGISTRY

# --- the catalogue and the verdict ------------------------------------------------------------


def test_there_are_at_least_25_distinct_coded_checks_each_with_an_article_or_rationale() -> None:
    assert len(CHECKS) >= 25
    for code, spec in CHECKS.items():
        assert code == code.upper() and " " not in code
        assert spec.reason and spec.what and spec.text.message and spec.text.fix


def test_every_catalogued_code_has_a_check_and_every_check_a_catalogued_code() -> None:
    registered = [code for entry in REGISTRY for code in entry.codes]
    assert sorted(registered) == sorted(CHECKS)


def test_each_check_declares_its_spec_and_why_its_severity_beside_its_code() -> None:
    for entry in REGISTRY:
        module = sys.modules[entry.function.__module__]
        for spec in entry.specs:
            assert getattr(module, spec.code) is spec, (module.__name__, spec.code)
            assert len(spec.why) > 40, spec.code  # the legal effect, in a sentence or more


def test_every_code_is_exercised_by_a_test() -> None:
    tests = "".join(path.read_text("utf-8") for path in HERE.rglob("test_*.py"))
    assert [code for code in CHECKS if f'"{code}"' not in tests] == []


def test_a_sound_declaration_passes_with_no_finding() -> None:
    review = run(clean())
    assert review.determination is not None
    assert review.determination.outcome is Outcome.ORIGINATING
    assert review.findings == ()
    assert review.verdict is Verdict.PASS


def test_the_verdict_is_the_worst_severity_found() -> None:
    warned = clean()
    del warned["evidence"]  # PRODUCTION_LOG_MISSING: warn
    assert run(warned).verdict is Verdict.WARN
    rejected = material(clean(), 1, supplier_declaration=None)
    rejected["materials"][1]["hs_code"] = "8538.10"
    rejected["materials"][1]["value"]["amount"] = "700"
    assert run(rejected).verdict is Verdict.REJECT


def test_findings_are_ordered_reject_warn_info_and_serialise_to_json() -> None:
    data = clean()
    del data["evidence"]
    material(data, 0, hs_code="8538.10", value={"amount": "700", "currency": "USD"})
    review = run(data)
    ranks = [finding.severity.rank for finding in review.findings]
    assert ranks == sorted(ranks)
    payload = review.to_dict()
    assert payload["verdict"] == "reject"
    assert payload["determination"]["outcome"] == "not_originating"
    assert payload["counts"]["reject"] == sum(1 for f in review.findings if f.severity == "reject")
    first = payload["findings"][0]
    assert set(first) == {"code", "severity", "message", "reason", "fields", "fix", "data"}


def test_the_engine_runs_once_and_its_verdict_is_returned_unchanged() -> None:
    from rcep_origin import determine

    data = clean()
    review = run(data)
    assert review.determination == determine(validate_declaration(data))


# --- HS classification ------------------------------------------------------------------------


def test_hs_unknown_a_material_code_that_is_not_in_the_edition_is_rejected() -> None:
    finding = only(run(material(clean(), 0, hs_code="8499")), "HS_UNKNOWN")
    assert finding.severity is Severity.REJECT
    assert finding.fields == ("materials[0].hs_code",)
    assert finding.data["code"] == "84.99"


def test_hs_unknown_the_product_code_too_for_a_declaration_built_without_validation() -> None:
    declaration = validate_declaration(clean())
    product = declaration.product.model_copy(update={"hs_code": "8499.99"})
    review = run(declaration.model_copy(update={"product": product}))
    assert "product.hs_code" in only(review, "HS_UNKNOWN").fields


def test_hs_unknown_not_for_codes_that_exist_at_heading_or_subheading_level() -> None:
    review = run(material(clean(), 0, hs_code="72.09"))
    assert "HS_UNKNOWN" not in review.codes()


def test_hs_edition_unavailable_is_information_when_the_nomenclature_is_not_at_hand() -> None:
    data = clean()
    data["product"]["hs_edition"] = "HS2017"
    finding = only(run(data), "HS_EDITION_UNAVAILABLE")
    assert finding.severity is Severity.INFO
    assert "HS_UNKNOWN" not in run(data).codes()


def test_hs_edition_unavailable_not_for_hs2022() -> None:
    assert "HS_EDITION_UNAVAILABLE" not in run(clean()).codes()


def test_a_missing_rule_is_the_rule_sets_gap_a_warning_that_gives_the_command_adding_it() -> None:
    data = clean()
    data["product"].update(hs_code="8471.30", description="Portable computers")
    review = run(data)
    finding = only(review, "RULE_NOT_IN_CATALOGUE")
    assert finding.severity is Severity.WARN
    assert finding.data["code"] == "8471.30"
    assert 'rcep-origin rules add DIR 8471.30 "RULE" --edition HS2022' in finding.fix
    assert "undecided" in finding.message
    assert "UNDECIDABLE" not in review.codes()  # the gap alone is not the declaration's defect
    assert review.verdict is Verdict.WARN
    chinese = only(run(data, lang="zh"), "RULE_NOT_IN_CATALOGUE")
    assert "rcep-origin rules add DIR 8471.30" in chinese.fix


def test_rule_not_in_catalogue_not_when_the_good_is_produced_from_originating_materials() -> None:
    data = clean()
    data["product"].update(hs_code="8471.30", description="Portable computers")
    data["materials"] = data["materials"][1:]  # only the originating copper: PE, no rule needed
    review = run(data)
    assert review.determination is not None and review.determination.criterion == "PE"
    assert "RULE_NOT_IN_CATALOGUE" not in review.codes()


def test_hs_transposition_unknown_when_an_hs2012_code_has_no_known_hs2022_counterpart() -> None:
    data = clean()
    data["product"]["hs_edition"] = "HS2012"
    finding = only(run(data), "HS_TRANSPOSITION_UNKNOWN")
    assert finding.severity is Severity.WARN
    assert finding.data["target_edition"] == "HS2022"


def test_hs_transposition_unknown_when_the_rule_is_only_in_another_edition() -> None:
    data = clean()
    data["product"].update(hs_code="1302.19", description="Vegetable saps and extracts")
    material(data, 0, hs_code="1211.90", description="Plants used in pharmacy")
    # Without correlation tables (issue 14 ships the UNSD ones, which link 1302.19 to itself).
    no_tables = dataclasses.replace(builtin_ruleset(), correlations={})
    review = run(data, ruleset=no_tables)
    finding = only(review, "HS_TRANSPOSITION_UNKNOWN")
    assert finding.data["rows_in_other_editions"] == ["1302.19 (HS2012)"]
    assert "RULE_NOT_IN_CATALOGUE" in review.codes()
    # With them, the HS2022 code reaches the HS2012 row: nothing to report.
    assert "HS_TRANSPOSITION_UNKNOWN" not in run(data).codes()


def test_hs_transposition_unknown_not_for_an_hs2022_code_with_its_rule() -> None:
    assert "HS_TRANSPOSITION_UNKNOWN" not in run(clean()).codes()


# --- bill of materials ------------------------------------------------------------------------


def test_bom_empty_rejects_a_declaration_built_without_validation_that_lists_no_component() -> None:
    declaration = validate_declaration(clean())
    review = run(declaration.model_copy(update={"materials": []}))
    assert only(review, "BOM_EMPTY").severity is Severity.REJECT


def test_bom_empty_not_for_a_wholly_obtained_good_without_materials() -> None:
    data = scenario("019")
    assert "BOM_EMPTY" not in run(data).codes()


def test_bom_value_exceeds_fob_rejects_materials_worth_more_than_the_good() -> None:
    data = material(clean(), 0, value={"amount": "900", "currency": "USD"})
    finding = only(run(data), "BOM_VALUE_EXCEEDS_FOB")
    assert finding.severity is Severity.REJECT
    assert finding.data["materials_total"] == "1100"


def test_bom_value_exceeds_fob_not_at_exactly_the_fob_and_not_for_transport_packing() -> None:
    data = material(clean(), 0, value={"amount": "800", "currency": "USD"})
    data["materials"].append(
        {
            "id": "BOX",
            "description": "shipping carton",
            "hs_code": "4819.10",
            "value": {"amount": "50", "currency": "USD"},
            "origin_party": "CN",
            "originating": True,
            "role": "transport_packing",
        }
    )
    assert "BOM_VALUE_EXCEEDS_FOB" not in run(data).codes()


def test_bom_value_missing_rejects_an_incomplete_bill_of_materials_and_names_the_lines() -> None:
    data = clean()
    del data["materials"][0]["value"]
    finding = only(run(data), "BOM_VALUE_MISSING")
    assert finding.severity is Severity.REJECT
    assert finding.fields == ("materials[0].value",)


def test_bom_value_missing_not_for_an_indirect_material_without_value() -> None:
    data = clean()
    data["materials"].append(
        {"id": "GLOVES", "description": "work gloves", "role": "indirect", "originating": None}
    )
    assert "BOM_VALUE_MISSING" not in run(data).codes()


def test_bom_duplicate_part_warns_when_a_part_number_is_listed_twice() -> None:
    data = material(clean(), 1, part_number="p 100", hs_code="7209.17")
    finding = only(run(data), "BOM_DUPLICATE_PART")
    assert finding.data["materials"] == ["M1", "M2"]
    assert finding.severity is Severity.WARN
    assert "BOM_HS_INCONSISTENT" not in run(data).codes()


def test_bom_hs_inconsistent_rejects_one_part_number_under_two_codes() -> None:
    data = material(clean(), 1, part_number="P100")  # P-100 (7209.17) again, as 7407.10
    review = run(data)
    finding = only(review, "BOM_HS_INCONSISTENT")
    assert finding.severity is Severity.REJECT  # M1 is a non-originating component
    assert finding.data["matched_by"] == "part"
    assert finding.data["hs_codes"] == {"M1": "7209.17", "M2": "7407.10"}
    assert "BOM_DUPLICATE_PART" not in review.codes()


def test_bom_hs_inconsistent_rejects_one_description_under_two_codes() -> None:
    data = clean()
    for index, code in ((0, "8501.52"), (1, "8501.53")):
        material(data, index, description="AC servo motor SGM7J-08A", hs_code=code)
        del data["materials"][index]["part_number"]
    data["materials"][1]["description"] = "ac servo motor  sgm7j 08a"  # the same, typed again
    finding = only(run(data), "BOM_HS_INCONSISTENT")
    assert finding.data["matched_by"] == "description"
    assert finding.severity is Severity.REJECT
    assert finding.fields == ("materials[0].hs_code", "materials[1].hs_code")
    chinese = only(run(data, lang="zh"), "BOM_HS_INCONSISTENT")
    assert "8501.52" in chinese.message


def test_bom_hs_inconsistent_only_warns_when_no_line_decides_the_change() -> None:
    data = material(clean(), 1, part_number="P100")
    material(data, 0, origin_party="CN", originating=True)
    data["materials"][0]["supplier_declaration"] = dict(
        data["materials"][1]["supplier_declaration"]
    )
    data["materials"][0]["supplier"] = data["materials"][1]["supplier"]
    assert only(run(data), "BOM_HS_INCONSISTENT").severity is Severity.WARN


def test_bom_hs_inconsistent_not_for_refining_codes_or_distinct_items() -> None:
    data = material(clean(), 1, part_number="P100", hs_code="72.09")  # refines nothing wrong
    assert "BOM_HS_INCONSISTENT" not in run(data).codes()
    assert "BOM_HS_INCONSISTENT" not in run(clean()).codes()


def test_bom_duplicate_part_not_for_distinct_part_numbers_or_lines_without_one() -> None:
    data = clean()
    for line in data["materials"]:
        del line["part_number"]
    assert "BOM_DUPLICATE_PART" not in run(data).codes()


def test_bom_zero_value_warns() -> None:
    data = material(clean(), 0, value={"amount": "0", "currency": "USD"})
    assert only(run(data), "BOM_ZERO_VALUE").fields == ("materials[0].value",)


def test_bom_zero_value_not_for_a_small_but_positive_value() -> None:
    data = material(clean(), 0, value={"amount": "0.01", "currency": "USD"})
    assert "BOM_ZERO_VALUE" not in run(data).codes()


def test_bom_hs_missing_warns_for_a_non_originating_component_without_a_code() -> None:
    data = clean()
    del data["materials"][0]["hs_code"]
    assert only(run(data), "BOM_HS_MISSING").fields == ("materials[0].hs_code",)


def test_bom_hs_missing_not_for_an_originating_material_without_a_code() -> None:
    data = clean()
    del data["materials"][1]["hs_code"]
    assert "BOM_HS_MISSING" not in run(data).codes()


def eur(data: Data, *rates: tuple[str, str]) -> Data:
    material(data, 0, value={"amount": "280", "currency": "EUR"})
    data["fx_rates"] = [
        {"from": "EUR", "to": "USD", "rate": rate, "date": day, "source": "ECB reference rate"}
        for rate, day in rates
    ]
    return data


def test_bom_currency_without_rate_rejects_and_the_engine_is_not_run() -> None:
    review = run(eur(clean()))
    finding = only(review, "BOM_CURRENCY_WITHOUT_RATE")
    assert finding.severity is Severity.REJECT
    assert finding.fields[0] == "materials[0].value.currency"
    assert review.determination is None
    assert review.verdict is Verdict.REJECT


def test_bom_currency_without_rate_not_when_the_inverse_rate_is_declared() -> None:
    data = eur(clean())
    data["fx_rates"] = [
        {"from": "USD", "to": "EUR", "rate": "0.92", "date": "2026-05-29", "source": "bank"}
    ]
    review = run(data)
    assert "BOM_CURRENCY_WITHOUT_RATE" not in review.codes()
    assert review.determination is not None


def test_fx_rate_stale_warns_for_a_rate_more_than_a_month_from_the_declaration_date() -> None:
    finding = only(run(eur(clean(), ("1.08", "2026-03-01"))), "FX_RATE_STALE")
    assert finding.data["days"] == 92
    assert finding.severity is Severity.WARN


def test_fx_rate_stale_not_for_a_rate_31_days_old() -> None:
    assert "FX_RATE_STALE" not in run(eur(clean(), ("1.08", "2026-05-01"))).codes()


def test_fx_rate_conflict_warns_when_one_pair_has_two_rates() -> None:
    data = eur(clean(), ("1.08", "2026-05-29"), ("1.10", "2026-05-30"))
    assert only(run(data), "FX_RATE_CONFLICT").data["pair"] == "EUR→USD"


def test_fx_rate_conflict_when_a_rate_and_its_reverse_disagree() -> None:
    data = eur(clean(), ("1.08", "2026-05-29"))
    data["fx_rates"].append(
        {"from": "USD", "to": "EUR", "rate": "0.80", "date": "2026-05-29", "source": "bank"}
    )
    assert "FX_RATE_CONFLICT" in run(data).codes()


def test_fx_rate_conflict_not_for_reciprocal_rates_within_rounding() -> None:
    data = eur(clean(), ("1.08", "2026-05-29"))
    data["fx_rates"].append(
        {"from": "USD", "to": "EUR", "rate": "0.9259", "date": "2026-05-29", "source": "bank"}
    )
    assert "FX_RATE_CONFLICT" not in run(data).codes()


# --- origin of materials and evidence ----------------------------------------------------------


def test_origin_undetermined_informs_when_the_good_qualifies_anyway() -> None:
    data = material(clean(), 0, originating=None)
    finding = only(run(data), "ORIGIN_UNDETERMINED")
    assert finding.severity is Severity.INFO


def test_origin_undetermined_warns_when_the_good_does_not_qualify() -> None:
    data = material(clean(), 0, originating=None, hs_code="8538.10")
    material(data, 0, value={"amount": "700", "currency": "USD"})
    assert only(run(data), "ORIGIN_UNDETERMINED").severity is Severity.WARN


def test_origin_undetermined_not_for_indirect_materials() -> None:
    data = clean()
    data["materials"].append({"id": "OIL", "description": "cutting oil", "role": "indirect"})
    assert "ORIGIN_UNDETERMINED" not in run(data).codes()


def test_origin_party_not_rcep_when_the_supplier_declaration_covers_a_non_party() -> None:
    data = clean()
    data["materials"][1]["supplier_declaration"]["covers_origin_party"] = "US"
    finding = only(run(data), "ORIGIN_PARTY_NOT_RCEP")
    assert finding.severity is Severity.REJECT
    assert "EVIDENCE_ORIGIN_MISMATCH" not in run(data).codes()


def test_origin_party_not_rcep_for_a_material_built_without_validation() -> None:
    declaration = validate_declaration(clean())
    materials = list(declaration.materials)
    materials[1] = materials[1].model_copy(update={"origin_party": "US"})
    review = run(declaration.model_copy(update={"materials": materials}))
    assert "materials[1].origin_party" in only(review, "ORIGIN_PARTY_NOT_RCEP").fields


def test_origin_party_not_rcep_not_for_a_non_originating_material_from_a_non_party() -> None:
    assert "ORIGIN_PARTY_NOT_RCEP" not in run(clean()).codes()  # M1 is from DE, non-originating


def relied_on_copper() -> Data:
    """The copper is in the good's heading: the good qualifies only if it is originating."""
    data = clean()
    material(data, 1, hs_code="8538.10", value={"amount": "700", "currency": "USD"})
    return data


def test_evidence_missing_warns_when_the_verdict_does_not_depend_on_the_material() -> None:
    data = material(clean(), 1, supplier_declaration=None)
    finding = only(run(data), "EVIDENCE_MISSING")
    assert finding.severity is Severity.WARN
    assert "without_evidence" not in finding.data


def test_evidence_missing_rejects_when_the_verdict_depends_on_the_material() -> None:
    data = material(relied_on_copper(), 1, supplier_declaration=None)
    review = run(data)
    assert review.determination is not None
    assert review.determination.outcome is Outcome.ORIGINATING  # the engine, as declared
    finding = only(review, "EVIDENCE_MISSING")
    assert finding.severity is Severity.REJECT
    assert finding.data["without_evidence"]["outcome"] == "not_originating"
    assert "not originating" in finding.message


def test_evidence_missing_not_when_the_declaration_is_there() -> None:
    assert "EVIDENCE_MISSING" not in run(relied_on_copper()).codes()


def test_evidence_expired_when_the_declaration_ended_before_the_date() -> None:
    data = relied_on_copper()
    data["materials"][1]["supplier_declaration"]["valid_until"] = "2026-03-31"
    finding = only(run(data), "EVIDENCE_EXPIRED")
    assert finding.severity is Severity.REJECT  # the verdict depends on it
    assert finding.data["valid_until"] == "2026-03-31"


def test_evidence_expired_when_issued_after_the_date() -> None:
    data = clean()
    data["materials"][1]["supplier_declaration"]["issued"] = "2026-07-01"
    data["materials"][1]["supplier_declaration"]["valid_until"] = None
    finding = only(run(data), "EVIDENCE_EXPIRED")
    assert finding.severity is Severity.REJECT  # a record that does not cover the date
    assert "open-ended" in finding.message


def test_evidence_expired_not_on_its_last_valid_day() -> None:
    data = clean()
    data["materials"][1]["supplier_declaration"]["valid_until"] = "2026-06-01"
    assert "EVIDENCE_EXPIRED" not in run(data).codes()


def test_evidence_supplier_mismatch_when_another_company_made_the_declaration() -> None:
    data = material(clean(), 1, supplier="Anhui Metals Ltd")
    finding = only(run(data), "EVIDENCE_SUPPLIER_MISMATCH")
    assert finding.data["declared_by"] == "Jiangsu Copper Co."


def test_evidence_supplier_mismatch_not_for_a_difference_of_case_or_punctuation() -> None:
    data = material(clean(), 1, supplier="JIANGSU COPPER CO")
    assert "EVIDENCE_SUPPLIER_MISMATCH" not in run(data).codes()


def test_evidence_origin_mismatch_rejects_a_declaration_covering_another_party() -> None:
    data = clean()
    data["materials"][1]["supplier_declaration"]["covers_origin_party"] = "JP"
    assert only(run(data), "EVIDENCE_ORIGIN_MISMATCH").severity is Severity.REJECT


def test_evidence_origin_mismatch_not_when_the_declaration_names_no_party() -> None:
    data = clean()
    data["materials"][1]["supplier_declaration"]["covers_origin_party"] = None
    assert "EVIDENCE_ORIGIN_MISMATCH" not in run(data).codes()


def test_firmware_log_missing_when_the_value_relies_on_software_integration() -> None:
    data = clean()
    data["product"]["software_integration"] = True
    assert only(run(data), "FIRMWARE_LOG_MISSING").severity is Severity.REJECT


def test_firmware_log_missing_not_when_it_is_attached_or_no_software_is_integrated() -> None:
    data = clean()
    data["product"]["software_integration"] = True
    data["evidence"]["firmware_log"] = {"reference": "FW-3.2.1", "version": "3.2.1", "sha256": SHA}
    assert "FIRMWARE_LOG_MISSING" not in run(data).codes()
    data = clean()
    data["product"]["software_integration"] = False
    assert "FIRMWARE_LOG_MISSING" not in run(data).codes()


def test_production_log_missing_warns_when_origin_rests_on_production() -> None:
    data = clean()
    del data["evidence"]
    assert only(run(data), "PRODUCTION_LOG_MISSING").severity is Severity.WARN


def test_production_log_missing_is_information_for_a_good_produced_from_originating_materials() -> (
    None
):
    data = scenario("016")
    assert only(run(data), "PRODUCTION_LOG_MISSING").severity is Severity.INFO


def test_log_not_hashed_informs() -> None:
    data = clean()
    del data["evidence"]["production_log"]["sha256"]
    finding = only(run(data), "LOG_NOT_HASHED")
    assert finding.severity is Severity.INFO
    assert finding.fields == ("evidence.production_log.sha256",)


def test_log_not_hashed_not_when_hashed() -> None:
    assert "LOG_NOT_HASHED" not in run(clean()).codes()


def test_cumulation_relied_informs_and_names_the_materials() -> None:
    finding = only(run(scenario("014")), "CUMULATION_RELIED")
    assert finding.data["materials"] == ["VAM"]
    assert finding.severity is Severity.INFO


def test_cumulation_relied_not_without_acu() -> None:
    assert "CUMULATION_RELIED" not in run(clean()).codes()


# --- production -------------------------------------------------------------------------------


def test_production_steps_missing_rejects_when_the_engine_needs_them() -> None:
    data = clean()
    data["production_steps"] = []
    review = run(data)
    assert only(review, "PRODUCTION_STEPS_MISSING").severity is Severity.REJECT
    assert "UNDECIDABLE" in review.codes()


def test_production_steps_missing_not_for_a_wholly_obtained_good() -> None:
    data = scenario("019")
    data["production_steps"] = []
    assert "PRODUCTION_STEPS_MISSING" not in run(data).codes()


def test_final_step_not_in_exporting_party_warns() -> None:
    data = clean()
    data["production_steps"].append({"description": "final assembly", "party": "VN"})
    finding = only(run(data), "FINAL_STEP_NOT_IN_EXPORTING_PARTY")
    assert finding.data["step_party"] == "VN"


def test_final_step_not_in_exporting_party_not_when_earlier_steps_were_elsewhere() -> None:
    data = clean()
    data["production_steps"].insert(0, {"description": "casting of blanks", "party": "VN"})
    assert "FINAL_STEP_NOT_IN_EXPORTING_PARTY" not in run(data).codes()


def test_step_outside_parties_warns() -> None:
    data = clean()
    data["production_steps"].insert(0, {"description": "heat treatment", "party": "DE"})
    assert only(run(data), "STEP_OUTSIDE_PARTIES").fields == ("production_steps[0].party",)


def test_step_outside_parties_not_for_steps_in_other_parties() -> None:
    data = clean()
    data["production_steps"].insert(0, {"description": "casting of blanks", "party": "VN"})
    assert "STEP_OUTSIDE_PARTIES" not in run(data).codes()


def test_minimal_operations_only_rejects_with_the_engine_when_every_step_is_minimal() -> None:
    data = clean()
    data["production_steps"] = [
        {"description": "packing in cartons", "party": "CN", "minimal_operation": True}
    ]
    review = run(data)
    finding = only(review, "MINIMAL_OPERATIONS_ONLY")
    assert finding.severity is Severity.REJECT and finding.reason == "Art. 3.6"
    assert "NOT_ORIGINATING" in review.codes()


def test_minimal_operations_only_rejects_when_the_unmarked_steps_all_read_as_minimal() -> None:
    data = clean()
    data["production_steps"] = [
        {"description": "sorting, labelling and packing in cartons", "party": "CN"},
        {"description": "贴标签并装箱", "party": "CN"},
    ]
    review = run(data)
    assert review.determination is not None
    assert review.determination.outcome is Outcome.ORIGINATING  # the steps are not marked
    finding = only(review, "MINIMAL_OPERATIONS_ONLY")
    assert finding.severity is Severity.REJECT  # marked as what they read as, origin is lost
    assert finding.data["if_marked"]["outcome"] == "not_originating"
    assert len(review.by_code("MINIMAL_OPERATION_SUSPECTED")) == 2


def test_minimal_operations_only_not_for_a_good_of_originating_materials_only() -> None:
    data = clean()
    data["materials"] = data["materials"][1:]  # PE: Art. 3.6 does not decide its origin
    data["production_steps"] = [{"description": "labelling and packing", "party": "CN"}]
    review = run(data)
    assert "MINIMAL_OPERATIONS_ONLY" not in review.codes()
    assert "MINIMAL_OPERATION_SUSPECTED" in review.codes()  # Art. 2.6(2) still reads the steps


def test_minimal_operations_only_not_when_a_step_is_substantive() -> None:
    codes = run(clean()).codes()
    assert "MINIMAL_OPERATIONS_ONLY" not in codes
    assert "MINIMAL_OPERATION_SUSPECTED" not in codes


def test_minimal_operation_suspected_names_the_article_3_6_subparagraphs() -> None:
    data = clean()
    data["production_steps"].append({"description": "affixing labels and logos", "party": "CN"})
    finding = only(run(data), "MINIMAL_OPERATION_SUSPECTED")
    assert finding.data["article_3_6"] == ["(d)"]
    assert finding.fields[0] == "production_steps[3].description"
    assert "MINIMAL_OPERATIONS_ONLY" not in run(data).codes()


@pytest.mark.parametrize(
    "description",
    [
        "CNC punching and bending of steel sheet",
        "laser cutting of the panels",
        "welding and powder coating of the frame",
        "数控折弯及焊接",
        "firmware flashing and calibration",
        "packing in cartons",  # already marked in the sound declaration
    ],
)
def test_minimal_operation_suspected_not_for_work_needing_machines_or_skills(
    description: str,
) -> None:
    data = clean()
    data["production_steps"].insert(0, {"description": description, "party": "CN"})
    if description == "packing in cartons":
        data["production_steps"][0]["minimal_operation"] = True
    assert "MINIMAL_OPERATION_SUSPECTED" not in run(data).codes()


# --- the engine's verdict -----------------------------------------------------------------------


def test_entry_into_force_rejects_a_date_before_a_party_is_bound() -> None:
    data = clean()
    data.update(importing_party="ID", date="2022-06-01")
    data["materials"][1]["supplier_declaration"]["issued"] = "2022-01-01"
    finding = only(run(data), "ENTRY_INTO_FORCE")
    assert finding.severity is Severity.REJECT and finding.reason == "Art. 20.7"
    assert finding.data["entry_into_force"] == "2023-01-02"
    assert "Indonesia" in finding.message


def test_entry_into_force_warns_when_the_date_is_not_known() -> None:
    data = clean()
    data["importing_party"] = "MM"
    finding = only(run(data), "ENTRY_INTO_FORCE")
    assert finding.severity is Severity.WARN


def test_entry_into_force_not_on_the_day_it_entered_into_force() -> None:
    data = clean()
    data.update(importing_party="ID", date="2023-01-02")
    data["materials"][1]["supplier_declaration"]["issued"] = "2023-01-01"
    assert "ENTRY_INTO_FORCE" not in run(data).codes()


def transit(operations: list[str], control: bool) -> Data:
    data = clean()
    data["consignment"] = {
        "transit": [{"party": "US", "operations": operations, "under_customs_control": control}]
    }
    return data


def test_consignment_not_direct_rejects_operations_beyond_logistics_in_transit() -> None:
    finding = only(run(transit(["unloading", "other"], True)), "CONSIGNMENT_NOT_DIRECT")
    assert finding.data["transit"] == ["US"]


def test_consignment_not_direct_not_for_logistics_under_customs_control() -> None:
    assert "CONSIGNMENT_NOT_DIRECT" not in run(transit(["unloading", "storage"], True)).codes()


def test_wo_claim_fails_warns_when_the_bom_contradicts_it() -> None:
    data = clean()
    data["wholly_obtained"] = {"category": "minerals"}
    finding = only(run(data), "WO_CLAIM_FAILS")
    assert finding.data["materials"] == ["M1"]


def test_wo_claim_fails_not_for_a_sound_wholly_obtained_claim() -> None:
    assert "WO_CLAIM_FAILS" not in run(scenario("019")).codes()


def not_originating() -> Data:
    """The steel is in the good's heading and worth 70 % of it: CTH, de minimis and RVC40 fail."""
    return material(clean(), 0, hs_code="8538.10", value={"amount": "700", "currency": "USD"})


def test_not_originating_rejects_with_the_engines_explanation() -> None:
    review = run(not_originating())
    finding = only(review, "NOT_ORIGINATING")
    assert review.determination is not None
    assert finding.data["engine"] == review.determination.summary
    assert finding.severity is Severity.REJECT


def test_not_originating_and_undecidable_not_for_an_originating_good() -> None:
    codes = run(clean()).codes()
    assert "NOT_ORIGINATING" not in codes and "UNDECIDABLE" not in codes


def test_ctc_fails_names_the_materials_that_stay_in_the_heading() -> None:
    finding = only(run(not_originating()), "CTC_FAILS")
    assert finding.data["rule"] == "CTH"
    assert list(finding.data["materials"]) == ["M1"]
    assert finding.fields == ("materials[0].hs_code",)


def test_rvc_fails_says_by_how_much_and_what_the_non_originating_value_must_fall_to() -> None:
    finding = only(run(not_originating()), "RVC_FAILS")
    assert "30.00 %" in finding.message and "10.00 points" in finding.message
    assert "600.00 USD" in finding.fix


def test_rvc_fails_build_up_says_what_the_numerator_must_reach() -> None:
    data = not_originating()
    data["rvc_method"] = "build_up"
    data["costs"] = {
        name: {"amount": "10", "currency": "USD"}
        for name in ("direct_labour", "direct_overhead", "profit", "other")
    }
    finding = only(run(data), "RVC_FAILS")
    assert "400.00 USD" in finding.fix


def test_rvc_and_ctc_fails_not_when_another_alternative_of_the_rule_is_met() -> None:
    data = material(clean(), 0, hs_code="8538.10", value={"amount": "500", "currency": "USD"})
    codes = run(data).codes()  # CTH fails, RVC 50 % meets RVC40
    assert "CTC_FAILS" not in codes and "RVC_FAILS" not in codes


def test_undecidable_rejects_and_lists_the_engines_missing_facts() -> None:
    data = rvc_only("700")
    data["product"].update(hs_code="8501.52", description="AC motors, multi-phase, 7.5 kW")
    data["materials"][0].pop("value")
    finding = only(run(data, ruleset=load_ruleset(FIXTURE_RULES)), "UNDECIDABLE")
    assert finding.fields == ("materials[0].value",)
    assert finding.severity is Severity.REJECT


def test_undecidable_is_not_reported_for_the_rule_sets_gap_alone() -> None:
    data = clean()
    data["product"]["hs_code"] = "8458.11"
    review = run(data)
    assert review.determination is not None
    assert [m.field for m in review.determination.missing] == ["ruleset"]
    assert "UNDECIDABLE" not in review.codes()
    assert only(review, "RULE_NOT_IN_CATALOGUE").severity is Severity.WARN


def rvc_only(non_originating_value: str) -> Data:
    return material(
        clean(), 0, hs_code="8538.10", value={"amount": non_originating_value, "currency": "USD"}
    )


def test_rvc_margin_thin_warns_within_five_points_of_the_threshold() -> None:
    finding = only(run(rvc_only("580")), "RVC_MARGIN_THIN")
    assert finding.data["margin"] == "2.00"


def test_rvc_margin_thin_not_at_five_points_or_when_the_good_qualifies_by_ctc() -> None:
    assert "RVC_MARGIN_THIN" not in run(rvc_only("550")).codes()
    data = material(clean(), 0, value={"amount": "590", "currency": "USD"})
    review = run(data)  # RVC 41 %, but the good qualifies by CTH
    assert review.determination is not None and review.determination.criterion == "CTC"
    assert "RVC_MARGIN_THIN" not in review.codes()


def de_minimis(value: str) -> Data:
    data = material(clean(), 0, value={"amount": "600", "currency": "USD"})
    data["materials"].append(
        {
            "id": "M3",
            "description": "Parts of switchboards",
            "hs_code": "8538.10",
            "value": {"amount": value, "currency": "USD"},
            "origin_party": "DE",
            "originating": False,
        }
    )
    return data


def test_de_minimis_relied_informs_when_the_tolerance_has_room() -> None:
    finding = only(run(de_minimis("80")), "DE_MINIMIS_RELIED")
    assert finding.severity is Severity.INFO
    assert finding.data["percent"] == "8.00"


def test_de_minimis_relied_warns_within_a_point_of_the_tolerance() -> None:
    assert only(run(de_minimis("95")), "DE_MINIMIS_RELIED").severity is Severity.WARN


def test_de_minimis_relied_not_without_dmi() -> None:
    assert "DE_MINIMIS_RELIED" not in run(clean()).codes()


def test_country_of_origin_not_established_rejects_an_originating_good_without_one() -> None:
    data = scenario("016")
    data["production_steps"] = []
    review = run(data)
    assert review.determination is not None and review.determination.originating is True
    finding = only(review, "COUNTRY_OF_ORIGIN_NOT_ESTABLISHED")
    assert "production_steps" in finding.fields


def test_country_of_origin_not_established_not_when_the_engine_names_it() -> None:
    ruleset = load_ruleset(FIXTURE_RULES)
    assert "COUNTRY_OF_ORIGIN_NOT_ESTABLISHED" not in run(scenario("016"), ruleset=ruleset).codes()


def test_additional_rule_not_met_warns_and_names_the_country_whose_rate_applies() -> None:
    finding = only(run(scenario("014")), "ADDITIONAL_RULE_NOT_MET")
    assert finding.data["rcep_country_of_origin"] == "JP"
    assert "15.00 %" in finding.message


def test_additional_rule_not_met_not_when_the_exporting_party_adds_enough() -> None:
    assert "ADDITIONAL_RULE_NOT_MET" not in run(scenario("013")).codes()


# --- across declarations ----------------------------------------------------------------------


def line(**values: Any) -> ContextLine:
    base: dict[str, Any] = {
        "source": "EX-OTHER",
        "path": "materials[0]",
        "part_number": "P-100",
        "description": "",
        "hs_code": "7209.17",
        "supplier": "Stahlwerk GmbH",
        "origin_party": "DE",
        "originating": False,
    }
    base.update(values)
    return ContextLine(**base)


def test_hs_inconsistent_across_boms_when_the_same_part_has_another_code_elsewhere() -> None:
    context = PreReviewContext((line(hs_code="7210.49"),))
    finding = only(run(clean(), context=context), "HS_INCONSISTENT_ACROSS_BOMS")
    assert finding.data["elsewhere"][0]["source"] == "EX-OTHER"
    assert "7210.49" in finding.message


def test_hs_inconsistent_across_boms_matches_by_description_without_part_number() -> None:
    data = clean()
    del data["materials"][0]["part_number"]
    description = data["materials"][0]["description"].upper()
    context = PreReviewContext((line(part_number=None, description=description, hs_code="72.10"),))
    assert "HS_INCONSISTENT_ACROSS_BOMS" in run(data, context=context).codes()


def test_hs_inconsistent_across_boms_not_for_a_refinement_or_the_same_declaration() -> None:
    context = PreReviewContext((line(hs_code="72.09"), line(source="EX-CLEAN", hs_code="7210.49")))
    assert "HS_INCONSISTENT_ACROSS_BOMS" not in run(clean(), context=context).codes()


def test_origin_inconsistent_when_the_same_supply_has_another_origin_elsewhere() -> None:
    context = PreReviewContext(
        (line(part_number="P-200", supplier="Jiangsu Copper Co.", origin_party="VN"),)
    )
    finding = only(run(clean(), context=context), "ORIGIN_INCONSISTENT_ACROSS_DECLARATIONS")
    assert finding.fields == ("materials[1].origin_party", "materials[1].originating")
    assert "VN (non-originating)" in finding.message


def test_origin_inconsistent_not_for_another_supplier_or_an_undetermined_origin() -> None:
    context = PreReviewContext(
        (
            line(part_number="P-200", supplier="Other Copper", origin_party="VN"),
            line(
                part_number="P-200",
                supplier="Jiangsu Copper Co.",
                origin_party=None,
                originating=None,
            ),
        )
    )
    codes = run(clean(), context=context).codes()
    assert "ORIGIN_INCONSISTENT_ACROSS_DECLARATIONS" not in codes


def test_a_context_is_built_from_declarations() -> None:
    other = clean()
    other["reference"] = "EX-2"
    material(other, 0, hs_code="7211.23")
    context = PreReviewContext.from_declarations([("EX-2", validate_declaration(other))])
    assert len(context.lines) == 2
    assert "HS_INCONSISTENT_ACROSS_BOMS" in run(clean(), context=context).codes()


# --- the checks never contradict the engine ------------------------------------------------------


ALL_SCENARIOS = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", ALL_SCENARIOS, ids=lambda p: p.stem)
def test_the_verdict_never_passes_a_good_the_engine_does_not_find_originating(path: Path) -> None:
    scenario_data = yaml.safe_load(path.read_text("utf-8"))
    ruleset = load_ruleset(FIXTURE_RULES) if scenario_data.get("ruleset") == "fixture" else None
    try:
        declaration = validate_declaration(scenario_data["declaration"])
    except ValueError:
        pytest.skip("bad-input scenario")
    review = run(declaration, ruleset=ruleset)
    determination = review.determination
    if determination is None or determination.outcome is not Outcome.ORIGINATING:
        assert review.verdict is not Verdict.PASS
        gap_only = determination is not None and all(
            m.field == "ruleset" for m in determination.missing
        )
        if not gap_only:  # the rule set's gap alone warns (RULE_NOT_IN_CATALOGUE)
            assert review.verdict is Verdict.REJECT
    lang = run(declaration, ruleset=ruleset, lang="zh")
    assert lang.codes() == review.codes()


MUTATIONS: list[Callable[[Data], object]] = [
    lambda d: d["materials"][0].update(hs_code="8538.10"),
    lambda d: d.update(production_steps=[]),
    lambda d: d["materials"][1].update(originating=None),
]


@pytest.mark.parametrize("mutate", MUTATIONS)
def test_pre_review_is_deterministic(mutate: Callable[[Data], object]) -> None:
    data = clean()
    mutate(data)
    assert run(data).to_dict() == run(copy.deepcopy(data)).to_dict()
