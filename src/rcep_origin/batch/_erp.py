"""Flat bills of materials as ERP systems export them: one row per material line, the product's
columns repeated on each row, and a declaration key that groups the rows (seed 002: ERP systems
feed origin data in a structured way).

The column layout (``COLUMNS``) is documented in the README; a mapping file renames the columns
of another export to these, supplies constants the export lacks and the exchange rates::

    columns:                     # this layout's column: the export's column
      declaration: ItemNo
      material_id: Component
      material_value: StdCost
    defaults:                    # a value for every row, for columns the export lacks
      importing_party: TH
      date: "2026-06-01"
    fx_rates:                    # declared rates, added to every declaration (Art. 3.5(2))
      - {from: EUR, to: USD, rate: "1.08", date: "2026-05-30", source: "ECB reference rate"}

Each group of rows becomes the same declaration document a JSON file would hold, validated by the
same model (``validate_declaration``) and so under the same input policy: an error names the
table row and column it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rcep_origin.errors import InputError

# column -> what it holds. "decl": the same on every row of a declaration; "line": per row.
COLUMNS: dict[str, tuple[str, str]] = {
    "declaration": ("decl", "the key grouping the rows of one declaration (required)"),
    "reference": ("decl", "the exporter's reference for the declaration"),
    "product_description": ("decl", "description of the good (required)"),
    "product_hs_code": ("decl", "HS subheading of the good, e.g. 8537.10 (required)"),
    "hs_edition": ("decl", "HS2012, HS2017 or HS2022 (default HS2022)"),
    "import_tariff_line": ("decl", "the importing Party's tariff line (Art. 2.6 Appendix)"),
    "product_weight_kg": ("decl", "net weight of the good (Art. 3.7(1)(b), Chapters 50-63)"),
    "exporting_party": ("decl", "ISO alpha-2 of the exporting Party (required)"),
    "importing_party": ("decl", "ISO alpha-2 of the importing Party (required)"),
    "date": ("decl", "date of the determination, YYYY-MM-DD (required)"),
    "fob_value": ("decl", "FOB value of the good (required)"),
    "fob_currency": ("decl", "ISO 4217 currency of the FOB value (required)"),
    "rvc_method": ("decl", "build_down (default) or build_up (Art. 3.5(1))"),
    "direct_labour": ("decl", "build-up cost element, in costs_currency"),
    "direct_overhead": ("decl", "build-up cost element, in costs_currency"),
    "profit": ("decl", "build-up cost element, in costs_currency"),
    "other_costs": ("decl", "build-up cost element, in costs_currency"),
    "costs_currency": ("decl", "currency of the cost elements (default: fob_currency)"),
    "production_steps": (
        "decl",
        "'CN: machining and assembly; CN: labelling [minimal]' ([minimal]: an Art. 3.6 "
        "operation; [chemical reaction]: Annex 3A CR)",
    ),
    "material_id": ("line", "the line's id, unique in the declaration (required)"),
    "material_description": ("line", "description of the material"),
    "material_hs_code": ("line", "HS heading or subheading of the material"),
    "material_value": ("line", "value of the material (or the landed_* columns)"),
    "material_currency": ("line", "currency of material_value (default: fob_currency)"),
    "origin_party": ("line", "ISO alpha-2 country of origin of the material"),
    "originating": ("line", "true, false, or empty for undetermined (Art. 3.5(4))"),
    "material_weight_kg": ("line", "weight of the material (Art. 3.7(1)(b))"),
    "role": (
        "line",
        "component (default), retail_packaging, transport_packing, accessory or indirect",
    ),
    "part_number": ("line", "the exporter's part number"),
    "supplier": ("line", "the supplier's name"),
    "supplier_declaration": ("line", "reference of the supplier's declaration of origin"),
    "supplier_declaration_issued": ("line", "its date of issue, YYYY-MM-DD"),
    "supplier_declaration_valid_until": ("line", "the last day it covers"),
    "landed_acquired": ("line", "imported or domestic: the line is valued by landed cost"),
    "landed_price": ("line", "price paid or payable (landed cost)"),
    "landed_freight": ("line", "freight up to the place of entry (landed cost)"),
    "landed_insurance": ("line", "insurance up to the place of entry (landed cost)"),
    "landed_duties": ("line", "duties, taxes and brokerage on importation (landed cost)"),
    "landed_currency": ("line", "currency of the landed_* amounts (default: material_currency)"),
    "subassembly": ("line", "the declaration key of an in-house sub-assembly (multi-level BOM)"),
}
REQUIRED = ("declaration", "material_id")
_STEP = re.compile(r"^\s*([A-Z]{2})\s*:\s*(.+?)\s*(\[(minimal|chemical reaction)\])?\s*$")


@dataclass(frozen=True)
class ColumnMapping:
    """A mapping file: export column names, constants and exchange rates."""

    columns: dict[str, str] = field(default_factory=dict)  # layout column -> export column
    defaults: dict[str, str] = field(default_factory=dict)  # layout column -> constant
    fx_rates: tuple[dict[str, Any], ...] = ()


def load_mapping(path: Path | None) -> ColumnMapping:
    """Read a mapping file strictly: an unknown key or column is an error naming it."""
    if path is None:
        return ColumnMapping()
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"mapping file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"mapping file {path}: expected a mapping with columns/defaults/fx_rates")
    unknown = set(data) - {"columns", "defaults", "fx_rates"}
    if unknown:
        raise InputError(f"mapping file {path}: unknown key(s) {sorted(unknown)}")
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    defaults = {str(k): _text(v) for k, v in (data.get("defaults") or {}).items()}
    for name in [*columns, *defaults]:
        if name not in COLUMNS:
            raise InputError(f"mapping file {path}: {name!r} is not a column of the layout")
    rates = data.get("fx_rates") or []
    if not isinstance(rates, list) or not all(isinstance(r, dict) for r in rates):
        raise InputError(f"mapping file {path}: fx_rates is a list of {{from, to, rate, ...}}")
    return ColumnMapping(
        columns, defaults, tuple({k: _text(v) for k, v in r.items()} for r in rates)
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def rename(header: Iterable[str], mapping: ColumnMapping) -> dict[str, str]:
    """Export column -> layout column, for the columns the layout knows. Raises for a mapped
    column the export lacks, or when a required column is missing."""
    header = list(header)
    reverse = {theirs: ours for ours, theirs in mapping.columns.items()}
    missing = [theirs for theirs in reverse if theirs not in header]
    if missing:
        raise InputError(f"the mapping names column(s) the table lacks: {missing}")
    renamed: dict[str, str] = {}
    for column in header:
        ours = reverse.get(column, column if column not in mapping.columns else None)
        if ours in COLUMNS:
            renamed[column] = ours
    present = set(renamed.values()) | set(mapping.defaults)
    absent = [name for name in REQUIRED if name not in present]
    if absent:
        raise InputError(
            f"the table has no {' or '.join(absent)} column (see the README's ERP layout, or map "
            "yours with --mapping)"
        )
    return renamed


DECLARATION_COLUMNS = tuple(name for name, (scope, _) in COLUMNS.items() if scope == "decl")
LINE_COLUMNS = tuple(name for name, (scope, _) in COLUMNS.items() if scope == "line")
_LINE_FIELDS = (
    ("material_description", "description"),
    ("material_hs_code", "hs_code"),
    ("origin_party", "origin_party"),
    ("material_weight_kg", "weight_kg"),
    ("role", "role"),
    ("part_number", "part_number"),
    ("supplier", "supplier"),
)


def document(
    key: str, rows: Sequence[tuple[int, Mapping[str, str]]], mapping: ColumnMapping
) -> tuple[dict[str, Any], list[int]]:
    """One declaration's document from its rows ((row number, layout column -> text; "" or no
    key for an empty cell, which takes the mapping's default)), and the row number of each
    material line. Raises ``InputError`` naming the row and column."""
    defaults = mapping.defaults
    first_number, first_row = rows[0]
    head = {**defaults, **{name: value for name, value in first_row.items() if value}}
    present = [name for name in DECLARATION_COLUMNS if name in first_row]
    expected = tuple(map(first_row.get, present))
    absent = frozenset(DECLARATION_COLUMNS) - first_row.keys()
    for number, row in rows[1:]:
        if tuple(map(row.get, present)) != expected or not absent.isdisjoint(row):
            for name in DECLARATION_COLUMNS:
                if (row.get(name) or defaults.get(name, "")) != head.get(name, ""):
                    raise InputError(
                        f"row {number}: column {name} is {row.get(name, '')!r}, but row "
                        f"{first_number} of the same declaration has {head.get(name, '')!r}"
                    )

    def get(name: str) -> str:
        return head.get(name, "")

    fob_currency = get("fob_currency")
    doc: dict[str, Any] = {}
    if get("reference"):
        doc["reference"] = get("reference")
    product: dict[str, Any] = {
        "description": get("product_description"),
        "hs_code": get("product_hs_code"),
    }
    for name, target in (
        ("hs_edition", "hs_edition"),
        ("import_tariff_line", "import_tariff_line"),
        ("product_weight_kg", "weight_kg"),
    ):
        if get(name):
            product[target] = get(name)
    doc["product"] = product
    doc["exporting_party"] = get("exporting_party")
    doc["importing_party"] = get("importing_party")
    doc["date"] = get("date")
    doc["fob_value"] = {"amount": get("fob_value"), "currency": fob_currency}
    if get("rvc_method"):
        doc["rvc_method"] = get("rvc_method")
    costs_currency = get("costs_currency") or fob_currency
    costs = {
        target: {"amount": get(name), "currency": costs_currency}
        for name, target in (
            ("direct_labour", "direct_labour"),
            ("direct_overhead", "direct_overhead"),
            ("profit", "profit"),
            ("other_costs", "other"),
        )
        if get(name)
    }
    if costs:
        doc["costs"] = costs
    if get("production_steps"):
        doc["production_steps"] = _steps(get("production_steps"), first_number)
    if mapping.fx_rates:
        doc["fx_rates"] = [dict(rate) for rate in mapping.fx_rates]
    line_defaults = {name: defaults[name] for name in LINE_COLUMNS if name in defaults}
    doc["materials"] = [
        _material(
            {**line_defaults, **{n: v for n, v in row.items() if v}} if line_defaults else row,
            fob_currency,
        )
        for _, row in rows
    ]
    return doc, [number for number, _ in rows]


def _material(row: Mapping[str, str], fob_currency: str) -> dict[str, Any]:
    """One material line (an empty cell is "" or absent)."""
    material: dict[str, Any] = {"id": row.get("material_id", "")}
    for name, target in _LINE_FIELDS:
        value = row.get(name)
        if value:
            material[target] = value
    currency = row.get("material_currency") or fob_currency
    amount = row.get("material_value")
    if amount:
        material["value"] = {"amount": amount, "currency": currency}
    originating = row.get("originating")
    if originating:
        material["originating"] = _boolean(originating.strip().lower())
    if row.get("supplier_declaration"):
        declaration = {
            "reference": row["supplier_declaration"],
            "supplier": row.get("supplier", ""),
            "issued": row.get("supplier_declaration_issued", ""),
        }
        if row.get("supplier_declaration_valid_until"):
            declaration["valid_until"] = row["supplier_declaration_valid_until"]
        if row.get("origin_party"):
            declaration["covers_origin_party"] = row["origin_party"]
        material["supplier_declaration"] = declaration
    if row.get("landed_acquired"):
        landed_currency = row.get("landed_currency") or currency
        landed: dict[str, Any] = {"acquired": row["landed_acquired"]}
        for name in ("price", "freight", "insurance", "duties"):
            value = row.get(f"landed_{name}")
            if value:
                landed[name] = {"amount": value, "currency": landed_currency}
        material["landed_cost"] = landed
    if row.get("subassembly"):
        material["subassembly"] = {"declaration": row["subassembly"]}
    return material


def _boolean(text: str) -> Any:
    # Left to the model to refuse anything else, naming the column.
    return {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}.get(
        text, text
    )


def _steps(text: str, row: int) -> list[dict[str, Any]]:
    steps = []
    for part in text.split(";"):
        if not part.strip():
            continue
        match = _STEP.match(part)
        if match is None:
            raise InputError(
                f"row {row}: production_steps {part.strip()!r} is not 'PARTY: description', "
                "optionally followed by [minimal] or [chemical reaction]"
            )
        party, description, _, flag = match.groups()
        step: dict[str, Any] = {"description": description, "party": party}
        if flag == "minimal":
            step["minimal_operation"] = True
        elif flag == "chemical reaction":
            step["chemical_reaction"] = True
        steps.append(step)
    return steps


# Where a field of the declaration comes from in the table, for error messages.
_FIELD_COLUMNS = {
    "id": "material_id",
    "description": "material_description",
    "hs_code": "material_hs_code",
    "value": "material_value",
    "value.amount": "material_value",
    "value.currency": "material_currency",
    "origin_party": "origin_party",
    "originating": "originating",
    "weight_kg": "material_weight_kg",
    "role": "role",
    "part_number": "part_number",
    "supplier": "supplier",
    "landed_cost": "landed_acquired",
    "landed_cost.acquired": "landed_acquired",
    "subassembly": "subassembly",
}
_MATERIAL_PATH = re.compile(r"^materials\[(\d+)\](?:\.(.*))?$")


def locate(path: str, numbers: list[int]) -> str:
    """``materials[3].value.amount`` -> ``row 17, column material_value`` (for a table)."""
    match = _MATERIAL_PATH.match(path or "")
    if match is None:
        return ""
    index, rest = int(match.group(1)), match.group(2) or ""
    if index >= len(numbers):
        return ""
    column = _FIELD_COLUMNS.get(rest)
    if column is None and rest.startswith("landed_cost."):
        column = "landed_" + rest.split(".")[1]
    if column is None and rest.startswith("supplier_declaration"):
        column = "supplier_declaration"
    where = f"row {numbers[index]}"
    return f"{where}, column {column}" if column else where
