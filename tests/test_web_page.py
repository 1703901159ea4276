"""The public verification page, in a real browser (Debian's Chromium driven by Playwright):
what a customs officer sees after scanning the QR code on a phone."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from rcep_origin.api.app import create_app
from rcep_origin.api.settings import Settings
from rcep_origin.certificates.issuer import IssuerProfile
from rcep_origin.certificates.model import Signatory
from rcep_origin.store import sql
from rcep_origin.store.database import Database
from rcep_origin.store.keystore import FileKeystore

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

NO_BROWSER = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from fastapi.testclient import TestClient

    root = tmp_path_factory.mktemp("web")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    keystore = FileKeystore(root / "issuer")
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
    database = Database(f"sqlite:///{root / 'service.db'}")
    database.upgrade()
    with database.session() as session:
        sql.create_organisation(
            session,
            id="fast",
            name="Suzhou Precision Panels",
            role="exporter",
            party="CN",
            approved_exporter=True,
            address="88 Xinghu Street",
        )
        sql.create_organisation(session, id="ccpit", name="CCPIT", role="issuing_body", party="CN")
        keys = {org: sql.create_api_key(session, org) for org in ("fast", "ccpit")}
    app = create_app(
        Settings(issuer_home=root / "issuer", database_url=database.url), database=database
    )
    numbers = []
    with TestClient(app) as client:
        for _ in range(2):
            declaration = json.loads((ROOT / "examples" / "control-panel-parts.json").read_text())
            created = client.post(
                "/v1/declarations",
                json=declaration,
                headers={"Authorization": f"Bearer {keys['fast']}"},
            ).json()
            body = {
                "importer": {
                    "name": "Siam Automation",
                    "address": "99 Rama IV Road",
                    "country": "TH",
                },
                "consignment": {
                    "departure_date": "2030-01-15",
                    "transport": "MV Pacific Star",
                    "port_of_discharge": "Laem Chabang",
                },
                "items": [
                    {
                        "declaration_id": created["declaration_id"],
                        "quantity": {"value": "120", "unit": "PCE"},
                        "invoice": {"number": "INV-1", "date": "2026-11-18"},
                    }
                ],
            }
            numbers.append(
                client.post(
                    "/v1/certificate-requests",
                    json=body,
                    headers={"Authorization": f"Bearer {keys['fast']}"},
                ).json()["certificate_number"]
            )
        client.post(
            f"/v1/certificates/{numbers[1]}/status",
            json={"reason": "withdrawn"},
            headers={"Authorization": f"Bearer {keys['ccpit']}"},
        )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield {"base": base, "valid": numbers[0], "revoked": numbers[1], "root": root}
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def open_page(browser: Any, url: str) -> Any:
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page.goto(url)
    return page


@NO_BROWSER
def test_a_valid_certificate_shows_valid_and_its_public_fields_on_a_phone(
    service: dict[str, Any], browser: Any
) -> None:
    page = open_page(browser, f"{service['base']}/verify/{service['valid']}")
    assert page.locator("[data-verdict]").get_attribute("data-verdict") == "valid"
    text = page.inner_text("body")
    assert service["valid"] in text and "8538.90" in text and "Siam Automation" in text
    for private in ("1250", "SHEET-01", "cold-rolled", "copper busbar", "epoxy", "materials"):
        assert private not in text, f"{private} leaked onto the public page"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    page.screenshot(path=str(service["root"] / "valid.png"), full_page=True)


@NO_BROWSER
def test_a_revoked_certificate_says_revoked(service: dict[str, Any], browser: Any) -> None:
    page = open_page(browser, f"{service['base']}/verify/{service['revoked']}")
    assert page.locator("h1").inner_text() == "Revoked"


@NO_BROWSER
def test_an_unknown_number_says_so(service: dict[str, Any], browser: Any) -> None:
    page = open_page(browser, f"{service['base']}/verify/CN-2099-999999")
    assert page.locator("h1").inner_text() == "Unknown certificate"


def test_the_page_names_expired_and_tampered_certificates() -> None:
    from rcep_origin.certificates.verification import VerificationReport
    from rcep_origin.web.pages import render_verification_page

    expired = VerificationReport("json")
    expired.add(
        "validity", "fail", "expired: valid one year from issue, until 2025-01-01 (Art. 3.16(6))"
    )
    assert "<h1>Expired</h1>" in render_verification_page(expired, "CN-2024-000001")
    tampered = VerificationReport("json")
    tampered.add("signature", "fail", "the signature does not match the credential")
    assert "<h1>Tampered or not genuine</h1>" in render_verification_page(
        tampered, "CN-2024-000001"
    )
    hostile = render_verification_page(None, "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in hostile, "the number is escaped"
