"""Supplier declarations as W3C VCs signed with the supplier's own did:key (issue 16): a
declaration and its status list verify with the key the DID names and with nothing else, and
any change to either shows."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest

from rcep_origin.certificates.credential import StatusEntry
from rcep_origin.certificates.status_list import Bitstring
from rcep_origin.certificates.supplier import (
    SupplierClaim,
    SupplierDeclarationError,
    key_of,
    new_supplier_signer,
    read_declaration,
    read_status_list,
    sign_declaration,
    status_list,
    verify_declaration,
)

URL = "https://co.example.cn/status/suppliers/hanoi-1"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CLAIM = SupplierClaim(
    supplier_name="Hanoi Copper JSC",
    supplier_country="VN",
    material="copper bar",
    hs_code="7407",
    originating=True,
    origin_party="VN",
    valid_from=date(2026, 1, 1),
    valid_until=date(2026, 12, 31),
)


def test_a_declaration_verifies_with_the_key_its_did_key_names() -> None:
    signer = new_supplier_signer()
    credential = sign_declaration(CLAIM, signer, StatusEntry(URL, 9, "revocation"), NOW)
    assert credential["issuer"] == signer.key.controller == key_of(credential["issuer"]).controller
    assert credential["validUntil"] == "2027-01-01T00:00:00Z"  # the end of the last day
    claim, entry = read_declaration(credential)
    assert claim == CLAIM and entry == StatusEntry(URL, 9, "revocation")
    assert verify_declaration(credential).valid
    assert claim.covers(date(2026, 12, 31)) and not claim.covers(date(2027, 1, 1))
    assert claim.matches_hs("7407.10") and not claim.matches_hs("7408.11")


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c["credentialSubject"].update(origin_party="JP"),
        lambda c: c["credentialSubject"].update(originating=False),
        lambda c: c.update(validUntil="2028-01-01T00:00:00Z"),
        lambda c: c["credentialStatus"].update(statusListIndex="10", id=f"{URL}#10"),
    ],
)
def test_any_change_breaks_the_suppliers_signature(change: object) -> None:
    credential = sign_declaration(
        CLAIM, new_supplier_signer(), StatusEntry(URL, 9, "revocation"), NOW
    )
    changed = copy.deepcopy(credential)
    change(changed)  # type: ignore[operator]
    assert not verify_declaration(changed).valid


def test_another_key_cannot_sign_for_the_supplier() -> None:
    credential = sign_declaration(
        CLAIM, new_supplier_signer(), StatusEntry(URL, 9, "revocation"), NOW
    )
    other = new_supplier_signer()
    credential = {**credential, "issuer": other.key.controller}
    assert not verify_declaration(credential).valid


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("@context", ["https://www.w3.org/ns/credentials/v2"]),
        ("type", ["VerifiableCredential"]),
        ("id", "urn:x"),
        ("issuer", "did:web:co.example.cn"),
        ("validFrom", "2026-01-01T10:00:00Z"),
    ],
)
def test_an_envelope_that_is_not_a_supplier_declaration_is_refused(
    member: str, value: object
) -> None:
    credential = sign_declaration(
        CLAIM, new_supplier_signer(), StatusEntry(URL, 9, "revocation"), NOW
    )
    with pytest.raises(SupplierDeclarationError) as caught:
        read_declaration({**credential, member: value})
    assert caught.value.path


def test_the_suppliers_status_list_is_read_only_when_its_signature_holds() -> None:
    signer = new_supplier_signer()
    bits = Bitstring()
    bits.set(9, True)
    listing = status_list(URL, signer, bits, NOW)
    issuer, read = read_status_list(listing, URL)
    assert issuer == signer.key.controller and read.get(9) and not read.get(8)
    with pytest.raises(SupplierDeclarationError):
        read_status_list(listing, URL + "x")  # served for another URL
    cleared = copy.deepcopy(listing)
    cleared["credentialSubject"]["encodedList"] = Bitstring().encode()
    with pytest.raises(SupplierDeclarationError):
        read_status_list(cleared, URL)
