"""What a batch reads: a folder of declarations (JSON or YAML, at any depth), or one flat table
of BOM lines (CSV, XLSX or Parquet; ``_erp.py``), cut into chunks of about equal work that a
local process or a Dask worker decides on its own.

A folder's files are read here (their bytes travel with the chunk, so a worker on another
machine needs no shared disk, except for sub-assembly files and ``--rules``); a table is read
with Polars, every cell as text (amounts stay exact: no float ever holds one), and each chunk
carries the rows of its declarations and of the sub-assemblies they name.
"""

from __future__ import annotations

import csv
import hashlib
import io
import marshal
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

from rcep_origin.batch._erp import ColumnMapping, rename
from rcep_origin.declaration import MAX_DOCUMENT_BYTES
from rcep_origin.errors import InputError

DOCUMENTS = (".json", ".yaml", ".yml")
TABLES = (".csv", ".xlsx", ".parquet")
ROW = "__row"  # the table's row number, as a spreadsheet shows it


@dataclass(frozen=True, slots=True)
class FileChunk:
    """Declarations from files: (name relative to the input folder, bytes)."""

    base: str
    files: tuple[tuple[str, bytes], ...]

    @property
    def declarations(self) -> int:
        return len(self.files)


@dataclass(frozen=True, slots=True)
class TableChunk:
    """Declarations from a table: the keys to decide, and the rows of those declarations and
    of the sub-assemblies they name, as CSV text (layout column names and ``__row``; every cell
    text). One string crosses to the worker, not a Python object per cell, and the worker reads
    it with the csv module: it never needs Polars (nor inherits its threads)."""

    table: str
    keys: tuple[str, ...]
    csv: str
    mapping: ColumnMapping

    @property
    def declarations(self) -> int:
        return len(self.keys)


Chunk = FileChunk | TableChunk


@dataclass
class Plan:
    kind: Literal["folder", "table"]
    chunks: list[Chunk]
    declarations: int
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (name, source, error)


def plan(path: Path, mapping: ColumnMapping, *, parts: int) -> Plan:
    """Read INPUT and cut it into about ``parts`` chunks (more when it is large)."""
    if path.is_dir():
        return _folder(path, parts)
    if path.is_file() and path.suffix.lower() in TABLES:
        return _table(path, mapping, parts)
    if path.is_file():
        raise InputError(
            f"{path}: INPUT is a folder of declarations ({', '.join(DOCUMENTS)}) or a table "
            f"({', '.join(TABLES)})"
        )
    raise InputError(f"{path}: no such folder or file")


def _folder(base: Path, parts: int) -> Plan:
    files = sorted(
        p
        for p in base.rglob("*")
        if p.is_file()
        and p.suffix.lower() in DOCUMENTS
        and not any(part.startswith(".") for part in p.relative_to(base).parts)
    )
    read: list[tuple[str, bytes]] = []
    refused: list[tuple[str, str, str]] = []
    for file in files:
        name = file.relative_to(base).as_posix()
        try:
            if file.stat().st_size > MAX_DOCUMENT_BYTES:
                raise OSError(f"larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
            read.append((name, file.read_bytes()))
        except OSError as exc:
            refused.append((name, name, f"cannot read {name}: {exc.strerror or exc}"))
    total = sum(len(data) for _, data in read) or 1
    target = max(total // max(parts, 1), 1)
    chunks: list[Chunk] = []
    current: list[tuple[str, bytes]] = []
    size = 0
    for item in read:
        current.append(item)
        size += len(item[1])
        if size >= target:
            chunks.append(FileChunk(str(base), tuple(current)))
            current, size = [], 0
    if current:
        chunks.append(FileChunk(str(base), tuple(current)))
    return Plan("folder", chunks, len(read) + len(refused), refused)


def read_table(path: Path) -> Any:
    """The table with every cell as text (None for an empty cell)."""
    import polars as pl

    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pl.read_csv(path, infer_schema=False)
        elif suffix == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = _read_xlsx(path)
    except InputError:
        raise
    except Exception as exc:  # Polars and calamine raise their own errors for unreadable files
        raise InputError(f"{path}: cannot read the table: {exc}") from None
    return frame.with_columns(pl.all().cast(pl.Utf8))


def _read_xlsx(path: Path) -> Any:
    """The first sheet of a workbook (python-calamine), header on its first row."""
    import polars as pl
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    if not rows:
        raise InputError(f"{path}: the first sheet is empty")
    header = [str(cell) for cell in rows[0]]
    data = [[_cell(cell) for cell in row] for row in rows[1:]]
    return pl.DataFrame(data, schema=dict.fromkeys(header, pl.Utf8), orient="row")


def _cell(value: Any) -> str | None:
    """A spreadsheet cell as text: numbers as written (no binary float noise: the shortest
    repr), dates as ISO dates, booleans as true/false."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _table(path: Path, mapping: ColumnMapping, parts: int) -> Plan:
    import polars as pl

    raw = read_table(path)
    renamed = rename(raw.columns, mapping)
    first = 1 if path.suffix.lower() == ".parquet" else 2  # header on row 1 of a sheet
    frame = raw.select([pl.col(theirs).alias(ours) for theirs, ours in renamed.items()])
    frame = frame.with_row_index(ROW, offset=first).with_columns(pl.col(ROW).cast(pl.Int64))
    for name, value in mapping.defaults.items():
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(value, dtype=pl.Utf8).alias(name))
    missing_key = frame.filter(pl.col("declaration").is_null() | (pl.col("declaration") == ""))
    refused = [
        (f"(row {row})", f"{path.name}#{row}", f"row {row}: no declaration key")
        for row in missing_key[ROW].to_list()
    ]
    frame = frame.filter(pl.col("declaration").is_not_null() & (pl.col("declaration") != ""))
    # Rows of one declaration together, declarations in the order they first appear.
    order = frame.select("declaration").unique(maintain_order=True).with_row_index("__key")
    frame = frame.join(order, on="declaration").sort(["__key", ROW]).drop("__key")
    keys: list[str] = order["declaration"].to_list()
    counts = dict(frame.group_by("declaration").len().iter_rows())
    subs = _subassemblies(frame)
    target = max(frame.height // max(parts, 1), 1)
    chunks: list[Chunk] = []
    start = 0
    batch: list[str] = []
    lines = 0
    for key in keys:
        batch.append(key)
        lines += counts[key]
        if lines >= target:
            chunks.append(_table_chunk(path, frame, start, lines, batch, subs, mapping))
            start += lines
            batch, lines = [], 0
    if batch:
        chunks.append(_table_chunk(path, frame, start, lines, batch, subs, mapping))
    return Plan("table", chunks, len(keys) + len(refused), refused)


def _subassemblies(frame: Any) -> dict[str, set[str]]:
    """Declaration key -> the keys of the sub-assemblies its lines name."""
    import polars as pl

    if "subassembly" not in frame.columns:
        return {}
    named = frame.filter(pl.col("subassembly").is_not_null() & (pl.col("subassembly") != ""))
    found: dict[str, set[str]] = {}
    for key, sub in named.select("declaration", "subassembly").iter_rows():
        found.setdefault(key, set()).add(sub)
    return found


def _closure(keys: list[str], subs: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [s for key in keys for s in subs.get(key, ())]
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo.extend(subs.get(key, ()))
    return seen - set(keys)


def _table_chunk(
    path: Path,
    frame: Any,
    start: int,
    length: int,
    keys: list[str],
    subs: dict[str, set[str]],
    mapping: ColumnMapping,
) -> TableChunk:
    import polars as pl

    part = frame.slice(start, length)
    extra = _closure(keys, subs)
    if extra:
        part = pl.concat([part, frame.filter(pl.col("declaration").is_in(sorted(extra)))])
    return TableChunk(path.name, tuple(keys), part.write_csv(), mapping)


Group = list[tuple[int, dict[str, str]]]  # (row number, layout column -> text, "" when empty)


def table_groups(chunk: TableChunk) -> tuple[dict[str, Group], dict[str, str]]:
    """The chunk's rows by declaration key, and a hash of each declaration's cells (what
    resuming compares for a table)."""
    reader = csv.reader(io.StringIO(chunk.csv))
    columns = next(reader)
    index = columns.index(ROW)
    key_at = columns.index("declaration")
    groups: dict[str, Group] = {}
    raw: dict[str, list[list[str]]] = {}
    for values in reader:
        key = values[key_at]
        # Every column is the layout's (and __row); an empty cell is "" (no value).
        groups.setdefault(key, []).append(
            (int(values[index]), dict(zip(columns, values, strict=True)))
        )
        raw.setdefault(key, []).append(values)
    return groups, {key: _cells_sha256(rows) for key, rows in raw.items()}


def _cells_sha256(rows: list[list[str]]) -> str:
    # marshal: the fastest exact serialisation of tuples of strings (another Python version
    # may write other bytes, which only means deciding again when resuming).
    return hashlib.sha256(marshal.dumps(rows, 4)).hexdigest()


def iter_names(chunk: Chunk) -> Iterator[str]:
    if isinstance(chunk, FileChunk):
        yield from (name for name, _ in chunk.files)
    else:
        yield from chunk.keys
