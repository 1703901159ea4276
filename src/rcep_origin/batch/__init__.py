"""Mass qualification (issue 15): whole catalogues decided by the one engine, on this machine or
a Dask cluster, and the sourcing questions asked of it.

    run = run_batch(BatchOptions(input=Path("boms/"), out=Path("results.parquet"), ruleset=rs))
    run.outcomes, run.top_reasons(), write_report(run)
    change = whatif(declaration, ["materials[INS-03].origin_party=TH"], ruleset=rs)
    advice = advise(declaration, quotes, ruleset=rs)

* ``run_batch``: a folder of declarations or a flat ERP table (``ERP_COLUMNS``) in, one result
  row per declaration out (``RESULT_COLUMNS``), identical to ``determine`` on each; resumable.
* ``whatif``: re-determine with changes at paths, and the difference.
* ``advise``: the smallest sourcing changes (alternative quotes, supplier declarations to
  obtain) that make a good originate, ranked by added cost, each checked by the engine.

An adapter: it reads files and tables, runs processes, and writes results and reports; the
articles live in the engine only.
"""

from rcep_origin.batch._advise import Advice, Change, Option, Quote, advise, load_quotes
from rcep_origin.batch._erp import COLUMNS as ERP_COLUMNS
from rcep_origin.batch._erp import ColumnMapping, load_mapping
from rcep_origin.batch._i18n import resolve as resolve_language
from rcep_origin.batch._i18n import text as message
from rcep_origin.batch._report import report_paths, write_report
from rcep_origin.batch._results import COLUMNS as RESULT_COLUMNS
from rcep_origin.batch._results import REASONS, read_results, reasons, row_of
from rcep_origin.batch._run import BatchOptions, BatchRun, ClusterUnavailable, run_batch
from rcep_origin.batch._whatif import (
    Assignment,
    WhatIf,
    apply_assignments,
    parse_assignment,
    whatif,
)

__all__ = [
    "ERP_COLUMNS",
    "REASONS",
    "RESULT_COLUMNS",
    "Advice",
    "Assignment",
    "BatchOptions",
    "BatchRun",
    "Change",
    "ClusterUnavailable",
    "ColumnMapping",
    "Option",
    "Quote",
    "WhatIf",
    "advise",
    "apply_assignments",
    "load_mapping",
    "load_quotes",
    "message",
    "parse_assignment",
    "read_results",
    "reasons",
    "report_paths",
    "resolve_language",
    "row_of",
    "run_batch",
    "whatif",
    "write_report",
]
