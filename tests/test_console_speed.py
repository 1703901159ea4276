"""How long the console's pages take on the server, on the example declaration: each main page
requested 30 times in process (the ASGI app, its authority and SQLite; no network). Prints the
median and the slowest; the issue's budget is 100 ms a page. Timing never fails the test:

    .venv/bin/python -m pytest tests/test_console_speed.py -s -q
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rcep_origin.api.app import create_app
from test_console import apply, csrf_of, make_console, sign_in, upload

ROUNDS = 30


def test_page_times_on_the_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    console = make_console(tmp_path)
    app = create_app(console.settings, database=console.database)
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, console.keys["acme"])
        declaration = upload(client).headers["location"].split("?")[0]
        request = apply(client, declaration).headers["location"].split("?")[0]
        exporter_cookies = dict(client.cookies)
        client.cookies.clear()
        sign_in(client, console.keys["ccpit"])
        issued = client.post(
            f"{request}/issue", data={"csrf_token": csrf_of(client.get(request).text)}
        )
        certificate = issued.headers["location"].split("?")[0]
        number = certificate.rsplit("/", 1)[1]
        issuer_cookies = dict(client.cookies)
        pages = [
            ("exporter", "/console/declarations"),
            ("exporter", declaration),
            ("exporter", declaration + "?lang=zh"),
            ("exporter", "/console/requests"),
            ("issuer", "/console/requests"),
            ("issuer", request),
            ("issuer", "/console/certificates"),
            ("issuer", certificate),
            ("issuer", "/console/legislation"),
            ("public", f"/verify/{number}"),
            ("public", f"/verify/{number}?lang=zh"),
        ]
        rows = []
        for who, path in pages:
            client.cookies.clear()
            for name, value in {"exporter": exporter_cookies, "issuer": issuer_cookies}.get(
                who, {}
            ).items():
                client.cookies.set(name, value)
            headers = {"Accept": "text/html"}
            assert client.get(path, headers=headers).status_code == 200, path  # warm
            times = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                answer = client.get(path, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200
            rows.append((who, path, statistics.median(times), max(times)))
    console.database.dispose()
    with capsys.disabled():
        print(f"\n{'page':<62} {'median ms':>10} {'max ms':>8}")
        for who, path, median, slowest in rows:
            print(f"{who + ' ' + path:<62} {median:>10.1f} {slowest:>8.1f}")
