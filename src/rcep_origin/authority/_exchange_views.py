"""What the exchange's use cases take and return (issue 20): typed inputs and views, and the
messages they word, each in English and Chinese."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rcep_origin.authority._views import CheckView, View

PARTY = r"^[A-Z]{2}$"

# Every message the exchange words for a person, in English and Simplified Chinese. Keyed, so a
# test can hold the two catalogues to the same keys and placeholders.
MESSAGES: dict[str, tuple[str, str]] = {
    "accepted": (
        "Received and verified: {verdict}",
        "已接收并核验：{verdict_zh}",
    ),
    "refused": (
        "Refused: {reason}",
        "已拒收：{reason}",
    ),
    "notice-applied": (
        "{event} of {number} applied: the record is now {verdict}",
        "{number} 的{event_zh}已处理：记录现为{verdict_zh}",
    ),
    "sender-ok": (
        "delivered by an issuing body of {party}, the Party whose issuing body issued it",
        "由签发国 {party} 的签证机构交付",
    ),
    "sender-other": (
        "delivered by an issuing body of {sender}, but issued by one of {party}",
        "由 {sender} 的签证机构交付，但证书由 {party} 的签证机构签发",
    ),
    "destination-ok": (
        "for {party}, this register's Party",
        "进口方为 {party}，即本登记机构所属缔约方",
    ),
    "destination-other": (
        "for {importing}, not for {party}",
        "进口方为 {importing}，而非 {party}",
    ),
    "unreadable": (
        "the document cannot be read as a certificate",
        "无法将该文件读取为原产地证书",
    ),
    "check-valid": (
        "The document is valid against the published schema: {kind}",
        "该文件符合已发布的模式：{kind}",
    ),
    "check-invalid": (
        "{count} problem(s) found: {kind}",
        "发现 {count} 个问题：{kind}",
    ),
    "check-unknown-kind": (
        "not a document this interface takes: a certificate (JSON credential, JWT or XML), a "
        "declaration or an application",
        "不是本接口接受的文件：应为原产地证书（JSON 凭证、JWT 或 XML）、申报或申请",
    ),
    "check-signature-skipped": (
        "the signature is not checked here (use POST /verify or 'certificate verify')",
        "此处不核验签名（请使用 POST /verify 或 'certificate verify'）",
    ),
}
VERDICTS_ZH = {"valid": "有效", "invalid": "无效", "indeterminate": "无法确定"}
EVENTS_ZH = {
    "certificate": "证书",
    "revocation": "撤销",
    "suspension": "暂停",
    "reinstatement": "恢复",
}
STATUS_ZH = {
    "in force": "有效",
    "revoked": "已撤销",
    "suspended": "已暂停",
    "expired": "已过期",
    "unknown": "未知",
    "not verified": "未核验",
}


def say(key: str, **values: Any) -> tuple[str, str]:
    """A message in English and in Chinese."""
    english, chinese = MESSAGES[key]
    extra = {
        "verdict_zh": VERDICTS_ZH.get(str(values.get("verdict", "")), values.get("verdict", "")),
        "event_zh": EVENTS_ZH.get(str(values.get("event", "")), values.get("event", "")),
    }
    return english.format(**values), chinese.format(**{**extra, **values})


# --- inputs --------------------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrustInput(_Input):
    """An issuing body of another Party to accept: its ``did.json`` as it publishes it (and
    optionally its ``jwks.json``). The service takes the documents themselves; the CLI also
    fetches them from a URL."""

    party: str = Field(pattern=PARTY, description="the Party whose issuing body this is")
    document: dict[str, Any] = Field(description="the issuer's did.json, as published")
    jwks: dict[str, Any] | None = Field(default=None, description="its jwks.json, optional")
    source: str = Field(default="", max_length=1000, description="where it was read")


class PeerInput(_Input):
    """The importing Party's customs to deliver to."""

    party: str = Field(pattern=PARTY, description="the importing Party it serves")
    url: str = Field(
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        max_length=1000,
        description="the base URL of its service (its inbox is URL/v1/exchange/inbox)",
    )
    key: str = Field(
        pattern=r"^rk_[0-9a-f]{12}\.[A-Za-z0-9_-]{20,100}$",
        description="the API key it created for this issuing body (stored as a file, never shown)",
    )
    did_document: dict[str, Any] = Field(
        description="its did.json as published, to verify the receipts it signs"
    )
    form: Literal["json", "jwt", "xml"] = Field(
        default="json", description="the form delivered: the JSON credential, the JWT or XML"
    )


class StatusNotice(_Input):
    """What an issuing body delivers when it revokes, suspends or reinstates a certificate: the
    change and the status lists it signed (so the inbox can check them even when the issuer
    cannot be reached)."""

    type: Literal["RcepStatusNotice"] = "RcepStatusNotice"
    number: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{5,63}$")
    event: Literal["revocation", "suspension", "reinstatement"]
    reason: str = Field(default="", max_length=2000)
    at: str = Field(max_length=40, description="when the issuing body made the change")
    status_lists: list[dict[str, Any]] = Field(default_factory=list, max_length=4)


class InboxQuery(_Input):
    """Filters of the inbox listing."""

    verdict: Literal["valid", "invalid", "indeterminate"] | None = None
    party: str | None = Field(default=None, pattern=PARTY, description="the exporting Party")
    chapter: str | None = Field(default=None, pattern=r"^[0-9]{2}$", description="HS chapter")
    appendix: bool | None = Field(
        default=None, description="goods (possibly) on the Appendix, for Art. 2.6(3)"
    )
    status: Literal["in force", "revoked", "suspended", "unknown"] | None = None
    number: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)


# --- views ---------------------------------------------------------------------------------------


class TrustedIssuerView(View):
    did: str
    party: str
    name: str | None
    keys: list[dict[str, Any]] = Field(description="each key's id and lifetime, as published")
    xml_certificates: int = Field(description="XML signing certificates published")
    document_sha256: str
    source: str
    state: str = Field(description="active or removed")
    changed_by: str
    created: datetime
    updated: datetime


class PeerView(View):
    party: str
    url: str
    form: str
    receiver: str = Field(description="the peer's DID; its receipts are verified with its keys")
    key_id: str = Field(description="the public prefix of the API key it gave")
    state: str
    changed_by: str
    created: datetime
    updated: datetime


class ReceiptView(View):
    """A signed receipt (``rcep_origin.certificates.receipts``): verify its proof with the
    receiver's did.json."""

    type: str
    receipt_id: str
    kind: str = Field(description="certificate or status-notice")
    number: str | None
    sha256: str = Field(description="SHA-256 of the bytes received")
    content_sha256: str | None = Field(description="the certificate's digest, any form")
    verdict: str = Field(description="valid, invalid or indeterminate")
    accepted: bool
    reason: str
    reason_zh: str
    receiver: str
    sender: str
    received: str
    proof: dict[str, str]


class DeliveryView(View):
    delivery_id: int
    number: str
    party: str
    url: str | None
    event: str = Field(description="certificate, revocation, suspension or reinstatement")
    state: str = Field(description="queued, delivered, acknowledged or rejected")
    attempts: int
    next_attempt: datetime | None
    last_error: str | None
    reason: str | None = Field(description="why the peer rejected it (from its receipt)")
    payload_sha256: str
    created: datetime
    delivered: datetime | None
    acknowledged: datetime | None
    receipt: dict[str, Any] | None


class InboxSummaryView(View):
    record_id: str
    number: str
    sender: str
    exporting_party: str | None
    issuer: str | None
    verdict: str
    accepted: bool
    status: str = Field(description="in force, revoked, suspended or unknown")
    appendix_flagged: bool = Field(description="a good is (possibly) on the Appendix: Art. 2.6(3)")
    rvc: bool
    hs_chapters: list[str]
    received: datetime
    updated: datetime


class InboxRecordView(InboxSummaryView):
    form: str
    sha256: str
    content_sha256: str | None
    reason: str
    checks: list[CheckView]
    classification: dict[str, Any] | None
    certificate: dict[str, Any] | None
    events: list[dict[str, Any]]
    receipt: dict[str, Any]
    document: str = Field(description="the document as delivered (UTF-8, or base64 for a PDF)")
    document_encoding: str = Field(description="utf-8 or base64")


class ProblemView(View):
    path: str
    message: str


class InterfaceCheckView(View):
    """A pre-check of a document an ERP system is about to send: every field-level problem with
    its path. Nothing is stored or issued."""

    kind: str = Field(
        description="certificate-json, certificate-jwt, certificate-xml, declaration, "
        "application or unknown"
    )
    valid: bool
    problems: list[ProblemView]
    summary: str
    summary_zh: str
    notes: list[str] = Field(default_factory=list)


class BadgeView(View):
    number: str
    status: str = Field(description="in force, revoked, suspended, expired or not verified")
    label: str
    label_zh: str


class EmbedView(View):
    """What an exporter puts on a product page: a link and a badge that carry the certificate's
    digest (a page cannot show another certificate's badge), and a JSON-LD snippet."""

    number: str
    content_sha256: str
    verify_url: str
    badge_url: str
    html: str
    jsonld: dict[str, Any]


class DeliveryPassView(View):
    attempted: int
    deliveries: list[DeliveryView]
