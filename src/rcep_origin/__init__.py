"""rcep-origin: RCEP rules of origin, from a bill of materials to an explained verdict.

The public surface::

    from rcep_origin import load_declaration, determine
    result = determine(load_declaration("declaration.json"))
    result.originating, result.criterion, result.trace
    review = prereview(load_declaration("declaration.json"), lang="zh")
    review.verdict, review.findings
"""

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from rcep_origin._version import ENGINE_VERSION, __version__

if TYPE_CHECKING:
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

# The public names load on first use (PEP 562): ``import rcep_origin.cli`` or ``.certificates``
# should not pay for the engine, pre-review and rule catalogue it may never touch.
_HOMES = {
    "Declaration": "declaration",
    "load_declaration": "declaration",
    "parse_declaration_text": "declaration",
    "validate_declaration": "declaration",
    "CurrencyError": "errors",
    "InputError": "errors",
    "RcepOriginError": "errors",
    "RuleSetError": "errors",
    "RuleSyntaxError": "errors",
    "Determination": "origin",
    "Outcome": "origin",
    "determine": "origin",
    "PreReview": "prereview",
    "PreReviewContext": "prereview",
    "prereview": "prereview",
    "RuleSet": "rules",
    "builtin_ruleset": "rules",
    "load_ruleset": "rules",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'rcep_origin' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"rcep_origin.{home}"), name)
    globals()[name] = value
    return value


class _Package(ModuleType):
    """``rcep_origin.prereview`` is the function, as it always was, even after the subpackage
    of that name is imported (the import system would set the attribute to the module)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "prereview" and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
