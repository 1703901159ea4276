"""Shared by the pre-review tests: a sound declaration and small helpers to change it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from rcep_origin import validate_declaration
from rcep_origin.declaration import Declaration
from rcep_origin.prereview import PreReview, PreReviewContext, prereview

HERE = Path(__file__).resolve().parent.parent
SCENARIOS = HERE / "scenarios"
FIXTURE_RULES = HERE / "rulesets" / "fixture"
SHA = "3f" * 32

Data = dict[str, Any]


def clean() -> Data:
    return copy.deepcopy(
        {
            "reference": "EX-CLEAN",
            "product": {
                "description": "Parts suitable for use with boards and panels of heading 85.37",
                "hs_code": "8538.90",
            },
            "exporting_party": "CN",
            "importing_party": "TH",
            "date": "2026-06-01",
            "fob_value": {"amount": "1000", "currency": "USD"},
            "production_steps": [
                {"description": "CNC machining of the frame", "party": "CN"},
                {"description": "assembly of busbars and insulators", "party": "CN"},
                {"description": "packing in cartons", "party": "CN", "minimal_operation": True},
            ],
            "materials": [
                {
                    "id": "M1",
                    "part_number": "P-100",
                    "description": "Flat-rolled products of iron or non-alloy steel, cold-rolled",
                    "hs_code": "7209.17",
                    "value": {"amount": "300", "currency": "USD"},
                    "origin_party": "DE",
                    "originating": False,
                    "supplier": "Stahlwerk GmbH",
                },
                {
                    "id": "M2",
                    "part_number": "P-200",
                    "description": "Copper bars, rods and profiles of refined copper",
                    "hs_code": "7407.10",
                    "value": {"amount": "200", "currency": "USD"},
                    "origin_party": "CN",
                    "originating": True,
                    "supplier": "Jiangsu Copper Co.",
                    "supplier_declaration": {
                        "reference": "SD-2026-017",
                        "supplier": "Jiangsu Copper Co.",
                        "issued": "2026-01-05",
                        "valid_until": "2026-12-31",
                        "covers_origin_party": "CN",
                    },
                },
            ],
            "evidence": {"production_log": {"reference": "MES/2026/06/01-0042", "sha256": SHA}},
        }
    )


def run(
    data: Data | Declaration,
    *,
    lang: str = "en",
    ruleset: Any = None,
    context: PreReviewContext | None = None,
) -> PreReview:
    declaration = data if isinstance(data, Declaration) else validate_declaration(data)
    return prereview(declaration, lang=lang, ruleset=ruleset, context=context)


def only(review: PreReview, code: str) -> Any:
    found = review.by_code(code)
    assert len(found) == 1, (code, review.codes())
    return found[0]


def scenario(name: str) -> Data:
    path = next(SCENARIOS.glob(f"{name}*.yaml"))
    data: Data = yaml.safe_load(path.read_text("utf-8"))["declaration"]
    return data


def material(data: Data, index: int, **changes: Any) -> Data:
    data["materials"][index].update(changes)
    return data
