"""JSON-LD to RDF for the credentials this project signs, with the shipped contexts compiled.

Oxigraph (the general path) processes the ten-kilobyte credentials context for every document
it reads; here each shipped context is processed once (term -> IRI, type coercion, container,
scoped contexts) and a document is turned into triples in one walk, which ``_rdfc`` then
labels and sorts. It follows JSON-LD 1.1 Expansion and Deserialization (toRdf) for the part of
the language these documents use, and gives up -- ``NotCompiled``, the caller takes the general
path -- on anything else:

* ``@context`` other than a list of shipped context URLs (or one registered at run time);
* a key or a type that is not a term of the active context (the general path then refuses
  it: unknown terms are never dropped unsigned), a keyword used directly, a nested ``@context``;
* values outside: null, a non-integer or very large number, a nested array, an empty object,
  a ``@json``/``@graph`` term, a blank node identifier, an IRI that is not plainly absolute
  (``_IRI``), or one whose scheme is also a term (a compact IRI).

Anything it does handle, it must handle exactly as Oxigraph and PyLD do: the tests compare the
three byte for byte on arbitrary certificates and on arbitrary variations of them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from rcep_origin.certificates._rdfc import Node, Triple

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = f"<{RDF}type>"
RDF_FIRST = f"<{RDF}first>"
RDF_REST = f"<{RDF}rest>"
RDF_NIL = f"<{RDF}nil>"
BOOLEAN = f"^^<{XSD}boolean>"
INTEGER = f"^^<{XSD}integer>"
LARGEST_INTEGER = 10**15  # JSON-LD writes 1e21 and above as xsd:double; stay well clear

# Term kinds (the last three are never a property's).
PLAIN, TYPED, ID, VOCAB, ALIAS_ID, ALIAS_TYPE, UNSUPPORTED = range(7)
_NO_CONTEXT: Any = object()  # a term without a scoped context (null is a context: "reset")


class NotCompiled(Exception):
    """The document is outside what the compiled contexts handle: take the general path."""


# An absolute IRI that needs no resolution, escaping or normalisation (ASCII, RFC 3986):
# scheme, then "//" authority with a plain host and optional port and a path from "/", or a
# path that does not start with "//"; optional query and fragment. No percent-encoding, no
# dot segments (checked apart), no brackets, quotes, spaces or controls.
_P = r"[A-Za-z0-9\-._~!$&'()*+,;=:@]"
_IRI = re.compile(
    rf"[A-Za-z][A-Za-z0-9+.\-]*:"
    rf"(?://[A-Za-z0-9\-.]*(?::[0-9]*)?(?:/(?:{_P}|/)*)?|(?!//)(?:{_P}|/)*)"
    rf"(?:\?(?:{_P}|[/?])*)?(?:#(?:{_P}|[/?])*)?"
)
# Literal escapes of canonical N-Quads (RDFC-1.0 §4.3, RDF 1.2 N-Quads canonical form).
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
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\\x7f]')
_needs_escape = _NEEDS_ESCAPE.search


def literal(value: str) -> str:
    """``value`` as the quoted part of a canonical N-Quads literal."""
    if _NEEDS_ESCAPE.search(value) is None:
        return f'"{value}"'
    return f'"{value.translate(_ESCAPES)}"'


@dataclass(frozen=True, slots=True, eq=False)
class Term:
    kind: int
    iri: str
    predicate: str  # "<iri>"
    suffix: str  # a typed literal's "^^<datatype>" ("" for xsd:string)
    datatype: str | None
    container: str | None
    context: Any  # the raw scoped context, or _NO_CONTEXT
    prefix: bool  # usable as the prefix of a compact IRI
    protected: bool
    # What JSON-LD compares when a protected term is defined again (all but "protected").
    signature: tuple[Any, ...]


class Context:
    """An active context: its terms, and the context it replaces when a node is entered (set by
    a type-scoped context, which does not propagate to nested nodes)."""

    __slots__ = ("_derived", "id_keys", "previous", "terms", "type_keys")

    def __init__(self, terms: dict[str, Term], previous: Context | None) -> None:
        self.terms = terms
        self.previous = previous
        # The keys meaning @type and @id here (usually "type" and "id"), looked up first.
        self.type_keys = tuple(k for k, t in terms.items() if t.kind == ALIAS_TYPE)
        self.id_keys = tuple(k for k, t in terms.items() if t.kind == ALIAS_ID)
        self._derived: dict[tuple[int, bool, bool], tuple[Any, Context]] = {}

    def apply(self, local: Any, *, propagate: bool, override_protected: bool) -> Context:
        """Context Processing (JSON-LD 1.1 API §4.1) of a scoped context, memoised: the scoped
        contexts are parts of the shipped documents and live as long as the process."""
        key = (id(local), propagate, override_protected)
        found = self._derived.get(key)
        if found is None:
            found = (local, _process(self, local, propagate, override_protected))
            self._derived[key] = found
        return found[1]


_EMPTY = Context({}, None)


def _process(active: Context, local: Any, propagate: bool, override_protected: bool) -> Context:
    if not isinstance(local, dict):  # null (a reset), remote or listed contexts: not needed
        raise NotCompiled("unsupported context")
    for keyword, value in local.items():
        if keyword.startswith("@") and not (
            (keyword == "@version" and value == 1.1)
            or (keyword == "@protected" and isinstance(value, bool))
        ):
            raise NotCompiled(f"context keyword {keyword}")
    terms = dict(active.terms)
    previous = active.previous
    if not propagate and previous is None:
        previous = active
    defined: dict[str, bool] = {}
    protected = bool(local.get("@protected", False))
    for term in local:
        if not term.startswith("@"):
            _define(term, local, terms, defined, protected, override_protected)
    return Context(terms, previous)


def _define(
    term: str,
    local: dict[str, Any],
    terms: dict[str, Term],
    defined: dict[str, bool],
    protected_default: bool,
    override_protected: bool,
) -> None:
    """Create Term Definition (§4.2), for the forms the shipped contexts use."""
    if defined.get(term) is True:
        return
    if term in defined or ":" in term or "/" in term:
        raise NotCompiled(f"term {term!r}")
    defined[term] = False
    value = local[term]
    previous = terms.pop(term, None)
    simple = isinstance(value, str)
    if simple:
        value = {"@id": value}
    if not isinstance(value, dict) or not set(value) <= {
        "@id",
        "@type",
        "@container",
        "@context",
        "@protected",
    }:
        raise NotCompiled(f"definition of {term!r}")

    def expand(iri: Any) -> str:
        if not isinstance(iri, str):
            raise NotCompiled(f"definition of {term!r}")
        return _expand_in_context(iri, local, terms, defined, protected_default, override_protected)

    protected = bool(value.get("@protected", protected_default))
    raw_id = value.get("@id")
    if raw_id in ("@id", "@type"):
        iri = raw_id
    else:
        iri = expand(raw_id)
        if iri.startswith("@"):
            raise NotCompiled(f"definition of {term!r}")
    raw_type = value.get("@type")
    datatype = None
    if raw_type is None:
        kind = PLAIN
    elif raw_type == "@id":
        kind = ID
    elif raw_type == "@vocab":
        kind = VOCAB
    elif raw_type in ("@json", "@none"):
        kind = UNSUPPORTED
    else:
        datatype = expand(raw_type)
        kind = TYPED
    if iri == "@id":
        kind = ALIAS_ID
    elif iri == "@type":
        kind = ALIAS_TYPE
    container = value.get("@container")
    if container not in (None, "@set", "@list", "@graph"):
        raise NotCompiled(f"container of {term!r}")
    context = value.get("@context", _NO_CONTEXT)
    prefix = simple and iri[-1:] in ":/?#[]@"
    signature = (
        iri,
        prefix,
        raw_type if kind != TYPED else datatype,
        container,
        "-" if context is _NO_CONTEXT else json.dumps(context, sort_keys=True),
    )
    definition = Term(
        kind=kind,
        iri=iri,
        predicate=f"<{iri}>",
        suffix="" if datatype in (None, XSD + "string") else f"^^<{datatype}>",
        datatype=datatype,
        container=container,
        context=context,
        prefix=prefix,
        protected=protected,
        signature=signature,
    )
    if previous is not None and previous.protected and not override_protected:
        if previous.signature != signature:
            raise NotCompiled(f"protected term {term!r} redefined")  # an error: general path
        definition = previous
    terms[term] = definition
    defined[term] = True


def _expand_in_context(
    value: str,
    local: dict[str, Any],
    terms: dict[str, Term],
    defined: dict[str, bool],
    protected_default: bool,
    override_protected: bool,
) -> str:
    """IRI Expansion (§5.2) with vocab true, inside a context being processed."""
    if value.startswith("@"):
        raise NotCompiled(f"keyword {value}")
    if value in local and defined.get(value) is not True:
        _define(value, local, terms, defined, protected_default, override_protected)
    if value in terms:
        return terms[value].iri
    prefix, colon, suffix = value.partition(":")
    if not colon or not prefix or prefix == "_":
        raise NotCompiled(f"IRI {value!r}")
    if suffix.startswith("//"):
        return value
    if prefix in local and defined.get(prefix) is not True:
        _define(prefix, local, terms, defined, protected_default, override_protected)
    found = terms.get(prefix)
    if found is not None and found.prefix:
        return found.iri + suffix
    return value


def compile_contexts(documents: list[dict[str, Any]]) -> Context:
    """The active context after the listed context documents (``{"@context": {...}}``)."""
    context = _EMPTY
    for document in documents:
        context = _process(context, document["@context"], True, False)
    return context


# ------------------------------------------------------------------------------ documents


def _absolute_iri(value: str, context: Context) -> str:
    """``<value>`` if it is a plain absolute IRI that expands to itself here."""
    if _IRI.fullmatch(value) is None or "/." in value or value.partition(":")[0] in context.terms:
        raise NotCompiled(f"IRI {value!r}")
    return f"<{value}>"


def _vocab_iri(value: Any, context: Context) -> str:
    """``value`` (a type, or a @vocab-typed value) as ``<IRI>``: a term's IRI, or itself."""
    if not isinstance(value, str):
        raise NotCompiled("a type is a string")
    term = context.terms.get(value)
    if term is None:
        return _absolute_iri(value, context)
    if term.iri.startswith("@"):
        raise NotCompiled(f"type {value!r}")
    return term.predicate


class _Walk:
    """One document's expansion and deserialization into triples."""

    __slots__ = ("blank", "triples")

    def __init__(self) -> None:
        self.triples: list[Triple] = []
        self.blank = 0  # the next blank node's number

    def node(self, element: dict[str, Any], context: Context) -> Node:
        """A node object (Expansion steps 11-13, toRdf): its triples; returns its name."""
        if not element:
            raise NotCompiled("an empty object")
        types: Any = None
        for key in context.type_keys:
            if key in element:
                if types is not None:
                    raise NotCompiled("two type keys")
                types = element[key]
                if types.__class__ is not list:
                    types = [types]
        subject: Node | None = None
        for key in context.id_keys:
            if key in element:
                value = element[key]
                if subject is not None or value.__class__ is not str:
                    raise NotCompiled("an id is a string")
                subject = _absolute_iri(value, context)
        if subject is None:
            subject = self.blank
            self.blank += 1
        triples = self.triples
        emit = triples.append
        if types is not None:
            type_context = context
            for name in sorted(types, key=_type_order):
                term = type_context.terms.get(name)
                if term is not None and term.context is not _NO_CONTEXT:
                    context = context.apply(term.context, propagate=False, override_protected=False)
            if context is not type_context and (
                context.type_keys != type_context.type_keys
                or context.id_keys != type_context.id_keys
            ):
                raise NotCompiled("a type-scoped context changes what means @type or @id")
            for name in types:
                emit((subject, RDF_TYPE, _vocab_iri(name, type_context)))
        terms = context.terms
        for key, value in element.items():
            term = terms.get(key)
            if term is None:
                raise NotCompiled(f"term {key!r}")
            kind = term.kind
            if kind >= ALIAS_ID:
                if kind == UNSUPPORTED:
                    raise NotCompiled(f"term {key!r}")
                continue  # @id and @type: done above
            predicate = term.predicate
            container = term.container
            if container is None or container == "@set":
                cls = value.__class__
                if cls is str and kind <= TYPED:  # the common case, inline ("" suffix if PLAIN)
                    quoted = f'"{value}"' if _needs_escape(value) is None else literal(value)
                    emit((subject, predicate, quoted + term.suffix))
                elif cls is list:
                    for item in value:
                        emit((subject, predicate, self.value(item, term, context)))
                else:
                    emit((subject, predicate, self.value(value, term, context)))
            elif container == "@list":
                items = value if value.__class__ is list else [value]
                head: Node = RDF_NIL
                for item in reversed(items):
                    cell = self.blank
                    self.blank += 1
                    emit((cell, RDF_FIRST, self.value(item, term, context)))
                    emit((cell, RDF_REST, head))
                    head = cell
                emit((subject, predicate, head))
            else:
                raise NotCompiled(f"term {key!r}")
        return subject

    def value(self, value: Any, term: Term, context: Context) -> Node:
        """The object a value makes (Value Expansion, Object to RDF Conversion)."""
        kind = term.kind
        cls = value.__class__
        if cls is str:
            if kind == PLAIN:
                return literal(value)
            if kind == TYPED:
                return literal(value) + term.suffix
            if kind == ID:
                return _absolute_iri(value, context)
            if kind == VOCAB:
                if term.context is not _NO_CONTEXT:
                    context = context.apply(term.context, propagate=True, override_protected=False)
                return _vocab_iri(value, context)
        elif cls is dict:
            # A nested node: a type-scoped context does not reach it (Expansion step 7) unless
            # it is only a reference; a property-scoped one does (step 8).
            if context.previous is not None and not _only_id(value, context):
                context = context.previous
            if term.context is not _NO_CONTEXT:
                context = context.apply(term.context, propagate=True, override_protected=True)
            return self.node(value, context)
        elif cls is bool:
            if kind == PLAIN:
                return ('"true"' if value else '"false"') + BOOLEAN
            if kind == TYPED:
                return ('"true"' if value else '"false"') + term.suffix
        elif cls is int and -LARGEST_INTEGER < value < LARGEST_INTEGER:
            # An integer as xsd:integer's canonical form (a double's would differ).
            if kind == PLAIN:
                return f'"{value}"{INTEGER}'
            if kind == TYPED and term.datatype != XSD + "double":
                return f'"{value}"{term.suffix}'
        raise NotCompiled(f"a {cls.__name__} value for {term.iri}")


def _type_order(name: Any) -> str:
    if not isinstance(name, str):
        raise NotCompiled("a type is a string")
    return name


def _only_id(element: dict[str, Any], context: Context) -> bool:
    if len(element) != 1:
        return False
    term = context.terms.get(next(iter(element)))
    return term is not None and term.kind == ALIAS_ID


def document_triples(document: dict[str, Any], context: Context) -> list[Triple]:
    """The triples of a JSON-LD document whose ``@context`` compiled to ``context``."""
    walk = _Walk()
    body = {key: value for key, value in document.items() if key != "@context"}
    walk.node(body, context)
    return walk.triples
