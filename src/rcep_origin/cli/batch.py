"""``rcep-origin batch``, ``whatif`` and ``advise``: whole catalogues, and sourcing questions.

Exit codes of ``batch``: 0 the run completed (declarations that could not be read or decided are
rows with an ``error``), 3 bad input or usage, 4 internal error, 5 the Dask scheduler cannot be
reached. ``whatif`` exits like ``determine`` for the changed declaration (0 originating, 1 not,
2 undecidable, 3 bad input). ``advise`` exits 0 when the good originates or an option makes it
originate, 1 when none does, 3 for bad input.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from rcep_origin.batch import (
    REASONS,
    Advice,
    BatchOptions,
    BatchRun,
    ClusterUnavailable,
    WhatIf,
    advise,
    load_quotes,
    message,
    resolve_language,
    run_batch,
    whatif,
    write_report,
)
from rcep_origin.cli.rules import RulesOption, ruleset_of
from rcep_origin.declaration import Declaration, load_declaration
from rcep_origin.errors import InputError
from rcep_origin.origin import FileSource, determine, resolve_subassemblies
from rcep_origin.rules import RuleSet

EXIT_BAD_INPUT = 3
EXIT_INTERNAL_ERROR = 4
EXIT_CLUSTER_UNAVAILABLE = 5
_CENT = Decimal("0.01")

LangOption = Annotated[
    str | None,
    typer.Option("--lang", help="Language of the output: en or zh (default: from LANG)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]


def _language(lang: str | None) -> str:
    if not lang:
        for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
            lang = os.environ.get(variable)
            if lang:
                break
    return resolve_language(lang)


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _fail(lang: str, exc: InputError) -> typer.Exit:
    where = f"{exc.path}: " if exc.path else ""
    _console(stderr=True).print(
        f"[bold red]{message(lang, 'batch.bad_input')}[/] {escape(where + exc.message)}"
    )
    return typer.Exit(EXIT_BAD_INPUT)


def _internal(exc: Exception) -> typer.Exit:
    if os.environ.get("RCEP_ORIGIN_DEBUG"):
        raise exc
    _console(stderr=True).print(
        f"[bold red]internal error[/] ({type(exc).__name__}: {escape(str(exc))}); "
        "re-run with RCEP_ORIGIN_DEBUG=1 for the traceback and report it."
    )
    return typer.Exit(EXIT_INTERNAL_ERROR)


# --- batch ----------------------------------------------------------------------------------------


def batch_command(
    input: Annotated[
        Path,
        typer.Argument(
            help="A folder of declarations (JSON/YAML), or a BOM table (.csv, .xlsx, .parquet) "
            "in the ERP layout of the README."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="Results file: .csv, .parquet or .jsonl (a re-run resumes it)."),
    ],
    rules: RulesOption = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Local processes (default: one per CPU)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Run on a Dask cluster instead, e.g. tcp://127.0.0.1:8786."
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="Column mapping of a table (YAML), see the README."),
    ] = None,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write the HTML report beside RESULTS.")
    ] = True,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Decide every declaration of a folder or an ERP table, locally or on a Dask cluster."""
    language = _language(lang)
    ruleset = ruleset_of(rules)
    options = BatchOptions(
        input=input,
        out=out,
        ruleset=ruleset,
        rules=rules,
        workers=workers,
        scheduler=scheduler,
        mapping=mapping,
    )
    errors = _console(stderr=True)
    # No refresh thread: local workers are forked, and a fork must not copy a thread's lock.
    progress = Progress(
        TextColumn(message(language, "batch.progress")),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors,
        auto_refresh=False,
        disable=not errors.is_terminal or as_json,
        transient=True,
    )
    task = progress.add_task("batch", total=None)

    def advance(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)
        progress.refresh()

    try:
        with progress:
            run = run_batch(options, advance)
    except InputError as exc:
        raise _fail(language, exc) from None
    except ClusterUnavailable as exc:
        errors.print(f"[bold red]{message(language, 'batch.cluster')}[/]: {escape(str(exc))}")
        raise typer.Exit(EXIT_CLUSTER_UNAVAILABLE) from None
    except Exception as exc:
        raise _internal(exc) from None
    paths = write_report(run) if report else {}
    if as_json:
        typer.echo(json.dumps(_summary(run, paths), indent=2, ensure_ascii=False))
        return
    _print_summary(run, paths, language)


def _summary(run: BatchRun, paths: dict[str, Path]) -> dict[str, Any]:
    return {
        "input": run.input,
        "results": run.results,
        "report": {lang: str(path) for lang, path in paths.items()},
        "where": run.where,
        "ruleset_version": run.ruleset_version,
        "declarations": len(run.rows),
        "decided": run.decided,
        "kept": run.kept,
        "lines": run.lines,
        "seconds": round(run.seconds, 3),
        "lines_per_second": round(run.lines_per_second),
        "outcomes": dict(sorted(run.outcomes.items())),
        "top_reasons": {
            "not_originating": dict(run.top_reasons("not_originating")),
            "undecidable": dict(run.top_reasons("undecidable")),
        },
    }


def _print_summary(run: BatchRun, paths: dict[str, Path], lang: str) -> None:
    console = _console()
    console.print(
        message(
            lang,
            "batch.decided",
            decided=run.decided,
            lines=f"{run.lines:,}",
            seconds=f"{run.seconds:.2f}",
            rate=f"{run.lines_per_second:,.0f}",
            where=message(lang, run.where_message[0], **run.where_message[1]),
        )
    )
    if run.kept:
        console.print(message(lang, "batch.kept", kept=run.kept))
    table = Table(title=message(lang, "batch.counts"), show_header=False)
    for outcome in ("originating", "not_originating", "undecidable", "error"):
        table.add_row(message(lang, outcome), str(run.outcomes.get(outcome, 0)))
    console.print(table)
    for outcome, title in (
        ("not_originating", "batch.reasons"),
        ("undecidable", "batch.undecidable_reasons"),
    ):
        top = run.top_reasons(outcome)
        if top:
            console.print(f"[bold]{message(lang, title)}[/]")
            for code, count in top:
                console.print(f"  {count:>6}  {message(lang, 'reason.' + code)} ({REASONS[code]})")
    errors = [row for row in run.rows if row["outcome"] == "error"]
    for row in errors[:10]:
        console.print(f"  [red]{escape(str(row['declaration']))}[/]: {escape(str(row['error']))}")
    report = paths.get(lang, paths.get("en"))
    console.print(
        message(lang, "batch.written", results=run.results, report=report or "-"),
        markup=False,
    )


# --- what-if and advice ---------------------------------------------------------------------------


def _read(file: Path, ruleset: RuleSet) -> tuple[Declaration, Any]:
    """The declaration with its sub-assemblies determined, and the resolver for changes."""
    declaration = load_declaration(file)
    source = FileSource(file.parent)

    def resolve(changed: Declaration) -> Declaration:
        return resolve_subassemblies(
            changed,
            source=source,
            determiner=lambda d: determine(d, ruleset=ruleset),
            key=str(file.resolve()),
        )

    return resolve(declaration), resolve


def whatif_command(
    file: Annotated[Path, typer.Argument(help="Declaration, JSON or YAML.")],
    changes: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="A change PATH=VALUE, e.g. 'materials[INS-03].origin_party=TH' (repeatable).",
        ),
    ],
    rules: RulesOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-determine the declaration with some facts changed, and show what changes."""
    language = _language(lang)
    ruleset = ruleset_of(rules)
    try:
        declaration, resolve = _read(file, ruleset)
        answer = whatif(declaration, changes, ruleset=ruleset, resolve=resolve)
    except InputError as exc:
        raise _fail(language, exc) from None
    except Exception as exc:
        raise _internal(exc) from None
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_whatif(answer, language)
    raise typer.Exit(answer.after.outcome.exit_code)


def _shown(value: Any, lang: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str) and value in ("originating", "not_originating", "undecidable"):
        return message(lang, value)
    return str(value)


def _print_whatif(answer: WhatIf, lang: str) -> None:
    console = _console()
    table = Table(title=message(lang, "whatif.title", changes="; ".join(map(str, answer.changes))))
    table.add_column("")
    table.add_column(message(lang, "whatif.before"))
    table.add_column(message(lang, "whatif.after"))
    table.add_column("")
    for what, before, after in answer.differences():
        changed = before != after
        table.add_row(
            message(lang, what),
            _shown(before, lang),
            f"[bold]{_shown(after, lang)}[/]" if changed else _shown(after, lang),
            message(lang, "whatif.changed") if changed else "",
        )
    console.print(table)
    currency = answer.figures[1].currency
    if currency:
        console.print(f"[dim]{currency}[/]")
    console.print(message(lang, f"whatif.summary_{answer.kind}", summary=answer.after.summary))


def advise_command(
    file: Annotated[Path, typer.Argument(help="Declaration, JSON or YAML.")],
    quotes: Annotated[
        Path | None,
        typer.Option("--quotes", help="Alternative quotes (YAML or JSON), see the README."),
    ] = None,
    max_changes: Annotated[
        int, typer.Option("--max-changes", min=1, max=8, help="Changes in one option at most.")
    ] = 4,
    options: Annotated[int, typer.Option("--options", min=1, max=50, help="Options shown.")] = 5,
    rules: RulesOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find the cheapest smallest sourcing changes that make a good originate."""
    language = _language(lang)
    ruleset = ruleset_of(rules)
    try:
        declaration, _ = _read(file, ruleset)
        book = load_quotes(quotes)
        answer = advise(
            declaration, book, ruleset=ruleset, max_changes=max_changes, options=options
        )
    except InputError as exc:
        raise _fail(language, exc) from None
    except Exception as exc:
        raise _internal(exc) from None
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_advice(answer, language)
    raise typer.Exit(0 if answer.status in ("originating", "options") else 1)


def _print_advice(answer: Advice, lang: str) -> None:
    console = _console()
    if answer.status == "originating":
        console.print(message(lang, "advise.originating", summary=answer.before.summary))
        return
    console.print(answer.before.summary, markup=False)
    if answer.status == "cannot":
        console.print(message(lang, "advise.cannot", why=answer.reason), markup=False)
        return
    if answer.status == "none":
        console.print(message(lang, "advise.none", max=answer.max_changes), markup=False)
        return
    for number, option in enumerate(answer.options, start=1):
        verdict = option.result.summary
        console.print(
            message(
                lang,
                "advise.option",
                n=number,
                count=len(option.changes),
                cost=option.added_cost.quantize(_CENT),
                currency=answer.currency,
                verdict=verdict,
            ),
            markup=False,
        )
        for change in option.changes:
            if change.kind == "supplier_declaration":
                line = message(
                    lang,
                    "advise.declaration",
                    material=change.material,
                    party=change.party,
                    supplier=change.supplier,
                )
            else:
                origin = message(
                    lang,
                    "advise.originating_word"
                    if change.originating
                    else "advise.non_originating_word",
                )
                line = message(
                    lang,
                    "advise.quote",
                    material=change.material,
                    supplier=change.supplier,
                    party=change.party,
                    origin=origin,
                    value="-" if change.value_after is None else change.value_after.quantize(_CENT),
                    old="-" if change.value_before is None else change.value_before.quantize(_CENT),
                    currency=answer.currency,
                )
            console.print(f"  - {line}", markup=False)
    console.print(message(lang, "advise.checked"), markup=False)
