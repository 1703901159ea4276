"""``rcep-origin serve``, ``db upgrade``, ``orgs create``, ``audit verify``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from rcep_origin.cli.home import DEFAULT_HOME, HomeOption
from rcep_origin.store import sql
from rcep_origin.store.database import DEFAULT_URL, Database

DatabaseOption = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="RCEP_ORIGIN_DATABASE_URL",
        help="SQLAlchemy URL; SQLite file by default, postgresql://... in production",
    ),
]

db_app = typer.Typer(help="The service database.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations and their API keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    database_url: DatabaseOption = DEFAULT_URL,
    home: HomeOption = DEFAULT_HOME,
    trust: Annotated[
        list[Path] | None, typer.Option(help="Other issuers to trust when verifying")
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Run the HTTP service (FastAPI under uvicorn); migrates the database first."""
    import uvicorn

    os.environ["RCEP_ORIGIN_DATABASE_URL"] = database_url
    os.environ["RCEP_ORIGIN_HOME"] = str(home)
    Database(database_url).upgrade()
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
def db_upgrade(database_url: DatabaseOption = DEFAULT_URL) -> None:
    """Create or migrate the tables (Alembic)."""
    Database(database_url).upgrade()
    typer.echo("database is at the latest schema")


@orgs_app.command("create")
def orgs_create(
    organisation_id: Annotated[str, typer.Argument(help="A short id, e.g. acme-suzhou")],
    name: Annotated[str, typer.Option(help="Legal name")],
    role: Annotated[str, typer.Option(help="exporter, issuing_body or verifier")],
    party: Annotated[str, typer.Option(help="ISO alpha-2 of its Party")],
    approved_exporter: Annotated[
        bool, typer.Option(help="Certificates are issued automatically when its goods pass")
    ] = False,
    database_url: DatabaseOption = DEFAULT_URL,
) -> None:
    """Create an organisation and print its first API key (shown once; only its hash is kept)."""
    database = Database(database_url)
    database.upgrade()
    with database.session() as session:
        sql.create_organisation(
            session,
            id=organisation_id,
            name=name,
            role=role,
            party=party,
            approved_exporter=approved_exporter,
        )
        key = sql.create_api_key(session, organisation_id)
        sql.audit(
            session,
            "cli",
            "organisation.create",
            organisation_id,
            {"role": role, "party": party, "approved_exporter": approved_exporter},
        )
    typer.echo(key)


@orgs_app.command("key")
def orgs_key(organisation_id: str, database_url: DatabaseOption = DEFAULT_URL) -> None:
    """Issue another API key for an organisation."""
    database = Database(database_url)
    with database.session() as session:
        key = sql.create_api_key(session, organisation_id)
        sql.audit(session, "cli", "api_key.create", organisation_id, {"key": key.split(".")[0]})
    typer.echo(key)


@audit_app.command("verify")
def audit_verify(database_url: DatabaseOption = DEFAULT_URL) -> None:
    """Recompute the audit chain; exit 1 and name the first broken link if it is broken."""
    with Database(database_url).session() as session:
        report = sql.verify_audit_chain(session)
    typer.echo(json.dumps(report.to_dict()))
    raise typer.Exit(0 if report.intact else 1)
