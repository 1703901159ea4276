"""The issuing body's command line, end to end: keys, issue, verify every form, revoke, rotate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rcep_origin.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "issuer"
    result = runner.invoke(
        app,
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


def issue(home: Path, out: Path) -> str:
    result = runner.invoke(
        app,
        [
            "certificate",
            "issue",
            str(ROOT / "examples" / "certificate-request.yaml"),
            "--home",
            str(home),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return result.output.split()[1].rstrip(":")


def verify(home: Path, path: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = runner.invoke(app, ["certificate", "verify", str(path), "--home", str(home), "--json"])
    return result.exit_code, json.loads(result.output)


def test_an_issued_certificate_verifies_in_all_four_forms_and_fails_once_revoked(
    home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    number = issue(home, out)
    forms = [out / f"{number}.{suffix}" for suffix in ("json", "jwt", "xml", "pdf")]
    for path in forms:
        code, report = verify(home, path)
        assert (code, report["verdict"]) == (0, "valid"), (path.suffix, report["reason"])
        assert report["certificate"]["goods"][0]["hs_code"] == "8538.90"
    assert runner.invoke(app, ["certificate", "revoke", number, "--home", str(home)]).exit_code == 0
    for path in forms:
        code, report = verify(home, path)
        assert (code, report["verdict"]) == (1, "invalid") and "revoked" in report["reason"], (
            path.suffix
        )


def test_a_published_did_document_and_jwks_list_the_key(home: Path) -> None:
    did = json.loads((home / "public" / "did.json").read_text())
    jwks = json.loads((home / "public" / "jwks.json").read_text())
    assert did["id"] == "did:web:co.example.cn"
    assert did["assertionMethod"] == [m["id"] for m in did["verificationMethod"]]
    assert [k["kid"] for k in jwks["keys"]] == did["assertionMethod"]
    assert (
        oct(
            (home / "keys" / f"{did['assertionMethod'][0].split('#')[1]}.pem").stat().st_mode
            & 0o777
        )
        == "0o600"
    )


def test_rotating_keys_keeps_earlier_certificates_valid(home: Path, tmp_path: Path) -> None:
    first = issue(home, tmp_path / "a")
    assert runner.invoke(app, ["keys", "create", "--home", str(home)]).exit_code == 0
    second = issue(home, tmp_path / "b")
    for folder, number in (("a", first), ("b", second)):
        code, report = verify(home, tmp_path / folder / f"{number}.json")
        assert code == 0, report["reason"]
    keys = json.loads((home / "keys" / "keys.json").read_text())["keys"]
    assert keys[0]["retired"] and not keys[1]["retired"]


def test_a_tampered_pdf_attachment_is_invalid(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    number = issue(home, out)
    pdf = (out / f"{number}.pdf").read_bytes()
    import io

    from pypdf import PdfReader, PdfWriter

    credential = json.loads((out / f"{number}.json").read_text())
    credential["credentialSubject"]["goods"][0]["rcep_country_of_origin"] = "JP"
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.attachments.clear() if hasattr(writer.attachments, "clear") else None
    tampered_path = tmp_path / "tampered.pdf"
    fresh = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fresh.add_page(page)
    fresh.add_attachment("certificate.vc.json", json.dumps(credential).encode())
    with tampered_path.open("wb") as stream:
        fresh.write(stream)
    code, report = verify(home, tampered_path)
    assert code == 1 and "signature" in report["reason"]


@pytest.mark.parametrize(
    "content", [b"", b"<x/>", b"%PDF-1.7 broken", b'{"@context": 1}', b"eyJ.a.b"]
)
def test_rubbish_is_invalid_with_a_reason_not_a_crash(
    home: Path, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "doc"
    path.write_bytes(content)
    code, report = verify(home, path)
    assert code == 1 and report["verdict"] == "invalid" and report["reason"]


def test_an_xml_bomb_is_refused(home: Path, tmp_path: Path) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><certificateOfOrigin>&b;</certificateOfOrigin>'
    path = tmp_path / "bomb.xml"
    path.write_bytes(bomb)
    code, report = verify(home, path)
    assert code == 1 and "DOCTYPE" in report["reason"]


def test_a_non_originating_application_is_refused_and_nothing_is_issued(
    home: Path, tmp_path: Path
) -> None:
    declaration = json.loads((ROOT / "examples" / "control-panel-parts.json").read_text())
    declaration["production_steps"] = [
        {"description": "labelling", "party": "CN", "minimal_operation": True}
    ]
    (tmp_path / "d.json").write_text(json.dumps(declaration))
    application = (
        (ROOT / "examples" / "certificate-request.yaml")
        .read_text()
        .replace("control-panel-parts.json", "d.json")
    )
    (tmp_path / "app.yaml").write_text(application)
    result = runner.invoke(
        app, ["certificate", "issue", str(tmp_path / "app.yaml"), "--home", str(home)]
    )
    assert result.exit_code == 3 and "not originating" in result.output
    assert not (home / "certificates").exists() or not any((home / "certificates").iterdir())


def test_a_declaration_path_outside_the_application_folder_is_refused(
    home: Path, tmp_path: Path
) -> None:
    application = (
        (ROOT / "examples" / "certificate-request.yaml")
        .read_text()
        .replace("control-panel-parts.json", "../../../etc/passwd")
    )
    (tmp_path / "app.yaml").write_text(application)
    result = runner.invoke(
        app, ["certificate", "issue", str(tmp_path / "app.yaml"), "--home", str(home)]
    )
    assert result.exit_code == 3 and "inside the application's folder" in result.output
