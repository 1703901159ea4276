"""Reading a declaration for pre-review: what can be read is reviewed.

The declaration contract refuses a product code that does not exist in its edition (``8479.98``;
a lathe declared ``8462.10``, an HS2012 code, in an HS2022 declaration): for ``determine`` that
is bad input. Pre-review's purpose is to say what is wrong, so a document whose *only* defect is
that one is read all the same, with the code as declared, and the HS checks report it as a
finding (``HS_UNKNOWN`` or ``HS_WRONG_EDITION``, with the nearest valid codes) beside every other
finding. Anything else that cannot be read, including a code that is not an HS code at all
("84791"), stays bad input, exactly as the contract says it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from rcep_origin.declaration import (
    MAX_DOCUMENT_BYTES,
    Declaration,
    load_declaration,
    parse_declaration_text,
    validate_declaration,
)
from rcep_origin.errors import InputError
from rcep_origin.hs import parse_hs_code

# A subheading that exists in every edition whose codes are known (live pure-bred breeding
# horses): it stands in for the declared code while the rest of the document is validated.
_STAND_IN = "0101.21"


def _only_unknown_product_code(exc: InputError) -> bool:
    return bool(exc.problems) and all(
        path == "product" and message.startswith("hs_code ") and " does not exist in " in message
        for path, message in exc.problems
    )


def _document(text: str | bytes, filename: str) -> Any:
    """The parsed document, read the way ``parse_declaration_text`` read it. Called only after
    that function parsed the text without error (aliases refused, size checked), so a safe
    load reads the same data."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if not filename.lower().endswith((".yaml", ".yml")):
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError:
            pass
    return yaml.safe_load(text)


def validate_for_review(data: Any) -> Declaration:
    """``validate_declaration``, except that a product code missing from its edition is kept
    for the HS checks to report. Raises ``InputError`` for anything else."""
    try:
        return validate_declaration(data)
    except InputError as exc:
        if not _only_unknown_product_code(exc):
            raise
        declared = str(data["product"]["hs_code"])
        product = {**data["product"], "hs_code": _STAND_IN}
        declaration = validate_declaration({**data, "product": product})
        code = str(parse_hs_code(declared, min_level=6))
        return declaration.model_copy(
            update={"product": declaration.product.model_copy(update={"hs_code": code})}
        )


def parse_for_review(text: str | bytes, *, filename: str = "") -> Declaration:
    """``parse_declaration_text`` for pre-review (see the module's docstring)."""
    try:
        return parse_declaration_text(text, filename=filename)
    except InputError as exc:
        if not _only_unknown_product_code(exc):
            raise
        return validate_for_review(_document(text, filename))


def load_for_review(path: str | Path) -> Declaration:
    """``load_declaration`` for pre-review (see the module's docstring)."""
    try:
        return load_declaration(path)
    except InputError as exc:
        if not _only_unknown_product_code(exc):
            raise
        raw = Path(path).read_bytes()[: MAX_DOCUMENT_BYTES + 1]
        return parse_for_review(raw, filename=Path(path).name)
