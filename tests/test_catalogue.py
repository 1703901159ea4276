"""The rule catalogue loads strictly, cites its sources, and says 'unknown' rather than guess."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from rcep_origin.errors import RuleSetError, RuleSyntaxError
from rcep_origin.hs import HsCode
from rcep_origin.rules import builtin_ruleset, load_ruleset, parse_rule, print_rule
from rcep_origin.rules.catalogue import _builtin_root

FIXTURE = Path(__file__).parent / "rulesets" / "fixture"


def copy_ruleset(tmp_path: Path, source: Path = FIXTURE) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(source, target)
    return target


def test_every_builtin_row_cites_a_source_and_parses_round_trip() -> None:
    ruleset = builtin_ruleset()
    assert ruleset.psr, "the built-in catalogue is empty"
    for entry in ruleset.psr.values():
        assert entry.source.startswith("RCEP Agreement Annex 3A"), entry.citation
        assert entry.basis in {"transcribed", "transposed"}, entry.citation
        assert parse_rule(print_rule(entry.rule)) == entry.rule


def test_transposed_rows_point_back_to_a_transcribed_hs2012_row() -> None:
    ruleset = builtin_ruleset()
    for (edition, digits), entry in ruleset.psr.items():
        if entry.basis == "transposed":
            assert edition == "HS2022"
            origin = ruleset.psr_for(HsCode(digits), "HS2012")
            assert origin is not None and origin.text == entry.text, entry.citation


def test_builtin_appendix_rows_cite_a_source_and_a_party_with_differentiated_commitments() -> None:
    from rcep_origin.parties import parties

    for party, entries in builtin_ruleset().appendix.items():
        assert parties()[party].differentiated_schedule
        for entry in entries:
            assert entry.source and entry.valid_from is not None


def test_the_most_specific_row_wins_and_headings_cover_their_subheadings() -> None:
    ruleset = builtin_ruleset()
    assert ruleset.psr_for(HsCode("853890"), "HS2012").hs_code == HsCode("8538")  # type: ignore[union-attr]
    assert ruleset.psr_for(HsCode("940330"), "HS2012").hs_code == HsCode("94")  # type: ignore[union-attr]
    assert ruleset.psr_for(HsCode("845811"), "HS2022") is None


def test_a_subheading_with_listed_national_lines_is_unknown_until_the_line_is_declared() -> None:
    ruleset = builtin_ruleset()
    day = date(2026, 1, 1)
    assert ruleset.appendix_lookup("CN", HsCode("390130"), day).listed is None
    assert (
        ruleset.appendix_lookup("CN", HsCode("390130"), day, tariff_line="39013000").listed is True
    )
    assert (
        ruleset.appendix_lookup("CN", HsCode("390190"), day, tariff_line="39019010").listed is None
    )
    assert ruleset.appendix_lookup("TH", HsCode("853890"), day).listed is None


def test_a_complete_appendix_list_answers_no_for_unlisted_goods() -> None:
    ruleset = load_ruleset(FIXTURE)
    assert ruleset.appendix_lookup("JP", HsCode("847950"), date(2026, 1, 1)).listed is True
    assert ruleset.appendix_lookup("JP", HsCode("845811"), date(2026, 1, 1)).listed is False
    assert ruleset.appendix_lookup("KR", HsCode("850152"), date(2031, 1, 1)).listed is False


def test_the_version_changes_when_any_data_file_changes(tmp_path: Path) -> None:
    root = copy_ruleset(tmp_path)
    before = load_ruleset(root).version
    with (root / "psr.csv").open("a") as handle:
        handle.write("9403.20,CTH or RVC40,HS2022,test fixture (not law),,fixture,\n")
    assert load_ruleset(root).version != before


def test_the_builtin_rule_set_is_pinned_by_its_content() -> None:
    assert load_ruleset(_builtin_root()).version == builtin_ruleset().version


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("8458.11,CTX,HS2022,src,,,", "psr.csv:"),
        ("8458.1,CTH,HS2022,src,,,", "psr.csv:"),
        ("8458.11,CTH,HS2023,src,,,", "hs_edition"),
        ("8458.11,CTH,HS2022,,,,", "empty source"),
        ("8458.11,CTH or RVC40,HS2022,dup,,,", "duplicate"),
    ],
)
def test_a_bad_row_is_an_error_naming_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    root = copy_ruleset(tmp_path)
    with (root / "psr.csv").open("a") as handle:
        handle.write(row + "\n")
    with pytest.raises(RuleSetError, match=message) as caught:
        load_ruleset(root)
    if isinstance(caught.value, RuleSyntaxError):
        assert "psr.csv:" in str(caught.value)


def test_an_unknown_column_is_an_error(tmp_path: Path) -> None:
    root = copy_ruleset(tmp_path)
    text = (root / "psr.csv").read_text().replace("hs_code,rule,", "hs_code,rule,colour,", 1)
    (root / "psr.csv").write_text(text)
    with pytest.raises(RuleSetError, match="unknown columns"):
        load_ruleset(root)


def test_an_appendix_row_for_a_non_party_is_an_error(tmp_path: Path) -> None:
    root = copy_ruleset(tmp_path)
    with (root / "appendix.csv").open("a") as handle:
        handle.write("US,8479.50,x,,,,\n")
    with pytest.raises(RuleSetError, match="not an RCEP Party"):
        load_ruleset(root)


def test_a_directory_without_psr_csv_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match=r"psr\.csv is missing"):
        load_ruleset(tmp_path)


def test_parameters_are_dated_and_cite_their_article() -> None:
    ruleset = builtin_ruleset()
    value, reference = ruleset.parameter("de_minimis_value_percent", date(2026, 1, 1))
    assert str(value) == "10" and reference.startswith("Art. 3.7")
    with pytest.raises(RuleSetError):
        ruleset.parameter("de_minimis_value_percent", date(2021, 12, 31))


def test_the_published_counts_in_the_manifest_description_stay_honest() -> None:
    rows = list(
        csv.DictReader(line for line in (_builtin_root() / "psr.csv").read_text().splitlines())
    )  # type: ignore[operator]
    assert len(rows) == len(builtin_ruleset().psr)
