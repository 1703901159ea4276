"""The legislation bundle: one ``RuleSet`` made of layers, with one version over all of them.

    built-in catalogue  (src/rcep_origin/data/ruleset: rows read from a source, each citing its page)
      + overlay         (a directory whose manifest says ``extends: builtin``: an issuing body's
                         own rows, e.g. the official Annex 3A row it holds, each with its source)
      + register rows   (the overlay an issuing body keeps in its register through the service)

A layer overrides the layers below it row by row (a PSR row by edition and code, an Appendix line
by Party and line, a Party by code, a parameter by name, a correlation table by pair of editions);
a row that overrides another says which (``PsrEntry.replaces``). The version
``name@release+sha256:…`` names the top layer and hashes every file of every layer, so two
bundles with the same version decide alike, and a verdict names the bundle it was decided under.

Loading is strict: a malformed row is an error naming the layer, the file and the line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from rcep_origin.errors import RuleSetError, RuleSyntaxError
from rcep_origin.hs import CorrelationTable, parse_correlation_table, parse_table_file_name
from rcep_origin.parties import Party, builtin_parties_text, parse_parties
from rcep_origin.rules.catalogue import (
    MANIFEST_KEYS,
    AppendixEntry,
    Layer,
    PsrEntry,
    RuleSet,
    _builtin_root,
    parse_appendix,
    parse_psr,
)
from rcep_origin.rules.parameters import Parameter, load_parameters

BUILTIN = "builtin"  # the value of ``extends`` that names the built-in catalogue
ENVIRONMENT_VARIABLE = "RCEP_ORIGIN_RULES"
_MAX_DEPTH = 8  # overlays on overlays: deeper than this is a mistake (or a cycle)


@dataclass
class LayerData:
    """The parsed contents of one layer, before it is stacked on the layers below."""

    layer: Layer
    texts: dict[str, str]  # file name -> text, exactly what was read (and hashed)
    psr: dict[tuple[str, str], PsrEntry] = field(default_factory=dict)
    appendix: dict[str, tuple[AppendixEntry, ...]] = field(default_factory=dict)
    parties: dict[str, Party] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    correlations: dict[tuple[str, str], CorrelationTable] = field(default_factory=dict)
    appendix_complete: frozenset[str] = frozenset()


def _digest(texts: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode("utf-8") + b"\0")
    return digest.hexdigest()


def read_manifest(text: str, where: str) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RuleSetError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict) or set(loaded) - MANIFEST_KEYS:
        raise RuleSetError(f"{where}: expected keys among {sorted(MANIFEST_KEYS)}")
    return loaded


def _read_texts(root: Traversable, *, standalone: bool) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name in ("manifest.yaml", "psr.csv", "appendix.csv", "parties.csv", "parameters.yaml"):
        item = root.joinpath(name)
        if item.is_file():
            texts[name] = item.read_text("utf-8")
    if standalone:
        for name in ("psr.csv", "appendix.csv"):
            if name not in texts:
                raise RuleSetError(f"{root}: {name} is missing")
        # A complete bundle without these uses the built-in ones, hashed as its own.
        if "parameters.yaml" not in texts:
            texts["parameters.yaml"] = (
                _builtin_root().joinpath("parameters.yaml").read_text("utf-8")
            )
        if "parties.csv" not in texts:
            texts["parties.csv"] = builtin_parties_text()
    folder = root.joinpath("hs_correlation")
    if folder.is_dir():
        for item in sorted(folder.iterdir(), key=lambda i: i.name):
            if parse_table_file_name(item.name) is None:
                raise RuleSetError(
                    f"{root}: hs_correlation/{item.name}: name a table FROM-TO.csv, e.g. "
                    "HS2022-HS2012.csv"
                )
            texts[f"hs_correlation/{item.name}"] = item.read_text("utf-8")
    if standalone and not any(name.startswith("hs_correlation/") for name in texts):
        builtin = _builtin_root().joinpath("hs_correlation")
        for item in sorted(builtin.iterdir(), key=lambda i: i.name):
            if parse_table_file_name(item.name) is not None:
                texts[f"hs_correlation/{item.name}"] = item.read_text("utf-8")
    return texts


def parse_layer(texts: dict[str, str], *, kind: str, location: str, default_name: str) -> LayerData:
    """Parse one layer's files (already read)."""
    manifest = (
        read_manifest(texts["manifest.yaml"], "manifest.yaml") if "manifest.yaml" in texts else {}
    )
    name = str(manifest.get("name") or default_name)
    layer = Layer(
        name=name,
        release=str(manifest.get("version", "unversioned")),
        kind=kind,
        location=location,
        sha256=_digest(texts),
        manifest=manifest,
    )
    data = LayerData(layer=layer, texts=texts)
    try:
        if "psr.csv" in texts:
            data.psr = parse_psr(texts["psr.csv"], "psr.csv", layer=name)
        if "appendix.csv" in texts:
            data.appendix = parse_appendix(texts["appendix.csv"], "appendix.csv", layer=name)
        if "parties.csv" in texts:
            data.parties = parse_parties(texts["parties.csv"], file="parties.csv")
        if "parameters.yaml" in texts:
            data.parameters = load_parameters(texts["parameters.yaml"], file="parameters.yaml")
        for file, text in texts.items():
            pair = parse_table_file_name(file.removeprefix("hs_correlation/"))
            if file.startswith("hs_correlation/") and pair is not None:
                try:
                    data.correlations[pair] = parse_correlation_table(
                        text, file=file, source_edition=pair[0], target_edition=pair[1]
                    )
                except ValueError as exc:
                    raise RuleSetError(str(exc)) from exc
    except RuleSyntaxError:
        raise
    except RuleSetError as exc:
        if kind == "built-in":
            raise
        # Name the layer: with overlays, "psr.csv:3" alone does not say which psr.csv.
        raise RuleSetError(f"{location}: {exc}") from exc
    complete = manifest.get("appendix_complete", []) or []
    data.appendix_complete = frozenset(str(p) for p in complete)
    return data


def stack(base: RuleSet | None, top: LayerData) -> RuleSet:
    """The bundle ``top`` makes on ``base``: rows of ``top`` override those below."""
    layers = (*(base.layers if base else ()), top.layer)
    psr = dict(base.psr) if base else {}
    for key, entry in top.psr.items():
        lower = psr.get(key)
        if lower is not None:
            entry = _replacing(entry, lower)
        psr[key] = entry
    appendix = _stack_appendix(base.appendix if base else {}, top.appendix)
    files = dict(base.files) if base else {}
    for name, text in top.texts.items():
        files[f"{top.layer.name}/{name}"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    # One hash over every layer, bottom to top (the layer hashes already cover their files).
    digest = hashlib.sha256()
    for layer in layers:
        digest.update(layer.sha256.encode() + b"\0")
    sha = digest.hexdigest() if len(layers) > 1 else top.layer.sha256
    return RuleSet(
        name=top.layer.name,
        release=top.layer.release,
        sha256=sha,
        psr=psr,
        appendix=appendix,
        appendix_complete=(base.appendix_complete if base else frozenset()) | top.appendix_complete,
        parameters={**(base.parameters if base else {}), **top.parameters},
        manifest=top.layer.manifest,
        parties={**(base.parties if base else {}), **top.parties},
        correlations={**(base.correlations if base else {}), **top.correlations},
        layers=layers,
        files=files,
    )


def _replacing(entry: PsrEntry, lower: PsrEntry) -> PsrEntry:
    from dataclasses import replace

    return replace(entry, replaces=f"{lower.layer} {lower.citation}")


def _stack_appendix(
    lower: Mapping[str, tuple[AppendixEntry, ...]], upper: Mapping[str, tuple[AppendixEntry, ...]]
) -> dict[str, tuple[AppendixEntry, ...]]:
    merged: dict[str, dict[str, AppendixEntry]] = {}
    for source in (lower, upper):
        for party, entries in source.items():
            for entry in entries:
                merged.setdefault(party, {})[entry.tariff_line] = entry
    # Longest lines first, so a national line's entry wins over its heading's.
    return {
        party: tuple(sorted(by_line.values(), key=lambda e: (-len(e.tariff_line), e.tariff_line)))
        for party, by_line in merged.items()
    }


def _root(directory: Path | Traversable | str) -> Traversable:
    root: Traversable = Path(directory) if isinstance(directory, str | Path) else directory
    if not root.is_dir():
        raise RuleSetError(f"{directory}: not a directory")
    return root


def load_ruleset(directory: Path | Traversable | str) -> RuleSet:
    """Load a bundle directory: a complete rule set, or an overlay (``extends`` in its manifest)
    stacked on the bundle it extends."""
    return _load(_root(directory), depth=0)


def _load(root: Traversable, *, depth: int, kind: str = "directory") -> RuleSet:
    if depth > _MAX_DEPTH:
        raise RuleSetError(f"{root}: overlays nested deeper than {_MAX_DEPTH} (a cycle?)")
    manifest_file = root.joinpath("manifest.yaml")
    manifest = (
        read_manifest(manifest_file.read_text("utf-8"), f"{root}/manifest.yaml")
        if manifest_file.is_file()
        else {}
    )
    extends = manifest.get("extends")
    base: RuleSet | None = None
    if extends is not None:
        if str(extends) == BUILTIN:
            base = builtin_ruleset()
        elif isinstance(root, Path):
            target = (root / str(extends)).resolve()
            base = _load(_root(target), depth=depth + 1)
        else:
            raise RuleSetError(f"{root}: extends must be '{BUILTIN}' here")
    texts = _read_texts(root, standalone=base is None)
    location = str(root) if isinstance(root, Path) else "rcep_origin/data/ruleset"
    default = getattr(root, "name", "rules")
    return stack(base, parse_layer(texts, kind=kind, location=location, default_name=default))


@cache
def builtin_ruleset() -> RuleSet:
    """The bundle shipped in the package (``rcep_origin/data/ruleset``)."""
    return _load(_builtin_root(), depth=0, kind="built-in")


def with_rows(base: RuleSet, *, name: str, release: str, psr_text: str, location: str) -> RuleSet:
    """``base`` with one more layer made of a ``psr.csv`` text (the register's overlay)."""
    texts = {"manifest.yaml": layer_manifest(name, release), "psr.csv": psr_text}
    return stack(base, parse_layer(texts, kind="register", location=location, default_name=name))


def layer_manifest(name: str, release: str) -> str:
    return yaml.safe_dump({"name": name, "version": release}, sort_keys=False)
