"""The certificate as a W3C Verifiable Credential 2.0 (JSON-LD), and back.

The credential subject is the certificate itself (every Annex 3B item, in this project's
context ``https://w3id.org/rcep-origin/v1``); ``validFrom``/``validUntil`` carry the one-year
validity of Art. 3.16(6); ``credentialStatus`` points at the revocation and suspension bits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from pydantic import ValidationError

from rcep_origin.certificates.jsonld import CREDENTIALS_V2, RCEP_ORIGIN_V1
from rcep_origin.certificates.model import Certificate
from rcep_origin.errors import InputError

CONTEXT = [CREDENTIALS_V2, RCEP_ORIGIN_V1]
CREDENTIAL_TYPE = "RcepCertificateOfOrigin"
SUBJECT_TYPE = "RcepCertificateOfOriginData"


class CredentialFormError(InputError):
    """A document is not an rcep-origin certificate credential."""


@dataclass(frozen=True, slots=True)
class StatusEntry:
    list_url: str
    index: int
    purpose: str  # "revocation" or "suspension"

    def to_json(self) -> dict[str, str]:
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


def credential_id(number: str) -> str:
    return f"urn:rcep-origin:certificate:{number}"


def day_start(day: Any) -> str:
    if day.year >= 1000:  # the same text strftime gives, without building a datetime
        return f"{day.isoformat()}T00:00:00Z"
    return datetime.combine(day, time(0, 0), tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def certificate_credential(
    certificate: Certificate, status: Sequence[StatusEntry] = ()
) -> dict[str, Any]:
    """The unsigned credential. Valid from the start of the issue date until the start of the
    same date a year later (UTC)."""
    subject = certificate.model_dump(mode="json", exclude_none=True)
    credential: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": credential_id(certificate.number),
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": {"id": certificate.issuing_body.id, "name": certificate.issuing_body.name},
        "name": f"RCEP Certificate of Origin {certificate.number}",
        "validFrom": day_start(certificate.issue_date),
        "validUntil": day_start(certificate.valid_until),
        "credentialSubject": {"type": SUBJECT_TYPE, **subject},
    }
    if status:
        credential["credentialStatus"] = [entry.to_json() for entry in status]
    return credential


def certificate_from_credential(credential: dict[str, Any]) -> Certificate:
    """Read the certificate back, checking that the envelope matches its content."""
    if not isinstance(credential, dict):
        raise CredentialFormError("a credential is a JSON object")
    if credential.get("@context") != CONTEXT:
        raise CredentialFormError(f"@context must be {CONTEXT}", path="@context")
    if credential.get("type") != ["VerifiableCredential", CREDENTIAL_TYPE]:
        raise CredentialFormError(
            f"type must be ['VerifiableCredential', '{CREDENTIAL_TYPE}']", path="type"
        )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != SUBJECT_TYPE:
        raise CredentialFormError(
            f"credentialSubject must be a {SUBJECT_TYPE}", path="credentialSubject"
        )
    try:
        certificate = Certificate.model_validate({k: v for k, v in subject.items() if k != "type"})
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        path = "credentialSubject." + ".".join(str(p) for p in error["loc"])
        raise CredentialFormError(error["msg"].removeprefix("Value error, "), path=path) from None
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    expected = {
        "id": credential_id(certificate.number),
        "issuer": certificate.issuing_body.id,
        "validFrom": day_start(certificate.issue_date),
        "validUntil": day_start(certificate.valid_until),
    }
    actual = {
        "id": credential.get("id"),
        "issuer": issuer_id,
        "validFrom": credential.get("validFrom"),
        "validUntil": credential.get("validUntil"),
    }
    for field, value in expected.items():
        if actual[field] != value:
            raise CredentialFormError(
                f"{field} does not match the certificate ({value!r})", path=field
            )
    return certificate


def status_entries(credential: dict[str, Any]) -> list[StatusEntry]:
    raw = credential.get("credentialStatus", [])
    entries = raw if isinstance(raw, list) else [raw]
    result = []
    for position, entry in enumerate(entries):
        try:
            if entry["type"] != "BitstringStatusListEntry":
                raise ValueError("type is not BitstringStatusListEntry")
            result.append(
                StatusEntry(
                    str(entry["statusListCredential"]),
                    int(entry["statusListIndex"]),
                    str(entry["statusPurpose"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CredentialFormError(
                f"malformed status entry: {exc}", path=f"credentialStatus[{position}]"
            ) from None
    return result


def status_list_credential(
    list_url: str, issuer: str, purpose: str, encoded_list: str, valid_from: datetime
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` (W3C Bitstring Status List v1.0)."""
    return {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }
