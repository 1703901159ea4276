"""Certificate throughput on this machine, per core: issue+sign and verify, for the JSON
credential (eddsa-rdfc-2022), the JWT and the XML form; where the time goes in a JSON
verification; and how close that comes to the raw Ed25519 verify rate measured in the same run.
Compares with OpenAttestation and with Digital Bazaar's verifier (Node) when interop/node_modules
is installed. Not a pass/fail test.

    .venv/bin/python bench/bench_certificates.py [--count N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from rcep_origin.certificates import data_integrity, jsonld
from rcep_origin.certificates.issuer import Issuer, IssuerProfile
from rcep_origin.certificates.keys import Ed25519Signer, Keyring, did_document
from rcep_origin.certificates.model import Signatory
from rcep_origin.certificates.verification import TrustStore, verify_document
from rcep_origin.cli.home import load_request
from rcep_origin.store.database import Database
from rcep_origin.store.sql import SqlRegistry

ROOT = Path(__file__).resolve().parent.parent
DID = "did:web:co.example.cn"


def rate(function: Callable[[], Any], seconds: float = 2.0) -> tuple[float, int]:
    """Operations per second, running ``function`` for about ``seconds``."""
    function()
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        function()
        count += 1
    return count / elapsed, count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200, help="certificates per batch")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="rcep-bench-"))
    now = datetime.now(UTC)
    profile = IssuerProfile(
        did=DID,
        name="Issuing body",
        country="CN",
        signatory=Signatory(name="A", position="B"),
        place_of_issue="Suzhou",
        number_prefix="CN",
        verification_url="https://co.example.cn/verify",
        status_url="https://co.example.cn/status",
    )
    signer = Ed25519Signer.generate(DID, "key-1", now - timedelta(days=1))
    xml_signer = _xml_signer(now)
    database = Database(f"sqlite:///{home / 'register.db'}")
    database.upgrade()
    session = Session(database.engine)  # the register, as the CLI and the service keep it
    issuer = Issuer(profile, signer, SqlRegistry(session), xml_signer=xml_signer[0])
    trust = TrustStore(Keyring([signer.key]), {DID: [xml_signer[1]]})
    request = load_request(ROOT / "examples" / "certificate-request.yaml")

    print(
        f"issuing {args.count} certificates in one batch (determination + JSON + JWT + XML, signed, stored) ..."
    )
    started = time.perf_counter()
    issued = issuer.issue([request] * args.count)
    batch_seconds = time.perf_counter() - started
    sample = issued[0]
    credential_bytes = json.dumps(sample.credential).encode()
    registry = issuer.registry

    rows: list[tuple[str, float]] = [
        ("issue, whole batch, per certificate", args.count / batch_seconds)
    ]
    unsigned = {k: v for k, v in sample.credential.items() if k != "proof"}
    rows.append(
        (
            "sign JSON credential (eddsa-rdfc-2022)",
            rate(lambda: data_integrity.sign(unsigned, signer, now))[0],
        )
    )
    from rcep_origin.certificates.jose import encode_jwt

    rows.append(("sign JWT", rate(lambda: encode_jwt(unsigned, signer, now))[0]))
    rows.append(
        ("sign XML (XML-DSig, ECDSA P-256)", rate(lambda: xml_signer[0](sample.certificate))[0])
    )
    verify_json = rate(lambda: verify_document(credential_bytes, trust, registry))[0]
    rows.append(("verify JSON credential (full report)", verify_json))
    rows.append(
        (
            "verify JWT (full report)",
            rate(lambda: verify_document(sample.jwt.encode(), trust, registry))[0],
        )
    )
    if sample.xml is not None:
        xml = sample.xml
        rows.append(
            ("verify XML (full report)", rate(lambda: verify_document(xml, trust, registry))[0])
        )

    raw_key = Ed25519PrivateKey.generate()
    message, signature = b"x" * 64, raw_key.sign(b"x" * 64)
    public = raw_key.public_key()
    raw_verify = rate(lambda: public.verify(signature, message))[0]
    rows.append(("raw Ed25519 verify (cryptography)", raw_verify))

    print(f"\n{'operation':<45} {'per second':>11} {'ms each':>9}")
    for name, per_second in rows:
        print(f"{name:<45} {per_second:>11.1f} {1000 / per_second:>9.3f}")
    print(
        f"\nJSON verification runs at {verify_json / raw_verify:.2%} of the raw Ed25519 verify rate "
        f"({raw_verify / verify_json:.0f}x slower)"
    )

    # Where the time of one JSON verification goes.
    config = {
        "@context": sample.credential["@context"],
        **{k: v for k, v in sample.credential["proof"].items() if k != "proofValue"},
    }
    canon_doc = rate(lambda: jsonld.canonicalize(unsigned))[0]
    canon_cfg = rate(lambda: jsonld.canonicalize(config))[0]
    whole = 1000 / verify_json
    stages = {
        "canonicalize the credential (RDFC-1.0)": 1000 / canon_doc,
        "canonicalize the proof options": 1000 / canon_cfg,
        "Ed25519 verify": 1000 / raw_verify,
    }
    print(f"\nwhere one JSON verification's {whole:.2f} ms go:")
    for name, ms in stages.items():
        print(f"  {name:<42} {ms:7.3f} ms  {ms / whole:6.1%}")
    other = whole - sum(stages.values())
    print(
        f"  {'the rest (parse, schema, status list, report)':<42} {other:7.3f} ms  {other / whole:6.1%}"
    )
    _node_comparison(sample, signer, verify_json, home)
    shutil.rmtree(home, ignore_errors=True)


def _xml_signer(now: datetime) -> tuple[Callable[..., bytes], Any]:
    from rcep_origin.certificates.xml_form import (
        certificate_to_xml,
        make_xml_signing_identity,
        sign_xml,
    )

    key, certificate = make_xml_signing_identity(f"{DID}#key-1", valid_from=now - timedelta(days=1))

    def sign(issued: Any, signed_at: datetime | None = None) -> bytes:
        return sign_xml(certificate_to_xml(issued), key, certificate, signed_at=signed_at)

    return sign, certificate


def _node_comparison(sample: Any, signer: Ed25519Signer, verify_json: float, home: Path) -> None:
    interop = ROOT / "interop"
    if shutil.which("node") is None or not (interop / "node_modules").exists():
        print("\n(Node comparison skipped: run `npm ci --prefix interop`)")
        return
    lists = [json.loads(p.read_text()) for p in (home / "status").glob("*.json")]
    bundle = {
        "credentials": [sample.credential],
        "didDocuments": [did_document(DID, [signer.key])],
        "statusLists": lists,
        "contexts": {jsonld.RCEP_ORIGIN_V1: jsonld.context_document(jsonld.RCEP_ORIGIN_V1)},
    }
    path = home / "bundle.json"
    path.write_text(json.dumps(bundle))
    digital_bazaar = json.loads(
        subprocess.run(
            ["node", str(interop / "verify.mjs"), str(path), "--repeat", "300"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    subject = home / "subject.json"
    subject.write_text(json.dumps(sample.credential["credentialSubject"]))
    open_attestation = json.loads(
        subprocess.run(
            ["node", str(interop / "oa_bench.mjs"), str(subject), "1000"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    print("\nthe same certificate verified by other implementations (one core each):")
    print(f"  rcep-origin JSON, full report (Python)      {verify_json:8.1f}/s")
    print(
        f"  Digital Bazaar @digitalbazaar/vc (Node)     {digital_bazaar['per_second']:8.1f}/s   (signature + status list)"
    )
    print(
        f"  OpenAttestation v2 (Node), 1000 documents   {open_attestation['verify_per_second']:8.1f}/s   "
        "(schema + Merkle proof + signer address; no revocation, no validity period)"
    )
    print(
        f"  ratio rcep-origin / OpenAttestation: {verify_json / open_attestation['verify_per_second']:.2f}"
    )


if __name__ == "__main__":
    main()
