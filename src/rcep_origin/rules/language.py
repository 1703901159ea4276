"""The language of the product-specific rules of Annex 3A: its terms, parsing and printing.

Annex 3A headnotes define the terms a rule is written in:

* ``CC``   change of chapter: every non-originating material is classified in another chapter
           (2-digit level) than the good;
* ``CTH``  change of tariff heading (4-digit level);
* ``CTSH`` change of tariff subheading (6-digit level);
* ``RVCnn`` a regional value content of not less than nn per cent (Art. 3.5);
* ``WO``   the good is wholly obtained or produced (Art. 3.3);
* ``CR``   the good results from a chemical reaction.

A change-of-classification term may exclude materials of given chapters, headings or
subheadings ("CTH except from heading 84.66"): a non-originating material classified there
defeats the change even though it is classified elsewhere. Terms combine with "or" (alternatives;
one is enough) and "and" (every one must hold). The parsed form is kept in a two-level normal
form (alternatives of conjunctions), and ``print_rule(parse_rule(text))`` is a canonical text
that parses back to the same rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from rcep_origin.errors import RuleSyntaxError
from rcep_origin.hs import HsCode

ANNEX_3A_HEADNOTES = "Annex 3A, Headnotes"


class ChangeLevel(Enum):
    """The HS level at which a change of tariff classification is required."""

    CC = 2
    CTH = 4
    CTSH = 6

    @property
    def unit(self) -> str:
        return _UNITS[self.value]


_UNITS = {2: "chapter", 4: "heading", 6: "subheading"}


@dataclass(frozen=True, slots=True)
class ClassificationRange:
    """Chapters, headings or subheadings from ``first`` to ``last`` inclusive, one level."""

    first: HsCode
    last: HsCode

    def __post_init__(self) -> None:
        if self.first.level != self.last.level:
            raise ValueError("a range joins codes of the same level")
        if self.last < self.first:
            raise ValueError(f"range {self.first} through {self.last} runs backwards")

    @property
    def level(self) -> int:
        return self.first.level

    def contains(self, code: HsCode) -> bool | None:
        """Whether ``code`` falls in the range; None when the code is too coarse to tell."""
        if code.level >= self.level:
            return self.first.digits <= code.digits[: self.level] <= self.last.digits
        prefix = code.digits
        if not self.first.digits[: code.level] <= prefix <= self.last.digits[: code.level]:
            return False
        return None


@dataclass(frozen=True, slots=True)
class ChangeOfClassification:
    level: ChangeLevel
    exceptions: tuple[ClassificationRange, ...] = ()


@dataclass(frozen=True, slots=True)
class RegionalValueContent:
    threshold: Decimal  # per cent, "not less than" (Art. 3.5)


@dataclass(frozen=True, slots=True)
class WhollyObtained:
    pass


@dataclass(frozen=True, slots=True)
class ChemicalReaction:
    pass


Term = ChangeOfClassification | RegionalValueContent | WhollyObtained | ChemicalReaction


@dataclass(frozen=True, slots=True)
class Conjunction:
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """A product-specific rule: the good qualifies if any alternative holds."""

    alternatives: tuple[Conjunction, ...]

    def __str__(self) -> str:
        return print_rule(self)


# --- printing ---------------------------------------------------------------------------------


def print_rule(rule: Rule) -> str:
    return " or ".join(
        " and ".join(_print_term(term) for term in alternative.terms)
        for alternative in rule.alternatives
    )


def _print_term(term: Term) -> str:
    if isinstance(term, ChangeOfClassification):
        text = term.level.name
        if term.exceptions:
            text += " except from " + _print_ranges(term.exceptions)
        return text
    if isinstance(term, RegionalValueContent):
        return f"RVC{term.threshold}"
    if isinstance(term, WhollyObtained):
        return "WO"
    return "CR"


_KIND_WORDS = {
    2: ("Chapter", "Chapters"),
    4: ("heading", "headings"),
    6: ("subheading", "subheadings"),
}


def _print_ranges(ranges: tuple[ClassificationRange, ...]) -> str:
    groups: list[list[ClassificationRange]] = []
    for item in ranges:
        if groups and groups[-1][0].level == item.level:
            groups[-1].append(item)
        else:
            groups.append([item])
    printed = []
    for group in groups:
        singular, plural = _KIND_WORDS[group[0].level]
        many = len(group) > 1 or group[0].first != group[0].last
        items = [
            str(r.first) if r.first == r.last else f"{r.first} through {r.last}" for r in group
        ]
        listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
        printed.append(f"{plural if many else singular} {listed}")
    return " and ".join(printed)


# --- parsing ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<rvc>RVC\s*\(?\s*(?P<pct>\d{1,3}(?:\.\d+)?)\s*%?\s*\)?)
    | (?P<change>CTSH|CTH|CC)\b
    | (?P<wo>WO)\b
    | (?P<cr>CR)\b
    | (?P<except>except(?:\s+from)?)\b
    | (?P<kind>chapters?|headings?|subheadings?)\b
    | (?P<code>\d{4}\.\d{2}|\d{2}\.\d{2}|\d{6}|\d{4}|\d{2})(?![\d.])
    | (?P<through>through|to|-|–)
    | (?P<or>or)\b
    | (?P<and>and)\b
    | (?P<comma>[,;])
    )""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(slots=True)
class _Token:
    kind: str
    text: str
    position: int
    value: str = ""


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    stripped_end = len(text.rstrip())
    while position < stripped_end:
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise RuleSyntaxError("unexpected text", text=text, position=position)
        kind = match.lastgroup if match.lastgroup != "pct" else "rvc"
        assert kind is not None
        if match.group("rvc"):
            kind = "rvc"
        value = match.group("pct") or "" if kind == "rvc" else match.group(kind)
        tokens.append(_Token(kind, match.group(0).strip(), match.start(), value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    def error(self, message: str) -> RuleSyntaxError:
        position = (
            self.tokens[self.index].position if self.index < len(self.tokens) else len(self.text)
        )
        return RuleSyntaxError(message, text=self.text, position=position)

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.index + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.error("rule ends too early")
        self.index += 1
        return token

    def starts_term(self, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind in {"rvc", "change", "wo", "cr"}

    def parse(self) -> Rule:
        if not self.tokens:
            raise self.error("empty rule")
        alternatives = [self.conjunction()]
        while self.peek() is not None:
            token = self.take()
            if token.kind == "comma" and self.peek() is not None and self.peek().kind == "or":  # type: ignore[union-attr]
                self.take()  # "; or" / ", or"
            elif token.kind not in {"or", "comma"}:
                raise self.error(f"expected 'or' between alternatives, found {token.text!r}")
            if not self.starts_term():
                raise self.error("expected a rule (CC, CTH, CTSH, RVCnn, WO or CR)")
            alternatives.append(self.conjunction())
        return Rule(tuple(alternatives))

    def conjunction(self) -> Conjunction:
        terms = [self.term()]
        while self.peek() is not None and self.peek().kind == "and" and self.starts_term(1):  # type: ignore[union-attr]
            self.take()
            terms.append(self.term())
        return Conjunction(tuple(terms))

    def term(self) -> Term:
        token = self.take()
        if token.kind == "rvc":
            threshold = Decimal(token.value)
            if not Decimal(0) < threshold <= Decimal(100):
                raise self.error("an RVC threshold is a percentage above 0 and at most 100")
            return RegionalValueContent(
                threshold.normalize() if threshold % 1 else Decimal(int(threshold))
            )
        if token.kind == "wo":
            return WhollyObtained()
        if token.kind == "cr":
            return ChemicalReaction()
        if token.kind != "change":
            raise self.error(
                f"expected a rule (CC, CTH, CTSH, RVCnn, WO or CR), found {token.text!r}"
            )
        level = ChangeLevel[token.text.upper()]
        exceptions: tuple[ClassificationRange, ...] = ()
        if self.peek() is not None and self.peek().kind == "except":  # type: ignore[union-attr]
            self.take()
            exceptions = self.exception_list()
        return ChangeOfClassification(level, exceptions)

    def exception_list(self) -> tuple[ClassificationRange, ...]:
        ranges: list[ClassificationRange] = []
        level: int | None = None
        while True:
            token = self.peek()
            if token is not None and token.kind == "kind":
                self.take()
                level = {"c": 2, "h": 4, "s": 6}[token.text[0].lower()]
            ranges.append(self.code_range(level))
            # Continue the list on ",", "and" or "or" only when a code or a kind word follows;
            # otherwise the separator begins the next alternative or conjunct.
            after = self.peek(1)
            separator = self.peek()
            if (
                separator is not None
                and separator.kind in {"comma", "and", "or"}
                and after is not None
                and after.kind in {"code", "kind"}
            ):
                self.take()
                continue
            return tuple(ranges)

    def code_range(self, level: int | None) -> ClassificationRange:
        first = self.code(level)
        last = first
        if self.peek() is not None and self.peek().kind == "through":  # type: ignore[union-attr]
            self.take()
            last = self.code(first.level)
        try:
            return ClassificationRange(first, last)
        except ValueError as exc:
            raise self.error(str(exc)) from None

    def code(self, level: int | None) -> HsCode:
        token = self.take()
        if token.kind != "code":
            raise self.error(f"expected an HS code, found {token.text!r}")
        digits = token.text.replace(".", "")
        if level is not None and len(digits) != level:
            raise self.error(f"{token.text} is not a {level}-digit code as its kind word says")
        return HsCode(digits)


def parse_rule(text: str) -> Rule:
    """Parse a rule as Annex 3A writes it, e.g. ``"CTH except from heading 84.66 or RVC40"``."""
    return _Parser(text).parse()
