"""Hostile input and faults (issue 18), each finding as a test that failed before: bodies that
hide their size, numbers without bounds, parsers driven to 500, repeated keys, replayed keys,
defects that were not logged, databases that are empty or corrupt, and scripts hammering the
public verification endpoints."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, Counter, Histogram

from rcep_origin.api.app import create_app
from rcep_origin.api.guard import Guard, TokenBuckets
from rcep_origin.api.settings import Settings
from rcep_origin.store.database import Database
from test_api import Actors, actors, application, database, declaration, submit

__all__ = ["actors", "database"]


# --- bodies that hide their size ------------------------------------------------------------


def test_a_chunked_body_is_refused_whatever_the_case_of_the_header(actors: Actors) -> None:
    for encoding in ("chunked", "Chunked", "CHUNKED", "gzip, chunked"):
        response = actors.call(
            "anyone",
            "POST",
            "/verify",
            content=iter([b"{}"]),
            headers={"Transfer-Encoding": encoding, "Content-Type": "application/json"},
        )
        assert response.status_code == 411, (encoding, response.status_code)


def _guarded(limit: int) -> Guard:
    async def endpoint(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:  # reads to the end, as a handler would
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})

    registry = CollectorRegistry()
    settings = Settings(max_body_bytes=limit, max_upload_bytes=limit, public_rate_per_second=0)
    return Guard(
        endpoint,
        settings=settings,
        requests=Counter("r", "r", ["method", "route", "status"], registry=registry),
        latency=Histogram("l", "l", ["method", "route"], registry=registry),
    )


def test_a_body_that_streams_past_the_limit_is_cut_off_while_it_is_read() -> None:
    """No Content-Length, no Transfer-Encoding the guard could see: it counts what arrives."""
    from starlette.exceptions import HTTPException

    chunks = [{"type": "http.request", "body": b"x" * 1024, "more_body": True}] * 100
    sent: list[Any] = []

    async def receive() -> Any:
        return chunks.pop() if chunks else {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/verify", "headers": []}
    with pytest.raises(HTTPException) as refused:
        asyncio.run(_guarded(10 * 1024)(scope, receive, send))
    assert refused.value.status_code == 413
    assert len(chunks) > 80, "stopped reading soon after the limit, not at the end"


# --- numbers without bounds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("fob_value.amount", "1e999999"),
        ("fob_value.amount", "1e-999999"),
        ("fob_value.amount", "12345678901234567890"),
        ("materials[0].value.amount", "1E+400"),
    ],
)
def test_an_amount_outside_the_input_policy_is_refused_naming_the_field(
    actors: Actors, path: str, value: str
) -> None:
    body = declaration()
    if path.startswith("fob"):
        body["fob_value"]["amount"] = value
    else:
        body["materials"][0]["value"]["amount"] = value
    response = actors.call("acme", "POST", "/v1/declarations", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == path


def test_a_quantity_of_a_hundred_million_digits_is_refused(actors: Actors) -> None:
    body = application(submit(actors))
    body["items"][0]["quantity"]["value"] = "1e99999999"
    response = actors.call("acme", "POST", "/v1/certificate-requests", json=body)
    assert response.status_code == 400 and response.json()["field"].endswith("quantity.value")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"fob_value": ' + b"9" * 5000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": NaN}',
    ],
    ids=["5000-digit integer", "nested 100,000 deep", "NaN"],
)
def test_parsers_driven_to_their_limits_answer_400_not_500(actors: Actors, raw: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    declared = actors.call("acme", "POST", "/v1/declarations", content=raw, headers=headers)
    assert declared.status_code == 400, declared.text
    verified = actors.call("anyone", "POST", "/verify", content=raw, headers=headers)
    assert verified.status_code == 200 and verified.json()["verdict"] == "invalid"
    applied = actors.call("acme", "POST", "/v1/certificate-requests", content=raw, headers=headers)
    assert applied.status_code == 400, applied.text


def test_an_identifier_out_of_any_integer_range_is_not_found(actors: Actors) -> None:
    declaration_id = submit(actors)
    for version in (2**31, 2**63, 10**40):
        response = actors.call(
            "acme", "GET", f"/v1/declarations/{declaration_id}/versions/{version}"
        )
        assert response.status_code == 404, (version, response.text)


# --- repeated keys, replayed keys -------------------------------------------------------------


def test_a_repeated_json_key_is_refused_by_the_api_as_by_the_cli(actors: Actors) -> None:
    text = json.dumps(declaration())
    doubled = text.replace(
        '"exporting_party": "CN"', '"exporting_party": "CN", "exporting_party": "KR"'
    )
    assert doubled != text
    response = actors.call(
        "acme",
        "POST",
        "/v1/declarations",
        content=doubled,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "twice" in response.json()["detail"]
    body = json.dumps(application(submit(actors)))
    doubled = body.replace('"items":', '"retroactive": false, "retroactive": true, "items":')
    response = actors.call(
        "acme",
        "POST",
        "/v1/certificate-requests",
        content=doubled,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "twice" in response.json()["detail"], response.text


def test_an_idempotency_key_covers_the_query_string(actors: Actors) -> None:
    declaration_id = submit(actors)
    actors.call("acme", "POST", f"/v1/declarations/{declaration_id}/versions", json=declaration())
    path = f"/v1/declarations/{declaration_id}/determinations"
    key = {"Idempotency-Key": "run-once"}
    first = actors.call("acme", "POST", f"{path}?version=1", headers=key)
    assert first.status_code == 201 and first.json()["version"] == 1
    other = actors.call("acme", "POST", f"{path}?version=2", headers=key)
    assert other.status_code == 409 and other.json()["type"].endswith("/idempotency-key-reused")


def test_an_empty_idempotency_key_is_bad_input(actors: Actors) -> None:
    response = actors.call(
        "acme", "POST", "/v1/declarations", json=declaration(), headers={"Idempotency-Key": " "}
    )
    assert response.status_code == 400


def test_a_junk_x_api_key_does_not_beat_a_valid_bearer_key(actors: Actors) -> None:
    response = actors.call(
        "acme", "GET", "/v1/certificate-requests", headers={"X-Api-Key": "rk_junk.junk"}
    )
    assert response.status_code == 200


# --- defects, timestamps, databases -------------------------------------------------------------


def test_a_defect_is_a_500_problem_with_a_request_id_and_its_traceback_is_logged(
    database: Database,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rcep_origin.authority import Authority

    def broken(self: Any, number: str) -> Any:
        raise ZeroDivisionError("a defect")

    monkeypatch.setattr(Authority, "verify_number", broken)
    home = _home(tmp_path)
    app = create_app(Settings(issuer_home=home, database_url=database.url), database=database)
    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        response = client.get("/verify/CN-2026-000001")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    request_id = response.headers["x-request-id"]
    assert response.json()["request_id"] == request_id
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert logged and logged[0].fields["request_id"] == request_id  # type: ignore[attr-defined]


def _home(tmp_path: Path) -> Path:
    from typer.testing import CliRunner

    from rcep_origin.cli.main import app

    home = tmp_path / "issuer"
    result = CliRunner().invoke(
        app,
        [
            "keys",
            "create",
            "--home",
            str(home),
            "--did",
            "did:web:co.example.cn",
            "--name",
            "X",
            "--country",
            "CN",
        ],
    )
    assert result.exit_code == 0, result.output
    return home


def test_every_timestamp_carries_its_offset(actors: Actors) -> None:
    request = actors.call(
        "acme", "POST", "/v1/certificate-requests", json=application(submit(actors))
    ).json()
    issued = actors.call(
        "ccpit", "POST", f"/v1/certificate-requests/{request['request_id']}/issue"
    ).json()
    for stamp in (request["created"], issued["created"], issued["decided"]):
        assert stamp.endswith(("Z", "+00:00")), stamp


def test_healthz_fails_on_a_corrupt_database(tmp_path: Path) -> None:
    home = _home(tmp_path)
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\xde\xad" * 4096)
    database = Database(f"sqlite:///{corrupt}")
    app = create_app(Settings(issuer_home=home, migrate=False), database=database)
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503, response.text
    database.dispose()


# --- rate limits ------------------------------------------------------------------------------


def test_the_public_verification_endpoints_are_rate_limited_per_address(
    database: Database, tmp_path: Path
) -> None:
    home = _home(tmp_path)
    settings = Settings(
        issuer_home=home, database_url=database.url, public_rate_per_second=1, public_burst=5
    )
    app = create_app(settings, database=database)
    with TestClient(app) as client:
        statuses = [client.get("/verify/CN-2026-000001").status_code for _ in range(8)]
        assert statuses[:5] == [404] * 5 and statuses[5:] == [429] * 3, statuses
        refused = client.get("/verify/CN-2026-000001")
        assert refused.headers["retry-after"] and refused.json()["type"].endswith("/rate-limited")
        assert client.get("/healthz").status_code == 200, "only verification is limited"


def test_a_token_bucket_refills_at_its_rate() -> None:
    buckets = TokenBuckets(rate=2, burst=2)
    assert [buckets.take("a", 0.0) for _ in range(3)][:2] == [0.0, 0.0]
    assert buckets.take("a", 0.0) > 0 and buckets.take("b", 0.0) == 0.0
    assert buckets.take("a", 1.0) == 0.0
