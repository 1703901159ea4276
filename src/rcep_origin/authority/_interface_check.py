"""The interface pre-check for ERP integrators (issue 20; seed 002 asks for "interface
compatibility pre-checks"): is a document this system would take well-formed, field by field?
Nothing is stored, signed or issued, and no database is needed (the CLI runs it offline).

A document is recognised by its form and content:

* ``certificate-xml``: XML, checked against the published XSD
  (``certificates/schema/certificate-of-origin-1.0.xsd``), then the Annex 3B model (every
  problem, as an XML path such as ``/certificateOfOrigin/goods/goodsItem[1]/hsCode``);
* ``certificate-json``: a W3C credential of this project's context, or ``certificate-jwt`` its
  JWT (the payload is read, the signature is not checked here): the envelope, every field of the
  certificate (``credentialSubject.goods[0].hs_code``), the envelope's consistency with it and
  its status entries;
* ``declaration``: what ``POST /v1/declarations`` takes (``materials[3].value.amount``);
* ``application``: what ``POST /v1/certificate-requests`` takes (``items[0].quantity.value``).

JSON is read by the same input policy as every edge (no repeated keys, bounded numbers and
depth); the XML by the same hardened parser as verification (no DOCTYPE, no entities).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pydantic import BaseModel, ValidationError

from rcep_origin.authority._exchange_views import (
    InterfaceCheckView,
    ProblemView,
    say,
)
from rcep_origin.authority._inputs import Application
from rcep_origin.certificates.credential import (
    CONTEXT,
    CREDENTIAL_TYPE,
    SUBJECT_TYPE,
    CredentialFormError,
    certificate_from_credential,
    status_entries,
)
from rcep_origin.certificates.model import Certificate
from rcep_origin.declaration import parse_json, validate_declaration
from rcep_origin.errors import InputError

MAX_CHECK_BYTES = 2 * 1024 * 1024  # what the service takes in one body


def check_interface(data: bytes) -> InterfaceCheckView:
    """Every field-level problem of ``data`` with its path; ``valid`` when there is none."""
    kind, problems, notes = _check(data)
    if kind == "unknown" and not problems:
        problems = [("", say("check-unknown-kind")[0])]
    english, chinese = (
        say("check-valid", kind=kind)
        if not problems
        else say("check-invalid", count=len(problems), kind=kind)
    )
    return InterfaceCheckView(
        kind=kind,
        valid=not problems,
        problems=[ProblemView(path=path, message=message) for path, message in problems],
        summary=english,
        summary_zh=chinese,
        notes=notes,
    )


Problems = list[tuple[str, str]]


def _check(data: bytes) -> tuple[str, Problems, list[str]]:
    if len(data) > MAX_CHECK_BYTES:
        return "unknown", [("", f"larger than {MAX_CHECK_BYTES // (1024 * 1024)} MiB")], []
    head = data.lstrip()[:2]
    if head.startswith(b"<"):
        return "certificate-xml", _xml(data), [_signature_note()]
    if head == b"ey":
        return _jwt(data)
    try:
        document = parse_json(data)
    except InputError as exc:
        return "unknown", [(exc.path, exc.message)], []
    if not isinstance(document, dict):
        return "unknown", [("", "the document is a JSON object")], []
    if "credentialSubject" in document or "@context" in document:
        return "certificate-json", _credential(document), [_signature_note()]
    if "product" in document or "materials" in document:
        return "declaration", _declaration(document), []
    if "items" in document:
        return "application", _model(Application, document), []
    return "unknown", [], []


def _signature_note() -> str:
    english, chinese = say("check-signature-skipped")
    return f"{english} / {chinese}"


def _xml(data: bytes) -> Problems:
    from rcep_origin.certificates.xml_form import certificate_from_xml

    try:
        certificate_from_xml(data)
    except InputError as exc:
        return list(exc.problems)
    return []


def _jwt(data: bytes) -> tuple[str, Problems, list[str]]:
    token = data.decode("ascii", errors="replace").strip()
    parts = token.split(".")
    if len(parts) != 3:
        return "certificate-jwt", [("", "a JWT has three parts separated by '.'")], []
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        payload = parse_json(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, InputError) as exc:
        return "certificate-jwt", [("", f"the JWT does not decode: {exc}")], []
    problems: Problems = []
    if not isinstance(header, dict) or header.get("typ") != "vc+jwt":
        problems.append(("header.typ", "the JWS header must have typ vc+jwt"))
    if not isinstance(header, dict) or not isinstance(header.get("kid"), str):
        problems.append(("header.kid", "the JWS header must name its key (kid)"))
    if not isinstance(header, dict) or not isinstance(header.get("iat"), int):
        problems.append(("header.iat", "the JWS header must have iat, the time of signing"))
    if not isinstance(payload, dict):
        return "certificate-jwt", [*problems, ("", "the JWT payload is a JSON object")], []
    return "certificate-jwt", problems + _credential(payload), [_signature_note()]


def _credential(credential: dict[str, Any]) -> Problems:
    problems: Problems = []
    if credential.get("@context") != CONTEXT:
        problems.append(("@context", f"must be {CONTEXT}"))
    if credential.get("type") != ["VerifiableCredential", CREDENTIAL_TYPE]:
        problems.append(("type", f"must be ['VerifiableCredential', '{CREDENTIAL_TYPE}']"))
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return [*problems, ("credentialSubject", f"must be a {SUBJECT_TYPE} object")]
    if subject.get("type") != SUBJECT_TYPE:
        problems.append(("credentialSubject.type", f"must be {SUBJECT_TYPE!r}"))
    content = {k: v for k, v in subject.items() if k != "type"}
    found = _model(Certificate, content, prefix="credentialSubject")
    problems += found
    if not found and not problems:
        try:  # the envelope against its content: id, issuer, validity
            certificate_from_credential(credential)
        except CredentialFormError as exc:
            problems.append((exc.path, exc.message))
    try:
        status_entries(credential)
    except CredentialFormError as exc:
        problems.append((exc.path, exc.message))
    return problems


def _declaration(document: dict[str, Any]) -> Problems:
    try:
        validate_declaration(document)
    except InputError as exc:
        return list(exc.problems)
    return []


def _model(model: type[BaseModel], document: dict[str, Any], *, prefix: str = "") -> Problems:
    try:
        model.model_validate(document)
    except ValidationError as exc:
        return [
            (
                _path((prefix, *error["loc"]) if prefix else error["loc"]),
                error["msg"].removeprefix("Value error, "),
            )
            for error in exc.errors(include_url=False)
        ]
    return []


def _path(location: tuple[Any, ...]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not str(part).startswith("function-"):
            text += ("." if text else "") + str(part)
    return text
