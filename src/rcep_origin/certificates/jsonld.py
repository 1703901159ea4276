"""JSON-LD for credentials: an offline document loader and RDF Dataset Canonicalization.

Three things PyLD does not do by itself, and a verifier must:

* load contexts only from this package (never the network) -- ``_LOADER`` refuses other URLs;
* refuse terms no context defines -- PyLD silently drops them, which would leave them unsigned
  (the "safe mode" of jsonld.js);
* escape N-Quads literals as RDFC-1.0 does (``\\b``, ``\\f``, ``\\uXXXX`` for other control
  characters) -- PyLD 3.3 escapes fewer, and credentials with such characters would not verify
  in other implementations.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

import pyld.nquads
from pyld import jsonld

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
RCEP_ORIGIN_V1 = "https://w3id.org/rcep-origin/v1"
CONTEXT_FILES = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    RCEP_ORIGIN_V1: "rcep-origin-v1.jsonld",
}


class CanonicalizationError(ValueError):
    """The document is not well-formed JSON-LD for a credential (unknown term or context)."""


@cache
def context_document(url: str) -> dict[str, Any]:
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise CanonicalizationError(
            f"context {url!r} is not shipped with rcep-origin; refusing to load it"
        )
    text = resources.files("rcep_origin.certificates.contexts").joinpath(name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"contextUrl": None, "documentUrl": url, "document": context_document(url)}


# RDFC-1.0 literal escaping (see the module docstring).
_ECHAR = {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
_ESCAPES = {c: _ECHAR.get(c, f"\\u{c:04X}") for c in [*range(0x20), 0x7F, 0x22, 0x5C]}
pyld.nquads.escape = lambda value: value.translate(_ESCAPES)


def _dropped(term: str) -> None:
    raise CanonicalizationError(f"term {term!r} is not defined by any @context")


def _check_iris(node: Any) -> None:
    # With base None an undefined type or id stays relative; an absolute IRI has a scheme.
    if isinstance(node, list):
        for item in node:
            _check_iris(item)
    elif isinstance(node, dict):
        types = node.get("@type", [])
        for value in types if isinstance(types, list) else [types]:
            if ":" not in value:
                raise CanonicalizationError(f"type {value!r} is not defined by any @context")
        identifier = node.get("@id")
        if isinstance(identifier, str) and ":" not in identifier:
            raise CanonicalizationError(f"id {identifier!r} is not an absolute IRI")
        for value in node.values():
            _check_iris(value)


def canonicalize(document: dict[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document."""
    options = {"documentLoader": _loader, "base": None}
    try:
        expanded = jsonld.expand(document, options, on_property_dropped=_dropped)
        _check_iris(expanded)
        result: str = jsonld.normalize(
            expanded, {**options, "algorithm": "URDNA2015", "format": "application/n-quads"}
        )
    except jsonld.JsonLdError as exc:
        raise CanonicalizationError(f"not valid JSON-LD: {_root_cause(exc)}") from None
    return result


def canonical_hash(document: dict[str, Any]) -> bytes:
    return hashlib.sha256(canonicalize(document).encode("utf-8")).digest()


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or getattr(exc, "cause", None) is not None:
        exc = exc.__cause__ or exc.cause  # type: ignore[attr-defined]
    return str(exc).splitlines()[0][:300]
