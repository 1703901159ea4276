"""HS editions are connected by the UN Statistics Division's correlation tables, shipped in the
legislation bundle with their source; a code they do not list is unknown, never assumed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rcep_origin.hs import (
    Correlation,
    HsCode,
    builtin_tables,
    correlate,
    parse_correlation_table,
    parse_hs_code,
)

ROOT = Path(__file__).resolve().parent.parent


def code(text: str) -> HsCode:
    return parse_hs_code(text)


def test_each_builtin_table_names_its_unsd_source_and_the_commit_it_was_read_at() -> None:
    tables = builtin_tables()
    assert set(tables) == {("HS2022", "HS2012"), ("HS2022", "HS2017"), ("HS2017", "HS2012")}
    for table in tables.values():
        assert "United Nations Statistics Division" in table.source
        assert "insongkim/concordance" in table.source and "commit 201c812e" in table.source


def test_hs2022_8458_11_maps_to_exactly_one_hs2012_subheading() -> None:
    found = correlate(code("8458.11"), "HS2022", "HS2012")
    assert found is not None and found.single
    assert found.targets == (code("8458.11"),)
    assert found.describe() == "via UN correlation HS2022 → HS2012, 1 target"
    assert found.citation.startswith("hs_correlation/HS2022-HS2012.csv: Source: United Nations")


def test_hs2022_8524_11_split_from_many_hs2012_subheadings_lists_them_all() -> None:
    found = correlate(code("8524.11"), "HS2022", "HS2012")
    assert found is not None and not found.single and not found.exact
    assert code("8471.50") not in found.targets  # not a display module's old home
    assert {code("8529.90"), code("9013.80")} <= set(found.targets)
    assert len(found.targets) > 100


def test_a_table_reads_both_ways_with_the_relation_inverted() -> None:
    back = correlate(code("8517.12"), "HS2012", "HS2022")
    assert back is not None and {code("8517.13"), code("8517.14")} <= set(back.targets)
    assert back.relations[back.targets.index(code("8517.13"))] == "1:n"


def test_a_code_the_table_does_not_list_is_unknown() -> None:
    assert correlate(code("9401.30"), "HS2022", "HS2012") is None  # not an HS2022 subheading


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


# A fixture of the loader's mechanics, not correlation data.
FIXTURE = """# Source: test fixture (not data)
from_code,to_code,relation,partial
111111,111111,1:1,
222220,222221,1:n,
222220,222229,1:n,
333333,333390,n:1,ex
"""


def test_an_unchanged_subheading_correlates_exactly_and_a_split_one_to_all_its_parts() -> None:
    table = parse_correlation_table(
        FIXTURE, file="fixture.csv", source_edition="HS2017", target_edition="HS2012"
    )
    tables = {("HS2017", "HS2012"): table}
    same = correlate(code("111111"), "HS2017", "HS2012", tables=tables)
    assert same is not None and same.exact and same.targets == (code("111111"),)
    split = correlate(code("222220"), "HS2017", "HS2012", tables=tables)
    assert split is not None and not split.exact
    assert split.targets == (code("222221"), code("222229"))
    merged = correlate(code("333333"), "HS2017", "HS2012", tables=tables)
    assert merged is not None and merged.single and not merged.exact
    assert correlate(code("444444"), "HS2017", "HS2012", tables=tables) is None
    assert correlate(code("111111"), "HS2022", "HS2012", tables=tables) is None  # no such table


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (FIXTURE.replace("# Source: test fixture (not data)\n", ""), "source"),
        (FIXTURE.replace("1:n,\n222220,222229", "1-n,\n222220,222229"), ":4: relation"),
        (FIXTURE.replace("333390", "3333"), "6 digits"),
        (FIXTURE.replace("partial", "ex"), "columns"),
    ],
)
def test_a_malformed_table_is_refused_with_its_line(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_correlation_table(
            text, file="fixture.csv", source_edition="HS2017", target_edition="HS2012"
        )


def test_the_build_script_reproduces_the_shipped_tables_when_the_workbooks_are_at_hand() -> None:
    workbooks = Path("/tmp/conc/data-raw")
    if not (workbooks / "HS2022toHS2012ConversionAndCorrelationTables.xlsx").exists():
        pytest.skip("the UNSD workbooks are not on this machine (fetch insongkim/concordance)")
    pytest.importorskip("openpyxl")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_hs_correlation.py"),
            str(workbooks),
            "--commit",
            "201c812e51f213d967d8701b6ed6398c79df4a04 (2023-01-16)",
            "--check",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
