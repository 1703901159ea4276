"""The exceptions rcep-origin raises, under one base class.

    RcepOriginError
    ├── InputError            a declaration (or other user input) is malformed; carries the
    │   │                     path of the offending field, e.g. ``materials[3].value.amount``
    │   └── CurrencyError     a value cannot be converted: unknown currency or missing rate
    └── RuleSetError          a rule catalogue or parameter file is malformed; names file and row
        └── RuleSyntaxError   a product-specific rule's text does not parse

Exceptions are for bad input and misuse only. A good that is not originating, or whose origin
cannot be decided, is an ordinary result (a ``Determination``), never an exception.
"""

from __future__ import annotations


class RcepOriginError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(RcepOriginError, ValueError):
    """Bad user input. ``path`` names the field (``materials[3].value.amount``) or is empty when
    the whole document is at fault (malformed JSON, file too large)."""

    def __init__(
        self, message: str, *, path: str = "", problems: list[tuple[str, str]] | None = None
    ):
        self.path = path
        self.message = message
        # Every problem found, as (path, message); the first one is the headline.
        self.problems = problems if problems is not None else [(path, message)]
        super().__init__(f"{path}: {message}" if path else message)


class CurrencyError(InputError):
    """A value in one currency cannot be expressed in another: the rate is not declared, or the
    currency is not an ISO 4217 code."""


class RuleSetError(RcepOriginError):
    """A rule set (``psr.csv``, ``appendix.csv``, parameters) cannot be loaded. The message names
    the file and the row, so the data, not the code, gets fixed."""


class RuleSyntaxError(RuleSetError):
    """The text of a product-specific rule does not follow the Annex 3A rule language."""

    def __init__(self, message: str, *, text: str, position: int):
        self.text = text
        self.position = position
        super().__init__(f"{message} at position {position} in rule {text!r}")
