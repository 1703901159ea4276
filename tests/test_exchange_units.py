"""The exchange's pure parts (issue 20): signed receipts and the classification of a received
certificate, without a register."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from rcep_origin.certificates.classification import classify
from rcep_origin.certificates.keys import Ed25519Signer, Keyring
from rcep_origin.certificates.model import Certificate, MoneyAmount
from rcep_origin.certificates.receipts import sign_receipt, verify_receipt
from rcep_origin.certificates.verification import TrustStore
from rcep_origin.rules import builtin_ruleset

RECEIVER = "did:web:customs.example.th"
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _fields() -> dict[str, Any]:
    return {
        "receipt_id": "rct_1",
        "kind": "certificate",
        "number": "CN-2026-000001",
        "sha256": "a" * 64,
        "content_sha256": "b" * 64,
        "verdict": "valid",
        "accepted": True,
        "reason": "Received and verified: valid",
        "reason_zh": "已接收并核验：有效",
        "receiver": RECEIVER,
        "sender": "cn-ccpit",
        "received": "2026-11-20T09:00:00.000000Z",
    }


def _signed(created: datetime = AT - timedelta(days=1)) -> tuple[dict[str, Any], Ed25519Signer]:
    signer = Ed25519Signer.generate(RECEIVER, "key-1", created)
    return sign_receipt(_fields(), signer, AT), signer


def _trust(*signers: Ed25519Signer) -> TrustStore:
    return TrustStore(Keyring([s.key for s in signers]))


def test_a_receipt_verifies_with_the_receivers_key_and_names_it() -> None:
    receipt, signer = _signed()
    check = verify_receipt(receipt, _trust(signer), RECEIVER)
    assert check.valid and check.key_id == f"{RECEIVER}#key-1" and check.signed_at == AT
    assert receipt["proof"]["jws"].count(".") == 2 and ".." in receipt["proof"]["jws"]


def test_any_change_to_a_receipt_breaks_its_signature() -> None:
    receipt, signer = _signed()
    for field, value in (
        ("verdict", "invalid"),
        ("accepted", False),
        ("number", "CN-X"),
        ("reason_zh", ""),
    ):
        altered = {**copy.deepcopy(receipt), field: value}
        assert not verify_receipt(altered, _trust(signer), RECEIVER).valid, field
    extra = {**receipt, "note": "added"}
    assert not verify_receipt(extra, _trust(signer), RECEIVER).valid


def test_a_receipt_from_another_receiver_or_key_or_outside_the_keys_lifetime_fails() -> None:
    receipt, signer = _signed()
    other = Ed25519Signer.generate("did:web:someone.example", "key-1", AT - timedelta(days=1))
    assert "is not a known key" in verify_receipt(receipt, _trust(other), RECEIVER).reason
    assert not verify_receipt(receipt, _trust(signer), "did:web:someone.example").valid
    late, late_signer = _signed(created=AT + timedelta(days=1))  # signed before the key existed
    assert (
        "before the key was created" in verify_receipt(late, _trust(late_signer), RECEIVER).reason
    )


def test_a_malformed_receipt_is_a_reason_not_an_exception() -> None:
    receipt, signer = _signed()
    for broken in (
        {},
        {**receipt, "proof": None},
        {**receipt, "proof": {"type": "JsonWebSignature", "jws": "x.y.z"}},
        {**receipt, "proof": {"type": "JsonWebSignature", "jws": "@@@..@@@"}},
    ):
        check = verify_receipt(broken, _trust(signer), RECEIVER)
        assert not check.valid and check.reason


# --- classification ------------------------------------------------------------------------------


def _certificate(issuer: Any, application: Any, **changes: Any) -> Certificate:
    certificate: Certificate = issuer.issue([application])[0].certificate
    goods = [item.model_copy(update=changes) for item in certificate.goods]
    return certificate.model_copy(update={"goods": goods})


def test_goods_of_a_subheading_holding_listed_national_lines_are_possibly_listed(
    issuer: Any, application: Any
) -> None:
    # Thailand's Appendix lists national line 0504.00.00; the certificate states 0504.00 only.
    certificate = _certificate(issuer, application, hs_code="0504.00")
    [good] = classify(certificate, builtin_ruleset(), on=AT.date()).goods
    assert (good.appendix, good.flagged, good.chapter) == ("possibly listed", True, "05")
    assert good.appendix_row is not None and good.appendix_row.startswith("appendix.csv:")
    assert good.additional_rule_threshold == "20"


def test_a_party_without_differentiated_schedules_has_no_appendix(
    issuer: Any, application: Any
) -> None:
    certificate = _certificate(issuer, application).model_copy(update={"importing_party": "AU"})
    [good] = classify(certificate, builtin_ruleset(), on=AT.date()).goods
    assert (good.appendix, good.flagged, good.additional_rule_threshold) == (
        "no appendix",
        False,
        None,
    )


def test_the_rvc_threshold_is_read_from_the_annex_3a_row(issuer: Any, application: Any) -> None:
    fob = MoneyAmount(amount=Decimal("1250.00"), currency="USD")
    certificate = _certificate(issuer, application, origin_criterion="RVC", fob_value=fob)
    result = classify(certificate, builtin_ruleset(), on=AT.date())
    [good] = result.goods
    assert result.rvc and good.rvc_threshold == "40" and "RVC40" in (good.rvc_rule or "")
    unknown = _certificate(issuer, application, origin_criterion="RVC", hs_code="8458.11")
    [good] = classify(unknown, builtin_ruleset(), on=AT.date()).goods
    assert good.rvc_threshold is None and "no Annex 3A row" in (good.rvc_row or "")
