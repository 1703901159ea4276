"""Pre-review against the HS nomenclature suggester: descriptions that do not fit their code, the
suggestions offered for a code that does not exist, and the batch scorer that must give exactly
the suggester's own answers."""

from __future__ import annotations

import pytest

from prereview.helpers import clean, material, only, run
from rcep_origin import hs
from rcep_origin.hs import HsCode
from rcep_origin.prereview import Severity
from rcep_origin.prereview import _hs_scores as scores

pytestmark = pytest.mark.skipif(
    not hasattr(hs, "suggest") or not scores.available("HS2022"),
    reason="the HS suggester (rcep_origin.hs.suggest) is not available",
)


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


def test_the_batch_scorer_gives_the_suggesters_own_answers() -> None:
    scores.clear_cache()
    items = [(d, hs.parse_hs_code(c)) for d, c in DESCRIPTIONS]
    batch = scores._batch("HS2022")
    assert batch is not None, "the batch path fell back to per-call scoring"
    fast = batch.score(items)
    slow = scores._one_by_one(items, "HS2022")
    assert fast.keys() == slow.keys()
    for key in fast:
        assert [s.code for s in fast[key].suggestions] == [s.code for s in slow[key].suggestions]
        for a, b in zip(fast[key].suggestions, slow[key].suggestions, strict=True):
            assert a.score == pytest.approx(b.score, abs=1e-5)
        assert fast[key].score == pytest.approx(slow[key].score, abs=1e-5), key


def test_answers_are_kept_across_declarations() -> None:
    scores.clear_cache()
    items = [("copper busbar", HsCode("740710"))]
    first = scores.score_items(items, "HS2022")
    assert scores._cache
    assert scores.score_items(items, "HS2022") == first
