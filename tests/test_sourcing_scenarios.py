"""Sourcing scenarios as data (issue 15): what-if changes, advice on alternative sources, landed
costs and multi-level bills of materials, each a file in tests/scenarios/sourcing/ that a
customs expert can read and extend: a legal sentence as the name, its source, the declaration
(and the sub-assembly declarations beside it), the changes or quotes, and what must come out.

    whatif:  [PATH=VALUE, ...]      -> expect: kind, before/after figures, changed, cites
    quotes:  {quotes: [...]}        -> expect: status, options (changes, added_cost, ...), never
    (neither)                       -> expect: the verdict, as in tests/scenarios/
    subassemblies: {file: decl}     -> written beside the declaration and determined first
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from rcep_origin import load_ruleset, validate_declaration
from rcep_origin.batch import advise, whatif
from rcep_origin.batch._advise import QuoteBook, _QuoteFile
from rcep_origin.origin import FileSource, determine, resolve_subassemblies
from rcep_origin.rules import RuleSet, builtin_ruleset

HERE = Path(__file__).resolve().parent
SCENARIOS = sorted((HERE / "scenarios" / "sourcing").glob("*.yaml"))
KEYS = {"name", "source", "ruleset", "declaration", "subassemblies", "whatif", "quotes", "expect"}


def _ruleset(scenario: dict[str, Any]) -> RuleSet:
    if scenario.get("ruleset") == "fixture":
        return load_ruleset(HERE / "rulesets" / "fixture")
    return builtin_ruleset()


def _declaration(scenario: dict[str, Any], folder: Path, ruleset: RuleSet) -> Any:
    for name, sub in (scenario.get("subassemblies") or {}).items():
        (folder / name).write_text(yaml.safe_dump(sub, sort_keys=False), "utf-8")
    declaration = validate_declaration(scenario["declaration"])
    return resolve_subassemblies(
        declaration,
        source=FileSource(folder),
        determiner=lambda d: determine(d, ruleset=ruleset),
        key=str(folder / "declaration.yaml"),
    )


def _explain(result: Any) -> str:
    return f"\n{result.summary}\n" + "\n".join(
        f"  {c.name} [{c.article}] {c.result.value}: {c.summary}" for c in result.trace
    )


def test_there_are_sourcing_scenarios_of_each_kind() -> None:
    kinds = {
        "whatif" if "whatif" in s else "advise" if "quotes" in s else "verdict"
        for s in (yaml.safe_load(p.read_text("utf-8")) for p in SCENARIOS)
    }
    assert kinds == {"whatif", "advise", "verdict"}
    assert any("subassemblies" in yaml.safe_load(p.read_text("utf-8")) for p in SCENARIOS)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_sourcing_scenario(path: Path, tmp_path: Path) -> None:
    scenario = yaml.safe_load(path.read_text("utf-8"))
    assert set(scenario) <= KEYS, f"{path.name}: unknown keys {set(scenario) - KEYS}"
    assert scenario.get("name") and scenario.get("source"), f"{path.name}: name and source"
    ruleset = _ruleset(scenario)
    declaration = _declaration(scenario, tmp_path, ruleset)
    expect = scenario["expect"]
    if "whatif" in scenario:
        _check_whatif(whatif(declaration, scenario["whatif"], ruleset=ruleset), expect)
    elif "quotes" in scenario:
        book = _QuoteFile.model_validate(scenario["quotes"])
        answer = advise(declaration, QuoteBook(tuple(book.quotes)), ruleset=ruleset, options=10)
        _check_advice(answer, expect)
    else:
        _check_verdict(declaration, ruleset, expect)


def _check_whatif(answer: Any, expect: dict[str, Any]) -> None:
    explain = _explain(answer.after)
    assert answer.kind == expect["kind"], explain
    before, after = (figures.to_dict() for figures in answer.figures)
    for side, figures in (("before", before), ("after", after)):
        for key, value in expect.get(side, {}).items():
            assert figures[key] == value, f"{side}.{key}: {figures[key]!r} != {value!r}{explain}"
    if "changed" in expect:
        assert answer.to_dict()["changed"] == expect["changed"]
    articles = " | ".join(check.article for check in answer.after.trace)
    for article in expect.get("cites", []):
        assert article in articles, f"{article} not cited: {articles}"


def _check_advice(answer: Any, expect: dict[str, Any]) -> None:
    assert answer.before.outcome.value == expect["before"]
    assert answer.status == expect["status"], answer.reason
    if "reason_contains" in expect:
        assert expect["reason_contains"] in answer.reason
    offered = answer.options
    wanted = expect.get("options", [])
    shown = [
        ([c.material for c in o.changes], str(o.added_cost), o.result.summary) for o in offered
    ]
    assert len(offered) == len(wanted), shown
    for option, want in zip(offered, wanted, strict=True):
        # Every option offered is a determination the engine made: originating.
        assert option.result.originating is True
        assert [c.material for c in option.changes] == want["changes"], shown
        assert option.added_cost == Decimal(want["added_cost"]), shown
        if "kinds" in want:
            assert [c.kind for c in option.changes] == want["kinds"]
        if "criterion" in want:
            assert option.result.criterion == want["criterion"], shown
        if "flags" in want:
            assert sorted(option.result.flags) == sorted(want["flags"]), shown
        if "rvc_percent" in want:
            assert option.result.rvc is not None
            assert option.result.rvc.to_dict()["percent"] == want["rvc_percent"], shown
    references = {c.quote.reference for o in offered for c in o.changes if c.quote is not None}
    for never in expect.get("never", []):
        assert never not in references


def _check_verdict(declaration: Any, ruleset: RuleSet, expect: dict[str, Any]) -> None:
    result = determine(declaration, ruleset=ruleset)
    explain = _explain(result)
    verdict = result.to_dict()
    assert verdict["originating"] == expect["originating"], explain
    for key in ("criterion", "rcep_country_of_origin"):
        if key in expect:
            assert verdict[key] == expect[key], f"{key}{explain}"
    if "rvc_percent" in expect:
        assert verdict["rvc"]["percent"] == expect["rvc_percent"], explain
    articles = " | ".join(check.article for check in result.trace)
    for article in expect.get("cites", []):
        assert article in articles, f"{article} not cited in: {articles}{explain}"
    summaries = "\n".join(check.summary for check in result.trace)
    for text in expect.get("trace_contains", []):
        assert text in summaries, f"{text!r} not in the trace{explain}"
    if "without_subassemblies" in expect:
        flat = _flattened(declaration)
        plain = determine(flat, ruleset=ruleset).to_dict()
        assert plain["originating"] == expect["without_subassemblies"]["originating"]
        assert plain["rvc"]["percent"] == expect["without_subassemblies"]["rvc_percent"]


def _flattened(declaration: Any) -> Any:
    """The same bill of materials with each sub-assembly bought in as a non-originating part."""
    document = declaration.model_dump(mode="json", by_alias=True, exclude_none=True)
    for line in document["materials"]:
        if line.pop("subassembly", None) is not None:
            line["originating"] = False
    return validate_declaration(document)
