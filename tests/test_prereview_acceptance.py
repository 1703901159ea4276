"""Issue 19, "Done when": with rules supplied for the goods (a test rule set, rows marked not law),
clean declarations of the seeds' goods pass or warn with no false HS warning, and each defect the
issue found is rejected by a finding that names it; exit codes as documented (0 pass, 1 warn,
2 reject, 3 only for what cannot be read)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from prereview.helpers import HERE
from prereview.seed_goods import GOODS, SEED_RULES, Data, good
from rcep_origin.cli.main import app
from rcep_origin.prereview import PreReview, Severity, Verdict, parse_for_review, prereview
from rcep_origin.rules import load_ruleset

RULES = load_ruleset(SEED_RULES)
runner = CliRunner()


def review(data: Data, lang: str = "en") -> PreReview:
    return prereview(parse_for_review(json.dumps(data)), ruleset=RULES, lang=lang)


@pytest.mark.parametrize("name", sorted(GOODS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_clean_declaration_of_a_seed_good_passes_or_warns_with_no_hs_warning(
    name: str, lang: str
) -> None:
    found = review(good(name), lang)
    assert found.verdict in (Verdict.PASS, Verdict.WARN), found.codes()
    assert not [code for code in found.codes() if code.startswith("HS_")], found.codes()
    assert found.determination is not None and found.determination.originating


def _steps_only_packing(data: Data) -> None:
    data["production_steps"] = [
        {"description": "sorting, labelling and packing in cartons", "party": "CN"},
        {"description": "贴标签并装箱", "party": "CN"},
    ]


def _final_step_abroad(data: Data) -> None:
    data["production_steps"].append({"description": "final assembly", "party": "DE"})


def _expired(data: Data) -> None:
    line = next(m for m in data["materials"] if m["originating"])
    line["supplier_declaration"]["valid_until"] = "2026-03-31"


def _same_part_two_codes(data: Data) -> None:
    first, second = data["materials"][1], data["materials"][2]
    first.update(description="AC servo motor SGM7J-08A", hs_code="8501.52")
    second.update(description="ac servo motor sgm7j-08a", hs_code="8501.53")


def _hs2012_led(data: Data) -> None:
    # 8541.40 (photosensitive devices and LEDs) was split in HS2022 (8541.41-8541.49).
    data["materials"].append(
        {
            "id": "LED",
            "description": "light-emitting diodes, status indicators",
            "hs_code": "8541.40",
            "value": {"amount": "5", "currency": "USD"},
            "origin_party": "KR",
            "originating": False,
        }
    )


def _over_fob(data: Data) -> None:
    data["materials"][0]["value"]["amount"] = "990000"


DEFECTS: dict[str, tuple[str, Callable[[Data], object], str]] = {
    "unknown product code": (
        "industrial-robot",
        lambda d: d["product"].update(hs_code="8479.98"),
        "HS_UNKNOWN",
    ),
    "a lathe declared 8462.10": (
        "cnc-lathe",
        lambda d: d["product"].update(hs_code="8462.10"),
        "HS_WRONG_EDITION",
    ),
    "an HS2012 code in an HS2022 declaration": ("edge-computer", _hs2012_led, "HS_WRONG_EDITION"),
    "final assembly outside the exporting Party": (
        "cnc-lathe",
        _final_step_abroad,
        "FINAL_STEP_NOT_IN_EXPORTING_PARTY",
    ),
    "a material's value missing": (
        "plc-cabinet",
        lambda d: d["materials"][0].pop("value"),
        "BOM_VALUE_MISSING",
    ),
    "steps that are only packing and labelling, not marked": (
        "cnc-lathe",
        _steps_only_packing,
        "MINIMAL_OPERATIONS_ONLY",
    ),
    "an expired supplier declaration": ("servo-motor", _expired, "EVIDENCE_EXPIRED"),
    "a missing firmware log for a software-integrated good": (
        "industrial-robot",
        lambda d: d["evidence"].pop("firmware_log"),
        "FIRMWARE_LOG_MISSING",
    ),
    "one part under two HS codes": ("servo-motor", _same_part_two_codes, "BOM_HS_INCONSISTENT"),
    "materials worth more than the FOB value": ("cnc-lathe", _over_fob, "BOM_VALUE_EXCEEDS_FOB"),
}


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_each_defect_is_rejected_by_a_finding_that_names_it(defect: str) -> None:
    name, mutate, code = DEFECTS[defect]
    data = good(name)
    mutate(data)
    found = review(data)
    assert found.verdict is Verdict.REJECT, found.codes()
    named = found.by_code(code)
    assert named and all(f.severity is Severity.REJECT for f in named), found.codes()
    chinese = review(data, "zh")
    assert chinese.codes() == found.codes()
    assert all(
        f.message != g.message for f, g in zip(found.findings, chinese.findings, strict=True)
    )


def test_a_chinese_description_that_does_not_fit_its_code_is_found() -> None:
    data = good("servo-motor")
    data["materials"][2].update(description="冷冻带骨牛肉", hs_code="8501.52")  # frozen beef
    finding = review(data).by_code("HS_DESCRIPTION_MISMATCH")
    assert finding and finding[0].data["language"] == "zh"


def _write(tmp_path: Path, data: Any, name: str) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return path


@pytest.mark.parametrize("name", sorted(GOODS))
def test_the_command_line_passes_a_clean_seed_good_with_its_rules(
    name: str, tmp_path: Path
) -> None:
    path = _write(tmp_path, good(name), f"{name}.json")
    result = runner.invoke(app, ["prereview", str(path), "--rules", str(SEED_RULES), "--json"])
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.output)["verdict"] in ("pass", "warn")


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_the_command_line_exits_2_naming_each_defect(defect: str, tmp_path: Path) -> None:
    name, mutate, code = DEFECTS[defect]
    data = good(name)
    mutate(data)
    path = _write(tmp_path, data, "defect.json")
    result = runner.invoke(app, ["prereview", str(path), "--rules", str(SEED_RULES), "--json"])
    assert result.exit_code == 2, result.output
    assert code in [f["code"] for f in json.loads(result.output)["findings"]]


def test_the_command_line_exits_3_only_for_what_cannot_be_read(tmp_path: Path) -> None:
    data = good("cnc-lathe")
    data["product"]["hs_code"] = "84581"  # not an HS code at all
    for document in (data, "{not json", {"product": "lathe"}):
        path = _write(tmp_path, document, "bad.json")
        result = runner.invoke(app, ["prereview", str(path), "--rules", str(SEED_RULES)])
        assert result.exit_code == 3, result.output


def test_a_200_line_bill_of_materials_raises_no_false_hs_warning() -> None:
    spec = importlib.util.spec_from_file_location(
        "bench_prereview", HERE.parent / "bench" / "bench_prereview.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for imported in (False, True):
        data = bench.declaration(200, imported=imported)
        found = prereview(parse_for_review(json.dumps(data)))
        assert "HS_DESCRIPTION_MISMATCH" not in found.codes()
