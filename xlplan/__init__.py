"""xlplan: run an improvement or action plan out of one shared Excel workbook.

    import xlplan
    plan = xlplan.read_plan("workbooks/plan.xlsx")      # config found as the CLI finds it
    report = xlplan.validate(plan)                      # findings, as data
    changes = xlplan.compare(xlplan.read_plan("workbooks/history/plan.2026-11-16.xlsx"), plan)
    frame = plan.to_frame()                             # a pandas DataFrame of the actions

The library never prints; the command line (xlplan.cli) renders what it returns. Names are
loaded on first use, so `import xlplan` (and every command) stays quick.
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

# public name -> (module, name in it)
_EXPORTS = {
    "load_config": ("config", "load_config"),
    "Config": ("config", "Config"),
    "read_plan": ("plan", "read_plan"),
    "Plan": ("plan", "Plan"),
    "column_reading": ("plan", "column_reading"),
    "ColumnReading": ("read.header", "ColumnReading"),
    "ColumnRead": ("read.header", "ColumnRead"),
    "Action": ("action", "Action"),
    "import_plan": ("importer", "import_plan"),
    "ImportReport": ("importer", "ImportReport"),
    "validate": ("findings", "validate_plan"),
    "Validation": ("findings", "Validation"),
    "Finding": ("findings", "Finding"),
    "compare": ("changes", "compare"),
    "Comparison": ("changes", "Comparison"),
    "Change": ("changes", "Change"),
    "week_status": ("status", "week_status"),
    "read_week": ("status", "read_week"),
    "Week": ("status", "Week"),
    "WeekStatus": ("status", "WeekStatus"),
    "ActionStatus": ("status", "ActionStatus"),
    "summarise": ("summary", "summarise"),
    "Summary": ("summary", "Summary"),
    "exception_report": ("exception_list", "exception_report"),
    "chase_list": ("chase", "chase_list"),
    "ChaseList": ("chase", "ChaseList"),
    "run_weekly": ("run.weekly", "run_weekly"),
    "WeeklyResult": ("run.weekly", "WeeklyResult"),
    "RagScale": ("rag", "RagScale"),
    "summarise_plan": ("summary", "summarise_plan"),
    "chase_plan": ("chase", "chase_plan"),
    "board_report": ("report.board", "board_report"),
    "BoardReport": ("report.board", "BoardReport"),
    "ChaseResult": ("chase", "ChaseResult"),
    "weekly_job": ("run.weekly", "weekly_job"),
    "issue_requests": ("requests", "issue_requests"),
    "RequestsResult": ("requests", "RequestsResult"),
    "collect_returns": ("collect", "collect_returns"),
    "CollectResult": ("collect", "CollectResult"),
    "XlplanError": ("errors", "XlplanError"),
    "InputError": ("errors", "InputError"),
    "WorkbookError": ("errors", "WorkbookError"),
    "Busy": ("errors", "Busy"),
    "WorkbookBusy": ("errors", "WorkbookBusy"),
    "ConfigError": ("errors", "ConfigError"),
    "OutputError": ("errors", "OutputError"),
    "DeliveryFailed": ("errors", "DeliveryFailed"),
    "RunFailed": ("errors", "RunFailed"),
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'xlplan' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), attr)
    globals()[name] = value                       # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
