"""The application layer: every use case of the issuing authority -- submit a declaration,
determine, pre-review, apply, issue, refuse, revoke / suspend / reinstate, create and revoke
keys, register organisations, verify, migrate a file-based home -- each with its transaction,
its authorisation rule and its audit entry. The CLI and the HTTP routes are thin adapters over
``Authority``; nothing else reaches the store.
"""

from rcep_origin.authority._authority import Authority
from rcep_origin.authority._console import (
    AuditEntryView,
    CertificateRecordView,
    CertificateSummaryView,
    DeclarationRecordView,
    DeclarationSummaryView,
)
from rcep_origin.authority._core import (
    DATABASE_FILE,
    EXPORTER,
    ISSUER,
    VERIFIER,
    Idempotency,
    database_url_for,
    migrate_database,
    operator,
    trust_of_homes,
)
from rcep_origin.authority._errors import (
    AuthorityError,
    Conflict,
    Forbidden,
    NotFound,
    Refused,
    Unauthenticated,
    Unavailable,
)
from rcep_origin.authority._inputs import Application, Refusal, RequestedItem, StatusChange
from rcep_origin.authority._legislation import (
    LayerView,
    LegislationRowInput,
    LegislationRowView,
    LegislationView,
    ProposalDecision,
    VerdictChangeView,
)
from rcep_origin.authority._migrate import has_file_register
from rcep_origin.authority._views import (
    AuditReport,
    CertificateView,
    CheckView,
    DeclarationDocumentView,
    DeclarationVersionView,
    DeclarationView,
    DeterminationRunView,
    HealthView,
    MigrationReport,
    Outcome,
    PrereviewRunView,
    RequestView,
    RunView,
    StatusView,
    VerificationView,
)
from rcep_origin.store.database import Database
from rcep_origin.store.sql import Principal

__all__ = [
    "DATABASE_FILE",
    "EXPORTER",
    "ISSUER",
    "VERIFIER",
    "Application",
    "AuditEntryView",
    "AuditReport",
    "Authority",
    "AuthorityError",
    "CertificateRecordView",
    "CertificateSummaryView",
    "CertificateView",
    "CheckView",
    "Conflict",
    "Database",
    "DeclarationDocumentView",
    "DeclarationRecordView",
    "DeclarationSummaryView",
    "DeclarationVersionView",
    "DeclarationView",
    "DeterminationRunView",
    "Forbidden",
    "HealthView",
    "Idempotency",
    "LayerView",
    "LegislationRowInput",
    "LegislationRowView",
    "LegislationView",
    "MigrationReport",
    "NotFound",
    "Outcome",
    "PrereviewRunView",
    "Principal",
    "ProposalDecision",
    "Refusal",
    "Refused",
    "RequestView",
    "RequestedItem",
    "RunView",
    "StatusChange",
    "StatusView",
    "Unauthenticated",
    "Unavailable",
    "VerdictChangeView",
    "VerificationView",
    "database_url_for",
    "has_file_register",
    "migrate_database",
    "operator",
    "trust_of_homes",
]
