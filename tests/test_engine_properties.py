"""Properties every determination must have, whatever the bill of materials."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcep_origin import determine, validate_declaration
from rcep_origin.origin.result import Outcome

CODES = ["7209.17", "7407.10", "8538.90", "8538.10", "8546.90", "3208.20", "8536.50", "85.38"]
PARTIES = ["CN", "JP", "KR", "TH", "DE", "US", None]


@st.composite
def materials(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 8))
    result = []
    for index in range(count):
        party = draw(st.sampled_from(PARTIES))
        originating = party in {"CN", "JP", "KR", "TH"} and draw(st.booleans())
        result.append(
            {
                "id": f"M{index}",
                "hs_code": draw(st.sampled_from(CODES)),
                "value": {"amount": str(draw(st.integers(0, 400))), "currency": "USD"},
                "origin_party": party,
                "originating": originating if party else None,
                "role": draw(
                    st.sampled_from(
                        ["component"] * 4 + ["retail_packaging", "accessory", "indirect"]
                    )
                ),
            }
        )
    result[0]["role"] = "component"
    return result


def materials_total(data: dict[str, Any]) -> Decimal:
    """What the materials counted in the value content are worth (all roles drawn here count)."""
    return sum((Decimal(m["value"]["amount"]) for m in data["materials"]), Decimal(0))


def within_fob(data: dict[str, Any]) -> bool:
    """Materials worth more than the FOB value are refused as bad input (valuation.py)."""
    return materials_total(data) <= Decimal(data["fob_value"]["amount"])


@st.composite
def declarations(draw: st.DrawFn) -> dict[str, Any]:
    bom = draw(materials())
    total = sum(int(m["value"]["amount"]) for m in bom)
    return {
        "product": {"description": "Parts for control panels", "hs_code": "8538.90"},
        "exporting_party": "CN",
        "importing_party": draw(st.sampled_from(["TH", "JP", "AU"])),
        "date": "2026-06-01",
        # At least what the materials are worth: more is refused as bad input (valuation.py).
        "fob_value": {
            "amount": str(max(1, total + draw(st.integers(0, 3000)))),
            "currency": "USD",
        },
        "rvc_method": draw(st.sampled_from(["build_down", "build_up"])),
        "costs": {
            k: {"amount": str(draw(st.integers(0, 200))), "currency": "USD"}
            for k in ("direct_labour", "direct_overhead", "profit", "other")
        },
        "production_steps": [{"description": "assembly", "party": "CN"}],
        "materials": bom,
    }


def rvc_met(data: dict[str, Any]) -> bool | None:
    result = determine(validate_declaration(data))
    return None if result.rvc is None else result.rvc.met


settings_ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings_
@given(declarations(), st.data())
def test_raising_an_originating_materials_value_never_turns_an_rvc_pass_into_a_fail(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    originating = [m for m in data["materials"] if m["originating"]]
    if rvc_met(data) is not True or not originating:
        return
    changed = copy.deepcopy(data)
    target = draw.draw(st.sampled_from([m["id"] for m in originating]))
    for material in changed["materials"]:
        if material["id"] == target:
            material["value"]["amount"] = str(
                Decimal(material["value"]["amount"]) + draw.draw(st.integers(1, 500))
            )
    if within_fob(changed):  # else refused as bad input, no verdict to compare
        assert rvc_met(changed) is True


@settings_
@given(declarations(), st.data())
def test_lowering_a_non_originating_materials_value_never_turns_originating_into_not(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    # An indirect material counts as originating whatever it says (Art. 3.10): lowering its
    # value lowers the originating value of a build-up RVC, so it is not "non-originating" here.
    foreign = [
        m
        for m in data["materials"]
        if not m["originating"]
        and m.get("role") != "indirect"
        and Decimal(m["value"]["amount"]) > 0
    ]
    before = determine(validate_declaration(data)).outcome
    if before is not Outcome.ORIGINATING or not foreign:
        return
    changed = copy.deepcopy(data)
    target = draw.draw(st.sampled_from([m["id"] for m in foreign]))
    for material in changed["materials"]:
        if material["id"] == target:
            material["value"]["amount"] = str(Decimal(material["value"]["amount"]) // 2)
    assert determine(validate_declaration(changed)).outcome is Outcome.ORIGINATING


@settings_
@given(declarations(), st.data())
def test_proving_a_material_originating_never_loses_origin(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    foreign = [m for m in data["materials"] if not m["originating"]]
    if determine(validate_declaration(data)).outcome is not Outcome.ORIGINATING or not foreign:
        return
    changed = copy.deepcopy(data)
    target = draw.draw(st.sampled_from([m["id"] for m in foreign]))
    for material in changed["materials"]:
        if material["id"] == target:
            material.update(origin_party="KR", originating=True)
    assert determine(validate_declaration(changed)).outcome is Outcome.ORIGINATING


@settings_
@given(declarations())
def test_a_determination_is_reproducible_and_explained(data: dict[str, Any]) -> None:
    first = determine(validate_declaration(data)).to_dict()
    second = determine(validate_declaration(copy.deepcopy(data))).to_dict()
    assert first == second
    assert first["trace"], "every verdict carries its trace"
    assert all(check["article"] for check in first["trace"])
    if first["originating"] is None:
        assert first["missing"], "an undecidable verdict names the missing facts"
    if first["originating"]:
        assert first["criterion"] in {"WO", "PE", "CTC", "RVC", "CR"}
    else:
        assert first["criterion"] is None and first["flags"] == []


@settings_
@given(declarations())
def test_the_rvc_percent_matches_the_build_down_formula(data: dict[str, Any]) -> None:
    data["rvc_method"] = "build_down"
    result = determine(validate_declaration(data))
    if result.rvc is None:
        return
    fob = Decimal(data["fob_value"]["amount"])
    vnm = sum(
        (
            Decimal(m["value"]["amount"])
            for m in data["materials"]
            if not m["originating"] and m["role"] != "indirect"
        ),
        Decimal(0),
    )
    assert result.rvc.percent == (fob - vnm) / fob * 100
