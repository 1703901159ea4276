"""Faults injected into a running service (issue 18): the server killed with SIGKILL in the
middle of concurrent issuances and revocations, and a database whose network path starts
swallowing packets. Afterwards every invariant is checked: one certificate per request, unique
gap-free numbers, no half-written certificate, status bits and audit log in agreement, the
audit chain intact, and every certificate still verifying."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select as sql_select
from sqlalchemy import text

from rcep_origin.store import schema, sql
from rcep_origin.store.database import Database

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "rcep-origin")
POSTGRES = os.environ.get("RCEP_ORIGIN_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES else [])
DECLARATION = json.loads((ROOT / "examples" / "control-panel-parts.json").read_text())
APPLICATION = {
    "importer": {"name": "Siam Automation", "address": "99 Rama IV Road", "country": "TH"},
    "consignment": {"departure_date": "2030-01-15", "transport": "MV Pacific Star", "port_of_discharge": "Laem Chabang"},
    "items": [{"quantity": {"value": "1", "unit": "PCE"}, "invoice": {"number": "I-1", "date": "2026-11-18"}}],
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout.strip()


class Service:
    """``rcep-origin serve`` in its own process, restartable, killable."""

    def __init__(self, home: Path, url: str):
        self.home, self.url = home, url
        self.env = {**os.environ, "RCEP_ORIGIN_DATABASE_URL": url, "RCEP_ORIGIN_PUBLIC_RATE": "0"}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [CLI, "serve", "--home", str(self.home), "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the service did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def call(self, key: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"}
        return httpx.request(method, self.base + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture(params=BACKENDS)
def service(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Service, dict[str, str]]]:
    home = tmp_path / "issuer"
    if request.param == "sqlite":
        url = f"sqlite:///{home / 'rcep-origin.db'}"
        cleanup = None
    else:
        assert POSTGRES is not None
        name = "f_" + uuid.uuid4().hex[:10]
        admin = Database(POSTGRES)
        with admin.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        separator = "&" if "?" in POSTGRES else "?"
        url = f"{POSTGRES}{separator}options=-csearch_path%3D{name}"
        cleanup = (admin, name)
    env = {**os.environ, "RCEP_ORIGIN_DATABASE_URL": url}
    run("keys", "create", "--home", str(home), "--did", "did:web:co.example.cn", "--name", "CCPIT", "--country", "CN", env=env)  # fmt: skip
    keys = {
        "acme": run("orgs", "create", "acme", "--home", str(home), "--name", "Acme", "--address", "Suzhou", "--role", "exporter", "--party", "CN", env=env),
        "ccpit": run("orgs", "create", "ccpit", "--home", str(home), "--name", "CCPIT", "--role", "issuing_body", "--party", "CN", env=env),
    }  # fmt: skip
    running = Service(home, url)
    running.start()
    yield running, keys
    if running.process is not None and running.process.poll() is None:
        running.process.terminate()
        running.process.wait(timeout=20)
    if cleanup is not None:
        admin, name = cleanup
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def _requests(running: Service, keys: dict[str, str], count: int) -> list[str]:
    created = running.call(keys["acme"], "POST", "/v1/declarations", json=DECLARATION).json()
    body = {
        **APPLICATION,
        "items": [{**APPLICATION["items"][0], "declaration_id": created["declaration_id"]}],
    }
    return [
        running.call(keys["acme"], "POST", "/v1/certificate-requests", json=body).json()[
            "request_id"
        ]
        for _ in range(count)
    ]


def _burst(calls: list[Any], kill_after: float, running: Service) -> None:
    """Fire ``calls`` from threads and kill the server with SIGKILL while they run."""

    def attempt(call: Any) -> None:
        with contextlib.suppress(httpx.TransportError):  # the server died under it: the point
            call()

    with ThreadPoolExecutor(4) as pool:
        for call in calls:
            pool.submit(attempt, call)
        time.sleep(kill_after)
        running.kill()


def _invariants(url: str, home: Path) -> dict[str, int]:
    database = Database(url)
    try:
        with database.session() as session:
            report = sql.verify_audit_chain(session)
            assert report.intact, report.reason
            certificates = session.scalars(sql_select(schema.CertificateRow)).all()
            requests = session.scalars(sql_select(schema.CertificateRequestRow)).all()
            by_request: dict[str, list[str]] = {}
            for row in certificates:
                by_request.setdefault(str(row.request_id), []).append(row.number)
                assert row.credential and row.jwt and row.xml, f"{row.number} is half-written"
            for row in requests:
                issued = by_request.get(row.id, [])
                if row.state == "issued":
                    assert issued == [row.certificate_number], (row.id, issued)
                else:
                    assert issued == [], (row.id, row.state, issued)
            numbers = sorted(int(r.number.rsplit("-", 1)[1]) for r in certificates)
            assert numbers == list(range(1, len(numbers) + 1)), f"gaps or duplicates: {numbers}"
            audited = {
                e.subject
                for e in session.scalars(sql_select(schema.AuditEntry))
                if e.action == "certificate.revocation"
            }
            registry = sql.SqlRegistry(session)
            revoked = set()
            for row in certificates:
                entry = next(
                    e for e in registry.issued(row.number).status if e.purpose == "revocation"
                )  # type: ignore[union-attr]
                listing = registry.status_list_credential(entry.list_url)
                from rcep_origin.certificates.status_list import Bitstring

                assert listing is not None
                bits = Bitstring.decode(listing["credentialSubject"]["encodedList"])
                if bits.get(entry.index):
                    revoked.add(row.number)
            assert revoked == audited, "the signed list and the audit log disagree"
            return {
                "certificates": len(certificates),
                "revoked": len(revoked),
                "audit": report.entries,
            }
    finally:
        database.dispose()


def test_sigkill_during_concurrent_issuance_and_revocation_loses_and_duplicates_nothing(
    service: tuple[Service, dict[str, str]],
) -> None:
    running, keys = service
    seen = {}
    for round_number, delay in enumerate((0.15, 0.4, 0.8)):
        pending = _requests(running, keys, 12)
        issue = [
            lambda r=r: running.call(keys["ccpit"], "POST", f"/v1/certificate-requests/{r}/issue")
            for r in pending for _ in range(2)  # each request twice: exactly once still holds
        ]  # fmt: skip
        _burst(issue, delay, running)
        seen = _invariants(running.url, running.home)
        running.start()
        numbers = [
            r["certificate_number"]
            for r in running.call(
                keys["ccpit"], "GET", "/v1/certificate-requests?state=issued"
            ).json()
        ]
        revoke = [
            lambda n=n, why=f"round {round_number}": running.call(keys["ccpit"], "POST", f"/v1/certificates/{n}/status", json={"reason": why})
            for n in numbers
        ]  # fmt: skip
        _burst(revoke, delay / 2, running)
        seen = _invariants(running.url, running.home)
        running.start()
    assert seen["certificates"] > 0 and seen["revoked"] > 0, seen
    for row in running.call(keys["ccpit"], "GET", "/v1/certificate-requests?state=issued").json():
        report = running.call(keys["ccpit"], "GET", f"/verify/{row['certificate_number']}").json()
        assert report["checks"][2]["result"] == "pass", report  # the signature holds after crashes


class BlackHole:
    """A TCP proxy to PostgreSQL that can start swallowing everything it is sent."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.swallow = target, False
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        ends = [client, upstream]
        while True:
            ready, _, _ = select.select(ends, [], [], 0.5)
            for end in ready:
                data = end.recv(65536)
                if not data:
                    return
                if not self.swallow:
                    (upstream if end is client else client).sendall(data)


@pytest.mark.skipif(not POSTGRES, reason="needs RCEP_ORIGIN_TEST_DATABASE_URL (CI sets it)")
def test_a_database_path_that_swallows_packets_gives_503_within_the_deadline(
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy.engine import make_url

    from rcep_origin.api.app import create_app
    from rcep_origin.api.settings import Settings

    assert POSTGRES is not None
    target = make_url(POSTGRES)
    hole = BlackHole((target.host or "127.0.0.1", target.port or 5432))
    proxied = target.set(host="127.0.0.1", port=hole.port).render_as_string(hide_password=False)
    home = tmp_path / "issuer"
    run("keys", "create", "--home", str(home), "--did", "did:web:co.example.cn", "--name", "X", "--country", "CN", env={**os.environ, "RCEP_ORIGIN_DATABASE_URL": ""})  # fmt: skip
    name = "b_" + uuid.uuid4().hex[:10]
    database = Database(
        proxied,
        deadline_seconds=2,
        connect_args={"connect_timeout": 2, "options": f"-csearch_path={name}"},
    )
    with database.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        app = create_app(Settings(issuer_home=home), database=database)
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            hole.swallow = True
            started = time.monotonic()
            response = client.get("/healthz")
            took = time.monotonic() - started
            assert response.status_code == 503, response.text
            assert took < 10, f"{took:.1f} s: the deadline (2 s) plus a reconnect (2 s)"
            hole.swallow = False
            assert client.get("/healthz").status_code == 200, "the service recovers by itself"
    finally:
        with database.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        database.dispose()
