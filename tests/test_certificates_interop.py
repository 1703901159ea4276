"""An independent implementation verifies our credentials: Digital Bazaar's @digitalbazaar/vc
with the eddsa-rdfc-2022 cryptosuite and the bitstring status list (Node, offline)."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rcep_origin.certificates.jsonld import RCEP_ORIGIN_V1, context_document
from rcep_origin.certificates.keys import did_document

INTEROP = Path(__file__).resolve().parent.parent / "interop"
READY = (
    shutil.which("node") is not None
    and (INTEROP / "node_modules" / "@digitalbazaar" / "vc").exists()
)

pytestmark = pytest.mark.skipif(
    not READY and not os.environ.get("CI"),
    reason="Node and interop/node_modules are needed (make test installs them; CI requires them)",
)


def node_verify(bundle: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    result = subprocess.run(
        ["node", str(INTEROP / "verify.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_digital_bazaar_verifies_our_credential_and_sees_revocation_and_tampering(
    issuer: Any, application: Any, signer: Any, clock: Any, tmp_path: Path
) -> None:
    valid, revoked = issuer.issue([application, application])
    issuer.set_status(revoked.certificate.number)
    tampered = copy.deepcopy(valid.credential)
    tampered["credentialSubject"]["goods"][0]["hs_code"] = "8538.10"
    lists = [issuer.status_list_credential(e.list_url) for e in valid.status]
    bundle = {
        "credentials": [valid.credential, revoked.credential, tampered],
        "didDocuments": [did_document(signer.key.controller, [signer.key])],
        "statusLists": lists,
        "contexts": {RCEP_ORIGIN_V1: context_document(RCEP_ORIGIN_V1)},
        "now": clock.now.isoformat(),
    }
    results = node_verify(bundle, tmp_path)
    assert results[0]["verified"] is True, results[0]["errors"]
    assert results[0]["status"] == {"revocation": False, "suspension": False}
    assert results[1]["verified"] is True and results[1]["status"]["revocation"] is True
    assert results[2]["verified"] is False


def test_digital_bazaar_verifies_from_the_published_did_document_after_a_key_is_revoked(
    issuer_profile: Any, clock: Any, register: Any, application: Any, tmp_path: Path
) -> None:
    """Issue 13: a revoked key stays in did.json, marked ``revoked`` (W3C CID 1.0), so a
    certificate signed before the revocation still verifies in an independent implementation
    using only the published DID document; the published instant lets a verifier refuse what
    was signed after it."""
    from datetime import timedelta

    from rcep_origin.certificates.issuer import Issuer
    from rcep_origin.store.keystore import FileKeystore

    keystore = FileKeystore(tmp_path / "home")
    keystore.save_profile(issuer_profile)
    keystore.create_key(clock.now - timedelta(days=30))
    issuer = Issuer(issuer_profile, keystore.current_signer(), register, clock=clock)
    before = issuer.issue([application])[0]
    clock.now += timedelta(hours=1)
    after = issuer.issue([application])[0]
    kid = keystore.current_signer().key.kid
    keystore.revoke_key(kid, clock.now - timedelta(minutes=30))
    published = json.loads((keystore.home / "public" / "did.json").read_text("utf-8"))
    method = next(m for m in published["verificationMethod"] if m["id"].endswith(f"#{kid}"))
    assert "revoked" in method and method["id"] in published["assertionMethod"]
    bundle = {
        "credentials": [before.credential, after.credential],
        "didDocuments": [published],
        "statusLists": [issuer.status_list_credential(e.list_url) for e in before.status],
        "contexts": {RCEP_ORIGIN_V1: context_document(RCEP_ORIGIN_V1)},
        "now": clock.now.isoformat(),
    }
    signed_before, signed_after = node_verify(bundle, tmp_path)
    assert signed_before["verified"] is True, signed_before["errors"]
    assert signed_before["status"] == {"revocation": False, "suspension": False}
    assert signed_before["keyLifetime"]["within"] is True
    assert signed_before["keyLifetime"]["revoked"] == method["revoked"]
    # Signed after the revocation: the published instant puts it outside the key's lifetime
    # (the library itself leaves that judgement to the verifier; this project makes it).
    assert signed_after["keyLifetime"]["within"] is False
