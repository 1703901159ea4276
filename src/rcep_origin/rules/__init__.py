"""The legislation: the Annex 3A rule language and the bundle (product-specific rules, Appendix
lists, Parties and entry into force, dated parameters, HS correlation tables), with its layers
(the built-in catalogue, overlays a user maintains) and one version hash over all of it."""

from rcep_origin.rules.bundle import (
    BUILTIN,
    ENVIRONMENT_VARIABLE,
    builtin_ruleset,
    load_ruleset,
    with_rows,
)
from rcep_origin.rules.catalogue import (
    ANNEX_EDITION,
    PSR_COLUMNS,
    PSR_OPTIONAL,
    AppendixEntry,
    AppendixLookup,
    Layer,
    PsrEntry,
    RuleResolution,
    RuleResolutionStatus,
    RuleSet,
    parse_psr,
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
    "ANNEX_EDITION",
    "BUILTIN",
    "ENVIRONMENT_VARIABLE",
    "PSR_COLUMNS",
    "PSR_OPTIONAL",
    "AppendixEntry",
    "AppendixLookup",
    "ChangeLevel",
    "ChangeOfClassification",
    "ChemicalReaction",
    "ClassificationRange",
    "Conjunction",
    "Layer",
    "PsrEntry",
    "RegionalValueContent",
    "Rule",
    "RuleResolution",
    "RuleResolutionStatus",
    "RuleSet",
    "Term",
    "WhollyObtained",
    "builtin_ruleset",
    "load_ruleset",
    "parse_psr",
    "parse_rule",
    "print_rule",
    "with_rows",
]
