"""The declaration: what an exporter states about a good, its materials, costs and production.

This is the input contract (JSON or YAML). Field names are public and stable. Validation happens
here, at the edge: amounts are ``Decimal`` (never float), Parties are RCEP Parties, HS codes are
well formed, unknown fields are refused (a typo such as ``orgin_party`` must not silently drop a
fact). Every error names the path of the field, e.g. ``materials[3].value.amount``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date as Date
from decimal import Decimal
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import pycountry
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from rcep_origin.errors import InputError
from rcep_origin.hs import EDITIONS, HsCode, exists_in_edition, parse_hs_code
from rcep_origin.money import FxRate, Money, is_iso_currency
from rcep_origin.parties import is_party, require_party

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024  # a declaration larger than this is refused unread
MAX_MATERIALS = 100_000


@cache
def _is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


@lru_cache(maxsize=65536)
def _material_code(value: str) -> str:
    """A material's HS code as printed (validated to at least a heading). Kept: a bill of
    materials repeats its codes, and validation runs on every line."""
    return str(parse_hs_code(value, min_level=4))


def _decimal_from_number(value: Any) -> Any:
    # JSON numbers arrive as Decimal (parse_float=Decimal); YAML floats as float, whose shortest
    # repr is what the author wrote. Booleans are not amounts.
    if isinstance(value, bool):
        raise ValueError("expected a decimal number, not a boolean")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


# The input policy for numbers, at every edge (declarations, applications, certificates): a
# Decimal is exact, but "1e999999" is a valid Decimal that a formatter expands to a million
# digits and an RVC turns into nonsense. No real amount, quantity, weight or rate needs more.
MAX_INTEGER_DIGITS = 15  # below 10^15 units: 10^15 VND is some 40 billion USD
MAX_FRACTION_DIGITS = 12  # exchange rates such as VND->USD 0.0000393 need more than cents
MAX_SIGNIFICANT_DIGITS = 27  # 15 + 12


def bounded_decimal(value: Decimal) -> Decimal:
    """Refuse a number outside the input policy (checked without expanding its exponent)."""
    _finite(value)
    if value.is_zero():
        return value
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(f"must be below 10^{MAX_INTEGER_DIGITS}")
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if -exponent > MAX_FRACTION_DIGITS:
        raise ValueError(f"has more than {MAX_FRACTION_DIGITS} decimal places")
    if len(normal.as_tuple().digits) > MAX_SIGNIFICANT_DIGITS:
        raise ValueError(f"has more than {MAX_SIGNIFICANT_DIGITS} significant digits")
    return value


MAX_JSON_DEPTH = 32  # a declaration is 5 levels deep; an application 6
MAX_JSON_INTEGER_DIGITS = 30


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_INTEGER_DIGITS:
        raise ValueError(f"an integer of more than {MAX_JSON_INTEGER_DIGITS} digits")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # The CLI, the API and the verifier agree: a repeated key is ambiguous, never
            # "the last one wins" (that is how {"exporting_party": "CN", ...: "KR"} would pass).
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def parse_json(text: str | bytes) -> Any:
    """Parse an untrusted JSON document by the input policy: numbers as ``Decimal``, integers
    of at most 30 digits, no repeated keys, nesting at most 32 deep. Raise ``InputError``."""
    try:
        data = json.loads(
            text,
            parse_float=Decimal,
            parse_int=_parse_int,
            parse_constant=_no_constant,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise InputError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"refused JSON: {exc}") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise InputError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _canonical_decimal(value: Decimal) -> str:
    # 1000, "1000" and "1000.00" are the same amount and must hash alike.
    return format(value.normalize(), "f")


_CanonicalJson = PlainSerializer(_canonical_decimal, return_type=str, when_used="json")
Amount = Annotated[
    Decimal,
    BeforeValidator(_decimal_from_number),
    AfterValidator(bounded_decimal),
    Field(ge=0),
    _CanonicalJson,
]
PositiveDecimal = Annotated[
    Decimal,
    BeforeValidator(_decimal_from_number),
    AfterValidator(bounded_decimal),
    Field(gt=0),
    _CanonicalJson,
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class MoneyValue(_Strict):
    amount: Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")

    # Finite by the Amount type's bounded_decimal (the same check and message), not twice.

    def money(self) -> Money:
        return Money(self.amount, self.currency)


class Product(_Strict):
    description: str = Field(min_length=1, max_length=2000)
    hs_code: str = Field(description="6-digit HS subheading, dots allowed: '8458.11'")
    hs_edition: Literal["HS2012", "HS2017", "HS2022"] = "HS2022"
    import_tariff_line: str | None = Field(
        default=None,
        pattern=r"^\d{4}\.?\d{2}(\.?\d{2}){0,2}$",
        description="the importing Party's national tariff line, for Appendix look-ups (Art. 2.6)",
    )
    weight_kg: PositiveDecimal | None = Field(
        default=None, description="net weight of the good; needed for de minimis in Chapters 50-63"
    )
    software_integration: bool | None = Field(
        default=None,
        description="the good's value relies on software integrated in the exporting Party "
        "(firmware, controller programs); pre-review then asks for the firmware log",
    )

    @field_validator("hs_code")
    @classmethod
    def _hs_code(cls, value: str) -> str:
        return str(parse_hs_code(value, min_level=6))

    @model_validator(mode="after")
    def _exists(self) -> Product:
        code = self.code
        if exists_in_edition(code, self.hs_edition) is False:
            raise ValueError(f"hs_code {code} does not exist in {self.hs_edition}")
        return self

    @property
    def code(self) -> HsCode:
        return parse_hs_code(self.hs_code)


class Role(StrEnum):
    """How a material takes part in the good, which decides the article that applies to it."""

    COMPONENT = "component"
    RETAIL_PACKAGING = "retail_packaging"  # Art. 3.8(2)
    TRANSPORT_PACKING = "transport_packing"  # Art. 3.8(1)
    ACCESSORY = "accessory"  # Art. 3.9
    INDIRECT = "indirect"  # Art. 3.10


class SupplierDeclaration(_Strict):
    """The supplier's statement that a material originates, kept as the record that proves it
    (Art. 3.27 record keeping; produced on verification, Art. 3.24). Evidence only: the engine
    decides on ``originating`` and ``origin_party``; pre-review checks that this backs them."""

    reference: str = Field(min_length=1, max_length=200)
    supplier: str = Field(min_length=1, max_length=500)
    issued: Date
    valid_until: Date | None = Field(default=None, description="last day it covers; null: open")
    covers_origin_party: str | None = Field(
        default=None, description="ISO alpha-2 of the origin the supplier declares"
    )
    credential: str | None = Field(
        default=None,
        pattern=r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="the id of the supplier's signed declaration (a W3C VC) in the issuing "
        "body's register; when it holds, the register takes the material's origin from it",
    )

    @field_validator("covers_origin_party")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and not _is_country(value):
            raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 country code")
        return value

    @model_validator(mode="after")
    def _dates(self) -> SupplierDeclaration:
        if self.valid_until is not None and self.valid_until < self.issued:
            raise ValueError(f"valid_until {self.valid_until} is before issued {self.issued}")
        return self


class LandedCost(_Strict):
    """What a material costs the producer, by component, each in its own currency (seed 000:
    "re-run RVC simulations using actual landed costs"). The value content takes the value
    Art. 3.5(3) prescribes, derived from the components (``origin/landed_cost.py``): for an
    imported material its CIF value, the price with insurance and freight up to the port or
    place of entry (Art. 3.5(3)(a), Art. 3.1(b)); for one obtained within the Party the price
    paid or payable (Art. 3.5(3)(b)). Duties are never part of it (Art. 3.5(5)(b))."""

    acquired: Literal["imported", "domestic"] = Field(
        description="imported into the Party of production (Art. 3.5(3)(a)) or obtained within "
        "it (Art. 3.5(3)(b))"
    )
    price: MoneyValue = Field(description="the price paid or payable to the supplier")
    freight: MoneyValue | None = Field(
        default=None, description="freight up to the port or place of entry (imported)"
    )
    insurance: MoneyValue | None = Field(
        default=None, description="insurance up to the port or place of entry (imported)"
    )
    duties: MoneyValue | None = Field(
        default=None, description="customs duties, taxes and brokerage paid on importation"
    )


LANDED_COST_COMPONENTS = ("price", "freight", "insurance", "duties")
SUBASSEMBLY_OUTCOMES = {"originating": True, "not_originating": False, "undecidable": None}


class Subassembly(_Strict):
    """A material produced in-house and declared on its own (a multi-level bill of materials).
    ``declaration`` names that declaration: a file beside this one, or another declaration's
    key in the same batch. It is determined first, and its verdict is written here
    (``rcep_origin.origin.resolve_subassemblies``): a material is originating when it qualifies
    under Chapter 3 (Art. 3.1(j), (l)), so the line's ``originating`` follows ``outcome``, and
    ``inputs_sha256`` makes the parent's hash cover the sub-assembly's inputs."""

    declaration: str = Field(min_length=1, max_length=1000)
    outcome: Literal["originating", "not_originating", "undecidable"] | None = Field(
        default=None, description="its determination; null until it is determined"
    )
    criterion: str | None = Field(default=None, max_length=20)
    inputs_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    ruleset_version: str | None = Field(default=None, max_length=500)
    value_from: Literal["line", "fob_value"] | None = Field(
        default=None,
        description="where the line's value comes from: the line itself, or the sub-assembly's "
        "declared FOB value",
    )
    made_from: list[str] = Field(
        default_factory=list,
        max_length=10_000,
        description="its own sub-assemblies, as determined: 'pcb.yaml: originating (CTC)'",
    )


class Material(_Strict):
    id: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    hs_code: str | None = Field(default=None, description="HS code (heading or subheading)")
    value: MoneyValue | None = None
    origin_party: str | None = Field(default=None, description="ISO alpha-2 country of origin")
    originating: bool | None = Field(
        default=None, description="RCEP-originating; null means undetermined (non-originating)"
    )
    weight_kg: Amount | None = None
    # Hashed as its text by str(), a C call (the enum's .value is a Python property, and
    # serialising it was half the cost of hashing a bill of materials): the same bytes.
    role: Annotated[Role, PlainSerializer(str, return_type=str, when_used="json")] = Role.COMPONENT
    part_number: str | None = Field(
        default=None, min_length=1, max_length=200, description="the exporter's part number"
    )
    supplier: str | None = Field(default=None, min_length=1, max_length=500)
    supplier_declaration: SupplierDeclaration | None = None
    landed_cost: LandedCost | None = Field(
        default=None, description="the value by landed-cost component, instead of value"
    )
    subassembly: Subassembly | None = Field(
        default=None, description="a sub-assembly produced in-house, declared on its own"
    )

    @field_validator("hs_code")
    @classmethod
    def _hs_code(cls, value: str | None) -> str | None:
        return None if value is None else _material_code(value)

    @field_validator("origin_party")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and not _is_country(value):
            raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 country code")
        return value

    @model_validator(mode="after")
    def _originating_needs_a_party(self) -> Material:
        if self.originating and self.origin_party is None:
            raise ValueError(
                "a material declared originating needs origin_party, the Party it originates in "
                "(Art. 3.4 cumulation and Art. 2.6 depend on it)"
            )
        if self.originating and not is_party(self.origin_party or ""):
            raise ValueError(
                f"a material originating under RCEP comes from a Party; {self.origin_party} is not "
                "an RCEP Party (set originating to false)"
            )
        if self.landed_cost is not None and self.value is not None:
            raise ValueError(
                "give either value or landed_cost: with a landed cost the value the RVC takes "
                "is the one Art. 3.5(3) prescribes, derived from its components"
            )
        sub = self.subassembly
        if sub is not None:
            expected = None if sub.outcome is None else SUBASSEMBLY_OUTCOMES[sub.outcome]
            if sub.outcome is None and self.originating is not None:
                raise ValueError(
                    "the origin of a sub-assembly is its determination (Art. 3.1(l)): leave "
                    "originating out, it is set when the sub-assembly is determined"
                )
            if self.originating is not expected:
                raise ValueError(
                    f"originating is {self.originating} but the sub-assembly "
                    f"{sub.declaration!r} was determined {sub.outcome}"
                )
        return self

    @property
    def code(self) -> HsCode | None:
        return None if self.hs_code is None else parse_hs_code(self.hs_code)


class ProductionStep(_Strict):
    description: str = Field(min_length=1, max_length=2000)
    party: str = Field(pattern=r"^[A-Z]{2}$")
    minimal_operation: bool = Field(
        default=False, description="the exporter states this is an Art. 3.6 minimal operation"
    )
    chemical_reaction: bool = Field(
        default=False, description="the step is a chemical reaction (Annex 3A 'CR')"
    )


class Costs(_Strict):
    """Cost elements of the build-up formula (Art. 3.5)."""

    direct_labour: MoneyValue | None = None
    direct_overhead: MoneyValue | None = None
    profit: MoneyValue | None = None
    other: MoneyValue | None = None


class FxRateValue(_Strict):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", pattern=r"^[A-Z]{3}$")
    to: str = Field(pattern=r"^[A-Z]{3}$")
    rate: PositiveDecimal
    date: Date
    source: str = Field(min_length=1)

    def rate_record(self) -> FxRate:
        return FxRate(self.from_, self.to, self.rate, self.date, self.source)


# Art. 3.15(1)(b)(i): only logistics activities (unloading, reloading, storing) and operations
# needed to preserve the good or to transport it; anything else is "other".
TransitOperation = Literal["unloading", "reloading", "storage", "preservation", "other"]


class Transit(_Strict):
    """A stop in a non-Party (or another Party) on the way to the importing Party (Art. 3.15)."""

    party: str = Field(pattern=r"^[A-Z]{2}$", description="ISO alpha-2 of the country of transit")
    operations: list[TransitOperation] = Field(default_factory=list)
    under_customs_control: bool | None = None


class Consignment(_Strict):
    transit: list[Transit] = Field(default_factory=list)


WhollyObtainedCategory = Literal[
    "plants",  # Art. 3.3(a) grown and harvested, picked or gathered there
    "live_animals",  # Art. 3.3(b) born and raised there
    "from_live_animals",  # Art. 3.3(c) obtained from live animals raised there
    "hunting_fishing_aquaculture",  # Art. 3.3(d) hunting, trapping, fishing, farming, ...
    "minerals",  # Art. 3.3(e) extracted from its soil, waters, seabed or subsoil
    "sea_outside_territorial_sea",  # Art. 3.3(f) by its vessels outside the territorial sea
    "high_seas",  # Art. 3.3(g) by its vessels from the high seas
    "factory_ship",  # Art. 3.3(h) made on its factory ships from (f) or (g) goods
    "waste_scrap",  # Art. 3.3(i) waste, scrap and used goods collected there
    "from_wholly_obtained",  # Art. 3.3(j) produced there solely from (a)-(i) goods
]

WO_CATEGORY_ARTICLES = {
    "plants": "Art. 3.3(a)",
    "live_animals": "Art. 3.3(b)",
    "from_live_animals": "Art. 3.3(c)",
    "hunting_fishing_aquaculture": "Art. 3.3(d)",
    "minerals": "Art. 3.3(e)",
    "sea_outside_territorial_sea": "Art. 3.3(f)",
    "high_seas": "Art. 3.3(g)",
    "factory_ship": "Art. 3.3(h)",
    "waste_scrap": "Art. 3.3(i)",
    "from_wholly_obtained": "Art. 3.3(j)",
}


class WhollyObtainedClaim(_Strict):
    category: WhollyObtainedCategory
    description: str = ""


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class LogRecord(_Strict):
    """A production or firmware log kept by the producer: where to find it and, optionally, its
    SHA-256 (so the ledger can show the log was not changed) and the version it records."""

    reference: str = Field(min_length=1, max_length=500)
    sha256: Annotated[str | None, BeforeValidator(_lower)] = Field(
        default=None, pattern=r"^[0-9a-f]{64}$"
    )
    version: str | None = Field(default=None, min_length=1, max_length=200)


class Evidence(_Strict):
    """Records that back the declaration (Art. 3.27), beyond the supplier declarations kept on
    each material. Optional: pre-review asks for what the good needs."""

    production_log: LogRecord | None = None
    firmware_log: LogRecord | None = None


class Declaration(_Strict):
    reference: str | None = Field(default=None, max_length=200)
    product: Product
    exporting_party: Annotated[str, AfterValidator(require_party)]
    importing_party: Annotated[str, AfterValidator(require_party)]
    date: Date
    fob_value: MoneyValue
    costs: Costs | None = None
    production_steps: list[ProductionStep] = Field(default_factory=list)
    materials: list[Material] = Field(default_factory=list, max_length=MAX_MATERIALS)
    rvc_method: Literal["build_down", "build_up"] = "build_down"
    wholly_obtained: WhollyObtainedClaim | None = None
    fx_rates: list[FxRateValue] = Field(default_factory=list)
    consignment: Consignment | None = None
    evidence: Evidence | None = None


def _path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + ("from" if part == "from_" else str(part))
    return path


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for error in exc.errors(include_url=False):
        location = tuple(p for p in error["loc"] if not str(p).startswith("function-"))
        message = error["msg"].removeprefix("Value error, ")
        problems.append((_path(location), message))
    return problems


def validate_declaration(data: Any) -> Declaration:
    """Validate a parsed document; raise ``InputError`` naming the first bad field."""
    if not isinstance(data, dict):
        raise InputError("a declaration is a JSON/YAML object")
    try:
        declaration = Declaration.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc)
        path, message = problems[0]
        raise InputError(message, path=path, problems=problems) from None
    _check_structure(declaration)
    _check_currencies(declaration)
    return declaration


def _check_structure(declaration: Declaration) -> None:
    if declaration.exporting_party == declaration.importing_party:
        raise InputError(
            "exporting_party and importing_party are the same Party", path="importing_party"
        )
    if declaration.wholly_obtained is None and not any(
        m.role is Role.COMPONENT for m in declaration.materials
    ):
        raise InputError(
            "the bill of materials has no component; a good that is not wholly obtained "
            "(Art. 3.3) is produced from materials, so list them",
            path="materials",
        )
    seen: dict[str, int] = {}
    for index, material in enumerate(declaration.materials):
        if material.id in seen:
            raise InputError(
                f"material id {material.id!r} is already used by materials[{seen[material.id]}]",
                path=f"materials[{index}].id",
            )
        seen[material.id] = index


def _check_currencies(declaration: Declaration) -> None:
    for where, value in _money_fields(declaration):
        if not is_iso_currency(value.currency):
            raise InputError(
                f"{value.currency!r} is not an ISO 4217 currency code",
                path=f"{_money_path(where)}.currency",
            )


def _money_fields(declaration: Declaration) -> Iterator[tuple[tuple[str, int, str], MoneyValue]]:
    """Every amount of the declaration, with where it is (put into words only for the value
    that fails: a bill of 1,000 lines has 1,000 of them)."""
    yield ("fob_value", -1, ""), declaration.fob_value
    for index, material in enumerate(declaration.materials):
        if material.value is not None:
            yield ("materials", index, "value"), material.value
        if material.landed_cost is not None:
            for name in LANDED_COST_COMPONENTS:
                component = getattr(material.landed_cost, name)
                if component is not None:
                    yield ("materials", index, f"landed_cost.{name}"), component
    if declaration.costs is not None:
        for name in ("direct_labour", "direct_overhead", "profit", "other"):
            value = getattr(declaration.costs, name)
            if value is not None:
                yield ("costs", -1, name), value


def _money_path(where: tuple[str, int, str]) -> str:
    field, index, leaf = where
    if field == "materials":
        return f"materials[{index}].{leaf}"
    return f"{field}.{leaf}" if leaf else field


def parse_declaration_text(text: str | bytes, *, filename: str = "") -> Declaration:
    """Parse JSON (or YAML, by extension or when the text is not JSON) and validate it."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"the declaration is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"the declaration is not UTF-8 text: {exc}") from None
    is_yaml = filename.lower().endswith((".yaml", ".yml"))
    if not is_yaml:
        if filename.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
            data = parse_json(text)
        else:
            is_yaml = True
    if is_yaml:
        try:
            data = yaml.load(text, Loader=_NoAliasLoader)
        except yaml.YAMLError as exc:
            raise InputError(f"malformed YAML: {exc}") from None
        except (ValueError, RecursionError) as exc:  # an integer of 5,000 digits, deep nesting
            raise InputError(f"refused YAML: {exc}") from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise InputError(f"the YAML is nested more than {MAX_JSON_DEPTH} levels deep")
    return validate_declaration(data)


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: a declaration never needs them, and refusing them
    stops "billion laughs" documents that expand exponentially once traversed."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases are not accepted in a declaration", event.start_mark
            )
        return super().compose_node(parent, index)


def load_declaration(path: str | Path) -> Declaration:
    """Read and validate a declaration file (``.json``, ``.yaml`` or ``.yml``)."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InputError(f"{file}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from None
    return parse_declaration_text(raw, filename=file.name)


def canonical_json(declaration: Declaration) -> str:
    """The declaration as canonical JSON: fields in the contract's order, absent values left
    out, amounts normalised. Its SHA-256 is the determination's ``inputs_sha256``; equal
    declarations, however they were written (``1000``, ``"1000.00"``, YAML or JSON), hash
    alike under the same engine version."""
    return declaration.model_dump_json(by_alias=True, exclude_none=True)


__all__ = [
    "EDITIONS",
    "Consignment",
    "Costs",
    "Declaration",
    "Evidence",
    "FxRateValue",
    "LandedCost",
    "LogRecord",
    "Material",
    "MoneyValue",
    "Product",
    "ProductionStep",
    "Role",
    "Subassembly",
    "SupplierDeclaration",
    "Transit",
    "WhollyObtainedClaim",
    "canonical_json",
    "load_declaration",
    "parse_declaration_text",
    "validate_declaration",
]
