"""Build the HS correlation tables of the built-in legislation bundle from the UN Statistics
Division's conversion and correlation workbooks.

    python scripts/build_hs_correlation.py /path/to/concordance/data-raw [--check]

Input: the UNSD workbooks as committed in the public R package ``concordance``
(github.com/insongkim/concordance, folder ``data-raw/``):

    HS2022toHS2012ConversionAndCorrelationTables.xlsx   sheet "HS2022-HS2012 Correlations"
    HS2022toHS2017ConversionAndCorrelationTables.xlsx   sheet "HS2022-HS2017 Correlations"
    HS2017toHS2012ConversionAndCorrelationTables.xlsx   sheet "Correlation HS17-HS12"

Output: ``src/rcep_origin/data/ruleset/hs_correlation/<FROM>-<TO>.csv``, one row per link
(``from_code,to_code,relation,partial``) as the workbook states it, under a header naming the
source, the commit it was read at and the date. Nothing is inferred: a link the workbook does not
list is not written, and the placeholder code 999999 ("commodities not specified") is kept out
because it is not an HS subheading.

``--check`` rebuilds in memory and fails if the committed files differ (reproducibility).
Needs ``openpyxl`` (not a dependency of the package: only this script reads Excel).
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "rcep_origin" / "data" / "ruleset" / "hs_correlation"
REPOSITORY = "github.com/insongkim/concordance"
RELATIONS = {"1:1", "1:n", "n:1", "n:n"}
NOT_A_SUBHEADING = "999999"  # UNSD's "commodities not specified according to kind"


@dataclass(frozen=True)
class Table:
    source_edition: str
    target_edition: str
    workbook: str
    sheet: str
    # Column positions (0-based) of the source code, the "ex" marker (None: no such column),
    # the target code and the relationship, in the workbook's correlation sheet.
    columns: tuple[int, int | None, int, int]


TABLES = (
    Table(
        "HS2022",
        "HS2012",
        "HS2022toHS2012ConversionAndCorrelationTables.xlsx",
        "HS2022-HS2012 Correlations",
        (0, None, 1, 2),
    ),
    Table(
        "HS2022",
        "HS2017",
        "HS2022toHS2017ConversionAndCorrelationTables.xlsx",
        "HS2022-HS2017 Correlations",
        (0, None, 1, 2),
    ),
    Table(
        "HS2017",
        "HS2012",
        "HS2017toHS2012ConversionAndCorrelationTables.xlsx",
        "Correlation HS17-HS12",
        (0, 1, 2, 3),
    ),
)


def _commit_of(folder: Path) -> str:
    """The commit the workbooks were read at, when ``folder`` is inside a git checkout or a
    bare mirror (else "unknown": say so rather than guess)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "log", "-1", "--format=%H %cs"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def rows_of(table: Table, workbook: Path) -> list[tuple[str, str, str, str]]:
    import openpyxl  # a build-time tool only

    book = openpyxl.load_workbook(workbook, read_only=True)
    sheet = book[table.sheet]
    source, ex, target, relation = table.columns
    rows: list[tuple[str, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else str(v).strip() for v in values]
        if len(cells) <= relation or not cells[source].isdigit():
            continue  # the two header lines ("Between", column names)
        pair = (cells[source], cells[target])
        if NOT_A_SUBHEADING in pair:
            continue
        if not all(len(code) == 6 and code.isdigit() for code in pair):
            raise ValueError(f"{workbook.name}:{table.sheet}:{number}: not two subheadings {pair}")
        if cells[relation] not in RELATIONS:
            raise ValueError(
                f"{workbook.name}:{table.sheet}:{number}: relation {cells[relation]!r}"
            )
        partial = "ex" if ex is not None and cells[ex].lower() == "ex" else ""
        if pair in seen:
            continue  # a link listed twice says nothing more
        seen.add(pair)
        rows.append((pair[0], pair[1], cells[relation], partial))
    return sorted(rows)


def render(table: Table, rows: list[tuple[str, str, str, str]], commit: str, read_on: str) -> str:
    out = io.StringIO()
    header = [
        f"# HS correlation {table.source_edition} -> {table.target_edition}, six-digit subheadings.",
        "# Source: United Nations Statistics Division, HS conversion and correlation tables,",
        f"#   workbook {table.workbook}, sheet '{table.sheet}',",
        f"#   as committed in {REPOSITORY} (data-raw/), commit {commit}; read on {read_on}",
        "#   by scripts/build_hs_correlation.py (re-run it to reproduce this file).",
        "# relation: as the workbook states it (1:1, 1:n, n:1, n:n; 'n' on the side with several codes).",
        "# partial: 'ex' where the workbook marks the link as covering only part of the code.",
        "# Code 999999 (commodities not specified) is left out: it is not an HS subheading.",
        f"# {len(rows)} links.",
    ]
    out.write("\n".join(header) + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["from_code", "to_code", "relation", "partial"])
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_raw", type=Path, help="the concordance repository's data-raw/")
    parser.add_argument("--read-on", default="2026-11-30", help="date the workbooks were read")
    parser.add_argument("--commit", help="the repository commit (default: asked of git)")
    parser.add_argument("--check", action="store_true", help="fail if the files would change")
    args = parser.parse_args(argv)
    commit = args.commit or _commit_of(args.data_raw)
    OUT.mkdir(parents=True, exist_ok=True)
    changed = []
    for table in TABLES:
        text = render(table, rows_of(table, args.data_raw / table.workbook), commit, args.read_on)
        target = OUT / f"{table.source_edition}-{table.target_edition}.csv"
        if args.check:
            if not target.exists() or target.read_text("utf-8") != text:
                changed.append(target.name)
            continue
        target.write_text(text, "utf-8")
        print(f"wrote {target.relative_to(ROOT)}: {text.count(chr(10)) - 10} links")
    if changed:
        print(f"out of date: {', '.join(changed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
