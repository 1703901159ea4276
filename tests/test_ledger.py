"""The Merkle log's mathematics (RFC 9162 section 2.1), held to the Certificate Transparency
reference data and to two implementations written by others: tlog-scales (a literal transcription
of the RFC's verification algorithms, sections 2.1.3.2 and 2.1.4.2, by the author of the Sigsum
monitor sigmon) verifies every proof we make, and pymerkle (an RFC 9162 Merkle tree) computes the
same roots and audit paths from the same leaves."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rcep_origin import ledger
from rcep_origin.certificates.keys import Ed25519Signer
from rcep_origin.ledger._tree import consistency_ranges, inclusion_ranges

tlog = pytest.importorskip("tlog_scales.tlog", reason="tlog-scales is a test dependency")
pymerkle = pytest.importorskip("pymerkle", reason="pymerkle is a test dependency")

# The Certificate Transparency reference leaves and tree heads (RFC 6962's test data, kept by
# google/certificate-transparency's merkle_tree_test and transparency-dev/merkle): RFC 9162
# hashes exactly as RFC 6962 did, so the same roots and proofs must come out.
REFERENCE_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
REFERENCE_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
REFERENCE_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
REFERENCE_CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}


def log_of(leaves: list[bytes]) -> ledger.MemoryLog:
    log = ledger.MemoryLog()
    for leaf in leaves:
        log.append(ledger.leaf_hash(leaf))
    return log


def entries(count: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(count)]


def test_the_roots_are_the_certificate_transparency_reference_roots() -> None:
    log = log_of(REFERENCE_LEAVES)
    assert ledger.EMPTY_ROOT.hex() == REFERENCE_ROOTS[0]
    for size in range(1, 9):
        assert log.root(size).hex() == REFERENCE_ROOTS[size], size
    assert log.root().hex() == REFERENCE_ROOTS[8]


def test_the_proofs_are_the_reference_proofs() -> None:
    log = log_of(REFERENCE_LEAVES)
    for (index, size), expected in REFERENCE_INCLUSION.items():
        assert [h.hex() for h in ledger.audit_path(index, size, log.nodes)] == expected
    for (first, second), expected in REFERENCE_CONSISTENCY.items():
        assert [h.hex() for h in ledger.consistency_path(first, second, log.nodes)] == expected


def test_tlog_scales_verifies_every_inclusion_and_consistency_proof_up_to_70_leaves() -> None:
    data = entries(70)
    log = log_of(data)
    for size in range(1, 71):
        root = log.root(size)
        for index in range(size):
            path = ledger.audit_path(index, size, log.nodes)
            tlog.InclusionProof(index, size, path).check(ledger.leaf_hash(data[index]), root)
        for first in range(1, size):
            path = ledger.consistency_path(first, size, log.nodes)
            tlog.ConsistencyProof(first, size, path).check(log.root(first), root)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(2, 5000), data=st.data())
def test_tlog_scales_verifies_proofs_in_larger_trees(size: int, data: st.DataObject) -> None:
    log = ledger.MemoryLog()
    hashes = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(size)]
    for value in hashes:
        log.append(value)
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(1, size - 1))
    root = log.root()
    tlog.InclusionProof(index, size, ledger.audit_path(index, size, log.nodes)).check(
        hashes[index], root
    )
    tlog.ConsistencyProof(first, size, ledger.consistency_path(first, size, log.nodes)).check(
        log.root(first), root
    )


def test_pymerkle_computes_the_same_roots_and_audit_paths() -> None:
    data = entries(64)
    ours = log_of(data)
    theirs = pymerkle.InmemoryTree(algorithm="sha256")
    for entry in data:
        theirs.append_entry(entry)
    for size in range(1, 65):
        assert theirs.get_root(size) == ours.root(size), size
        for index in range(size):
            proof = theirs.prove_inclusion(index + 1, size)  # pymerkle counts leaves from one
            # pymerkle's path starts with the leaf hash itself, then the audit path bottom-up.
            assert proof.path[1:] == ledger.audit_path(index, size, ours.nodes), (index, size)
            pymerkle.verify_inclusion(ledger.leaf_hash(data[index]), ours.root(size), proof)


def test_a_proof_changed_in_any_way_fails() -> None:
    data = entries(21)
    log = log_of(data)
    root = log.root()
    for index in range(21):
        leaf = ledger.leaf_hash(data[index])
        path = ledger.audit_path(index, 21, log.nodes)
        assert ledger.verify_inclusion(index, 21, leaf, path, root)
        assert not ledger.verify_inclusion(index, 21, leaf, path[:-1], root)
        assert not ledger.verify_inclusion(index, 21, leaf, [*path, path[0]], root)
        assert not ledger.verify_inclusion((index + 1) % 21, 21, leaf, path, root)
        assert not ledger.verify_inclusion(index, 42, leaf, path, root)
        flipped = [bytes([path[0][0] ^ 1]) + path[0][1:], *path[1:]]
        assert not ledger.verify_inclusion(index, 21, leaf, flipped, root)
        assert not ledger.verify_inclusion(index, 21, ledger.leaf_hash(b"other"), path, root)
    for first in range(1, 21):
        path = ledger.consistency_path(first, 21, log.nodes)
        assert ledger.verify_consistency(first, 21, log.root(first), root, path)
        assert not ledger.verify_consistency(first, 21, log.root(first), root, path[:-1])
        assert not ledger.verify_consistency(first, 21, ledger.leaf_hash(b"x"), root, path)
        assert not ledger.verify_consistency(first, 21, log.root(first), log.root(20), path)
    assert ledger.verify_consistency(21, 21, root, root, [])
    assert not ledger.verify_consistency(21, 21, root, log.root(20), [])
    assert ledger.verify_consistency(0, 21, ledger.EMPTY_ROOT, root, [])


def test_a_rewritten_leaf_breaks_consistency_with_the_earlier_root() -> None:
    data = entries(40)
    honest = log_of(data)
    forged = log_of([*data[:10], b"rewritten", *data[11:]])
    path = ledger.consistency_path(20, 40, forged.nodes)
    assert not ledger.verify_consistency(20, 40, honest.root(20), forged.root(), path)


def test_proof_ranges_follow_the_rfc_recursion() -> None:
    # RFC 9162 section 2.1.3.1's example tree of 7 leaves: the path of d0 is [b, h, l], of
    # leaf 3 [c, g, l], of leaf 4 [f, j, k], of leaf 6 [i, k] -- here as leaf ranges.
    assert inclusion_ranges(0, 7) == [(1, 2), (2, 4), (4, 7)]
    assert inclusion_ranges(3, 7) == [(2, 3), (0, 2), (4, 7)]
    assert inclusion_ranges(4, 7) == [(5, 6), (6, 7), (0, 4)]
    assert inclusion_ranges(6, 7) == [(4, 6), (0, 4)]
    # Section 2.1.4.1's examples: PROOF(3, D[7]) = [c, d, g, l]; PROOF(4, D[7]) = [l];
    # PROOF(6, D[7]) = [i, j, k].
    assert consistency_ranges(3, 7) == [(2, 3), (3, 4), (0, 2), (4, 7)]
    assert consistency_ranges(4, 7) == [(4, 7)]
    assert consistency_ranges(6, 7) == [(4, 6), (6, 7), (0, 4)]


def test_a_signed_checkpoint_verifies_with_its_key_and_fails_when_changed() -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    signer = Ed25519Signer.generate("did:web:co.example.cn", "key-1", created)
    root = log_of(entries(5)).root()
    point = ledger.sign_checkpoint(
        "did:web:co.example.cn", 5, root, created + timedelta(days=1), signer.key.id, signer.sign
    )
    assert ledger.checkpoint_problem(point, signer.key) == ""
    again = ledger.Checkpoint.from_json(point.to_json())
    assert again == point
    bigger = ledger.Checkpoint.from_json({**point.to_json(), "tree_size": 6})
    assert "does not verify" in ledger.checkpoint_problem(bigger, signer.key)
    assert "not a published key" in ledger.checkpoint_problem(point, None)
    before = ledger.sign_checkpoint(
        "did:web:co.example.cn", 5, root, created - timedelta(days=1), signer.key.id, signer.sign
    )
    assert "lifetime" in ledger.checkpoint_problem(before, signer.key)


def test_a_leaf_has_one_canonical_form() -> None:
    leaf = ledger.EvidenceLeaf(
        kind="firmware_log",
        sha256="ab" * 32,
        size=12,
        time="2026-11-20T09:00:00Z",
        by="acme",
        version="2.4.1",
    )
    data = ledger.encode_leaf(leaf)
    assert data.startswith(b'{"by":"acme","kind":"firmware_log","sha256":"abab')
    assert ledger.decode_leaf(data) == leaf
    for other in (
        data.replace(b'"by":"acme",', b'"by": "acme",'),
        data.replace(b'"size":12', b'"size":"12"'),
        data.replace(b'"v":1', b'"v":2'),
        b"[]",
        b"\xff",
    ):
        with pytest.raises(ledger.ProofFormatError):
            ledger.decode_leaf(other)


def test_a_proof_document_round_trips_and_checks_itself() -> None:
    data = entries(9)
    log = log_of(data)
    proof = ledger.InclusionProof(
        leaf=data[4],
        leaf_index=4,
        tree_size=9,
        audit_path=tuple(ledger.audit_path(4, 9, log.nodes)),
        root_hash=log.root(),
    )
    assert proof.problem() == ""
    assert ledger.read_proof(proof.to_json()) == proof
    wrong = ledger.InclusionProof(b"entry 5", 4, 9, proof.audit_path, proof.root_hash)
    assert "does not lead" in wrong.problem()
    consistency = ledger.ConsistencyProof(
        3, 9, log.root(3), log.root(), tuple(ledger.consistency_path(3, 9, log.nodes))
    )
    assert consistency.problem() == ""
    assert ledger.read_proof(consistency.to_json()) == consistency
    for bad in ({}, {"audit_path": "x"}, {"first": 1, "second": True}, []):
        with pytest.raises(ledger.ProofFormatError):
            ledger.read_proof(bad)
