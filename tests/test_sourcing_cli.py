"""rcep-origin whatif and advise on the command line: exit codes, JSON, both languages, and bad
changes refused with the field they name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from rcep_origin.cli.main import app

HERE = Path(__file__).resolve().parent
RUNNER = CliRunner()


def _files(tmp_path: Path, scenario: str) -> tuple[Path, Path | None]:
    data: dict[str, Any] = yaml.safe_load(
        (HERE / "scenarios" / "sourcing" / scenario).read_text("utf-8")
    )
    declaration = tmp_path / "declaration.yaml"
    declaration.write_text(yaml.safe_dump(data["declaration"]), "utf-8")
    for name, sub in (data.get("subassemblies") or {}).items():
        (tmp_path / name).write_text(yaml.safe_dump(sub), "utf-8")
    quotes = None
    if "quotes" in data:
        quotes = tmp_path / "quotes.yaml"
        quotes.write_text(yaml.safe_dump(data["quotes"]), "utf-8")
    return declaration, quotes


def test_whatif_exits_as_determine_would_for_the_changed_declaration(tmp_path: Path) -> None:
    declaration, _ = _files(tmp_path, "101-whatif-dearer-imported-parts-lose-origin.yaml")
    lost = RUNNER.invoke(
        app, ["whatif", str(declaration), "--set", "materials[PARTS].value.amount=480", "--json"]
    )
    assert lost.exit_code == 1, lost.output
    answer = json.loads(lost.stdout)
    assert answer["kind"] == "lost" and answer["after"]["rvc_percent"] == "37.00"
    assert answer["after_verdict"]["originating"] is False
    kept = RUNNER.invoke(
        app, ["whatif", str(declaration), "--set", "materials[0].value.amount=310", "--lang", "zh"]
    )
    assert kept.exit_code == 0 and "保持原产" in kept.stdout


def test_a_change_that_makes_the_declaration_invalid_is_bad_input(tmp_path: Path) -> None:
    declaration, _ = _files(tmp_path, "101-whatif-dearer-imported-parts-lose-origin.yaml")
    for change, named in (
        ("materials[PARTS].origin_party=XX", "materials[0].origin_party"),
        ("materials[NOPE].value.amount=1", "NOPE"),
        ("materials[PARTS]value", "PATH=VALUE"),
    ):
        result = RUNNER.invoke(app, ["whatif", str(declaration), "--set", change])
        assert result.exit_code == 3, (change, result.output)
        assert named in result.output


def test_advise_lists_the_options_and_exits_0_or_1(tmp_path: Path) -> None:
    declaration, quotes = _files(tmp_path, "111-advise-cheapest-single-change-first.yaml")
    assert quotes is not None
    found = RUNNER.invoke(app, ["advise", str(declaration), "--quotes", str(quotes), "--json"])
    assert found.exit_code == 0, found.output
    options = json.loads(found.stdout)["options"]
    assert [o["changes"][0]["material"] for o in options] == ["SCREWS", "HINGES", "PARTS"]
    none = RUNNER.invoke(app, ["advise", str(declaration), "--max-changes", "1", "--lang", "zh"])
    assert none.exit_code == 0 and "SCREWS" in none.stdout  # the declaration needs no quote
    cannot, _ = _files(tmp_path, "114-advise-nothing-to-source-for-minimal-operations.yaml")
    result = RUNNER.invoke(app, ["advise", str(cannot)])
    assert result.exit_code == 1 and "Art. 3.6" in result.stdout


def test_a_quote_for_a_material_the_bill_does_not_list_is_bad_input(tmp_path: Path) -> None:
    declaration, _ = _files(tmp_path, "111-advise-cheapest-single-change-first.yaml")
    quotes = tmp_path / "q.yaml"
    quotes.write_text(
        yaml.safe_dump(
            {
                "quotes": [
                    {
                        "material": "GHOST",
                        "supplier": "x",
                        "origin_party": "TH",
                        "originating": True,
                        "value": {"amount": "1", "currency": "USD"},
                    }
                ]
            }
        ),
        "utf-8",
    )
    result = RUNNER.invoke(app, ["advise", str(declaration), "--quotes", str(quotes)])
    assert result.exit_code == 3 and "GHOST" in result.output


def test_determine_resolves_sub_assemblies_beside_the_declaration(tmp_path: Path) -> None:
    declaration, _ = _files(tmp_path, "121-multi-level-bom-chain.yaml")
    result = RUNNER.invoke(app, ["determine", str(declaration), "--json"])
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)
    chain = [c for c in verdict["trace"] if c["name"] == "subassembly"]
    assert chain and "armrests.yaml: originating (CTC)" in chain[0]["summary"]
    (tmp_path / "armrests.yaml").unlink()
    missing = RUNNER.invoke(app, ["determine", str(declaration)])
    assert missing.exit_code == 3 and "armrests.yaml" in missing.output
