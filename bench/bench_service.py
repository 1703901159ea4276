"""The service under load on this machine (loopback): verification requests per second with
p50/p99 latency, and issuance throughput, with the service on SQLite and on PostgreSQL.

The service runs as `uvicorn` in a subprocess (one worker, one core); the load comes from this
process on the other core, with keep-alive connections, or from `wrk` when it is installed.
Not a pass/fail test.

    .venv/bin/python bench/bench_service.py [--seconds 10] [--postgres URL]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text

from rcep_origin.certificates.issuer import IssuerProfile
from rcep_origin.certificates.model import Signatory
from rcep_origin.store import sql
from rcep_origin.store.database import Database
from rcep_origin.store.keystore import FileKeystore

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    key: str | None = None,
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    connection.request(
        method, path, body=None if body is None else json.dumps(body), headers=headers
    )
    response = connection.getresponse()
    data = response.read()
    return response.status, json.loads(data) if data else None


def prepare(url: str, home: Path, port: int) -> tuple[Database, dict[str, str]]:
    keystore = FileKeystore(home)
    base = f"http://127.0.0.1:{port}"
    keystore.save_profile(
        IssuerProfile(
            did="did:web:co.example.cn",
            name="CCPIT Suzhou",
            country="CN",
            signatory=Signatory(name="Li Wei", position="Officer"),
            place_of_issue="Suzhou",
            number_prefix="CN",
            verification_url=f"{base}/verify",
            status_url=f"{base}/status",
        )
    )
    keystore.create_key()
    database = Database(url)
    database.upgrade()
    with database.session() as session:
        sql.create_organisation(
            session, id="acme", name="Acme", role="exporter", party="CN", address="Suzhou"
        )
        sql.create_organisation(session, id="ccpit", name="CCPIT", role="issuing_body", party="CN")
        keys = {org: sql.create_api_key(session, org) for org in ("acme", "ccpit")}
    return database, keys


def start(url: str, home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RCEP_ORIGIN_DATABASE_URL": url,
        "RCEP_ORIGIN_HOME": str(home),
        # The public endpoints' rate limit (per client address) is not what is measured here.
        "RCEP_ORIGIN_PUBLIC_RATE": "1000000",
        "RCEP_ORIGIN_PUBLIC_BURST": "1000000",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "rcep_origin.api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            if call(connection, "GET", "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the service did not start")


def application(declaration_id: str) -> dict[str, Any]:
    return {  # the exporter is the caller's registered identity
        "importer": {"name": "Siam Automation", "address": "99 Rama IV Road", "country": "TH"},
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


def issue(port: int, keys: dict[str, str], count: int) -> tuple[list[str], float]:
    declaration = json.loads((ROOT / "examples" / "control-panel-parts.json").read_text())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    status, created = call(connection, "POST", "/v1/declarations", declaration, keys["acme"])
    assert status == 201, created
    body = application(created["declaration_id"])
    numbers = []
    started = time.perf_counter()
    for _ in range(count):
        status, request = call(connection, "POST", "/v1/certificate-requests", body, keys["acme"])
        assert status == 201, request
        status, issued = call(
            connection,
            "POST",
            f"/v1/certificate-requests/{request['request_id']}/issue",
            None,
            keys["ccpit"],
        )
        assert status == 201, issued
        numbers.append(issued["certificate_number"])
    return numbers, count / (time.perf_counter() - started)


def load(port: int, numbers: list[str], seconds: float, clients: int) -> dict[str, float]:
    if shutil.which("wrk"):
        script = Path(tempfile.mkdtemp()) / "paths.lua"
        script.write_text(
            "local numbers = {" + ",".join(f'"{n}"' for n in numbers) + "}\nlocal i = 0\n"
            "request = function()\n  i = i % #numbers + 1\n  return wrk.format('GET', '/verify/' .. numbers[i], {['Accept']='application/json'})\nend\n"
        )
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{clients}",
                f"-d{int(seconds)}s",
                "--latency",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

        def ms(label: str) -> float:
            line = next(row for row in output.splitlines() if row.strip().startswith(label))
            value = line.split()[1]
            return (
                float(value[:-2])
                if value.endswith("ms")
                else float(value[:-2]) / 1000
                if value.endswith("us")
                else float(value[:-1]) * 1000
            )

        rps = float(
            next(row for row in output.splitlines() if row.startswith("Requests/sec")).split()[1]
        )
        return {"rps": rps, "p50": ms("50%"), "p99": ms("99%"), "tool": 1}
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, i = [], offset
        while time.perf_counter() < stop:
            started = time.perf_counter()
            status, _ = call(connection, "GET", f"/verify/{numbers[i % len(numbers)]}")
            mine.append((time.perf_counter() - started) * 1000)
            assert status == 200
            i += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    quantiles = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / seconds, "p50": quantiles[49], "p99": quantiles[98], "tool": 0}


def burst(port: int, keys: dict[str, str], size: int) -> str:
    """Concurrent writes, as ERP systems and officers make them: ``size`` declarations posted
    at once, then ``size`` issues of one request at once (one must win, the rest get 409)."""
    declaration = json.loads((ROOT / "examples" / "control-panel-parts.json").read_text())

    def at_once(path: str, body: Any, key: str) -> tuple[list[int], list[float]]:
        barrier = threading.Barrier(size)
        results: list[tuple[int, float]] = []
        lock = threading.Lock()

        def one() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            barrier.wait()
            started = time.perf_counter()
            status, _ = call(connection, "POST", path, body, key)
            with lock:
                results.append((status, (time.perf_counter() - started) * 1000))

        threads = [threading.Thread(target=one) for _ in range(size)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(s for s, _ in results), sorted(ms for _, ms in results)

    statuses, declare_ms = at_once("/v1/declarations", declaration, keys["acme"])
    assert statuses == [201] * size, statuses
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    _, created = call(connection, "POST", "/v1/declarations", declaration, keys["acme"])
    _, request = call(
        connection,
        "POST",
        "/v1/certificate-requests",
        application(created["declaration_id"]),
        keys["acme"],
    )
    issues, issue_ms = at_once(
        f"/v1/certificate-requests/{request['request_id']}/issue", None, keys["ccpit"]
    )
    assert issues.count(201) == 1 and issues.count(409) == size - 1, issues
    return (
        f"{size} concurrent declarations: all 201, slowest {declare_ms[-1]:.0f} ms, "
        f"median {statistics.median(declare_ms):.0f} ms | {size} concurrent issues of one "
        f"request: one 201, {size - 1} x 409, slowest {issue_ms[-1]:.0f} ms"
    )


def run(label: str, url: str, seconds: float, connections: list[int], count: int) -> None:
    """Issue ``count`` certificates, then ``GET /verify/{n}`` over them, cycling, on each number
    of keep-alive connections in turn (each request a cache hit for the signature after the
    first round: what a service sees when QR codes are scanned), then bursts of writes."""
    home = Path(tempfile.mkdtemp(prefix="rcep-svc-"))
    port = free_port()
    database, keys = prepare(url, home, port)
    process = start(url, home, port)
    try:
        numbers, issue_rate = issue(port, keys, count)
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for number in numbers:  # every certificate verified once, the lists checked once
            assert call(warm, "GET", f"/verify/{number}")[0] == 200
        results = {n: load(port, numbers, seconds, n) for n in connections}
        writes = burst(port, keys, 10)
    finally:
        process.terminate()
        process.wait(timeout=10)
        database.dispose()
    print(f"{label:<11} issue {issue_rate:7.1f}/s (one request and one issue per certificate)")
    for n, result in results.items():
        tool = "wrk" if result["tool"] else "python"
        print(
            f"{'':<11} GET /verify/{{n}}, {n} connection(s) ({tool}): {result['rps']:7.1f} req/s  "
            f"p50 {result['p50']:6.2f} ms  p99 {result['p99']:6.2f} ms"
        )
    print(f"{'':<11} {writes}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--connections", default="1,4", help="numbers of keep-alive connections, comma-separated"
    )
    parser.add_argument("--certificates", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get("RCEP_ORIGIN_TEST_DATABASE_URL"))
    args = parser.parse_args()
    connections = [int(n) for n in args.connections.split(",")]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    run(
        "SQLite",
        f"sqlite:///{tempfile.mkdtemp()}/bench.db",
        args.seconds,
        connections,
        args.certificates,
    )
    if args.postgres:
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = Database(args.postgres)
        with admin.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in args.postgres else "?"
        try:
            run(
                "PostgreSQL",
                f"{args.postgres}{separator}options=-csearch_path%3D{schema}",
                args.seconds,
                connections,
                args.certificates,
            )
        finally:
            with admin.engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
