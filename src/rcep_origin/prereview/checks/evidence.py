"""Where materials come from, and the records that prove it (Art. 3.27): supplier
declarations, production and firmware logs.

Whether missing evidence matters is the engine's to say: the materials without valid evidence
are counted as of undetermined origin (Art. 3.5(4)) in one more determination, and if the good
then no longer qualifies, the findings about that evidence reject instead of warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from rcep_origin.declaration import Material, Role
from rcep_origin.origin import Determination, Outcome, determine
from rcep_origin.parties import is_party
from rcep_origin.prereview._i18n import Word
from rcep_origin.prereview._model import Severity
from rcep_origin.prereview._phrases import RELIED, RELIED_COUNTRY
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview._spec import INFO, REJECT, WARN, spec
from rcep_origin.prereview.context import supplier_key

# Materials whose originating status the verdict can rest on, and so needs proof: transport
# packing is not taken into account (Art. 3.8(1)); indirect materials are originating whatever
# their source (Art. 3.10).
_EVIDENCED_ROLES = (Role.COMPONENT, Role.RETAIL_PACKAGING, Role.ACCESSORY)


def _valid_on(material: Material, day: date) -> bool:
    declaration = material.supplier_declaration
    if declaration is None:
        return False
    if declaration.issued > day:
        return False
    return declaration.valid_until is None or declaration.valid_until >= day


ORIGIN_UNDETERMINED = spec(
    "ORIGIN_UNDETERMINED",
    "evidence",
    WARN,
    "Art. 3.5(4)",
    "every material's origin is stated (info when the good qualifies regardless)",
    "{count} material(s) are of undetermined origin and count as non-originating: {materials}.",
    "Ask the suppliers for the origin and, for materials originating in a Party, a "
    "supplier declaration.",
    why=(
        "The engine already counts such materials as non-originating (Art. 3.5(4)), so the "
        "verdict reflects them; information only when the good qualifies anyway."
    ),
)


@check(ORIGIN_UNDETERMINED)
def undetermined(review: Review) -> Iterator[Raw]:
    """Art. 3.5(4). Info rather than warn when the engine finds the good originating anyway."""
    lines = [
        (path, material.id)
        for path, material in review.materials()
        if material.originating is None
        and material.role not in (Role.INDIRECT, Role.TRANSPORT_PACKING)
    ]
    if lines:
        ids = [material_id for _, material_id in lines]
        yield Raw(
            "ORIGIN_UNDETERMINED",
            params={"count": len(ids), "materials": ids},
            fields=tuple(f"{path}.originating" for path, _ in lines),
            data={"materials": ids},
            severity=Severity.INFO if review.outcome is Outcome.ORIGINATING else None,
        )


ORIGIN_PARTY_NOT_RCEP = spec(
    "ORIGIN_PARTY_NOT_RCEP",
    "evidence",
    REJECT,
    "Art. 3.2; Art. 3.4",
    "a material declared originating comes from an RCEP Party, on the BOM and on its "
    "supplier declaration",
    "{field} is declared originating, but {party} is not an RCEP Party.",
    "Set originating to false (the material then counts as non-originating), or correct "
    "the origin if it was made in a Party.",
    why=(
        "A material declared originating in a country that is not a Party contradicts the "
        "Agreement (Arts. 3.2, 3.4): the declaration cannot stand."
    ),
)


EVIDENCE_SUPPLIER_MISMATCH = spec(
    "EVIDENCE_SUPPLIER_MISMATCH",
    "evidence",
    WARN,
    "Art. 3.27 (record keeping)",
    "the supplier declaration is made by the material's supplier",
    "{field}: the supplier declaration is made by “{declared_by}”, but the material's "
    "supplier is “{supplier}”.",
    "Attach the declaration of the supplier that sold the material, or correct the supplier.",
    why=(
        "A supplier declaration from a trader or from the producer behind the supplier can be "
        "valid evidence, and names are spelt differently; worth a check, not a refusal."
    ),
)


EVIDENCE_ORIGIN_MISMATCH = spec(
    "EVIDENCE_ORIGIN_MISMATCH",
    "evidence",
    REJECT,
    "Art. 3.4; Art. 3.27",
    "the supplier declaration covers the origin the material is declared with",
    "{field}: the supplier declaration covers origin {covered}, but the material is "
    "declared from {party}.",
    "Declare the origin the supplier declaration states, or obtain one that covers {party}.",
    why=(
        "The record contradicts the origin declared for the material (Arts. 3.4, 3.27): one "
        "of the two is wrong."
    ),
)


@check(ORIGIN_PARTY_NOT_RCEP, EVIDENCE_SUPPLIER_MISMATCH, EVIDENCE_ORIGIN_MISMATCH)
def declared_origin(review: Review) -> Iterator[Raw]:
    for path, material in review.materials():
        statement = material.supplier_declaration
        if material.originating is True and not is_party(material.origin_party or ""):
            # The declaration contract refuses this; kept for declarations built without it.
            yield Raw(
                "ORIGIN_PARTY_NOT_RCEP",
                params={"field": path, "party": material.origin_party},
                fields=(f"{path}.origin_party", f"{path}.originating"),
                data={"material": material.id, "origin_party": material.origin_party},
            )
        if statement is None:
            continue
        covered = statement.covers_origin_party
        if material.originating is True and covered is not None and not is_party(covered):
            yield Raw(
                "ORIGIN_PARTY_NOT_RCEP",
                params={"field": path, "party": covered},
                fields=(f"{path}.supplier_declaration.covers_origin_party", f"{path}.originating"),
                data={"material": material.id, "covers_origin_party": covered},
            )
        elif covered is not None and material.origin_party and covered != material.origin_party:
            yield Raw(
                "EVIDENCE_ORIGIN_MISMATCH",
                params={"field": path, "covered": covered, "party": material.origin_party},
                fields=(f"{path}.supplier_declaration.covers_origin_party", f"{path}.origin_party"),
                data={
                    "material": material.id,
                    "covers_origin_party": covered,
                    "origin_party": material.origin_party,
                    "reference": statement.reference,
                },
            )
        if material.supplier and supplier_key(material.supplier) != supplier_key(
            statement.supplier
        ):
            yield Raw(
                "EVIDENCE_SUPPLIER_MISMATCH",
                params={
                    "field": path,
                    "declared_by": statement.supplier,
                    "supplier": material.supplier,
                },
                fields=(f"{path}.supplier_declaration.supplier", f"{path}.supplier"),
                data={
                    "material": material.id,
                    "declared_by": statement.supplier,
                    "supplier": material.supplier,
                    "reference": statement.reference,
                },
            )


EVIDENCE_MISSING = spec(
    "EVIDENCE_MISSING",
    "evidence",
    WARN,
    "Art. 3.27 (record keeping); Art. 3.24 (verification)",
    "every material declared originating has a supplier declaration (reject when the "
    "verdict depends on them)",
    "{count} material(s) are declared originating without a supplier declaration: {materials}.",
    "Obtain a supplier declaration (reference, supplier, issue date, validity) for each, "
    "or declare them non-originating.",
    why=(
        "The supplier declaration may exist and only be missing from the file (Art. 3.27 "
        "record keeping): warn; reject when the verdict depends on those materials (counted "
        "as of undetermined origin, the outcome, criterion or RCEP country of origin would "
        "change)."
    ),
)


EVIDENCE_EXPIRED = spec(
    "EVIDENCE_EXPIRED",
    "evidence",
    REJECT,
    "Art. 3.27 (record keeping); Art. 3.24 (verification)",
    "each supplier declaration is valid on the declaration date (reject when the verdict "
    "depends on it)",
    "{field}: supplier declaration {reference} covers {issued} to {valid_until}, not the "
    "declaration date {date}.",
    "Obtain a supplier declaration valid on {date}.",
    why=(
        "The declaration relies on a record that does not cover its date: the material's "
        "originating status is then unsupported on the day it matters (Arts. 3.24, 3.27), and "
        "an issuing body refuses an expired supplier declaration."
    ),
)


@check(EVIDENCE_MISSING, EVIDENCE_EXPIRED)
def supplier_declarations(review: Review) -> Iterator[Raw]:
    """EVIDENCE_MISSING warns, and rejects when the verdict depends on the materials concerned:
    counted as of undetermined origin, the good would no longer be originating, or its RCEP
    country of origin would change. EVIDENCE_EXPIRED always rejects (see its ``why``)."""
    day = review.declaration.date
    missing: list[tuple[int, Material]] = []
    expired: list[tuple[int, Material]] = []
    for index, material in enumerate(review.declaration.materials):
        if material.originating is not True or material.role not in _EVIDENCED_ROLES:
            continue
        if material.supplier_declaration is None:
            missing.append((index, material))
        elif not _valid_on(material, day):
            expired.append((index, material))
    if not missing and not expired:
        return
    severity: Severity | None = None
    suffix: tuple[str, dict[str, Any]] | None = None
    data: dict[str, object] = {}
    without = _without_evidence(review, {i for i, _ in missing + expired})
    determination = review.determination
    if without is not None and determination is not None:
        if without.outcome is not Outcome.ORIGINATING:
            suffix = (RELIED, {"outcome": _outcome_word(without.outcome)})
        elif without.rcep_country_of_origin != determination.rcep_country_of_origin:
            suffix = (
                RELIED_COUNTRY,
                {
                    "country": without.rcep_country_of_origin or Word("none"),
                    "declared": determination.rcep_country_of_origin,
                },
            )
        if suffix is not None:
            severity = Severity.REJECT
            data["without_evidence"] = {
                "outcome": without.outcome.value,
                "rcep_country_of_origin": without.rcep_country_of_origin,
                "summary": without.summary,
            }
    if missing:
        ids = [material.id for _, material in missing]
        yield Raw(
            "EVIDENCE_MISSING",
            params={"count": len(ids), "materials": ids},
            fields=tuple(f"materials[{i}].supplier_declaration" for i, _ in missing),
            data={"materials": ids, **data},
            severity=severity,
            message_suffix=suffix,
        )
    for index, material in expired:
        statement = material.supplier_declaration
        assert statement is not None
        path = f"materials[{index}]"
        yield Raw(
            "EVIDENCE_EXPIRED",
            params={
                "field": path,
                "reference": statement.reference,
                "issued": statement.issued,
                "valid_until": statement.valid_until or _OPEN,
                "date": day,
            },
            fields=(
                f"{path}.supplier_declaration.issued",
                f"{path}.supplier_declaration.valid_until",
                "date",
            ),
            data={
                "material": material.id,
                "reference": statement.reference,
                "issued": statement.issued,
                "valid_until": statement.valid_until,
                "date": day,
                **data,
            },
            message_suffix=suffix,
        )


_OPEN = Word("open-ended")


def _outcome_word(outcome: Outcome) -> Word:
    return Word(outcome.value.replace("_", " "))


def _without_evidence(review: Review, indexes: set[int]) -> Determination | None:
    """The engine's verdict with the materials at ``indexes`` counted as of undetermined
    origin; None when there is nothing to compare (no verdict, or not originating anyway)."""
    if review.outcome is not Outcome.ORIGINATING:
        return None
    declaration = review.declaration
    materials = [
        material.model_copy(update={"originating": None}) if index in indexes else material
        for index, material in enumerate(declaration.materials)
    ]
    return determine(
        declaration.model_copy(update={"materials": materials}), ruleset=review.ruleset
    )


FIRMWARE_LOG_MISSING = spec(
    "FIRMWARE_LOG_MISSING",
    "evidence",
    REJECT,
    "Art. 3.27 (record keeping); Art. 3.6 (the substantive step must be shown)",
    "a good whose value relies on software integration comes with its firmware log",
    "The good's value relies on software integration, but no firmware log is attached.",
    "Attach the firmware log (evidence.firmware_log: reference, version, sha256) showing "
    "what was installed in {party}.",
    why=(
        "The declaration itself says the good's value relies on software integrated in the "
        "exporting Party; without the record of that step (Art. 3.27) the substantive "
        "operation it claims cannot be shown, and an issuing body does not accept an "
        "operation it cannot see."
    ),
)


PRODUCTION_LOG_MISSING = spec(
    "PRODUCTION_LOG_MISSING",
    "evidence",
    WARN,
    "Art. 3.27 (record keeping)",
    "a production log backs the production the verdict relies on (info for wholly "
    "obtained goods and goods produced exclusively from originating materials)",
    "No production log is attached for the production in {party}.",
    "Attach the production log (evidence.production_log: reference, sha256).",
    why=(
        "The production steps are declared; the log is the record produced on request (Art. "
        "3.24), not a condition of the verdict. Information only for wholly obtained goods "
        "and goods produced exclusively from originating materials."
    ),
)


LOG_NOT_HASHED = spec(
    "LOG_NOT_HASHED",
    "evidence",
    INFO,
    "Art. 3.27 (record keeping)",
    "an attached log carries its SHA-256, so it can be shown unchanged later",
    "The {log} has no SHA-256, so it cannot be shown later that it was not changed.",
    "Add the log file's SHA-256 (evidence.{key}.sha256).",
    why="The log is attached; a hash only makes it provable later that it was not changed.",
)


@check(FIRMWARE_LOG_MISSING, PRODUCTION_LOG_MISSING, LOG_NOT_HASHED)
def logs(review: Review) -> Iterator[Raw]:
    declaration = review.declaration
    evidence = declaration.evidence
    party = declaration.exporting_party
    firmware = evidence.firmware_log if evidence else None
    production = evidence.production_log if evidence else None
    if declaration.product.software_integration and firmware is None:
        yield Raw(
            "FIRMWARE_LOG_MISSING",
            params={"party": party},
            fields=("product.software_integration", "evidence.firmware_log"),
            data={"software_integration": True},
        )
    if production is None:
        # A wholly obtained good, or one produced from originating materials only, does not
        # rest on a transformation in the exporting Party: then the log is for information.
        criterion = None if review.determination is None else review.determination.criterion
        yield Raw(
            "PRODUCTION_LOG_MISSING",
            params={"party": party},
            fields=("evidence.production_log",),
            data={"criterion": criterion},
            severity=Severity.INFO if criterion in ("WO", "PE") else None,
        )
    for key, word, record in (
        ("production_log", "production log", production),
        ("firmware_log", "firmware log", firmware),
    ):
        if record is not None and record.sha256 is None:
            yield Raw(
                "LOG_NOT_HASHED",
                params={"log": Word(word), "key": key},
                fields=(f"evidence.{key}.sha256",),
                data={"log": key, "reference": record.reference},
            )


CUMULATION_RELIED = spec(
    "CUMULATION_RELIED",
    "evidence",
    INFO,
    "Art. 3.4",
    "the verdict relies on cumulation, whose materials need their own proof of origin",
    "The verdict relies on cumulation: materials originating in other Parties count as "
    "originating ({materials}).",
    "Keep the proof of origin of these materials (certificate, declaration of origin or "
    "supplier declaration).",
    why=(
        "Cumulation is lawful (Art. 3.4); the finding reminds that the materials concerned "
        "need their own proof of origin."
    ),
)


@check(CUMULATION_RELIED)
def cumulation(review: Review) -> Iterator[Raw]:
    """Art. 3.4: the verdict relied on materials of other Parties (the engine's ``Cumulation``
    fact names them); their proofs of origin matter all the more."""
    determination = review.determination
    if determination is None or "ACU" not in determination.flags:
        return
    found = determination.facts.cumulation
    ids = [] if found is None else list(found.materials)
    paths = [path for path, m in review.materials() if m.id in set(ids)]
    yield Raw(
        "CUMULATION_RELIED",
        params={"materials": ids},
        fields=tuple(f"{path}.origin_party" for path in paths),
        data={"materials": ids},
    )
