"""An append-only Merkle log the way Certificate Transparency 2.0 keeps one (RFC 9162 section
2.1): leaf and node hashing, inclusion proofs, consistency proofs and their verification, signed
checkpoints, and the leaves this project logs. Pure: no store, no web; the application layer
keeps the nodes in the issuing body's register (``store.ledger``).

    from rcep_origin import ledger
    log = ledger.MemoryLog()
    index = log.append(ledger.leaf_hash(b"..."))
    path = ledger.audit_path(index, log.size, log.nodes)
    ledger.verify_inclusion(index, log.size, ledger.leaf_hash(b"..."), path, log.root())

What the log proves, and what it does not, is in the README ("The evidence log").
"""

from rcep_origin.ledger._checkpoint import (
    Checkpoint,
    CheckpointKey,
    ProofFormatError,
    checkpoint_message,
    checkpoint_problem,
    instant,
    sign_checkpoint,
)
from rcep_origin.ledger._hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from rcep_origin.ledger._leaves import (
    EVIDENCE_KINDS,
    AuditHeadLeaf,
    CertificateLeaf,
    CredentialStatusLeaf,
    EvidenceKind,
    EvidenceLeaf,
    canonical,
    decode_leaf,
    encode_leaf,
)
from rcep_origin.ledger._proofs import ConsistencyProof, InclusionProof, read_proof
from rcep_origin.ledger._tree import (
    Frontier,
    MemoryLog,
    NodeKey,
    audit_path,
    consistency_keys,
    consistency_path,
    frontier_keys,
    inclusion_keys,
    root_of,
)
from rcep_origin.ledger._verify import root_from_inclusion, verify_consistency, verify_inclusion

AnyLeaf = EvidenceLeaf | CertificateLeaf | AuditHeadLeaf | CredentialStatusLeaf

__all__ = [
    "EMPTY_ROOT",
    "EVIDENCE_KINDS",
    "HASH_SIZE",
    "AnyLeaf",
    "AuditHeadLeaf",
    "CertificateLeaf",
    "Checkpoint",
    "CheckpointKey",
    "ConsistencyProof",
    "CredentialStatusLeaf",
    "EvidenceKind",
    "EvidenceLeaf",
    "Frontier",
    "InclusionProof",
    "MemoryLog",
    "NodeKey",
    "ProofFormatError",
    "audit_path",
    "canonical",
    "checkpoint_message",
    "checkpoint_problem",
    "consistency_keys",
    "consistency_path",
    "decode_leaf",
    "encode_leaf",
    "frontier_keys",
    "inclusion_keys",
    "instant",
    "leaf_hash",
    "node_hash",
    "read_proof",
    "root_from_inclusion",
    "root_of",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
