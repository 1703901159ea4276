"""The evidence log at size: append rate, and the size and time of proofs at 1e5-1e6 leaves, on
SQLite and PostgreSQL. Not a pass/fail test.

    .venv/bin/python bench/bench_ledger.py [--leaves 100000] [--postgres URL]

Measured:

- ``evidence add`` as the issuing body runs it (``Authority.add_evidence``): one transaction
  per record with its audit entry, the audit head's leaf and a signed checkpoint;
- raw appends (``store.ledger.append``): one leaf per transaction, and batches;
- inclusion and consistency proofs from the database against the whole log (median and p99 of
  200 random ones), their size in hashes and in JSON bytes, and the time to verify one in
  Python (``ledger.verify_inclusion``) against tlog-scales' verifier when it is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from rcep_origin import ledger
from rcep_origin.store import ledger as log_store
from rcep_origin.store.database import Database

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@contextmanager
def database(url: str | None) -> Iterator[Database]:
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            found = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
            found.upgrade()
            yield found
            found.dispose()
        return
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = Database(url)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    found = Database(url, connect_args={"options": f"-csearch_path={schema}"})
    found.upgrade()
    try:
        yield found
    finally:
        found.dispose()
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def leaf(i: int) -> tuple[bytes, log_store.Meta]:
    entry = ledger.EvidenceLeaf(
        time="2026-11-20T09:00:00Z",
        kind="production_log",
        sha256=hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),
        size=1000 + i,
        by="bench",
    )
    data = ledger.encode_leaf(entry)
    return data, log_store.Meta("production_log", entry.sha256, owner="bench")


def timed(function: Callable[[], Any], runs: int) -> list[float]:
    spent = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        spent.append(time.perf_counter() - start)
    return spent


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


def authority_rate(count: int) -> float:
    """``evidence add`` through the application layer, on SQLite, with a signing key."""
    from rcep_origin.authority import Authority, EvidenceInput, operator
    from rcep_origin.certificates.issuer import IssuerProfile
    from rcep_origin.certificates.model import Signatory
    from rcep_origin.store.keystore import FileKeystore

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        keystore = FileKeystore(home)
        keystore.save_profile(
            IssuerProfile(
                did="did:web:co.example.cn",
                name="Bench",
                country="CN",
                signatory=Signatory(name="B", position="B"),
                place_of_issue="Suzhou",
                number_prefix="CN",
                verification_url="http://localhost/verify",
                status_url="http://localhost/status",
            )
        )
        keystore.create_key()
        found = Authority.open(home)
        actor = operator("CN")
        start = time.perf_counter()
        for i in range(count):
            digest = hashlib.sha256(f"record {i}".encode()).hexdigest()
            found.add_evidence(actor, EvidenceInput(kind="other", sha256=digest, size=i))
        spent = time.perf_counter() - start
        found.dispose()
    return count / spent


def run(url: str | None, leaves: int) -> None:
    name = "PostgreSQL" if url else "SQLite"
    with database(url) as db:
        singles = 300
        start = time.perf_counter()
        for i in range(singles):
            with db.session() as session:
                log_store.append(session, [leaf(i)], AT)
        single_rate = singles / (time.perf_counter() - start)
        batch = 5000
        start = time.perf_counter()
        count = singles
        while count < leaves:
            size = min(batch, leaves - count)
            with db.session() as session:
                log_store.append(session, [leaf(count + i) for i in range(size)], AT)
            count += size
        batch_rate = (leaves - singles) / (time.perf_counter() - start)
        print(f"{name}: {leaves:,} leaves")
        print(f"  append, one leaf per transaction: {single_rate:,.0f} leaves/s")
        print(f"  append, {batch:,} leaves per transaction: {batch_rate:,.0f} leaves/s")
        rng = random.Random(16)
        with db.session(writes=False) as session:
            root = log_store.root(session, leaves)
            indexes = [rng.randrange(leaves) for _ in range(200)]
            queue = iter(indexes)
            inclusion = timed(lambda: log_store.inclusion(session, next(queue), leaves), 200)
            path, _ = log_store.inclusion(session, indexes[0], leaves)
            proof = ledger.InclusionProof(
                leaf(indexes[0])[0], indexes[0], leaves, tuple(path), root
            )
            firsts = iter([rng.randrange(1, leaves) for _ in range(200)])
            consistency = timed(lambda: log_store.consistency(session, next(firsts), leaves), 200)
            first = leaves // 3 + 1
            cpath, first_root, _ = log_store.consistency(session, first, leaves)
        size = len(json.dumps(proof.to_json()))
        print(
            f"  inclusion proof: {len(path)} hashes, {size:,} bytes as JSON; made in {ms(inclusion)}"
        )
        print(
            f"  consistency proof ({first:,} -> {leaves:,}): {len(cpath)} hashes; made in {ms(consistency)}"
        )
        digest = ledger.leaf_hash(proof.leaf)
        ours = timed(
            lambda: ledger.verify_inclusion(proof.leaf_index, leaves, digest, path, root), 2000
        )
        print(f"  verify inclusion (ledger): {statistics.median(ours) * 1e6:.1f} µs")
        ours_c = timed(
            lambda: ledger.verify_consistency(first, leaves, first_root, root, cpath), 2000
        )
        print(f"  verify consistency (ledger): {statistics.median(ours_c) * 1e6:.1f} µs")
        try:
            from tlog_scales.tlog import InclusionProof
        except ImportError:
            return
        theirs = timed(
            lambda: InclusionProof(proof.leaf_index, leaves, path).check(digest, root), 2000
        )
        print(f"  verify inclusion (tlog-scales): {statistics.median(theirs) * 1e6:.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a scratch schema is made in it)")
    parser.add_argument("--adds", type=int, default=200, help="evidence adds through Authority")
    args = parser.parse_args()
    print(
        f"evidence add (Authority, SQLite, signed checkpoint each): {authority_rate(args.adds):,.0f}/s"
    )
    run(None, args.leaves)
    if args.postgres:
        run(args.postgres, args.leaves)


if __name__ == "__main__":
    main()
