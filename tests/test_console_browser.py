"""The console in a real browser (Debian's Chromium driven by Playwright) on a 390 px phone:
an exporter signs in, uploads the example, sees the verdict and its chart, switches to Chinese
and applies; the issuing body issues from its queue; the certificate's QR link opens the public
page, which says valid. No page scrolls sideways and the browser logs no error.

With RCEP_ORIGIN_SCREENSHOTS=1 the main pages are saved under docs/screenshots/ (the README
shows them), reduced to a 256-colour palette so they stay small.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from rcep_origin.api.app import create_app
from test_console import APPLY_FORM, EXAMPLE, make_console
from test_web_page import CHROMIUM, NO_BROWSER, free_port

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
SAVE_SHOTS = os.environ.get("RCEP_ORIGIN_SCREENSHOTS") == "1"
MAX_SHOT_HEIGHT = 2400


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("console")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    console = make_console(root, base)
    app = create_app(console.settings, database=console.database)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield {"base": base, "keys": console.keys, "root": root}
    server.should_exit = True
    thread.join(timeout=10)
    console.database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
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
        yield launched
        launched.close()


class Phone:
    """A browser context the size of a phone that records every console error."""

    def __init__(self, browser: Any, locale: str = "en-US") -> None:
        self.context = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
            locale=locale,
            accept_downloads=True,
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def no_sideways_scroll(self) -> None:
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{self.page.url} scrolls sideways ({width} px)"

    def shot(self, name: str) -> None:
        if not SAVE_SHOTS:
            return
        SHOTS.mkdir(parents=True, exist_ok=True)
        target = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        from PIL import Image

        with Image.open(target) as image:
            # The top of a long page (a phone's first few screens) is what the README shows.
            top = image.crop((0, 0, image.width, min(image.height, MAX_SHOT_HEIGHT)))
            small = top.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
            small.save(target, optimize=True)

    def close(self) -> None:
        assert self.errors == [], f"the browser logged errors: {self.errors}"
        self.context.close()


def sign_in_by_keyboard(phone: Phone, base: str, key: str) -> None:
    page = phone.page
    page.goto(f"{base}/console")
    assert page.url.endswith("/console/sign-in")
    for _ in range(10):  # the key field is reached with Tab alone
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "api_key":
            break
    else:
        pytest.fail("the API key field cannot be reached with the keyboard")
    page.keyboard.type(key)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@NO_BROWSER
def test_an_exporter_and_an_issuing_body_take_a_good_from_upload_to_a_verified_certificate(
    service: dict[str, Any], browser: Any
) -> None:
    base = service["base"]
    exporter = Phone(browser)
    page = exporter.page
    sign_in_by_keyboard(exporter, base, service["keys"]["acme"])
    assert page.url.endswith("/console/declarations")
    exporter.no_sideways_scroll()

    # Upload the example and see the verdict, its steps and its chart.
    page.set_input_files("input[type=file]#file", str(EXAMPLE))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and determine").click()
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_attribute("data-outcome") == "originating"
    assert "Originating" in verdict.inner_text()
    assert page.get_by_test_id("rule").inner_text() == "CTH or RVC40"
    articles = page.get_by_test_id("article").all_inner_texts()
    assert "Art. 3.5(1)(a)" in articles and "Art. 3.6" in articles
    chart = page.get_by_test_id("value-chart")
    assert chart.locator("svg[role=img]").count() == 1
    keys = chart.locator("rect.segment").evaluate_all("rs => rs.map(r => r.dataset.key)")
    assert {"originating", "added", "non_originating"} <= set(keys)
    assert page.get_by_test_id("prereview-verdict").inner_text() in ("Pass", "Warn")
    exporter.no_sideways_scroll()
    exporter.shot("declaration-en")
    declaration_url = page.url.split("?")[0]

    # Switch to Chinese: labels and the explanation itself.
    with page.expect_navigation():
        page.get_by_test_id("lang-switch").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "原产" in page.get_by_test_id("verdict").inner_text()
    steps = page.get_by_test_id("steps").inner_text()
    assert "区域价值成分" in steps and "第3.5条第1款(a)项" in steps
    exporter.no_sideways_scroll()
    # The pre-review ran in English; one click runs it again in Chinese.
    with page.expect_navigation():
        page.get_by_role("button", name="用中文重新预审").click()
    assert page.get_by_test_id("prereview-verdict").inner_text() in ("通过", "警告")
    exporter.shot("declaration-zh")

    # Apply (in Chinese: the form is the same).
    page.goto(declaration_url + "?lang=en")
    for name, value in APPLY_FORM.items():
        field = page.locator(f"#{name}")
        if name == "importer_country":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        page.get_by_role("button", name="Apply", exact=True).click()
    assert page.get_by_test_id("request-state").inner_text() == "Submitted"
    request_url = page.url.split("?")[0]
    exporter.no_sideways_scroll()
    exporter.close()

    # The issuing body's queue, the application with its pre-review, and issue.
    officer = Phone(browser)
    page = officer.page
    sign_in_by_keyboard(officer, base, service["keys"]["ccpit"])
    assert page.url.endswith("/console/requests")
    assert page.get_by_test_id("requests").locator(f'a[href="{request_url[len(base) :]}"]').count()
    officer.no_sideways_scroll()
    officer.shot("queue")
    page.goto(request_url)
    assert "EVIDENCE_MISSING" in page.inner_text("main")
    # The exporter's latest pre-review is in Chinese; the officer runs it again in English.
    with page.expect_navigation():
        page.get_by_role("button", name="Run the pre-review in English").click()
    assert page.url.split("?")[0] == request_url
    assert "supplier declaration" in page.inner_text("main")
    officer.no_sideways_scroll()
    officer.shot("application")
    with page.expect_navigation():
        page.get_by_test_id("issue").click()
    assert page.get_by_test_id("certificate-status").inner_text() == "Active"
    audit = page.get_by_test_id("audit").inner_text()
    assert "certificate.issue" in audit and "request.submit" in audit
    officer.no_sideways_scroll()
    officer.shot("certificate")
    number = page.url.split("?")[0].rsplit("/", 1)[1]
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename == f"{number}.pdf"

    # The QR code's link: the public page, valid, with its invoice and time of check.
    link = page.get_by_test_id("verify-link").get_attribute("href")
    assert link == f"{base}/verify/{number}"
    officer.close()
    public = Phone(browser)
    page = public.page
    page.goto(link)
    assert page.locator("[data-verdict]").get_attribute("data-verdict") == "valid"
    assert "INV-2026-0042 (2026-11-18)" in page.get_by_test_id("invoice").inner_text()
    assert page.get_by_test_id("checked-at").inner_text().endswith("UTC")
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename == f"{number}.json"
    public.no_sideways_scroll()
    public.shot("verify-en")
    with page.expect_navigation():
        page.get_by_test_id("lang-switch").click()
    assert page.locator("h1").inner_text() == "有效"
    assert "核验时间" in page.inner_text("body")
    public.no_sideways_scroll()
    public.shot("verify-zh")
    public.close()


@NO_BROWSER
def test_a_chinese_browser_gets_the_console_in_chinese(
    service: dict[str, Any], browser: Any
) -> None:
    phone = Phone(browser, locale="zh-CN")
    phone.page.goto(f"{service['base']}/console/sign-in")
    assert phone.page.locator("html").get_attribute("lang") == "zh-Hans"
    assert phone.page.locator("h1").inner_text() == "登录"
    assert phone.page.locator("label[for=api_key]").count() == 1, "the field has a label"
    phone.no_sideways_scroll()
    phone.shot("sign-in-zh")
    phone.close()


LATHE = ROOT / "tests" / "data" / "golden-cnc-lathe.json"
# As in test_golden_path.py: stands in for the official row (not read from a source here).
LATHE_SOURCE = "TEST ROW, not law: stands in for the official Annex 3A row for 8458.11"


def submit(page: Any, button: Any) -> None:
    with page.expect_navigation():
        button.click()


@NO_BROWSER
def test_the_golden_path_on_a_phone_overlay_row_lathe_certificate_revoked(
    service: dict[str, Any], browser: Any
) -> None:
    """GOLDEN-PATH.md through the console only: the issuing body supplies the lathe's row as
    an overlay, the exporter's lathe is originating under it, the certificate is issued, then
    revoked, and the QR code's page says so."""
    base = service["base"]
    officer = Phone(browser)
    page = officer.page
    sign_in_by_keyboard(officer, base, service["keys"]["ccpit"])
    page.goto(f"{base}/console/legislation")
    page.fill("#hs_code", "8458.11")
    page.fill("#rule", "CTH or RVC40")
    page.fill("#source", LATHE_SOURCE)
    page.select_option("#basis", "test")
    page.fill("#checked_by", "Li Wei")
    submit(page, page.get_by_role("button", name="Add", exact=True))
    assert LATHE_SOURCE in page.inner_text("main")
    officer.no_sideways_scroll()

    exporter = Phone(browser)
    sign_in_by_keyboard(exporter, base, service["keys"]["acme"])
    epage = exporter.page
    epage.set_input_files("#file", str(LATHE))
    submit(epage, epage.get_by_role("button", name="Upload and determine"))
    assert epage.get_by_test_id("verdict").get_attribute("data-outcome") == "originating"
    assert LATHE_SOURCE in epage.inner_text("main"), "the verdict cites the overlay row"
    for name, value in APPLY_FORM.items():
        if name == "importer_country":
            epage.select_option("#importer_country", value)
        else:
            epage.fill(f"#{name}", value)
    submit(epage, epage.get_by_role("button", name="Apply", exact=True))
    request_path = epage.url.split("?")[0][len(base) :]
    exporter.close()

    page.goto(f"{base}{request_path}")
    submit(page, page.get_by_test_id("issue"))
    number = page.url.split("?")[0].rsplit("/", 1)[1]
    page.select_option("#action", "revoke")
    page.fill("#status-reason", "withdrawn by the exporter")
    submit(page, page.get_by_role("button", name="Change the status"))
    assert page.get_by_test_id("certificate-status").inner_text() == "Revoked"
    assert "certificate.revocation" in page.get_by_test_id("audit").inner_text()
    page.goto(f"{base}/verify/{number}")
    assert page.locator("h1").inner_text() == "Revoked"
    officer.no_sideways_scroll()
    officer.close()
