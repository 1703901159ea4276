"""The exchange's HTTP face (issue 20) on one service (China's issuing body, the ``actors`` of
test_api): who may call what, the interface pre-check, the badge and the embeddable snippet,
the trust list and peers over HTTP. SQLite and (in CI) PostgreSQL."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from rcep_origin.certificates.issuer import IssuerProfile
from rcep_origin.certificates.model import Signatory
from rcep_origin.store.keystore import FileKeystore
from test_api import Actors, actors, database, declaration, issued_certificate

__all__ = ["actors", "database"]


def _published(tmp_path: Path, did: str, country: str) -> dict[str, Any]:
    """What another issuing body publishes (its did.json)."""
    keystore = FileKeystore(tmp_path / country.lower())
    keystore.save_profile(
        IssuerProfile(
            did=did,
            name=f"Issuing body of {country}",
            country=country,
            signatory=Signatory(name="Officer", position="Officer"),
            place_of_issue=country,
            number_prefix=country,
            verification_url=f"https://{did.split(':')[-1]}/verify",
            status_url=f"https://{did.split(':')[-1]}/status",
        )
    )
    keystore.create_key()
    return keystore.did_document()


# --- who may call -------------------------------------------------------------------------------


def test_the_inbox_takes_deliveries_only_from_issuing_bodies_of_other_parties(
    actors: Actors,
) -> None:
    for who, status in (("ccpit", 403), ("customs", 403), ("acme", 403), (None, 401)):
        answer = actors.call(who, "POST", "/v1/exchange/inbox", content=b"{}")  # type: ignore[arg-type]
        assert answer.status_code == status, (who, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_customs_of_another_party_read_neither_the_trust_list_nor_the_inbox(
    actors: Actors,
) -> None:
    # "customs" is a verifier of TH; this register is CN's.
    for path in ("/v1/exchange/trust", "/v1/exchange/inbox"):
        assert actors.call("customs", "GET", path).status_code == 403
    assert actors.call("ccpit", "GET", "/v1/exchange/inbox").json() == []
    assert actors.call("acme", "GET", "/v1/exchange/inbox").json() == []  # names nobody here


def test_the_trust_list_over_http_is_kept_by_the_issuing_body_and_audited(
    actors: Actors, tmp_path: Path
) -> None:
    document = _published(tmp_path, "did:web:co.example.jp", "JP")
    body = {"party": "JP", "document": document, "source": "https://co.example.jp/"}
    assert actors.call("acme", "POST", "/v1/exchange/trust", json=body).status_code == 403
    added = actors.call("ccpit", "POST", "/v1/exchange/trust", json=body)
    assert added.status_code == 201, added.text
    assert added.json()["did"] == "did:web:co.example.jp" and len(added.json()["keys"]) == 1
    listed = actors.call("ccpit", "GET", "/v1/exchange/trust").json()
    assert [entry["party"] for entry in listed] == ["JP"]
    bad = actors.call("ccpit", "POST", "/v1/exchange/trust", json={**body, "document": {}})
    assert bad.status_code == 400 and bad.json()["field"].startswith("document")
    removed = actors.call("ccpit", "POST", "/v1/exchange/trust/did:web:co.example.jp/remove")
    assert removed.status_code == 200 and removed.json()["state"] == "removed"
    assert actors.call("ccpit", "GET", "/v1/exchange/trust").json() == []
    audit = actors.call("ccpit", "GET", "/v1/audit/verify").json()
    assert audit["intact"], audit


def test_a_peer_over_http_keeps_its_key_out_of_every_answer(actors: Actors, tmp_path: Path) -> None:
    key = "rk_0123456789ab." + "s" * 43
    body = {
        "party": "TH",
        "url": "http://127.0.0.1:9/",
        "key": key,
        "did_document": _published(tmp_path, "did:web:customs.example.th", "TH"),
    }
    added = actors.call("ccpit", "POST", "/v1/exchange/peers", json=body)
    assert added.status_code == 201, added.text
    assert key not in added.text and added.json()["key_id"] == "rk_0123456789ab"
    assert actors.call("acme", "POST", "/v1/exchange/peers", json=body).status_code == 403
    assert key not in actors.call("ccpit", "GET", "/v1/exchange/peers").text
    wrong = actors.call("ccpit", "POST", "/v1/exchange/peers", json={**body, "party": "CN"})
    assert wrong.status_code == 400
    number = issued_certificate(actors)
    [queued] = actors.call("ccpit", "GET", f"/v1/certificates/{number}/deliveries").json()
    assert queued["party"] == "TH" and queued["state"] in ("queued", "acknowledged")
    assert actors.call("rival", "GET", f"/v1/certificates/{number}/deliveries").status_code == 404
    removed = actors.call("ccpit", "POST", "/v1/exchange/peers/TH/remove")
    assert removed.status_code == 200 and removed.json()["state"] == "removed"


# --- the interface pre-check --------------------------------------------------------------------


def _check(actors: Actors, body: bytes) -> dict[str, Any]:
    answer = actors.call("acme", "POST", "/v1/exchange/check", content=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_the_pre_check_lists_every_field_level_problem_of_a_credential_with_its_path(
    actors: Actors,
) -> None:
    number = issued_certificate(actors)
    credential = actors.call("acme", "GET", f"/v1/certificates/{number}").json()["credential"]
    good = _check(actors, json.dumps(credential).encode())
    assert (good["kind"], good["valid"], good["problems"]) == ("certificate-json", True, [])
    assert good["summary_zh"].startswith("该文件符合")
    broken = copy.deepcopy(credential)
    subject = broken["credentialSubject"]
    subject["goods"][0]["hs_code"] = "85"
    subject["goods"][0]["quantity"]["value"] = "-1"
    del subject["importer"]["address"]
    subject["exporting_party"] = "XX"
    checked = _check(actors, json.dumps(broken).encode())
    assert checked["valid"] is False and checked["kind"] == "certificate-json"
    paths = {problem["path"] for problem in checked["problems"]}
    assert {
        "credentialSubject.goods[0].hs_code",
        "credentialSubject.goods[0].quantity.value",
        "credentialSubject.importer.address",
        "credentialSubject.exporting_party",
    } <= paths, checked["problems"]
    assert checked["summary"].startswith(f"{len(checked['problems'])} problem(s)")
    nothing = actors.call("ccpit", "GET", "/v1/certificate-requests").json()
    assert len(nothing) == 1  # only the request issued above: the check issued nothing


def test_the_pre_check_reads_xml_against_the_xsd_and_declarations_and_applications(
    actors: Actors,
) -> None:
    number = issued_certificate(actors)
    xml = actors.call("acme", "GET", f"/v1/certificates/{number}/xml").content
    assert _check(actors, xml)["valid"] is True
    broken = re.sub(rb"<hsCode>[^<]*</hsCode>", b"<hsCode>banana</hsCode>", xml)
    checked = _check(actors, broken)
    assert checked["kind"] == "certificate-xml" and not checked["valid"]
    assert any("hsCode" in p["path"] for p in checked["problems"]), checked
    bad = declaration()
    bad["materials"][0]["value"]["amount"] = "not money"
    bad["fob_value"] = {"amount": "1"}
    checked = _check(actors, json.dumps(bad).encode())
    assert checked["kind"] == "declaration"
    assert {p["path"] for p in checked["problems"]} >= {
        "materials[0].value.amount",
        "fob_value.currency",
    }
    application = _check(actors, json.dumps({"items": [{"quantity": {}}]}).encode())
    assert application["kind"] == "application" and not application["valid"]
    assert "items[0].declaration_id" in {p["path"] for p in application["problems"]}
    assert _check(actors, b'{"hello": 1}')["kind"] == "unknown"
    duplicate = _check(actors, b'{"product": 1, "product": 2}')
    assert not duplicate["valid"] and "twice" in duplicate["problems"][0]["message"]


# --- product pages ------------------------------------------------------------------------------


def test_the_badge_shows_the_live_status_and_only_with_the_certificates_own_hash(
    actors: Actors,
) -> None:
    number = issued_certificate(actors)
    embed = actors.call("acme", "GET", f"/v1/certificates/{number}/embed")
    assert embed.status_code == 200, embed.text
    digest = embed.json()["content_sha256"]
    assert f"h={digest}" in embed.json()["badge_url"] and f"h={digest}" in embed.json()["html"]
    jsonld = embed.json()["jsonld"]
    assert jsonld["@type"] == "Certification" and jsonld["certificationIdentification"] == number
    assert '<script type="application/ld+json">' in embed.json()["html"]
    badge = actors.call(None, "GET", f"/verify/{number}/badge.svg", params={"h": digest})  # type: ignore[arg-type]
    assert badge.status_code == 200 and badge.headers["content-type"].startswith("image/svg+xml")
    assert "in force" in badge.text and "有效" in badge.text
    short = actors.call(None, "GET", f"/verify/{number}/badge.svg", params={"h": digest[:16]})  # type: ignore[arg-type]
    assert short.status_code == 200
    other = actors.call(None, "GET", f"/verify/{number}/badge.svg", params={"h": "0" * 64})  # type: ignore[arg-type]
    assert other.status_code == 404 and "not verified" in other.text
    assert actors.call(None, "GET", f"/verify/{number}/badge.svg").status_code == 400  # type: ignore[arg-type]
    revoked = actors.call(
        "ccpit", "POST", f"/v1/certificates/{number}/status", json={"reason": "withdrawn"}
    )
    assert revoked.status_code == 200
    badge = actors.call(None, "GET", f"/verify/{number}/badge.svg", params={"h": digest})  # type: ignore[arg-type]
    assert badge.status_code == 200 and "revoked" in badge.text and "已撤销" in badge.text
    assert actors.call("rival", "GET", f"/v1/certificates/{number}/embed").status_code == 404


def test_every_exchange_operation_is_in_the_openapi_document(actors: Actors) -> None:
    paths = actors.call(None, "GET", "/openapi.json").json()["paths"]  # type: ignore[arg-type]
    for path in (
        "/v1/exchange/trust",
        "/v1/exchange/trust/{did}/remove",
        "/v1/exchange/inbox",
        "/v1/exchange/inbox/{record_id}",
        "/v1/exchange/notices",
        "/v1/exchange/peers",
        "/v1/exchange/peers/{party}/remove",
        "/v1/exchange/deliver",
        "/v1/exchange/check",
        "/v1/certificates/{number}/deliveries",
        "/v1/certificates/{number}/embed",
        "/verify/{number}/badge.svg",
    ):
        assert path in paths, path
    inbox = paths["/v1/exchange/inbox"]["post"]["responses"]
    assert set(inbox["422"]["content"]) == {"application/json", "application/problem+json"}
