"""Pre-review against the HS nomenclature suggester: descriptions that do not fit their code, the
suggestions offered for a code that does not exist, and the answers pre-review gets in one batch
per declaration, which must be exactly the suggester's own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from prereview.helpers import clean, material, only, run
from rcep_origin import hs
from rcep_origin.hs import HsCode
from rcep_origin.prereview import Severity
from rcep_origin.prereview import _hs_scores as scores
from rcep_origin.prereview.thresholds import HS_TOP_SUGGESTIONS

pytestmark = pytest.mark.skipif(
    not hasattr(hs, "suggest") or not scores.available("HS2022"),
    reason="the HS suggester (rcep_origin.hs.suggest) is not available",
)

PREREVIEW = Path(scores.__file__).parent


def test_hs_description_mismatch_warns_and_offers_the_closest_codes() -> None:
    data = material(clean(), 0, description="Live horses, pure-bred breeding animals")
    finding = only(run(data), "HS_DESCRIPTION_MISMATCH")
    assert finding.severity is Severity.WARN
    assert finding.fields == ("materials[0].hs_code", "materials[0].description")
    assert finding.data["suggestions"][0]["code"] == "0101.21"
    assert "0101.21" in finding.fix
    assert finding.data["gap"] >= finding.data["gap_threshold"]


def test_hs_description_mismatch_for_the_product_too() -> None:
    data = clean()
    data["product"]["description"] = "Live horses, pure-bred breeding animals"
    assert "product.hs_code" in only(run(data), "HS_DESCRIPTION_MISMATCH").fields


def test_hs_description_mismatch_not_when_the_declared_code_is_among_the_suggestions() -> None:
    data = material(clean(), 0, description="copper busbar", hs_code="7407.10")  # third for it
    assert "HS_DESCRIPTION_MISMATCH" not in run(data).codes()


def test_hs_description_mismatch_not_for_an_originating_material_whose_code_decides_nothing() -> (
    None
):
    data = material(clean(), 1, description="Live horses, pure-bred breeding animals")
    assert "HS_DESCRIPTION_MISMATCH" not in run(data).codes()


def test_hs_description_mismatch_not_for_a_description_too_vague_to_judge() -> None:
    data = material(clean(), 0, description="part 12")
    assert "HS_DESCRIPTION_MISMATCH" not in run(data).codes()


def test_hs_description_mismatch_not_for_an_empty_description() -> None:
    data = material(clean(), 0, description="")
    assert "HS_DESCRIPTION_MISMATCH" not in run(data).codes()


def test_hs_description_mismatch_not_for_an_edition_without_descriptions() -> None:
    data = clean()
    data["product"]["hs_edition"] = "HS2012"
    material(data, 0, description="Live horses, pure-bred breeding animals")
    assert "HS_DESCRIPTION_MISMATCH" not in run(data).codes()


def test_hs_unknown_offers_the_codes_closest_to_the_description() -> None:
    data = material(clean(), 1, hs_code="7499")
    finding = only(run(data), "HS_UNKNOWN")
    assert finding.data["suggestions"][0]["code"] == "7407.10"
    assert "7407.10" in finding.fix


DESCRIPTIONS = [
    ("Copper bars, rods and profiles of refined copper", "7407.10"),
    ("cold-rolled steel sheet", "7209.17"),
    ("stainless screws", "73.18"),
    ("epoxy insulators", "8546.90"),
    ("Live horses, pure-bred breeding animals", "7209.17"),
    ("part 12", "8538.90"),
    ("", "8538.90"),
    ("!!!", "85"),
    ("servo motor 750 W for CNC lathe", "8501.52"),
]


def test_pre_review_gets_the_suggesters_own_answers() -> None:
    scores.clear_cache()
    items = [(d, hs.parse_hs_code(c)) for d, c in DESCRIPTIONS]
    answers = scores.score_items(items, "HS2022")
    assert answers.keys() == {(d, code.digits) for d, code in items}
    for description, code in items:
        scored = answers[(description, code.digits)]
        expected = hs.suggest(description, top=HS_TOP_SUGGESTIONS)
        assert list(scored.suggestions) == expected, description
        assert scored.score == hs.score_of(description, code), (description, code)


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
