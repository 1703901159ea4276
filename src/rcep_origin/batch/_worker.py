"""What a worker does with a chunk, in a local process or on a Dask worker alike: read each
declaration by the same input policy as ``rcep-origin determine`` (``parse_declaration_text``,
or the table's document validated by the same model), determine its sub-assemblies first, and
determine it with the same engine. A declaration that cannot be read or decided becomes a row
whose ``error`` says why; the chunk goes on.

A worker keeps the rule set between chunks (loaded once per process, checked against the
version the run was started with, so a cluster with another bundle is refused, not used).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rcep_origin._version import ENGINE_VERSION
from rcep_origin.batch._erp import document, locate
from rcep_origin.batch._inputs import FileChunk, Group, TableChunk, table_groups
from rcep_origin.batch._results import Row, error_row, row_of
from rcep_origin.declaration import Declaration, parse_declaration_text, validate_declaration
from rcep_origin.errors import InputError
from rcep_origin.origin import FileSource, determine, inputs_sha256, resolve_subassemblies
from rcep_origin.rules import RuleSet, builtin_ruleset, load_ruleset


@dataclass(frozen=True)
class Context:
    """What every chunk of one run shares."""

    rules: str | None  # the bundle directory, None for the built-in one
    ruleset_version: str  # the version the run was started with
    # Resuming: the earlier results that can stand (same rule set and engine).
    previous: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (source, inputs)
    done: frozenset[str] = frozenset()  # inputs_sha256 that have a result


_RULESETS: dict[str | None, RuleSet] = {}


def remember(context: Context, ruleset: RuleSet) -> None:
    """Keep a rule set already loaded, and warm what the first declaration would load (the HS
    nomenclature, the validators, the correlation index): forked workers inherit both."""
    if ruleset.version == context.ruleset_version and context.rules not in _RULESETS:
        _RULESETS[context.rules] = ruleset
        _warm(ruleset)
        gc.freeze()


_WARM_UP = {
    "product": {"description": "warm-up", "hs_code": "8538.90"},
    "exporting_party": "CN",
    "importing_party": "TH",
    "date": "2026-06-01",
    "fob_value": {"amount": "100", "currency": "USD"},
    "production_steps": [{"description": "assembly", "party": "CN"}],
    "materials": [
        {
            "id": "A",
            "hs_code": "7318.15",
            "value": {"amount": "10", "currency": "USD"},
            "origin_party": "DE",
            "originating": False,
        }
    ],
}


def _warm(ruleset: RuleSet) -> None:
    # Only to load what the first declaration would; a bundle without this example's Parties
    # or rule simply warms less.
    with contextlib.suppress(Exception):
        determine(validate_declaration(_WARM_UP), ruleset=ruleset)


def ruleset_for(context: Context) -> RuleSet:
    rules = _RULESETS.get(context.rules)
    if rules is None:
        rules = builtin_ruleset() if context.rules is None else load_ruleset(Path(context.rules))
        _RULESETS[context.rules] = rules
        _warm(rules)
        gc.freeze()  # the rule set lives as long as the process: keep it out of collections
    if rules.version != context.ruleset_version:
        raise RuntimeError(
            f"this worker reads rule set {rules.version} from {context.rules or 'the package'}, "
            f"but the run was started with {context.ruleset_version}: give every worker the same "
            "bundle"
        )
    return rules


def run_chunk(chunk: FileChunk | TableChunk, context: Context) -> list[Row]:
    """Decide every declaration of the chunk. A skipped one (resuming) comes back as a row
    with ``outcome`` "skipped" and the inputs hash its earlier result has."""
    rules = ruleset_for(context)

    def decide(declaration: Declaration) -> Any:
        return determine(declaration, ruleset=rules)

    if isinstance(chunk, FileChunk):
        return [_file(name, data, chunk.base, context, rules, decide) for name, data in chunk.files]
    groups, hashes = table_groups(chunk)
    return [_group(key, groups, hashes[key], chunk, context, rules, decide) for key in chunk.keys]


def _skipped(name: str, source: str, source_sha256: str, digest: str) -> Row:
    return {
        "declaration": name,
        "source": source,
        "source_sha256": source_sha256,
        "inputs_sha256": digest,
        "outcome": "skipped",
    }


def _file(
    name: str,
    data: bytes,
    base: str,
    context: Context,
    rules: RuleSet,
    decide: Callable[[Declaration], Any],
) -> Row:
    source_sha256 = hashlib.sha256(data).hexdigest()
    earlier = context.previous.get(name)
    if earlier is not None and earlier[0] == source_sha256:
        return _skipped(name, name, source_sha256, earlier[1])
    try:
        declaration = parse_declaration_text(data, filename=name)
        subs = _count(declaration)
        if subs:
            declaration = resolve_subassemblies(
                declaration,
                source=FileSource(Path(base)),
                determiner=decide,
                key=str((Path(base) / name).resolve()),
            )
        return _decided(name, name, source_sha256, declaration, context, decide, subs)
    except InputError as exc:
        where = f"{exc.path}: " if exc.path else ""
        return error_row(
            name,
            name,
            source_sha256,
            f"{where}{exc.message}",
            ruleset_version=rules.version,
            engine_version=ENGINE_VERSION,
        )
    except Exception as exc:  # a defect: recorded on its row, the run goes on
        return _defect(name, name, source_sha256, exc, rules)


def _group(
    key: str,
    groups: dict[str, Group],
    source_sha256: str,
    chunk: TableChunk,
    context: Context,
    rules: RuleSet,
    decide: Callable[[Declaration], Any],
) -> Row:
    rows = groups[key]
    numbers = [number for number, _ in rows]
    source = f"{chunk.table}#{_ranges(numbers)}"
    earlier = context.previous.get(key)
    if earlier is not None and earlier[0] == source_sha256:
        return _skipped(key, source, source_sha256, earlier[1])
    try:
        doc, lines = document(key, rows, chunk.mapping)
        try:
            declaration = validate_declaration(doc)
        except InputError as exc:
            where = locate(exc.path, lines)
            raise InputError(
                f"{where}: {exc.message}" if where else exc.message, path=exc.path
            ) from None
        subs = _count(declaration)
        if subs:
            table = _TableSource(groups, chunk)
            declaration = resolve_subassemblies(
                declaration, source=table, determiner=decide, key=key
            )
        row = _decided(key, source, source_sha256, declaration, context, decide, subs)
        return row
    except InputError as exc:
        where = f"{exc.path}: " if exc.path else ""
        return error_row(
            key,
            source,
            source_sha256,
            f"{where}{exc.message}",
            ruleset_version=rules.version,
            engine_version=ENGINE_VERSION,
            lines=len(rows),
        )
    except Exception as exc:
        return _defect(key, source, source_sha256, exc, rules)


def _decided(
    name: str,
    source: str,
    source_sha256: str,
    declaration: Declaration,
    context: Context,
    decide: Callable[[Declaration], Any],
    subs: int,
) -> Row:
    digest = inputs_sha256(declaration)
    if digest in context.done:
        return _skipped(name, source, source_sha256, digest)
    result = decide(declaration)
    return row_of(name, source, source_sha256, result, len(declaration.materials), subs)


def _defect(name: str, source: str, source_sha256: str, exc: Exception, rules: RuleSet) -> Row:
    return error_row(
        name,
        source,
        source_sha256,
        f"internal error ({type(exc).__name__}: {exc}); a defect, please report it",
        ruleset_version=rules.version,
        engine_version=ENGINE_VERSION,
    )


def _count(declaration: Declaration) -> int:
    return sum(1 for m in declaration.materials if m.subassembly is not None)


def _ranges(numbers: list[int]) -> str:
    """[2, 3, 4, 9] -> "2-4,9"."""
    parts: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ",".join(parts)


class _TableSource:
    """Sub-assemblies of a table's declarations: other declarations of the same table."""

    def __init__(self, groups: dict[str, Group], chunk: TableChunk) -> None:
        self.groups = groups
        self.chunk = chunk

    def load(self, reference: str, parent: str) -> tuple[str, Declaration]:
        rows = self.groups.get(reference)
        if rows is None:
            raise InputError(f"no declaration {reference!r} in {self.chunk.table}")
        doc, lines = document(reference, rows, self.chunk.mapping)
        try:
            return reference, validate_declaration(doc)
        except InputError as exc:
            where = locate(exc.path, lines)
            raise InputError(f"{where}: {exc.message}" if where else exc.message) from None
