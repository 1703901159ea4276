"""The checks, one module per group. Importing this package registers every check, in the order
of the catalogue's groups."""

from rcep_origin.prereview.checks import (  # noqa: F401  (imported to register the checks)
    bom,
    consistency,
    evidence,
    hs,
    production,
    verdict,
)
