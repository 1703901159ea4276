"""The golden path (shared/GOLDEN-PATH.md), through public interfaces only: the command line
and HTTP, as an issuing body, an exporter and an importer would use them.

A CNC lathe (HS 8458.11) made in Suzhou with a Japanese controller, a German spindle motor and
Taiwanese ball screws, exported to Thailand. The built-in catalogue has no Annex 3A row for
8458.11, so the issuing body makes an overlay with its row (``rules init``, ``rules add``) and
runs the service with it (``serve --rules``). The official row could not be read from any source
reachable here, so the row added is a TEST row, and its source says so.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rcep_origin.certificates.jsonld import RCEP_ORIGIN_V1, context_document

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "rcep-origin")
# Stands in for the official Annex 3A row the issuing body holds (not read from a source here).
LATHE_RULE = "CTH or RVC40"
LATHE_SOURCE = "TEST ROW, not law: stands in for the official Annex 3A row for 8458.11"
LATHE = ROOT / "tests" / "data" / "golden-cnc-lathe.json"
INTEROP = ROOT / "interop"


def rcep(*args: str, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    if expect is not None:
        assert done.returncode == expect, (args, done.stdout, done.stderr)
    return done


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def issuing_body(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Step 1-2: the issuing body sets up its home, registers the exporter, makes an overlay
    with the lathe's row, and runs the service with it."""
    home = tmp_path_factory.mktemp("golden") / "ccpit"
    rules = home.parent / "ccpit-rules"
    rcep("rules", "init", str(rules), "--name", "ccpit-suzhou")
    rcep(
        "rules", "add", str(rules), "8458.11", LATHE_RULE, "--source", LATHE_SOURCE,
        "--basis", "test", "--checked-by", "golden path test",
    )  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    rcep(
        "keys", "create", "--home", str(home), "--did", "did:web:co.example.cn",
        "--name", "CCPIT Suzhou", "--country", "CN",
        "--verification-url", f"{base}/verify", "--status-url", f"{base}/status",
    )  # fmt: skip
    exporter = rcep(
        "orgs", "create", "suzhou-lathe", "--home", str(home), "--role", "exporter",
        "--party", "CN", "--name", "Suzhou Precision Machine Tool Co., Ltd.",
        "--address", "18 Jinji Lake Avenue, Suzhou Industrial Park, Jiangsu",
    ).stdout.strip()  # fmt: skip
    officer = rcep(
        "orgs", "create", "ccpit", "--home", str(home), "--role", "issuing_body",
        "--party", "CN", "--name", "CCPIT Suzhou",
    ).stdout.strip()  # fmt: skip
    server = subprocess.Popen(
        [CLI, "serve", "--home", str(home), "--port", str(port), "--rules", str(rules)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "RCEP_ORIGIN_DATABASE_URL": ""},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)
        yield {"home": home, "base": base, "exporter": exporter, "officer": officer}
    finally:
        server.terminate()
        server.wait(timeout=20)


def call(body: dict[str, Any], who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {body[who]}", **kwargs.pop("headers", {})}
    return httpx.request(method, body["base"] + path, headers=headers, timeout=60, **kwargs)


def test_the_lathe_goes_from_bom_to_a_verified_then_revoked_certificate(
    issuing_body: dict[str, Any], tmp_path: Path
) -> None:
    # 3. The exporter submits the BOM; pre-review passes it, in English and Chinese.
    created = call(issuing_body, "exporter", "POST", "/v1/declarations", content=LATHE.read_bytes())
    assert created.status_code == 201, created.text
    declaration_id = created.json()["declaration_id"]
    reviews = {}
    for lang in ("en", "zh"):
        review = call(
            issuing_body, "exporter", "POST", f"/v1/declarations/{declaration_id}/prereviews",
            headers={"Accept-Language": lang},
        )  # fmt: skip
        assert review.status_code == 201, review.text
        reviews[lang] = review.json()["prereview"]
        assert reviews[lang]["verdict"] in ("pass", "warn"), reviews[lang]
    assert json.dumps(reviews["zh"], ensure_ascii=False) != json.dumps(reviews["en"])

    # 4. The determination is originating, cites the overlay's row and its own source, and
    #    records the bundle's version.
    run = call(
        issuing_body, "exporter", "POST", f"/v1/declarations/{declaration_id}/determinations"
    )
    verdict = run.json()["determination"]
    assert verdict["originating"] is True and verdict["rcep_country_of_origin"] == "CN"
    assert verdict["rule"]["source"] == LATHE_SOURCE and verdict["rule"]["hs_code"] == "8458.11"
    assert verdict["rule"]["layer"].startswith("overlay ccpit-suzhou@1")
    assert verdict["ruleset_version"].startswith("ccpit-suzhou@1+sha256:")

    # 5. The exporter applies, the issuing body issues; the certificate carries the Annex 3B
    #    items, the registered exporter and the rule set it was decided under.
    application = {
        "importer": {"name": "Siam Tooling Co., Ltd.", "address": "99 Rama IV Road, Bangkok", "country": "TH"},
        "consignment": {"departure_date": "2026-12-05", "transport": "MV Pacific Star", "port_of_discharge": "Laem Chabang"},
        "items": [{"declaration_id": declaration_id, "quantity": {"value": "1", "unit": "PCE"},
                   "invoice": {"number": "SPMT-INV-2026-0042", "date": "2026-11-28"}}],
    }  # fmt: skip
    request = call(issuing_body, "exporter", "POST", "/v1/certificate-requests", json=application)
    assert request.status_code == 201, request.text
    issued = call(
        issuing_body, "officer", "POST", f"/v1/certificate-requests/{request.json()['request_id']}/issue"
    )  # fmt: skip
    assert issued.status_code == 201, issued.text
    number = issued.json()["certificate_number"]
    subject = issued.json()["credential"]["credentialSubject"]
    assert subject["exporter"]["name"] == "Suzhou Precision Machine Tool Co., Ltd."
    good = subject["goods"][0]
    assert good["hsCode" if "hsCode" in good else "hs_code"] in ("8458.11", "845811")
    assert verdict["ruleset_version"] in json.dumps(good)

    # 6. The importer holds only what the issuer publishes, and verifies offline: nothing may
    #    fail (the status is indeterminate without the list).
    did = httpx.get(issuing_body["base"] + "/.well-known/did.json").json()
    (tmp_path / "did.json").write_text(json.dumps(did))
    (tmp_path / "co.json").write_text(json.dumps(issued.json()["credential"]))
    offline = rcep(
        "certificate", "verify", str(tmp_path / "co.json"), "--trust", str(tmp_path / "did.json"),
        "--json", expect=None,
    )  # fmt: skip
    report = json.loads(offline.stdout)
    assert offline.returncode in (0, 2), offline.stdout
    assert all(check["result"] != "fail" for check in report["checks"]), report
    if shutil.which("node") and (INTEROP / "node_modules" / "@digitalbazaar" / "vc").exists():
        credential = issued.json()["credential"]
        lists = [
            httpx.get(e["statusListCredential"]).json() for e in credential["credentialStatus"]
        ]
        # The project's JSON-LD context is published at its URL; offline, the packaged copy.
        contexts = {RCEP_ORIGIN_V1: context_document(RCEP_ORIGIN_V1)}
        bundle = {
            "credentials": [credential],
            "didDocuments": [did],
            "statusLists": lists,
            "contexts": contexts,
        }
        (tmp_path / "bundle.json").write_text(json.dumps(bundle))
        outside = subprocess.run(
            ["node", str(INTEROP / "verify.mjs"), str(tmp_path / "bundle.json")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert outside.returncode == 0, outside.stderr
        result = json.loads(outside.stdout.splitlines()[0])
        assert result["verified"] is True and result["keyLifetime"]["within"], result
    online = httpx.get(f"{issuing_body['base']}/verify/{number}").json()
    assert online["verdict"] == "valid", online

    # 7. The issuing body revokes it; the importer's online check says revoked.
    revoked = call(
        issuing_body, "officer", "POST", f"/v1/certificates/{number}/status", json={"reason": "withdrawn by the exporter"}
    )  # fmt: skip
    assert revoked.status_code == 200, revoked.text
    online = httpx.get(f"{issuing_body['base']}/verify/{number}").json()
    assert online["verdict"] == "invalid" and "revoked" in online["reason"], online
