"""The e-CO exchange between two deployments on this machine (issue 20): China's issuing body
and Thailand's customs, each an ``rcep-origin serve`` with its own home, database and port on
127.0.0.1, set up through the command line as an operator would.

Prints, over ``--certificates`` issuances (median, p90, max):

* **issue -> inbox**: from the issuing call's answer in CN to the record listed in TH's inbox
  (TH polled every 10 ms, so up to 10 ms of this is the poll);
* **issue -> receipt**: to CN holding TH's verified receipt (``acknowledged``);
* **receipt time**: one delivery posted straight to TH's inbox (a fresh serialisation of a real
  certificate each time, so each is new), from the request to the signed receipt -- the inbox's
  own work: verification, status lists fetched from CN, classification, storage, signing;

and the same receipt time with CN's service stopped (status lists unreachable: the fetch gives
up within its budget and the last list kept is used).

Not a pass/fail test.

    .venv/bin/python bench/bench_exchange.py [--certificates 20] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "rcep-origin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Deployment:
    def __init__(self, name: str, home: Path, database_url: str) -> None:
        self.name, self.home, self.port = name, home, free_port()
        self.env = {
            **os.environ,
            "RCEP_ORIGIN_DATABASE_URL": database_url,
            "RCEP_ORIGIN_EXCHANGE_MAX_BACKOFF": "1",
        }
        self.keys: dict[str, str] = {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [CLI, *args, "--home", str(self.home)],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
        )
        if done.returncode != 0:
            raise SystemExit(f"{args}: {done.stderr}")
        return done.stdout.strip()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [CLI, "serve", "--home", str(self.home), "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self.env,
        )
        for _ in range(600):
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise SystemExit(f"{self.name} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
            self.process = None

    def call(self, client: httpx.Client, who: str, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.keys[who]}", **kw.pop("headers", {})}
        return client.request(method, self.base + path, headers=headers, timeout=60, **kw)


def set_up(work: Path, urls: tuple[str, str]) -> tuple[Deployment, Deployment]:
    cn, th = Deployment("cn", work / "cn", urls[0]), Deployment("th", work / "th", urls[1])
    for deployment, did, country in (
        (cn, "did:web:co.example.cn", "CN"),
        (th, "did:web:customs.example.th", "TH"),
    ):
        deployment.cli(
            "keys", "create", "--did", did, "--name", f"Issuing body of {country}",
            "--country", country, "--verification-url", f"{deployment.base}/verify",
            "--status-url", f"{deployment.base}/status",
        )  # fmt: skip
    cn.keys["exporter"] = cn.cli(
        "orgs", "create", "acme", "--role", "exporter", "--party", "CN", "--name", "Acme",
        "--address", "1 Road, Suzhou",
    )  # fmt: skip
    cn.keys["officer"] = cn.cli(
        "orgs", "create", "ccpit", "--role", "issuing_body", "--party", "CN", "--name", "CCPIT"
    )  # fmt: skip
    th.keys["peer"] = th.cli(
        "orgs", "create", "cn-ccpit", "--role", "issuing_body", "--party", "CN", "--name", "CCPIT"
    )  # fmt: skip
    th.keys["customs"] = th.cli(
        "orgs", "create", "customs", "--role", "verifier", "--party", "TH", "--name", "Customs"
    )  # fmt: skip
    cn.start()
    th.start()
    th.cli("trust", "add", f"{cn.base}/.well-known/did.json", "--party", "CN")
    cn.cli("exchange", "peer", "add", "--party", "TH", "--url", th.base, "--key", th.keys["peer"])
    return cn, th


def issue(cn: Deployment, client: httpx.Client) -> tuple[str, float]:
    declaration = json.loads((ROOT / "examples" / "control-panel-parts.json").read_text())
    declaration_id = cn.call(
        client, "exporter", "POST", "/v1/declarations", json=declaration
    ).json()["declaration_id"]
    today = datetime.now(UTC).date()
    application = {
        "importer": {"name": "Siam Automation", "address": "Bangkok", "country": "TH"},
        "consignment": {
            "departure_date": (today + timedelta(days=10)).isoformat(),
            "transport": "MV Pacific Star",
            "port_of_discharge": "Laem Chabang",
        },
        "items": [
            {
                "declaration_id": declaration_id,
                "quantity": {"value": "10", "unit": "PCE"},
                "invoice": {"number": "INV-1", "date": today.isoformat()},
            }
        ],
    }
    request = cn.call(client, "exporter", "POST", "/v1/certificate-requests", json=application)
    issued = cn.call(
        client, "officer", "POST", f"/v1/certificate-requests/{request.json()['request_id']}/issue"
    )
    assert issued.status_code == 201, issued.text
    return issued.json()["certificate_number"], time.perf_counter()


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (
        f"median {1000 * statistics.median(ordered):6.1f} ms   p90 {1000 * p90:6.1f} ms   "
        f"max {1000 * ordered[-1]:6.1f} ms"
    )


def receipt_times(
    cn: Deployment, th: Deployment, client: httpx.Client, credential: Any, n: int, first: int
) -> list[float]:
    times = []
    for indent in range(first, first + n):
        body = json.dumps(credential, indent=indent).encode()  # new bytes: a new delivery
        started = time.perf_counter()
        answer = th.call(
            client, "peer", "POST", "/v1/exchange/inbox", content=body,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        times.append(time.perf_counter() - started)
        assert answer.status_code in (201, 422), answer.text
    return times


def run(work: Path, urls: tuple[str, str], count: int, label: str) -> None:
    cn, th = set_up(work, urls)
    try:
        to_inbox, to_receipt = [], []
        with httpx.Client() as client:
            issue(cn, client)  # warm both services up
            time.sleep(1)
            last = ""
            for _ in range(count):
                number, issued_at = issue(cn, client)
                last = number
                while not th.call(
                    client, "customs", "GET", "/v1/exchange/inbox", params={"number": number}
                ).json():
                    time.sleep(0.01)
                to_inbox.append(time.perf_counter() - issued_at)
                while not any(
                    d["state"] == "acknowledged"
                    for d in cn.call(
                        client, "officer", "GET", f"/v1/certificates/{number}/deliveries"
                    ).json()
                ):
                    time.sleep(0.01)
                to_receipt.append(time.perf_counter() - issued_at)
            credential = cn.call(client, "exporter", "GET", f"/v1/certificates/{last}").json()[
                "credential"
            ]
            online = receipt_times(cn, th, client, credential, count, 1)
            cn.stop()
            offline = receipt_times(cn, th, client, credential, min(count, 5), count + 1)
        print(f"\n{label}: {count} certificates, CN -> TH on 127.0.0.1")
        print(f"  issue -> TH inbox          {spread(to_inbox)}")
        print(f"  issue -> receipt in CN     {spread(to_receipt)}")
        print(f"  inbox receipt time         {spread(online)}   (status lists from CN)")
        print(f"  ... CN unreachable         {spread(offline)}   (fetch gives up, kept list)")
    finally:
        cn.stop()
        th.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=20)
    parser.add_argument("--postgres", default=os.environ.get("RCEP_ORIGIN_TEST_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp) / "sqlite", ("", ""), args.certificates, "SQLite")
    if args.postgres:
        schemas = ["b_" + uuid.uuid4().hex[:10] for _ in range(2)]
        engine = create_engine(args.postgres.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            for schema in schemas:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in args.postgres else "?"
        urls = tuple(f"{args.postgres}{separator}options=-csearch_path%3D{s}" for s in schemas)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                run(Path(tmp) / "pg", urls, args.certificates, "PostgreSQL")  # type: ignore[arg-type]
        finally:
            with engine.begin() as connection:
                for schema in schemas:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()


if __name__ == "__main__":
    main()
