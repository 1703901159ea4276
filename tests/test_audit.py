"""The audit log resists more than a changed entry (issue 18): a chain rewritten with recomputed
hashes breaks a signed checkpoint, and deleting the newest entries shows against the head the
issuer published in public/audit-head.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from rcep_origin.cli.main import app
from rcep_origin.store import schema, sql
from rcep_origin.store.database import Database

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "issuer"
    for args in (
        ["keys", "create", "--home", str(home), "--did", "did:web:co.example.cn", "--name", "CCPIT", "--country", "CN"],
        ["certificate", "issue", str(ROOT / "examples" / "certificate-request.yaml"), "--home", str(home)],
        ["certificate", "issue", str(ROOT / "examples" / "certificate-request.yaml"), "--home", str(home)],
        ["certificate", "revoke", "CN-2026-000001", "--home", str(home)],
    ):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    return home


def audit(home: Path) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["audit", "verify", "--home", str(home)])
    return result.exit_code, json.loads(result.output)


def database(home: Path) -> Database:
    return Database(f"sqlite:///{home / 'rcep-origin.db'}")


def test_every_change_is_covered_by_a_signed_checkpoint_and_the_published_head(home: Path) -> None:
    code, report = audit(home)
    assert code == 0 and report["intact"], report
    assert report["checkpoints"] >= 3 and report["last_checkpoint"] == report["entries"]
    assert report["published_head"] == report["entries"]
    head = json.loads((home / "public" / "audit-head.json").read_text())
    assert head["issuer"] == "did:web:co.example.cn" and head["signature"]


def test_a_chain_rewritten_with_recomputed_hashes_breaks_a_checkpoint(home: Path) -> None:
    db = database(home)
    with db.session() as session:
        entries = session.scalars(select(schema.AuditEntry).order_by(schema.AuditEntry.seq)).all()
        previous = sql.GENESIS
        for entry in entries:  # what an attacker with the database, but not the key, can do
            if entry.seq == 2:
                entry.subject = "someone else"
            entry.prev_hash = previous
            entry.hash = sql._entry_hash(
                entry.seq,
                entry.at,
                entry.actor,
                entry.action,
                entry.subject,
                entry.data_sha256,
                previous,
            )
            previous = entry.hash
    db.dispose()
    code, report = audit(home)
    assert code == 1 and not report["intact"]
    assert report["first_broken"] is None, "the chain itself looks intact"
    assert "rewritten" in report["reason"], report


def test_deleting_the_newest_entries_and_their_checkpoints_shows_against_the_published_head(
    home: Path,
) -> None:
    db = database(home)
    with db.session() as session:
        newest = max(session.scalars(select(schema.AuditEntry.seq)))
        session.execute(delete(schema.AuditEntry).where(schema.AuditEntry.seq > newest - 2))
        session.execute(
            delete(schema.AuditCheckpoint).where(schema.AuditCheckpoint.seq > newest - 2)
        )
    db.dispose()
    code, report = audit(home)
    assert code == 1 and "cut back" in report["reason"], report


def test_a_forged_checkpoint_is_refused(home: Path) -> None:
    db = database(home)
    with db.session() as session:
        session.execute(update(schema.AuditCheckpoint).values(head_hash="0" * 64))
    db.dispose()
    code, report = audit(home)
    assert code == 1 and "altered" in report["reason"], report
