"""The HS code suggester ranks HS2022 subheadings by how close their nomenclature text is to a
product description, and scores a declared code on the same scale, one pair at a time or many in
one batch."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from rcep_origin.hs import (
    HsCode,
    Scored,
    exists_in_edition,
    parse_hs_code,
    score_many,
    score_of,
    suggest,
)
from rcep_origin.hs.suggest import _cache_file, _Config, _Model

LABELLED = Path(__file__).parent / "data" / "hs_labelled.csv"

# Measured top-3 accuracy on the labelled set: 0.385 (bench/bench_hs_suggest.py). The model is
# deterministic; the margin only absorbs deliberate changes to the model or the set.
TOP3_FLOOR = 0.33


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RCEP_ORIGIN_CACHE_DIR", str(tmp_path_factory.mktemp("hs-cache")))
        yield


def labelled_rows() -> list[dict[str, str]]:
    text = LABELLED.read_text("utf-8")
    return list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))


def test_a_description_of_a_cnc_lathe_suggests_8458_11_among_the_top_3() -> None:
    codes = [s.code for s in suggest("Horizontal CNC lathe for turning metal parts", top=3)]
    assert parse_hs_code("8458.11") in codes


def test_a_programmable_controller_is_matched_to_its_heading() -> None:
    best = suggest("programmable controller for electric control, 24 V", top=5)
    assert any(s.code.heading == "8537" for s in best)


def test_suggestions_are_best_first_with_scores_between_0_and_1_and_their_description() -> None:
    found = suggest("industrial robot arm with six axes", top=10)
    assert len(found) == 10
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert all(s.description and exists_in_edition(s.code, "HS2022") for s in found)


def test_suggestions_are_deterministic() -> None:
    assert suggest("stainless steel ball valve, hand operated") == suggest(
        "stainless steel ball valve, hand operated"
    )


def test_a_declared_code_scores_as_the_model_ranks_it() -> None:
    description = "single phase AC electric motor of 560 W"
    for suggestion in suggest(description, top=3):
        assert score_of(description, suggestion.code) == pytest.approx(suggestion.score)


def test_a_declared_code_unrelated_to_the_description_scores_far_below_the_best_candidate() -> None:
    description = "horizontal numerically controlled lathe for removing metal"
    best = suggest(description, top=1)[0].score
    assert score_of(description, parse_hs_code("0101.21")) < best / 2  # live pure-bred horses


def test_a_heading_scores_as_its_best_subheading() -> None:
    description = "horizontal numerically controlled lathe for removing metal"
    heading = score_of(description, parse_hs_code("84.58"))
    assert heading == max(
        score_of(description, parse_hs_code(c))
        for c in ("8458.11", "8458.19", "8458.91", "8458.99")
    )


def test_a_code_missing_from_the_nomenclature_scores_zero() -> None:
    assert score_of("horizontal lathe", parse_hs_code("8541.40")) == 0.0  # split in HS2022
    assert score_of("horizontal lathe", parse_hs_code("77")) == 0.0


@pytest.mark.parametrize("description", ["", "   ", "!!! ---"])
def test_a_description_without_words_gets_no_suggestions_and_scores_zero(description: str) -> None:
    assert suggest(description) == []
    assert score_of(description, parse_hs_code("8458.11")) == 0.0


def test_an_edition_without_descriptions_gets_no_suggestions_and_cannot_be_scored() -> None:
    assert suggest("horizontal lathe", edition="HS2012") == []  # codes known, descriptions not
    assert suggest("horizontal lathe", edition="HS2017") == []
    with pytest.raises(ValueError, match="HS2012"):
        score_of("horizontal lathe", parse_hs_code("8458.11"), edition="HS2012")
    with pytest.raises(ValueError, match="top"):
        suggest("lathe", top=0)


def test_a_description_sharing_no_n_gram_with_the_nomenclature_gets_no_suggestions() -> None:
    assert suggest("qqqq xqxq") == []  # not five codes that all score 0
    assert score_of("qqqq xqxq", parse_hs_code("8458.11")) == 0.0


def test_subheadings_with_the_same_text_are_suggested_in_code_order() -> None:
    # 8703.80 (cars) and 8704.60 (lorries) read "Vehicles; with only electric motor for propulsion"
    description = "vehicles with only electric motor for propulsion"
    assert [s.code for s in suggest(description, top=1)] == [parse_hs_code("8703.80")]
    first, second = suggest(description, top=2)
    assert (first.code, second.code) == (parse_hs_code("8703.80"), parse_hs_code("8704.60"))
    assert first.score == second.score


def labelled_items() -> list[tuple[str, HsCode]]:
    """Every labelled row with its code, and the same description with that code's heading and
    chapter, a code missing from HS2022, and descriptions without words."""
    items = []
    for row in labelled_rows():
        code = parse_hs_code(row["hs_code"])
        items += [(row["description"], code), (row["description"], code.truncated(4))]
        items.append((row["description"], code.truncated(2)))
    items += [("horizontal lathe", parse_hs_code("8541.40")), ("", parse_hs_code("8458.11"))]
    return [*items, ("!!! ---", parse_hs_code("84")), ("qqqq xqxq", parse_hs_code("84.58"))]


def test_a_batch_gives_exactly_what_suggest_and_score_of_give_one_by_one() -> None:
    items = labelled_items()
    answers = score_many(items)
    assert len(answers) == len(items)
    for (description, code), answer in zip(items, answers, strict=True):
        assert answer == Scored(tuple(suggest(description)), score_of(description, code))


def test_a_batch_keeps_the_order_of_its_items_and_answers_repeats_alike() -> None:
    lathe = ("horizontal numerically controlled lathe for removing metal", parse_hs_code("8458.11"))
    horse = ("Live horses, pure-bred breeding animals", parse_hs_code("0101.21"))
    answers = score_many([lathe, horse, lathe], top=2)
    assert [a.suggestions[0].code for a in answers] == [lathe[1], horse[1], lathe[1]]
    assert answers[0] == answers[2]
    assert all(len(a.suggestions) == 2 for a in answers)


def test_a_batch_for_an_edition_without_descriptions_is_refused_even_when_empty() -> None:
    assert score_many([]) == []
    with pytest.raises(ValueError, match="HS2012"):
        score_many([], edition="HS2012")
    with pytest.raises(ValueError, match="HS2012"):
        score_many([("horizontal lathe", parse_hs_code("8458.11"))], edition="HS2012")
    with pytest.raises(ValueError, match="top"):
        score_many([("horizontal lathe", parse_hs_code("8458.11"))], top=0)


def test_the_fitted_model_is_kept_in_a_cache_file_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RCEP_ORIGIN_CACHE_DIR", str(tmp_path))
    config = _Config(ngram_range=(4, 4))
    fitted = _Model("HS2022", config)
    files = list(tmp_path.glob("hs-suggest-*.npz"))
    assert len(files) == 1
    loaded = _Model("HS2022", config)
    assert loaded.suggest("ball bearing", 3) == fitted.suggest("ball bearing", 3)


def test_a_cache_that_cannot_be_written_does_not_prevent_suggestions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("x")
    monkeypatch.setenv("RCEP_ORIGIN_CACHE_DIR", str(not_a_directory))
    model = _Model("HS2022", _Config(ngram_range=(4, 4)))
    assert model.suggest("ball bearing", 1)
    assert not _cache_file("any").exists()


def test_a_corrupt_cache_file_is_ignored_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RCEP_ORIGIN_CACHE_DIR", str(tmp_path))
    config = _Config(ngram_range=(4, 4))
    _Model("HS2022", config)
    (cache_file,) = tmp_path.glob("hs-suggest-*.npz")
    cache_file.write_bytes(b"not an npz file")
    model = _Model("HS2022", config)
    assert model.suggest("ball bearing", 1)


def test_every_labelled_row_cites_a_ruling_and_names_a_subheading_of_both_editions() -> None:
    rows = labelled_rows()
    assert len(rows) >= 150
    for row in rows:
        assert row["source"].startswith("CBP ") and "http" in row["source"], row
        declared = parse_hs_code(row["hs_code"], min_level=6)
        assert exists_in_edition(declared, "HS2022") is True, row
        assert exists_in_edition(declared, "HS2012") is True, row
    assert len({row["description"] for row in rows}) == len(rows)


def test_the_labelled_sets_top_3_accuracy_stays_above_its_floor() -> None:
    rows = labelled_rows()
    hits = 0
    for row in rows:
        top3 = [s.code for s in suggest(row["description"], top=3)]
        hits += parse_hs_code(row["hs_code"]) in top3
    assert hits / len(rows) >= TOP3_FLOOR, f"top-3 accuracy {hits / len(rows):.3f}"
