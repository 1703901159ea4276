"""Art. 3.5 measures value content against the FOB value: materials worth more than the good are
a contradiction in the declaration, refused as bad input naming the field (exit 3), never a
verdict resting on them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from prereview.helpers import clean
from rcep_origin import determine, validate_declaration
from rcep_origin.cli.main import app
from rcep_origin.origin import MaterialsExceedFob, value_declaration


def over_fob() -> dict[str, Any]:
    data = clean()  # FOB 1000 USD; materials 300 + 200
    data["materials"][0]["value"]["amount"] = "900"
    return data


def test_materials_worth_more_than_the_fob_value_are_refused_naming_the_field() -> None:
    declaration = validate_declaration(over_fob())
    with pytest.raises(MaterialsExceedFob) as refused:
        determine(declaration)
    assert refused.value.path == "fob_value.amount"
    assert refused.value.total == 1100 and refused.value.fob == 1000
    assert "1100.00 USD" in refused.value.message and "Art. 3.5" in refused.value.message


def test_materials_worth_exactly_the_fob_value_are_accepted() -> None:
    data = clean()
    data["materials"][0]["value"]["amount"] = "800"
    assert value_declaration(validate_declaration(data)).fob == 1000


def test_packing_for_transport_is_not_counted_against_the_fob_value() -> None:
    data = clean()
    data["materials"].append(
        {
            "id": "CRATE",
            "description": "wooden shipping crate",
            "hs_code": "4415.20",
            "value": {"amount": "900", "currency": "USD"},
            "origin_party": "CN",
            "originating": True,
            "role": "transport_packing",  # Art. 3.8(1): not taken into account
        }
    )
    determine(validate_declaration(data))


def test_values_are_compared_in_the_fob_currency_at_the_declared_rates() -> None:
    data = clean()
    data["materials"][0]["value"] = {"amount": "100000", "currency": "JPY"}
    data["fx_rates"] = [
        {"from": "JPY", "to": "USD", "rate": "0.0066", "date": "2026-05-29", "source": "bank"}
    ]
    determine(validate_declaration(data))  # 660 + 200 USD: within 1000
    data["materials"][0]["value"]["amount"] = "150000"  # 990 + 200 USD
    with pytest.raises(MaterialsExceedFob):
        determine(validate_declaration(data))


def test_a_zero_fob_value_stays_an_undecidable_rvc_not_this_refusal() -> None:
    data = clean()
    data["fob_value"]["amount"] = "0"
    value_declaration(validate_declaration(data))


def test_the_command_line_exits_3_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "over.json"
    path.write_text(json.dumps(over_fob()), "utf-8")
    result = CliRunner().invoke(app, ["determine", str(path), "--json"])
    assert result.exit_code == 3, result.output
    assert "fob_value.amount" in result.output
