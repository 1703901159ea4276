"""The determination engine: a declaration in, a ``Determination`` out: the verdict, the typed
``Facts`` each step of the Agreement established, and the trace rendered from them.

    determination = determine(declaration)
    determination.outcome, determination.criterion, determination.flags
    determination.facts.consignment.met                   # Art. 3.15
    determination.facts.rule_lookup.status                # Annex 3A: found / not in catalogue / ...
    [c.offending for c in determination.facts.changes]    # Annex 3A headnotes 5-7
    determination.facts.de_minimis                        # Art. 3.7, as relied on
    determination.facts.landed_costs                      # Art. 3.5(3): landed vs counted

    resolve_subassemblies(declaration, source=FileSource(folder), determiner=...)  # multi-level

The engine is light: it imports neither the ML stack nor crypto, XML or web libraries
(``tests/test_engine_light.py`` and an import-linter contract hold it to that).
"""

from rcep_origin.origin.change_of_classification import CtcOutcome, MaterialChange
from rcep_origin.origin.consignment import DirectConsignment, TransitStop
from rcep_origin.origin.cumulation import Cumulation
from rcep_origin.origin.de_minimis import DeMinimis, ToleranceTest
from rcep_origin.origin.engine import determine, inputs_sha256
from rcep_origin.origin.landed_cost import LandedValue
from rcep_origin.origin.product_specific_rule import (
    AlternativeOutcome,
    AppliedRule,
    RuleCandidate,
    RuleEvaluation,
    RuleLookup,
    RuleStatus,
    TermOutcome,
    WhollyObtainedTerm,
)
from rcep_origin.origin.production import (
    ChemicalReactionOutcome,
    DeclaredStep,
    ExclusivelyOriginating,
    MinimalOperations,
    WhollyObtainedOutcome,
)
from rcep_origin.origin.result import (
    AdditionalRule,
    Determination,
    Facts,
    Outcome,
    PartyInForce,
)
from rcep_origin.origin.rvc import RVC_ROLES, RvcCalculation, RvcFigure
from rcep_origin.origin.subassembly import (
    FileSource,
    SubassemblySource,
    SubassemblyUse,
    has_subassemblies,
    resolve_subassemblies,
)
from rcep_origin.origin.valuation import (
    MaterialsExceedFob,
    ValuedDeclaration,
    ValuedMaterial,
    value_declaration,
)

__all__ = [
    "RVC_ROLES",
    "AdditionalRule",
    "AlternativeOutcome",
    "AppliedRule",
    "ChemicalReactionOutcome",
    "CtcOutcome",
    "Cumulation",
    "DeMinimis",
    "DeclaredStep",
    "Determination",
    "DirectConsignment",
    "ExclusivelyOriginating",
    "Facts",
    "FileSource",
    "LandedValue",
    "MaterialChange",
    "MaterialsExceedFob",
    "MinimalOperations",
    "Outcome",
    "PartyInForce",
    "RuleCandidate",
    "RuleEvaluation",
    "RuleLookup",
    "RuleStatus",
    "RvcCalculation",
    "RvcFigure",
    "SubassemblySource",
    "SubassemblyUse",
    "TermOutcome",
    "ToleranceTest",
    "TransitStop",
    "ValuedDeclaration",
    "ValuedMaterial",
    "WhollyObtainedOutcome",
    "WhollyObtainedTerm",
    "determine",
    "has_subassemblies",
    "inputs_sha256",
    "resolve_subassemblies",
    "value_declaration",
]
