"""``rcep-origin keys ...`` and ``rcep-origin certificate ...``: adapters over the issuing
authority (``rcep_origin.authority``), on the same register as the service.

The heavy modules (the authority and its database layer, the issuer, the verifier) are
imported inside the commands that use them: ``certificate verify`` with only published files
never loads the database layer, and no command loads what it does not run.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rcep_origin.cli.home import (
    DEFAULT_HOME,
    EXIT_BAD_INPUT,
    DatabaseOption,
    HomeOption,
    authority_of,
    fail,
    load_request,
    operator_of,
)
from rcep_origin.errors import InputError

if TYPE_CHECKING:
    from rcep_origin.authority import Authority
    from rcep_origin.certificates.issuer import IssuedCertificate
    from rcep_origin.certificates.request import CertificateRequest
    from rcep_origin.certificates.verification import TrustStore, VerificationReport

EXIT_INVALID, EXIT_INDETERMINATE = 1, 2
# The same limit as the verifier's (rcep_origin.certificates.verification.MAX_DOCUMENT_BYTES,
# which a test holds this to), without importing it to start.
MAX_VERIFY_BYTES = 10 * 1024 * 1024

keys_app = typer.Typer(
    help="Issuer keys: create (and rotate), list, revoke; DID document and JWKS.",
    no_args_is_help=True,
)
certificate_app = typer.Typer(
    help="Certificates of origin: issue, verify, revoke.", no_args_is_help=True
)


def _err(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    return fail(message, code)


@keys_app.command("create")
def keys_create(
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
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
    from rcep_origin.authority import Authority
    from rcep_origin.certificates.issuer import IssuerProfile
    from rcep_origin.certificates.model import Signatory

    if not Authority.is_set_up(home):
        if not (did and name and country):
            raise _err("first set-up: give --did, --name and --country")
        domain = did.removeprefix("did:web:").split(":")[0].replace("%3A", ":")
        try:
            Authority.set_up(
                home,
                IssuerProfile(
                    did=did,
                    name=name,
                    country=country,
                    signatory=Signatory(name=signatory, position=position),
                    place_of_issue=place or country,
                    number_prefix=prefix or country,
                    verification_url=verification_url or f"https://{domain}/verify",
                    status_url=status_url or f"https://{domain}/status",
                ),
            )
        except ValueError as exc:
            raise _err(str(exc)) from None
    with authority_of(home, database_url) as found:
        key = found.create_key(operator_of(found))
    typer.echo(
        f"created {key.id} (publish {home / 'public' / 'did.json'} at https://<domain>/.well-known/did.json)"
    )


@keys_app.command("list")
def keys_list(home: HomeOption = DEFAULT_HOME, database_url: DatabaseOption = None) -> None:
    """List the issuer's keys and their lifetimes."""
    from rich.console import Console
    from rich.table import Table

    table = Table("kid", "created", "retired", "revoked")
    with authority_of(home, database_url) as found:
        for key in found.signing_keys():
            table.add_row(key.kid, *(_when(t) for t in (key.created, key.retired, key.revoked)))
    Console().print(table)


def _when(instant: datetime | None) -> str:
    return "-" if instant is None else instant.isoformat()


@keys_app.command("revoke")
def keys_revoke(
    kid: str,
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
    at: Annotated[
        str | None, typer.Option(help="Compromised from (ISO date-time); default now")
    ] = None,
) -> None:
    """Report a key compromised: what it signed from --at on no longer verifies; what it
    signed before stays valid (the key stays published with its revocation time)."""
    try:
        instant = datetime.fromisoformat(at) if at else datetime.now(UTC)
    except ValueError as exc:
        raise _err(str(exc)) from None
    instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    with authority_of(home, database_url) as found:
        key = found.revoke_key(operator_of(found), kid, instant)
    typer.echo(f"revoked {key.id} from {key.revoked}")


@keys_app.command("protect")
def keys_protect(home: HomeOption = DEFAULT_HOME, database_url: DatabaseOption = None) -> None:
    """Encrypt the private key files under RCEP_ORIGIN_KEY_PASSPHRASE (or _FILE); new keys are
    written encrypted whenever it is set. With RCEP_ORIGIN_PKCS11_MODULE set, new keys are
    made on the token instead and never leave it."""
    with authority_of(home, database_url) as found:
        rewritten = found.protect_keys(operator_of(found))
    typer.echo(
        f"encrypted {len(rewritten)} key file(s)"
        + (f": {', '.join(rewritten)}" if rewritten else "")
    )


@certificate_app.command("issue")
def certificate_issue(
    applications: Annotated[
        # Names, not Paths: typer would build a converter for every one of thousands.
        list[str],
        typer.Argument(help="Applications (YAML/JSON), each naming its declarations"),
    ],
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Also write every form (json, jwt, xml, pdf) to this folder")
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            envvar="RCEP_ORIGIN_RULES",
            file_okay=False,
            help="The rule bundle to decide under (a directory or an overlay); default built-in",
        ),
    ] = None,
) -> None:
    """Issue certificates: re-run each determination, refuse any good that is not originating,
    sign the JSON credential, the JWT and the XML, and record them in the issuing body's
    register (the one the service uses). All or none."""
    try:
        # An application named again (the same goods shipped again) is read once.
        read: dict[Path, CertificateRequest] = {}
        requests = []
        for name in applications:
            key = Path(name).resolve()
            if key not in read:
                read[key] = load_request(Path(name))
            requests.append(read[key])
    except InputError as exc:
        raise _err(f"{exc.path}: {exc.message}" if exc.path else exc.message) from None
    with authority_of(home, database_url, rules=rules) as found:
        issued = found.issue_application(operator_of(found), requests)
        for item in issued:
            number = item.certificate.number
            typer.echo(
                f"issued {number}: {len(item.certificate.goods)} good(s), valid until {item.certificate.valid_until}"
            )
            if out is not None:
                _write_forms(out, found, item)


def _write_forms(out: Path, found: Authority, item: IssuedCertificate) -> None:
    out.mkdir(parents=True, exist_ok=True)
    number = item.certificate.number
    signed = (json.dumps(item.credential, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    (out / f"{number}.json").write_bytes(signed)
    (out / f"{number}.jwt").write_text(item.jwt + "\n")
    if item.xml is not None:
        (out / f"{number}.xml").write_bytes(item.xml)
    (out / f"{number}.pdf").write_bytes(found.render_pdf(item))


@certificate_app.command("revoke")
def certificate_revoke(
    number: str,
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
    suspend: Annotated[bool, typer.Option("--suspend", help="Suspend instead of revoking")] = False,
    reinstate: Annotated[bool, typer.Option("--reinstate", help="Lift a suspension")] = False,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log)")] = "",
) -> None:
    """Revoke (final) or suspend a certificate, or reinstate a suspended one: flip its status
    bit and re-sign the list. Exit 1, changing nothing, when the change is not possible (a
    revoked certificate cannot be reinstated)."""
    if suspend and reinstate:
        raise _err("--suspend and --reinstate exclude each other")
    purpose = "suspension" if suspend or reinstate else "revocation"
    with authority_of(home, database_url) as found:
        found.set_status(
            operator_of(found), number, purpose=purpose, flagged=not reinstate, reason=reason
        )
    typer.echo(f"{number}: {'reinstated' if reinstate else 'suspended' if suspend else 'revoked'}")


def _trust(paths: list[Path]) -> TrustStore:
    """The issuers ``--trust`` names: issuer homes (keys with lifetimes, XML certificates), or
    what issuers publish (did.json, jwks.json) -- enough to verify all four forms offline, with
    no home at all."""
    from rcep_origin.certificates.verification import TrustStore

    trust = TrustStore()
    for path in paths:
        if path.is_dir():
            from rcep_origin.authority import trust_of_homes

            trust_of_homes(path, trust=trust)
            continue
        try:
            document = json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} is not JSON: {exc}") from None
        try:
            trust.add_published(document)
        except InputError as exc:
            where = f"{path}:{exc.path}" if exc.path else str(path)
            raise InputError(exc.message, path=where) from None
    return trust


def _registered_home(paths: list[Path], home: Path, database_url: str | None) -> Path | None:
    """The issuer home whose register (database) verification can use for status and the
    register check: only when every trusted issuer is a home (an authority trusts homes), and
    the first one has a register -- a verifier never creates one."""
    if not paths or not all(path.is_dir() for path in paths):
        return None
    from rcep_origin.authority import DATABASE_FILE

    first = paths[0]
    named = database_url is not None and first.resolve() == home.resolve()
    return first if named or (first / DATABASE_FILE).exists() else None


@certificate_app.command("verify")
def certificate_verify(
    names: Annotated[
        # Names, not Paths: typer would build a converter for every one of thousands.
        list[str],
        typer.Argument(
            metavar="FILE",
            help="Certificates, any mix of forms: JSON credentials, JWTs, XML, PDF; '-' reads "
            "one from standard input",
        ),
    ],
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            help="Trusted issuers (repeatable): an issuer home, or what an issuer publishes "
            "(did.json, jwks.json); default --home"
        ),
    ] = None,
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print each report as JSON, one line each, in order")
    ] = False,
    at: Annotated[
        str | None, typer.Option(help="Verify as of this ISO date-time instead of now")
    ] = None,
) -> None:
    """Verify integrity, issuer, key lifetime, validity, status and -- with an issuer home and
    its register -- that the number was issued with this content. Many files are verified in
    one run (each status list fetched and checked once). Exit 0 when every one is valid, else
    the worst: 1 invalid, 2 indeterminate (offline, e.g. with did.json only: the status list
    is not at hand); 3 bad usage (nothing verified)."""
    paths = trust or [home]
    files = [Path(name) for name in names]
    if sum(str(file) == "-" for file in files) > 1:
        raise _err("standard input ('-') can be read once")
    for file in files:
        if str(file) != "-" and not file.is_file():
            raise _err(f"{file}: no such file")
    try:
        store = _trust(paths)
        now = datetime.fromisoformat(at) if at else datetime.now(UTC)
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    except InputError as exc:
        raise _err(f"{exc.path}: {exc.message}" if exc.path else exc.message) from None
    except (OSError, ValueError) as exc:
        raise _err(str(exc)) from None
    documents = _read_all(files)
    registered = _registered_home(paths, home, database_url)
    try:
        if registered is None:
            from rcep_origin.certificates.verification import verify_many

            worst = _print_reports(files, verify_many(documents, store, None, now=now), as_json)
        else:
            # The issuing body's own register answers status and register; its authority
            # trusts the same homes (the first, then the others).
            url = database_url if registered.resolve() == home.resolve() else None
            with authority_of(registered, url) as found:
                reports = found.verify_documents(documents, trust=store, now=now)
                worst = _print_reports(files, reports, as_json)
    except OSError as exc:  # a file that went away while reading
        raise _err(str(exc)) from None
    raise typer.Exit(worst)


def _read_all(files: list[Path]) -> Iterator[bytes]:
    """The files' bytes one at a time (never more than the limit, +1 to tell it was exceeded).
    A read is sized to the file: asking for the limit would allocate 10 MiB each time."""
    for file in files:
        if str(file) == "-":
            yield sys.stdin.buffer.read(MAX_VERIFY_BYTES + 1)
        else:
            with file.open("rb") as stream:
                size = os.fstat(stream.fileno()).st_size or MAX_VERIFY_BYTES  # 0: not said
                yield stream.read(min(size, MAX_VERIFY_BYTES) + 1)


# A report's verdict: its rank (the worst decides the exit code) and its exit code.
_VERDICTS = {
    "valid": (0, 0),
    "indeterminate": (1, EXIT_INDETERMINATE),
    "invalid": (2, EXIT_INVALID),
}


def _print_reports(files: list[Path], reports: Iterator[VerificationReport], as_json: bool) -> int:
    """Print each report as it comes; the exit code of the worst."""
    out = sys.stdout
    worst = "valid"
    counts = dict.fromkeys(_VERDICTS, 0)
    console = None
    for file, report in zip(files, reports, strict=True):
        verdict = report.verdict
        counts[verdict] += 1
        if _VERDICTS[verdict][0] > _VERDICTS[worst][0]:
            worst = verdict
        if as_json:
            out.write(json.dumps({"file": str(file), **report.to_dict()}, ensure_ascii=False))
            out.write("\n")
            continue
        if console is None:
            from rich.console import Console

            console = Console(highlight=False)
        _print_report(console, report, str(file), details=len(files) == 1)
    if not as_json and len(files) > 1 and console is not None:
        console.print(", ".join(f"{n} {verdict}" for verdict, n in counts.items()))
    out.flush()
    return _VERDICTS[worst][1]


def _print_report(console: Any, report: VerificationReport, name: str, *, details: bool) -> None:
    from rich.markup import escape

    colour = {"valid": "green", "invalid": "red", "indeterminate": "yellow"}[report.verdict]
    number = report.certificate.number if report.certificate else "?"
    where = "" if details else f" {escape(name)}"
    console.print(
        f"[bold {colour}]{report.verdict.upper()}[/] {number} ({report.form}){where}: "
        f"{escape(report.reason)}"
    )
    if details:
        for check in report.checks:
            style = {"pass": "green", "fail": "red", "unknown": "yellow"}[check.result]
            console.print(f"  [{style}]{check.result:7}[/] {check.name:9} {escape(check.reason)}")
