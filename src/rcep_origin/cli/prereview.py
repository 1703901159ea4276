"""``rcep-origin prereview``: check declarations before they are submitted.

Exit codes: 0 pass, 1 warn (look at the findings), 2 reject (would be refused: fix first),
3 bad input (a file that cannot be read as a declaration, or a bad rule set), 4 internal error.
An HS code that does not exist in its edition is a finding (HS_UNKNOWN, HS_WRONG_EDITION), not
bad input, for the product as for the materials; so are materials worth more than the FOB value
(BOM_VALUE_EXCEEDS_FOB), which ``determine`` refuses as bad input.
A folder is reviewed file by file, each against the others (the same part with another HS code,
the same supply with another origin); its exit code is the worst of its files.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from rcep_origin.declaration import MAX_DOCUMENT_BYTES, Declaration
from rcep_origin.errors import InputError, RuleSetError
from rcep_origin.prereview import (
    Localizer,
    PreReview,
    PreReviewContext,
    Verdict,
    load_for_review,
    parse_for_review,
    prereview,
)
from rcep_origin.prereview.catalogue import REPORT
from rcep_origin.rules import RuleSet, builtin_ruleset, load_ruleset

EXIT_BAD_INPUT = 3
EXIT_INTERNAL_ERROR = 4
DECLARATION_SUFFIXES = (".json", ".yaml", ".yml")

_SEVERITY_STYLE = {"reject": "bold red", "warn": "yellow", "info": "cyan"}
_VERDICT_STYLE = {"pass": "bold green", "warn": "bold yellow", "reject": "bold red"}


def _language(lang: str | None) -> str | None:
    if lang:
        return lang
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return value
    return None


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def prereview_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="A declaration (JSON or YAML), a folder of declarations, or '-' for standard input."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Language of the messages: en or zh (default: from LANG)."),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            envvar="RCEP_ORIGIN_RULES",
            help="A rule set directory (psr.csv, appendix.csv) to use instead of the built-in one.",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Pre-review declarations: coded, explained findings before submission."""
    localizer = Localizer(_language(lang))
    try:
        ruleset = builtin_ruleset() if rules is None else load_ruleset(rules)
    except RuleSetError as exc:
        _console(stderr=True).print(f"[bold red]rule set error:[/] {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        if str(file) != "-" and file.is_dir():
            code = _review_folder(file, ruleset, localizer, as_json)
        else:
            code = _review_file(file, ruleset, localizer, as_json)
    except typer.Exit:
        raise
    except Exception as exc:  # a defect, not bad input
        if os.environ.get("RCEP_ORIGIN_DEBUG"):
            raise
        _console(stderr=True).print(
            f"[bold red]internal error[/] ({type(exc).__name__}: {exc}). "
            "Re-run with RCEP_ORIGIN_DEBUG=1 for the traceback and report it."
        )
        raise typer.Exit(EXIT_INTERNAL_ERROR) from None
    raise typer.Exit(code)


def _load(file: Path) -> Declaration:
    if str(file) == "-":
        return parse_for_review(sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1))
    return load_for_review(file)


def _review_file(file: Path, ruleset: RuleSet, localizer: Localizer, as_json: bool) -> int:
    try:
        declaration = _load(file)
    except InputError as exc:
        _report_input_error(str(file), exc, as_json)
        return EXIT_BAD_INPUT
    review = prereview(declaration, ruleset=ruleset, lang=localizer.locale)
    if as_json:
        typer.echo(
            json.dumps({"file": str(file), **review.to_dict()}, indent=2, ensure_ascii=False)
        )
    else:
        _print_review(str(file), review, localizer)
    return review.verdict.exit_code


def _review_folder(folder: Path, ruleset: RuleSet, localizer: Localizer, as_json: bool) -> int:
    files = sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix.lower() in DECLARATION_SUFFIXES
    )
    loaded: list[tuple[str, Declaration]] = []
    errors: list[tuple[str, InputError]] = []
    for path in files:
        try:
            loaded.append((path.name, load_for_review(path)))
        except InputError as exc:
            errors.append((path.name, exc))
    if not files:
        message = f"{folder}: no declarations (*.json, *.yaml, *.yml) in this folder"
        if as_json:
            typer.echo(json.dumps({"error": "bad_input", "message": message}, indent=2))
        else:
            _console(stderr=True).print(f"[bold red]bad input[/] {message}")
        return EXIT_BAD_INPUT
    context = PreReviewContext.from_declarations(loaded)
    reviews = [
        (name, prereview(d, ruleset=ruleset, lang=localizer.locale, context=context, source=name))
        for name, d in loaded
    ]
    worst = max(
        (review.verdict for _, review in reviews),
        key=lambda v: v.exit_code,
        default=Verdict.PASS,
    )
    if as_json:
        payload: dict[str, Any] = {
            "verdict": worst.value,
            "declarations": [{"file": name, **review.to_dict()} for name, review in reviews],
            "errors": [_error_payload(name, error) for name, error in errors],
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for name, review in reviews:
            _print_review(name, review, localizer)
        for name, error in errors:
            _report_input_error(name, error, as_json=False)
    return EXIT_BAD_INPUT if errors else worst.exit_code


def _error_payload(name: str, exc: InputError) -> dict[str, Any]:
    return {
        "file": name,
        "error": "bad_input",
        "field": exc.path,
        "message": exc.message,
        "problems": [{"field": p, "message": m} for p, m in exc.problems],
    }


def _report_input_error(name: str, exc: InputError, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(_error_payload(name, exc), indent=2, ensure_ascii=False))
        return
    console = _console(stderr=True)
    where = escape(exc.path or "(document)")
    console.print(f"[bold red]bad input[/] {escape(name)}: {where}: {escape(exc.message)}")
    for path, message in exc.problems[1:10]:
        console.print(f"  also {escape(path or '(document)')}: {escape(message)}")


def _print_review(name: str, review: PreReview, localizer: Localizer) -> None:
    console = _console()
    words = {key: localizer.text(text) for key, text in REPORT.items()}
    verdict = review.verdict.value
    counts = review.to_dict()["counts"]
    lines = [
        f"[{_VERDICT_STYLE[verdict]}]{localizer.format(REPORT['title'], {'verdict': words[verdict]})}[/]"
    ]
    if review.determination is not None:
        summary = review.determination.summary
        lines.append(escape(localizer.format(REPORT["engine"], {"summary": summary})))
    lines.append(localizer.format(REPORT["counts"], counts))
    title = f"rcep-origin prereview: {escape(name)}"
    console.print(Panel("\n".join(lines), title=title, expand=False))
    if not review.findings:
        console.print(words["no findings"])
        return
    for finding in review.findings:
        severity = finding.severity.value
        console.print(
            f"[{_SEVERITY_STYLE[severity]}]{words[severity]}[/] [bold]{finding.code}[/]"
            f"  [dim]{escape(finding.reason)}[/]"
        )
        console.print(f"  {escape(finding.message)}")
        console.print(f"  [green]→[/] {escape(finding.fix)}")
