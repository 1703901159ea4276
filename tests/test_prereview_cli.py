"""``rcep-origin prereview``: exit codes 0 pass, 1 warn, 2 reject, 3 bad input; JSON and Chinese
output; a folder reviewed file by file against each other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from prereview.helpers import FIXTURE_RULES, clean, material
from rcep_origin.cli.prereview import prereview_command

runner = CliRunner()
app = typer.Typer()
app.command("prereview")(prereview_command)


@app.command("version")
def _version() -> None:  # a second command, so "prereview" is a subcommand as in the real CLI
    """unused"""


def write(folder: Path, data: Any, name: str = "declaration.json") -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def invoke(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Any:
    environment = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    environment.update(env or {})
    return runner.invoke(app, ["prereview", *args], env=environment, input=stdin)


def warned() -> dict[str, Any]:
    data = clean()
    del data["evidence"]
    return data


def rejected() -> dict[str, Any]:
    return material(clean(), 0, hs_code="8538.10", value={"amount": "700", "currency": "USD"})


@pytest.mark.parametrize(("data", "code"), [(clean(), 0), (warned(), 1), (rejected(), 2)])
def test_the_exit_code_is_the_verdict(tmp_path: Path, data: dict[str, Any], code: int) -> None:
    result = invoke(str(write(tmp_path, data)))
    assert result.exit_code == code, result.output
    assert ["Pre-review: pass", "Pre-review: warn", "Pre-review: reject"][code] in result.output


def test_json_output_carries_the_findings_and_the_engines_verdict(tmp_path: Path) -> None:
    result = invoke(str(write(tmp_path, rejected())), "--json")
    assert result.exit_code == 2
    payload = json.loads(result.output)
    assert payload["verdict"] == "reject"
    assert payload["determination"]["outcome"] == "not_originating"
    codes = [finding["code"] for finding in payload["findings"]]
    assert {"NOT_ORIGINATING", "CTC_FAILS", "RVC_FAILS"} <= set(codes)


def test_bad_input_exits_3_naming_the_field(tmp_path: Path) -> None:
    data = clean()
    data["materials"][0]["value"]["amount"] = "ten"
    result = invoke(str(write(tmp_path, data)), "--json")
    assert result.exit_code == 3
    payload = json.loads(result.output)
    assert payload["error"] == "bad_input" and payload["field"] == "materials[0].value.amount"


def test_lang_zh_prints_chinese(tmp_path: Path) -> None:
    result = invoke(str(write(tmp_path, rejected())), "--lang", "zh")
    assert result.exit_code == 2
    assert "预审结果：拒绝" in result.output
    assert "区域价值成分" in result.output


def test_the_language_defaults_to_lang_from_the_environment(tmp_path: Path) -> None:
    result = invoke(str(write(tmp_path, warned())), env={"LANG": "zh_CN.UTF-8"})
    assert "预审结果：警告" in result.output
    result = invoke(str(write(tmp_path, warned())), "--lang", "xx")
    assert "Pre-review: warn" in result.output


def test_standard_input_is_read_for_a_dash() -> None:
    result = invoke("-", "--json", stdin=json.dumps(clean()))
    assert result.exit_code == 0
    assert json.loads(result.output)["verdict"] == "pass"


def test_a_folder_is_reviewed_against_itself(tmp_path: Path) -> None:
    other = clean()
    other["reference"] = "EX-OTHER"
    material(other, 0, hs_code="7211.23")  # part P-100 classified differently
    write(tmp_path, clean(), "a.json")
    write(tmp_path, other, "b.yaml")
    result = invoke(str(tmp_path), "--json")
    assert result.exit_code == 1, result.output
    payload = json.loads(result.output)
    assert payload["verdict"] == "warn"
    by_file = {d["file"]: d for d in payload["declarations"]}
    assert set(by_file) == {"a.json", "b.yaml"}
    for name, elsewhere in (("a.json", "b.yaml"), ("b.yaml", "a.json")):
        finding = next(
            f for f in by_file[name]["findings"] if f["code"] == "HS_INCONSISTENT_ACROSS_BOMS"
        )
        assert finding["data"]["elsewhere"][0]["source"] == elsewhere


def test_a_folder_with_a_bad_file_exits_3_after_reviewing_the_others(tmp_path: Path) -> None:
    write(tmp_path, clean(), "a.json")
    write(tmp_path, '{"product": ', "broken.json")
    result = invoke(str(tmp_path), "--json")
    assert result.exit_code == 3
    payload = json.loads(result.output)
    assert [d["file"] for d in payload["declarations"]] == ["a.json"]
    assert payload["errors"][0]["file"] == "broken.json"


def test_an_empty_folder_is_bad_input(tmp_path: Path) -> None:
    assert invoke(str(tmp_path)).exit_code == 3


def test_rules_selects_another_rule_set(tmp_path: Path) -> None:
    data = clean()
    data["product"].update(
        hs_code="8458.11", description="Horizontal lathes, numerically controlled"
    )
    path = str(write(tmp_path, data))
    builtin = json.loads(invoke(path, "--json").output)
    assert "RULE_NOT_IN_CATALOGUE" in [f["code"] for f in builtin["findings"]]
    fixture = json.loads(invoke(path, "--json", "--rules", str(FIXTURE_RULES)).output)
    assert "RULE_NOT_IN_CATALOGUE" not in [f["code"] for f in fixture["findings"]]


def test_a_bad_rule_set_is_bad_input(tmp_path: Path) -> None:
    result = invoke(str(write(tmp_path, clean())), "--rules", str(tmp_path))
    assert result.exit_code == 3
