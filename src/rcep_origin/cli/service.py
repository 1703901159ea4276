"""``rcep-origin serve``, ``db upgrade``, ``orgs create|key``, ``audit verify``,
``home migrate``: adapters over the issuing authority, on the same register as the
certificate commands."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from rcep_origin.authority import migrate_database
from rcep_origin.cli.home import (
    DEFAULT_HOME,
    EXIT_REFUSED,
    DatabaseOption,
    HomeOption,
    authority_of,
    fail,
    operator_of,
)
from rcep_origin.errors import RuleSetError
from rcep_origin.rules import load_ruleset

db_app = typer.Typer(help="The register's database.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations and their API keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
home_app = typer.Typer(help="The issuing body's home directory.", no_args_is_help=True)


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    database_url: DatabaseOption = None,
    home: HomeOption = DEFAULT_HOME,
    trust: Annotated[
        list[Path] | None, typer.Option(help="Other issuers' homes to trust when verifying")
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            envvar="RCEP_ORIGIN_RULES",
            file_okay=False,
            help="A rule set directory (or overlay) instead of the built-in one",
        ),
    ] = None,
) -> None:
    """Run the HTTP service (FastAPI under uvicorn) for the issuing body of --home, on its
    register; migrates the database first."""
    import uvicorn

    url = migrate_database(home, database_url)
    os.environ["RCEP_ORIGIN_DATABASE_URL"] = url
    os.environ["RCEP_ORIGIN_HOME"] = str(home)
    if rules is not None:
        try:
            load_ruleset(rules)  # refuse a broken rule set before the server starts
        except RuleSetError as exc:
            raise fail(f"rule set error: {exc}") from None
        os.environ["RCEP_ORIGIN_RULES"] = str(rules.resolve())
    if trust:
        os.environ["RCEP_ORIGIN_TRUST"] = os.pathsep.join(str(p) for p in trust)
    uvicorn.run(
        "rcep_origin.api.main:app",
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=LOG_CONFIG,
    )


# Structured logs: one JSON object per line on stderr, for the service's own and uvicorn's loggers.
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "rcep_origin.api.app.JsonLogFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "rcep_origin": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


@db_app.command("upgrade")
def db_upgrade(home: HomeOption = DEFAULT_HOME, database_url: DatabaseOption = None) -> None:
    """Create or migrate the tables (Alembic)."""
    migrate_database(home, database_url)
    typer.echo("database is at the latest schema")


@orgs_app.command("create")
def orgs_create(
    organisation_id: Annotated[str, typer.Argument(help="A short id, e.g. acme-suzhou")],
    name: Annotated[str, typer.Option(help="Registered legal name")],
    role: Annotated[str, typer.Option(help="exporter, issuing_body or verifier")],
    party: Annotated[str, typer.Option(help="ISO alpha-2 of its Party")],
    address: Annotated[
        str | None, typer.Option(help="Registered address (required for an exporter)")
    ] = None,
    identifier: Annotated[
        str | None, typer.Option(help="Tax or customs identifier, printed on certificates")
    ] = None,
    approved_exporter: Annotated[
        bool, typer.Option(help="Certificates are issued automatically when its goods pass")
    ] = False,
    home: HomeOption = DEFAULT_HOME,
    database_url: DatabaseOption = None,
) -> None:
    """Register an organisation and print its first API key (shown once; only its hash is
    kept). A certificate names an exporter exactly as registered here."""
    with authority_of(home, database_url) as found:
        key = found.create_organisation(
            operator_of(found),
            organisation_id=organisation_id,
            name=name,
            role=role,
            party=party,
            address=address,
            identifier=identifier,
            approved_exporter=approved_exporter,
        )
    typer.echo(key)


@orgs_app.command("key")
def orgs_key(
    organisation_id: str, home: HomeOption = DEFAULT_HOME, database_url: DatabaseOption = None
) -> None:
    """Issue another API key for an organisation."""
    with authority_of(home, database_url) as found:
        typer.echo(found.create_api_key(operator_of(found), organisation_id))


@audit_app.command("verify")
def audit_verify(home: HomeOption = DEFAULT_HOME, database_url: DatabaseOption = None) -> None:
    """Recompute the audit chain; exit 1 and name the first broken link if it is broken."""
    with authority_of(home, database_url) as found:
        report = found.verify_audit(operator_of(found))
    typer.echo(report.model_dump_json())
    raise typer.Exit(0 if report.intact else EXIT_REFUSED)


@home_app.command("migrate")
def home_migrate(home: HomeOption = DEFAULT_HOME, database_url: DatabaseOption = None) -> None:
    """Move a file-based home's certificates, status lists and numbers (before issue 13) into
    the register, so the CLI and the service share one; the old folders are kept aside."""
    with authority_of(home, database_url, allow_file_register=True) as found:
        report = found.migrate_file_home(operator_of(found))
    typer.echo(json.dumps(report.model_dump(), indent=2))
