"""Where the CLI keeps an issuing body's keys and certificates, and how it reads applications."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from rcep_origin.certificates.request import CertificateRequest
from rcep_origin.declaration import MAX_DOCUMENT_BYTES, load_declaration, validate_declaration
from rcep_origin.errors import InputError

DEFAULT_HOME = Path(os.environ.get("RCEP_ORIGIN_HOME", Path.home() / ".rcep-origin"))

HomeOption = Annotated[
    Path,
    typer.Option(
        "--home",
        help="The issuing body's directory (keys, certificates, status lists); env RCEP_ORIGIN_HOME.",
    ),
]


def load_request(path: Path) -> CertificateRequest:
    """Read an application (YAML or JSON). An item's ``declaration`` is an inline object or a
    path relative to the application file, which must stay inside its folder."""
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise InputError(f"{path}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed application: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise InputError("an application is an object with a list of items", path="items")
    base = path.resolve().parent
    items: list[Any] = []
    for index, item in enumerate(data["items"]):
        if not isinstance(item, dict):
            raise InputError("an item is an object", path=f"items[{index}]")
        reference = item.get("declaration")
        try:
            if isinstance(reference, str):
                target = (base / reference).resolve()
                if not target.is_relative_to(base):
                    raise InputError(
                        "a declaration path must stay inside the application's folder",
                        path=f"items[{index}].declaration",
                    )
                declaration = load_declaration(target)
            else:
                declaration = validate_declaration(reference)
        except InputError as exc:
            raise InputError(
                exc.message,
                path=f"items[{index}].declaration" + (f".{exc.path}" if exc.path else ""),
            ) from None
        items.append({**item, "declaration": declaration})
    from pydantic import ValidationError

    try:
        return CertificateRequest.model_validate({**data, "items": items})
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise InputError(
            error["msg"].removeprefix("Value error, "), path=".".join(str(p) for p in error["loc"])
        ) from None
