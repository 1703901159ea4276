"""What a leaf commits to. RFC 9162 hashes any byte string as a leaf (section 2.1.1); here a leaf
is one JSON object in canonical form -- sorted keys, no white space, UTF-8 (for these values,
strings, integers and lists of strings, that is the JSON Canonicalization Scheme, RFC 8785) -- so
anyone can read what was logged and recompute its hash. A leaf has exactly one byte form:
``decode_leaf`` refuses any other spelling of the same object.

Only hashes and a few facts enter the log, never a document: a file stays with its owner, who
proves later that it is unchanged by its SHA-256. The kinds of leaf:

- ``evidence``: a file's SHA-256, kind (bill of materials, firmware log, production log, supplier
  declaration, other), size and the time it was logged, who added it, and what it states that
  can be checked against a declaration (a firmware version; the Parties and period a production
  log covers), Art. 3.27 record keeping;
- ``certificate``: a certificate's number and the digest of its Annex 3B content
  (``certificates.certificate_digest``), the key that signed it and when: what the issuing body
  issued, in order, so that a certificate not in the log was not issued by it;
- ``audit_head``: the head of the issuing body's audit chain after a unit of work;
- ``credential_status``: a supplier declaration revoked by its supplier.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from rcep_origin.ledger._checkpoint import ProofFormatError

MAX_LEAF_BYTES = 16 * 1024
EVIDENCE_KINDS = ("bom", "firmware_log", "production_log", "supplier_declaration", "other")
EvidenceKind = Literal["bom", "firmware_log", "production_log", "supplier_declaration", "other"]
Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Instant = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class _Leaf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    v: Literal[1] = 1
    time: Instant = Field(description="when the log took it, UTC")


class EvidenceLeaf(_Leaf):
    type: Literal["evidence"] = "evidence"
    kind: EvidenceKind
    sha256: Hex64 = Field(description="SHA-256 of the file, which stays with its owner")
    size: int = Field(ge=0, le=2**62, description="the file's size in bytes")
    by: Text = Field(description="the organisation that added it")
    reference: Text | None = None
    version: Text | None = Field(default=None, description="the firmware version a log records")
    parties: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] | None = Field(
        default=None, max_length=20, description="the Parties a production log covers"
    )
    period_from: date | None = Field(default=None, description="the first day a log covers")
    period_to: date | None = Field(default=None, description="the last day a log covers")
    declaration: Text | None = Field(default=None, description="declaration@version (a BOM)")
    credential: Text | None = Field(default=None, description="a supplier declaration's id")


class CertificateLeaf(_Leaf):
    type: Literal["certificate"] = "certificate"
    number: Text
    digest: Hex64 = Field(description="certificates.certificate_digest of its content")
    key_id: Text = Field(description="the verification method its proof names")
    signed: Instant = Field(description="the signing time its proof states")


class AuditHeadLeaf(_Leaf):
    type: Literal["audit_head"] = "audit_head"
    seq: int = Field(ge=1, le=2**62)
    head_hash: Hex64


class CredentialStatusLeaf(_Leaf):
    type: Literal["credential_status"] = "credential_status"
    credential: Text
    status: Literal["revoked"]
    list_sha256: Hex64 = Field(description="SHA-256 of the signed status list that says so")


Leaf = Annotated[
    EvidenceLeaf | CertificateLeaf | AuditHeadLeaf | CredentialStatusLeaf,
    Field(discriminator="type"),
]
_LEAF = TypeAdapter[Leaf](Leaf)


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def encode_leaf(
    leaf: EvidenceLeaf | CertificateLeaf | AuditHeadLeaf | CredentialStatusLeaf,
) -> bytes:
    return canonical(leaf.model_dump(mode="json", exclude_none=True))


def decode_leaf(
    data: bytes,
) -> EvidenceLeaf | CertificateLeaf | AuditHeadLeaf | CredentialStatusLeaf:
    """Read a leaf, refusing anything that is not one in its one canonical form."""
    if len(data) > MAX_LEAF_BYTES:
        raise ProofFormatError("the leaf is too large", path="leaf")
    try:
        value = json.loads(data.decode("utf-8"))
        # JSON values as they are (not strict): dates are strings in the JSON.
        leaf = _LEAF.validate_python(value, strict=False)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProofFormatError("the leaf is not JSON", path="leaf") from None
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"])
        raise ProofFormatError(
            f"not a leaf of this log: {where}: {error['msg']}", path="leaf"
        ) from None
    if encode_leaf(leaf) != data:
        raise ProofFormatError("the leaf is not in its canonical form", path="leaf")
    return leaf
