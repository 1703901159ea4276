"""rcep-origin batch (issue 15): a folder of declarations or an ERP table in, one result row per
declaration out, each identical to what ``rcep-origin determine`` says of it; bad files are rows
in error and the run goes on; a re-run resumes; the report is written in English and Chinese."""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from rcep_origin.batch import (
    ERP_COLUMNS,
    RESULT_COLUMNS,
    BatchOptions,
    read_results,
    run_batch,
    write_report,
)
from rcep_origin.batch._i18n import MESSAGES
from rcep_origin.cli.main import app
from rcep_origin.rules import builtin_ruleset

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_determine import declaration as generated  # noqa: E402

RUNNER = CliRunner()


def _folder(path: Path, count: int = 6, lines: int = 30, *, broken: bool = True) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (path / f"d{index:03d}.json").write_text(generated(lines, seed=index), "utf-8")
    if broken:
        (path / "broken.json").write_text('{"product": ', "utf-8")
    return path


def _run(input: Path, out: Path, **options: Any) -> Any:
    return run_batch(BatchOptions(input=input, out=out, ruleset=builtin_ruleset(), **options))


def _determined(path: Path, *extra: str) -> dict[str, Any]:
    result = RUNNER.invoke(app, ["determine", str(path), "--json", *extra])
    verdict: dict[str, Any] = json.loads(result.stdout)
    return verdict


def _sha(verdict: dict[str, Any]) -> str:
    text = json.dumps(verdict, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_each_row_is_what_determine_says_and_a_broken_file_is_a_row_in_error(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path / "in")
    run = _run(folder, tmp_path / "results.jsonl", workers=1)
    rows = {row["declaration"]: row for row in run.rows}
    assert len(rows) == 7 and run.outcomes["error"] == 1
    assert "malformed JSON" in rows["broken.json"]["error"]
    for name in ("d000.json", "d003.json", "d005.json"):
        verdict = _determined(folder / name)
        row = rows[name]
        assert row["verdict_sha256"] == _sha(verdict)  # the whole verdict, trace included
        assert row["originating"] == verdict["originating"]
        assert row["criterion"] == verdict["criterion"]
        assert row["rvc_percent"] == verdict["rvc"]["percent"]
        assert row["rcep_country_of_origin"] == verdict["rcep_country_of_origin"]
        assert row["inputs_sha256"] == verdict["inputs_sha256"]
        assert row["ruleset_version"] == verdict["ruleset_version"]
        assert row["error"] is None


def test_local_processes_give_the_same_results_as_one_process(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "in", count=8)
    one = _run(folder, tmp_path / "one.jsonl", workers=1)
    two = _run(folder, tmp_path / "two.jsonl", workers=2)
    assert two.where == "2 local processes"
    strip = [{k: v for k, v in row.items()} for row in one.rows]
    assert strip == two.rows
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_a_rerun_resumes_deciding_only_what_changed(tmp_path: Path, suffix: str) -> None:
    folder = _folder(tmp_path / "in", count=4)
    out = tmp_path / f"results{suffix}"
    first = _run(folder, out, workers=1)
    assert (first.decided, first.kept) == (5, 0)
    again = _run(folder, out, workers=1)
    assert (again.decided, again.kept) == (1, 4)  # the broken file is tried again
    assert again.rows == first.rows
    (folder / "d001.json").write_text(generated(30, seed=99), "utf-8")
    (folder / "copy.json").write_text((folder / "d002.json").read_text("utf-8"), "utf-8")
    third = _run(folder, out, workers=1)
    # d001 changed; copy.json has the inputs of d002, whose result stands.
    assert (third.decided, third.kept) == (2, 4)
    rows = {row["declaration"]: row for row in read_results(out)}
    assert rows["copy.json"]["verdict_sha256"] == rows["d002.json"]["verdict_sha256"]
    assert list(rows["d000.json"]) == [name for name, _ in RESULT_COLUMNS]


def test_an_interrupted_run_keeps_what_it_decided(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "in", count=3, broken=False)
    out = tmp_path / "results.csv"
    first = _run(folder, out, workers=1)
    journal = tmp_path / ".results.csv.partial.jsonl"
    journal.write_text("".join(json.dumps(row) + "\n" for row in first.rows) + '{"cut', "utf-8")
    out.unlink()
    again = _run(folder, out, workers=1)
    assert (again.decided, again.kept) == (0, 3) and not journal.exists()


def test_a_rule_set_change_decides_again(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "in", count=2, broken=False)
    out = tmp_path / "results.jsonl"
    _run(folder, out, workers=1)
    rows = read_results(out)
    for row in rows:
        row["ruleset_version"] = "another@1"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    assert _run(folder, out, workers=1).decided == 2


def _table_rows(keys: int = 3, lines: int = 4) -> list[dict[str, str]]:
    rows = []
    for key in range(keys):
        for line in range(lines):
            rows.append(
                {
                    "ItemNo": f"FG-{key}",
                    "Desc": "Parts for control panels",
                    "HS": "8538.90",
                    "Exporter": "CN",
                    "FOB": "1000",
                    "Currency": "USD",
                    "Steps": "CN: machining and assembly; CN: packing [minimal]",
                    "Component": f"C{line}",
                    "ComponentHS": "7318.15" if line else "8538.90",
                    "Cost": "50" if line else str(100 + 100 * key),
                    "CostCurrency": "EUR" if line == 3 else "",
                    "Country": "DE" if line == 0 else "JP",
                    "Originating": "false" if line == 0 else "true",
                }
            )
    return rows


MAPPING = {
    "columns": {
        "declaration": "ItemNo",
        "product_description": "Desc",
        "product_hs_code": "HS",
        "exporting_party": "Exporter",
        "fob_value": "FOB",
        "fob_currency": "Currency",
        "production_steps": "Steps",
        "material_id": "Component",
        "material_hs_code": "ComponentHS",
        "material_value": "Cost",
        "material_currency": "CostCurrency",
        "origin_party": "Country",
        "originating": "Originating",
    },
    "defaults": {"importing_party": "TH", "date": "2026-06-01"},
    "fx_rates": [
        {"from": "EUR", "to": "USD", "rate": "1.10", "date": "2026-05-29", "source": "ECB"}
    ],
}


def _write_table(path: Path, rows: list[dict[str, str]]) -> Path:
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    elif path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append(list(row.values()))
        book.save(path)
    else:
        import polars as pl

        pl.DataFrame(rows).write_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_an_erp_table_with_a_mapping_file_is_decided_row_group_by_row_group(
    tmp_path: Path, suffix: str
) -> None:
    rows = _table_rows()
    rows[6]["Cost"] = "-5"  # FG-1, its third line
    table = _write_table(tmp_path / f"boms{suffix}", rows)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING), "utf-8")
    run = _run(table, tmp_path / "results.jsonl", workers=1, mapping=mapping)
    results = {row["declaration"]: row for row in run.rows}
    assert set(results) == {"FG-0", "FG-1", "FG-2"}
    assert results["FG-0"]["source"] == f"boms{suffix}#2-5" if suffix != ".parquet" else True
    # The error names the table's row and column, not only the declaration's field.
    error = results["FG-1"]["error"]
    where = "row 8" if suffix != ".parquet" else "row 7"
    assert f"{where}, column material_value" in error and "materials[2].value.amount" in error
    # FG-0: C0 (8538.90, DE, 100) fails CTH but fits de minimis (Art. 3.7); RVC40 holds without
    # it, and the first alternative that holds without de minimis is reported (headnote 8).
    assert results["FG-0"]["criterion"] == "RVC" and results["FG-0"]["flags"] is None
    assert results["FG-0"]["rvc_percent"] == "90.00"
    # FG-2: the same line is 300, so CTH fails beyond de minimis; RVC (1000-300)/1000 = 70 %.
    assert results["FG-2"]["criterion"] == "RVC" and results["FG-2"]["rvc_percent"] == "70.00"


def test_a_table_document_is_the_declaration_a_file_would_hold(tmp_path: Path) -> None:
    """The same good as a table and as a JSON file: the same inputs hash and verdict."""
    rows = _table_rows(keys=1)
    table = _write_table(tmp_path / "boms.csv", rows)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING), "utf-8")
    (row,) = _run(table, tmp_path / "t.jsonl", workers=1, mapping=mapping).rows
    from rcep_origin.batch._erp import document, load_mapping, rename

    renamed = rename(rows[0], load_mapping(mapping))
    cells = [
        (n + 2, {renamed[k]: v for k, v in r.items() if k in renamed and v})
        for n, r in enumerate(rows)
    ]
    doc, _ = document("FG-0", cells, load_mapping(mapping))
    (tmp_path / "FG-0.json").write_text(json.dumps(doc), "utf-8")
    verdict = _determined(tmp_path / "FG-0.json")
    assert row["inputs_sha256"] == verdict["inputs_sha256"]
    assert row["verdict_sha256"] == _sha(verdict)


def test_a_mapping_that_names_a_column_the_table_lacks_is_bad_input(tmp_path: Path) -> None:
    table = _write_table(tmp_path / "boms.csv", _table_rows(keys=1))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({"columns": {"declaration": "Article"}}), "utf-8")
    result = RUNNER.invoke(
        app, ["batch", str(table), "--out", str(tmp_path / "r.csv"), "--mapping", str(mapping)]
    )
    assert result.exit_code == 3
    assert "Article" in result.output


def test_multi_level_boms_in_a_folder_and_in_a_table(tmp_path: Path) -> None:
    scenario = yaml.safe_load(
        (ROOT / "tests/scenarios/sourcing/121-multi-level-bom-chain.yaml").read_text("utf-8")
    )
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "armchair.yaml").write_text(yaml.safe_dump(scenario["declaration"]), "utf-8")
    for name, sub in scenario["subassemblies"].items():
        (folder / name).write_text(yaml.safe_dump(sub), "utf-8")
    run = _run(folder, tmp_path / "r.jsonl", workers=1)
    rows = {row["declaration"]: row for row in run.rows}
    assert rows["armchair.yaml"]["criterion"] == "CTC"
    assert rows["armchair.yaml"]["subassemblies"] == 1
    verdict = _determined(folder / "armchair.yaml")
    assert rows["armchair.yaml"]["verdict_sha256"] == _sha(verdict)
    assert rows["frame.yaml"]["outcome"] == "originating"


def test_a_table_names_sub_assemblies_by_their_key(tmp_path: Path) -> None:
    common = {
        "product_description": "Wooden seat frame",
        "exporting_party": "MY",
        "importing_party": "AU",
        "date": "2026-06-01",
        "fob_currency": "USD",
        "production_steps": "MY: sawing and assembly",
    }
    rows = [
        {
            **common,
            "declaration": "CHAIR",
            "product_hs_code": "9401.61",
            "fob_value": "400",
            "material_id": "FRAME",
            "subassembly": "FRAME-1",
        },
        {
            **common,
            "declaration": "CHAIR",
            "product_hs_code": "9401.61",
            "fob_value": "400",
            "material_id": "FABRIC",
            "material_hs_code": "5407.61",
            "material_value": "120",
            "origin_party": "CN",
            "originating": "false",
        },
        {
            **common,
            "declaration": "FRAME-1",
            "product_hs_code": "9401.91",
            "fob_value": "150",
            "material_id": "LUMBER",
            "material_hs_code": "4407.92",
            "material_value": "50",
            "origin_party": "US",
            "originating": "false",
        },
        {
            **common,
            "declaration": "LOOP-A",
            "product_hs_code": "9401.91",
            "fob_value": "150",
            "material_id": "B",
            "subassembly": "LOOP-B",
        },
        {
            **common,
            "declaration": "LOOP-B",
            "product_hs_code": "9401.91",
            "fob_value": "150",
            "material_id": "A",
            "subassembly": "LOOP-A",
        },
    ]
    for row in rows:
        for name in ERP_COLUMNS:
            row.setdefault(name, "")
    table = _write_table(tmp_path / "boms.csv", rows)
    results = {r["declaration"]: r for r in _run(table, tmp_path / "r.jsonl", workers=2).rows}
    assert results["CHAIR"]["outcome"] == "originating" and results["CHAIR"]["subassemblies"] == 1
    assert "circular" in results["LOOP-A"]["error"]


def test_the_report_is_written_in_both_languages_with_charts_and_no_remote_resource(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path / "in", count=5)
    run = _run(folder, tmp_path / "results.csv", workers=1)
    paths = write_report(run)
    english, chinese = (paths[lang].read_text("utf-8") for lang in ("en", "zh"))
    assert "Closest to the threshold" in english and "最接近门槛的货物" in chinese
    assert english.count("<svg") >= 2 and chinese.count("<svg") >= 2
    for page in (english, chinese):
        remote = [part for part in page.split('"') if part.startswith(("http:", "https:", "//"))]
        assert remote == ["http://www.w3.org/2000/svg"] * len(remote)
    assert "broken.json" in english


def test_every_message_is_in_english_and_chinese() -> None:
    for message_id, (en, zh) in MESSAGES.items():
        assert en.strip() and zh.strip(), message_id
        assert zh != en or message_id.startswith("report.other"), message_id


def test_the_cli_prints_the_summary_and_exits_0_when_the_run_completes(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "in", count=3)
    out = tmp_path / "results.parquet"
    result = RUNNER.invoke(
        app, ["batch", str(folder), "--out", str(out), "--workers", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["outcomes"] == {"error": 1, "originating": 3}
    assert Path(summary["report"]["zh"]).exists()
    chinese = RUNNER.invoke(
        app, ["batch", str(folder), "--out", str(out), "--workers", "1", "--lang", "zh"]
    )
    assert "份沿用先前结果" in chinese.stdout


def test_an_unknown_results_format_is_bad_input(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "in", count=1, broken=False)
    result = RUNNER.invoke(app, ["batch", str(folder), "--out", str(tmp_path / "r.xml")])
    assert result.exit_code == 3 and ".parquet" in result.output


def test_an_unreachable_scheduler_exits_5(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "in", count=1, broken=False)
    result = RUNNER.invoke(
        app,
        [
            "batch",
            str(folder),
            "--out",
            str(tmp_path / "r.csv"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
    )
    assert result.exit_code == 5, result.output


def test_the_readme_shows_every_column_of_the_erp_layout_and_of_the_results() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for name, (_, meaning) in ERP_COLUMNS.items():
        assert f"| `{name}` | {meaning} |" in readme, name
    for name, meaning in RESULT_COLUMNS:
        assert f"| `{name}` | {meaning} |" in readme, name
