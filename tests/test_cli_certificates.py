"""The issuing body's command line, end to end: keys, issue, verify every form, revoke, rotate."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime, timedelta
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


# --- key trust (issue 13): revoked keys, and importers holding only what the issuer publishes


def _signed_at(out: Path, number: str) -> datetime:
    created = json.loads((out / f"{number}.json").read_text())["proof"]["created"]
    return datetime.fromisoformat(created.replace("Z", "+00:00"))


def _published_only(home: Path, tmp_path: Path) -> Path:
    """What an importer holds: the issuer's published files, and no home."""
    folder = tmp_path / "importer"
    folder.mkdir()
    for name in ("did.json", "jwks.json"):
        shutil.copy(home / "public" / name, folder / name)
    return folder


def verify_trusting(path: Path, trusted: Path, tmp_path: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    nowhere = tmp_path / "no-home-here"
    result = runner.invoke(
        app,
        ["certificate", "verify", str(path), "--trust", str(trusted), "--home", str(nowhere)],
        catch_exceptions=False,
    )
    assert not nowhere.exists(), "a verifier with published files needs, and makes, no home"
    json_result = runner.invoke(
        app,
        [
            "certificate",
            "verify",
            str(path),
            "--trust",
            str(trusted),
            "--home",
            str(nowhere),
            "--json",
        ],
    )
    assert json_result.exit_code == result.exit_code, result.output
    return result.exit_code, json.loads(json_result.output)


def test_after_keys_revoke_every_form_signed_after_fails_and_before_stays_valid(
    home: Path, tmp_path: Path
) -> None:
    first = issue(home, tmp_path / "a")
    signed_first = _signed_at(tmp_path / "a", first)
    # Signing times are to the second, and the XML form is stamped just after the proof: the
    # second certificate is signed two seconds later, so T can fall between the two.
    while datetime.now(UTC) < signed_first + timedelta(seconds=2):
        time.sleep(0.1)
    second = issue(home, tmp_path / "b")
    compromised_from = _signed_at(tmp_path / "b", second)
    kid = json.loads((home / "keys" / "keys.json").read_text())["keys"][0]["kid"]
    result = runner.invoke(
        app, ["keys", "revoke", kid, "--home", str(home), "--at", compromised_from.isoformat()]
    )
    assert result.exit_code == 0, result.output
    importer = _published_only(home, tmp_path)
    for suffix in ("json", "jwt", "xml", "pdf"):
        before = tmp_path / "a" / f"{first}.{suffix}"
        after = tmp_path / "b" / f"{second}.{suffix}"
        # The issuing body, with its register: valid before T, invalid after.
        code, report = verify(home, before)
        assert (code, report["verdict"]) == (0, "valid"), (suffix, report["reason"])
        code, report = verify(home, after)
        assert (code, report["verdict"]) == (1, "invalid"), (suffix, report["reason"])
        assert "revoked" in report["reason"], suffix
        # An importer with the published files only: nothing fails before T; after T fails.
        for published in ("did.json", "jwks.json"):
            code, report = verify_trusting(before, importer / published, tmp_path)
            assert (code, report["verdict"]) == (2, "indeterminate"), (suffix, report["reason"])
            assert "fail" not in {c["result"] for c in report["checks"]}, (suffix, published)
            code, report = verify_trusting(after, importer / published, tmp_path)
            assert (code, report["verdict"]) == (1, "invalid"), (suffix, published)
            assert [c["name"] for c in report["checks"] if c["result"] == "fail"] == ["key"]


@pytest.mark.parametrize("published", ["did.json", "jwks.json"])
def test_an_importer_with_only_the_published_files_verifies_every_form(
    home: Path, tmp_path: Path, published: str
) -> None:
    """Issue 13: '--trust did.json' said 'not a known issuing body', '--trust jwks.json' failed
    with "malformed key record: 'controller'"."""
    out = tmp_path / "out"
    number = issue(home, out)
    importer = _published_only(home, tmp_path)
    for suffix in ("json", "jwt", "xml", "pdf"):
        code, report = verify_trusting(out / f"{number}.{suffix}", importer / published, tmp_path)
        # Offline the status list is not at hand: indeterminate (exit 2), and nothing fails.
        assert (code, report["verdict"]) == (2, "indeterminate"), (suffix, report["reason"])
        results = {c["name"]: c["result"] for c in report["checks"]}
        assert results == {
            "format": "pass",
            "issuer": "pass",
            "signature": "pass",
            "key": "pass",
            "validity": "pass",
            "status": "unknown",
        }, suffix


def test_a_trust_file_that_is_not_a_published_key_document_is_bad_usage(
    home: Path, tmp_path: Path
) -> None:
    number = issue(home, tmp_path / "out")
    bad = tmp_path / "bad.json"
    bad.write_text('{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "abc", "kid": "key-1"}]}')
    result = runner.invoke(
        app,
        ["certificate", "verify", str(tmp_path / "out" / f"{number}.json"), "--trust", str(bad)],
    )
    assert result.exit_code == 3 and "keys[0].kid" in result.output.replace("\n", "")


# --- many files in one run (issue 21) ---------------------------------------------------------


def issue_many(home: Path, out: Path, count: int) -> list[str]:
    application = str(ROOT / "examples" / "certificate-request.yaml")
    result = runner.invoke(
        app,
        ["certificate", "issue", *[application] * count, "--home", str(home), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    return [line.split()[1].rstrip(":") for line in result.output.splitlines()]


def test_many_files_are_verified_in_one_run_one_json_line_each_in_order(
    home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    numbers = issue_many(home, out, 3)
    assert (
        runner.invoke(app, ["certificate", "revoke", numbers[1], "--home", str(home)]).exit_code
        == 0
    )
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not a certificate")
    files = [
        out / f"{numbers[0]}.json",
        out / f"{numbers[1]}.jwt",
        garbage,
        out / f"{numbers[2]}.xml",
        out / f"{numbers[2]}.pdf",
    ]
    result = runner.invoke(
        app, ["certificate", "verify", *map(str, files), "--home", str(home), "--json"]
    )
    reports = [json.loads(line) for line in result.output.splitlines()]
    assert [r["file"] for r in reports] == [str(f) for f in files]
    assert [r["verdict"] for r in reports] == ["valid", "invalid", "invalid", "valid", "valid"]
    assert "revoked" in reports[1]["reason"]
    assert result.exit_code == 1, "the worst verdict: invalid"


def test_the_exit_code_is_0_only_when_all_are_valid_else_the_worst(
    home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    numbers = issue_many(home, out, 2)
    valid = [str(out / f"{n}.json") for n in numbers]
    assert runner.invoke(app, ["certificate", "verify", *valid, "--home", str(home)]).exit_code == 0
    # With only the published did.json, the status is unknown: indeterminate (2), not invalid.
    offline = ["--trust", str(home / "public" / "did.json"), "--home", str(tmp_path / "none")]
    result = runner.invoke(app, ["certificate", "verify", *valid, *offline])
    assert result.exit_code == 2, result.output
    assert "0 valid, 2 indeterminate, 0 invalid" in result.output
    tampered = tmp_path / "tampered.json"
    tampered.write_text((out / f"{numbers[0]}.json").read_text().replace("Laem", "Leam"))
    result = runner.invoke(app, ["certificate", "verify", *valid, str(tampered), *offline])
    assert result.exit_code == 1, "invalid is worse than indeterminate"


def test_a_missing_file_is_bad_usage_and_nothing_is_verified(home: Path, tmp_path: Path) -> None:
    numbers = issue_many(home, tmp_path / "out", 1)
    present = str(tmp_path / "out" / f"{numbers[0]}.json")
    result = runner.invoke(
        app,
        ["certificate", "verify", present, str(tmp_path / "absent.json"), "--home", str(home)],
    )
    assert result.exit_code == 3
    assert "absent.json" in result.output and "VALID" not in result.output


def test_the_cli_reads_no_more_than_the_verifier_accepts() -> None:
    from rcep_origin.certificates.verification import MAX_DOCUMENT_BYTES
    from rcep_origin.cli.certificates import MAX_VERIFY_BYTES

    assert MAX_VERIFY_BYTES == MAX_DOCUMENT_BYTES


LOADED = (
    "import sys\n"
    "from rcep_origin.cli.main import app\n"
    "try:\n"
    "    app(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(' '.join(sorted(m for m in sys.modules if '.' not in m or m.startswith('rcep_origin'))),"
    " file=sys.stderr)\n"
)


def _modules_loaded(*args: str) -> set[str]:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", LOADED, *args], capture_output=True, text=True, check=True
    )
    return set(result.stderr.split()[-1000:])


@pytest.mark.parametrize(
    ("args", "never"),
    [
        (["version"], {"sqlalchemy", "alembic", "rcep_origin.certificates", "fastapi", "lxml"}),
        (["determine", "--help"], {"sqlalchemy", "alembic", "rcep_origin.certificates"}),
    ],
)
def test_a_command_imports_only_what_it_uses(args: list[str], never: set[str]) -> None:
    assert not _modules_loaded(*args) & never


def test_verifying_with_published_files_never_loads_the_database_layer(
    home: Path, tmp_path: Path
) -> None:
    numbers = issue_many(home, tmp_path / "out", 1)
    loaded = _modules_loaded(
        "certificate",
        "verify",
        str(tmp_path / "out" / f"{numbers[0]}.json"),
        "--trust",
        str(home / "public" / "did.json"),
        "--json",
    )
    assert "rcep_origin.certificates.verification" in loaded
    heavy = {"sqlalchemy", "alembic", "rcep_origin.authority", "fastapi", "lxml", "pyoxigraph"}
    assert not loaded & heavy, loaded & heavy
