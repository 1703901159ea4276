"""Moving a file-based issuing body's home (the layout before issue 13: ``certificates/``,
``status/``, ``state.json``) into the database register, so the CLI and the service share one
register. All or nothing: a number or a list the database already holds differently stops the
migration before anything is written; afterwards the old folders are moved aside, not deleted.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rcep_origin.authority._errors import Conflict
from rcep_origin.certificates.credential import certificate_from_credential
from rcep_origin.certificates.model import certificate_digest
from rcep_origin.certificates.status_list import MIN_ENTRIES, PURPOSES
from rcep_origin.errors import InputError
from rcep_origin.store import schema, sql

LEGACY = ("certificates", "status", "state.json")


def has_file_register(home: Path) -> bool:
    """Whether ``home`` still keeps certificates in files (a home from before issue 13)."""
    return any((Path(home) / name).exists() for name in LEGACY)


@dataclass
class Imported:
    certificates: int = 0
    status_lists: int = 0
    sequences: dict[str, int] = field(default_factory=dict)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} cannot be read: {exc}") from None


def import_file_register(session: Session, home: Path) -> Imported:
    """Copy the file register of ``home`` into the session's database."""
    home = Path(home)
    done = Imported()
    for folder in sorted((home / "certificates").glob("*/")):
        if folder.name.startswith(".") or not (folder / "credential.json").exists():
            continue  # a staging folder a crash left behind holds no issued certificate
        credential = _read(folder / "credential.json")
        certificate = certificate_from_credential(credential)
        existing = session.get(schema.CertificateRow, certificate.number)
        if existing is not None:
            if existing.credential != credential:
                raise Conflict(
                    f"certificate {certificate.number} is in the database and differs",
                    "Both registers issued this number: resolve it before migrating.",
                    kind="register-conflict",
                )
            continue
        xml = folder / "certificate.xml"
        session.add(
            schema.CertificateRow(
                number=certificate.number,
                request_id=None,
                exporter_organisation_id=None,
                credential=credential,
                jwt=(folder / "credential.jwt").read_text("ascii").strip(),
                xml=xml.read_bytes() if xml.exists() else None,
                content_sha256=certificate_digest(certificate),
                created=sql.now(),
            )
        )
        done.certificates += 1
    for bits_file in sorted((home / "status").glob("*.bits")):
        list_id = bits_file.stem
        purpose, _, number = list_id.rpartition("-")
        if purpose not in PURPOSES or not number.isdigit():
            raise InputError(f"{bits_file} is not a status list of this project")
        if session.get(schema.StatusListRow, list_id) is not None:
            raise Conflict(
                f"status list {list_id} is in the database already",
                "Both registers keep this list: resolve it before migrating.",
                kind="register-conflict",
            )
        credential_file = bits_file.with_suffix(".json")
        session.add(
            schema.StatusListRow(
                list_id=list_id,
                purpose=purpose,
                number=int(number),
                capacity=MIN_ENTRIES,
                allocated=0,
                secret=secrets.token_bytes(32),
                bits=bits_file.read_bytes(),
                credential=_read(credential_file) if credential_file.exists() else None,
                updated=sql.now(),
            )
        )
        done.status_lists += 1
    session.flush()
    state = _read(home / "state.json") if (home / "state.json").exists() else {}
    for list_id, indexes in state.get("reserved", {}).items():
        for index in indexes:
            if session.get(schema.StatusIndex, (list_id, int(index))) is None:
                session.add(schema.StatusIndex(list_id=list_id, index=int(index)))
    for year, value in state.get("sequences", {}).items():
        name = f"certificate-{int(year)}"
        row = session.get(schema.Sequence, name, with_for_update=True)
        if row is None:
            session.add(schema.Sequence(name=name, value=int(value)))
        else:
            row.value = max(row.value, int(value))
        done.sequences[name] = int(value)
    session.flush()
    return done


def move_aside(home: Path, stamp: str) -> Path | None:
    """Move the migrated folders into ``migrated-<stamp>/`` (kept, not deleted)."""
    present = [Path(home) / name for name in LEGACY if (Path(home) / name).exists()]
    if not present:
        return None
    target = Path(home) / f"migrated-{stamp}"
    target.mkdir()
    for path in present:
        path.rename(target / path.name)
    return target
