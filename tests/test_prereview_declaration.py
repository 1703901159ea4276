"""The evidence fields pre-review reads are optional additions to the declaration: absent, they
change nothing (not even the inputs hash); present, they are validated like every other field."""

from __future__ import annotations

from typing import Any

import pytest

from prereview.helpers import SHA, clean
from rcep_origin import InputError, determine, validate_declaration


def error_path(data: dict[str, Any]) -> str:
    with pytest.raises(InputError) as caught:
        validate_declaration(data)
    return caught.value.path


def test_declarations_without_evidence_hash_as_before(declaration_data: dict[str, Any]) -> None:
    # conftest's declaration predates the evidence fields; its hash must not move.
    with_none = dict(declaration_data, evidence=None)
    assert (
        determine(validate_declaration(declaration_data)).inputs_sha256
        == determine(validate_declaration(with_none)).inputs_sha256
    )


def test_evidence_fields_are_read() -> None:
    declaration = validate_declaration(clean())
    copper = declaration.materials[1]
    assert copper.part_number == "P-200" and copper.supplier == "Jiangsu Copper Co."
    assert copper.supplier_declaration is not None
    assert copper.supplier_declaration.valid_until is not None
    assert declaration.evidence is not None and declaration.evidence.production_log is not None
    assert declaration.evidence.production_log.sha256 == SHA


def test_a_sha256_is_kept_in_lower_case() -> None:
    data = clean()
    data["evidence"]["production_log"]["sha256"] = SHA.upper()
    evidence = validate_declaration(data).evidence
    assert evidence is not None and evidence.production_log is not None
    assert evidence.production_log.sha256 == SHA


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (
            lambda d: d["materials"][1]["supplier_declaration"].update(valid_until="2025-12-31"),
            "materials[1].supplier_declaration",
        ),
        (
            lambda d: d["materials"][1]["supplier_declaration"].update(covers_origin_party="XX"),
            "materials[1].supplier_declaration.covers_origin_party",
        ),
        (
            lambda d: d["materials"][1]["supplier_declaration"].update(issued="yesterday"),
            "materials[1].supplier_declaration.issued",
        ),
        (
            lambda d: d["materials"][1]["supplier_declaration"].update(refrence="SD-1"),
            "materials[1].supplier_declaration.refrence",
        ),
        (
            lambda d: d["evidence"]["production_log"].update(sha256="abc"),
            "evidence.production_log.sha256",
        ),
        (lambda d: d["evidence"].update(firmware_log={}), "evidence.firmware_log.reference"),
        (
            lambda d: d["product"].update(software_integration="maybe"),
            "product.software_integration",
        ),
        (lambda d: d["materials"][0].update(part_number=""), "materials[0].part_number"),
    ],
)
def test_bad_evidence_names_the_field(mutate: Any, path: str) -> None:
    data = clean()
    mutate(data)
    assert error_path(data) == path
