"""A batch run: plan the chunks, decide them in local processes or on a Dask cluster, keep each
finished chunk in a journal, and write the results file sorted by declaration, so the results
are the same bytes however (and in however many goes) the run was made.

Resuming: a declaration whose ``inputs_sha256`` already has a result in RESULTS, decided under
the same rule set and engine, is not decided again (nor is one whose file or rows are byte for
byte those of its earlier result, unless it has sub-assemblies, whose files may have changed).
Rows in error are always retried.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rcep_origin._version import ENGINE_VERSION
from rcep_origin.batch._erp import load_mapping
from rcep_origin.batch._inputs import Chunk, Plan, plan
from rcep_origin.batch._results import (
    Journal,
    Row,
    check_output,
    error_row,
    read_results,
    write_results,
)
from rcep_origin.batch._worker import Context, remember, run_chunk
from rcep_origin.rules import RuleSet

CHUNKS_PER_WORKER = 8  # enough for an even finish and a moving progress bar


class ClusterUnavailable(Exception):
    """The Dask scheduler could not be reached, or refused the work."""


@dataclass(frozen=True)
class BatchOptions:
    input: Path
    out: Path
    ruleset: RuleSet
    rules: Path | None = None  # the bundle directory the workers load; None: the built-in one
    workers: int | None = None  # local processes (default: one per CPU)
    scheduler: str | None = None  # tcp://host:8786: run on that Dask cluster
    mapping: Path | None = None  # a table's column mapping (ERP exports)


@dataclass
class BatchRun:
    """What a run did: every row of RESULTS, and this run's figures."""

    rows: list[Row]
    decided: int  # declarations decided by this run
    kept: int  # results kept from an earlier run (resumed)
    lines: int  # BOM lines decided by this run
    seconds: float  # wall time of the run, reading and writing included
    where: str  # "2 local processes", "Dask tcp://127.0.0.1:8786 (1 worker, 1 threads)"
    ruleset_version: str
    input: str = ""
    results: str = ""
    started: str = ""
    outcomes: Counter[str] = field(default_factory=Counter)
    where_message: tuple[str, dict[str, Any]] = ("where.local", {"n": 1})  # for other languages

    def __post_init__(self) -> None:
        self.outcomes = Counter(str(row["outcome"]) for row in self.rows)

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else 0.0

    def top_reasons(self, outcome: str = "not_originating", n: int = 10) -> list[tuple[str, int]]:
        counted: Counter[str] = Counter()
        for row in self.rows:
            if row["outcome"] == outcome and row.get("reasons"):
                counted.update(str(row["reasons"]).split())
        return counted.most_common(n)


Progress = Callable[[int, int], None]  # (declarations done, total)


def run_batch(options: BatchOptions, progress: Progress | None = None) -> BatchRun:
    """Decide every declaration of ``options.input`` and write ``options.out``. Raises
    ``InputError`` for unusable input or options, ``ClusterUnavailable`` for a scheduler
    that cannot be reached."""
    started = time.perf_counter()
    check_output(options.out)
    mapping = load_mapping(options.mapping)
    version = options.ruleset.version
    journal = Journal(options.out)
    earlier = _earlier(read_results(options.out) + journal.read(), version)
    context = Context(
        rules=None if options.rules is None else str(options.rules.resolve()),
        ruleset_version=version,
        previous={
            name: (str(row["source_sha256"]), str(row["inputs_sha256"]))
            for name, row in earlier.items()
            if not row.get("subassemblies")
        },
        done=frozenset(str(row["inputs_sha256"]) for row in earlier.values()),
    )
    by_inputs = {str(row["inputs_sha256"]): row for row in earlier.values()}
    remember(context, options.ruleset)  # local workers inherit it instead of loading it again
    executor = _executor(options)
    try:
        work = plan(options.input, mapping, parts=executor.workers * CHUNKS_PER_WORKER)
        rows: dict[str, Row] = {
            name: error_row(
                name, source, "", error, ruleset_version=version, engine_version=ENGINE_VERSION
            )
            for name, source, error in work.refused
        }
        finished = len(rows)
        if progress is not None:
            progress(finished, work.declarations)
        decided = kept = lines = 0
        for chunk_rows in executor.run(work, context):
            fresh = []
            for row in chunk_rows:
                if row["outcome"] == "skipped":
                    row = {**by_inputs[str(row["inputs_sha256"])], **row}
                    row["outcome"] = by_inputs[str(row["inputs_sha256"])]["outcome"]
                    kept += 1
                else:
                    decided += 1
                    lines += int(row.get("lines") or 0)
                    fresh.append(row)
                rows[str(row["declaration"])] = row
            journal.append(fresh)
            finished += len(chunk_rows)
            if progress is not None:
                progress(finished, work.declarations)
    finally:
        executor.close()
    ordered = sorted(rows.values(), key=lambda row: str(row["declaration"]))
    write_results(options.out, ordered)
    journal.remove()
    return BatchRun(
        rows=ordered,
        decided=decided,
        kept=kept,
        lines=lines,
        seconds=time.perf_counter() - started,
        where=executor.where,
        where_message=executor.where_message,
        ruleset_version=version,
        input=str(options.input),
        results=str(options.out),
        started=time.strftime("%Y-%m-%d %H:%M:%S %z"),
    )


def _earlier(rows: list[Row], version: str) -> dict[str, Row]:
    """The earlier results that stand: decided (not in error) under this rule set and engine;
    the journal's rows come last and win."""
    kept: dict[str, Row] = {}
    for row in rows:
        if (
            row.get("outcome") in ("originating", "not_originating", "undecidable")
            and row.get("ruleset_version") == version
            and row.get("engine_version") == ENGINE_VERSION
            and row.get("inputs_sha256")
        ):
            kept[str(row["declaration"])] = row
    return kept


# --- where the chunks run -------------------------------------------------------------------------


class _Executor:
    workers: int
    where: str
    where_message: tuple[str, dict[str, Any]]

    def run(self, work: Plan, context: Context) -> Iterator[list[Row]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the executor holds."""


class _InProcess(_Executor):
    """One worker: this process (no pool to start for a small run)."""

    workers = 1
    where = "1 local process"
    where_message = ("where.local", {"n": 1})

    def run(self, work: Plan, context: Context) -> Iterator[list[Row]]:
        for chunk in work.chunks:
            yield run_chunk(chunk, context)


class _Local(_Executor):
    """Local processes. Forked where the platform allows (the workers inherit the loaded
    rule set and imports, so they start in milliseconds); spawned elsewhere."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.where = f"{workers} local processes"
        self.where_message = ("where.local", {"n": workers})
        method = "fork" if sys.platform == "linux" else "spawn"
        self.pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context(method)
        )

    def run(self, work: Plan, context: Context) -> Iterator[list[Row]]:
        pending: set[Future[list[Row]]] = set()
        chunks = iter(work.chunks)
        # A few chunks ahead per worker: the pool stays busy, the memory bounded.
        for chunk in _take(chunks, self.workers * 2):
            pending.add(self.pool.submit(run_chunk, chunk, context))
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                for chunk in _take(chunks, 1):
                    pending.add(self.pool.submit(run_chunk, chunk, context))

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Dask(_Executor):
    """An existing Dask distributed cluster (``dask scheduler`` and ``dask worker``). The
    chunks carry the declarations themselves; the workers need this package (the same version,
    which the run checks) and, when given, the ``--rules`` directory and sub-assembly files."""

    def __init__(self, address: str) -> None:
        try:
            # Untyped: held as Any (the package ships no type information).
            self.distributed: Any = importlib.import_module("distributed")
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise ClusterUnavailable(f"Dask distributed is not installed: {exc}") from None
        try:
            self.client: Any = self.distributed.Client(address, timeout="15s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterUnavailable(f"cannot reach the Dask scheduler {address}: {exc}") from None
        info = self.client.scheduler_info()
        threads = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
        if threads == 0:
            self.client.close()
            raise ClusterUnavailable(f"the Dask scheduler {address} has no worker")
        versions = self.client.run(_engine_version)
        foreign = {v for v in versions.values() if v != ENGINE_VERSION}
        if foreign:
            self.client.close()
            raise ClusterUnavailable(
                f"the workers run engine {', '.join(sorted(foreign))}, this client "
                f"{ENGINE_VERSION}: install the same rcep-origin on every worker"
            )
        self.workers = threads
        count = len(info.get("workers", {}))
        self.where = (
            f"Dask {address} ({count} worker{'s' if count != 1 else ''}, {threads} threads)"
        )
        self.where_message = (
            "where.dask",
            {"address": address, "workers": count, "threads": threads},
        )

    def run(self, work: Plan, context: Context) -> Iterator[list[Row]]:
        shared = self.client.scatter(context, broadcast=True)
        futures = [
            self.client.submit(run_chunk, chunk, shared, pure=False) for chunk in work.chunks
        ]
        for future in self.distributed.as_completed(futures, loop=self.client.loop):
            try:
                rows: list[Row] = future.result()
            except Exception as exc:  # a declaration's own failure is a row; this is the cluster
                raise ClusterUnavailable(f"a Dask worker failed a chunk: {exc}") from exc
            future.release()
            yield rows

    def close(self) -> None:
        self.client.close()


def _engine_version() -> str:
    from rcep_origin._version import ENGINE_VERSION as version

    return version


def _executor(options: BatchOptions) -> _Executor:
    if options.scheduler:
        return _Dask(options.scheduler)
    workers = options.workers or os.cpu_count() or 1
    return _InProcess() if workers <= 1 else _Local(workers)


def _take(chunks: Iterator[Chunk], n: int) -> list[Chunk]:
    taken = []
    for chunk in chunks:
        taken.append(chunk)
        if len(taken) >= n:
            break
    return taken
