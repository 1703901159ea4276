"""``rcep-origin keys ...`` and ``rcep-origin certificate ...``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rcep_origin.certificates.issuer import Issuer, IssuerProfile
from rcep_origin.certificates.model import Signatory
from rcep_origin.certificates.verification import MAX_DOCUMENT_BYTES as MAX_VERIFY_BYTES
from rcep_origin.certificates.verification import TrustStore, VerificationReport, verify_document
from rcep_origin.cli.home import DEFAULT_HOME, HomeOption, load_request
from rcep_origin.errors import InputError
from rcep_origin.store.files import FileRegistry
from rcep_origin.store.keystore import FileKeystore, StoreError

EXIT_INVALID, EXIT_INDETERMINATE, EXIT_BAD_INPUT = 1, 2, 3

keys_app = typer.Typer(
    help="Issuer keys: create (and rotate), list, revoke; DID document and JWKS.",
    no_args_is_help=True,
)
certificate_app = typer.Typer(
    help="Certificates of origin: issue, verify, revoke.", no_args_is_help=True
)


def _err(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    Console(stderr=True, highlight=False).print(f"[bold red]error[/] {message}")
    return typer.Exit(code)


@keys_app.command("create")
def keys_create(
    home: HomeOption = DEFAULT_HOME,
    did: Annotated[
        str | None, typer.Option(help="Issuer DID (did:web:...), first time only")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Issuing body's name, first time only")] = None,
    country: Annotated[
        str | None, typer.Option(help="Issuing body's Party, first time only")
    ] = None,
    signatory: Annotated[
        str, typer.Option(help="Authorised signatory's name")
    ] = "Authorised Officer",
    position: Annotated[str, typer.Option(help="Signatory's position")] = "Certification Officer",
    place: Annotated[str | None, typer.Option(help="Place of issue")] = None,
    prefix: Annotated[str | None, typer.Option(help="Certificate number prefix, e.g. CN")] = None,
    verification_url: Annotated[
        str | None, typer.Option(help="Base URL of the verification page")
    ] = None,
    status_url: Annotated[
        str | None, typer.Option(help="Base URL of the published status lists")
    ] = None,
) -> None:
    """Create a signing key. The first call sets up the issuer; later calls rotate: the new key
    signs from now on, older keys keep verifying what they signed."""
    store = FileKeystore(home)
    if not (home / "issuer.json").exists():
        if not (did and name and country):
            raise _err("first set-up: give --did, --name and --country")
        domain = did.removeprefix("did:web:").split(":")[0].replace("%3A", ":")
        try:
            store.save_profile(
                IssuerProfile(
                    did=did,
                    name=name,
                    country=country,
                    signatory=Signatory(name=signatory, position=position),
                    place_of_issue=place or country,
                    number_prefix=prefix or country,
                    verification_url=verification_url or f"https://{domain}/verify",
                    status_url=status_url or f"https://{domain}/status",
                )
            )
        except ValueError as exc:
            raise _err(str(exc)) from None
    key = store.create_key()
    typer.echo(
        f"created {key.id} (publish {home / 'public' / 'did.json'} at https://<domain>/.well-known/did.json)"
    )


@keys_app.command("list")
def keys_list(home: HomeOption = DEFAULT_HOME) -> None:
    """List the issuer's keys and their lifetimes."""
    table = Table("kid", "created", "retired", "revoked")
    for record in FileKeystore(home).records():
        table.add_row(
            record["kid"], record["created"], record["retired"] or "-", record["revoked"] or "-"
        )
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(
    kid: str,
    home: HomeOption = DEFAULT_HOME,
    at: Annotated[
        str | None, typer.Option(help="Compromised from (ISO date-time); default now")
    ] = None,
) -> None:
    """Report a key compromised: what it signed from --at on no longer verifies."""
    try:
        instant = datetime.fromisoformat(at) if at else datetime.now(UTC)
        instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
        key = FileKeystore(home).revoke_key(kid, instant)
    except (ValueError, StoreError) as exc:
        raise _err(str(exc)) from None
    typer.echo(f"revoked {key.id} from {key.revoked}")


def _issuer(home: Path) -> Issuer:
    store = FileKeystore(home)
    return Issuer(
        store.profile(), store.current_signer(), FileRegistry(home), xml_signer=store.xml_signer()
    )


@certificate_app.command("issue")
def certificate_issue(
    applications: Annotated[
        list[Path], typer.Argument(help="Applications (YAML/JSON), each naming its declarations")
    ],
    home: HomeOption = DEFAULT_HOME,
    out: Annotated[
        Path | None, typer.Option(help="Also write every form (json, jwt, xml, pdf) to this folder")
    ] = None,
) -> None:
    """Issue certificates: re-run each determination, refuse any good that is not originating,
    sign the JSON credential, the JWT and the XML, and record them. All or none."""
    try:
        requests = [load_request(path) for path in applications]
        issuer = _issuer(home)
        issued = issuer.issue(requests)
    except InputError as exc:
        raise _err(f"{exc.path}: {exc.message}" if exc.path else exc.message) from None
    for item in issued:
        number = item.certificate.number
        typer.echo(
            f"issued {number}: {len(item.certificate.goods)} good(s), valid until {item.certificate.valid_until}"
        )
        if out is not None:
            _write_forms(out, issuer, item)


def _write_forms(out: Path, issuer: Issuer, item) -> None:  # type: ignore[no-untyped-def]
    from rcep_origin.certificates.pdf import render_pdf

    out.mkdir(parents=True, exist_ok=True)
    number = item.certificate.number
    signed = (json.dumps(item.credential, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    (out / f"{number}.json").write_bytes(signed)
    (out / f"{number}.jwt").write_text(item.jwt + "\n")
    if item.xml is not None:
        (out / f"{number}.xml").write_bytes(item.xml)
    pdf = render_pdf(
        item.certificate,
        signed_credential=signed,
        verification_url=issuer.profile.verify_link(number),
        jwt=item.jwt,
    )
    (out / f"{number}.pdf").write_bytes(pdf)


@certificate_app.command("revoke")
def certificate_revoke(
    number: str,
    home: HomeOption = DEFAULT_HOME,
    suspend: Annotated[bool, typer.Option("--suspend", help="Suspend instead of revoking")] = False,
    reinstate: Annotated[bool, typer.Option("--reinstate", help="Lift a suspension")] = False,
) -> None:
    """Revoke (final) or suspend a certificate: flip its status bit and re-sign the list."""
    purpose = "suspension" if suspend or reinstate else "revocation"
    try:
        _issuer(home).set_status(number, purpose=purpose, flagged=not reinstate)
    except InputError as exc:
        raise _err(exc.message) from None
    typer.echo(f"{number}: {'reinstated' if reinstate else 'suspended' if suspend else 'revoked'}")


def _trust(paths: list[Path]) -> tuple[TrustStore, FileRegistry | None]:
    trust = TrustStore()
    registry = None
    for path in paths:
        if path.is_dir():
            store = FileKeystore(path)
            for key in store.keyring():
                trust.keys.add(key)
            did = store.profile().did
            trust.xml_certificates.setdefault(did, []).extend(store.xml_certificates())
            registry = registry or FileRegistry(path)
        else:
            from rcep_origin.certificates.keys import VerificationKey

            records = json.loads(path.read_text("utf-8"))
            for record in records.get("keys", []):
                trust.keys.add(VerificationKey.from_record(record))
    return trust, registry


@certificate_app.command("verify")
def certificate_verify(
    file: Annotated[
        Path,
        typer.Argument(help="A certificate: JSON credential, JWT, XML or PDF; '-' reads stdin"),
    ],
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            help="Trusted issuers: an issuer home or a keys.json (repeatable); default --home"
        ),
    ] = None,
    home: HomeOption = DEFAULT_HOME,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    at: Annotated[
        str | None, typer.Option(help="Verify as of this ISO date-time instead of now")
    ] = None,
) -> None:
    """Verify integrity, issuer, key, validity and status. Exit 0 valid, 1 invalid,
    2 indeterminate (e.g. status list not available), 3 bad usage."""
    try:
        data = (
            sys.stdin.buffer.read(MAX_VERIFY_BYTES + 1) if str(file) == "-" else _read_capped(file)
        )
        store, registry = _trust(trust or [home])
        now = datetime.fromisoformat(at) if at else datetime.now(UTC)
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    except (OSError, ValueError, InputError) as exc:
        raise _err(str(exc)) from None
    report = verify_document(data, store, registry, now=now)
    _print_report(report, as_json)
    raise typer.Exit(
        0
        if report.verdict == "valid"
        else EXIT_INDETERMINATE
        if report.verdict == "indeterminate"
        else EXIT_INVALID
    )


def _read_capped(path: Path) -> bytes:
    with path.open("rb") as stream:  # never more than the limit (+1 to tell it was exceeded)
        return stream.read(MAX_VERIFY_BYTES + 1)


def _print_report(report: VerificationReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    console = Console(highlight=False)
    colour = {"valid": "green", "invalid": "red", "indeterminate": "yellow"}[report.verdict]
    number = report.certificate.number if report.certificate else "?"
    console.print(
        f"[bold {colour}]{report.verdict.upper()}[/] {number} ({report.form}): {report.reason}"
    )
    for check in report.checks:
        style = {"pass": "green", "fail": "red", "unknown": "yellow"}[check.result]
        console.print(f"  [{style}]{check.result:7}[/] {check.name:9} {check.reason}")
