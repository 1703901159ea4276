"""Where materials come from, and the records that prove it (Art. 3.27): supplier
declarations, production and firmware logs.

Whether missing evidence matters is the engine's to say: the materials without valid evidence
are counted as of undetermined origin (Art. 3.5(4)) in one more determination, and if the good
then no longer qualifies, the findings about that evidence reject instead of warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from rcep_origin.declaration import Material, Role
from rcep_origin.origin import Determination, Outcome, determine
from rcep_origin.parties import is_party
from rcep_origin.prereview._i18n import Word
from rcep_origin.prereview._model import Severity
from rcep_origin.prereview._review import Raw, Review, check
from rcep_origin.prereview.catalogue import RELIED
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


@check("ORIGIN_UNDETERMINED")
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


@check("ORIGIN_PARTY_NOT_RCEP", "EVIDENCE_SUPPLIER_MISMATCH", "EVIDENCE_ORIGIN_MISMATCH")
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


@check("EVIDENCE_MISSING", "EVIDENCE_EXPIRED")
def supplier_declarations(review: Review) -> Iterator[Raw]:
    """Warn by default; reject when the verdict depends on the materials concerned."""
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
    suffix = None
    data: dict[str, object] = {}
    without = _without_evidence(review, {i for i, _ in missing + expired})
    if without is not None and without.outcome is not Outcome.ORIGINATING:
        severity = Severity.REJECT
        suffix = (RELIED, {"outcome": _outcome_word(without.outcome)})
        data["without_evidence"] = {"outcome": without.outcome.value, "summary": without.summary}
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
            severity=severity,
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


@check("FIRMWARE_LOG_MISSING", "PRODUCTION_LOG_MISSING", "LOG_NOT_HASHED")
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


@check("CUMULATION_RELIED")
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
