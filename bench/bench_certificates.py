"""Certificates on this machine, honestly: what each check costs on distinct certificates, beside
the raw Ed25519 rate measured in the same run. Not a pass/fail test.

* Cold verification of N distinct certificates (each its own bytes, proof and status index, so
  no cache answers for them), per form; the cache hits (the same document again, as a service
  sees for a QR code scanned twice) are reported apart.
* Where one cold JSON verification's time goes, stage by stage, measured on the same documents.
* The command line: `certificate verify` of 550 distinct JSON certificates in one call, minus 50
  in one call, gives the marginal rate (start-up excluded), offline (did.json) and with the
  issuing body's register.
* Issuance (determination + JSON + JWT + XML, stored, audited) through the authority, per
  certificate; PDF rendering; canonicalization (compiled contexts against Oxigraph).
* Digital Bazaar's verifier and OpenAttestation on the same documents, one Node process each
  (when `npm ci --prefix interop` was run).

Rates are per core: operations per second of CPU time of this process (or the child's, for the
command line), which the load of other processes on the machine disturbs least; wall-clock
figures are printed beside them.

    .venv/bin/python bench/bench_certificates.py [--count N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rcep_origin.authority import Authority, operator
from rcep_origin.certificates import data_integrity, jsonld
from rcep_origin.certificates.credential import certificate_from_credential
from rcep_origin.certificates.issuer import IssuedCertificate, IssuerProfile
from rcep_origin.certificates.model import Signatory
from rcep_origin.certificates.pdf import render_pdf
from rcep_origin.certificates.verification import (
    parse_json,
    trust_from_published,
    verify_document,
    verify_many,
)
from rcep_origin.cli.home import load_request

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).parent / "rcep-origin"
DID = "did:web:co.example.cn"
FIGURES: dict[str, float] = {}  # for --json


def cpu_rate(function: Callable[[], Any], count: int, rounds: int = 3) -> tuple[float, float]:
    """(per CPU second, per wall second) of ``count`` calls, the best of ``rounds``."""
    best_cpu, best_wall = 0.0, 0.0
    for _ in range(rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(count):
            function()
        best_cpu = max(best_cpu, count / max(time.process_time() - cpu, 1e-9))
        best_wall = max(best_wall, count / max(time.perf_counter() - wall, 1e-9))
    return best_cpu, best_wall


def once_each(function: Callable[[Any], Any], items: list[Any]) -> tuple[float, float]:
    """(per CPU second, per wall second) of ``function`` over ``items``, each once."""
    cpu, wall = time.process_time(), time.perf_counter()
    for item in items:
        function(item)
    return len(items) / max(time.process_time() - cpu, 1e-9), len(items) / max(
        time.perf_counter() - wall, 1e-9
    )


def row(
    name: str, per_cpu: float, per_wall: float | None = None, *, raw: float | None = None
) -> None:
    FIGURES[name] = round(per_cpu, 1)
    wall = f"{per_wall:9.1f}" if per_wall is not None else " " * 9
    ratio = f"{per_cpu / raw:7.1%}" if raw else ""
    print(f"  {name:<58} {per_cpu:9.1f} {wall} {1000 / per_cpu:8.3f} {ratio}")


def heading(title: str) -> None:
    print(f"\n{title}\n  {'':<58} {'/s (cpu)':>9} {'/s (wall)':>9} {'ms each':>8} {'of raw':>7}")


class Lists:
    """Status lists held in memory: what a verifier that fetched them has at hand (and, for the
    XML form, which carries none, each certificate's status entries, as the register knows)."""

    def __init__(self, lists: Iterable[dict[str, Any]], issued: list[IssuedCertificate]) -> None:
        self.lists = {listing["id"]: listing for listing in lists}
        self.entries = {i.certificate.number: list(i.status) for i in issued}

    def status_list_credential(self, url: str) -> dict[str, Any] | None:
        return self.lists.get(url)

    def status_entries_of(self, number: str) -> list[Any] | None:
        return self.entries.get(number)


def requests(count: int) -> list[Any]:
    """``count`` applications for the example goods, each with its own invoice and quantity, so
    that every certificate has content of its own."""
    base = load_request(ROOT / "examples" / "certificate-request.yaml")
    item = base.items[0]
    made = []
    for n in range(count):
        invoice = item.invoice.model_copy(update={"number": f"SPP-INV-2026-{n:05d}"})
        quantity = item.quantity.model_copy(update={"value": Decimal(100 + n % 900)})
        made.append(
            base.model_copy(
                update={
                    "items": [item.model_copy(update={"invoice": invoice, "quantity": quantity})]
                }
            )
        )
    return made


def set_up(home: Path) -> Authority:
    Authority.set_up(
        home,
        IssuerProfile(
            did=DID,
            name="CCPIT Suzhou",
            country="CN",
            signatory=Signatory(name="Li Wei", position="Certification Officer"),
            place_of_issue="Suzhou",
            number_prefix="CN",
            verification_url="https://co.example.cn/verify",
            status_url="https://co.example.cn/status",
        ),
    )
    authority = Authority.open(home)
    authority.create_key(operator("CN"))
    return authority


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=550, help="distinct certificates (>= 550)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    count = max(args.count, 550)
    work = Path(tempfile.mkdtemp(prefix="rcep-bench-"))
    try:
        run(work, count)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(FIGURES, indent=2) + "\n")


def run(work: Path, count: int) -> None:
    home = work / "home"
    authority = set_up(home)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")

    # -- issuance through the authority (what `certificate issue` runs) ----------------------
    apps = requests(count)
    cpu, wall = time.process_time(), time.perf_counter()
    issued: list[IssuedCertificate] = []
    for start in range(0, count, 50):  # batches of 50 applications
        issued += authority.issue_application(operator("CN"), apps[start : start + 50])
    issue_cpu = count / (time.process_time() - cpu)
    issue_wall = count / (time.perf_counter() - wall)

    published = json.loads((home / "public" / "did.json").read_text())
    lists = Lists((authority.status_list(name) for name in _list_ids(issued)), issued)
    jsons = [json.dumps(i.credential, ensure_ascii=False).encode() for i in issued]
    jwts = [i.jwt.encode() for i in issued]
    xmls = [i.xml for i in issued if i.xml is not None]
    now = datetime.now(UTC)

    # -- raw Ed25519, in this run -------------------------------------------------------------
    raw_key = Ed25519PrivateKey.generate()
    message = b"x" * 64
    signature = raw_key.sign(message)
    public = raw_key.public_key()
    raw, raw_wall = cpu_rate(lambda: public.verify(signature, message), 20_000)

    heading(f"verification, {count} distinct certificates, each verified once (cold)")
    row("raw Ed25519 verify (cryptography)", raw, raw_wall, raw=raw)

    def cold(documents: list[bytes], many: bool = True) -> tuple[float, float]:
        """The best of five rounds, each with a fresh trust store: nothing cached."""
        best = (0.0, 0.0)
        for _ in range(5):
            store = trust_from_published(published)
            cpu, wall = time.process_time(), time.perf_counter()
            if many:
                reports = list(verify_many(documents, store, lists, now=now))
            else:
                reports = [verify_document(d, store, lists, now=now) for d in documents]
            cpu_s, wall_s = time.process_time() - cpu, time.perf_counter() - wall
            bad = [r.reason for r in reports if r.verdict != "valid"]
            assert not bad, bad[:3]
            best = max(best, (len(documents) / cpu_s, len(documents) / wall_s))
        return best

    json_cold = cold(jsons)
    row("JSON credential, verify_many (full report)", *json_cold, raw=raw)
    row("JSON credential, verify_document one at a time", *cold(jsons, many=False), raw=raw)
    jwt_cold = cold(jwts)
    row("JWT (VC-JOSE), verify_many", *jwt_cold, raw=raw)
    xml_cold = cold(xmls)
    row("XML (XML-DSig ECDSA P-256), verify_many", *xml_cold, raw=raw)

    heading("cache hits (the same document again), reported apart")
    hot = trust_from_published(published)
    list(verify_many(jsons[:1], hot, lists, now=now))
    row(
        "JSON credential, the same document again",
        *cpu_rate(lambda: verify_document(jsons[0], hot, lists, now=now), 2000),
        raw=raw,
    )

    _stages(jsons, published, lists, now, json_cold[0], raw)
    _command_line(work, home, issued, published, raw)

    heading("issuing and rendering")
    row("issue through the authority (det.+JSON+JWT+XML, stored), per cert", issue_cpu, issue_wall)
    _pdf(issued, authority)
    _canonicalization(issued)
    _peers(work, issued, lists, json_cold)
    print(
        f"\nratios to raw Ed25519 ({raw:.0f}/s): JSON {json_cold[0] / raw:.1%} (target >= 25 %), "
        f"JWT {jwt_cold[0] / raw:.1%} (>= 50 %), XML {xml_cold[0] / raw:.1%} (>= 10 %)"
    )


def _list_ids(issued: list[IssuedCertificate]) -> set[str]:
    return {entry.list_url.rsplit("/", 1)[-1] for item in issued for entry in item.status}


def _stages(
    jsons: list[bytes],
    published: dict[str, Any],
    lists: Lists,
    now: datetime,
    whole: float,
    raw: float,
) -> None:
    """Each stage of a cold JSON verification timed alone, on the same documents."""
    credentials = [parse_json(d) for d in jsons]
    store = trust_from_published(published)
    key = next(iter(store.keys))
    unsecured = [{k: v for k, v in c.items() if k != "proof"} for c in credentials]
    options = [{k: v for k, v in c["proof"].items() if k != "proofValue"} for c in credentials]
    hashes = [
        data_integrity.options_hash(u["@context"], o) + jsonld.canonical_hash(u)
        for u, o in zip(unsecured, options, strict=True)
    ]
    import base58

    signatures = [base58.b58decode(c["proof"]["proofValue"][1:]) for c in credentials]
    pairs = list(zip(signatures, hashes, strict=True))
    data_integrity._OPTIONS_HASHES.clear()
    stages = {
        "parse JSON (duplicate keys refused)": once_each(parse_json, jsons)[0],
        "certificate model (schema, Annex 3B checks)": once_each(
            certificate_from_credential, credentials
        )[0],
        "canonicalize the credential (RDFC-1.0, compiled)": once_each(
            jsonld.canonical_hash, unsecured
        )[0],
        "proof options hash (first: canonicalized)": once_each(
            lambda o: data_integrity.options_hash(unsecured[0]["@context"], o), options[:1]
        )[0],
        "proof options hash (kept, options repeat)": once_each(
            lambda o: data_integrity.options_hash(unsecured[0]["@context"], o), options
        )[0],
        "Ed25519 verify (VerificationKey.verify)": once_each(lambda p: key.verify(*p), pairs)[0],
    }
    total_ms = 1000 / whole
    print(f"\nwhere one cold JSON verification's {total_ms:.3f} ms (cpu) go:")
    spent = 0.0
    for name, rate in stages.items():
        ms = 1000 / rate
        if "first" in name:
            print(f"  {name:<58} {ms:8.3f} ms   (once per distinct options)")
            continue
        spent += ms
        print(f"  {name:<58} {ms:8.3f} ms {ms / total_ms:7.1%}")
        FIGURES[f"stage: {name}"] = round(ms, 4)
    rest = total_ms - spent
    print(
        f"  {'the rest (proof decoding, status lists, key, validity, report)':<58} "
        f"{rest:8.3f} ms {rest / total_ms:7.1%}"
    )
    FIGURES["stage: rest"] = round(rest, 4)
    print(f"  {'(raw Ed25519 alone: ' + f'{1000 / raw:.3f} ms)':<58}")


def _child_seconds(argv: list[str]) -> tuple[float, float]:
    """(cpu, wall) seconds a command took (its own CPU time, from the kernel)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, check=False)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 2):
        raise RuntimeError(result.stderr.decode()[-2000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def _command_line(
    work: Path, home: Path, issued: list[IssuedCertificate], published: dict[str, Any], raw: float
) -> None:
    folder = work / "files"
    folder.mkdir()
    paths = []
    for item in issued[:550]:
        path = folder / f"{item.certificate.number}.json"
        path.write_text(json.dumps(item.credential, indent=2, ensure_ascii=False) + "\n")
        paths.append(str(path))
    did = work / "did.json"
    did.write_text(json.dumps(published))
    heading("the command line: `certificate verify FILE...`, (550 files - 50 files) / 500")
    for label, trust in (
        ("offline, --trust did.json", ["--trust", str(did)]),
        ("with the issuing body's register, --home", ["--home", str(home)]),
    ):
        # Each call's time is the best of five, so the difference is of two settled figures.
        command = [str(CLI), "certificate", "verify"]
        small = [_child_seconds([*command, *paths[:50], *trust, "--json"]) for _ in range(5)]
        large = [_child_seconds([*command, *paths[:550], *trust, "--json"]) for _ in range(5)]
        cpu = min(c for c, _ in large) - min(c for c, _ in small)
        wall = min(w for _, w in large) - min(w for _, w in small)
        row(f"marginal, {label}", 500 / cpu, 500 / wall if wall > 0 else None, raw=raw)
    start = [
        _child_seconds([str(CLI), "certificate", "verify", paths[0], "--trust", str(did)])
        for _ in range(5)
    ]
    version = [_child_seconds([str(CLI), "version"]) for _ in range(5)]
    print(
        f"  start-up, best of 5: `certificate verify FILE --trust did.json` "
        f"{min(w for _, w in start) * 1000:.0f} ms wall ({min(c for c, _ in start) * 1000:.0f} ms cpu); "
        f"`version` {min(w for _, w in version) * 1000:.0f} ms wall "
        f"({min(c for c, _ in version) * 1000:.0f} ms cpu)"
    )
    FIGURES["start-up ms: certificate verify (wall)"] = round(min(w for _, w in start) * 1000)
    FIGURES["start-up ms: version (wall)"] = round(min(w for _, w in version) * 1000)


def _pdf(issued: list[IssuedCertificate], authority: Authority) -> None:
    """The PDF as rendered for `certificate issue --out` (credential and JWT embedded)."""

    def render(item: IssuedCertificate) -> bytes:
        signed = (json.dumps(item.credential, indent=2, ensure_ascii=False) + "\n").encode()
        url = f"https://co.example.cn/verify/{item.certificate.number}"
        return render_pdf(
            item.certificate, signed_credential=signed, verification_url=url, jwt=item.jwt
        )

    items = issued[:200]
    first = time.process_time()
    render(items[0])
    first = time.process_time() - first
    row(
        "PDF rendering (A4, QR, JSON and JWT embedded), distinct certs",
        *once_each(render, items[1:]),
    )
    row("PDF rendering, the same certificate again", *cpu_rate(lambda: render(items[1]), 50))
    print(f"  (the first PDF of the process, its fonts parsed: {first * 1000:.0f} ms cpu)")
    row(
        "PDF as the authority serves it (rendering and any PDF signature)",
        *once_each(authority.render_pdf, items[1:41]),
    )


def _canonicalization(issued: list[IssuedCertificate]) -> None:
    documents = [{k: v for k, v in i.credential.items() if k != "proof"} for i in issued[:100]]
    fast = once_each(jsonld.canonicalize, documents)
    general = once_each(jsonld.canonicalize_general, documents)
    row("canonicalize a credential, compiled contexts (RDFC-1.0)", *fast)
    row("canonicalize a credential, Oxigraph (the general path)", *general)
    print(f"  compiled / Oxigraph: {fast[0] / general[0]:.1f}x")


def _peers(
    work: Path, issued: list[IssuedCertificate], lists: Lists, ours: tuple[float, float]
) -> None:
    interop = ROOT / "interop"
    if shutil.which("node") is None or not (interop / "node_modules").exists():
        print("\n(peers skipped: run `npm ci --prefix interop`)")
        return
    sample = issued[:300]
    bundle = {
        "credentials": [i.credential for i in sample],
        "didDocuments": [json.loads((work / "did.json").read_text())],
        "statusLists": list(lists.lists.values()),
        "contexts": {jsonld.RCEP_ORIGIN_V1: jsonld.context_document(jsonld.RCEP_ORIGIN_V1)},
    }
    path = work / "bundle.json"
    path.write_text(json.dumps(bundle))
    digital_bazaar = json.loads(
        subprocess.run(
            ["node", str(interop / "verify.mjs"), str(path), "--repeat", str(len(sample))],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    subjects = work / "subjects.json"
    subjects.write_text(json.dumps([i.credential["credentialSubject"] for i in sample]))
    open_attestation = json.loads(
        subprocess.run(
            ["node", str(interop / "oa_bench.mjs"), str(subjects), str(len(sample))],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    heading(f"peers, the same {len(sample)} certificates, one Node process each (wall)")
    row("rcep-origin JSON, cold (Python; cpu, then wall)", *ours)
    row("Digital Bazaar @digitalbazaar/vc (signature + status list)", digital_bazaar["per_second"])
    row(
        "OpenAttestation v2 (schema + Merkle proof + signer; no status)",
        open_attestation["verify_per_second"],
    )
    print(
        f"  in wall time, as the peers are timed: rcep-origin / Digital Bazaar "
        f"{ours[1] / digital_bazaar['per_second']:.1f}x, rcep-origin / OpenAttestation "
        f"{ours[1] / open_attestation['verify_per_second']:.1f}x"
    )


if __name__ == "__main__":
    main()
