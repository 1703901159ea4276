"""RDF Dataset Canonicalization (W3C RDFC-1.0) of a small graph, in Python.

The input is a list of triples in the default graph, each ``(subject, predicate, object)``:
an IRI or a literal already written in canonical N-Quads form (``<...>``, ``"..."^^<...>``),
or an ``int`` naming a blank node. The output is the canonical N-Quads document: blank nodes
labelled ``_:c14nN`` as RDFC-1.0 §4.4 labels them, lines sorted by code point.

Why not Oxigraph here: for a credential of some sixty triples, building Oxigraph's dataset
costs more than the whole algorithm does in Python. Oxigraph stays the general path and, with
PyLD, the oracle the tests compare against byte for byte.

The algorithm follows the specification step by step (step numbers in comments). Its
worst case is exponential (RDFC-1.0 §4.4 "poison graphs"); ``TooComplex`` is raised past a
fixed amount of work, and the caller then hands the document to Oxigraph.
"""

from __future__ import annotations

from hashlib import sha256
from itertools import permutations

Node = str | int  # an IRI or a literal in N-Quads form, or a blank node
Triple = tuple[Node, str, Node]

# Work limits before giving up to the general path: the size of a group of related blank
# nodes with one hash (all its permutations are tried), and the steps of Hash N-Degree Quads
# (calls and permutations). A certificate of 200 identical goods, the worst a valid one can
# be, takes some 40,000 steps here, about as long as Oxigraph takes for it.
MAX_PERMUTED = 5
MAX_STEPS = 100_000


class TooComplex(Exception):
    """Canonicalizing this graph here would take too long; use the general path."""


def canonical_nquads(triples: list[Triple]) -> str:
    """The canonical N-Quads of ``triples`` (duplicates count once: a dataset is a set)."""
    unique = list(dict.fromkeys(triples))
    by_node: dict[int, list[Triple]] = {}
    # Each triple is written once, in the pieces around its blank nodes: a node's first-degree
    # lines and the final lines are then joined from them.
    first_lines: dict[int, list[str]] = {}
    final: list[tuple[int, str, int | None, str]] = []  # (subject, middle, object, end)
    plain: list[str] = []  # lines of triples without a blank node: final already
    for triple in unique:
        subject, predicate, obj = triple
        if subject.__class__ is int:
            by_node.setdefault(subject, []).append(triple)
            if obj.__class__ is int:
                middle = f" {predicate} "
                if obj == subject:
                    first_lines.setdefault(subject, []).append(f"_:a{middle}_:a .\n")
                else:
                    by_node.setdefault(obj, []).append(triple)
                    first_lines.setdefault(subject, []).append(f"_:a{middle}_:z .\n")
                    first_lines.setdefault(obj, []).append(f"_:z{middle}_:a .\n")
                final.append((subject, middle, obj, " .\n"))
            else:
                rest = f" {predicate} {obj} .\n"
                first_lines.setdefault(subject, []).append("_:a" + rest)
                final.append((subject, rest, None, ""))
        elif obj.__class__ is int:
            by_node.setdefault(obj, []).append(triple)
            head = f"{subject} {predicate} "
            first_lines.setdefault(obj, []).append(head + "_:a .\n")
            final.append((-1, head, obj, " .\n"))
        else:
            plain.append(f"{subject} {predicate} {obj} .\n")
    if not by_node:
        plain.sort()
        return "".join(plain)
    state = _State(by_node, first_lines)
    state.label()
    canonical = state.canonical
    lines = plain
    for named, middle, other, end in final:
        start = canonical[named] + middle if named >= 0 else middle
        lines.append(start + canonical[other] + end if other is not None else start)
    lines.sort()
    return "".join(lines)


def _hash_lines(lines: list[str]) -> str:
    """Hash First Degree Quads (§4.6), of a node's lines written with itself as _:a."""
    lines.sort()
    return sha256("".join(lines).encode("utf-8")).hexdigest()


class _State:
    """The canonicalization state (§4.2): blank node to triples, first-degree hashes, and the
    canonical issuer (a dict in issue order: node -> "_:c14nN")."""

    __slots__ = ("by_node", "canonical", "first", "steps")

    def __init__(self, by_node: dict[int, list[Triple]], first_lines: dict[int, list[str]]) -> None:
        self.by_node = by_node
        self.first = {node: _hash_lines(lines) for node, lines in first_lines.items()}
        self.canonical: dict[int, str] = {}
        self.steps = 0

    def issue(self, node: int) -> None:
        if node not in self.canonical:
            self.canonical[node] = f"_:c14n{len(self.canonical)}"

    def label(self) -> None:
        """Issue every blank node its canonical label (§4.4.3 steps 3-5)."""
        # §4.4.3 step 3: blank nodes grouped by first-degree hash.
        groups: dict[str, list[int]] = {}
        for node, digest in self.first.items():
            groups.setdefault(digest, []).append(node)
        # Step 4: a hash held by one blank node labels it, in hash order.
        shared = []
        for digest in sorted(groups):
            nodes = groups[digest]
            if len(nodes) == 1:
                self.issue(nodes[0])
            else:
                shared.append(nodes)
        # Step 5: the others, group by group in hash order, by their n-degree hashes.
        for nodes in shared:
            results = []
            for node in nodes:
                if node in self.canonical:
                    continue
                digest, issuer = self.n_degree(node, {node: "_:b0"})
                results.append((digest, issuer))
            results.sort(key=lambda result: result[0])
            for _, issuer in results:
                for node in issuer:  # in the order the temporary issuer issued them
                    self.issue(node)

    def related_hash(
        self, related: int, predicate: str, position: str, issuer: dict[int, str]
    ) -> str:
        """Hash Related Blank Node (§4.7)."""
        identifier = self.canonical.get(related) or issuer.get(related) or self.first[related]
        return sha256(f"{position}{predicate}{identifier}".encode()).hexdigest()

    def n_degree(self, node: int, issuer: dict[int, str]) -> tuple[str, dict[int, str]]:
        """Hash N-Degree Quads (§4.8): the hash, and the issuer of the chosen path."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TooComplex("too many steps of Hash N-Degree Quads")
        # Steps 1-3: related blank nodes by the hash of their relation to this one.
        related: dict[str, list[int]] = {}
        for subject, predicate, obj in self.by_node[node]:
            if subject.__class__ is int and subject != node:
                digest = self.related_hash(subject, predicate, "s", issuer)
                related.setdefault(digest, []).append(subject)
            if obj.__class__ is int and obj != node:
                digest = self.related_hash(obj, predicate, "o", issuer)
                related.setdefault(digest, []).append(obj)
        data = sha256()
        canonical = self.canonical
        # Step 5: each group in hash order; of its permutations, the least path wins.
        for digest in sorted(related):
            nodes = related[digest]
            if len(nodes) > MAX_PERMUTED:
                raise TooComplex("too many blank nodes related alike")
            data.update(digest.encode("utf-8"))
            chosen_path = ""
            chosen_issuer: dict[int, str] | None = None
            for permutation in permutations(nodes):
                self.steps += 1
                copy = dict(issuer)
                path = ""
                recursion = []
                skip = False
                for other in permutation:  # step 5.4.4
                    if other in canonical:
                        path += canonical[other]
                    else:
                        if other not in copy:
                            recursion.append(other)
                            copy[other] = f"_:b{len(copy)}"
                        path += copy[other]
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for other in recursion:  # step 5.4.5
                    result, copy = self.n_degree(other, copy)
                    path += f"{copy[other]}<{result}>"
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:  # step 5.4.6
                    chosen_path, chosen_issuer = path, copy
            data.update(chosen_path.encode("utf-8"))
            assert chosen_issuer is not None  # the first permutation is never skipped
            issuer = chosen_issuer
        return data.hexdigest(), issuer
