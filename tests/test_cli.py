"""The command line: verdicts, exit codes, and bad input without a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rcep_origin.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def write(tmp_path: Path, data: Any, name: str = "declaration.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_the_example_in_the_readme_is_originating_with_exit_code_0() -> None:
    result = runner.invoke(
        app, ["determine", str(ROOT / "examples" / "control-panel-parts.json"), "--json"]
    )
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["originating"] is True
    for key in (
        "criterion",
        "flags",
        "rule",
        "rvc",
        "rcep_country_of_origin",
        "additional_rule",
        "trace",
        "missing",
        "inputs_sha256",
        "ruleset_version",
        "engine_version",
    ):
        assert key in verdict


def test_not_originating_exits_1(tmp_path: Path, declaration_data: dict[str, Any]) -> None:
    declaration_data["production_steps"] = [
        {"description": "labelling", "party": "CN", "minimal_operation": True}
    ]
    result = runner.invoke(app, ["determine", str(write(tmp_path, declaration_data)), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["originating"] is False


def test_undecidable_exits_2_and_names_what_is_missing(
    tmp_path: Path, declaration_data: dict[str, Any]
) -> None:
    declaration_data["product"]["hs_code"] = "8458.11"
    result = runner.invoke(app, ["determine", str(write(tmp_path, declaration_data)), "--json"])
    assert result.exit_code == 2
    verdict = json.loads(result.output)
    assert verdict["originating"] is None
    assert [m["field"] for m in verdict["missing"]] == ["ruleset"]  # the rule set's gap


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('{"product": ', ""),
        ({"product": {"description": "x", "hs_code": "84581"}}, "product.hs_code"),
    ],
)
def test_bad_input_exits_3_with_the_field_and_no_traceback(
    tmp_path: Path, content: Any, field: str
) -> None:
    result = runner.invoke(app, ["determine", str(write(tmp_path, content)), "--json"])
    assert result.exit_code == 3
    payload = json.loads(result.output)
    assert payload["error"] == "bad_input" and payload["field"] == field
    assert "Traceback" not in result.output


def test_the_readable_report_shows_the_verdict_and_the_articles() -> None:
    result = runner.invoke(
        app, ["determine", str(ROOT / "examples" / "control-panel-parts.json")], terminal_width=200
    )
    assert result.exit_code == 0
    assert (
        "Originating (CTC)" in result.output
        and "Art. 3.6" in result.output
        and "inputs sha256" in result.output
    )


def test_another_rule_set_can_be_loaded_with_rules(
    tmp_path: Path, declaration_data: dict[str, Any]
) -> None:
    declaration_data["product"]["hs_code"] = "8458.11"
    path = write(tmp_path, declaration_data)
    result = runner.invoke(
        app,
        ["determine", str(path), "--json", "--rules", str(ROOT / "tests" / "rulesets" / "fixture")],
    )
    verdict = json.loads(result.output)
    assert verdict["rule"]["text"] == "CTH except from heading 84.66 or RVC40"
    assert verdict["ruleset_version"].startswith("test-fixture@1")


def test_a_broken_rule_set_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "psr.csv").write_text("hs_code,rule,hs_edition,source\n8458.11,CTX,HS2022,x\n")
    (tmp_path / "appendix.csv").write_text("importing_party,hs_code,source\n")
    result = runner.invoke(app, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 3 and "psr.csv:2" in result.output


def test_rules_show_cites_the_source() -> None:
    result = runner.invoke(app, ["rules", "show", "8538.90"], terminal_width=300)
    assert result.exit_code == 0
    assert "CTH or RVC40" in result.output and "page197" in result.output


def test_a_declaration_can_be_piped_on_standard_input(declaration_data: dict[str, Any]) -> None:
    result = runner.invoke(app, ["determine", "-", "--json"], input=json.dumps(declaration_data))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["originating"] is True


def test_a_defect_is_reported_as_an_internal_error_without_a_traceback(
    tmp_path: Path, declaration_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("rcep_origin.cli.main.determine", broken)
    result = runner.invoke(app, ["determine", str(write(tmp_path, declaration_data))])
    assert result.exit_code == 4
    assert "internal error" in result.output and "Traceback" not in result.output
