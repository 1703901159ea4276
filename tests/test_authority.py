"""One issuing authority: the CLI and the service share one register, concurrent clients get
exactly-once answers, identities come from the account, issuing bodies act for their own Party,
and status lists grow. Run on SQLite and (when RCEP_ORIGIN_TEST_DATABASE_URL is set, as in CI)
PostgreSQL, against a real uvicorn server on the loopback interface for the concurrency cases."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from rcep_origin.api.app import create_app
from rcep_origin.api.settings import Settings
from rcep_origin.cli.main import app as cli
from rcep_origin.store import schema, sql
from rcep_origin.store.database import Database
from test_api import (  # the service fixtures: database (both backends), actors, helpers
    POSTGRES,
    Actors,
    actors,
    application,
    database,
    declaration,
    issued_certificate,
    submit,
)

__all__ = ["actors", "database"]  # fixtures used here, defined in test_api

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


# --- a real server on the loopback interface --------------------------------------------------


class LiveService:
    def __init__(self, actors: Actors, base: str):
        self.keys, self.base = actors.keys, base

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[who]}"} if who in self.keys else {}
        with httpx.Client(base_url=self.base, timeout=60) as client:
            return client.request(method, path, headers=headers, **kwargs)


@pytest.fixture
def live(actors: Actors) -> Iterator[LiveService]:
    """The app the ``actors`` fixture built, served by uvicorn in a thread: a real event loop
    and thread pool, as in production."""
    server = uvicorn.Server(
        uvicorn.Config(
            actors.client.app, host="127.0.0.1", port=0, lifespan="off", log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield LiveService(actors, f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)


def together(count: int, call: Any) -> list[httpx.Response]:
    """``count`` calls released at the same instant from as many threads."""
    barrier = threading.Barrier(count)

    def one(_: int) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def audit_intact(database: Database) -> None:
    with database.session() as session:
        report = sql.verify_audit_chain(session)
    assert report.intact, report.reason


# --- concurrency ----------------------------------------------------------------------------


def test_eight_concurrent_declarations_are_all_stored_and_the_service_keeps_answering(
    live: LiveService, database: Database
) -> None:
    started = time.monotonic()
    responses = together(
        8, lambda: live.call("acme", "POST", "/v1/declarations", json=declaration())
    )
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert time.monotonic() - started < 30, "within seconds, not after timeouts"
    assert len({r.json()["declaration_id"] for r in responses}) == 8
    assert live.call("anyone", "GET", "/healthz").status_code == 200
    audit_intact(database)


def test_ten_concurrent_issues_of_one_request_give_one_certificate_and_409_for_the_others(
    live: LiveService, database: Database
) -> None:
    declaration_id = live.call("acme", "POST", "/v1/declarations", json=declaration()).json()[
        "declaration_id"
    ]
    request_id = live.call(
        "acme", "POST", "/v1/certificate-requests", json=application(declaration_id)
    ).json()["request_id"]
    responses = together(
        10, lambda: live.call("ccpit", "POST", f"/v1/certificate-requests/{request_id}/issue")
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 9}, [r.text for r in responses]
    losers = [r.json() for r in responses if r.status_code == 409]
    assert all(p["type"].endswith("/request-decided") for p in losers), losers
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert {p["certificate_number"] for p in losers} == {winner["certificate_number"]}
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(schema.CertificateRow)) == 1
    audit_intact(database)


def test_concurrent_issues_of_different_requests_get_unique_gap_free_numbers(
    live: LiveService, database: Database
) -> None:
    requests = []
    for _ in range(6):
        declaration_id = submit_live(live)
        requests.append(
            live.call(
                "acme", "POST", "/v1/certificate-requests", json=application(declaration_id)
            ).json()["request_id"]
        )
    pending = iter(requests)
    lock = threading.Lock()

    def issue_next() -> httpx.Response:
        with lock:
            request_id = next(pending)
        return live.call("ccpit", "POST", f"/v1/certificate-requests/{request_id}/issue")

    responses = together(6, issue_next)
    assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
    numbers = sorted(int(r.json()["certificate_number"].rsplit("-", 1)[1]) for r in responses)
    assert numbers == list(range(1, 7)), "unique and without gaps"
    audit_intact(database)


def submit_live(live: LiveService) -> str:
    response = live.call("acme", "POST", "/v1/declarations", json=declaration())
    assert response.status_code == 201, response.text
    return str(response.json()["declaration_id"])


@pytest.mark.skipif(not POSTGRES, reason="needs RCEP_ORIGIN_TEST_DATABASE_URL (CI sets it)")
def test_a_lock_held_too_long_is_a_409_conflict_not_an_outage(
    tmp_path: Path, actors: Actors, database: Database
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("the PostgreSQL variant of the fixture")
    authority = actors.client.app.state.authority
    assert POSTGRES is not None
    impatient = Database(
        POSTGRES, connect_args={"options": f"-c lock_timeout=300 {_search_path(database)}"}
    )
    authority.database = impatient
    try:
        submit(actors)  # the audit counter exists
        with database.engine.connect() as holder, holder.begin():
            holder.execute(text("SELECT value FROM sequences WHERE name = 'audit' FOR UPDATE"))
            response = actors.call("acme", "POST", "/v1/declarations", json=declaration())
        assert response.status_code == 409, response.text
        assert response.json()["type"].endswith("/concurrent-update")
        assert response.headers["retry-after"]
    finally:
        authority.database = database
        impatient.dispose()


def _search_path(database: Database) -> str:
    with database.engine.connect() as connection:
        return f"-csearch_path={connection.execute(text('SHOW search_path')).scalar()}"


def test_a_database_that_accepts_connections_but_never_answers_fails_healthz_in_seconds(
    tmp_path: Path,
) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts (the kernel completes the handshake), never says a word
    port = silent.getsockname()[1]
    home = _issuer_home(tmp_path)
    database = Database(
        f"postgresql://nobody@127.0.0.1:{port}/test", connect_args={"connect_timeout": 2}
    )
    try:
        app = create_app(Settings(issuer_home=home, migrate=False), database=database)
        from fastapi.testclient import TestClient

        with TestClient(app) as client:
            started = time.monotonic()
            response = client.get("/healthz")
            assert response.status_code == 503, response.text
            assert time.monotonic() - started < 15
    finally:
        database.dispose()
        silent.close()


def test_healthz_fails_on_an_unmigrated_database(tmp_path: Path) -> None:
    home = _issuer_home(tmp_path)
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    app = create_app(Settings(issuer_home=home, migrate=False), database=database)
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["type"].endswith("/database-not-ready")
    assert "db upgrade" in response.json()["detail"]


def _issuer_home(tmp_path: Path) -> Path:
    home = tmp_path / "issuer"
    result = runner.invoke(
        cli,
        [
            "keys",
            "create",
            "--home",
            str(home),
            "--did",
            "did:web:co.example.cn",
            "--name",
            "CCPIT Suzhou",
            "--country",
            "CN",
        ],
    )
    assert result.exit_code == 0, result.output
    return home


# --- identity and Party ---------------------------------------------------------------------


def test_an_approved_exporter_cannot_obtain_a_certificate_naming_another_exporter(
    actors: Actors,
) -> None:
    declaration_id = submit(actors, "fast")
    for exporter in (
        {"name": "Acme", "address": "Acme Building, Suzhou", "country": "CN"},
        {"name": "Fast", "address": "Fast Building, Suzhou", "country": "JP"},
        {"name": "Fast", "address": "Elsewhere 1, Suzhou", "country": "CN"},
    ):
        body = {**application(declaration_id), "exporter": exporter}
        response = actors.call("fast", "POST", "/v1/certificate-requests", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith("/identity-mismatch")
    stated = {"name": "Fast", "address": "Fast Building, Suzhou", "country": "CN"}
    issued = actors.call(
        "fast",
        "POST",
        "/v1/certificate-requests",
        json={**application(declaration_id), "exporter": stated},
    ).json()
    assert issued["state"] == "issued"
    exporter = issued["credential"]["credentialSubject"]["exporter"]
    assert (exporter["name"], exporter["country"]) == ("Fast", "CN")


def test_the_importer_must_be_in_the_importing_party_of_the_declaration(actors: Actors) -> None:
    declaration_id = submit(actors)
    body = application(declaration_id)
    body["importer"]["country"] = "VN"
    response = actors.call("acme", "POST", "/v1/certificate-requests", json=body)
    assert response.status_code == 422 and response.json()["field"] == "importer.country"


def test_a_certificate_names_the_exporters_registered_identity(actors: Actors) -> None:
    number = issued_certificate(actors)
    credential = actors.call("acme", "GET", f"/v1/certificates/{number}").json()["credential"]
    exporter = credential["credentialSubject"]["exporter"]
    assert exporter == {
        **exporter,
        "name": "Acme",
        "address": "Acme Building, Suzhou",
        "country": "CN",
    }


def test_an_issuing_body_of_another_party_neither_reads_nor_decides_nor_revokes(
    actors: Actors, database: Database
) -> None:
    with database.session() as session:
        sql.create_organisation(session, id="jp-body", name="JCCI", role="issuing_body", party="JP")
        actors.keys["jp-body"] = sql.create_api_key(session, "jp-body")
    number = issued_certificate(actors)
    declaration_id = submit(actors)
    request_id = actors.call(
        "acme", "POST", "/v1/certificate-requests", json=application(declaration_id)
    ).json()["request_id"]
    assert actors.call("jp-body", "GET", f"/v1/declarations/{declaration_id}").status_code == 404
    assert actors.call("jp-body", "GET", "/v1/certificate-requests").status_code == 403
    assert (
        actors.call("jp-body", "POST", f"/v1/certificate-requests/{request_id}/issue").status_code
        == 403
    )
    revoke = actors.call(
        "jp-body", "POST", f"/v1/certificates/{number}/status", json={"reason": "not ours"}
    )
    assert revoke.status_code == 403
    assert actors.call("anyone", "GET", f"/verify/{number}").json()["verdict"] == "valid"
    # The issuing body of the exporting Party still reads what it must decide.
    assert actors.call("ccpit", "GET", f"/v1/declarations/{declaration_id}").status_code == 200


# --- status ---------------------------------------------------------------------------------


def test_a_revoked_certificate_cannot_be_reinstated_or_suspended(actors: Actors) -> None:
    number = issued_certificate(actors)
    path = f"/v1/certificates/{number}/status"
    suspend = {"purpose": "suspension", "reason": "query"}
    reinstate = {"purpose": "suspension", "flagged": False, "reason": "cleared"}
    assert actors.call("ccpit", "POST", path, json=reinstate).status_code == 409  # not suspended
    assert actors.call("ccpit", "POST", path, json=suspend).status_code == 200
    assert actors.call("ccpit", "POST", path, json=suspend).status_code == 409  # already
    assert actors.call("ccpit", "POST", path, json=reinstate).status_code == 200
    assert actors.call("ccpit", "POST", path, json={"reason": "fraud"}).status_code == 200
    for change in (reinstate, suspend, {"reason": "again"}):
        response = actors.call("ccpit", "POST", path, json=change)
        assert response.status_code == 409 and response.json()["type"].endswith(
            "/status-unchanged"
        ), change
    assert actors.call("anyone", "GET", f"/verify/{number}").json()["verdict"] == "invalid"


def test_status_lists_grow_past_the_end_of_a_small_list(
    tmp_path: Path, actors: Actors, database: Database
) -> None:
    actors.client.app.state.authority.status_capacity = 3
    numbers = [issued_certificate(actors) for _ in range(7)]
    entries: dict[str, set[int]] = {}
    for number in numbers:
        credential = actors.call("acme", "GET", f"/v1/certificates/{number}").json()["credential"]
        for entry in credential["credentialStatus"]:
            if entry["statusPurpose"] == "revocation":
                list_id = entry["statusListCredential"].rsplit("/", 1)[1]
                entries.setdefault(list_id, set()).add(int(entry["statusListIndex"]))
    assert sorted(entries) == ["revocation-1", "revocation-2", "revocation-3"]
    assert [len(v) for _, v in sorted(entries.items())] == [3, 3, 1]
    assert all(index < 3 for indexes in entries.values() for index in indexes)
    last = numbers[-1]
    assert (
        actors.call(
            "ccpit", "POST", f"/v1/certificates/{last}/status", json={"reason": "x"}
        ).status_code
        == 200
    )
    verdicts = [actors.call("anyone", "GET", f"/verify/{n}").json()["verdict"] for n in numbers]
    assert verdicts == ["valid"] * 6 + ["invalid"]


# --- the CLI and the service on one home ----------------------------------------------------


def _cli(*args: str) -> Any:
    result = runner.invoke(cli, list(args))
    return result


def test_the_cli_and_the_service_on_one_home_share_one_register(tmp_path: Path) -> None:
    home = _issuer_home(tmp_path)
    out = tmp_path / "out"
    issued = _cli(
        "certificate",
        "issue",
        str(ROOT / "examples" / "certificate-request.yaml"),
        "--home",
        str(home),
        "--out",
        str(out),
    )
    assert issued.exit_code == 0, issued.output
    first = issued.output.split()[1].rstrip(":")
    exporter_key = _cli(
        "orgs",
        "create",
        "acme",
        "--home",
        str(home),
        "--name",
        "Suzhou Precision Panels Co., Ltd.",
        "--address",
        "88 Xinghu Street, Suzhou",
        "--role",
        "exporter",
        "--party",
        "CN",
    )
    assert exporter_key.exit_code == 0, exporter_key.output
    body_key = _cli(
        "orgs",
        "create",
        "ccpit",
        "--home",
        str(home),
        "--name",
        "CCPIT Suzhou",
        "--role",
        "issuing_body",
        "--party",
        "CN",
    )
    keys = {"acme": exporter_key.output.strip(), "ccpit": body_key.output.strip()}

    app = create_app(Settings(issuer_home=home))
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        service = Actors(client, keys)
        second = issued_certificate(service)
        assert (first, second) == ("CN-2026-000001", "CN-2026-000002") or (
            first.endswith("-000001") and second.endswith("-000002")
        ), "one number sequence"
        # A revocation made with the CLI is seen by the service's online check ...
        assert _cli("certificate", "revoke", first, "--home", str(home)).exit_code == 0
        assert client.get(f"/verify/{first}").json()["verdict"] == "invalid"
        # ... and one made through the service by the CLI's verification.
        assert (
            service.call(
                "ccpit", "POST", f"/v1/certificates/{second}/status", json={"reason": "x"}
            ).status_code
            == 200
        )
        (out / "second.json").write_text(
            json.dumps(
                service.call("acme", "GET", f"/v1/certificates/{second}").json()["credential"]
            )
        )
        verified = _cli(
            "certificate", "verify", str(out / "second.json"), "--home", str(home), "--json"
        )
        assert verified.exit_code == 1 and "revoked" in verified.output
        # The CLI's PDF links to the page the service serves for that number.
        assert client.get(f"/verify/{first}", headers={"accept": "text/html"}).status_code == 200
    reinstated = _cli("certificate", "revoke", first, "--home", str(home), "--reinstate")
    assert reinstated.exit_code == 1 and "final" in reinstated.output
    audit = _cli("audit", "verify", "--home", str(home))
    assert audit.exit_code == 0 and json.loads(audit.output)["intact"], audit.output
    assert json.loads(audit.output)["entries"] >= 6


def test_a_file_based_home_is_migrated_by_a_command_and_numbering_continues(
    tmp_path: Path,
) -> None:
    home = _issuer_home(tmp_path)
    issued = _cli(
        "certificate",
        "issue",
        str(ROOT / "examples" / "certificate-request.yaml"),
        "--home",
        str(home),
        "--out",
        str(tmp_path / "out"),
    )
    assert issued.exit_code == 0, issued.output
    number = issued.output.split()[1].rstrip(":")
    # Turn the home into the file layout of before: certificates/, status/, state.json.
    database = Database(f"sqlite:///{home / 'rcep-origin.db'}")
    with database.session() as session:
        row = session.get(schema.CertificateRow, number)
        assert row is not None
        folder = home / "certificates" / number
        folder.mkdir(parents=True)
        (folder / "credential.json").write_text(json.dumps(row.credential))
        (folder / "credential.jwt").write_text(row.jwt)
        (folder / "certificate.xml").write_bytes(row.xml or b"")
        (home / "status").mkdir()
        reserved: dict[str, list[int]] = {}
        for listing in session.scalars(select(schema.StatusListRow)):
            (home / "status" / f"{listing.list_id}.bits").write_bytes(listing.bits)
            (home / "status" / f"{listing.list_id}.json").write_text(json.dumps(listing.credential))
        for entry in session.scalars(select(schema.StatusIndex)):
            reserved.setdefault(entry.list_id, []).append(entry.index)
        year = number.split("-")[1]
        (home / "state.json").write_text(json.dumps({"sequences": {year: 1}, "reserved": reserved}))
    database.dispose()
    (home / "rcep-origin.db").unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{home / 'rcep-origin.db'}{suffix}").unlink(missing_ok=True)

    refused = _cli(
        "certificate",
        "issue",
        str(ROOT / "examples" / "certificate-request.yaml"),
        "--home",
        str(home),
    )
    assert refused.exit_code == 3 and "home migrate" in refused.output
    migrated = _cli("home", "migrate", "--home", str(home))
    assert migrated.exit_code == 0, migrated.output
    report = json.loads(migrated.output)
    assert report["certificates"] == 1 and report["status_lists"] == 2
    assert not (home / "certificates").exists() and Path(report["moved_to"]).is_dir()
    again = _cli(
        "certificate",
        "issue",
        str(ROOT / "examples" / "certificate-request.yaml"),
        "--home",
        str(home),
    )
    assert again.exit_code == 0 and again.output.split()[1].endswith("-000002:"), again.output
    verified = _cli(
        "certificate",
        "verify",
        str(tmp_path / "out" / f"{number}.json"),
        "--home",
        str(home),
        "--json",
    )
    assert verified.exit_code == 0, verified.output
    assert _cli("certificate", "revoke", number, "--home", str(home)).exit_code == 0


def test_after_a_key_is_revoked_the_status_lists_are_signed_again_with_the_new_key(
    tmp_path: Path,
) -> None:
    home = _issuer_home(tmp_path)
    out = tmp_path / "out"
    issued = _cli("certificate", "issue", str(ROOT / "examples" / "certificate-request.yaml"), "--home", str(home), "--out", str(out))  # fmt: skip
    number = issued.output.split()[1].rstrip(":")
    time.sleep(1.1)  # lifetimes are kept to the second
    old = json.loads((home / "keys" / "keys.json").read_text())["keys"][0]["kid"]
    assert _cli("keys", "revoke", old, "--home", str(home)).exit_code == 0
    # No current key yet: the lists stay as the old key signed them before its revocation.
    assert (
        _cli("certificate", "verify", str(out / f"{number}.json"), "--home", str(home)).exit_code
        == 0
    )
    assert _cli("keys", "create", "--home", str(home)).exit_code == 0
    database = Database(f"sqlite:///{home / 'rcep-origin.db'}")
    with database.session() as session:
        signers = {
            row.credential["proof"]["verificationMethod"]
            for row in session.scalars(select(schema.StatusListRow))
        }
    database.dispose()
    assert signers and not any(s.endswith(f"#{old}") for s in signers), signers
    verified = _cli("certificate", "verify", str(out / f"{number}.json"), "--home", str(home), "--json")  # fmt: skip
    assert verified.exit_code == 0, verified.output
    assert _cli("certificate", "revoke", number, "--home", str(home)).exit_code == 0
    assert (
        _cli("certificate", "verify", str(out / f"{number}.json"), "--home", str(home)).exit_code
        == 1
    )


def test_a_good_whose_rule_is_not_in_the_rule_set_is_refused_as_undecidable(
    actors: Actors,
) -> None:
    """The catalogue's gap is not the exporter's fault: 'undecidable', not 'not originating'."""
    lathe = json.loads((ROOT / "tests" / "data" / "golden-cnc-lathe.json").read_text())
    declaration_id = submit(actors, body=lathe)
    request_id = actors.call(
        "acme", "POST", "/v1/certificate-requests", json=application(declaration_id)
    ).json()["request_id"]
    refused = actors.call("ccpit", "POST", f"/v1/certificate-requests/{request_id}/issue")
    assert refused.status_code == 422 and refused.json()["type"].endswith("/undecidable")
    assert "undecidable" in refused.json()["detail"]
