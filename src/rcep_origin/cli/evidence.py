"""``rcep-origin evidence``: the issuing body's append-only evidence log (RFC 9162) from the
command line -- add a record's hash, prove an entry, prove the log only grew, verify a proof
offline with nothing but the issuer's published ``did.json`` -- and the helpers a supplier needs
to sign its declarations and its status list with its own key.

Exit codes: 0 done (``verify``: everything holds), 1 not possible or does not hold, 3 bad input,
5 the database or the signing key is unavailable.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rcep_origin.cli.home import (
    DEFAULT_HOME,
    EXIT_BAD_INPUT,
    EXIT_REFUSED,
    DatabaseOption,
    HomeOption,
    authority_of,
    fail,
    operator_of,
)
from rcep_origin.errors import InputError

if TYPE_CHECKING:
    from rcep_origin.certificates.verification import TrustStore

evidence_app = typer.Typer(
    help="The issuing body's append-only evidence log (RFC 9162): add, prove, consistency, "
    "verify; and a supplier's signing helpers.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
KINDS = ("bom", "firmware_log", "production_log", "supplier_declaration", "other")
_READ_CHUNK = 1 << 20


def _print(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks (a production log may be large)."""
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_READ_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}") from None
    return digest.hexdigest(), size


@evidence_app.command("add")
def add_command(
    file: Annotated[Path, typer.Argument(help="The record; only its hash enters the log.")],
    kind: Annotated[str, typer.Option(help=f"One of {', '.join(KINDS)}.")],
    version: Annotated[
        str | None, typer.Option(help="The firmware version a firmware log records.")
    ] = None,
    party: Annotated[
        list[str] | None,
        typer.Option(help="A Party a production log covers (ISO alpha-2); repeat for each."),
    ] = None,
    period_from: Annotated[
        str | None, typer.Option("--from", help="The first day the log covers (YYYY-MM-DD).")
    ] = None,
    period_to: Annotated[
        str | None, typer.Option("--to", help="The last day the log covers (YYYY-MM-DD).")
    ] = None,
    reference: Annotated[str | None, typer.Option(help="Where the owner keeps it.")] = None,
    as_json: JsonOption = False,
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
) -> None:
    """Append a leaf committing to the file's SHA-256, kind, size and the time it is logged
    (and what it states: a version, the Parties and period a log covers). The file stays with
    its owner. Prints {leaf_index, leaf_hash, sha256, tree_size}."""
    from pydantic import ValidationError

    from rcep_origin.authority import EvidenceInput

    sha256, size = _digest(file)
    try:
        item = EvidenceInput(
            kind=kind,  # validated here
            sha256=sha256,
            size=size,
            reference=reference,
            version=version,
            parties=[p.upper() for p in party] if party else None,
            period_from=_day(period_from, "--from"),
            period_to=_day(period_to, "--to"),
        )
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"]) or "input"
        raise fail(f"{where}: {error['msg'].removeprefix('Value error, ')}") from None
    with authority_of(home, database_url) as found:
        view = found.add_evidence(operator_of(found), item).view
    if as_json:
        _print(
            {
                "leaf_index": view.leaf_index,
                "leaf_hash": view.leaf_hash,
                "sha256": view.sha256,
                "tree_size": view.tree_size,
                "kind": view.kind,
                "time": view.time,
                "existing": view.existing,
            }
        )
    else:
        said = "already logged as" if view.existing else "logged as"
        typer.echo(f"{file}: {said} leaf {view.leaf_index} ({view.leaf_hash}) of {view.tree_size}")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: not a date (YYYY-MM-DD): {value!r}") from None


@evidence_app.command("prove")
def prove_command(
    ref: Annotated[
        str,
        typer.Argument(
            help="A leaf index, the SHA-256 of a logged file, or a leaf hash; with "
            "--certificate, a certificate number."
        ),
    ],
    certificate: Annotated[
        bool, typer.Option("--certificate", help="REF is a certificate number.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Write the proof to this file.")] = None,
    as_json: JsonOption = False,
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
) -> None:
    """The inclusion proof of an entry against the newest signed checkpoint: {leaf, leaf_index,
    tree_size, audit_path, root_hash, checkpoint}. It travels with the record (a certificate's
    beside its PDF) and verifies offline ('evidence verify')."""
    with authority_of(home, database_url) as found:
        actor = operator_of(found)
        view = (
            found.certificate_proof(actor, ref) if certificate else found.evidence_proof(actor, ref)
        )
    document = view.model_dump(mode="json")
    if out is not None:
        out.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    if as_json or out is None:
        if as_json:
            _print(document)
        else:
            typer.echo(
                f"leaf {view.leaf_index} of {view.tree_size}: {len(view.audit_path)} hashes to "
                f"root {view.root_hash}, signed {view.checkpoint.time} by {view.checkpoint.key_id}"
            )
    else:
        typer.echo(f"wrote {out}")


@evidence_app.command("consistency")
def consistency_command(
    first: Annotated[int, typer.Argument(help="The earlier tree size.")],
    second: Annotated[
        int | None, typer.Argument(help="The later one (default: the newest checkpoint).")
    ] = None,
    as_json: JsonOption = False,
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
) -> None:
    """RFC 9162 section 2.1.4: the proof that the log at SECOND leaves extends the log at FIRST
    {first, second, first_root, second_root, path}, with SECOND's signed checkpoint."""
    with authority_of(home, database_url) as found:
        view = found.evidence_consistency(operator_of(found), first, second)
    if as_json:
        _print(view.model_dump(mode="json"))
    else:
        typer.echo(
            f"{view.first} -> {view.second} leaves: {len(view.path)} hashes; roots "
            f"{view.first_root} -> {view.second_root}"
        )


@evidence_app.command("checkpoint")
def checkpoint_command(
    home: HomeOption = DEFAULT_HOME, database_url: DatabaseOption = None
) -> None:
    """The newest signed checkpoint (what the issuing body publishes)."""
    with authority_of(home, database_url) as found:
        _print(found.evidence_checkpoint().model_dump(mode="json"))


@evidence_app.command("check")
def check_command(home: HomeOption = DEFAULT_HOME, database_url: DatabaseOption = None) -> None:
    """Recompute the whole log from its leaves: leaf hashes, stored nodes, every signed
    checkpoint and the published one, and each logged audit head against the audit chain.
    Exit 0 when it all holds, 1 otherwise."""
    with authority_of(home, database_url) as found:
        report = found.check_evidence_log(operator_of(found))
    _print(report.model_dump(mode="json"))
    if not report.intact:
        raise typer.Exit(EXIT_REFUSED)


# --- verifying, offline ------------------------------------------------------------------------


def _trust(paths: list[Path]) -> TrustStore:
    """The issuers ``--trust`` names: their published did.json or jwks.json, or their homes."""
    from rcep_origin.certificates import PublishedKeysError
    from rcep_origin.certificates.verification import TrustStore

    trust = TrustStore()
    for path in paths:
        if path.is_dir():
            from rcep_origin.authority import trust_of_homes

            trust_of_homes(path, trust=trust)
            continue
        try:
            trust.add_published(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, PublishedKeysError) as exc:
            raise fail(f"--trust {path}: {exc}") from None
    return trust


@evidence_app.command("verify")
def verify_command(
    proof_file: Annotated[Path, typer.Argument(help="An inclusion or consistency proof (JSON).")],
    file: Annotated[
        Path | None,
        typer.Argument(help="The record the leaf commits to: a file, or a certificate (any form)."),
    ] = None,
    trust: Annotated[
        list[Path] | None,
        typer.Option(help="The issuer's published did.json (or jwks.json, or its home)."),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            help="A consistency proof's starting point: a signed checkpoint held from before."
        ),
    ] = None,
) -> None:
    """Exit 0 when the proof holds (RFC 9162), its checkpoint is signed by a key of the issuer
    inside its lifetime (from --trust), FILE (if given) is what the leaf commits to, and a
    consistency proof starts from --previous (if given); 1 otherwise; 3 for an unreadable
    proof."""
    from rcep_origin import ledger

    try:
        proof = ledger.read_proof(json.loads(proof_file.read_text("utf-8")))
    except (OSError, ValueError) as exc:
        message = exc.message if isinstance(exc, InputError) else str(exc)
        raise fail(f"{proof_file}: {message}", EXIT_BAD_INPUT) from None
    store = _trust(trust or [])
    problem = proof.problem()
    checks = [("proof", not problem, problem or "holds (RFC 9162 section 2.1)")]
    point = proof.checkpoint
    if point is None:
        checks.append(("checkpoint", False, "the proof carries no signed checkpoint"))
    else:
        problem = ledger.checkpoint_problem(point, store.keys.get(point.key_id))
        said = f"signed {point.time} by {point.key_id} ({point.tree_size} leaves)"
        checks.append(("checkpoint", not problem, problem or said))
    leaf: dict[str, Any] | None = None
    if isinstance(proof, ledger.InclusionProof):
        try:
            decoded = ledger.decode_leaf(proof.leaf)
            leaf = decoded.model_dump(mode="json", exclude_none=True)
        except InputError as exc:
            checks.append(("leaf", False, exc.message))
            decoded = None
        if file is not None and decoded is not None:
            checks.append(_file_check(decoded, file, store))
    elif file is not None:
        checks.append(("file", False, "a consistency proof commits to no file"))
    if previous is not None:
        checks.append(_previous_check(proof, previous, store))
    valid = all(ok for _, ok, _ in checks)
    _print(
        {
            "valid": valid,
            "checks": [
                {"name": name, "result": "pass" if ok else "fail", "reason": reason}
                for name, ok, reason in checks
            ],
            "leaf": leaf,
        }
    )
    if not valid:
        raise typer.Exit(EXIT_REFUSED)


def _previous_check(proof: Any, path: Path, trust: TrustStore) -> tuple[str, bool, str]:
    """The checkpoint a verifier held before: signed by the issuer, and where the consistency
    proof starts (the same size and root)."""
    from rcep_origin import ledger

    try:
        held = ledger.Checkpoint.from_json(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError) as exc:
        message = exc.message if isinstance(exc, InputError) else str(exc)
        raise fail(f"--previous {path}: {message}", EXIT_BAD_INPUT) from None
    if not isinstance(proof, ledger.ConsistencyProof):
        return "previous", False, "--previous is for a consistency proof"
    problem = ledger.checkpoint_problem(held, trust.keys.get(held.key_id))
    if problem:
        return "previous", False, f"{path}: {problem}"
    if (held.tree_size, held.root_hash) != (proof.first, proof.first_root):
        return (
            "previous",
            False,
            (
                f"the proof starts from {proof.first} leaves and another root than the checkpoint "
                f"held ({held.tree_size} leaves): the log was not only appended to"
            ),
        )
    return (
        "previous",
        True,
        f"starts from the checkpoint held ({held.tree_size} leaves, {held.time})",
    )


def _file_check(leaf: Any, file: Path, trust: TrustStore) -> tuple[str, bool, str]:
    from rcep_origin import ledger

    if isinstance(leaf, ledger.EvidenceLeaf):
        sha256, size = _digest(file)
        if sha256 != leaf.sha256 or size != leaf.size:
            return (
                "file",
                False,
                f"{file} is not the logged file: it was changed (SHA-256 {sha256})",
            )
        return "file", True, f"{file} is the logged {leaf.kind}, unchanged"
    if isinstance(leaf, ledger.CertificateLeaf):
        from rcep_origin.certificates import certificate_digest, verify_document

        try:
            report = verify_document(file.read_bytes(), trust, None, now=datetime.now(UTC))
        except (OSError, InputError) as exc:
            return "file", False, f"{file} is not a certificate: {exc}"
        signature = next((c for c in report.checks if c.name == "signature"), None)
        if report.certificate is None or signature is None or signature.result != "pass":
            return "file", False, f"{file}: {report.reason}"
        if certificate_digest(report.certificate) != leaf.digest:
            return "file", False, f"{file} is not certificate {leaf.number} as logged"
        return "file", True, f"{file} is certificate {leaf.number} as issued and logged"
    return "file", False, "this leaf commits to no file"


# --- a supplier's own key ----------------------------------------------------------------------


@evidence_app.command("supplier-key")
def supplier_key_command(
    out: Annotated[Path, typer.Option(help="Where to write the private key (PKCS#8 PEM).")],
) -> None:
    """Make a supplier's Ed25519 key; prints its did:key. The key stays with the supplier."""
    from rcep_origin.certificates.supplier import new_supplier_signer

    if out.exists():
        raise fail(f"{out} exists: not overwriting a key")
    signer = new_supplier_signer()
    out.write_bytes(signer.export_private_pem())
    out.chmod(0o600)
    typer.echo(signer.key.controller)


def _supplier_signer(path: Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from rcep_origin.certificates.supplier import signer_from_private

    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise fail(f"--key {path}: {exc}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise fail(f"--key {path}: not an Ed25519 key")
    return signer_from_private(private)


@evidence_app.command("supplier-list")
def supplier_list_command(
    key: Annotated[Path, typer.Option(help="The supplier's private key.")],
    url: Annotated[
        str, typer.Option(help="The list's URL at the register (…/status/suppliers/ID).")
    ],
    out: Annotated[Path, typer.Option(help="Where to write the signed list.")],
    revoke: Annotated[
        list[int] | None, typer.Option(help="An index to set (revoke); repeat for each.")
    ] = None,
    previous: Annotated[
        Path | None, typer.Option(help="The list as published now (its bits are kept).")
    ] = None,
) -> None:
    """Sign the supplier's revocation list (W3C Bitstring Status List) with its own key, the
    bits of --previous kept and --revoke set; upload it with PUT /v1/supplier-status-lists/ID."""
    from rcep_origin.certificates.status_list import Bitstring, StatusListError
    from rcep_origin.certificates.supplier import (
        SupplierDeclarationError,
        read_status_list,
        status_list,
    )

    signer = _supplier_signer(key)
    bits = Bitstring()
    if previous is not None:
        try:
            _, bits = read_status_list(json.loads(previous.read_text("utf-8")), url)
        except (OSError, ValueError) as exc:
            message = exc.message if isinstance(exc, SupplierDeclarationError) else str(exc)
            raise fail(f"--previous {previous}: {message}") from None
    try:
        for index in revoke or []:
            bits.set(index, True)
    except StatusListError as exc:
        raise fail(f"--revoke: {exc}") from None
    out.write_text(json.dumps(status_list(url, signer, bits, datetime.now(UTC)), indent=2) + "\n")
    typer.echo(f"wrote {out}")


@evidence_app.command("supplier-declare")
def supplier_declare_command(
    claim_file: Annotated[
        Path,
        typer.Argument(
            help="The declaration (YAML or JSON): supplier_name, supplier_country, material, "
            "hs_code, originating, origin_party, valid_from, valid_until, part_number?, customer?"
        ),
    ],
    key: Annotated[Path, typer.Option(help="The supplier's private key.")],
    list_url: Annotated[str, typer.Option(help="Its status list's URL at the register.")],
    index: Annotated[int, typer.Option(help="Its entry in that list, not used before.")],
    out: Annotated[Path, typer.Option(help="Where to write the signed declaration.")],
) -> None:
    """Sign a long-term supplier declaration as a W3C VC with the supplier's own key; submit it
    with POST /v1/supplier-declarations, and give its id to the exporter for its BOM line
    (materials[i].supplier_declaration.credential)."""
    import yaml
    from pydantic import ValidationError

    from rcep_origin.certificates.credential import StatusEntry
    from rcep_origin.certificates.supplier import PURPOSE, SupplierClaim, sign_declaration

    signer = _supplier_signer(key)
    try:
        claim = SupplierClaim.model_validate(yaml.safe_load(claim_file.read_text("utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise fail(f"{claim_file}: {exc}") from None
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"])
        raise fail(f"{claim_file}: {where}: {error['msg'].removeprefix('Value error, ')}") from None
    signed = sign_declaration(
        claim, signer, StatusEntry(list_url, index, PURPOSE), datetime.now(UTC)
    )
    out.write_text(json.dumps(signed, indent=2, ensure_ascii=False) + "\n", "utf-8")
    typer.echo(signed["id"])
