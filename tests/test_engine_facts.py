"""The engine's typed facts: each step of the Agreement leaves a typed value on the
``Determination`` (``facts``), the trace is rendered from those values, and pre-review reads the
values, never the trace."""

from __future__ import annotations

import ast
import dataclasses
import importlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from rcep_origin import determine, load_ruleset, validate_declaration
from rcep_origin.origin import (
    CtcOutcome,
    Determination,
    Outcome,
    RuleStatus,
    RvcCalculation,
)
from rcep_origin.prereview import prereview
from rcep_origin.rules import builtin_ruleset

HERE = Path(__file__).resolve().parent
SCENARIOS = sorted((HERE / "scenarios").glob("*.yaml"))
FIXTURE = HERE / "rulesets" / "fixture"
PREREVIEW = HERE.parent / "src" / "rcep_origin" / "prereview"


def _scenario(name: str) -> dict[str, Any]:
    path = next((HERE / "scenarios").glob(f"{name}-*.yaml"))
    loaded: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    return loaded


def run(name: str) -> Determination:
    scenario = _scenario(name)
    ruleset = load_ruleset(FIXTURE) if scenario.get("ruleset") == "fixture" else builtin_ruleset()
    return determine(validate_declaration(scenario["declaration"]), ruleset=ruleset)


def _valid_scenarios() -> list[Path]:
    return [p for p in SCENARIOS if "error_field" not in yaml.safe_load(p.read_text())["expect"]]


# --- Art. 20.7, Art. 3.15 ------------------------------------------------------------------------


def test_the_agreement_not_yet_in_force_for_the_importing_party_is_a_typed_fact() -> None:
    facts = run("039").facts  # Indonesia, 2022: in force there from 2 January 2023
    assert facts.exporting_party_in_force.in_force is True
    importing = facts.importing_party_in_force
    assert (importing.party, importing.in_force) == ("ID", False)
    assert importing.entry_into_force is not None
    assert importing.entry_into_force.isoformat() == "2023-01-02"
    assert importing.article == "Art. 20.7"


def test_an_unknown_entry_into_force_is_none_and_names_the_missing_fact() -> None:
    importing = run("041").facts.importing_party_in_force  # Myanmar
    assert importing.in_force is None and importing.entry_into_force is None
    assert [m.field for m in importing.missing] == ["importing_party"]


def test_direct_consignment_names_the_operations_beyond_logistics_in_transit() -> None:
    consignment = run("037").facts.consignment
    assert consignment.met is False
    (stop,) = consignment.transit
    assert (stop.party, stop.operations_beyond_logistics) == ("HK", ("other",))


def test_direct_consignment_without_declared_customs_control_is_unknown() -> None:
    consignment = run("038").facts.consignment
    assert consignment.met is None
    assert consignment.article == "Art. 3.15(1)(b)(ii)"
    assert [m.field for m in consignment.missing] == [
        "consignment.transit[0].under_customs_control"
    ]


# --- Arts. 3.2, 3.3, 3.6 -------------------------------------------------------------------------


def test_a_wholly_obtained_good_needs_neither_pe_nor_the_rule() -> None:
    facts = run("019").facts
    assert facts.wholly_obtained is not None and facts.wholly_obtained.met is True
    assert facts.exclusively_originating is None
    assert facts.rule_lookup is None and facts.rule is None and facts.minimal_operations is None


def test_a_pe_good_records_art_3_2_b_and_does_not_consult_the_rule() -> None:
    facts = run("014").facts
    assert facts.exclusively_originating is not None
    assert facts.exclusively_originating.met is True
    assert facts.rule_lookup is None and facts.minimal_operations is None


def test_minimal_operations_only_names_the_steps_involved() -> None:
    operations = run("034").facts.minimal_operations
    assert operations is not None and operations.met is False
    assert [s.description for s in operations.minimal_steps] == [
        "disassembly of used switchboards into parts",
        "simple sorting and cleaning of the recovered parts",
    ]
    assert all(step.minimal_operation for step in operations.steps)
    assert [s.index for s in operations.steps] == [0, 1]


# --- Annex 3A: the rule, CTC, RVC, Art. 3.7 -----------------------------------------------------


def test_the_rule_found_in_the_catalogue_is_typed() -> None:
    lookup = run("001").facts.rule_lookup
    assert lookup is not None and lookup.status is RuleStatus.FOUND and lookup.found
    assert lookup.rule is not None and lookup.rule.hs_edition == "HS2022"


def test_a_code_with_no_row_is_not_in_catalogue_and_the_gap_is_the_rule_sets() -> None:
    lookup = run("048").facts.rule_lookup
    assert lookup is not None and lookup.status is RuleStatus.NOT_IN_CATALOGUE
    assert lookup.rule is None and [m.field for m in lookup.missing] == ["ruleset"]
    assert builtin_ruleset().version in lookup.missing[0].reason
    assert "rcep-origin rules add" in lookup.missing[0].reason


def test_an_hs2022_code_with_one_hs2012_counterpart_uses_that_row_and_says_so() -> None:
    determination = run("049")
    lookup = determination.facts.rule_lookup
    assert lookup is not None and lookup.status is RuleStatus.CORRELATED and lookup.found
    assert lookup.rule is not None and lookup.rule.hs_edition == "HS2012"
    assert lookup.rule.via.startswith("via UN correlation HS2022 → HS2012, 1 target")
    assert "via UN correlation HS2022 → HS2012, 1 target" in lookup.check().summary


def test_an_hs2022_code_split_from_several_hs2012_subheadings_lists_them() -> None:
    lookup = run("061").facts.rule_lookup
    assert lookup is not None and lookup.status is RuleStatus.CORRELATION_AMBIGUOUS
    codes = [c.hs_code for c in lookup.candidates]
    assert "8529.90" in codes and len(codes) > 100
    check = lookup.check()
    assert check.inputs["candidates"] == codes and "8529.90" in str(check.inputs)


def test_a_row_only_in_another_edition_without_a_correlation_leaves_the_rule_unknown() -> None:
    scenario = _scenario("049")["declaration"]
    scenario["product"]["hs_code"] = "1302.19"
    scenario["product"]["hs_edition"] = "HS2017"
    ruleset = dataclasses.replace(builtin_ruleset(), correlations={})
    lookup = determine(validate_declaration(scenario), ruleset=ruleset).facts.rule_lookup
    assert lookup is not None and lookup.status is RuleStatus.TRANSPOSITION_UNKNOWN
    assert lookup.rows_in_other_editions == ("1302.19 (HS2012)",)


def test_a_failed_change_names_the_offending_materials_and_the_tolerance() -> None:
    determination = run("042")  # CTSH fails on LAMP-SUB, de minimis 60 %, RVC 39.99 %
    (change,) = determination.facts.changes
    assert isinstance(change, CtcOutcome)
    assert change.term == "CTSH" and change.offending == ("LAMP-SUB",)
    assert change.change_met is False and change.met is False
    (material,) = change.materials
    assert material.makes_change is False and material.path.startswith("materials[")
    assert change.de_minimis is not None and change.de_minimis.met is False
    (test,) = change.de_minimis.tests
    assert test.basis == "value" and test.percent is not None and test.percent > 10


def test_the_rvc_term_carries_its_figure_and_what_would_meet_it() -> None:
    (term,) = run("042").facts.rvc_terms
    assert isinstance(term, RvcCalculation)
    assert term.figure is not None and term.met is False
    assert term.threshold == Decimal(40) and term.figure.percent == Decimal("39.99")
    assert term.max_vnm == term.fob * Decimal("0.6")
    assert term.article == "Art. 3.5(1)(a)"


def test_de_minimis_by_weight_is_the_tolerance_relied_on_for_chapter_61() -> None:
    determination = run("030")
    assert "DMI" in determination.flags
    relied = determination.facts.de_minimis
    assert relied is not None and relied.met is True
    assert [t.basis for t in relied.tests] == ["value", "weight"]
    assert relied.passed is not None and relied.passed.basis == "weight"
    assert relied.passed.percent == Decimal(8) and relied.passed.materials == ("RIB",)


def test_no_de_minimis_is_relied_on_without_dmi() -> None:
    assert run("001").facts.de_minimis is None


def test_alternatives_say_which_was_chosen_and_why_the_others_failed() -> None:
    rule = run("021").facts.rule  # "CR or CTSH": both hold, CR comes first
    assert rule is not None and rule.met is True
    assert rule.chosen is not None and rule.chosen.text == "CR"
    assert [(a.text, a.met, a.criteria) for a in rule.alternatives] == [
        ("CR", True, ("CR",)),
        ("CTSH", True, ("CTC",)),
    ]


# --- Art. 3.4, Art. 2.6 --------------------------------------------------------------------------


def test_cumulation_names_the_materials_and_parties_relied_on() -> None:
    determination = run("006")
    assert "ACU" in determination.flags
    cumulation = determination.facts.cumulation
    assert cumulation is not None and cumulation.relied
    assert (cumulation.materials, cumulation.parties) == (("CATTLE",), ("AU",))


def test_art_2_6_facts_when_the_appendix_requirement_fails() -> None:
    country = run("014").facts.country_of_origin
    assert country is not None
    assert country.acquired_status_in_exporting_party is True
    assert country.additional_rule_applies is True and country.additional_rule_met is False
    assert country.highest_value_contributors == ("JP",) and country.party == "JP"


def test_art_2_6_tie_leaves_the_country_unestablished_and_names_both() -> None:
    country = run("015").facts.country_of_origin
    assert country is not None and country.party is None
    assert country.highest_value_contributors == ("AU", "JP")


def test_no_country_of_origin_fact_for_a_good_that_is_not_originating() -> None:
    determination = run("042")
    assert determination.outcome is Outcome.NOT_ORIGINATING
    assert determination.facts.country_of_origin is None
    assert determination.facts.cumulation is None


# --- the trace is rendered from the facts ------------------------------------------------------


@pytest.mark.parametrize("path", _valid_scenarios(), ids=lambda p: p.stem)
def test_every_fact_renders_the_trace_entry_the_determination_shows(path: Path) -> None:
    determination = run(path.stem.split("-")[0])
    facts = determination.facts
    rendered = [*(fact.check() for fact in facts.in_force), facts.consignment.check()]
    for fact in (
        facts.wholly_obtained,
        facts.exclusively_originating,
        facts.rule_lookup,
        facts.minimal_operations,
    ):
        if fact is not None:
            rendered.append(fact.check())
    if facts.rule is not None:
        rendered += facts.rule.checks
    if facts.cumulation is not None and facts.cumulation.relied:
        rendered.append(facts.cumulation.check())
    if facts.country_of_origin is not None:
        rendered += facts.country_of_origin.checks
    trace = list(determination.trace)
    for check in rendered:
        assert check in trace, check
    # Only the currency conversions and the rule's verdict are not facts' renderings.
    others = [c.name for c in trace if c not in rendered]
    assert set(others) <= {"currency_conversion", "rule_met"}, others


def test_facts_are_frozen() -> None:
    facts = run("001").facts
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.consignment = facts.consignment  # type: ignore[misc]


# --- pre-review reads the facts, never the trace -----------------------------------------------


@pytest.mark.parametrize("path", _valid_scenarios(), ids=lambda p: p.stem)
def test_pre_review_finds_the_same_without_the_trace(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the trace emptied, every finding is the same: no check reads it."""
    scenario = yaml.safe_load(path.read_text("utf-8"))
    ruleset = load_ruleset(FIXTURE) if scenario.get("ruleset") == "fixture" else builtin_ruleset()
    declaration = validate_declaration(scenario["declaration"])
    expected = prereview(declaration, ruleset=ruleset).to_dict()

    runner = importlib.import_module("rcep_origin.prereview._runner")
    engine_determine = runner.determine

    def without_trace(*args: Any, **kwargs: Any) -> Determination:
        return dataclasses.replace(engine_determine(*args, **kwargs), trace=())

    monkeypatch.setattr(runner, "determine", without_trace)
    review = prereview(declaration, ruleset=ruleset)
    actual = review.to_dict()
    assert review.determination is not None and review.determination.trace == ()
    assert actual["findings"] == expected["findings"]
    assert actual["verdict"] == expected["verdict"]


def test_no_pre_review_module_reads_the_trace_or_a_checks_name_or_inputs() -> None:
    offenders = []
    for source in PREREVIEW.rglob("*.py"):
        tree = ast.parse(source.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("trace", "inputs"):
                offenders.append(f"{source.name}:{node.lineno} .{node.attr}")
    assert not offenders, offenders
