"""Product-specific rules: the Annex 3A rule language and the data-driven rule catalogue."""

from rcep_origin.rules.catalogue import (
    AppendixEntry,
    AppendixLookup,
    PsrEntry,
    RuleSet,
    builtin_ruleset,
    load_ruleset,
)
from rcep_origin.rules.language import (
    ChangeLevel,
    ChangeOfClassification,
    ChemicalReaction,
    ClassificationRange,
    Conjunction,
    RegionalValueContent,
    Rule,
    Term,
    WhollyObtained,
    parse_rule,
    print_rule,
)

__all__ = [
    "AppendixEntry",
    "AppendixLookup",
    "ChangeLevel",
    "ChangeOfClassification",
    "ChemicalReaction",
    "ClassificationRange",
    "Conjunction",
    "PsrEntry",
    "RegionalValueContent",
    "Rule",
    "RuleSet",
    "Term",
    "WhollyObtained",
    "builtin_ruleset",
    "load_ruleset",
    "parse_rule",
    "print_rule",
]
