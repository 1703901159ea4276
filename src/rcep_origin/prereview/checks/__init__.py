"""The checks, one module per group. Importing this package registers every check; the runner
lists them in this order (HS classification, bill of materials, evidence, records in the
issuing body's evidence log, production, the engine's verdict, consistency across declarations), which is the order findings of one severity
are reported in."""

from rcep_origin.prereview.checks import (  # noqa: F401, I001  (imported to register, in order)
    hs,
    bom,
    evidence,
    provenance,
    production,
    verdict,
    consistency,
)
