"""Legal scenarios as data: each file in tests/scenarios/ is a declaration and the verdict a
customs expert expects, with the articles the explanation must cite. Read one to learn the
format; add one to extend the suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rcep_origin import InputError, determine, load_ruleset, validate_declaration
from rcep_origin.rules import RuleSet, builtin_ruleset

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))
RULESETS = {
    "builtin": builtin_ruleset,
    "fixture": lambda: load_ruleset(Path(__file__).parent / "rulesets" / "fixture"),
}
EXPECT_KEYS = {
    "originating",
    "criterion",
    "criteria",
    "flags",
    "rcep_country_of_origin",
    "rvc_percent",
    "rvc_met",
    "additional_rule",
    "cites",
    "missing",
    "error_field",
    "error_contains",
    "rule",
    "summary_contains",
    "exit_code",
}


def _load(path: Path) -> dict[str, Any]:
    scenario = yaml.safe_load(path.read_text("utf-8"))
    assert set(scenario) <= {"name", "source", "ruleset", "declaration", "expect"}, path.name
    assert scenario.get("name") and scenario.get("source"), (
        f"{path.name}: name and source are required"
    )
    assert set(scenario["expect"]) <= EXPECT_KEYS, (
        f"{path.name}: unknown expect keys {set(scenario['expect']) - EXPECT_KEYS}"
    )
    return scenario


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 30


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = _load(path)
    expect = scenario["expect"]
    ruleset: RuleSet = RULESETS[scenario.get("ruleset", "builtin")]()
    if "error_field" in expect:
        with pytest.raises(InputError) as caught:
            determine(validate_declaration(scenario["declaration"]), ruleset=ruleset)
        assert caught.value.path == expect["error_field"], caught.value
        if "error_contains" in expect:
            assert expect["error_contains"] in caught.value.message
        return
    result = determine(validate_declaration(scenario["declaration"]), ruleset=ruleset)
    verdict = result.to_dict()
    explain = f"\n{result.summary}\n" + "\n".join(
        f"  {c.name} [{c.article}] {c.result.value}: {c.summary}" for c in result.trace
    )
    assert verdict["originating"] == expect["originating"], explain
    for key in ("criterion", "rcep_country_of_origin"):
        if key in expect:
            assert verdict[key] == expect[key], f"{key}: {verdict[key]!r}{explain}"
    if "criteria" in expect:
        assert verdict["criteria"] == expect["criteria"], explain
    if "flags" in expect:
        assert sorted(verdict["flags"]) == sorted(expect["flags"]), explain
    if "rvc_percent" in expect:
        assert verdict["rvc"] is not None and verdict["rvc"]["percent"] == str(
            expect["rvc_percent"]
        ), f"{verdict['rvc']}{explain}"
    if "rvc_met" in expect:
        assert verdict["rvc"]["met"] is expect["rvc_met"], explain
    if "rule" in expect:
        assert verdict["rule"] is not None and verdict["rule"]["text"] == expect["rule"], explain
    if "additional_rule" in expect:
        for key, value in expect["additional_rule"].items():
            actual = verdict["additional_rule"][key]
            assert (str(actual) if isinstance(value, str) else actual) == value, (
                f"additional_rule.{key}: {actual!r}{explain}"
            )
    articles = " | ".join(check.article for check in result.trace)
    for article in expect.get("cites", []):
        assert article in articles, f"{article} not cited in: {articles}{explain}"
    fields = [item.field for item in result.missing]
    for field in expect.get("missing", []):
        assert field in fields, f"{field} not among missing {fields}{explain}"
    if "summary_contains" in expect:
        assert expect["summary_contains"] in result.summary, explain
    if "exit_code" in expect:
        assert result.outcome.exit_code == expect["exit_code"]
