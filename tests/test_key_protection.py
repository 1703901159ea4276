"""Private keys at rest (issue 18): encrypted under a passphrase from the environment, or kept
on a PKCS#11 token (SoftHSM2 here; an HSM in production) where they never leave the device."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rcep_origin.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
REQUEST = str(ROOT / "examples" / "certificate-request.yaml")
SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
runner = CliRunner()


def cli(*args: str, env: dict[str, str] | None = None) -> object:
    return runner.invoke(app, list(args), env=env)


def set_up(home: Path, env: dict[str, str] | None = None) -> None:
    result = cli(
        "keys", "create", "--home", str(home), "--did", "did:web:co.example.cn",
        "--name", "CCPIT Suzhou", "--country", "CN", env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]


def test_with_a_passphrase_new_keys_are_encrypted_and_sign_only_with_it(tmp_path: Path) -> None:
    home = tmp_path / "issuer"
    secret = {"RCEP_ORIGIN_KEY_PASSPHRASE": "correct horse battery staple"}
    set_up(home, secret)
    for pem in (home / "keys").glob("*.pem"):
        assert pem.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"), pem.name
    issued = cli("certificate", "issue", REQUEST, "--home", str(home), env=secret)
    assert issued.exit_code == 0, issued.output  # type: ignore[attr-defined]
    missing = cli(
        "certificate", "issue", REQUEST, "--home", str(home), env={"RCEP_ORIGIN_KEY_PASSPHRASE": ""}
    )
    assert missing.exit_code == 5 and "RCEP_ORIGIN_KEY_PASSPHRASE" in missing.output  # type: ignore[attr-defined]
    wrong = cli(
        "certificate",
        "issue",
        REQUEST,
        "--home",
        str(home),
        env={"RCEP_ORIGIN_KEY_PASSPHRASE": "guess"},
    )
    assert wrong.exit_code == 5 and "passphrase" in wrong.output  # type: ignore[attr-defined]


def test_keys_of_an_older_home_are_encrypted_by_a_command(tmp_path: Path) -> None:
    home = tmp_path / "issuer"
    set_up(home, {"RCEP_ORIGIN_KEY_PASSPHRASE": ""})
    assert all(b"ENCRYPTED" not in p.read_bytes() for p in (home / "keys").glob("*.pem"))
    secret = {"RCEP_ORIGIN_KEY_PASSPHRASE": "s3cret"}
    protected = cli("keys", "protect", "--home", str(home), env=secret)
    assert protected.exit_code == 0 and "encrypted 2" in protected.output  # type: ignore[attr-defined]
    assert all(b"ENCRYPTED" in p.read_bytes() for p in (home / "keys").glob("*.pem"))
    issued = cli("certificate", "issue", REQUEST, "--home", str(home), env=secret)
    assert issued.exit_code == 0, issued.output  # type: ignore[attr-defined]
    audit = cli("audit", "verify", "--home", str(home), env=secret)
    assert '"intact":true' in audit.output.replace(" ", "")  # type: ignore[attr-defined]


@pytest.fixture
def token(tmp_path: Path) -> dict[str, str]:
    if not SOFTHSM.exists() or shutil.which("softhsm2-util") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must test the HSM signer: .ci/run installs softhsm2")
        pytest.skip("SoftHSM2 is not installed (CI installs the Debian package softhsm2)")
    pytest.importorskip("pkcs11")
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    env = {"SOFTHSM2_CONF": str(conf)}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "ccpit", "--pin", "4321", "--so-pin", "8765"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    return {
        **env,
        "RCEP_ORIGIN_PKCS11_MODULE": str(SOFTHSM),
        "RCEP_ORIGIN_PKCS11_TOKEN": "ccpit",
        "RCEP_ORIGIN_PKCS11_PIN": "4321",
    }


def test_a_key_made_on_a_pkcs11_token_signs_there_and_never_touches_the_disk(
    tmp_path: Path, token: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in token.items():  # the token library reads SOFTHSM2_CONF from the process
        monkeypatch.setenv(name, value)
    home = tmp_path / "issuer"
    set_up(home)
    kid = json.loads((home / "keys" / "keys.json").read_text())["keys"][0]["kid"]
    assert not (home / "keys" / f"{kid}.pem").exists()
    assert json.loads((home / "keys" / f"{kid}.hsm").read_text())["token"] == "ccpit"
    out = tmp_path / "out"
    issued = cli("certificate", "issue", REQUEST, "--home", str(home), "--out", str(out))
    assert issued.exit_code == 0, issued.output  # type: ignore[attr-defined]
    number = issued.output.split()[1].rstrip(":")  # type: ignore[attr-defined]
    for form in ("json", "jwt", "pdf"):
        verified = cli(
            "certificate",
            "verify",
            str(out / f"{number}.{form}"),
            "--trust",
            str(home / "public" / "did.json"),
        )
        assert verified.exit_code == 2, (form, verified.output)  # type: ignore[attr-defined]
        assert "fail" not in verified.output.split("status")[0]  # type: ignore[attr-defined]
    # A PKCS#11 login belongs to the process: a wrong PIN shows in a fresh one, as in use.
    refused = subprocess.run(
        [str(Path(sys.executable).parent / "rcep-origin"), "certificate", "issue", REQUEST, "--home", str(home)],
        env={**os.environ, "RCEP_ORIGIN_PKCS11_PIN": "0000"}, capture_output=True, text=True,
    )  # fmt: skip
    assert refused.returncode == 5 and "cannot be used" in refused.stderr, refused.stderr
