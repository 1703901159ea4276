"""``rcep-origin``: determine origin from a declaration file, inspect the rule catalogue.

Exit codes of ``determine``: 0 originating, 1 not originating, 2 undecidable, 3 bad input,
4 internal error (a defect: report it).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from rcep_origin import __version__
from rcep_origin.cli.certificates import certificate_app, keys_app
from rcep_origin.cli.prereview import prereview_command
from rcep_origin.cli.rules import RulesOption, hs_app, rules_app, ruleset_of
from rcep_origin.cli.service import audit_app, db_app, home_app, orgs_app, serve_command
from rcep_origin.declaration import MAX_DOCUMENT_BYTES, load_declaration, parse_declaration_text
from rcep_origin.errors import InputError
from rcep_origin.origin import Determination, Outcome, determine
from rcep_origin.rules import builtin_ruleset

EXIT_BAD_INPUT = 3
EXIT_INTERNAL_ERROR = 4

app = typer.Typer(
    name="rcep-origin",
    help="RCEP rules of origin: explained, reproducible origin determinations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(rules_app, name="rules")
app.add_typer(hs_app, name="hs")
app.add_typer(keys_app, name="keys")
app.add_typer(certificate_app, name="certificate")
app.command("prereview")(prereview_command)
app.command("serve")(serve_command)
app.add_typer(db_app, name="db")
app.add_typer(orgs_app, name="orgs")
app.add_typer(audit_app, name="audit")
app.add_typer(home_app, name="home")


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


@app.command("determine")
def determine_command(
    file: Annotated[
        Path, typer.Argument(help="Declaration, JSON or YAML; '-' reads standard input.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    rules: RulesOption = None,
) -> None:
    """Decide whether the declared good is RCEP-originating, and explain why."""
    ruleset = ruleset_of(rules)
    try:
        if str(file) == "-":
            declaration = parse_declaration_text(sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1))
        else:
            declaration = load_declaration(file)
        result = determine(declaration, ruleset=ruleset)
    except InputError as exc:
        _report_input_error(exc, as_json)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except Exception as exc:  # a defect, not bad input: say so plainly, keep the details on request
        if os.environ.get("RCEP_ORIGIN_DEBUG"):
            raise
        _console(stderr=True).print(
            f"[bold red]internal error[/] ({type(exc).__name__}: {exc}); nothing was written. "
            "Re-run with RCEP_ORIGIN_DEBUG=1 for the traceback and report it."
        )
        raise typer.Exit(EXIT_INTERNAL_ERROR) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(result, str(file))
    raise typer.Exit(result.outcome.exit_code)


def _report_input_error(exc: InputError, as_json: bool) -> None:
    if as_json:
        payload = {
            "error": "bad_input",
            "field": exc.path,
            "message": exc.message,
            "problems": [{"field": p, "message": m} for p, m in exc.problems],
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    console = _console(stderr=True)
    console.print(f"[bold red]bad input[/] {exc.path or '(document)'}: {exc.message}")
    for path, message in exc.problems[1:10]:
        console.print(f"  also {path or '(document)'}: {message}")


_STYLE = {"pass": "green", "fail": "red", "unknown": "yellow", "info": "cyan", "skipped": "dim"}


def _print_report(result: Determination, name: str) -> None:
    console = _console()
    colour = {
        Outcome.ORIGINATING: "green",
        Outcome.NOT_ORIGINATING: "red",
        Outcome.UNDECIDABLE: "yellow",
    }[result.outcome]
    console.print(
        Panel(f"[bold {colour}]{result.summary}[/]", title=f"rcep-origin: {name}", expand=False)
    )
    table = Table(show_header=True, header_style="bold", expand=False)
    table.add_column("check")
    table.add_column("article")
    table.add_column("result")
    table.add_column("why", overflow="fold", max_width=90)
    for check in result.trace:
        style = _STYLE[check.result.value]
        table.add_row(check.name, check.article, f"[{style}]{check.result.value}[/]", check.summary)
    console.print(table)
    if result.rule is not None:
        console.print(
            f"rule: [bold]{result.rule.text}[/] ({result.rule.hs_code}, {result.rule.hs_edition}; {result.rule.row}; {result.rule.basis})"
        )
        console.print(f"      source: {result.rule.source}")
        via = f"; {result.rule.via}" if result.rule.via else ""
        console.print(f"      from: {result.rule.layer}{via}")
    if result.rvc is not None:
        rvc = result.rvc.to_dict()
        console.print(
            f"RVC: {rvc['percent']} % by {rvc['method']}, threshold {rvc['threshold']} %, margin {rvc['margin']}"
        )
    if result.missing:
        console.print("[yellow]missing facts:[/]")
        for item in result.missing:
            console.print(f"  - {item.field}: {item.reason}")
    console.print(
        f"[dim]inputs sha256 {result.inputs_sha256} | rule set {result.ruleset_version} | engine {result.engine_version}[/]"
    )


@app.command("version")
def version_command() -> None:
    """Print the engine version and the built-in rule set version."""
    typer.echo(f"rcep-origin {__version__}; rule set {builtin_ruleset().version}")
