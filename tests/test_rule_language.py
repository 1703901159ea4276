"""The Annex 3A rule language: parsing, printing, and their round trip."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcep_origin.errors import RuleSyntaxError
from rcep_origin.hs import HsCode
from rcep_origin.rules import (
    ChangeLevel,
    ChangeOfClassification,
    ChemicalReaction,
    ClassificationRange,
    Conjunction,
    RegionalValueContent,
    Rule,
    WhollyObtained,
    parse_rule,
    print_rule,
)


def single(term: object) -> Rule:
    return Rule((Conjunction((term,)),))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CC", single(ChangeOfClassification(ChangeLevel.CC))),
        ("CTH", single(ChangeOfClassification(ChangeLevel.CTH))),
        ("CTSH", single(ChangeOfClassification(ChangeLevel.CTSH))),
        ("RVC40", single(RegionalValueContent(Decimal(40)))),
        ("RVC 35", single(RegionalValueContent(Decimal(35)))),
        ("WO", single(WhollyObtained())),
        ("CR", single(ChemicalReaction())),
    ],
)
def test_each_annex_3a_term_parses(text: str, expected: Rule) -> None:
    assert parse_rule(text) == expected


def test_alternatives_are_separated_by_or() -> None:
    rule = parse_rule("CTH or RVC40")
    assert [len(a.terms) for a in rule.alternatives] == [1, 1]
    assert print_rule(rule) == "CTH or RVC40"


def test_semicolon_or_comma_before_or_is_the_same_alternative_separator() -> None:
    assert (
        parse_rule("CTSH; or RVC40") == parse_rule("CTSH, or RVC40") == parse_rule("CTSH or RVC40")
    )


def test_an_exception_binds_to_its_change_term_not_to_the_next_alternative() -> None:
    rule = parse_rule("CTH except from heading 84.66 or RVC40")
    change = rule.alternatives[0].terms[0]
    assert isinstance(change, ChangeOfClassification)
    assert change.exceptions == (ClassificationRange(HsCode("8466"), HsCode("8466")),)
    assert rule.alternatives[1].terms == (RegionalValueContent(Decimal(40)),)


def test_exception_lists_keep_their_kind_across_commas_and_ranges() -> None:
    rule = parse_rule("CC except from Chapters 50 through 55 and heading 56.01, 56.02")
    change = rule.alternatives[0].terms[0]
    assert isinstance(change, ChangeOfClassification)
    assert change.exceptions == (
        ClassificationRange(HsCode("50"), HsCode("55")),
        ClassificationRange(HsCode("5601"), HsCode("5601")),
        ClassificationRange(HsCode("5602"), HsCode("5602")),
    )


def test_conjunction_with_and() -> None:
    rule = parse_rule("CTSH and RVC35")
    assert rule.alternatives[0].terms == (
        ChangeOfClassification(ChangeLevel.CTSH),
        RegionalValueContent(Decimal(35)),
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CTX",
        "CTH except from",
        "CTH except from heading 8466.10",
        "CTH or",
        "RVC0",
        "RVC140",
        "CC except from Chapters 73 through 72",
        "CTH RVC40",
        "CTH except from heading 84.66 84.67",
    ],
)
def test_malformed_rules_are_refused_with_a_position(text: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule(text)
    assert 0 <= caught.value.position <= len(text)


def test_a_range_contains_codes_at_finer_levels_and_is_unsure_for_coarser_ones() -> None:
    headings = ClassificationRange(HsCode("7208"), HsCode("7229"))
    assert headings.contains(HsCode("721049")) is True
    assert headings.contains(HsCode("7230")) is False
    assert headings.contains(HsCode("72")) is None
    assert headings.contains(HsCode("73")) is False


# --- property: parse(print(rule)) == rule ----------------------------------------------------

levels = st.sampled_from([2, 4, 6])


@st.composite
def ranges(draw: st.DrawFn) -> ClassificationRange:
    level = draw(levels)
    chapter = draw(st.integers(1, 97))
    rest = draw(st.integers(0, 10 ** (level - 2) - 1)) if level > 2 else 0
    first = f"{chapter:02d}" + (f"{rest:0{level - 2}d}" if level > 2 else "")
    span = draw(st.integers(0, 3))
    last_number = int(first) + span
    last = f"{last_number:0{level}d}"
    if last[:2] > "97" or len(last) != level:
        last = first
    return ClassificationRange(HsCode(first), HsCode(last))


terms = st.one_of(
    st.builds(
        ChangeOfClassification,
        st.sampled_from(list(ChangeLevel)),
        st.lists(ranges(), max_size=4).map(tuple),
    ),
    st.integers(1, 100).map(lambda n: RegionalValueContent(Decimal(n))),
    st.just(WhollyObtained()),
    st.just(ChemicalReaction()),
)
rules = st.lists(
    st.lists(terms, min_size=1, max_size=3).map(lambda t: Conjunction(tuple(t))),
    min_size=1,
    max_size=4,
).map(lambda a: Rule(tuple(a)))


@given(rules)
def test_printing_then_parsing_gives_back_the_same_rule(rule: Rule) -> None:
    assert parse_rule(print_rule(rule)) == rule


@given(rules)
def test_printing_is_canonical(rule: Rule) -> None:
    text = print_rule(rule)
    assert print_rule(parse_rule(text)) == text
