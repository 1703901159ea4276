"""Records cross-checked against the issuing body's evidence log (issue 16; seed 000: the
digital system "cross-checks production records, BOM-level input data, and firmware version
logs against origin criteria").

Pre-review stays pure: it does not read the log. The issuing body's register does, and hands
what it found to pre-review as a ``ProvenanceContext`` (a ``PreReviewContext`` with the logged
records whose SHA-256 the declaration names, and the state of each supplier declaration a BOM
line attaches). Without one -- the command line's pre-review of a file -- these checks say
nothing: nothing was looked up.

- For a good whose value relies on software integrated in the exporting Party: the firmware log
  is in the log, and the version the declaration states is the version logged.
- The production log is in the log and covers the Parties of the declared production steps, and
  production recorded no later than the declaration's date.
- A supplier declaration a BOM line attaches (a W3C VC signed by the supplier) holds: known to
  the register, not revoked, valid on the declaration's date, for that HS code. One that does
  not leaves the material of undetermined origin (Art. 3.5(4)), which the verdict reflects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from rcep_origin.prereview._i18n import Localizer, Word
from rcep_origin.prereview._model import Finding
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview._spec import INFO, REJECT, WARN, spec
from rcep_origin.prereview.context import PreReviewContext

if TYPE_CHECKING:
    from rcep_origin.declaration import Declaration

CredentialStatus = Literal["valid", "unknown", "revoked", "expired", "hs_mismatch"]


@dataclass(frozen=True, slots=True)
class LoggedRecord:
    """An evidence entry of the log, as the register read it."""

    kind: str  # bom, firmware_log, production_log, supplier_declaration, other
    sha256: str
    leaf_index: int
    leaf_hash: str
    time: str  # when the log took it
    version: str | None = None
    parties: tuple[str, ...] | None = None
    period_from: date | None = None
    period_to: date | None = None


@dataclass(frozen=True, slots=True)
class CredentialState:
    """Whether a supplier declaration a BOM line attaches holds for that line, and why not."""

    credential_id: str
    status: CredentialStatus
    detail: str = ""  # the revocation instant, the period it covers, the HS code it declares
    origin_party: str | None = None
    supplier: str | None = None


@dataclass(frozen=True)
class ProvenanceContext(PreReviewContext):
    """What the register's evidence log says about a declaration's records."""

    log: str = ""  # whose log: the issuing body's DID
    records: Mapping[str, tuple[LoggedRecord, ...]] = field(default_factory=dict)  # by SHA-256
    credentials: Mapping[str, CredentialState] = field(default_factory=dict)  # by credential id

    def logged(self, sha256: str | None, kind: str) -> LoggedRecord | None:
        found = self.records.get(sha256 or "", ())
        return next((record for record in found if record.kind == kind), None)


def _provenance(review: Review) -> ProvenanceContext | None:
    context = review.context
    return context if isinstance(context, ProvenanceContext) else None


EVIDENCE_NOT_LOGGED = spec(
    "EVIDENCE_NOT_LOGGED",
    "evidence",
    WARN,
    "Art. 3.27 (record keeping)",
    "the firmware and production logs a declaration names are in the issuing body's evidence "
    "log (checked for goods whose value relies on software integration, and for every "
    "production log)",
    "The {log} {sha256} is not in the issuing body's evidence log.",
    "Add it to the evidence log ('rcep-origin evidence add FILE --kind {key}', or POST "
    "/v1/evidence) with the SHA-256 the declaration states.",
    why=(
        "The record may exist and be produced on request (Art. 3.24), but nothing shows it "
        "was kept unchanged since: worth fixing before submission, not a reason to refuse."
    ),
    unhashed=(
        "The {log} has no SHA-256, so it cannot be found in the issuing body's evidence log.",
        "Add the log to the evidence log and state its SHA-256 (evidence.{key}.sha256).",
    ),
)


@check(EVIDENCE_NOT_LOGGED)
def logged(review: Review) -> Iterator[Raw]:
    context = _provenance(review)
    evidence = review.declaration.evidence
    if context is None or evidence is None:
        return
    wanted = [("production_log", "production log", evidence.production_log)]
    if review.declaration.product.software_integration:
        wanted.insert(0, ("firmware_log", "firmware log", evidence.firmware_log))
    for key, word, record in wanted:
        if record is None:
            continue  # FIRMWARE_LOG_MISSING and PRODUCTION_LOG_MISSING say so
        if record.sha256 is None:
            yield Raw(
                "EVIDENCE_NOT_LOGGED",
                params={"log": Word(word), "key": key},
                fields=(f"evidence.{key}.sha256",),
                data={"log": key, "reference": record.reference},
                variant="unhashed",
            )
        elif context.logged(record.sha256, key) is None:
            yield Raw(
                "EVIDENCE_NOT_LOGGED",
                params={"log": Word(word), "sha256": record.sha256[:16] + "…", "key": key},
                fields=(f"evidence.{key}.sha256",),
                data={"log": key, "sha256": record.sha256, "in_log": context.log},
            )


FIRMWARE_VERSION_MISMATCH = spec(
    "FIRMWARE_VERSION_MISMATCH",
    "evidence",
    REJECT,
    "Art. 3.27 (record keeping); Art. 3.6 (the substantive step must be shown)",
    "the firmware version a software-integrated good declares is the version its logged "
    "firmware log records",
    "The declaration states firmware version {declared}, but the firmware log in the evidence "
    "log records version {logged}.",
    "Declare the version the firmware log records, or log the firmware log of the version "
    "installed.",
    why=(
        "The record contradicts the declaration about the very step the good's origin relies "
        "on (software integrated in the exporting Party): one of the two is wrong."
    ),
    unrecorded=(
        "The declaration states firmware version {declared}, but the firmware log in the "
        "evidence log records no version.",
        "Log the firmware log again with its version ('--version').",
    ),
)


@check(FIRMWARE_VERSION_MISMATCH)
def firmware_version(review: Review) -> Iterator[Raw]:
    context = _provenance(review)
    evidence = review.declaration.evidence
    firmware = evidence.firmware_log if evidence else None
    if context is None or firmware is None or not review.declaration.product.software_integration:
        return
    record = context.logged(firmware.sha256, "firmware_log")
    if record is None or firmware.version is None or record.version == firmware.version:
        return
    yield Raw(
        "FIRMWARE_VERSION_MISMATCH",
        params={"declared": firmware.version, "logged": record.version},
        fields=("evidence.firmware_log.version",),
        data={"declared": firmware.version, "logged": record.version, "leaf": record.leaf_index},
        variant=None if record.version else "unrecorded",
        severity=None if record.version else WARN,
    )


PRODUCTION_LOG_NOT_COVERING = spec(
    "PRODUCTION_LOG_NOT_COVERING",
    "evidence",
    WARN,
    "Art. 3.27 (record keeping); Art. 3.2(c)",
    "the logged production log covers the Parties of the declared production steps, and "
    "production recorded no later than the declaration's date",
    "The production log in the evidence log does not cover the production declared in {parties}.",
    "Log the production records of those Parties, or correct the production steps.",
    why=(
        "A step in another Party that the log does not show only weakens the record; one in "
        "the exporting Party, where the good must be produced (Art. 3.2(c)), rejects (the "
        "variant's severity)."
    ),
    dates=(
        "The production log in the evidence log starts on {start}, after the declaration's "
        "date {date}: it cannot record the production of this good.",
        "Log the production records of the period before {date}.",
    ),
)


@check(PRODUCTION_LOG_NOT_COVERING)
def production_coverage(review: Review) -> Iterator[Raw]:
    context = _provenance(review)
    declaration = review.declaration
    production = declaration.evidence.production_log if declaration.evidence else None
    if context is None or production is None:
        return
    record = context.logged(production.sha256, "production_log")
    if record is None:
        return
    if record.parties is not None:
        declared = list(dict.fromkeys(step.party for step in declaration.production_steps))
        missing = [party for party in declared if party not in record.parties]
        if missing:
            yield Raw(
                "PRODUCTION_LOG_NOT_COVERING",
                params={"parties": missing},
                fields=tuple(
                    f"production_steps[{i}].party"
                    for i, step in enumerate(declaration.production_steps)
                    if step.party in missing
                ),
                data={"logged_parties": list(record.parties), "missing": missing},
                severity=REJECT if declaration.exporting_party in missing else None,
            )
    if record.period_from is not None and record.period_from > declaration.date:
        yield Raw(
            "PRODUCTION_LOG_NOT_COVERING",
            params={"start": record.period_from, "date": declaration.date},
            fields=("date", "evidence.production_log"),
            data={"period_from": record.period_from, "date": declaration.date},
            variant="dates",
            severity=REJECT,
        )


SUPPLIER_CREDENTIAL_NOT_VALID = spec(
    "SUPPLIER_CREDENTIAL_NOT_VALID",
    "evidence",
    REJECT,
    "Art. 3.27 (record keeping); Art. 3.5(4)",
    "a supplier declaration a BOM line attaches (signed by the supplier) holds on the "
    "declaration's date for that material",
    "{field}: the supplier declaration {credential} was revoked by its supplier ({detail}); "
    "the material is of undetermined origin.",
    "Obtain a new supplier declaration for the material, or declare it non-originating.",
    why=(
        "The record the material's originating status rests on no longer holds; the "
        "register already counts the material as of undetermined origin (Art. 3.5(4)), and "
        "the declaration must not be submitted on it."
    ),
    unknown=(
        "{field}: the supplier declaration {credential} is not in the issuing body's register; "
        "the material is of undetermined origin.",
        "Ask the supplier to submit its signed declaration to the register, or correct the id.",
    ),
    expired=(
        "{field}: the supplier declaration {credential} does not cover the declaration's date "
        "(it covers {detail}); the material is of undetermined origin.",
        "Obtain a supplier declaration valid on the declaration's date.",
    ),
    hs_mismatch=(
        "{field}: the supplier declaration {credential} is for HS {detail}, not for this "
        "material's HS code; the material is of undetermined origin.",
        "Attach the supplier declaration for this material, or correct its HS code.",
    ),
)

SUPPLIER_CREDENTIAL_RELIED = spec(
    "SUPPLIER_CREDENTIAL_RELIED",
    "evidence",
    INFO,
    "Art. 3.27 (record keeping)",
    "which materials take their origin from a supplier declaration signed by the supplier",
    "{field}: originating in {party}, as the supplier's signed declaration {credential} states.",
    "Nothing to do; if the supplier revokes the declaration, the register reports it.",
    why="A fact worth knowing: the verdict rests on the supplier's signed statement.",
)


@check(SUPPLIER_CREDENTIAL_NOT_VALID, SUPPLIER_CREDENTIAL_RELIED)
def supplier_credentials(review: Review) -> Iterator[Raw]:
    context = _provenance(review)
    if context is None:
        return
    for path, material in review.materials():
        statement = material.supplier_declaration
        if statement is None or statement.credential is None:
            continue
        state = context.credentials.get(statement.credential)
        if state is None:
            continue
        data: dict[str, Any] = {
            "material": material.id,
            "credential": state.credential_id,
            "status": state.status,
        }
        if state.status == "valid":
            yield Raw(
                "SUPPLIER_CREDENTIAL_RELIED",
                params={
                    "field": path,
                    "party": state.origin_party,
                    "credential": state.credential_id,
                },
                fields=(f"{path}.supplier_declaration.credential",),
                data={**data, "origin_party": state.origin_party},
            )
            continue
        yield Raw(
            "SUPPLIER_CREDENTIAL_NOT_VALID",
            params={"field": path, "credential": state.credential_id, "detail": state.detail},
            fields=(f"{path}.supplier_declaration.credential", f"{path}.originating"),
            data={**data, "detail": state.detail},
            variant=None if state.status == "revoked" else state.status,
        )


CHECK_FUNCTIONS = (logged, firmware_version, production_coverage, supplier_credentials)


def provenance_findings(
    declaration: Declaration, context: ProvenanceContext, *, lang: str = "en"
) -> list[Finding]:
    """This module's findings alone, in words (for a report that needs no full pre-review,
    such as the cascade of a revoked supplier declaration)."""
    from rcep_origin.prereview.catalogue import CHECKS  # it imports this module: here
    from rcep_origin.rules import builtin_ruleset

    review = Review(
        declaration=declaration,
        ruleset=builtin_ruleset(),
        context=context,
        source=None,
        missing_rates=[],
        good=None,
        determination=None,
    )
    localizer = Localizer(lang)
    findings = []
    for function in CHECK_FUNCTIONS:
        for raw in function(review):
            spec_ = CHECKS[raw.code]
            text = spec_.variants[raw.variant] if raw.variant else spec_.text
            findings.append(
                Finding(
                    code=raw.code,
                    severity=raw.severity or spec_.severity,
                    message=localizer.format(text.message, raw.params),
                    reason=spec_.reason,
                    fields=raw.fields,
                    fix=localizer.format(text.fix, raw.params),
                    data=raw.data,
                )
            )
    return findings
