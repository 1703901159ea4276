"""Certificates of origin: issued only for originating goods, signed, verified, revoked."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import ISSUER_DID
from rcep_origin.certificates.credential import certificate_from_credential
from rcep_origin.certificates.issuance import IssuanceRefused
from rcep_origin.certificates.jsonld import context_document
from rcep_origin.certificates.keys import Ed25519Signer, Keyring, retire
from rcep_origin.certificates.status_list import MIN_ENTRIES, Bitstring
from rcep_origin.certificates.verification import TrustStore, verify_document


def as_bytes(credential: dict[str, Any]) -> bytes:
    return json.dumps(credential, indent=2, ensure_ascii=False).encode("utf-8")


def test_an_originating_good_gets_a_certificate_with_every_annex_3b_item(
    issuer: Any, application: Any
) -> None:
    issued = issuer.issue([application])[0]
    certificate = issued.certificate
    item = certificate.goods[0]
    assert certificate.number == "CN-2026-000001"
    assert (certificate.exporting_party, certificate.importing_party) == ("CN", "TH")
    assert (
        item.hs_code == "8538.90"
        and item.origin_criterion == "CTC"
        and item.rcep_country_of_origin == "CN"
    )
    assert item.fob_value is None, "Annex 3B(k): no FOB value unless the RVC criterion is used"
    assert certificate.valid_until.year == certificate.issue_date.year + 1
    assert item.determination.determination_sha256 and item.determination.ruleset_version
    assert certificate_from_credential(issued.credential) == certificate


def test_a_certificate_carries_no_cost_data(issuer: Any, application: Any) -> None:
    text = json.dumps(issuer.issue([application])[0].credential)
    for private in ("1250.00", "180.00", "SHEET-01", "cold-rolled", "fx_rates", "materials"):
        assert private not in text


def test_a_good_that_is_not_originating_is_refused_and_nothing_is_issued(
    issuer: Any, application: Any, tmp_path: Any
) -> None:
    data = application.model_dump()
    declaration = data["items"][0]["declaration"]
    declaration["production_steps"] = [
        {"description": "labelling", "party": "CN", "minimal_operation": True}
    ]
    from rcep_origin.certificates.request import CertificateRequest

    refused = CertificateRequest.model_validate(data)
    with pytest.raises(IssuanceRefused, match="not originating") as caught:
        issuer.issue([application, refused])
    assert caught.value.path.startswith("requests[1].items[0]")
    # All or nothing: nothing is saved before every certificate is signed (giving the numbers
    # back is the caller's unit of work rolling back, as the authority's does).
    assert issuer.registry.issued("CN-2026-000001") is None, "all or nothing"
    assert issuer.registry.issued("CN-2026-000002") is None, "all or nothing"


def test_a_valid_certificate_verifies_in_json_and_jwt(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    issued = issuer.issue([application])[0]
    for document in (as_bytes(issued.credential), issued.jwt.encode()):
        report = verify_document(document, trust, issuer.registry, now=clock.now)
        assert report.verdict == "valid", report.reason
        assert [c.name for c in report.checks] == [
            "format",
            "issuer",
            "signature",
            "key",
            "validity",
            "status",
        ]


def _mutations(value: Any, path: tuple[Any, ...] = ()) -> Any:
    """Every string leaf of the credential, with one character changed."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _mutations(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _mutations(item, (*path, index))
    elif isinstance(value, str) and value:
        yield path, value[:-1] + ("X" if value[-1] != "X" else "Y")


def test_changing_any_value_of_a_signed_credential_makes_it_invalid(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    credential = issuer.issue([application])[0].credential
    tried = 0
    for path, changed in _mutations(credential):
        tampered = copy.deepcopy(credential)
        target = tampered
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = changed
        report = verify_document(as_bytes(tampered), trust, issuer.registry, now=clock.now)
        assert report.verdict == "invalid", f"{path} changed and still {report.verdict}"
        tried += 1
    assert tried > 60


def test_a_duplicate_json_key_is_refused(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    text = as_bytes(issuer.issue([application])[0].credential).decode()
    doubled = text.replace('"retroactive": false', '"retroactive": true, "retroactive": false', 1)
    assert (
        verify_document(doubled.encode(), trust, issuer.registry, now=clock.now).verdict
        == "invalid"
    )


def test_a_certificate_signed_by_an_unknown_key_is_invalid(
    issuer: Any, application: Any, clock: Any
) -> None:
    issued = issuer.issue([application])[0]
    stranger = Ed25519Signer.generate(ISSUER_DID, "key-1", clock.now - timedelta(days=1))
    report = verify_document(
        as_bytes(issued.credential),
        TrustStore(Keyring([stranger.key])),
        issuer.registry,
        now=clock.now,
    )
    assert report.verdict == "invalid" and "signature" in report.reason


def test_an_unknown_issuer_is_invalid(issuer: Any, application: Any, clock: Any) -> None:
    issued = issuer.issue([application])[0]
    report = verify_document(
        as_bytes(issued.credential), TrustStore(), issuer.registry, now=clock.now
    )
    assert report.verdict == "invalid" and "not a known issuing body" in report.reason


def test_revoking_flips_the_bit_and_the_certificate_fails_in_every_form(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    issued = issuer.issue([application])[0]
    issuer.set_status(issued.certificate.number)
    for document in (as_bytes(issued.credential), issued.jwt.encode()):
        report = verify_document(document, trust, issuer.registry, now=clock.now)
        assert report.verdict == "invalid" and "revoked" in report.reason


def test_a_suspension_can_be_lifted_but_a_revocation_cannot(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    from rcep_origin.errors import InputError

    issued = issuer.issue([application])[0]
    number = issued.certificate.number
    issuer.set_status(number, purpose="suspension")
    assert (
        "suspended"
        in verify_document(issued.jwt.encode(), trust, issuer.registry, now=clock.now).reason
    )
    issuer.set_status(number, purpose="suspension", flagged=False)
    assert verify_document(issued.jwt.encode(), trust, issuer.registry, now=clock.now).valid
    issuer.set_status(number)
    with pytest.raises(InputError, match="final"):
        issuer.set_status(number, flagged=False)


def test_without_the_status_list_the_verdict_is_indeterminate_not_valid(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    issued = issuer.issue([application])[0]
    report = verify_document(as_bytes(issued.credential), trust, None, now=clock.now)
    assert report.verdict == "indeterminate" and "not available" in report.reason


def test_a_certificate_expires_one_year_after_issue(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    issued = issuer.issue([application])[0]
    later = clock.now + timedelta(days=366)
    report = verify_document(as_bytes(issued.credential), trust, issuer.registry, now=later)
    assert report.verdict == "invalid" and "Art. 3.16(6)" in report.reason


def test_key_rotation_keeps_older_certificates_valid(
    issuer: Any, application: Any, signer: Any, clock: Any
) -> None:
    old = issuer.issue([application])[0]
    clock.now += timedelta(days=10)
    new_signer = Ed25519Signer.generate(ISSUER_DID, "key-2", clock.now)
    trust = TrustStore(Keyring([retire(signer.key, clock.now), new_signer.key]))
    issuer.signer = new_signer
    new = issuer.issue([application])[0]
    for issued in (old, new):
        report = verify_document(as_bytes(issued.credential), trust, issuer.registry, now=clock.now)
        assert report.verdict == "valid", report.reason
    issuer.signer = signer  # a retired key that signs again is caught
    clock.now += timedelta(minutes=1)
    late = issuer.issue([application])[0]
    assert (
        "retired"
        in verify_document(as_bytes(late.credential), trust, issuer.registry, now=clock.now).reason
    )


def test_what_a_compromised_key_signed_after_the_compromise_fails(
    issuer: Any, application: Any, signer: Any, clock: Any
) -> None:
    from dataclasses import replace

    issued = issuer.issue([application])[0]
    trust = TrustStore(Keyring([replace(signer.key, revoked=clock.now - timedelta(hours=1))]))
    report = verify_document(as_bytes(issued.credential), trust, issuer.registry, now=clock.now)
    assert report.verdict == "invalid" and "revoked" in report.reason


def test_batch_issuance_numbers_certificates_in_order_with_distinct_status_bits(
    issuer: Any, application: Any
) -> None:
    issued = issuer.issue([application] * 5)
    assert [i.certificate.number for i in issued] == [f"CN-2026-{n:06d}" for n in range(1, 6)]
    indexes = [e.index for i in issued for e in i.status if e.purpose == "revocation"]
    assert len(set(indexes)) == 5


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"garbage",
        b"{" * 10_000,
        b'{"a": 1}',
        b"[1,2]",
        b"eyJhbGciOi.x.y",
        b"\xff\xfe{}",
        b"{" + b" " * (11 * 1024 * 1024) + b"}",
    ],
)
def test_malformed_truncated_or_oversized_documents_are_refused_without_a_crash(
    document: bytes, trust: TrustStore
) -> None:
    report = verify_document(document, trust, None)
    assert report.verdict == "invalid"
    assert report.checks[0].name == "format"


def test_a_truncated_credential_is_invalid(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    data = as_bytes(issuer.issue([application])[0].credential)
    assert (
        verify_document(data[: len(data) // 2], trust, issuer.registry, now=clock.now).verdict
        == "invalid"
    )


def test_the_status_list_has_at_least_131072_entries_msb_first() -> None:
    bits = Bitstring()
    assert bits.size == MIN_ENTRIES
    bits.set(0, True)
    assert bits.bits[0] == 0x80
    decoded = Bitstring.decode(bits.encode())
    assert decoded.get(0) and not decoded.get(1) and decoded.size == MIN_ENTRIES


def test_a_status_list_that_expands_without_bound_is_refused() -> None:
    import base64
    import gzip

    from rcep_origin.certificates.status_list import StatusListError

    bomb = (
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(64 * 1024 * 1024))).rstrip(b"=").decode()
    )
    with pytest.raises(StatusListError, match="larger"):
        Bitstring.decode(bomb)


def test_the_shipped_credentials_context_is_the_pinned_one() -> None:
    import hashlib
    from importlib import resources

    data = (
        resources.files("rcep_origin.certificates.contexts")
        .joinpath("credentials-v2.jsonld")
        .read_bytes()
    )
    assert (
        hashlib.sha256(data).hexdigest()
        == "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f"
    )
    from pyld.documentloader.frozen import BUNDLED_CONTEXTS

    assert json.loads(data) == json.loads(
        BUNDLED_CONTEXTS["https://www.w3.org/ns/credentials/v2"].read_text()
    )
    assert context_document("https://www.w3.org/ns/credentials/v2")["@context"]


def test_an_undefined_term_cannot_be_signed(signer: Any) -> None:
    from rcep_origin.certificates import data_integrity
    from rcep_origin.certificates.jsonld import CanonicalizationError

    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER_DID,
        "credentialSubject": {"colour": "red"},
    }
    with pytest.raises(CanonicalizationError, match="colour"):
        data_integrity.sign(document, signer, datetime.now(UTC))
