from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_RULES = ROOT / "tests" / "rulesets" / "fixture"


def base_declaration() -> dict[str, Any]:
    """A small originating declaration under the built-in rule 85.38 'CTH or RVC40'."""
    return copy.deepcopy(
        {
            "product": {"description": "Parts for control panels", "hs_code": "8538.90"},
            "exporting_party": "CN",
            "importing_party": "TH",
            "date": "2026-06-01",
            "fob_value": {"amount": "1000", "currency": "USD"},
            "production_steps": [{"description": "machining and assembly", "party": "CN"}],
            "materials": [
                {
                    "id": "M1",
                    "description": "steel sheet",
                    "hs_code": "7209.17",
                    "value": {"amount": "300", "currency": "USD"},
                    "origin_party": "DE",
                    "originating": False,
                },
                {
                    "id": "M2",
                    "description": "copper bar",
                    "hs_code": "7407.10",
                    "value": {"amount": "200", "currency": "USD"},
                    "origin_party": "CN",
                    "originating": True,
                },
            ],
        }
    )


@pytest.fixture
def declaration_data() -> dict[str, Any]:
    return base_declaration()
