"""``rcep-origin trust ...`` and ``rcep-origin exchange ...``: the e-CO exchange (issue 20) as
adapters over the issuing authority, on the same register as the service.

- ``trust add|list|remove``: the importing side's list of accepted issuing bodies per Party;
- ``exchange peer add|list|remove``: the importing Parties' customs this issuing body delivers to;
- ``exchange deliver``: one delivery pass (the service's worker runs them on its own);
- ``exchange deliveries NUMBER``, ``exchange inbox``, ``exchange record ID``: what was sent and
  what was received;
- ``exchange check FILE``: the interface pre-check, offline, issuing nothing.

Exit codes: 0 done (``check``: no problem), 1 not allowed or not possible (``check``: problems
found), 3 bad input, 5 the database or the signing key is unavailable.
"""

from __future__ import annotations

import json
import sys
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
    from pydantic import BaseModel

trust_app = typer.Typer(
    help="The issuing bodies of other Parties whose certificates the inbox accepts.",
    no_args_is_help=True,
)
exchange_app = typer.Typer(
    help="The e-CO exchange: peers, deliveries, the inbox, the interface pre-check.",
    no_args_is_help=True,
)
peer_app = typer.Typer(
    help="The importing Parties' customs this issuing body delivers to.", no_args_is_help=True
)
exchange_app.add_typer(peer_app, name="peer")

FETCH_SECONDS = 10.0
MAX_PUBLISHED_BYTES = 1024 * 1024
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _print(views: BaseModel | list[Any]) -> None:
    if isinstance(views, list):
        typer.echo(json.dumps([v.model_dump(mode="json") for v in views], ensure_ascii=False))
    else:
        typer.echo(views.model_dump_json())


def did_web_url(did: str) -> str:
    """Where a ``did:web`` DID publishes its document (W3C did:web method, "Read")."""
    parts = did.removeprefix("did:web:").split(":")
    host = parts[0].replace("%3A", ":").replace("%3a", ":")
    path = "/".join(parts[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def read_published(source: str) -> dict[str, Any]:
    """A did.json or jwks.json from a file, an http(s) URL, or a did:web DID."""
    if source.startswith("did:web:"):
        source = did_web_url(source)
    if source.startswith(("https://", "http://")):
        import httpx

        try:
            response = httpx.get(source, timeout=FETCH_SECONDS, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise InputError(f"cannot fetch {source}: {exc}") from None
        if response.status_code != 200:
            raise InputError(f"cannot fetch {source}: HTTP {response.status_code}")
        data = response.content
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_PUBLISHED_BYTES:
                raise InputError(f"{path} is larger than 1 MiB")
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_PUBLISHED_BYTES:
        raise InputError(f"{source} is larger than 1 MiB")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{source} is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InputError(f"{source} is not a JSON object")
    return document


def _sibling_jwks(source: str) -> dict[str, Any] | None:
    """The jwks.json published beside a did.json (it carries each key's creation time)."""
    if source.startswith("did:web:"):
        source = did_web_url(source)
    if not source.endswith("did.json"):
        return None
    try:
        return read_published(source.removesuffix("did.json") + "jwks.json")
    except InputError:
        return None


# --- trust ---------------------------------------------------------------------------------------


@trust_app.command("add")
def trust_add(
    source: Annotated[
        str, typer.Argument(help="The issuer's did.json: a file, an http(s) URL or a did:web DID")
    ],
    party: Annotated[str, typer.Option(help="The Party whose issuing body it is, e.g. CN")],
    jwks: Annotated[
        str | None,
        typer.Option(help="Its jwks.json (file or URL); default: the one beside a did.json URL"),
    ] = None,
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
) -> None:
    """Accept the certificates of an issuing body of another Party (audited). Run it again
    after the issuer rotates or revokes a key, to take in its new did.json."""
    from rcep_origin.authority import TrustInput

    try:
        document = read_published(source)
        extra = read_published(jwks) if jwks else _sibling_jwks(source)
        entry = TrustInput(party=party, document=document, jwks=extra, source=source)
    except InputError as exc:
        raise fail(exc.message) from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    with authority_of(home, database_url) as found:
        view = found.trust_add(operator_of(found), entry)
    typer.echo(
        f"trusted {view.did} for {view.party}: {len(view.keys)} key(s), "
        f"{view.xml_certificates} XML signing certificate(s)"
    )


@trust_app.command("list")
def trust_list(
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
    include_removed: Annotated[bool, typer.Option("--all", help="Removed ones too")] = False,
    as_json: JsonOption = False,
) -> None:
    """The trust list, per Party."""
    with authority_of(home, database_url) as found:
        views = found.trust_list(operator_of(found), include_removed=include_removed)
    if as_json:
        _print(views)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("Party", "DID", "keys", "state", "source")
    for view in views:
        table.add_row(view.party, view.did, str(len(view.keys)), view.state, view.source)
    Console().print(table)


@trust_app.command("remove")
def trust_remove(
    did: str, home: HomeOption = DEFAULT_HOME, database_url: DatabaseOption = None
) -> None:
    """Stop accepting an issuing body's certificates (audited)."""
    with authority_of(home, database_url) as found:
        view = found.trust_remove(operator_of(found), did)
    typer.echo(f"removed {view.did} ({view.party}) from the trust list")


# --- peers ---------------------------------------------------------------------------------------


@peer_app.command("add")
def peer_add(
    party: Annotated[str, typer.Option(help="The importing Party, e.g. TH")],
    url: Annotated[str, typer.Option(help="The base URL of its customs' service")],
    key: Annotated[
        str,
        typer.Option(
            help="The API key its customs created for this issuing body (kept as a file in the "
            "home, mode 0600)"
        ),
    ],
    did_json: Annotated[
        str | None,
        typer.Option(
            "--did-json",
            help="Its did.json (file or URL), to verify its receipts; default URL/.well-known/did.json",
        ),
    ] = None,
    form: Annotated[
        str, typer.Option(help="The form delivered: json (the credential), jwt or xml")
    ] = "json",
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
) -> None:
    """Deliver every certificate issued from now on for --party to its customs (audited)."""
    from pydantic import ValidationError

    from rcep_origin.authority import PeerInput

    try:
        document = read_published(did_json or url.rstrip("/") + "/.well-known/did.json")
        peer = PeerInput.model_validate(
            {"party": party, "url": url, "key": key, "did_document": document, "form": form}
        )
    except InputError as exc:
        raise fail(exc.message) from None
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in error["loc"])
        raise fail(f"--{field.replace('_', '-')}: {error['msg']}") from None
    with authority_of(home, database_url) as found:
        view = found.peer_add(operator_of(found), peer)
    typer.echo(f"certificates for {view.party} go to {view.url} ({view.receiver}, {view.form})")


@peer_app.command("list")
def peer_list(
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    with authority_of(home, database_url) as found:
        views = found.peers(operator_of(found))
    if as_json:
        _print(views)
        return
    for view in views:
        typer.echo(f"{view.party}\t{view.state}\t{view.url}\t{view.receiver}\t{view.form}")


@peer_app.command("remove")
def peer_remove(
    party: Annotated[str, typer.Option(help="The importing Party")],
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
) -> None:
    """Stop queuing certificates for --party (what is queued stays, and waits for a peer)."""
    with authority_of(home, database_url) as found:
        view = found.peer_remove(operator_of(found), party)
    typer.echo(f"no longer delivering to {view.party}")


# --- deliveries and the inbox ------------------------------------------------------------------


@exchange_app.command("deliver")
def exchange_deliver(
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
    now: Annotated[
        bool, typer.Option("--now", help="Every pending delivery, whatever its backoff")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """One delivery pass: the deliveries due are sent and their receipts verified. The service
    does this on its own (its worker); use this without a running service, or from cron.
    Exit 1 when a delivery is still pending after the pass."""
    with authority_of(home, database_url) as found:
        # The operator at the issuing body's machine: the issuing body's own pass.
        done = found.deliver_now(operator_of(found)) if now else found.deliver_due()
    if as_json:
        _print(done)
    else:
        for view in done.deliveries:
            detail = view.reason or view.last_error or ""
            typer.echo(f"{view.number}\t{view.party}\t{view.event}\t{view.state}\t{detail}".strip())
        typer.echo(f"{done.attempted} delivery attempt(s)")
    pending = [v for v in done.deliveries if v.state in ("queued", "delivered")]
    raise typer.Exit(EXIT_REFUSED if pending else 0)


@exchange_app.command("deliveries")
def exchange_deliveries(
    number: str,
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Where a certificate and each change of its status went, and the receipts."""
    with authority_of(home, database_url) as found:
        views = found.deliveries(operator_of(found), number)
    if as_json:
        _print(views)
        return
    for view in views:
        detail = view.reason or view.last_error or ""
        typer.echo(f"{view.party}\t{view.event}\t{view.state}\t{view.attempts}\t{detail}".strip())


@exchange_app.command("inbox")
def exchange_inbox(
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
    verdict: Annotated[str | None, typer.Option(help="valid, invalid or indeterminate")] = None,
    party: Annotated[str | None, typer.Option(help="The exporting Party")] = None,
    chapter: Annotated[str | None, typer.Option(help="An HS chapter, two digits")] = None,
    appendix: Annotated[
        bool | None, typer.Option("--appendix/--no-appendix", help="Art. 2.6(3) flag")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The certificates received, newest first."""
    from pydantic import ValidationError

    from rcep_origin.authority import InboxQuery

    try:
        query = InboxQuery.model_validate(
            {"verdict": verdict, "party": party, "chapter": chapter, "appendix": appendix}
        )
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise fail(f"--{error['loc'][0]}: {error['msg']}") from None
    with authority_of(home, database_url) as found:
        views = found.inbox(operator_of(found), query)
    if as_json:
        _print(views)
        return
    for view in views:
        flags = ("appendix " if view.appendix_flagged else "") + ("RVC" if view.rvc else "")
        typer.echo(
            f"{view.record_id}\t{view.number}\t{view.exporting_party or '-'}\t{view.verdict}\t"
            f"{view.status}\tch. {','.join(view.hs_chapters) or '-'}\t{flags}".rstrip()
        )


@exchange_app.command("record")
def exchange_record(
    record_id: str, home: HomeOption = DEFAULT_HOME, database_url: DatabaseOption = None
) -> None:
    """One inbox record as JSON: checks, classification, receipt, status notices."""
    with authority_of(home, database_url) as found:
        view = found.inbox_record(operator_of(found), record_id)
    typer.echo(json.dumps(view.model_dump(mode="json"), indent=2, ensure_ascii=False))


# --- the interface pre-check ------------------------------------------------------------------


@exchange_app.command("check")
def exchange_check(
    file: Annotated[Path, typer.Argument(help="A JSON or XML document; '-' reads standard input")],
    as_json: JsonOption = False,
    lang: Annotated[str, typer.Option(help="en or zh")] = "en",
) -> None:
    """Check a document an ERP system is about to send (a certificate as JSON credential, JWT
    or XML; a declaration; an application) against the published schemas, listing every
    field-level problem with its path. Nothing is stored or issued; no home is needed. Exit 0
    when there is no problem, 1 when there are, 3 when the file cannot be read."""
    from rcep_origin.authority import check_interface

    try:
        data = sys.stdin.buffer.read(2 * 1024 * 1024 + 1) if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}", EXIT_BAD_INPUT) from None
    view = check_interface(data)
    if as_json:
        typer.echo(view.model_dump_json())
    else:
        typer.echo(view.summary_zh if lang.startswith("zh") else view.summary)
        for problem in view.problems:
            typer.echo(f"  {problem.path or '(document)'}: {problem.message}")
        for note in view.notes:
            typer.echo(f"  note: {note}")
    raise typer.Exit(0 if view.valid else EXIT_REFUSED)
