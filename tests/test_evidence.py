"""Issue 16, "Done when": the evidence log's proofs verify under an independent RFC 9162
implementation (tlog-scales); a changed file fails ``evidence verify``; a checkpoint with a bad
signature fails; a certificate not in the log is reported as not issued by this body; a supplier
declaration's revocation produces the cascade report (and a pre-review finding on each affected
declaration). On the command line (SQLite) and through the service (SQLite, and PostgreSQL when
RCEP_ORIGIN_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from rcep_origin import ledger
from rcep_origin.certificates.credential import StatusEntry
from rcep_origin.certificates.status_list import Bitstring
from rcep_origin.certificates.supplier import (
    SupplierClaim,
    new_supplier_signer,
    sign_declaration,
    status_list,
)
from rcep_origin.cli.main import app as cli
from rcep_origin.store import schema, sql
from rcep_origin.store.database import Database
from test_api import Actors, actors, application, database, declaration, issued_certificate, submit

__all__ = ["actors", "database"]  # fixtures defined in test_api

tlog = pytest.importorskip("tlog_scales.tlog", reason="tlog-scales is a test dependency")
ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def rcep(*args: str) -> Any:
    return runner.invoke(cli, list(args))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "issuer"
    for args in (
        ["keys", "create", "--home", str(home), "--did", "did:web:co.example.cn", "--name", "CCPIT", "--country", "CN"],
        ["certificate", "issue", str(ROOT / "examples" / "certificate-request.yaml"), "--home", str(home), "--out", str(home / "co")],
    ):  # fmt: skip
        result = rcep(*args)
        assert result.exit_code == 0, result.output
    return home


def register(home: Path) -> Database:
    return Database(f"sqlite:///{home / 'rcep-origin.db'}")


def independently_verified(proof: dict[str, Any]) -> None:
    """tlog-scales checks the proof (RFC 9162 section 2.1.3.2 / 2.1.4.2 as written)."""
    if "audit_path" in proof:
        leaf = ledger.leaf_hash(base64.b64decode(proof["leaf"]))
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        tlog.InclusionProof(proof["leaf_index"], proof["tree_size"], path).check(
            leaf, bytes.fromhex(proof["root_hash"])
        )
    else:
        path = [bytes.fromhex(h) for h in proof["path"]]
        tlog.ConsistencyProof(proof["first"], proof["second"], path).check(
            bytes.fromhex(proof["first_root"]), bytes.fromhex(proof["second_root"])
        )


# --- the command line ---------------------------------------------------------------------------


def test_a_logged_file_is_proven_and_verified_offline_and_a_changed_one_fails(
    home: Path, tmp_path: Path
) -> None:
    firmware = tmp_path / "controller-fw-2.4.1.log"
    firmware.write_bytes(b"flashed CNC controller firmware 2.4.1 on unit 0001\n" * 50)
    added = rcep("evidence", "add", str(firmware), "--kind", "firmware_log", "--version", "2.4.1",
                 "--home", str(home), "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    entry = json.loads(added.output)
    assert entry["sha256"] == hashlib.sha256(firmware.read_bytes()).hexdigest()
    assert set(entry) >= {"leaf_index", "leaf_hash", "sha256", "tree_size"}
    again = json.loads(rcep("evidence", "add", str(firmware), "--kind", "firmware_log",
                            "--version", "2.4.1", "--home", str(home), "--json").output)  # fmt: skip
    assert again["existing"] and again["leaf_index"] == entry["leaf_index"]

    proved = rcep("evidence", "prove", entry["sha256"], "--home", str(home), "--json")
    assert proved.exit_code == 0, proved.output
    proof = json.loads(proved.output)
    assert set(proof) == {
        "leaf",
        "leaf_index",
        "tree_size",
        "audit_path",
        "root_hash",
        "checkpoint",
    }
    assert (
        proof["leaf_index"] == entry["leaf_index"]
        and ledger.leaf_hash(base64.b64decode(proof["leaf"])).hex() == entry["leaf_hash"]
    )
    independently_verified(proof)
    proof_file = tmp_path / "proof.json"
    proof_file.write_text(json.dumps(proof))
    trust = str(home / "public" / "did.json")

    held = rcep("evidence", "verify", str(proof_file), str(firmware), "--trust", trust)
    assert held.exit_code == 0, held.output
    assert json.loads(held.output)["valid"] is True

    firmware.write_bytes(firmware.read_bytes() + b"one line added later\n")
    changed = rcep("evidence", "verify", str(proof_file), str(firmware), "--trust", trust)
    assert changed.exit_code == 1
    failing = [c for c in json.loads(changed.output)["checks"] if c["result"] == "fail"]
    assert [c["name"] for c in failing] == ["file"] and "changed" in failing[0]["reason"]


def test_a_checkpoint_with_a_bad_signature_or_another_root_fails(
    home: Path, tmp_path: Path
) -> None:
    proof = json.loads(rcep("evidence", "prove", "0", "--home", str(home), "--json").output)
    trust = str(home / "public" / "did.json")
    forged = copy.deepcopy(proof)
    signature = base64.urlsafe_b64decode(forged["checkpoint"]["signature"] + "==")
    forged["checkpoint"]["signature"] = (
        base64.urlsafe_b64encode(bytes([signature[0] ^ 1]) + signature[1:]).rstrip(b"=").decode()
    )
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    result = rcep("evidence", "verify", str(tmp_path / "forged.json"), "--trust", trust)
    assert result.exit_code == 1
    assert "does not verify" in result.output
    other = copy.deepcopy(proof)
    other["checkpoint"]["time"] = "2001-01-01T00:00:00Z"  # before the key existed, and altered
    (tmp_path / "other.json").write_text(json.dumps(other))
    assert rcep("evidence", "verify", str(tmp_path / "other.json"), "--trust", trust).exit_code == 1
    unknown = rcep("evidence", "verify", str(tmp_path / "forged.json"))  # no --trust: no key
    assert unknown.exit_code == 1 and "not a published key" in unknown.output
    altered = copy.deepcopy(proof)
    altered["audit_path"] = altered["audit_path"][:-1] or ["00" * 32]
    (tmp_path / "altered.json").write_text(json.dumps(altered))
    assert (
        rcep("evidence", "verify", str(tmp_path / "altered.json"), "--trust", trust).exit_code == 1
    )
    (tmp_path / "junk.json").write_text("{}")
    assert rcep("evidence", "verify", str(tmp_path / "junk.json")).exit_code == 3


def test_a_certificates_proof_travels_beside_it_and_verifies_its_every_form_offline(
    home: Path, tmp_path: Path
) -> None:
    number = "CN-" + str(datetime.now(UTC).year) + "-000001"
    proved = rcep("evidence", "prove", number, "--certificate", "--home", str(home),
                  "--out", str(tmp_path / "proof.json"))  # fmt: skip
    assert proved.exit_code == 0, proved.output
    proof = json.loads((tmp_path / "proof.json").read_text())
    leaf = ledger.decode_leaf(base64.b64decode(proof["leaf"]))
    assert isinstance(leaf, ledger.CertificateLeaf) and leaf.number == number
    trust = str(home / "public" / "did.json")
    for form in ("json", "jwt", "xml", "pdf"):
        result = rcep("evidence", "verify", str(tmp_path / "proof.json"),
                      str(home / "co" / f"{number}.{form}"), "--trust", trust)  # fmt: skip
        assert result.exit_code == 0, (form, result.output)
    credential = json.loads((home / "co" / f"{number}.json").read_text())
    goods = credential["credentialSubject"]["goods"]
    leaves = goods[0]["determination"]["evidence_leaves"]  # the BOM version it was decided on
    with register(home).session(writes=False) as session:
        logged = session.scalars(
            select(schema.LedgerEntry).where(schema.LedgerEntry.leaf_hash.in_(leaves))
        ).all()
    assert [e.kind for e in logged] == ["bom"]
    assert logged[0].sha256 == goods[0]["determination"]["inputs_sha256"]


def test_consistency_proofs_verify_independently_and_a_rewritten_log_fails_the_check(
    home: Path, tmp_path: Path
) -> None:
    for i in range(5):
        record = tmp_path / f"production-{i}.csv"
        record.write_text(f"date,party,step\n2026-05-0{i + 1},CN,assembly\n")
        assert rcep("evidence", "add", str(record), "--kind", "production_log",
                    "--home", str(home)).exit_code == 0  # fmt: skip
    size = json.loads(rcep("evidence", "checkpoint", "--home", str(home)).output)["tree_size"]
    for first in range(1, size):
        result = rcep("evidence", "consistency", str(first), "--home", str(home), "--json")
        assert result.exit_code == 0, result.output
        proof = json.loads(result.output)
        assert proof["second"] == size and proof["checkpoint"]["tree_size"] == size
        independently_verified(proof)
    assert rcep("evidence", "check", "--home", str(home)).exit_code == 0
    with register(home).session() as session:  # what someone with the database could do
        session.execute(
            update(schema.LedgerEntry)
            .where(schema.LedgerEntry.leaf_index == 3)
            .values(leaf=b'{"rewritten":true}')
        )
    result = rcep("evidence", "check", "--home", str(home))
    assert result.exit_code == 1 and "leaf 3" in result.output


def test_the_audit_chains_head_is_in_the_log_so_cutting_the_chain_back_shows(home: Path) -> None:
    with register(home).session(writes=False) as session:
        heads = session.scalars(
            select(schema.LedgerEntry).where(schema.LedgerEntry.kind == "audit_head")
        ).all()
        newest = max(session.scalars(select(schema.AuditEntry.seq)))
    assert heads and max(int(h.subject or 0) for h in heads) == newest
    with register(home).session() as session:  # delete the newest entries and their checkpoints
        session.execute(delete(schema.AuditEntry).where(schema.AuditEntry.seq == newest))
        session.execute(delete(schema.AuditCheckpoint).where(schema.AuditCheckpoint.seq == newest))
    result = rcep("evidence", "check", "--home", str(home))
    assert result.exit_code == 1 and "audit chain" in result.output


def test_a_certificate_not_in_the_log_is_not_issued_by_this_body(home: Path) -> None:
    """Whoever holds the signing key and the database can sign and store a certificate; only
    an issuance logs it, so verification against the register says it was never issued."""
    from sqlalchemy.orm import Session

    from rcep_origin.certificates.issuer import Issuer
    from rcep_origin.cli.home import load_request
    from rcep_origin.store.keystore import FileKeystore

    keystore = FileKeystore(home)
    database = register(home)
    with Session(database.engine) as session, session.begin():
        forger = Issuer(keystore.profile(), keystore.current_signer(), sql.SqlRegistry(session))
        (forged,) = forger.issue([load_request(ROOT / "examples" / "certificate-request.yaml")])
    number = forged.certificate.number
    (home / "forged.json").write_text(json.dumps(forged.credential))
    result = rcep("certificate", "verify", str(home / "forged.json"), "--home", str(home))
    assert result.exit_code == 1, result.output
    assert "register" in result.output and "never issued" in result.output
    honest = "CN-" + str(datetime.now(UTC).year) + "-000001"
    assert rcep("certificate", "verify", str(home / "co" / f"{honest}.json"),
                "--home", str(home)).exit_code == 0  # fmt: skip
    assert number != honest


# --- the service --------------------------------------------------------------------------------


def test_exporters_add_evidence_see_their_own_proofs_and_the_public_sees_checkpoints(
    actors: Actors,
) -> None:
    digest = hashlib.sha256(b"production records, line 3").hexdigest()
    added = actors.call("acme", "POST", "/v1/evidence", json={
        "kind": "production_log", "sha256": digest, "size": 27, "parties": ["CN"],
        "period_from": "2026-05-01", "period_to": "2026-05-31",
    })  # fmt: skip
    assert added.status_code == 201, added.text
    proof = actors.call("acme", "GET", f"/v1/evidence/{digest}/proof")
    assert proof.status_code == 200, proof.text
    independently_verified(proof.json())
    assert actors.call("rival", "GET", f"/v1/evidence/{digest}/proof").status_code == 404
    assert actors.call("ccpit", "GET", f"/v1/evidence/{digest}/proof").status_code == 200
    assert actors.call("anonymous", "GET", f"/v1/evidence/{digest}/proof").status_code == 401
    public = actors.call("anonymous", "GET", "/v1/evidence/checkpoint")
    assert public.status_code == 200 and public.json()["tree_size"] >= 2
    did = actors.call("anonymous", "GET", "/.well-known/did.json").json()
    from rcep_origin.certificates import trust_from_published

    point = ledger.Checkpoint.from_json(public.json())
    assert ledger.checkpoint_problem(point, trust_from_published(did).keys.get(point.key_id)) == ""
    consistency = actors.call("rival", "GET", "/v1/evidence/consistency", params={"first": 1})
    assert consistency.status_code == 200
    independently_verified(consistency.json())
    assert actors.call("acme", "POST", "/v1/evidence", json={"kind": "x", "sha256": digest,
                                                              "size": 1}).status_code == 400  # fmt: skip


def test_a_certificates_entry_is_proven_to_whoever_may_see_it(actors: Actors) -> None:
    number = issued_certificate(actors)
    for who, status in (("acme", 200), ("customs", 200), ("ccpit", 200), ("rival", 404)):
        response = actors.call(who, "GET", f"/v1/evidence/certificates/{number}/proof")
        assert response.status_code == status, (who, response.text)
    proof = actors.call("customs", "GET", f"/v1/evidence/certificates/{number}/proof").json()
    independently_verified(proof)
    report = actors.call("anonymous", "GET", f"/verify/{number}").json()
    assert report["verdict"] == "valid", report["reason"]


# --- supplier declarations --------------------------------------------------------------------

LIST_URL = "http://testserver/status/suppliers/hanoi-copper-1"


def with_supplier(actors: Actors, database: Database) -> None:
    with database.session() as session:
        sql.create_organisation(
            session, id="hanoi", name="Hanoi Copper JSC", role="supplier", party="VN",
            address="12 Kim Ma, Hanoi",
        )  # fmt: skip
        actors.keys["hanoi"] = sql.create_api_key(session, "hanoi")


def panel_declaration(credential_id: str) -> dict[str, Any]:
    """Parts for control panels (8538.90, CTH or RVC40): the boards of heading 85.38 make the
    change of heading only if they originate, which only the supplier's declaration says."""
    data = declaration()
    data["date"] = "2026-06-01"
    data["fob_value"] = {"amount": "1000", "currency": "USD"}
    data["product"] = {"description": "Parts for control panels", "hs_code": "8538.90"}
    data["production_steps"] = [{"description": "machining and assembly", "party": "CN"}]
    data.pop("evidence", None)
    data["materials"] = [
        {
            "id": "BOARD", "description": "boards for control panels", "hs_code": "8538.10",
            "value": {"amount": "500", "currency": "USD"}, "origin_party": "VN",
            "originating": None, "supplier": "Hanoi Copper JSC",
            "supplier_declaration": {
                "reference": credential_id, "supplier": "Hanoi Copper JSC",
                "issued": "2026-01-01", "valid_until": "2026-12-31",
                "covers_origin_party": "VN", "credential": credential_id,
            },
        },
        {
            "id": "STEEL", "description": "steel sheet", "hs_code": "7209.17",
            "value": {"amount": "300", "currency": "USD"}, "origin_party": "DE",
            "originating": False,
        },
    ]  # fmt: skip
    return data


def test_a_supplier_declaration_makes_a_material_originating_and_its_revocation_cascades(
    actors: Actors, database: Database
) -> None:
    with_supplier(actors, database)
    signer = new_supplier_signer()
    now = datetime.now(UTC)
    bits = Bitstring()
    uploaded = actors.call("hanoi", "PUT", "/v1/supplier-status-lists/hanoi-copper-1",
                           json=status_list(LIST_URL, signer, bits, now))  # fmt: skip
    assert uploaded.status_code == 200, uploaded.text
    claim = SupplierClaim(
        supplier_name="Hanoi Copper JSC", supplier_country="VN",
        material="boards for control panels", hs_code="8538.10", originating=True,
        origin_party="VN", valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31),
    )  # fmt: skip
    credential = sign_declaration(claim, signer, StatusEntry(LIST_URL, 7, "revocation"), now)
    submitted = actors.call("hanoi", "POST", "/v1/supplier-declarations", json=credential)
    assert submitted.status_code == 201, submitted.text
    credential_id = credential["id"]
    assert (
        actors.call("acme", "GET", f"/v1/supplier-declarations/{credential_id}").status_code == 200
    )
    again = actors.call("hanoi", "POST", "/v1/supplier-declarations", json=credential)
    assert again.status_code == 409
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["origin_party"] = "JP"
    assert actors.call("hanoi", "POST", "/v1/supplier-declarations",
                       json=tampered).status_code == 422  # fmt: skip
    assert actors.call("acme", "POST", "/v1/supplier-declarations",
                       json=credential).status_code == 403  # fmt: skip

    declaration_id = submit(actors, body=panel_declaration(credential_id))
    run = actors.call("acme", "POST", f"/v1/declarations/{declaration_id}/determinations").json()
    verdict = run["determination"]
    assert verdict["originating"] is True, verdict["summary"]
    review = actors.call("acme", "POST", f"/v1/declarations/{declaration_id}/prereviews").json()
    codes = {f["code"] for f in review["prereview"]["findings"]}
    assert "SUPPLIER_CREDENTIAL_RELIED" in codes and "SUPPLIER_CREDENTIAL_NOT_VALID" not in codes
    body = application(declaration_id)
    request = actors.call("acme", "POST", "/v1/certificate-requests", json=body).json()
    issued = actors.call("ccpit", "POST", f"/v1/certificate-requests/{request['request_id']}/issue")
    assert issued.status_code == 201, issued.text
    number = issued.json()["certificate_number"]
    leaves = issued.json()["credential"]["credentialSubject"]["goods"][0]["determination"][
        "evidence_leaves"
    ]
    assert submitted.json()["leaf_hash"] in leaves  # the certificate points to it

    bits.set(7, True)
    revoked = actors.call("hanoi", "PUT", "/v1/supplier-status-lists/hanoi-copper-1",
                          json=status_list(LIST_URL, signer, bits, datetime.now(UTC)))  # fmt: skip
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked"] == [credential_id]
    assert revoked.json()["determinations_affected"] == 1
    assert revoked.json()["certificates_affected"] == 1
    bits.set(7, False)
    undo = actors.call("hanoi", "PUT", "/v1/supplier-status-lists/hanoi-copper-1",
                       json=status_list(LIST_URL, signer, bits, datetime.now(UTC)))  # fmt: skip
    assert undo.status_code == 409  # a revocation is final

    cascade = actors.call("ccpit", "GET", f"/v1/supplier-declarations/{credential_id}/cascade")
    assert cascade.status_code == 200, cascade.text
    report = cascade.json()
    assert [d["subject"] for d in report["determinations"]] == [run["run_id"]]
    assert [(c["subject"], c["status"]) for c in report["certificates"]] == [(number, "in force")]
    (affected,) = report["declarations"]
    assert affected["declaration_id"] == declaration_id
    assert [f["code"] for f in affected["findings"]] == ["SUPPLIER_CREDENTIAL_NOT_VALID"]
    assert "撤销" in affected["findings_zh"][0]["message"]
    assert (
        actors.call("acme", "GET", f"/v1/supplier-declarations/{credential_id}/cascade").status_code
        == 403
    )

    after = actors.call("acme", "POST", f"/v1/declarations/{declaration_id}/determinations").json()
    assert after["determination"]["originating"] is False  # the boards are undetermined now
    review = actors.call("acme", "POST", f"/v1/declarations/{declaration_id}/prereviews").json()
    found = [
        f for f in review["prereview"]["findings"] if f["code"] == "SUPPLIER_CREDENTIAL_NOT_VALID"
    ]
    assert found and found[0]["severity"] == "reject"
    public = actors.call("anonymous", "GET", "/status/suppliers/hanoi-copper-1")
    assert public.status_code == 200 and public.json()["issuer"] == signer.key.controller


def test_firmware_and_production_records_are_cross_checked_against_the_log(actors: Actors) -> None:
    firmware = hashlib.sha256(b"firmware log of unit 0001").hexdigest()
    production = hashlib.sha256(b"production log of May").hexdigest()
    data = declaration()
    data["product"]["software_integration"] = True
    data["evidence"] = {
        "firmware_log": {"reference": "FW-1", "sha256": firmware, "version": "2.4.0"},
        "production_log": {"reference": "PL-5", "sha256": production},
    }
    declaration_id = submit(actors, body=data)

    def codes() -> dict[str, str]:
        review = actors.call("acme", "POST", f"/v1/declarations/{declaration_id}/prereviews")
        assert review.status_code == 201, review.text
        findings = review.json()["prereview"]["findings"]
        return {f["code"]: f["severity"] for f in findings}

    assert codes().get("EVIDENCE_NOT_LOGGED") == "warn"
    for body in (
        {"kind": "firmware_log", "sha256": firmware, "size": 25, "version": "2.4.1"},
        {"kind": "production_log", "sha256": production, "size": 21, "parties": ["VN"],
         "period_from": "2026-05-01", "period_to": "2026-05-31"},
    ):  # fmt: skip
        assert actors.call("acme", "POST", "/v1/evidence", json=body).status_code == 201
    found = codes()
    assert "EVIDENCE_NOT_LOGGED" not in found
    assert found.get("FIRMWARE_VERSION_MISMATCH") == "reject"
    assert found.get("PRODUCTION_LOG_NOT_COVERING") == "reject"  # the exporting Party is missing


def test_a_back_dated_certificate_logged_after_its_key_was_revoked_is_not_recognised(
    home: Path,
) -> None:
    """The back-dating gap of a stolen key: a signature can claim any time before the key was
    reported compromised, but the log's own time cannot be chosen by the signer."""
    from sqlalchemy.orm import Session

    from rcep_origin.certificates import certificate_digest
    from rcep_origin.certificates.issuer import Issuer
    from rcep_origin.cli.home import load_request
    from rcep_origin.store import ledger as log_store
    from rcep_origin.store.keystore import FileKeystore

    keystore = FileKeystore(home)
    signer = keystore.current_signer()  # what a thief holds
    key = signer.key
    assert key.created is not None
    honest = "CN-" + str(datetime.now(UTC).year) + "-000001"  # issued and logged before
    signed = json.loads((home / "co" / f"{honest}.json").read_text())["proof"]["created"]
    reported = datetime.fromisoformat(signed.replace("Z", "+00:00")) + timedelta(seconds=1)
    while datetime.now(UTC) <= reported + timedelta(seconds=1):
        time.sleep(0.1)
    assert rcep("keys", "revoke", key.kid, "--home", str(home),
                "--at", reported.isoformat()).exit_code == 0  # fmt: skip
    database = register(home)
    backdated = key.created  # inside the key's lifetime, before the report
    with Session(database.engine) as session, session.begin():
        forger = Issuer(
            keystore.profile(), signer, sql.SqlRegistry(session), clock=lambda: backdated
        )
        (forged,) = forger.issue([load_request(ROOT / "examples" / "certificate-request.yaml")])
        number = forged.certificate.number
        leaf = log_store.certificate_leaf(
            number, certificate_digest(forged.certificate), forged.credential, datetime.now(UTC)
        )
        log_store.append(
            session, [(leaf, log_store.Meta("certificate", "0" * 64, number))], datetime.now(UTC)
        )
    (home / "forged.json").write_text(json.dumps(forged.credential))
    result = rcep("certificate", "verify", str(home / "forged.json"), "--home", str(home))
    assert result.exit_code == 1, result.output
    assert "never issued" in result.output and "pass    key" in result.output
    assert rcep("certificate", "verify", str(home / "co" / f"{honest}.json"),
                "--home", str(home)).exit_code == 0  # fmt: skip


def test_a_supplier_without_software_signs_with_the_command_line(tmp_path: Path) -> None:
    from rcep_origin.certificates.supplier import (
        read_declaration,
        read_status_list,
        verify_declaration,
    )

    key = tmp_path / "supplier.pem"
    made = rcep("evidence", "supplier-key", "--out", str(key))
    assert made.exit_code == 0 and made.output.startswith("did:key:z6Mk")
    assert rcep("evidence", "supplier-key", "--out", str(key)).exit_code == 3  # never overwritten
    listing = tmp_path / "list.json"
    assert rcep("evidence", "supplier-list", "--key", str(key), "--url", LIST_URL,
                "--out", str(listing)).exit_code == 0  # fmt: skip
    claim = tmp_path / "claim.yaml"
    claim.write_text(
        "supplier_name: Hanoi Copper JSC\nsupplier_country: VN\nmaterial: boards\n"
        "hs_code: '8538.10'\noriginating: true\norigin_party: VN\n"
        "valid_from: 2026-01-01\nvalid_until: 2026-12-31\n"
    )
    signed = tmp_path / "declaration.json"
    result = rcep("evidence", "supplier-declare", str(claim), "--key", str(key), "--list-url",
                  LIST_URL, "--index", "3", "--out", str(signed))  # fmt: skip
    assert result.exit_code == 0, result.output
    credential = json.loads(signed.read_text())
    claimed, entry = read_declaration(credential)
    assert (
        verify_declaration(credential).valid and entry.index == 3 and claimed.origin_party == "VN"
    )
    assert credential["issuer"] == made.output.strip()
    revoked = tmp_path / "revoked.json"
    assert rcep("evidence", "supplier-list", "--key", str(key), "--url", LIST_URL, "--previous",
                str(listing), "--revoke", "3", "--out", str(revoked)).exit_code == 0  # fmt: skip
    issuer, bits = read_status_list(json.loads(revoked.read_text()), LIST_URL)
    assert issuer == credential["issuer"] and bits.get(3) and not bits.get(2)


def test_a_certificate_leaf_dated_before_a_checkpoint_signed_before_it_is_not_recognised(
    home: Path,
) -> None:
    """With the key and the database, a thief could also write the leaf's time; but the leaf
    lands after checkpoints the issuing body signed (and published) earlier, whose times it
    cannot precede."""
    from sqlalchemy.orm import Session

    from rcep_origin.certificates import certificate_digest
    from rcep_origin.certificates.issuer import Issuer
    from rcep_origin.cli.home import load_request
    from rcep_origin.store import ledger as log_store
    from rcep_origin.store.keystore import FileKeystore

    keystore = FileKeystore(home)
    with Session(register(home).engine) as session, session.begin():
        issuer = Issuer(keystore.profile(), keystore.current_signer(), sql.SqlRegistry(session))
        (forged,) = issuer.issue([load_request(ROOT / "examples" / "certificate-request.yaml")])
        number = forged.certificate.number
        dated = datetime.now(UTC) - timedelta(hours=1)
        leaf = log_store.certificate_leaf(
            number, certificate_digest(forged.certificate), forged.credential, dated
        )
        log_store.append(session, [(leaf, log_store.Meta("certificate", "0" * 64, number))], dated)
    (home / "forged.json").write_text(json.dumps(forged.credential))
    result = rcep("certificate", "verify", str(home / "forged.json"), "--home", str(home))
    assert result.exit_code == 1 and "never issued" in result.output, result.output
    checked = rcep("evidence", "check", "--home", str(home))
    assert checked.exit_code == 1 and "dated before a checkpoint" in checked.output


def test_a_verifier_holding_an_older_checkpoint_sees_the_log_only_grew(
    home: Path, tmp_path: Path
) -> None:
    held = tmp_path / "held.json"
    held.write_text((home / "public" / "evidence-checkpoint.json").read_text())
    for i in range(3):
        record = tmp_path / f"bom-{i}.json"
        record.write_text(json.dumps({"line": i}))
        assert (
            rcep("evidence", "add", str(record), "--kind", "bom", "--home", str(home)).exit_code
            == 0
        )
    first = json.loads(held.read_text())["tree_size"]
    proof = tmp_path / "consistency.json"
    proof.write_text(
        rcep("evidence", "consistency", str(first), "--home", str(home), "--json").output
    )
    trust = str(home / "public" / "did.json")
    grown = rcep("evidence", "verify", str(proof), "--previous", str(held), "--trust", trust)
    assert grown.exit_code == 0, grown.output
    other = json.loads(held.read_text())
    other["root_hash"] = "00" * 32  # a checkpoint the issuer never signed
    (tmp_path / "other.json").write_text(json.dumps(other))
    refused = rcep("evidence", "verify", str(proof), "--previous", str(tmp_path / "other.json"),
                   "--trust", trust)  # fmt: skip
    assert refused.exit_code == 1
