"""Which codes exist in which HS edition, what they are called, and how editions correlate:
known facts come from cited data, everything else is reported as unknown."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from rcep_origin.hs import (
    Correlation,
    HsCode,
    correlate,
    describe,
    edition_source,
    editions_available,
    exists_in_edition,
    parse_hs_code,
    subheadings,
)
from rcep_origin.hs.correlation import _correlate_in, _parse


def code(text: str) -> HsCode:
    return parse_hs_code(text)


def hs2012_rows() -> list[dict[str, str]]:
    text = (
        resources.files("rcep_origin.data.hs").joinpath("hs2012_subheadings.csv").read_text("utf-8")
    )
    return list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))


def test_the_editions_available_are_hs2012_and_hs2022_and_each_names_its_source() -> None:
    assert editions_available() == ("HS2012", "HS2022")
    for edition in editions_available():
        assert edition_source(edition)
    assert edition_source("HS2017") is None


def test_a_numerically_controlled_horizontal_lathe_subheading_exists_in_hs2022() -> None:
    assert exists_in_edition(code("8458.11"), "HS2022") is True
    assert (
        describe(code("8458.11"))
        == "Lathes; for removing metal, horizontal, numerically controlled"
    )


def test_a_subheading_that_no_edition_has_does_not_exist() -> None:
    assert exists_in_edition(code("8458.17"), "HS2022") is False
    assert exists_in_edition(code("8458.17"), "HS2012") is False
    assert describe(code("8458.17")) is None


@pytest.mark.parametrize("edition", ["HS2017", "HS2007", "HS1996", "hs2022", ""])
def test_an_unknown_editions_existence_is_unknown(edition: str) -> None:
    assert exists_in_edition(code("8458.11"), edition) is None
    assert describe(code("8458.11"), edition) is None
    assert subheadings(edition) is None


def test_hs2012_lists_the_5205_subheadings_the_wco_counts() -> None:
    listed = subheadings("HS2012")
    assert listed is not None
    assert len(listed) == 5205


def test_every_hs2012_row_cites_its_source_and_codes_are_six_digits_in_ascending_order() -> None:
    rows = hs2012_rows()
    codes = [row["code"] for row in rows]
    assert all(row["edition"] == "HS2012" and row["source"] == "UNSD-HS2012-BEC" for row in rows)
    assert all(len(c) == 6 and c.isdigit() and "01" <= c[:2] <= "97" for c in codes)
    assert codes == sorted(set(codes)), "codes must be unique and ascending"


def test_hs2012_descriptions_are_unknown_rather_than_borrowed_from_hs2022() -> None:
    assert all(row["description"] == "" for row in hs2012_rows())
    assert exists_in_edition(code("8458.11"), "HS2012") is True
    assert describe(code("8458.11"), "HS2012") is None


def test_a_subheading_split_in_2022_exists_in_hs2012_but_not_in_hs2022() -> None:
    # 8541.40 (photosensitive semiconductor devices, LEDs) became 8541.41-8541.49 in HS2022.
    assert exists_in_edition(code("8541.40"), "HS2012") is True
    assert exists_in_edition(code("8541.40"), "HS2022") is False
    assert exists_in_edition(code("8541.41"), "HS2012") is False
    assert exists_in_edition(code("8541.41"), "HS2022") is True


def test_an_hs2012_heading_or_chapter_exists_when_one_of_its_subheadings_does() -> None:
    assert exists_in_edition(code("84.58"), "HS2012") is True
    assert exists_in_edition(code("84"), "HS2012") is True
    assert exists_in_edition(code("02.05"), "HS2012") is True  # divided only into 0205.00
    assert exists_in_edition(code("84.55"), "HS2012") is True
    assert exists_in_edition(code("77"), "HS2012") is False  # chapter 77 is reserved
    assert exists_in_edition(code("77"), "HS2022") is False


def test_a_cross_edition_correlation_is_unknown_while_no_correlation_table_is_loaded() -> None:
    assert correlate(code("8458.11"), "HS2012", "HS2022") is None
    assert correlate(code("8541.40"), "HS2012", "HS2022") is None
    assert correlate(code("8458.11"), "HS2022", "HS2017") is None


def test_within_one_edition_a_subheading_correlates_exactly_to_itself() -> None:
    assert correlate(code("8458.11"), "HS2022", "HS2022") == Correlation(
        code("8458.11"), "HS2022", "HS2022", (code("8458.11"),), exact=True
    )


def test_a_code_absent_from_an_edition_has_no_correlation_even_within_it() -> None:
    assert correlate(code("8541.40"), "HS2022", "HS2022") is None
    assert correlate(code("8458.11"), "HS2017", "HS2017") is None


def test_a_correlation_links_subheadings_not_headings() -> None:
    with pytest.raises(ValueError, match="not a subheading"):
        correlate(code("84.58"), "HS2012", "HS2022")


# The rows below are a test fixture of the loader's mechanics, not correlation data.
FIXTURE_ROWS = [
    {
        "from_edition": "A",
        "from_code": "111111",
        "to_edition": "B",
        "to_code": "111111",
        "relation": "1:1",
        "source": "fixture",
    },
    {
        "from_edition": "A",
        "from_code": "222220",
        "to_edition": "B",
        "to_code": "222221",
        "relation": "1:n",
        "source": "fixture",
    },
    {
        "from_edition": "A",
        "from_code": "222220",
        "to_edition": "B",
        "to_code": "222229",
        "relation": "1:n",
        "source": "fixture",
    },
    {
        "from_edition": "A",
        "from_code": "333333",
        "to_edition": "B",
        "to_code": "333390",
        "relation": "n:1",
        "source": "fixture",
    },
]


def test_an_unchanged_subheading_correlates_exactly_and_a_split_one_to_all_its_parts() -> None:
    table = _parse(FIXTURE_ROWS, "fixture")
    same = _correlate_in(table, code("111111"), "A", "B")
    assert same is not None and same.exact and same.targets == (code("111111"),)
    split = _correlate_in(table, code("222220"), "A", "B")
    assert split is not None and not split.exact
    assert split.targets == (code("222221"), code("222229"))
    merged = _correlate_in(table, code("333333"), "A", "B")
    assert merged is not None and not merged.exact and merged.targets == (code("333390"),)
    assert _correlate_in(table, code("444444"), "A", "B") is None
    assert _correlate_in(table, code("111111"), "B", "A") is None  # no table for that direction


def test_a_correlation_row_without_a_known_relation_or_a_source_is_rejected_with_its_row_number() -> (
    None
):
    bad = [dict(FIXTURE_ROWS[0], relation="1-1")]
    with pytest.raises(ValueError, match="row 1"):
        _parse(bad, "fixture")
    with pytest.raises(ValueError, match="row 2"):
        _parse([FIXTURE_ROWS[0], dict(FIXTURE_ROWS[0], source="")], "fixture")
    with pytest.raises(ValueError, match="6 digits"):
        _parse([dict(FIXTURE_ROWS[0], to_code="1111")], "fixture")
