"""``rcep-origin``: determine origin from a declaration file, inspect the rule catalogue.

Exit codes of ``determine``: 0 originating, 1 not originating, 2 undecidable, 3 bad input,
4 internal error (a defect: report it).

Start-up is kept short: a command's module (and what it imports -- the engine, the database
layer, the crypto and XML libraries) is imported only when that command runs (``COMMANDS``),
and the names ``determine`` needs are imported on first use (``__getattr__``).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from rcep_origin import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from rcep_origin.cli.rules import RulesOption
    from rcep_origin.origin import Determination

EXIT_BAD_INPUT = 3
EXIT_INTERNAL_ERROR = 4

# One exit-code contract for every command (README, "Exit codes"): a usage error -- an unknown
# option, a missing argument -- is bad input, 3. Click's default, 2, would read as
# "undecidable" to a script calling `determine`.
# Typer vendors its own copy of click (``typer._click``, 0.2x); both are set, and
# tests/test_exit_codes.py holds the contract, so a Typer upgrade that moves it shows at once.
# Click itself only if Typer loaded it: importing it costs every command 50 ms of start-up.
for _exceptions in (
    getattr(sys.modules.get("click"), "exceptions", None),
    getattr(getattr(typer.core, "_click", None), "exceptions", None),
):
    if _exceptions is not None:
        _exceptions.UsageError.exit_code = EXIT_BAD_INPUT

# Every command but "version", by name: (module, attribute), a Typer sub-application or a
# command function, imported when the command is run (or help lists it). A command may also
# be registered the usual way (app.command, app.add_typer); both kinds are listed in help.
COMMANDS: dict[str, tuple[str, str]] = {
    "determine": (__name__, "determine_command"),
    "rules": ("rcep_origin.cli.rules", "rules_app"),
    "hs": ("rcep_origin.cli.rules", "hs_app"),
    "keys": ("rcep_origin.cli.certificates", "keys_app"),
    "certificate": ("rcep_origin.cli.certificates", "certificate_app"),
    "prereview": ("rcep_origin.cli.prereview", "prereview_command"),
    "serve": ("rcep_origin.cli.service", "serve_command"),
    "db": ("rcep_origin.cli.service", "db_app"),
    "orgs": ("rcep_origin.cli.service", "orgs_app"),
    "audit": ("rcep_origin.cli.service", "audit_app"),
    "home": ("rcep_origin.cli.service", "home_app"),
    "trust": ("rcep_origin.cli.exchange", "trust_app"),
    "exchange": ("rcep_origin.cli.exchange", "exchange_app"),
    "evidence": ("rcep_origin.cli.evidence", "evidence_app"),
    "batch": ("rcep_origin.cli.batch", "batch_command"),
    "whatif": ("rcep_origin.cli.batch", "whatif_command"),
    "advise": ("rcep_origin.cli.batch", "advise_command"),
}
# Names this module uses, imported on first use (PEP 562), so that tests can still replace
# them (monkeypatch "rcep_origin.cli.main.determine").
_NAMES: dict[str, str] = {
    "RulesOption": "rcep_origin.cli.rules",
    "ruleset_of": "rcep_origin.cli.rules",
    "MAX_DOCUMENT_BYTES": "rcep_origin.declaration",
    "load_declaration": "rcep_origin.declaration",
    "parse_declaration_text": "rcep_origin.declaration",
    "InputError": "rcep_origin.errors",
    "Outcome": "rcep_origin.origin",
    "determine": "rcep_origin.origin",
    "builtin_ruleset": "rcep_origin.rules",
    "FileSource": "rcep_origin.origin.subassembly",
    "has_subassemblies": "rcep_origin.origin.subassembly",
    "resolve_subassemblies": "rcep_origin.origin.subassembly",
}


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def _use(name: str) -> Any:
    """``name`` from this module: replaced by a test, or imported on first use."""
    return getattr(sys.modules[__name__], name)


class _LazyGroup(TyperGroup):
    """The root command group: the commands of ``COMMANDS`` are built when first asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(n for n in super().list_commands(ctx) if n not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            if module == __name__:  # the annotations of determine name RulesOption
                _use("RulesOption")
            target = getattr(importlib.import_module(module), attribute)
            command: Any
            if isinstance(target, typer.Typer):
                command = get_group_from_info(
                    TyperInfo(target, name=cmd_name),
                    pretty_exceptions_short=app.pretty_exceptions_short,
                    rich_markup_mode=app.rich_markup_mode,
                    suggest_commands=app.suggest_commands,
                )
            else:
                command = get_command_from_info(
                    CommandInfo(name=cmd_name, callback=target),
                    pretty_exceptions_short=app.pretty_exceptions_short,
                    rich_markup_mode=app.rich_markup_mode,
                )
            self.commands[cmd_name] = command
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="rcep-origin",
    help="RCEP rules of origin: explained, reproducible origin determinations.",
    cls=_LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """RCEP rules of origin: explained, reproducible origin determinations."""


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def determine_command(
    file: Annotated[
        Path, typer.Argument(help="Declaration, JSON or YAML; '-' reads standard input.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    rules: RulesOption = None,
) -> None:
    """Decide whether the declared good is RCEP-originating, and explain why."""
    ruleset = _use("ruleset_of")(rules)
    try:
        if str(file) == "-":
            limit = _use("MAX_DOCUMENT_BYTES")
            declaration = _use("parse_declaration_text")(sys.stdin.buffer.read(limit + 1))
        else:
            declaration = _use("load_declaration")(file)
        if _use("has_subassemblies")(declaration):  # multi-level BOM: determine them first
            base = Path.cwd() if str(file) == "-" else file.parent
            declaration = _use("resolve_subassemblies")(
                declaration,
                source=_use("FileSource")(base),
                determiner=lambda d: _use("determine")(d, ruleset=ruleset),
                key="" if str(file) == "-" else str(file.resolve()),
            )
        result = _use("determine")(declaration, ruleset=ruleset)
    except _use("InputError") as exc:
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


def _report_input_error(exc: Any, as_json: bool) -> None:
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
    from rich.panel import Panel
    from rich.table import Table

    Outcome = _use("Outcome")
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
    typer.echo(f"rcep-origin {__version__}; rule set {_use('builtin_ruleset')().version}")
