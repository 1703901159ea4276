"""``rcep-origin rules ...`` (the legislation bundle: inspect, check, measure, maintain an overlay,
import official tables, compare) and ``rcep-origin hs correlate``.

Every command that decides takes ``--rules DIR`` or, without it, ``RCEP_ORIGIN_RULES``; neither
means the built-in bundle. Exit codes: 0 done, 2 no rule / unknown, 3 bad input (a malformed code
or rule, a bundle that does not load: nothing written), 1 a difference found (``diff``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rcep_origin.errors import RuleSetError
from rcep_origin.hs import EDITIONS, parse_hs_code
from rcep_origin.rules import (
    ENVIRONMENT_VARIABLE,
    RuleSet,
    builtin_ruleset,
    load_ruleset,
    print_rule,
)
from rcep_origin.rules.coverage import coverage
from rcep_origin.rules.diff import diff_bundles
from rcep_origin.rules.importers import (
    ImportedRow,
    ImportReport,
    html_text,
    rows_from_cells,
    rows_from_text,
)
from rcep_origin.rules.overlay import add_row, init_overlay, make_row, remove_row

EXIT_DIFFERENT, EXIT_UNKNOWN, EXIT_BAD_INPUT = 1, 2, 3

rules_app = typer.Typer(
    help="The legislation bundle: Annex 3A rows, Appendix lists, Parties, parameters, HS "
    "correlations; overlays you maintain.",
    no_args_is_help=True,
)
hs_app = typer.Typer(
    help="HS codes across editions (UNSD correlation tables).", no_args_is_help=True
)

RulesOption = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        envvar=ENVIRONMENT_VARIABLE,
        help="A bundle directory (complete, or an overlay made with 'rules init') instead of the "
        f"built-in one; env {ENVIRONMENT_VARIABLE}.",
        file_okay=False,
    ),
]
EditionOption = Annotated[str, typer.Option("--edition", help=f"HS edition: {', '.join(EDITIONS)}")]


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    _console(stderr=True).print(f"[bold red]error[/] {escape(message)}")
    return typer.Exit(code)


def ruleset_of(rules: Path | None) -> RuleSet:
    """The bundle ``--rules`` (or ``RCEP_ORIGIN_RULES``) names, else the built-in one; a bundle
    that does not load is bad input (exit 3), never a silent fall-back."""
    try:
        return builtin_ruleset() if rules is None else load_ruleset(rules)
    except RuleSetError as exc:
        _console(stderr=True).print(f"[bold red]rule set error:[/] {escape(str(exc))}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


# --- inspect ---------------------------------------------------------------------------------


@rules_app.command("show")
def rules_show(
    hs_code: Annotated[str, typer.Argument(help="An HS subheading, e.g. 8538.90")],
    edition: EditionOption = "HS2022",
    rules: RulesOption = None,
) -> None:
    """Show the Annex 3A rule that applies to a subheading, where it comes from and how it was
    reached (directly, or through the UN correlation to HS2012)."""
    ruleset = ruleset_of(rules)
    try:
        code = parse_hs_code(hs_code, min_level=6)
    except ValueError as exc:
        raise _fail(f"hs_code: {exc}") from None
    resolution = ruleset.resolve(code, edition)
    entry = resolution.entry
    console = _console()
    if entry is None:
        console.print(
            f"[yellow]no rule for {code} ({edition}) in {ruleset.version}[/]: undecidable under "
            f"Art. 3.2(c) ({resolution.status.value})"
        )
        if resolution.correlation is not None:
            console.print(f"{resolution.correlation.describe()}:")
            for target, row in resolution.candidates[:20]:
                console.print(f"  {target}: {row.text if row else 'no row'}")
            if len(resolution.candidates) > 20:
                console.print(f"  ... and {len(resolution.candidates) - 20} more")
        raise typer.Exit(EXIT_UNKNOWN)
    layer = ruleset.layer(entry.layer)
    console.print(
        f"[bold]{entry.hs_code}[/] ({entry.hs_edition}): [bold]{escape(entry.text)}[/]  "
        f"(parsed: {print_rule(entry.rule)})"
    )
    if resolution.correlation is not None:
        console.print(f"reached from {code} ({edition}) {resolution.correlation.describe()}")
    console.print(f"source: {escape(entry.source)}")
    console.print(
        f"row: {entry.citation} ({entry.basis}) in {layer.describe() if layer else entry.layer}"
        + (f"; replaces {entry.replaces}" if entry.replaces else "")
        + (f"; {escape(entry.note)}" if entry.note else "")
    )


@rules_app.command("list")
def rules_list(rules: RulesOption = None) -> None:
    """List every rule in the bundle, with its layer."""
    ruleset = ruleset_of(rules)
    table = Table("hs_code", "edition", "rule", "basis", "layer", "row", title=ruleset.version)
    for entry in sorted(ruleset.psr.values(), key=lambda e: (e.hs_edition, e.hs_code.digits)):
        table.add_row(
            str(entry.hs_code),
            entry.hs_edition,
            entry.text,
            entry.basis,
            entry.layer,
            entry.citation,
        )
    _console().print(table)


@rules_app.command("check")
def rules_check(directory: Annotated[Path, typer.Argument(file_okay=False)]) -> None:
    """Load a bundle directory strictly and report its version and layers, or the first error."""
    ruleset = ruleset_of(directory)
    appendix = sum(len(v) for v in ruleset.appendix.values())
    _console().print(
        f"ok: {ruleset.version}: {len(ruleset.psr)} rules, {appendix} Appendix entries, "
        f"{len(ruleset.parties)} Parties, {len(ruleset.parameters)} parameters, "
        f"{len(ruleset.correlations)} correlation tables"
    )
    for layer in ruleset.layers:
        _console().print(f"  layer {layer.describe()} sha256:{layer.sha256[:16]}")


@rules_app.command("coverage")
def rules_coverage(
    rules: RulesOption = None,
    edition: EditionOption = "HS2022",
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False,
) -> None:
    """How many subheadings of an edition the bundle has a rule for (directly or through a
    correlation to a single HS2012 subheading), in total and by chapter."""
    ruleset = ruleset_of(rules)
    try:
        measured = coverage(ruleset, edition)
    except RuleSetError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(measured.to_dict(), indent=2))
        return
    console = _console()
    console.print(
        f"{measured.covered} of {measured.subheadings} {edition} subheadings "
        f"({measured.percent:.1f} %) have a rule in {ruleset.version}"
    )
    console.print("  " + ", ".join(f"{k} {v}" for k, v in measured.by_status.items()))
    table = Table("chapter", "covered", "subheadings")
    for chapter, (covered, total) in sorted(measured.by_chapter.items()):
        if covered:
            table.add_row(chapter, str(covered), str(total))
    console.print(table)


# --- maintain an overlay ---------------------------------------------------------------------


@rules_app.command("init")
def rules_init(
    directory: Annotated[Path, typer.Argument(file_okay=False, help="A new directory")],
    name: Annotated[
        str | None, typer.Option(help="The overlay's name (default: the folder's)")
    ] = None,
    description: Annotated[str, typer.Option(help="What the overlay holds")] = "",
) -> None:
    """Make an overlay: a bundle that extends the built-in one with your own rows."""
    try:
        init_overlay(directory, name=name, description=description)
        ruleset = load_ruleset(directory)
    except RuleSetError as exc:
        raise _fail(str(exc)) from None
    _console().print(
        f"made overlay {directory} ({ruleset.version}); add rows with 'rcep-origin rules add "
        f'{directory} HS_CODE "RULE" --source "..."\', decide with --rules {directory}'
    )


@rules_app.command("add")
def rules_add(
    directory: Annotated[Path, typer.Argument(file_okay=False, help="An overlay ('rules init')")],
    hs_code: Annotated[str, typer.Argument(help="Chapter, heading or subheading, e.g. 8458.11")],
    rule: Annotated[
        str, typer.Argument(help='The rule as the source prints it, e.g. "CTH or RVC40"')
    ],
    source: Annotated[str, typer.Option(help="Where it was read: document, page (required)")],
    edition: EditionOption = "HS2022",
    description: Annotated[str, typer.Option(help="The product description")] = "",
    checked_by: Annotated[str, typer.Option("--checked-by", help="Who checked the row")] = "",
    basis: Annotated[
        str, typer.Option(help="transcribed (read from the source), transposed, imported, test")
    ] = "transcribed",
    note: Annotated[str, typer.Option(help="Anything a reader should know")] = "",
    replace: Annotated[bool, typer.Option("--replace", help="Replace this overlay's row")] = False,
) -> None:
    """Add a row to an overlay after parsing it. A malformed code or rule, a missing source or
    a row already there: exit 3 naming the problem, nothing written."""
    try:
        row = make_row(
            hs_code,
            rule,
            source=source,
            edition=edition,
            description=description,
            basis=basis,
            checked_by=checked_by,
            note=note,
        )
        change = add_row(directory, row, replace=replace)
    except RuleSetError as exc:
        raise _fail(str(exc)) from None
    console = _console()
    console.print(f"added {row.hs_code} ({row.hs_edition}): {escape(row.rule)}")
    if change.replaces is not None:
        console.print(
            f"[yellow]overrides[/] {change.replaces.layer} {change.replaces.citation}: "
            f"{escape(change.replaces.text)}"
        )
    console.print(f"bundle now {change.ruleset.version}")


@rules_app.command("remove")
def rules_remove(
    directory: Annotated[Path, typer.Argument(file_okay=False, help="An overlay")],
    hs_code: Annotated[str, typer.Argument(help="The row's code")],
    edition: EditionOption = "HS2022",
) -> None:
    """Remove one of the overlay's own rows (a built-in row cannot be removed)."""
    try:
        change = remove_row(directory, hs_code, edition=edition)
    except RuleSetError as exc:
        raise _fail(str(exc)) from None
    _console().print(
        f"removed {change.row.hs_code} ({change.row.hs_edition}); bundle now "
        f"{change.ruleset.version}"
    )


@rules_app.command("diff")
def rules_diff(
    before: Annotated[str, typer.Argument(help="A bundle directory, or 'builtin'")],
    after: Annotated[str, typer.Argument(help="A bundle directory, or 'builtin'")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False,
    home: Annotated[
        Path | None,
        typer.Option(help="An issuing body's home: list its stored determinations that change"),
    ] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="RCEP_ORIGIN_DATABASE_URL")
    ] = None,
) -> None:
    """What changes from one bundle to another; with --home, which stored determinations of
    that register would get another verdict. Exit 0 same, 1 different."""
    a, b = (builtin_ruleset() if p == "builtin" else ruleset_of(Path(p)) for p in (before, after))
    difference = diff_bundles(a, b)
    affected: list[dict[str, Any]] = []
    if home is not None:
        from rcep_origin.cli.home import authority_of, operator_of

        with authority_of(home, database_url) as found:
            affected = [r.model_dump() for r in found.verdicts_changed_by(operator_of(found), a, b)]
    if as_json:
        typer.echo(json.dumps({**difference.to_dict(), "determinations": affected}, indent=2))
    else:
        console = _console()
        console.print(f"{a.version} -> {b.version}: {len(difference.changes)} change(s)")
        for change in difference.changes:
            shown = change.after if change.change != "removed" else change.before
            console.print(f"  {change.change:8} {change.kind:11} {change.key}: {escape(shown)}")
        if home is not None:
            console.print(f"{len(affected)} stored determination(s) would change")
            for item in affected:
                console.print(
                    f"  {item['declaration_id']}@{item['version']}: {item['before']} -> "
                    f"{item['after']}"
                )
    raise typer.Exit(0 if difference.same and not affected else EXIT_DIFFERENT)


# --- import ----------------------------------------------------------------------------------


def _read_import(path: Path, report: ImportReport) -> None:
    suffix = path.suffix.lower()
    name = path.name
    if suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        rows_from_text(
            (
                (f"{name}, page {n}", page.extract_text() or "")
                for n, page in enumerate(reader.pages, 1)
            ),
            report,
        )
    elif suffix in (".html", ".htm"):
        text = html_text(path.read_text("utf-8", errors="replace"))
        rows_from_text([(f"{name}", text)], report)
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows_from_cells(csv.reader(stream), file=name, report=report)
    elif suffix in (".xlsx", ".xlsm"):
        import openpyxl  # type: ignore[import-untyped]

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            rows_from_cells(
                sheet.iter_rows(values_only=True), file=f"{name} [{sheet.title}]", report=report
            )
    elif suffix == ".txt":
        rows_from_text([(name, path.read_text("utf-8"))], report)
    else:
        raise _fail(f"{path}: import reads .pdf, .html, .csv, .xlsx or .txt")


@rules_app.command("import")
def rules_import(
    files: Annotated[
        list[Path], typer.Argument(help="Annex 3A tables: PDF, flipbook HTML pages, CSV, XLSX")
    ],
    into: Annotated[
        Path, typer.Option("--into", file_okay=False, help="An overlay ('rules init')")
    ],
    edition: EditionOption = "HS2012",
    document: Annotated[
        str, typer.Option(help="The publication the files are, named in each row's source")
    ] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; write nothing")] = False,
) -> None:
    """Import Annex 3A rows into an overlay, each citing its file and page; report what could not
    be parsed (never guessed). Rows already in the overlay with the same rule are skipped; a
    different rule is reported, not overwritten."""
    report = ImportReport()
    for path in files:
        if not path.is_file():
            raise _fail(f"{path}: no such file")
        _read_import(path, report)
    added: list[ImportedRow] = []
    skipped: list[tuple[ImportedRow, str]] = []
    conflicts: list[tuple[ImportedRow, str]] = []
    current = ruleset_of(into)
    for row in report.rows:
        key = (edition, parse_hs_code(row.hs_code).digits)
        existing = current.psr.get(key)
        if existing is not None and existing.layer == current.name:
            same = print_rule(existing.rule) == print_rule(_parsed(row.rule))
            (skipped if same else conflicts).append((row, existing.text))
            continue
        if dry_run:
            added.append(row)
            continue
        try:
            add_row(
                into,
                make_row(
                    row.hs_code,
                    row.rule,
                    source=row.source(document),
                    edition=edition,
                    description=row.description,
                    basis="imported",
                ),
            )
        except RuleSetError as exc:
            conflicts.append((row, str(exc)))
            continue
        added.append(row)
    payload = {
        "added": [vars(r) for r in added],
        "skipped_same": [vars(r) for r, _ in skipped],
        "conflicts": [{**vars(r), "existing": e} for r, e in conflicts],
        "unparsed": [vars(u) for u in report.unparsed],
        "ruleset": ruleset_of(into).version,
    }
    if as_json:
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        console = _console()
        verb = "would add" if dry_run else "added"
        console.print(
            f"{verb} {len(added)} row(s), {len(skipped)} already there, {len(conflicts)} "
            f"conflicting, {len(report.unparsed)} not parsed; bundle {payload['ruleset']}"
        )
        for row, reason in conflicts:
            console.print(
                f"  [yellow]conflict[/] {row.hs_code} {escape(row.rule)}: {escape(reason)}"
            )
        for unparsed in report.unparsed:
            console.print(
                f"  [yellow]not parsed[/] {unparsed.citation}: {escape(unparsed.text)} "
                f"({escape(unparsed.reason)})"
            )
    raise typer.Exit(0 if not report.unparsed and not conflicts else EXIT_UNKNOWN)


def _parsed(rule: str) -> Any:
    from rcep_origin.rules import parse_rule

    return parse_rule(rule)


# --- hs ----------------------------------------------------------------------------------------


@hs_app.command("correlate")
def hs_correlate(
    hs_code: Annotated[str, typer.Argument(help="A subheading, e.g. 8458.11")],
    source: Annotated[str, typer.Option("--from", help="Its edition")] = "HS2022",
    target: Annotated[str, typer.Option("--to", help="The edition to correlate to")] = "HS2012",
    rules: RulesOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False,
) -> None:
    """Where a subheading goes in another edition (UNSD correlation tables of the bundle), and
    the rule of each target. Exit 0 one target, 2 several or unknown."""
    ruleset = ruleset_of(rules)
    try:
        code = parse_hs_code(hs_code, min_level=6)
        if source not in EDITIONS or target not in EDITIONS:
            raise ValueError(f"editions are {', '.join(EDITIONS)}")
    except ValueError as exc:
        raise _fail(str(exc)) from None
    found = ruleset.correlate(code, source, target)
    if found is None:
        if as_json:
            typer.echo(
                json.dumps({"code": str(code), "from": source, "to": target, "targets": None})
            )
        else:
            _console().print(
                f"[yellow]unknown[/]: no correlation of {code} from {source} to {target}"
            )
        raise typer.Exit(EXIT_UNKNOWN)
    targets: list[dict[str, str]] = []
    for target_code, relation in zip(found.targets, found.relations, strict=True):
        row = ruleset.psr_for(target_code, target)
        targets.append(
            {
                "code": str(target_code),
                "relation": relation,
                "rule": "" if row is None else row.text,
                "row": "" if row is None else f"{row.layer} {row.citation}",
            }
        )
    if as_json:
        payload = {
            "code": str(code),
            "from": source,
            "to": target,
            "single": found.single,
            "targets": targets,
            "table": found.citation,
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        console = _console()
        console.print(f"{code} ({source}) {found.describe()}")
        for item in targets:
            console.print(
                f"  {item['code']} {escape('[' + item['relation'] + ']')}: "
                + escape(item["rule"] or "no rule in the bundle")
            )
        console.print(f"[dim]{escape(found.citation)}[/]")
    raise typer.Exit(0 if found.single else EXIT_UNKNOWN)
