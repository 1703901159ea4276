"""Multi-level bills of materials: sub-assemblies produced in-house, declared on their own.

    Art. 3.1(j) material means a good that is used in the production of another good;
    Art. 3.1(l) originating good or originating material means a good or material which
        qualifies as originating in accordance with this Chapter.

(RCEP Agreement, English text, page 31.) A sub-assembly the producer makes itself is a material
of the good it goes into, and it is originating when it qualifies under Chapter 3 on its own
bill of materials. So a material line may name the sub-assembly's declaration
(``subassembly.declaration``); ``resolve_subassemblies`` determines it first (its own
sub-assemblies before it, to any depth), and writes the verdict on the line:

* ``originating`` follows the outcome: true when originating, false when not, and null when the
  sub-assembly is undecidable, which makes the material one of undetermined origin and so
  non-originating (Art. 3.5(4));
* ``origin_party`` is the Party that produced it (the sub-assembly's exporting Party);
* its value, when the line gives none, is the sub-assembly's declared FOB value, and its HS
  code, when the line gives none, the sub-assembly's;
* ``subassembly.inputs_sha256`` is the sub-assembly's inputs hash, so the parent's inputs hash
  covers every level, and ``made_from`` names its own sub-assemblies: the chain the parent's
  trace shows.

The engine itself stays a pure function of one declaration: a line naming a sub-assembly that
was not determined is refused as bad input, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Protocol

from rcep_origin.declaration import (
    Declaration,
    Material,
    load_declaration,
    validate_declaration,
)
from rcep_origin.errors import InputError
from rcep_origin.origin.valuation import ValuedDeclaration
from rcep_origin.trace import Check, Result

ARTICLE = "Art. 3.1(j), (l)"
UNDETERMINED = "Art. 3.5(4)"
MAX_DEPTH = 16  # levels of sub-assemblies; deeper is refused as bad input


@dataclass(frozen=True, slots=True)
class SubassemblyUse:
    """A material line that is a sub-assembly determined on its own declaration."""

    index: int  # materials[index]
    material: str  # the line's id
    declaration: str  # the sub-assembly's declaration, as the line names it
    outcome: str  # originating, not_originating or undecidable
    criterion: str | None
    inputs_sha256: str
    origin_party: str | None
    value: Decimal | None  # in the FOB currency
    currency: str
    value_from: str | None  # "line" or "fob_value"
    made_from: tuple[str, ...]

    article: ClassVar[str] = ARTICLE

    @property
    def originating(self) -> bool | None:
        return {"originating": True, "not_originating": False}.get(self.outcome)

    def check(self) -> Check:
        where = f"materials[{self.index}] {self.material}"
        verdict = {
            "originating": f"originating ({self.criterion}) in {self.origin_party}, so an "
            "originating material (Art. 3.1(l))",
            "not_originating": "not originating, so a non-originating material",
            "undecidable": "undecidable, so a material of undetermined origin, which is "
            "non-originating (Art. 3.5(4))",
        }[self.outcome]
        summary = f"{where} is the in-house sub-assembly {self.declaration!r}, determined {verdict}"
        if self.value is not None:
            source = "its declared FOB value" if self.value_from == "fob_value" else "the line"
            summary += f"; value {self.value} {self.currency} from {source}"
        if self.made_from:
            summary += f"; itself made from {'; '.join(self.made_from)}"
        return Check(
            "subassembly",
            UNDETERMINED if self.outcome == "undecidable" else self.article,
            Result.INFO,
            summary,
            {
                "declaration": self.declaration,
                "inputs_sha256": self.inputs_sha256,
                "outcome": self.outcome,
                "criterion": self.criterion,
                "made_from": list(self.made_from),
            },
        )


def subassembly_uses(good: ValuedDeclaration) -> tuple[SubassemblyUse, ...]:
    """The sub-assembly lines of a declaration, each with its value in the FOB currency.
    Raises ``InputError`` for a line whose sub-assembly was not determined."""
    uses: list[SubassemblyUse] = []
    for index, material in enumerate(good.declaration.materials):
        sub = material.subassembly
        if sub is None:
            continue
        if sub.outcome is None or sub.inputs_sha256 is None:
            raise InputError(
                f"the sub-assembly {sub.declaration!r} has not been determined; determine it "
                "first (rcep-origin determine and batch do, from the declarations beside this "
                "one; in Python, rcep_origin.origin.resolve_subassemblies)",
                path=f"materials[{index}].subassembly",
            )
        uses.append(
            SubassemblyUse(
                index=index,
                material=material.id,
                declaration=sub.declaration,
                outcome=sub.outcome,
                criterion=sub.criterion,
                inputs_sha256=sub.inputs_sha256,
                origin_party=material.origin_party,
                value=good.materials[index].value,
                currency=good.currency,
                value_from=sub.value_from,
                made_from=tuple(sub.made_from),
            )
        )
    return tuple(uses)


# --- resolution: determine the sub-assemblies first ---------------------------------------------


class SubassemblySource(Protocol):
    """Where sub-assembly declarations come from: files beside the parent, or a batch."""

    def load(self, reference: str, parent: str) -> tuple[str, Declaration]:
        """The declaration ``reference`` names, as seen from the declaration ``parent`` (its
        key, "" for the top), with a key that identifies it (for cycles and the chain).
        Raises ``InputError`` when it cannot be found or read."""
        ...


class FileSource:
    """Sub-assembly declarations are files, named relative to the declaration that uses them
    (``housing.yaml``, or ``housing`` for the first of ``.json``, ``.yaml``, ``.yml`` there);
    ``base`` is the directory of a top declaration read from standard input."""

    EXTENSIONS = (".json", ".yaml", ".yml")

    def __init__(self, base: Path) -> None:
        self.base = base

    def load(self, reference: str, parent: str) -> tuple[str, Declaration]:
        directory = Path(parent).parent if parent else self.base
        candidates = [directory / reference]
        if Path(reference).suffix.lower() not in self.EXTENSIONS:
            candidates += [directory / f"{reference}{suffix}" for suffix in self.EXTENSIONS]
        for candidate in candidates:
            path = candidate.resolve()
            if path.is_file():
                return str(path), load_declaration(path)
        raise InputError(f"no sub-assembly declaration {reference!r} in {directory}")


Determiner = Callable[[Declaration], Any]  # determine(declaration) -> Determination


def has_subassemblies(declaration: Declaration) -> bool:
    return any(m.subassembly is not None for m in declaration.materials)


def resolve_subassemblies(
    declaration: Declaration,
    *,
    source: SubassemblySource,
    determiner: Determiner,
    key: str = "",
) -> Declaration:
    """The declaration with every sub-assembly line determined (deepest first) and its
    verdict written on the line (see the module's docstring). ``determiner`` is
    ``lambda d: determine(d, ruleset=...)``. Raises ``InputError`` naming the line for a
    sub-assembly that is missing, malformed, circular or nested deeper than ``MAX_DEPTH``."""
    if not has_subassemblies(declaration):
        return declaration
    return _Resolver(source, determiner).resolve(declaration, key, ())


class _Resolver:
    def __init__(self, source: SubassemblySource, determiner: Determiner) -> None:
        self.source = source
        self.determiner = determiner
        self.done: dict[str, tuple[Declaration, Any]] = {}  # key -> (resolved, determination)

    def resolve(self, declaration: Declaration, key: str, chain: tuple[str, ...]) -> Declaration:
        if not has_subassemblies(declaration):
            return declaration
        data = declaration.model_dump(mode="json", by_alias=True, exclude_none=True)
        for index, material in enumerate(declaration.materials):
            sub = material.subassembly
            if sub is None or sub.outcome is not None:
                continue
            path = f"materials[{index}].subassembly.declaration"
            try:
                _, resolved, verdict = self._determined(sub.declaration, key, chain)
            except InputError as exc:
                inner = f"{exc.path}: " if exc.path else ""
                raise InputError(
                    f"in {sub.declaration!r}: {inner}{exc.message}", path=path
                ) from None
            data["materials"][index] = _line(material, resolved, verdict, index)
        return validate_declaration(data)

    def _determined(
        self, reference: str, parent: str, chain: tuple[str, ...]
    ) -> tuple[str, Declaration, Any]:
        sub_key, loaded = self.source.load(reference, parent)
        if sub_key in chain or sub_key == parent:
            loop = " -> ".join([*chain, parent, sub_key][-(len(chain) + 2) :])
            raise InputError(f"the sub-assemblies are circular: {loop}")
        if len(chain) >= MAX_DEPTH:
            raise InputError(f"sub-assemblies nested more than {MAX_DEPTH} levels deep")
        if sub_key not in self.done:
            resolved = self.resolve(loaded, sub_key, (*chain, parent))
            self.done[sub_key] = (resolved, self.determiner(resolved))
        resolved, verdict = self.done[sub_key]
        return sub_key, resolved, verdict


def _line(material: Material, sub: Declaration, verdict: Any, index: int) -> dict[str, Any]:
    line = material.model_dump(mode="json", by_alias=True, exclude_none=True)
    product = sub.product
    if material.hs_code is not None and not str(product.code).replace(".", "").startswith(
        material.hs_code.replace(".", "")
    ):
        raise InputError(
            f"the line's HS code {material.hs_code} is not that of the sub-assembly "
            f"{material.subassembly.declaration if material.subassembly else ''!r} "
            f"({product.code})",
            path=f"materials[{index}].hs_code",
        )
    line.setdefault("hs_code", str(product.code))
    value_from = "line"
    if material.value is None and material.landed_cost is None:
        line["value"] = sub.fob_value.model_dump(mode="json")
        value_from = "fob_value"
    outcome = verdict.outcome.value
    line["origin_party"] = sub.exporting_party
    if verdict.originating is None:
        line.pop("originating", None)
    else:
        line["originating"] = verdict.originating
    made_from = [
        f"{m.subassembly.declaration}: {m.subassembly.outcome}"
        + (f" ({m.subassembly.criterion})" if m.subassembly.criterion else "")
        for m in sub.materials
        if m.subassembly is not None
    ]
    line["subassembly"] = {
        "declaration": line["subassembly"]["declaration"],
        "outcome": outcome,
        **({"criterion": verdict.criterion} if verdict.criterion else {}),
        "inputs_sha256": verdict.inputs_sha256,
        "ruleset_version": verdict.ruleset_version,
        "value_from": value_from,
        "made_from": made_from,
    }
    return line
