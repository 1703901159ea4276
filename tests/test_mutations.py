"""Every single-byte change to a signed certificate is rejected (issue 18): each byte of the JSON
credential, the JWT and the XML form is altered in turn (one bit flipped, and each byte that is
not white space replaced by a space) and verified; not one altered document may verify. The PDF
(tens of kilobytes) is altered at a fixed sample of positions over the whole file: its own
signature covers every byte, the page included."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rcep_origin.certificates.verification import trust_from_published, verify_document
from rcep_origin.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("mutations")
    home, out = root / "issuer", root / "out"
    for args in (
        ["keys", "create", "--home", str(home), "--did", "did:web:co.example.cn", "--name", "CCPIT", "--country", "CN"],
        ["certificate", "issue", str(ROOT / "examples" / "certificate-request.yaml"), "--home", str(home), "--out", str(out)],
    ):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    return home, out, next(out.glob("*.json")).stem


WHITESPACE = frozenset(b" \t\r\n")


def mutants(data: bytes, positions: list[int]) -> list[tuple[int, bytes]]:
    """A bit flipped at every position, and every byte that is not white space replaced by a
    space (white space for white space between tokens changes no meaning in JSON or XML)."""
    found = []
    for position in positions:
        replacements = {data[position] ^ 0x01}
        if data[position] not in WHITESPACE:
            replacements.add(0x20)
        for replacement in replacements:
            found.append((position, data[:position] + bytes([replacement]) + data[position + 1 :]))
    return found


@pytest.mark.parametrize("form", ["json", "jwt", "xml", "pdf"])
def test_no_single_byte_change_to_a_signed_certificate_verifies(
    issued: tuple[Path, Path, str], form: str
) -> None:
    home, out, number = issued
    trust = trust_from_published(json.loads((home / "public" / "did.json").read_text()))
    data = (out / f"{number}.{form}").read_bytes()
    genuine = verify_document(data, trust, None)
    assert genuine.verdict == "indeterminate" and all(c.result != "fail" for c in genuine.checks)
    positions = list(range(len(data)))
    if form == "pdf":  # tens of kilobytes, each check a PAdES validation: a fixed sample
        positions = sorted(random.Random(18).sample(positions, 150))
    accepted = [
        position
        for position, altered in mutants(data, positions)
        if verify_document(altered, trust, None).verdict != "invalid"
    ]
    assert not accepted, (
        f"{len(accepted)} altered {form} documents were not refused, e.g. at {accepted[:10]}"
    )
