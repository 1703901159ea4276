"""Bad input gets a clear error naming the field, and nothing else happens."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rcep_origin import InputError, parse_declaration_text, validate_declaration
from rcep_origin.declaration import MAX_DOCUMENT_BYTES, canonical_json, load_declaration


def error_path(data: Any) -> str:
    with pytest.raises(InputError) as caught:
        validate_declaration(data)
    return caught.value.path


def test_a_valid_declaration_keeps_amounts_as_decimals(declaration_data: dict[str, Any]) -> None:
    declaration = validate_declaration(declaration_data)
    assert declaration.fob_value.amount == Decimal("1000")
    assert isinstance(declaration.materials[0].value.amount, Decimal)  # type: ignore[union-attr]


def test_json_numbers_are_read_exactly_not_as_floats(declaration_data: dict[str, Any]) -> None:
    declaration_data["fob_value"]["amount"] = 0.1
    text = json.dumps(declaration_data)
    assert parse_declaration_text(text).fob_value.amount == Decimal("0.1")


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.update(exporting_party="US"), "exporting_party"),
        (lambda d: d.update(importing_party="CN"), "importing_party"),
        (lambda d: d["product"].update(hs_code="8538.9"), "product.hs_code"),
        (lambda d: d["product"].update(hs_code="8499.99"), "product"),
        (lambda d: d["materials"][1]["value"].update(amount="-1"), "materials[1].value.amount"),
        (lambda d: d["materials"][1]["value"].update(amount="ten"), "materials[1].value.amount"),
        (lambda d: d["materials"][1]["value"].update(amount="NaN"), "materials[1].value.amount"),
        (lambda d: d["materials"][0].update(orgin_party="DE"), "materials[0].orgin_party"),
        (lambda d: d["materials"][0].update(origin_party="XX"), "materials[0].origin_party"),
        (lambda d: d["materials"][1].update(origin_party=None), "materials[1]"),
        (lambda d: d["materials"][1].update(origin_party="US"), "materials[1]"),
        (lambda d: d["materials"][1].update(id="M1"), "materials[1].id"),
        (lambda d: d.update(materials=[]), "materials"),
        (lambda d: d["fob_value"].update(currency="usd"), "fob_value.currency"),
        (lambda d: d["fob_value"].update(currency="ZZZ"), "fob_value.currency"),
        (lambda d: d.update(date="2026-13-01"), "date"),
        (lambda d: d.update(rvc_method="sideways"), "rvc_method"),
        (lambda d: d.update(wholly_obtained={"category": "alchemy"}), "wholly_obtained.category"),
    ],
)
def test_bad_input_names_the_field(
    declaration_data: dict[str, Any], mutate: Any, path: str
) -> None:
    mutate(declaration_data)
    assert error_path(declaration_data) == path


def test_every_problem_is_reported_not_only_the_first(declaration_data: dict[str, Any]) -> None:
    declaration_data["exporting_party"] = "US"
    declaration_data["fob_value"]["amount"] = "-5"
    with pytest.raises(InputError) as caught:
        validate_declaration(declaration_data)
    assert {p for p, _ in caught.value.problems} == {"exporting_party", "fob_value.amount"}


def test_malformed_json_is_bad_input_not_a_traceback() -> None:
    with pytest.raises(InputError, match="malformed JSON"):
        parse_declaration_text('{"product": ', filename="d.json")


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InputError, match="object"):
        parse_declaration_text("[1, 2]")


def test_yaml_is_accepted_and_means_the_same(
    declaration_data: dict[str, Any], tmp_path: Path
) -> None:
    import yaml

    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(declaration_data))
    from_yaml = load_declaration(path)
    assert canonical_json(from_yaml) == canonical_json(validate_declaration(declaration_data))


def test_yaml_alias_bombs_are_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    with pytest.raises(InputError, match="aliases"):
        parse_declaration_text(bomb, filename="bomb.yaml")


def test_oversized_documents_are_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(InputError, match="larger than"):
        load_declaration(path)


def test_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_declaration(tmp_path / "nope.json")


def test_equal_declarations_hash_alike_however_amounts_are_written(
    declaration_data: dict[str, Any],
) -> None:
    first = canonical_json(validate_declaration(declaration_data))
    declaration_data["fob_value"]["amount"] = 1000
    assert canonical_json(validate_declaration(declaration_data)) == first
    declaration_data["fob_value"]["amount"] = "1000.00"
    assert canonical_json(validate_declaration(declaration_data)) == first
