"""JSON-LD for credentials: shipped contexts and RDF Dataset Canonicalization (RDFC-1.0).

Two paths, one answer. The credentials and proof options this project signs use the shipped
contexts only: for them the contexts are compiled once and the canonical N-Quads emitted in
one walk (``_compiled_jsonld``) and labelled per RDFC-1.0 (``_rdfc``), some ten times faster
than the general path. Anything outside that shape -- another context, an unknown term, a
value form it does not handle -- takes the general path: Oxigraph (Rust, ``pyoxigraph``).
The tests hold the fast path, Oxigraph and PyLD (an independent implementation) to the same
N-Quads byte for byte, on arbitrary certificates and variations of them, and to the W3C
vc-di-eddsa test vector. Two duties the canonicalizer does not take on, done here:

* contexts come only from this package, never the network: each context URL is replaced by the
  shipped document before parsing, and any other URL is refused;
* a term no context defines is refused, not silently dropped (it would be left unsigned): the
  "safe mode" of jsonld.js.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from rcep_origin.certificates._compiled_jsonld import (
    Context,
    NotCompiled,
    compile_contexts,
    document_triples,
)
from rcep_origin.certificates._rdfc import TooComplex, canonical_nquads

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
RCEP_ORIGIN_V1 = "https://w3id.org/rcep-origin/v1"
CONTEXT_FILES = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    RCEP_ORIGIN_V1: "rcep-origin-v1.jsonld",
}
_JSON_LD_VALUES = {"@context", "@id", "@type", "@value", "@language", "@list", "@set", "@graph"}


class CanonicalizationError(ValueError):
    """The document is not well-formed JSON-LD for a credential (unknown term or context)."""


# Contexts a program registers at run time (tests register the W3C examples context).
REGISTERED: dict[str, dict[str, Any]] = {}


def context_document(url: str) -> dict[str, Any]:
    if url in REGISTERED:
        return REGISTERED[url]
    return _shipped_context(url)


@cache
def _shipped_context(url: str) -> dict[str, Any]:
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise CanonicalizationError(
            f"context {url!r} is not shipped with rcep-origin; refusing to load it"
        )
    text = resources.files("rcep_origin.certificates.contexts").joinpath(name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _terms_of(context: Any) -> Iterator[str]:
    """Every term a context defines, including those of its scoped contexts."""
    if isinstance(context, list):
        for item in context:
            yield from _terms_of(item)
    elif isinstance(context, dict):
        for term, definition in context.items():
            if not term.startswith("@") or term == "@vocab":
                yield term
            if isinstance(definition, dict) and "@context" in definition:
                yield from _terms_of(definition["@context"])


def _defined_terms(urls: tuple[str, ...]) -> frozenset[str]:
    if any(url in REGISTERED for url in urls):
        return frozenset(t for url in urls for t in _terms_of(context_document(url)["@context"]))
    return _shipped_terms(urls)


@cache
def _shipped_terms(urls: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t for url in urls for t in _terms_of(context_document(url)["@context"]))


def _context_urls(document: dict[str, Any]) -> tuple[str, ...]:
    context = document.get("@context")
    listed = context if isinstance(context, list) else [context]
    urls = tuple(u for u in listed if isinstance(u, str))
    if not urls or len(urls) != len(listed):
        raise CanonicalizationError("@context must be a list of context URLs")
    for url in urls:
        context_document(url)  # refuses unknown URLs
    return urls


def check_terms(document: dict[str, Any]) -> None:
    """Refuse keys and types no shipped context defines (JSON-LD would drop them unsigned)."""
    terms = _defined_terms(_context_urls(document))
    if "@vocab" in terms:
        return  # a vocabulary maps every term: nothing can be dropped

    def walk(node: Any, path: str) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{path}[{index}]")
        elif isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("@"):
                    if key not in _JSON_LD_VALUES:
                        raise CanonicalizationError(
                            f"{path}.{key}: JSON-LD keyword not accepted in a credential"
                        )
                    if key == "@context":
                        continue
                elif key not in terms and ":" not in key:
                    raise CanonicalizationError(
                        f"term {key!r} at {path} is not defined by any @context"
                    )
                if key in ("type", "@type"):
                    for kind in value if isinstance(value, list) else [value]:
                        if not isinstance(kind, str) or (kind not in terms and ":" not in kind):
                            raise CanonicalizationError(
                                f"type {kind!r} at {path} is not defined by any @context"
                            )
                    continue
                walk(value, f"{path}.{key}")

    walk(document, "$")


def canonicalize(document: dict[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD credential."""
    fast = canonicalize_fast(document)
    return fast if fast is not None else canonicalize_general(document)


@lru_cache(maxsize=64)
def _compiled(urls: tuple[str, ...]) -> Context | None:
    try:
        return compile_contexts([_shipped_context(url) for url in urls])
    except (NotCompiled, CanonicalizationError):
        return None


def canonicalize_fast(document: dict[str, Any]) -> str | None:
    """The canonical N-Quads by the compiled contexts, or None when ``document`` is outside
    what they handle (then only ``canonicalize_general`` answers)."""
    found = _fast(document)
    return None if found is None else found[0]


def _fast(document: dict[str, Any]) -> tuple[str, bytes] | None:
    """The fast path's N-Quads, as text and as UTF-8."""
    urls = document.get("@context") if isinstance(document, dict) else None
    if urls.__class__ is not list or not all(url.__class__ is str for url in urls):
        return None
    if REGISTERED and any(url in REGISTERED for url in urls):
        return None  # a context registered at run time is never compiled
    context = _compiled(tuple(urls))
    if context is None:
        return None
    try:
        text = canonical_nquads(document_triples(document, context))
        # A lone surrogate (from a JSON escape) does not encode: the general path's to refuse.
        return text, text.encode("utf-8")
    except (NotCompiled, TooComplex, RecursionError, UnicodeEncodeError):
        return None


def canonicalize_general(document: dict[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads by Oxigraph, for any credential the shipped (or registered)
    contexts describe."""
    import pyoxigraph  # only here: the fast path serves what this project signs

    check_terms(document)
    inlined = {
        **document,
        "@context": [context_document(url)["@context"] for url in _context_urls(document)],
    }
    try:
        dataset = pyoxigraph.Dataset(
            pyoxigraph.parse(
                json.dumps(inlined).encode("utf-8"), format=pyoxigraph.RdfFormat.JSON_LD
            )
        )
        dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        quads = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS) or b""
    except (SyntaxError, ValueError) as exc:
        raise CanonicalizationError(f"not valid JSON-LD: {exc}") from None
    # RDFC-1.0 output is the sorted list of canonical quads. Split on "\n" only: a literal may
    # hold U+2028 or U+0085, which str.splitlines() would also break on.
    lines = quads.decode("utf-8").split("\n")
    return "".join(sorted(line + "\n" for line in lines if line))


def canonical_hash(document: dict[str, Any]) -> bytes:
    found = _fast(document)
    data = found[1] if found is not None else canonicalize_general(document).encode("utf-8")
    return hashlib.sha256(data).digest()
