"""The evidence log in the register (``store.ledger``), on SQLite and (when
RCEP_ORIGIN_TEST_DATABASE_URL is set, as in CI) PostgreSQL: what it stores gives the same roots
and proofs as the log in memory, proofs from it verify under tlog-scales, appends from many
transactions make one log, and migration 0005 matches the tables ``store.schema`` describes."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from rcep_origin import ledger
from rcep_origin.store import ledger as log_store
from rcep_origin.store import schema
from rcep_origin.store.database import Database

POSTGRES = os.environ.get("RCEP_ORIGIN_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES else [])
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        found = Database(f"sqlite:///{tmp_path / 'log.db'}")
        found.upgrade()
        yield found
        found.dispose()
        return
    assert POSTGRES is not None
    name = "t_" + uuid.uuid4().hex[:12]
    admin = Database(POSTGRES)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    found = Database(POSTGRES, connect_args={"options": f"-csearch_path={name}"})
    found.upgrade()
    yield found
    found.dispose()
    with admin.engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def leaf(i: int) -> tuple[bytes, log_store.Meta]:
    data = f"leaf {i}".encode()
    return data, log_store.Meta("other", ledger.leaf_hash(data).hex(), subject=str(i))


def test_the_stored_log_gives_the_roots_and_proofs_of_the_log_in_memory(
    database: Database,
) -> None:
    tlog = pytest.importorskip("tlog_scales.tlog")
    memory = ledger.MemoryLog()
    count = 0
    for batch in (1, 1, 3, 10, 1, 50, 7):  # one leaf at a time and in batches
        with database.session() as session:
            appended = log_store.append(session, [leaf(count + i) for i in range(batch)], AT)
        for i in range(batch):
            memory.append(ledger.leaf_hash(leaf(count + i)[0]))
        assert [a.leaf_index for a in appended] == list(range(count, count + batch))
        count += batch
    with database.session(writes=False) as session:
        assert log_store.size(session) == count == memory.size
        for size in (1, 2, 5, 16, 33, count):
            root = log_store.root(session, size)
            assert root == memory.root(size)
            for index in (0, size // 2, size - 1):
                path, proof_root = log_store.inclusion(session, index, size)
                assert proof_root == root
                tlog.InclusionProof(index, size, path).check(ledger.leaf_hash(leaf(index)[0]), root)
            for first in (1, size // 3 or 1, size - 1):
                if 0 < first < size:
                    path, first_root, second_root = log_store.consistency(session, first, size)
                    assert first_root == memory.root(first) and second_root == root
                    tlog.ConsistencyProof(first, size, path).check(first_root, second_root)
        stored = log_store.entries_by(session, subject="7")
        assert [e.leaf_index for e in stored] == [7] and stored[0].leaf == b"leaf 7"
        with pytest.raises(LookupError):
            log_store.inclusion(session, 0, count + 5)


def test_concurrent_appends_make_one_gap_free_log(database: Database) -> None:
    def work(worker: int) -> None:
        for i in range(5):
            with database.session() as session:
                log_store.append(session, [leaf(1000 * worker + i)], AT)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session(writes=False) as session:
        assert log_store.size(session) == 20
        stored = log_store.entries_by(session, limit=100)
        assert [e.leaf_index for e in stored] == list(range(20))
        memory = ledger.MemoryLog()
        for entry in stored:
            memory.append(ledger.leaf_hash(entry.leaf))
        assert log_store.root(session, 20) == memory.root()


def test_checkpoints_are_kept_and_read_back(database: Database) -> None:
    from rcep_origin.certificates.keys import Ed25519Signer

    signer = Ed25519Signer.generate("did:web:co.example.cn", "key-1", AT)
    with database.session() as session:
        log_store.append(session, [leaf(0), leaf(1)], AT)
        point = ledger.sign_checkpoint(
            "did:web:co.example.cn", 2, log_store.root(session, 2), AT, signer.key.id, signer.sign
        )
        log_store.save_checkpoint(session, point)
    with database.session(writes=False) as session:
        assert log_store.latest_checkpoint(session, "did:web:co.example.cn") == point
        assert log_store.checkpoint(session, "did:web:co.example.cn", 1) is None
    assert ledger.checkpoint_problem(point, signer.key) == ""


def test_migration_0005_matches_the_schema(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), schema.Base.metadata)
    ours = [d for d in differences if "ledger" in repr(d) or "supplier" in repr(d)]
    assert ours == [], ours


def test_certificates_in_the_register_but_not_in_the_log_are_logged_in_issue_order(
    database: Database,
) -> None:
    """What migration 0005 (and a file home's migration) does for certificates issued before."""
    from datetime import timedelta

    from sqlalchemy.orm import Session

    from rcep_origin.certificates.issuer import Issuer, IssuerProfile
    from rcep_origin.certificates.keys import Ed25519Signer
    from rcep_origin.certificates.model import Signatory, certificate_digest
    from rcep_origin.cli.home import load_request
    from rcep_origin.store.sql import SqlRegistry

    profile = IssuerProfile(
        did="did:web:co.example.cn", name="CCPIT", country="CN",
        signatory=Signatory(name="Li Wei", position="Officer"), place_of_issue="Suzhou",
        number_prefix="CN", verification_url="https://co.example.cn/verify",
        status_url="https://co.example.cn/status",
    )  # fmt: skip
    signer = Ed25519Signer.generate(profile.did, "key-1", AT - timedelta(days=1))
    request = load_request(
        Path(__file__).resolve().parent.parent / "examples" / "certificate-request.yaml"
    )
    with Session(database.engine) as session, session.begin():
        issued = Issuer(profile, signer, SqlRegistry(session), clock=lambda: AT).issue(
            [request, request]
        )
    with database.session() as session:
        appended = log_store.log_certificates(session, AT)
        assert log_store.log_certificates(session, AT) == []  # once
    assert [a.leaf_index for a in appended] == [0, 1]
    with database.session(writes=False) as session:
        for item, entry in zip(
            issued, log_store.entries_by(session, kind="certificate"), strict=True
        ):
            leaf = ledger.decode_leaf(entry.leaf)
            assert isinstance(leaf, ledger.CertificateLeaf)
            assert (leaf.number, leaf.digest) == (
                item.certificate.number,
                certificate_digest(item.certificate),
            )
