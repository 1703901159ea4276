"""Key trust (issue 13): key lifetimes bound every form alike, the issuer publishes every key it
ever used with its lifetime (did.json, jwks.json), an importer verifies from those files alone,
and one pipeline ends with the register check."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from conftest import ISSUER_DID
from rcep_origin.certificates.credential import credential_id
from rcep_origin.certificates.issuer import IssuedCertificate, Issuer
from rcep_origin.certificates.keys import (
    Ed25519Signer,
    Keyring,
    KeyUnusableError,
    PublishedKeysError,
    did_document,
    jwks,
    read_published,
    retire,
    xml_certificate_key_id,
)
from rcep_origin.certificates.model import Certificate, certificate_digest
from rcep_origin.certificates.pdf import render_pdf
from rcep_origin.certificates.pdf_signature import sign_pdf
from rcep_origin.certificates.verification import (
    Register,
    TrustStore,
    VerificationReport,
    trust_from_published,
    verify_document,
)
from rcep_origin.certificates.xml_form import (
    XML_NAMESPACE,
    certificate_to_xml,
    make_xml_signing_identity,
    sign_xml,
    verify_xml,
)
from rcep_origin.store.keystore import FileKeystore

FORMS = ("json", "jwt", "xml", "pdf")


@dataclass
class Setup:
    keystore: FileKeystore
    issuer: Issuer
    clock: Any
    register: Any


@pytest.fixture
def setup(tmp_path: Path, issuer_profile: Any, clock: Any, register: Any) -> Setup:
    """An issuing body whose keys live in a keystore (so they can be rotated and revoked and
    are published), issuing through the register the project uses."""
    keystore = FileKeystore(tmp_path / "home")
    keystore.save_profile(issuer_profile)
    keystore.create_key(clock.now - timedelta(days=30))
    return Setup(keystore, _issuer(keystore, clock, register), clock, register)


def _issuer(keystore: FileKeystore, clock: Any, register: Any) -> Issuer:
    return Issuer(
        keystore.profile(),
        keystore.current_signer(),
        register,
        xml_signer=keystore.xml_signer(clock=clock),
        clock=clock,
    )


def forms(issued: IssuedCertificate, keystore: FileKeystore) -> dict[str, bytes]:
    """Every form, the PDF rendered and signed as at issuance (at the proof's time)."""
    signed = json.dumps(issued.credential, indent=2, ensure_ascii=False).encode("utf-8")
    assert issued.xml is not None
    pdf = render_pdf(
        issued.certificate,
        signed_credential=signed,
        verification_url=f"https://co.example.cn/verify/{issued.certificate.number}",
        jwt=issued.jwt,
    )
    # Signed whole (PAdES) with the XML identity of the key that signed the credential, as the
    # issuing body does when it renders the PDF at issuance.
    kid = str(issued.credential["proof"]["verificationMethod"]).rsplit("#", 1)[1]
    key = keystore.protection.load_private(keystore.keys_dir / f"xml-{kid}.pem")
    certificate = x509.load_pem_x509_certificate(
        (keystore.keys_dir / f"xml-{kid}.crt").read_bytes()
    )
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    created = datetime.fromisoformat(str(issued.credential["proof"]["created"]))
    pdf = sign_pdf(pdf, key, certificate, signed_at=created)
    return {"json": signed, "jwt": issued.jwt.encode(), "xml": issued.xml, "pdf": pdf}


def published(keystore: FileKeystore, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((keystore.home / "public" / name).read_text("utf-8"))
    return loaded


def check(report: VerificationReport, name: str) -> tuple[str, str]:
    found = [c for c in report.checks if c.name == name]
    assert found, f"no {name} check in {[c.name for c in report.checks]}"
    return found[0].result, found[0].reason


@pytest.fixture
def before_and_after(setup: Setup) -> tuple[IssuedCertificate, IssuedCertificate, datetime]:
    """Certificate A signed before T, B after T, then the key reported compromised from T."""
    before = setup.issuer.issue([_application()])[0]
    setup.clock.now += timedelta(hours=1)
    after = setup.issuer.issue([_application()])[0]
    compromised_from = setup.clock.now - timedelta(minutes=30)
    kid = setup.keystore.current_signer().key.kid
    setup.keystore.revoke_key(kid, compromised_from)
    setup.clock.now += timedelta(hours=1)
    return before, after, compromised_from


def _application() -> Any:
    from conftest import ROOT
    from rcep_origin.cli.home import load_request

    return load_request(ROOT / "examples" / "certificate-request.yaml")


def _trusts(keystore: FileKeystore) -> dict[str, TrustStore]:
    from_home = TrustStore()
    keystore.add_to(from_home)
    return {
        "home": from_home,
        "did.json": trust_from_published(published(keystore, "did.json")),
        "jwks.json": trust_from_published(published(keystore, "jwks.json")),
        "both": trust_from_published(
            published(keystore, "did.json"), published(keystore, "jwks.json")
        ),
    }


# ----------------------------------------------------------------- revocation, every form


@pytest.mark.parametrize("source", ["home", "did.json", "jwks.json", "both"])
def test_after_a_key_is_revoked_what_it_signed_after_fails_and_before_stays_valid_in_every_form(
    setup: Setup, before_and_after: Any, source: str
) -> None:
    before, after, _ = before_and_after
    trust = _trusts(setup.keystore)[source]
    for form, document in forms(before, setup.keystore).items():
        report = verify_document(
            document, trust, setup.register, now=setup.clock.now, register=setup.register
        )
        assert report.verdict == "valid", (form, report.reason)
        assert check(report, "key")[0] == "pass"
        assert "before the key was revoked" in check(report, "key")[1]
        assert check(report, "register") == (
            "pass",
            f"{before.certificate.number} is in the issuing body's register, as issued",
        )
    for form, document in forms(after, setup.keystore).items():
        report = verify_document(
            document, trust, setup.register, now=setup.clock.now, register=setup.register
        )
        assert report.verdict == "invalid", form
        result, reason = check(report, "key")
        assert result == "fail" and "revoked" in reason, (form, reason)
        assert [c.name for c in report.checks if c.result == "fail"] == ["key"], form


def test_the_xml_form_is_bound_by_its_key_lifetime_like_the_others(
    setup: Setup, before_and_after: Any
) -> None:
    """Issue 13, problem 1: the XML form of a certificate signed after T verified VALID."""
    _, after, _ = before_and_after
    trust = _trusts(setup.keystore)["home"]
    report = verify_document(after.xml or b"", trust, setup.register, now=setup.clock.now)
    assert report.form == "xml" and report.verdict == "invalid"
    assert check(report, "key")[0] == "fail"


def test_offline_without_a_register_a_signature_by_a_revoked_key_is_indeterminate_not_valid(
    setup: Setup, before_and_after: Any
) -> None:
    """Whoever holds the compromised key can date a signature before T: only the register can
    show the number was issued, and an offline verifier says so instead of 'valid'."""
    before, _, _ = before_and_after
    trust = _trusts(setup.keystore)["did.json"]
    for form, document in forms(before, setup.keystore).items():
        report = verify_document(document, trust, setup.register, now=setup.clock.now)
        assert report.verdict == "indeterminate", (form, report.reason)
        result, reason = check(report, "register")
        assert result == "unknown" and "cannot prove" in reason and "register" in reason


def test_published_only_offline_verification_is_indeterminate_and_nothing_fails(
    setup: Setup,
) -> None:
    issued = setup.issuer.issue([_application()])[0]
    for source in ("did.json", "jwks.json"):
        trust = _trusts(setup.keystore)[source]
        for form, document in forms(issued, setup.keystore).items():
            report = verify_document(document, trust, None, now=setup.clock.now)
            assert report.verdict == "indeterminate", (source, form, report.reason)
            assert {c.result for c in report.checks} == {"pass", "unknown"}
            assert [c.name for c in report.checks if c.result == "unknown"] == ["status"]


def test_rotation_keeps_every_form_valid_and_a_retired_key_signing_again_fails(
    setup: Setup,
) -> None:
    old = setup.issuer.issue([_application()])[0]
    setup.clock.now += timedelta(days=1)
    setup.keystore.create_key(setup.clock.now)
    setup.issuer = _issuer(setup.keystore, setup.clock, setup.register)
    new = setup.issuer.issue([_application()])[0]
    for trust in _trusts(setup.keystore).values():
        for issued in (old, new):
            for form, document in forms(issued, setup.keystore).items():
                report = verify_document(
                    document, trust, setup.register, now=setup.clock.now, register=setup.register
                )
                assert report.verdict == "valid", (form, report.reason)
    # The retired key (and its XML certificate) signing again is caught in every form.
    first = setup.keystore.keyring().for_issuer(ISSUER_DID)[0]
    late_signer = Ed25519Signer(_private(setup.keystore, first.kid), first)
    setup.clock.now += timedelta(minutes=5)
    late = Issuer(
        setup.keystore.profile(),
        late_signer,
        setup.register,
        xml_signer=_old_xml_signer(setup.keystore, first.kid, setup.clock),
        clock=setup.clock,
    ).issue([_application()])[0]
    trust = _trusts(setup.keystore)["did.json"]
    for form, document in forms(late, setup.keystore).items():
        report = verify_document(document, trust, setup.register, now=setup.clock.now)
        result, reason = check(report, "key")
        assert result == "fail" and "retired" in reason, (form, reason)


def _private(keystore: FileKeystore, kid: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(
        (keystore.keys_dir / f"{kid}.pem").read_bytes(), password=None
    )


def _old_xml_signer(keystore: FileKeystore, kid: str, clock: Any) -> Any:
    from cryptography import x509

    key = _private(keystore, f"xml-{kid}")
    certificate = x509.load_pem_x509_certificate(
        (keystore.keys_dir / f"xml-{kid}.crt").read_bytes()
    )
    return lambda issued, signed_at=None: sign_xml(
        certificate_to_xml(issued), key, certificate, signed_at=signed_at or clock.now
    )


# ----------------------------------------------------------------- the XML signing time


@pytest.fixture
def xml_setup(setup: Setup) -> tuple[TrustStore, Certificate, Any, Any]:
    issued = setup.issuer.issue([_application()])[0]
    key, certificate = setup.keystore.xml_identity()
    return _trusts(setup.keystore)["home"], issued.certificate, key, certificate


def test_the_signing_time_is_inside_the_signed_xml_and_reported(
    setup: Setup, xml_setup: Any
) -> None:
    _, certificate, key, x509_certificate = xml_setup
    signed = sign_xml(
        certificate_to_xml(certificate), key, x509_certificate, signed_at=setup.clock.now
    )
    root = etree.fromstring(signed)
    stamp = root.find(f"{{{XML_NAMESPACE}}}signingTime")
    assert stamp is not None and stamp.text == setup.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert stamp.getnext() is root[-1], "just before the signature"
    verified = verify_xml(signed, [x509_certificate], at=setup.clock.now)
    assert verified.signed_at == setup.clock.now.replace(microsecond=0)


def test_an_xml_signature_without_a_signing_time_fails_the_key_check(
    setup: Setup, xml_setup: Any
) -> None:
    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from signxml.signer import XMLSigner

    trust, certificate, key, x509_certificate = xml_setup
    # Signed by the genuine key, but the old way: nothing says when.
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.ECDSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256
    )
    root = etree.fromstring(certificate_to_xml(certificate))
    unstamped = etree.tostring(signer.sign(root, key=key, cert=[x509_certificate]))
    report = verify_document(unstamped, trust, setup.register, now=setup.clock.now)
    assert report.verdict == "invalid"
    result, reason = check(report, "key")
    assert result == "fail" and "covers no signing time" in reason
    assert check(report, "signature")[0] == "pass"


@pytest.mark.parametrize("how", ["changed", "added after signing"])
def test_a_signing_time_not_covered_by_the_signature_fails(
    setup: Setup, xml_setup: Any, how: str
) -> None:
    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from signxml.signer import XMLSigner

    trust, certificate, key, x509_certificate = xml_setup
    if how == "changed":  # back-dated after signing
        signed = sign_xml(
            certificate_to_xml(certificate), key, x509_certificate, signed_at=setup.clock.now
        )
        root = etree.fromstring(signed)
        root.find(f"{{{XML_NAMESPACE}}}signingTime").text = "2026-01-01T00:00:00Z"
    else:  # a time slipped in next to a signature that never covered one
        signer = XMLSigner(
            signature_algorithm=SignatureMethod.ECDSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
        )
        root = signer.sign(
            etree.fromstring(certificate_to_xml(certificate)), key=key, cert=[x509_certificate]
        )
        stamp = etree.Element(f"{{{XML_NAMESPACE}}}signingTime")
        stamp.text = "2026-11-20T09:00:00Z"
        root[-1].addprevious(stamp)
    report = verify_document(etree.tostring(root), trust, setup.register, now=setup.clock.now)
    assert report.verdict == "invalid"
    result, reason = check(report, "signature")
    assert result == "fail" and "tampered" in reason


def test_an_xml_signing_time_before_the_key_was_created_fails(setup: Setup, xml_setup: Any) -> None:
    trust, certificate, key, x509_certificate = xml_setup
    early = setup.clock.now - timedelta(days=31)
    signed = sign_xml(certificate_to_xml(certificate), key, x509_certificate, signed_at=early)
    report = verify_document(signed, trust, setup.register, now=setup.clock.now)
    result, reason = check(report, "key")
    assert result == "fail" and "before the key was created" in reason


def test_an_xml_certificate_bound_to_no_known_key_fails_the_key_check(
    setup: Setup, xml_setup: Any
) -> None:
    trust, certificate, _, _ = xml_setup
    key, stranger = make_xml_signing_identity(
        f"{ISSUER_DID}#key-unpublished", valid_from=setup.clock.now - timedelta(days=1)
    )
    trust.add_xml_certificate(ISSUER_DID, stranger)
    signed = sign_xml(certificate_to_xml(certificate), key, stranger, signed_at=setup.clock.now)
    report = verify_document(signed, trust, setup.register, now=setup.clock.now)
    result, reason = check(report, "key")
    assert result == "fail" and "belongs to no known key" in reason


def test_the_xml_form_of_an_unknown_issuer_fails_the_issuer_check(
    setup: Setup, xml_setup: Any
) -> None:
    _, certificate, key, x509_certificate = xml_setup
    signed = sign_xml(
        certificate_to_xml(certificate), key, x509_certificate, signed_at=setup.clock.now
    )
    report = verify_document(signed, TrustStore(), None, now=setup.clock.now)
    assert check(report, "issuer") == ("fail", f"{ISSUER_DID} is not a known issuing body")


def test_a_signing_time_is_written_only_when_signing(xml_setup: Any) -> None:
    from rcep_origin.certificates.xml_form import XmlFormError

    _, certificate, key, x509_certificate = xml_setup
    signed = sign_xml(certificate_to_xml(certificate), key, x509_certificate)
    root = etree.fromstring(signed)
    root.remove(root[-1])  # the signature: left with a stamped, unsigned document
    with pytest.raises(XmlFormError, match="signing time"):
        sign_xml(etree.tostring(root), key, x509_certificate)


# ----------------------------------------------------------------- one pipeline, the register


def test_the_four_forms_of_one_certificate_have_one_digest(setup: Setup) -> None:
    issued = setup.issuer.issue([_application()])[0]
    trust = _trusts(setup.keystore)["home"]
    digests = set()
    for form, document in forms(issued, setup.keystore).items():
        report = verify_document(document, trust, setup.register, now=setup.clock.now)
        assert report.certificate is not None, form
        digests.add(certificate_digest(report.certificate))
    assert digests == {certificate_digest(issued.certificate)}
    assert setup.register.registered_digest(issued.certificate.number) in digests


def test_the_digest_is_sha256_of_the_canonical_credential_subject(setup: Setup) -> None:
    import hashlib

    issued = setup.issuer.issue([_application()])[0]
    subject = {k: v for k, v in issued.credential["credentialSubject"].items() if k != "type"}
    canonical = json.dumps(subject, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert certificate_digest(issued.certificate) == hashlib.sha256(canonical.encode()).hexdigest()


def test_every_form_runs_the_same_checks_in_the_same_order(setup: Setup) -> None:
    issued = setup.issuer.issue([_application()])[0]
    trust = _trusts(setup.keystore)["did.json"]
    for form, document in forms(issued, setup.keystore).items():
        report = verify_document(
            document, trust, setup.register, now=setup.clock.now, register=setup.register
        )
        assert [c.name for c in report.checks] == [
            "format",
            "issuer",
            "signature",
            "key",
            "validity",
            "status",
            "register",
        ], form
        assert report.verdict == "valid", (form, report.reason)


class FakeRegister:
    def __init__(self, digests: dict[str, str], issuer_did: str | None = None):
        self.digests = digests
        if issuer_did is not None:
            self.issuer_did = issuer_did

    def registered_digest(self, number: str) -> str | None:
        return self.digests.get(number)


def test_the_register_check(setup: Setup) -> None:
    issued = setup.issuer.issue([_application()])[0]
    number = issued.certificate.number
    trust = _trusts(setup.keystore)["home"]
    cases: list[tuple[Register | None, str | None, str]] = [
        (FakeRegister({number: certificate_digest(issued.certificate)}), "pass", "as issued"),
        (FakeRegister({}), "fail", "never issued"),
        (FakeRegister({number: "0" * 64}), "fail", "other content"),
        (FakeRegister({}, issuer_did="did:web:other.example"), "unknown", "other.example"),
        (None, None, ""),  # no register and no compromised key: no register check at all
    ]
    for register, result, words in cases:
        for form, document in forms(issued, setup.keystore).items():
            report = verify_document(
                document, trust, setup.register, now=setup.clock.now, register=register
            )
            found = [c for c in report.checks if c.name == "register"]
            if result is None:
                assert not found and report.verdict == "valid", form
            else:
                assert found[0].result == result and words in found[0].reason, (form, found)
    assert isinstance(setup.register, Register), "the database registry is a Register"


def test_a_status_list_re_signed_with_a_compromised_key_cannot_clear_a_revocation(
    setup: Setup, before_and_after: Any
) -> None:
    before, _, _ = before_and_after
    setup.issuer.set_status(before.certificate.number)  # revoked, list signed by the old key...
    trust = _trusts(setup.keystore)["did.json"]
    report = verify_document(
        forms(before, setup.keystore)["json"], trust, setup.register, now=setup.clock.now
    )
    result, reason = check(report, "status")
    assert result == "fail" and "outside its lifetime" in reason  # ...after it was compromised


# ----------------------------------------------------------------- what is published


def test_revoked_and_retired_keys_stay_published_with_their_lifetimes(
    setup: Setup, clock: Any
) -> None:
    first = setup.keystore.current_signer().key
    clock.now += timedelta(days=1)
    second = setup.keystore.create_key(clock.now)
    setup.keystore.revoke_key(second.kid, clock.now + timedelta(hours=2))
    did = published(setup.keystore, "did.json")
    methods = {m["id"]: m for m in did["verificationMethod"]}
    assert did["assertionMethod"] == list(methods)
    old, new = methods[first.id], methods[second.id]
    assert old["type"] == new["type"] == "Multikey"
    assert old["expires"] == (clock.now + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "revoked" not in old
    assert new["revoked"] == (clock.now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for key in (first, second):
        xml = methods[f"{ISSUER_DID}#xml-{key.kid}"]
        assert xml["type"] == "JsonWebKey" and xml["publicKeyJwk"]["crv"] == "P-256"
        assert {k: xml.get(k) for k in ("expires", "revoked")} == {
            k: methods[key.id].get(k) for k in ("expires", "revoked")
        }
    assert did["@context"][0] == "https://www.w3.org/ns/did/v1"
    keys = {k["kid"]: k for k in published(setup.keystore, "jwks.json")["keys"]}
    assert list(keys) == list(methods)
    assert keys[first.id]["exp"] == int((clock.now + timedelta(seconds=1)).timestamp())
    assert keys[first.id]["iat"] == int(first.created.timestamp())  # type: ignore[union-attr]
    assert keys[second.id]["revoked"] == {
        "revoked_at": int((clock.now + timedelta(hours=2)).timestamp()),
        "reason": "compromised",
    }
    assert keys[f"{ISSUER_DID}#xml-{second.kid}"]["revoked"] == keys[second.id]["revoked"]


def test_the_published_xml_certificate_is_the_keystore_one_and_holds_the_jwk_key(
    setup: Setup,
) -> None:
    import base64

    from cryptography import x509

    kid = setup.keystore.current_signer().key.kid
    on_disk = x509.load_pem_x509_certificate(
        (setup.keystore.keys_dir / f"xml-{kid}.crt").read_bytes()
    )
    method = next(
        m
        for m in published(setup.keystore, "did.json")["verificationMethod"]
        if m["type"] == "JsonWebKey"
    )
    der = base64.b64decode(method["publicKeyJwk"]["x5c"][0])
    assert x509.load_der_x509_certificate(der) == on_disk
    assert xml_certificate_key_id(on_disk) == f"{ISSUER_DID}#{kid}"
    assert "d" not in method["publicKeyJwk"], "never a private member"


def test_reading_back_what_is_published_gives_the_keys_lifetimes_and_certificates(
    setup: Setup,
) -> None:
    key = setup.keystore.current_signer().key
    setup.keystore.revoke_key(key.kid, setup.clock.now)
    revoked = setup.keystore.keyring().get(key.id)
    assert revoked is not None
    from_did = read_published(published(setup.keystore, "did.json"))
    from_jwks = read_published(published(setup.keystore, "jwks.json"))
    assert from_did.keys == [replace(revoked, created=None)], "CID has no start for a method"
    assert from_jwks.keys == [revoked]
    for found in (from_did, from_jwks):
        assert [(did, c) for did, c in found.xml_certificates] == [
            (ISSUER_DID, setup.keystore.xml_certificates()[0])
        ]
    merged = trust_from_published(
        published(setup.keystore, "did.json"), published(setup.keystore, "jwks.json")
    )
    assert merged.keys.get(key.id) == revoked


# ----------------------------------------------------------------- reading untrusted documents


def _document(setup: Setup) -> dict[str, Any]:
    return published(setup.keystore, "did.json")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update(id=42), "id"),
        (lambda d: d["verificationMethod"][0].update(controller="did:web:evil"), ".controller"),
        (lambda d: d["verificationMethod"][0].update(publicKeyMultibase="zzz"), "Multibase"),
        (lambda d: d["verificationMethod"][0].update(revoked="yesterday"), ".revoked"),
        (lambda d: d["verificationMethod"][0].update(expires="2026-01-01T00:00:00"), ".expires"),
        (
            lambda d: d["verificationMethod"][1]["publicKeyJwk"].update(x5c=["bm90IGEgY2VydA=="]),
            "x5c",
        ),
        (lambda d: d["verificationMethod"][1]["publicKeyJwk"].update(x="A" * 43), "x5c"),
    ],
)
def test_a_malformed_did_document_is_refused_naming_the_member(
    setup: Setup, change: Any, path: str
) -> None:
    document = _document(setup)
    change(document)
    with pytest.raises(PublishedKeysError) as caught:
        trust_from_published(document)
    assert path in caught.value.path


def test_only_the_documents_own_assertion_methods_are_trusted(setup: Setup) -> None:
    document = _document(setup)
    document["assertionMethod"] = [document["assertionMethod"][1]]  # the XML key only
    trust = trust_from_published(document)
    assert len(trust.keys) == 0 and len(trust.xml_certificates[ISSUER_DID]) == 1
    document["assertionMethod"] = []
    assert trust_from_published(document).issuers() == set()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda k: k.update(kid="key-1"), ".kid"),
        (lambda k: k.update(x="short"), ".x"),
        (lambda k: k.update(iat="yesterday"), ".iat"),
        (lambda k: k.update(revoked={"reason": "compromised"}), ".revoked.revoked_at"),
    ],
)
def test_a_malformed_jwks_is_refused_naming_the_member(
    setup: Setup, change: Any, path: str
) -> None:
    document = published(setup.keystore, "jwks.json")
    change(document["keys"][0])
    with pytest.raises(PublishedKeysError) as caught:
        trust_from_published(document)
    assert caught.value.path == f"keys[0]{path}"


def test_neither_a_did_document_nor_a_jwks_is_refused() -> None:
    with pytest.raises(PublishedKeysError, match="neither"):
        trust_from_published({"hello": "world"})


def test_a_key_published_twice_keeps_the_strictest_lifetime(clock: Any) -> None:
    signer = Ed25519Signer.generate(ISSUER_DID, "key-1", clock.now - timedelta(days=3))
    key = signer.key
    ring = Keyring([retire(key, clock.now)])
    ring.merge(replace(key, created=None, revoked=clock.now - timedelta(days=1)))
    merged = ring.get(key.id)
    assert merged == replace(key, retired=clock.now, revoked=clock.now - timedelta(days=1))
    impostor = Ed25519Signer.generate(ISSUER_DID, "key-1", clock.now).key
    with pytest.raises(KeyUnusableError, match="two different public keys"):
        ring.merge(impostor)


def test_a_did_document_of_plain_keys_without_xml_certificates_still_reads(clock: Any) -> None:
    signer = Ed25519Signer.generate(ISSUER_DID, "key-1", clock.now)
    document = did_document(ISSUER_DID, [signer.key])
    assert read_published(document).keys == [replace(signer.key, created=None)]
    assert jwks([signer.key])["keys"][0]["iat"] == int(clock.now.timestamp())


def test_verification_does_not_depend_on_the_credential_id_matching_the_trust(
    setup: Setup,
) -> None:
    """A credential claiming another issuer's key is refused (issuer first, then the key)."""
    issued = setup.issuer.issue([_application()])[0]
    tampered = copy.deepcopy(issued.credential)
    tampered["proof"]["verificationMethod"] = "did:web:other.example#key-1"
    trust = _trusts(setup.keystore)["did.json"]
    report = verify_document(json.dumps(tampered).encode(), trust, None, now=setup.clock.now)
    assert check(report, "signature")[0] == "fail"
    assert tampered["id"] == credential_id(issued.certificate.number)


def test_the_register_of_a_certificate_issued_then_verified_later_still_matches(
    setup: Setup,
) -> None:
    issued = setup.issuer.issue([_application()])[0]
    later = setup.clock.now + timedelta(days=200)
    report = verify_document(
        forms(issued, setup.keystore)["xml"],
        _trusts(setup.keystore)["jwks.json"],
        setup.register,
        now=later.astimezone(UTC),
        register=setup.register,
    )
    assert report.verdict == "valid", report.reason


def test_a_revocation_only_ever_moves_earlier(setup: Setup) -> None:
    key = setup.keystore.current_signer().key
    first = setup.clock.now
    assert setup.keystore.revoke_key(key.kid, first).revoked == first
    assert setup.keystore.revoke_key(key.kid, first + timedelta(days=1)).revoked == first
    earlier = first - timedelta(hours=1)
    assert setup.keystore.revoke_key(key.kid, earlier).revoked == earlier
    method = published(setup.keystore, "did.json")["verificationMethod"][0]
    assert method["revoked"] == earlier.strftime("%Y-%m-%dT%H:%M:%SZ")
