"""The console over HTTP (no browser): sign-in and sessions, CSRF, the exporter's and the issuing
body's pages, both languages, and that the console is an adapter that keeps the API's rules.
The browser tests (Playwright, Debian's Chromium) are in test_console_browser.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rcep_origin.api.app import create_app
from rcep_origin.api.settings import Settings
from rcep_origin.certificates.issuer import IssuerProfile
from rcep_origin.certificates.model import Signatory
from rcep_origin.store import sql
from rcep_origin.store.database import Database
from rcep_origin.store.keystore import FileKeystore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "control-panel-parts.json"
SRC = ROOT / "src" / "rcep_origin" / "web"


@dataclass
class Console:
    """A service with an issuing body (CN), an exporter that is not an approved exporter (so
    the issuing body decides), a second exporter, and their API keys."""

    root: Path
    database: Database
    settings: Settings
    keys: dict[str, str]


def make_console(root: Path, base_url: str = "http://testserver") -> Console:
    keystore = FileKeystore(root / "issuer")
    keystore.save_profile(
        IssuerProfile(
            did="did:web:co.example.cn",
            name="CCPIT Suzhou",
            country="CN",
            signatory=Signatory(name="Li Wei", position="Certificate officer"),
            place_of_issue="Suzhou",
            number_prefix="CN",
            verification_url=f"{base_url}/verify",
            status_url=f"{base_url}/status",
        )
    )
    keystore.create_key()
    database = Database(f"sqlite:///{root / 'console.db'}")
    database.upgrade()
    with database.session() as session:
        sql.create_organisation(
            session,
            id="acme",
            name="Suzhou Precision Panels Co., Ltd.",
            role="exporter",
            party="CN",
            approved_exporter=False,
            address="88 Xinghu Street, Suzhou",
        )
        sql.create_organisation(
            session,
            id="other",
            name="Wuxi Other Exports",
            role="exporter",
            party="CN",
            address="1 Other Road, Wuxi",
        )
        sql.create_organisation(
            session, id="ccpit", name="CCPIT Suzhou", role="issuing_body", party="CN"
        )
        sql.create_organisation(
            session, id="thcustoms", name="Thai Customs", role="verifier", party="TH"
        )
        keys = {
            org: sql.create_api_key(session, org) for org in ("acme", "other", "ccpit", "thcustoms")
        }
    settings = Settings(issuer_home=root / "issuer", database_url=database.url)
    return Console(root, database, settings, keys)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    made = make_console(tmp_path)
    yield made
    made.database.dispose()


@pytest.fixture
def client(console: Console) -> Iterator[TestClient]:
    app = create_app(console.settings, database=console.database)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "every form carries a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, key: str) -> None:
    page = client.get("/console/sign-in")
    assert page.status_code == 200
    answer = client.post(
        "/console/sign-in", data={"api_key": key, "csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 303, answer.text


def upload(client: TestClient, path: Path = EXAMPLE, **extra: str) -> Any:
    page = client.get("/console/declarations")
    return client.post(
        "/console/declarations",
        data={"csrf_token": csrf_of(page.text), **extra},
        files={"file": (path.name, path.read_bytes(), "application/json")},
    )


APPLY_FORM = {
    "importer_name": "Siam Automation Co., Ltd.",
    "importer_address": "99 Rama IV Road, Bangkok",
    "importer_country": "TH",
    "departure_date": "2030-01-15",
    "transport": "MV Pacific Star",
    "port_of_discharge": "Laem Chabang",
    "quantity": "120",
    "unit": "PCE",
    "invoice_number": "INV-2026-0042",
    "invoice_date": "2026-11-18",
}


def apply(client: TestClient, declaration_url: str) -> Any:
    page = client.get(declaration_url)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    return client.post(
        f"{declaration_url}/apply",
        data={"csrf_token": csrf_of(page.text), "version": version.group(1), **APPLY_FORM},
    )


# --- sessions ----------------------------------------------------------------------------------


def test_the_console_asks_for_a_sign_in_first(client: TestClient) -> None:
    answer = client.get("/console/declarations")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/sign-in")
    page = client.get("/console/sign-in")
    assert 'name="api_key"' in page.text and 'type="password"' in page.text


def test_signing_in_sets_an_httponly_strict_session_cookie_without_the_key(
    client: TestClient, console: Console
) -> None:
    page = client.get("/console/sign-in")
    answer = client.post(
        "/console/sign-in",
        data={"api_key": console.keys["acme"], "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/declarations"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("rcep_console="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie, "Secure only over HTTPS"
    secret = console.keys["acme"].split(".", 1)[1]
    assert secret not in cookie, "the cookie names the key, never its secret"
    assert (console.root / "issuer" / "console-session.key").stat().st_mode & 0o077 == 0


def test_over_https_the_session_cookie_is_secure(console: Console) -> None:
    app = create_app(console.settings, database=console.database)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as secure:
        page = secure.get("/console/sign-in")
        answer = secure.post(
            "/console/sign-in",
            data={"api_key": console.keys["acme"], "csrf_token": csrf_of(page.text)},
        )
        cookie = next(
            c for c in answer.headers.get_list("set-cookie") if c.startswith("rcep_console=")
        )
        assert "Secure" in cookie


def test_a_wrong_key_or_a_missing_token_does_not_sign_in(
    client: TestClient, console: Console
) -> None:
    page = client.get("/console/sign-in")
    wrong = client.post(
        "/console/sign-in", data={"api_key": "rk_nope.nope", "csrf_token": csrf_of(page.text)}
    )
    assert wrong.status_code == 401 and "rcep_console=" not in wrong.headers.get("set-cookie", "")
    forged = client.post(
        "/console/sign-in", data={"api_key": console.keys["acme"], "csrf_token": "x"}
    )
    assert forged.status_code == 403


def test_a_verifier_has_no_console(client: TestClient, console: Console) -> None:
    page = client.get("/console/sign-in")
    answer = client.post(
        "/console/sign-in",
        data={"api_key": console.keys["thcustoms"], "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 403


def test_a_forged_or_tampered_session_cookie_is_ignored(
    client: TestClient, console: Console
) -> None:
    sign_in(client, console.keys["acme"])
    good = client.cookies.get("rcep_console")
    assert good
    client.cookies.set("rcep_console", good[:-2] + ("00" if not good.endswith("00") else "11"))
    assert client.get("/console/declarations").status_code == 303


def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(
    client: TestClient, console: Console
) -> None:
    sign_in(client, console.keys["acme"])
    files = {"file": ("d.json", EXAMPLE.read_bytes(), "application/json")}
    assert client.post("/console/declarations", files=files).status_code == 403
    token = csrf_of(client.get("/console/declarations").text)
    cross = client.post(
        "/console/declarations",
        data={"csrf_token": token},
        files=files,
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert "No declaration yet" in client.get("/console/declarations").text, "nothing stored"


def test_signing_out_ends_the_session(client: TestClient, console: Console) -> None:
    sign_in(client, console.keys["acme"])
    cookie = client.cookies.get("rcep_console")
    token = csrf_of(client.get("/console/declarations").text)
    answer = client.post("/console/sign-out", data={"csrf_token": token})
    assert answer.status_code == 303
    client.cookies.set("rcep_console", cookie or "")  # a copy kept from before
    assert client.get("/console/declarations").status_code == 303


def test_revoking_the_api_key_ends_its_sessions(client: TestClient, console: Console) -> None:
    sign_in(client, console.keys["acme"])
    assert client.get("/console/declarations").status_code == 200
    from sqlalchemy import update

    from rcep_origin.store import schema

    with console.database.session() as session:
        session.execute(
            update(schema.ApiKey)
            .where(schema.ApiKey.id == console.keys["acme"].split(".")[0])
            .values(revoked=sql.now())
        )
    assert client.get("/console/declarations").status_code == 303


def test_the_console_is_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/console") or p.endswith("certificate.json")]


def test_pages_forbid_scripts_and_framing(client: TestClient, console: Console) -> None:
    page = client.get("/console/sign-in")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "<script" not in page.text


# --- the exporter --------------------------------------------------------------------------------


def test_an_upload_is_stored_determined_and_pre_reviewed(
    client: TestClient, console: Console
) -> None:
    sign_in(client, console.keys["acme"])
    answer = upload(client)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert page.status_code == 200
    html = page.text
    assert 'data-outcome="originating"' in html
    assert "CTH or RVC40" in html and "page197" in html, "the rule and its source"
    assert "Art. 3.5(1)(a)" in html and "Art. 3.6" in html, "an article per step"
    assert 'data-testid="value-chart"' in html and "<svg" in html
    for key in ("originating", "added", "non_originating"):
        assert f'data-key="{key}"' in html
    assert "EVIDENCE_MISSING" in html, "pre-review findings"
    assert "Fix:" in html


def test_a_yaml_upload_and_a_bad_file_are_handled(
    client: TestClient, console: Console, tmp_path: Path
) -> None:
    import json

    import yaml

    sign_in(client, console.keys["acme"])
    as_yaml = tmp_path / "panel.yaml"
    as_yaml.write_text(yaml.safe_dump(json.loads(EXAMPLE.read_text())))
    assert upload(client, as_yaml).status_code == 303
    broken = tmp_path / "broken.json"
    document = json.loads(EXAMPLE.read_text())
    document["materials"][0]["orgin_party"] = "CN"
    broken.write_text(json.dumps(document))
    refused = upload(client, broken)
    assert refused.status_code == 400
    assert "materials[0]" in refused.text and 'role="alert"' in refused.text
    sheet = tmp_path / "erp.csv"
    sheet.write_text("a,b\n1,2\n")
    assert "issue 15" in upload(client, sheet).text


def test_an_exporter_applies_and_the_issuing_body_issues(
    client: TestClient, console: Console
) -> None:
    sign_in(client, console.keys["acme"])
    declaration_url = upload(client).headers["location"].split("?")[0]
    applied = apply(client, declaration_url)
    assert applied.status_code == 303, applied.text
    request_url = applied.headers["location"].split("?")[0]
    assert "Submitted" in client.get(request_url).text

    client.cookies.clear()
    sign_in(client, console.keys["ccpit"])
    queue = client.get("/console/requests")
    assert request_url in queue.text
    assert "Pre-review: Warn" in queue.text, "each good's pre-review in the queue"
    detail = client.get(request_url)
    assert "EVIDENCE_MISSING" in detail.text, "the queue shows each good's pre-review"
    issued = client.post(f"{request_url}/issue", data={"csrf_token": csrf_of(detail.text)})
    assert issued.status_code == 303
    certificate_url = issued.headers["location"].split("?")[0]
    page = client.get(certificate_url)
    assert 'data-testid="certificate-status">Active' in page.text
    assert "certificate.issue" in page.text and "request.submit" in page.text, "audit trail"
    assert "INV-2026-0042" in page.text
    number = certificate_url.rsplit("/", 1)[1]
    for form, marker in (("pdf", b"%PDF"), ("json", b'"proof"'), ("jwt", b"eyJ"), ("xml", b"<")):
        download = client.get(f"{certificate_url}/download/{form}")
        assert download.status_code == 200 and marker in download.content[:4000], form
        assert number in download.headers["content-disposition"]

    token = csrf_of(page.text)
    suspended = client.post(
        f"{certificate_url}/status",
        data={"csrf_token": token, "action": "suspend", "reason": "inquiry"},
    )
    assert suspended.status_code == 303
    assert "Suspended" in client.get(certificate_url).text
    client.post(
        f"{certificate_url}/status",
        data={"csrf_token": token, "action": "reinstate", "reason": "cleared"},
    )
    revoked = client.post(
        f"{certificate_url}/status",
        data={"csrf_token": token, "action": "revoke", "reason": "withdrawn"},
    )
    assert revoked.status_code == 303
    page = client.get(certificate_url)
    assert 'data-testid="certificate-status">Revoked' in page.text
    assert page.text.count("certificate.suspension") == 2 and "certificate.revocation" in page.text
    again = client.post(
        f"{certificate_url}/status",
        data={"csrf_token": token, "action": "reinstate", "reason": "undo"},
    )
    assert again.status_code == 409, "a revocation is final, in the console too"


def test_the_issuing_body_refuses_with_a_reason(client: TestClient, console: Console) -> None:
    sign_in(client, console.keys["acme"])
    request_url = (
        apply(client, upload(client).headers["location"].split("?")[0])
        .headers["location"]
        .split("?")[0]
    )
    client.cookies.clear()
    sign_in(client, console.keys["ccpit"])
    token = csrf_of(client.get(request_url).text)
    assert client.post(f"{request_url}/refuse", data={"csrf_token": token}).status_code == 400
    refused = client.post(
        f"{request_url}/refuse", data={"csrf_token": token, "reason": "invoice does not match"}
    )
    assert refused.status_code == 303
    assert "invoice does not match" in client.get(request_url).text


def test_an_exporter_sees_only_its_own_declarations_and_certificates(
    client: TestClient, console: Console
) -> None:
    sign_in(client, console.keys["acme"])
    declaration_url = upload(client).headers["location"].split("?")[0]
    client.cookies.clear()
    sign_in(client, console.keys["other"])
    assert client.get(declaration_url).status_code == 404
    assert declaration_url not in client.get("/console/declarations").text
    client.cookies.clear()
    sign_in(client, console.keys["ccpit"])
    assert client.get(declaration_url).status_code == 404, "not named in an application yet"
    assert client.get("/console/declarations").status_code == 403, "an exporter's page"


# --- languages -----------------------------------------------------------------------------------


def test_chinese_by_query_cookie_or_accept_language(client: TestClient, console: Console) -> None:
    sign_in(client, console.keys["acme"])
    url = upload(client).headers["location"].split("?")[0]
    chinese = client.get(url, params={"lang": "zh"})
    assert '<html lang="zh-Hans">' in chinese.text
    assert "原产" in chinese.text and "第3.5条第1款(a)项" in chinese.text
    assert "区域价值成分" in chinese.text, "the explanation itself, not only the labels"
    assert "rcep_lang=zh" in chinese.headers.get("set-cookie", "")
    assert '<html lang="zh-Hans">' in client.get(url).text, "the choice is remembered"
    client.cookies.delete("rcep_lang")
    by_header = client.get(url, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh-Hans">' in by_header.text
    english = client.get(url, headers={"Accept-Language": "fr-FR, en;q=0.5"})
    assert '<html lang="en">' in english.text


def test_every_page_has_a_language_switch(client: TestClient, console: Console) -> None:
    assert 'data-testid="lang-switch"' in client.get("/console/sign-in").text
    sign_in(client, console.keys["acme"])
    for path in (
        "/console/declarations",
        "/console/requests",
        "/console/certificates",
        "/console/legislation",
    ):
        assert 'data-testid="lang-switch"' in client.get(path).text, path


def test_every_message_has_a_chinese_translation() -> None:
    from babel.messages.pofile import read_po

    from rcep_origin.web import _explain, console, pages
    from rcep_origin.web._i18n import LABELS, catalogue_path

    with catalogue_path().open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans")
    translated = {m.id for m in catalog if m.id and m.string}
    used: set[str] = set()
    for template in (SRC / "templates").rglob("*.html"):
        for match in re.finditer(r'_\((["\'])(.+?)\1\)', template.read_text("utf-8")):
            used.add(match.group(2))
    used |= set(LABELS.values()) | set(console.NOTICES.values())
    used |= set(_explain.TITLES.values()) | set(_explain.RESULTS.values())
    used |= set(_explain.OUTCOMES.values())
    used |= set(pages.CHECK_NAMES.values()) | set(pages.RESULTS.values())
    used |= {label for label, _css in pages.VERDICTS.values()}
    used |= {"Revoked", "Suspended", "Expired", "Tampered or not genuine", "Unknown certificate"}
    for module in (SRC / "_explain.py", SRC / "console.py"):
        source = module.read_text("utf-8")
        for match in re.finditer(
            r'text\(\s*(?:lang|_lang\(request\)),\s*"((?:[^"\\]|\\.)+)"', source
        ):
            used.add(match.group(1))
    assert used - translated == set()


def test_article_references_read_as_chinese_citations() -> None:
    from rcep_origin.web._explain import article

    assert article("zh", "Art. 3.5(1)(a)") == "第3.5条第1款(a)项"
    assert article("zh", "Art. 3.2(c); Annex 3A") == "第3.2条(c)项；附件3A"
    assert article("zh", "Art. 2.6(2)-(3)") == "第2.6条第2至3款"
    assert article("zh", "Annex 3A, Headnotes 4 and 8") == "附件3A总注释第4、8条"
    assert article("en", "Art. 3.7") == "Art. 3.7"


# --- accessibility -------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    css = (SRC / "static" / "console.css").read_text("utf-8")
    colours = dict(re.findall(r"--([a-z_]+): (#[0-9a-f]{6})", css))
    for text_colour in ("ink", "muted", "brand", "ok", "bad", "warn", "info"):
        for background in ("#ffffff", colours["bg"]):
            ratio = contrast(colours[text_colour], background)
            assert ratio >= 4.5, f"--{text_colour} on {background}: {ratio:.2f}"
    for background in ("brand", "ok", "bad", "warn"):  # white text on the header, verdicts
        assert contrast("#ffffff", colours[background]) >= 4.5, background


def test_every_form_field_has_a_label(client: TestClient, console: Console) -> None:
    sign_in(client, console.keys["acme"])
    url = upload(client).headers["location"].split("?")[0]
    for path in ("/console/declarations", url, "/console/legislation"):
        html = client.get(path).text
        ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
        visible = {
            i
            for i in re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html)
            if i not in ("csrf_token", "version", "declaration_id", "reason", "decision", "back")
        }
        labelled = set(re.findall(r'<label for="([^"]+)"', html))
        assert ids <= labelled, (path, ids - labelled)
        assert visible <= ids | {"file"}, (path, visible - ids)


# --- the public page ---------------------------------------------------------------------------


def _issued(client: TestClient, console: Console) -> str:
    sign_in(client, console.keys["acme"])
    request_url = (
        apply(client, upload(client).headers["location"].split("?")[0])
        .headers["location"]
        .split("?")[0]
    )
    client.cookies.clear()
    sign_in(client, console.keys["ccpit"])
    token = csrf_of(client.get(request_url).text)
    location = client.post(f"{request_url}/issue", data={"csrf_token": token}).headers["location"]
    client.cookies.clear()
    return location.split("?")[0].rsplit("/", 1)[1]


def test_the_public_page_speaks_chinese_and_offers_the_signed_certificate(
    client: TestClient, console: Console
) -> None:
    number = _issued(client, console)
    html = {"Accept": "text/html"}
    english = client.get(f"/verify/{number}", headers=html).text
    assert "INV-2026-0042 (2026-11-18)" in english and 'data-testid="checked-at"' in english
    assert f'href="/verify/{number}/certificate.json"' in english
    chinese = client.get(f"/verify/{number}?lang=zh", headers=html).text
    assert '<html lang="zh-Hans">' in chinese and "<h1>有效</h1>" in chinese
    unknown = client.get("/verify/CN-2099-999999", headers={**html, "Accept-Language": "zh"})
    assert unknown.status_code == 404 and "未知证书" in unknown.text
    download = client.get(f"/verify/{number}/certificate.json")
    assert download.status_code == 200 and download.json()["proof"]
    assert "attachment" in download.headers["content-disposition"]
    assert client.get("/verify/CN-2099-999999/certificate.json").status_code == 404


def test_sign_in_returns_only_to_a_console_page(client: TestClient, console: Console) -> None:
    page = client.get("/console/sign-in?next=//evil.example/x")
    answer = client.post(
        "/console/sign-in",
        data={
            "api_key": console.keys["acme"],
            "csrf_token": csrf_of(page.text),
            "next": "//evil.example/x",
        },
    )
    assert answer.headers["location"] == "/console/declarations"
