"""The service over HTTP, against SQLite and (when RCEP_ORIGIN_TEST_DATABASE_URL is set)
PostgreSQL: the same tests for both."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from rcep_origin.api.app import create_app
from rcep_origin.api.settings import Settings
from rcep_origin.store import sql
from rcep_origin.store.database import Database
from rcep_origin.store.keystore import FileKeystore

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("RCEP_ORIGIN_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES else [])


def declaration() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / "control-panel-parts.json").read_text())
    return data


def application(declaration_id: str) -> dict[str, Any]:
    # No exporter: a certificate names the caller's registered identity.
    return {
        "importer": {
            "name": "Siam Automation Co., Ltd.",
            "address": "99 Rama IV Road, Bangkok",
            "country": "TH",
        },
        "consignment": {
            "departure_date": "2030-01-15",
            "transport": "MV Pacific Star",
            "port_of_discharge": "Laem Chabang",
        },
        "items": [
            {
                "declaration_id": declaration_id,
                "quantity": {"value": "120", "unit": "PCE"},
                "invoice": {"number": "INV-1", "date": "2026-11-18"},
            }
        ],
    }


class Actors:
    def __init__(self, client: TestClient, keys: dict[str, str]):
        self.client, self.keys = client, keys

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {
            **kwargs.pop("headers", {}),
            **({"Authorization": f"Bearer {self.keys[who]}"} if who in self.keys else {}),
        }
        return self.client.request(method, path, headers=headers, **kwargs)


def _database(backend: str, tmp_path: Path) -> Iterator[Database]:
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'service.db'}")
        yield database
        database.dispose()
        return
    assert POSTGRES is not None
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = Database(POSTGRES)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database(POSTGRES, connect_args={"options": f"-csearch_path={schema}"})
    yield database
    database.dispose()
    with admin.engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from _database(request.param, tmp_path)


@pytest.fixture
def actors(database: Database, tmp_path: Path) -> Iterator[Actors]:
    home = tmp_path / "issuer"
    keystore = FileKeystore(home)
    from rcep_origin.certificates.issuer import IssuerProfile
    from rcep_origin.certificates.model import Signatory

    keystore.save_profile(
        IssuerProfile(
            did="did:web:co.example.cn",
            name="CCPIT Suzhou",
            country="CN",
            signatory=Signatory(name="Li Wei", position="Officer"),
            place_of_issue="Suzhou",
            number_prefix="CN",
            verification_url="http://testserver/verify",
            status_url="http://testserver/status",
        )
    )
    keystore.create_key()
    database.upgrade()
    keys = {}
    with database.session() as session:
        for org, role, approved in (
            ("acme", "exporter", False),
            ("rival", "exporter", False),
            ("fast", "exporter", True),
            ("ccpit", "issuing_body", False),
            ("customs", "verifier", False),
        ):
            sql.create_organisation(
                session,
                id=org,
                name=org.title(),
                role=role,
                party="TH" if role == "verifier" else "CN",
                approved_exporter=approved,
                address=f"{org.title()} Building, Suzhou",
            )
            keys[org] = sql.create_api_key(session, org)
    app = create_app(Settings(issuer_home=home, database_url=database.url), database=database)
    with TestClient(app) as client:
        yield Actors(client, keys)


def submit(actors: Actors, who: str = "acme", body: Any = None) -> str:
    response = actors.call(who, "POST", "/v1/declarations", json=body or declaration())
    assert response.status_code == 201, response.text
    return str(response.json()["declaration_id"])


def issued_certificate(actors: Actors) -> str:
    declaration_id = submit(actors)
    request = actors.call(
        "acme", "POST", "/v1/certificate-requests", json=application(declaration_id)
    ).json()
    issued = actors.call("ccpit", "POST", f"/v1/certificate-requests/{request['request_id']}/issue")
    assert issued.status_code == 201, issued.text
    return str(issued.json()["certificate_number"])


# --- the flow --------------------------------------------------------------------------------


def test_an_exporter_declares_determines_applies_and_the_issuing_body_issues(
    actors: Actors,
) -> None:
    declaration_id = submit(actors)
    run = actors.call("acme", "POST", f"/v1/declarations/{declaration_id}/determinations")
    assert run.status_code == 201 and run.json()["determination"]["originating"] is True
    request = actors.call(
        "acme", "POST", "/v1/certificate-requests", json=application(declaration_id)
    )
    assert request.status_code == 201 and request.json()["state"] == "submitted"
    issued = actors.call(
        "ccpit", "POST", f"/v1/certificate-requests/{request.json()['request_id']}/issue"
    )
    assert issued.status_code == 201
    number = issued.json()["certificate_number"]
    report = actors.call(None, "GET", f"/verify/{number}").json()  # type: ignore[arg-type]
    assert report["verdict"] == "valid", report["reason"]
    assert (
        actors.call(
            "acme", "GET", f"/v1/certificate-requests/{request.json()['request_id']}"
        ).json()["state"]
        == "issued"
    )


def test_an_approved_exporter_gets_its_certificate_at_once(actors: Actors) -> None:
    declaration_id = submit(actors, "fast")
    response = actors.call(
        "fast", "POST", "/v1/certificate-requests", json=application(declaration_id)
    )
    assert response.status_code == 201 and response.json()["state"] == "issued"
    assert response.json()["certificate_number"].startswith("CN-")


def test_declarations_are_immutable_versions_with_hashes(actors: Actors) -> None:
    declaration_id = submit(actors)
    changed = declaration()
    changed["fob_value"]["amount"] = "1300.00"
    second = actors.call(
        "acme", "POST", f"/v1/declarations/{declaration_id}/versions", json=changed
    ).json()
    assert second["version"] == 2
    view = actors.call("acme", "GET", f"/v1/declarations/{declaration_id}").json()
    assert [v["version"] for v in view["versions"]] == [1, 2] and view["versions"][0][
        "sha256"
    ] != view["versions"][1]["sha256"]
    first = actors.call("acme", "GET", f"/v1/declarations/{declaration_id}/versions/1").json()
    assert first["document"]["fob_value"]["amount"] == "1250"  # stored in canonical form


def test_a_retried_request_with_the_same_idempotency_key_never_issues_twice(actors: Actors) -> None:
    declaration_id = submit(actors, "fast")
    headers = {"Idempotency-Key": "erp-order-4711"}
    first = actors.call(
        "fast",
        "POST",
        "/v1/certificate-requests",
        json=application(declaration_id),
        headers=headers,
    )
    again = actors.call(
        "fast",
        "POST",
        "/v1/certificate-requests",
        json=application(declaration_id),
        headers=headers,
    )
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replay") == "true"
    assert first.json()["certificate_number"] == again.json()["certificate_number"]
    listed = actors.call("fast", "GET", "/v1/certificate-requests").json()
    assert len(listed) == 1
    other = application(declaration_id)
    other["remarks"] = "different"
    clash = actors.call("fast", "POST", "/v1/certificate-requests", json=other, headers=headers)
    assert clash.status_code == 409 and clash.json()["type"].endswith("idempotency-key-reused")


def test_a_non_originating_good_is_refused_and_the_request_stays_open(actors: Actors) -> None:
    body = declaration()
    body["production_steps"] = [
        {"description": "labelling", "party": "CN", "minimal_operation": True}
    ]
    declaration_id = submit(actors, body=body)
    request = actors.call(
        "acme", "POST", "/v1/certificate-requests", json=application(declaration_id)
    ).json()
    refused = actors.call(
        "ccpit", "POST", f"/v1/certificate-requests/{request['request_id']}/issue"
    )
    assert (
        refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    )
    assert (
        actors.call("acme", "GET", f"/v1/certificate-requests/{request['request_id']}").json()[
            "state"
        ]
        == "submitted"
    )


def test_revocation_by_the_issuing_body_shows_on_verification(actors: Actors) -> None:
    number = issued_certificate(actors)
    response = actors.call(
        "ccpit",
        "POST",
        f"/v1/certificates/{number}/status",
        json={"reason": "goods not as declared"},
    )
    assert response.status_code == 200
    report = actors.call(None, "GET", f"/verify/{number}").json()  # type: ignore[arg-type]
    assert report["verdict"] == "invalid" and "revoked" in report["reason"]


def test_a_posted_document_of_any_form_is_verified(actors: Actors) -> None:
    number = issued_certificate(actors)
    certificate = actors.call("acme", "GET", f"/v1/certificates/{number}").json()
    for body in (
        json.dumps(certificate["credential"]).encode(),
        certificate["jwt"].encode(),
        actors.call("acme", "GET", f"/v1/certificates/{number}/xml").content,
        actors.call("acme", "GET", f"/v1/certificates/{number}/pdf").content,
    ):
        report = actors.client.post("/verify", content=body).json()
        assert report["verdict"] == "valid", report["reason"]
    tampered = (
        json.dumps(certificate["credential"]).replace("Laem Chabang", "Bangkok Port").encode()
    )
    assert actors.client.post("/verify", content=tampered).json()["verdict"] == "invalid"


def test_public_documents_are_served(actors: Actors) -> None:
    number = issued_certificate(actors)
    did = actors.client.get("/.well-known/did.json").json()
    assert did["id"] == "did:web:co.example.cn" and did["assertionMethod"]
    assert actors.client.get("/.well-known/jwks.json").json()["keys"][0]["crv"] == "Ed25519"
    certificate = actors.call("acme", "GET", f"/v1/certificates/{number}").json()["credential"]
    list_url = certificate["credentialStatus"][0]["statusListCredential"]
    assert (
        actors.client.get(list_url.replace("http://testserver", "")).json()["type"][1]
        == "BitstringStatusListCredential"
    )
    health = actors.client.get("/healthz").json()
    assert health["status"] == "ok" and health["database"] == "ok" and health["schema"]
    assert "rcep_origin_http_requests_total" in actors.client.get("/metrics").text
    assert actors.client.get("/openapi.json").json()["info"]["title"] == "rcep-origin"


# --- authorisation ---------------------------------------------------------------------------


def test_an_exporter_never_sees_another_exporters_declarations_runs_or_requests(
    actors: Actors,
) -> None:
    declaration_id = submit(actors)
    run = actors.call("acme", "POST", f"/v1/declarations/{declaration_id}/determinations").json()
    request = actors.call(
        "acme", "POST", "/v1/certificate-requests", json=application(declaration_id)
    ).json()
    for path in (
        f"/v1/declarations/{declaration_id}",
        f"/v1/declarations/{declaration_id}/versions/1",
        f"/v1/runs/{run['run_id']}",
        f"/v1/certificate-requests/{request['request_id']}",
    ):
        response = actors.call("rival", "GET", path)
        assert response.status_code == 404, path
    assert actors.call("rival", "GET", "/v1/certificate-requests").json() == []
    assert (
        actors.call(
            "rival", "POST", f"/v1/declarations/{declaration_id}/determinations"
        ).status_code
        == 404
    )
    assert (
        actors.call(
            "rival", "POST", f"/v1/declarations/{declaration_id}/versions", json=declaration()
        ).status_code
        == 404
    )
    stolen = application(declaration_id)
    assert actors.call("rival", "POST", "/v1/certificate-requests", json=stolen).status_code == 400


@pytest.mark.parametrize(
    ("who", "method", "path_template", "allowed"),
    [
        ("acme", "POST", "/v1/certificate-requests/{request}/issue", False),
        ("customs", "POST", "/v1/certificate-requests/{request}/issue", False),
        ("ccpit", "POST", "/v1/certificate-requests/{request}/issue", True),
        ("acme", "POST", "/v1/certificates/{number}/status", False),
        ("customs", "POST", "/v1/certificates/{number}/status", False),
        ("ccpit", "POST", "/v1/certificates/{number}/status", True),
        ("customs", "POST", "/v1/declarations", False),
        ("ccpit", "POST", "/v1/declarations", False),
        ("customs", "GET", "/v1/certificate-requests", False),
        ("acme", "GET", "/v1/audit/verify", False),
        ("ccpit", "GET", "/v1/audit/verify", True),
        ("customs", "GET", "/v1/certificates/{number}", True),
        ("rival", "GET", "/v1/certificates/{number}", False),
        ("anonymous", "GET", "/v1/certificates/{number}", False),
        ("anonymous", "POST", "/v1/declarations", False),
    ],
)
def test_every_endpoint_enforces_its_roles(
    actors: Actors, who: str, method: str, path_template: str, allowed: bool
) -> None:
    number = issued_certificate(actors)
    declaration_id = submit(actors)
    request = actors.call(
        "acme", "POST", "/v1/certificate-requests", json=application(declaration_id)
    ).json()
    path = path_template.format(request=request["request_id"], number=number)
    body = (
        {"reason": "test"}
        if path.endswith("/status")
        else declaration()
        if path.endswith("/declarations")
        else None
    )
    response = actors.call(who, method, path, json=body)
    if allowed:
        assert response.status_code < 400, response.text
    else:
        assert response.status_code in (401, 403, 404), (response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_a_wrong_or_revoked_api_key_is_refused(actors: Actors) -> None:
    assert (
        actors.client.get(
            "/v1/certificate-requests", headers={"Authorization": "Bearer rk_nope.secret"}
        ).status_code
        == 401
    )
    tampered = actors.keys["acme"][:-2] + ("aa" if not actors.keys["acme"].endswith("aa") else "bb")
    assert (
        actors.client.get(
            "/v1/certificate-requests", headers={"Authorization": f"Bearer {tampered}"}
        ).status_code
        == 401
    )


# --- bad input and faults --------------------------------------------------------------------


def test_bad_input_is_a_problem_document_naming_the_field(actors: Actors) -> None:
    body = declaration()
    body["materials"][0]["value"]["amount"] = "-1"
    response = actors.call("acme", "POST", "/v1/declarations", json=body)
    assert (
        response.status_code == 400
        and response.headers["content-type"] == "application/problem+json"
    )
    assert response.json()["field"] == "materials[0].value.amount"
    unknown = application("x")
    unknown["colour"] = "red"
    response = actors.call("acme", "POST", "/v1/certificate-requests", json=unknown)
    assert response.status_code == 400 and response.json()["field"] == "colour"
    assert (
        actors.call(
            "acme",
            "POST",
            "/v1/declarations",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ).status_code
        == 400
    )


def test_an_oversized_body_is_refused_before_it_is_read(actors: Actors) -> None:
    response = actors.call(
        "acme",
        "POST",
        "/v1/declarations",
        content=b" " * (3 * 1024 * 1024),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["type"].endswith("too-large")


def test_a_database_that_goes_away_gives_503_and_loses_nothing_acknowledged(
    actors: Actors, database: Database
) -> None:
    declaration_id = submit(actors)
    from sqlalchemy.exc import OperationalError

    original = database.session

    def broken(**options: Any) -> Any:
        raise OperationalError(
            "SELECT 1", {}, Exception("server closed the connection unexpectedly")
        )

    database.session = broken  # type: ignore[method-assign]
    try:
        response = actors.call("acme", "POST", "/v1/declarations", json=declaration())
        assert (
            response.status_code == 503
            and response.headers["content-type"] == "application/problem+json"
        )
        assert response.headers["retry-after"]
    finally:
        database.session = original  # type: ignore[method-assign]
    assert actors.call("acme", "GET", f"/v1/declarations/{declaration_id}").status_code == 200


def test_a_crash_during_issuance_leaves_no_certificate_and_no_reserved_number(
    actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    declaration_id = submit(actors)
    request = actors.call(
        "acme", "POST", "/v1/certificate-requests", json=application(declaration_id)
    ).json()
    from rcep_origin.store import sql as store

    def crash(self: Any, issued: Any) -> None:
        raise RuntimeError("power cut while writing the certificate")

    monkeypatch.setattr(store.SqlRegistry, "save_issued", crash)
    with pytest.raises(RuntimeError):
        actors.call("ccpit", "POST", f"/v1/certificate-requests/{request['request_id']}/issue")
    monkeypatch.undo()
    assert (
        actors.call("acme", "GET", f"/v1/certificate-requests/{request['request_id']}").json()[
            "state"
        ]
        == "submitted"
    )
    issued = actors.call(
        "ccpit", "POST", f"/v1/certificate-requests/{request['request_id']}/issue"
    ).json()
    assert issued["certificate_number"].endswith("-000001"), (
        "the crashed attempt consumed no number"
    )


def test_the_audit_chain_covers_every_change_and_a_tampered_entry_is_pointed_at(
    actors: Actors, database: Database
) -> None:
    issued_certificate(actors)
    report = actors.call("ccpit", "GET", "/v1/audit/verify").json()
    assert report["intact"] and report["entries"] >= 3
    with database.session() as session:
        session.execute(text("UPDATE audit_log SET subject = 'forged' WHERE seq = 2"))
    report = actors.call("ccpit", "GET", "/v1/audit/verify").json()
    assert report == {**report, "intact": False, "first_broken": 2}


def test_a_change_is_acknowledged_only_after_it_is_committed(
    actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import SessionTransaction

    original = SessionTransaction.commit

    def failing_commit(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.nested:
            return original(self, *args, **kwargs)
        raise OperationalError("COMMIT", {}, Exception("connection lost during commit"))

    monkeypatch.setattr(SessionTransaction, "commit", failing_commit)
    response = actors.call("acme", "POST", "/v1/declarations", json=declaration())
    monkeypatch.undo()
    assert response.status_code == 503, "never 201 for a change that was not committed"
    assert actors.call("acme", "GET", "/v1/certificate-requests").status_code == 200


def test_a_prereview_run_returns_coded_findings_in_the_callers_language(actors: Actors) -> None:
    declaration_id = submit(actors)
    english = actors.call("acme", "POST", f"/v1/declarations/{declaration_id}/prereviews")
    assert english.status_code == 201
    review = english.json()["prereview"]
    assert review["verdict"] in ("pass", "warn") and all(
        f["code"].isupper() for f in review["findings"]
    )
    chinese = actors.call(
        "acme",
        "POST",
        f"/v1/declarations/{declaration_id}/prereviews",
        headers={"Accept-Language": "zh-CN"},
    ).json()
    messages = " ".join(f["message"] for f in chinese["prereview"]["findings"])
    assert not chinese["prereview"]["findings"] or any("\u4e00" <= c <= "\u9fff" for c in messages)
    assert (
        actors.call("rival", "POST", f"/v1/declarations/{declaration_id}/prereviews").status_code
        == 404
    )


def test_the_prereview_compares_an_exporters_declarations_but_never_anothers(
    actors: Actors,
) -> None:
    first = declaration()
    first["materials"][2]["part_number"] = "INS-7"
    submit(actors, body=first)
    second = declaration()
    second["materials"][2]["part_number"] = "INS-7"
    second["materials"][2]["hs_code"] = "3926.90"
    second_id = submit(actors, body=second)
    codes = [
        f["code"]
        for f in actors.call("acme", "POST", f"/v1/declarations/{second_id}/prereviews").json()[
            "prereview"
        ]["findings"]
    ]
    assert "HS_INCONSISTENT_ACROSS_BOMS" in codes
    rival_id = submit(actors, "rival", body=second)
    codes = [
        f["code"]
        for f in actors.call("rival", "POST", f"/v1/declarations/{rival_id}/prereviews").json()[
            "prereview"
        ]["findings"]
    ]
    assert "HS_INCONSISTENT_ACROSS_BOMS" not in codes, "another exporter's BOMs are never compared"


def test_an_approved_exporter_whose_prereview_rejects_waits_for_the_issuing_body(
    actors: Actors,
) -> None:
    body = declaration()
    body["production_steps"] = [
        {"description": "labelling and packing", "party": "CN", "minimal_operation": True}
    ]
    declaration_id = submit(actors, "fast", body=body)
    response = actors.call(
        "fast", "POST", "/v1/certificate-requests", json=application(declaration_id)
    ).json()
    assert response["state"] == "submitted" and "pre-review" in response["reason"]
    assert response["certificate_number"] is None
