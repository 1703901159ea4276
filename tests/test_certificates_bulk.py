"""Verifying many certificates at once (issue 21): ``verify_many`` says of each document what
``verify_document`` says of it, in order, while looking each status list up once and asking a
register for a chunk of numbers at once."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from rcep_origin.certificates.issuer import IssuedCertificate, Issuer
from rcep_origin.certificates.model import certificate_digest
from rcep_origin.certificates.verification import TrustStore, verify_document, verify_many
from rcep_origin.store.keystore import FileKeystore


@pytest.fixture
def keystore(tmp_path: Path, issuer_profile: Any, clock: Any) -> FileKeystore:
    keystore = FileKeystore(tmp_path / "home")
    keystore.save_profile(issuer_profile)
    keystore.create_key(clock.now - timedelta(days=30))
    return keystore


@pytest.fixture
def issuer_with_xml(keystore: FileKeystore, clock: Any, register: Any) -> Issuer:
    return Issuer(
        keystore.profile(),
        keystore.current_signer(),
        register,
        xml_signer=keystore.xml_signer(clock=clock),
        clock=clock,
    )


def _application() -> Any:
    from rcep_origin.cli.home import load_request

    return load_request(ROOT / "examples" / "certificate-request.yaml")


def _json(issued: IssuedCertificate) -> bytes:
    return json.dumps(issued.credential, ensure_ascii=False).encode("utf-8")


class CountingSource:
    """A status source that counts its look-ups, as a registry's database would be asked."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.calls = 0

    def status_list_credential(self, url: str) -> dict[str, Any] | None:
        self.calls += 1
        found: dict[str, Any] | None = self.source.status_list_credential(url)
        return found

    def status_entries_of(self, number: str) -> Any:
        return self.source.status_entries_of(number)


class BulkRegister:
    """A register answering for many numbers at once (as the authority's does)."""

    def __init__(self, register: Any) -> None:
        self.register = register
        self.issuer_did = register.issuer_did
        self.single = 0
        self.bulk: list[int] = []

    def registered_digest(self, number: str) -> str | None:
        self.single += 1
        found: str | None = self.register.registered_digest(number)
        return found

    def registered_digests(self, numbers: list[str]) -> dict[str, str | None]:
        self.bulk.append(len(numbers))
        return {n: self.register.registered_digest(n) for n in numbers}


def test_many_documents_of_every_form_get_the_reports_one_at_a_time_would_give_in_order(
    issuer_with_xml: Issuer, keystore: FileKeystore, clock: Any, register: Any
) -> None:
    from rcep_origin.store.sql import SqlRegistry

    issued = issuer_with_xml.issue([_application()] * 4)
    issuer_with_xml.set_status(issued[1].certificate.number)  # revoked
    trust = TrustStore()
    keystore.add_to(trust)
    tampered = _json(issued[2]).replace(b"Laem Chabang", b"Laem Chabang!")
    documents = [
        _json(issued[0]),
        issued[1].jwt.encode(),
        b"not a certificate",
        tampered,
        issued[3].xml or b"",
        _json(issued[1]),
        b'{"a": 1, "a": 2}',
    ]
    registry = SqlRegistry(register.session, issuer_did=issuer_with_xml.profile.did)
    one_by_one = [
        verify_document(d, trust, registry, now=clock.now, register=registry).to_dict()
        for d in documents
    ]
    together = [
        r.to_dict()
        for r in verify_many(documents, trust, registry, now=clock.now, register=registry)
    ]
    assert together == one_by_one
    assert [r["verdict"] for r in together] == [
        "valid",
        "invalid",
        "invalid",
        "invalid",
        "valid",
        "invalid",
        "invalid",
    ]


def test_each_status_list_is_looked_up_once_per_run(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    issued = issuer.issue([application] * 20)
    source = CountingSource(issuer.registry)
    reports = list(verify_many([_json(i) for i in issued], trust, source, now=clock.now))
    assert all(r.valid for r in reports), [r.reason for r in reports if not r.valid]
    lists = {e.list_url for i in issued for e in i.status}
    assert source.calls == len(lists) == 2


def test_a_register_that_answers_for_many_numbers_is_asked_once_per_chunk(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    from rcep_origin.store.sql import SqlRegistry

    issued = issuer.issue([application] * 10)
    register = BulkRegister(SqlRegistry(issuer.registry.session, issuer_did=issuer.profile.did))
    documents = [_json(i) for i in issued] + [b"garbage"]
    reports = list(
        verify_many(documents, trust, issuer.registry, now=clock.now, register=register, chunk=4)
    )
    assert [r.verdict for r in reports] == ["valid"] * 10 + ["invalid"]
    assert all(
        dict((c.name, c.result) for c in r.checks)["register"] == "pass" for r in reports[:10]
    )
    assert register.bulk == [4, 4, 2] and register.single == 0


def test_a_register_answer_from_the_chunk_still_catches_other_content(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    issued = issuer.issue([application])[0]

    class Lying:
        issuer_did = issuer.profile.did

        def registered_digest(self, number: str) -> str | None:
            raise AssertionError("the chunk's answer is used")

        def registered_digests(self, numbers: list[str]) -> dict[str, str | None]:
            return {n: "0" * 64 for n in numbers}

    [report] = verify_many([_json(issued)], trust, issuer.registry, now=clock.now, register=Lying())
    assert report.verdict == "invalid"
    assert "other content" in report.reason
    assert certificate_digest(issued.certificate) != "0" * 64


def test_a_status_list_checked_for_one_issuer_is_not_taken_for_another(
    issuer: Any, application: Any, trust: TrustStore, clock: Any, issuer_profile: Any
) -> None:
    """The trust store remembers a verified list with the URL, purpose and issuer it was
    checked for: a certificate of another trusted issuer pointing at this list is refused."""
    from rcep_origin.certificates.keys import Ed25519Signer

    first = issuer.issue([application])[0]
    assert verify_document(_json(first), trust, issuer.registry, now=clock.now).valid
    other_did = "did:web:co.example.th"
    other_signer = Ed25519Signer.generate(other_did, "key-1", clock.now - timedelta(days=1))
    trust.keys.add(other_signer.key)
    credential = {k: v for k, v in first.credential.items() if k != "proof"}
    credential["issuer"] = {"id": other_did, "name": "Another body"}
    subject = dict(credential["credentialSubject"])
    subject["issuing_body"] = {**subject["issuing_body"], "id": other_did}
    credential["credentialSubject"] = subject
    from rcep_origin.certificates import data_integrity

    forged = data_integrity.sign(credential, other_signer, clock.now)
    report = verify_document(json.dumps(forged).encode(), trust, issuer.registry, now=clock.now)
    assert dict((c.name, c.result) for c in report.checks)["status"] == "fail"
    assert "not signed by the certificate's issuer" in report.reason


def test_a_status_list_changed_after_it_was_checked_is_checked_again(
    issuer: Any, application: Any, trust: TrustStore, clock: Any
) -> None:
    import copy

    from rcep_origin.certificates.status_list import Bitstring

    issued = issuer.issue([application])[0]
    entry = next(e for e in issued.status if e.purpose == "revocation")
    listing = issuer.registry.status_list_credential(entry.list_url)

    class Source:
        def __init__(self, served: dict[str, Any]) -> None:
            self.served = served

        def status_list_credential(self, url: str) -> dict[str, Any] | None:
            found: dict[str, Any] | None = (
                self.served
                if url == entry.list_url
                else issuer.registry.status_list_credential(url)
            )
            return found

    assert verify_document(_json(issued), trust, Source(listing), now=clock.now).valid
    # The same list with this certificate's bit set but not signed again: a forgery.
    forged = copy.deepcopy(listing)
    bits = Bitstring.decode(forged["credentialSubject"]["encodedList"])
    bits.set(entry.index, True)
    forged["credentialSubject"]["encodedList"] = bits.encode()
    report = verify_document(_json(issued), trust, Source(forged), now=clock.now)
    assert report.verdict == "invalid" and "signature does not verify" in report.reason
    # And the genuine list, served again as a new object, is accepted from memory.
    assert verify_document(
        _json(issued), trust, Source(copy.deepcopy(listing)), now=clock.now
    ).valid


def test_a_batch_signs_each_new_status_list_once_and_nothing_else_twice(
    issuer: Any, application: Any, signer: Any
) -> None:
    """Bulk issuance keeps its speed per certificate: issuing flips no bit, so a status list is
    signed once, when it is first needed; each certificate is signed once per form."""
    signed: list[bytes] = []
    original = signer.sign

    def counting(data: bytes) -> bytes:
        signed.append(data)
        result: bytes = original(data)
        return result

    signer.sign = counting  # type: ignore[method-assign]
    issued = issuer.issue([application] * 40)
    lists = {e.list_url for item in issued for e in item.status}
    assert len(lists) == 2
    assert len(signed) == 2 * len(issued) + len(lists), (
        "JSON and JWT per certificate, each list once"
    )
    signed.clear()
    more = issuer.issue([application] * 10)
    assert {e.list_url for item in more for e in item.status} == lists
    assert len(signed) == 2 * len(more), "the lists exist: not signed again"
