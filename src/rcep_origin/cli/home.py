"""Where the CLI finds the issuing body (its home and its register) and how it reads applications."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rcep_origin.errors import InputError

if TYPE_CHECKING:  # imported where used: a command loads only what it needs (quick start-up)
    from rcep_origin.authority import Authority, Principal
    from rcep_origin.certificates.request import CertificateRequest

DEFAULT_HOME = Path(os.environ.get("RCEP_ORIGIN_HOME", Path.home() / ".rcep-origin"))

HomeOption = Annotated[
    Path,
    typer.Option(
        "--home",
        help="The issuing body's directory (profile, keys, published files, and its register "
        "rcep-origin.db unless --database-url names another); env RCEP_ORIGIN_HOME.",
    ),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="RCEP_ORIGIN_DATABASE_URL",
        help="The register's database (SQLAlchemy URL, e.g. postgresql://...); default: the "
        "SQLite file rcep-origin.db in --home. The CLI and the service must name the same one.",
    ),
]
EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_UNAVAILABLE = 1, 3, 5


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[bold red]error[/] {message}")
    return typer.Exit(code)


@contextmanager
def authority_of(
    home: Path,
    database_url: str | None,
    *,
    allow_file_register: bool = False,
    rules: Path | None = None,
) -> Iterator[Authority]:
    """The issuing body's authority for one command; its errors become messages and exit
    codes (1 not possible in this state or not allowed, 3 bad input or an application that
    cannot be certified, 5 database unavailable)."""
    from rcep_origin.authority import Authority, AuthorityError, Refused, Unavailable

    try:
        # The bundle: --rules DIR, else RCEP_ORIGIN_RULES, else the built-in one (Authority.open).
        found = Authority.open(
            home, database_url, allow_file_register=allow_file_register, rules=rules
        )
    except InputError as exc:
        raise fail(exc.message) from None
    try:
        yield found
    except Unavailable as exc:
        raise fail(f"{exc.title}. {exc.detail}", EXIT_UNAVAILABLE) from None
    except Refused as exc:  # the application itself cannot be certified: as bad input
        raise fail(f"{exc.extra.get('field') or exc.title}: {exc.detail}") from None
    except AuthorityError as exc:
        raise fail(
            f"{exc.title}: {exc.detail}" if exc.detail else exc.title, EXIT_REFUSED
        ) from None
    except InputError as exc:
        raise fail(f"{exc.path}: {exc.message}" if exc.path else exc.message) from None
    finally:
        found.dispose()


def operator_of(found: Authority) -> Principal:
    """The person at the issuing body's machine, acting as that issuing body."""
    from rcep_origin.authority import operator

    return operator(found.keystore.profile().country)


def load_request(path: Path) -> CertificateRequest:
    """Read an application (YAML or JSON). An item's ``declaration`` is an inline object or a
    path relative to the application file, which must stay inside its folder."""
    import yaml

    from rcep_origin.certificates.request import CertificateRequest
    from rcep_origin.declaration import MAX_DOCUMENT_BYTES, load_declaration, validate_declaration

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
