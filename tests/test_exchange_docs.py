"""The README's exchange section stays true: the field-mapping table covers every Annex 3B item
and names only fields the certificate has; every endpoint it lists is served."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from pydantic import BaseModel

from rcep_origin.certificates.model import Certificate

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
SECTION = README.split("### Field mapping: Annex 3B to the formats single windows use")[1].split(
    "\nSources,"
)[0]


def _rows() -> list[list[str]]:
    rows = []
    for line in SECTION.splitlines():
        if (
            line.startswith("| (")
            or line.startswith("| third")
            or line.startswith("| issued")
            or line.startswith("| remarks")
        ):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_the_mapping_covers_every_annex_3b_item_with_a_cell_for_every_format() -> None:
    rows = _rows()
    letters = {re.match(r"\((\w)\)", row[0]).group(1) for row in rows if row[0].startswith("(")}  # type: ignore[union-attr]
    assert letters == set("abcdefghijklm"), letters
    for row in rows:
        assert len(row) == 6 and all(row), row  # a name, or "—" saying none was found


def _field(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The model holding ``name``'s last part, or None when ``model`` has no such path."""
    holder: type[BaseModel] | None = model
    for part in name.replace("[]", "").split("."):
        if holder is None or part not in holder.model_fields:
            return None
        inner = holder.model_fields[part].annotation
        nested = [
            a
            for a in (inner, *get_args(inner), *[x for y in get_args(inner) for x in get_args(y)])
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        last, holder = holder, (nested[0] if nested else None)
    return last


def test_the_mapping_names_only_fields_a_certificate_has() -> None:
    for row in _rows():
        context: type[BaseModel] = Certificate
        ours = row[1].split(" / ")[0].split(" (")[0]  # before the XML names and sub-fields
        for name in re.findall(r"`([\w\[\].]+)`", ours):
            holder = _field(Certificate, name) if "." in name else _field(context, name)
            assert holder is not None, (name, row[0])
            if "." in name:
                context = holder
