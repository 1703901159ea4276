"""rcep-origin: RCEP rules of origin, from a bill of materials to an explained verdict.

The public surface::

    from rcep_origin import load_declaration, determine
    result = determine(load_declaration("declaration.json"))
    result.originating, result.criterion, result.trace
    review = prereview(load_declaration("declaration.json"), lang="zh")
    review.verdict, review.findings
"""

from rcep_origin._version import ENGINE_VERSION, __version__
from rcep_origin.declaration import (
    Declaration,
    load_declaration,
    parse_declaration_text,
    validate_declaration,
)
from rcep_origin.errors import (
    CurrencyError,
    InputError,
    RcepOriginError,
    RuleSetError,
    RuleSyntaxError,
)
from rcep_origin.origin import Determination, Outcome, determine
from rcep_origin.prereview import PreReview, PreReviewContext, prereview
from rcep_origin.rules import RuleSet, builtin_ruleset, load_ruleset

__all__ = [
    "ENGINE_VERSION",
    "CurrencyError",
    "Declaration",
    "Determination",
    "InputError",
    "Outcome",
    "PreReview",
    "PreReviewContext",
    "RcepOriginError",
    "RuleSet",
    "RuleSetError",
    "RuleSyntaxError",
    "__version__",
    "builtin_ruleset",
    "determine",
    "load_declaration",
    "load_ruleset",
    "parse_declaration_text",
    "prereview",
    "validate_declaration",
]
