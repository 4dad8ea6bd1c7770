"""The public Python API: the README's example runs as written, the names in __all__ are
there, and `import xlplan` costs a command nothing."""

import re
import subprocess
import sys

import pandas as pd
from conftest import PROJECT

import xlplan


def readme_example() -> str:
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Using xlplan from Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs(project):
    import xlplan.chase  # noqa: F401  (every module loaded first, as in a notebook that used them)
    import xlplan.cli

    names: dict = {}
    exec(compile(readme_example(), "README.md", "exec"), names)
    plan, report, changes, summary = names["plan"], names["report"], names["changes"], names["summary"]
    assert isinstance(plan, xlplan.Plan) and len(plan.actions) == 28
    assert isinstance(report, xlplan.Validation) and report.errors == 0 and report.findings
    assert {(c.ref, c.old, c.new) for c in changes.changes if c.change == "rag"} == {
        ("1.3", "Amber", "Amber/Green"), ("4.4", "Red", "Amber")}
    assert summary.by_rag["Red"] == 4 and summary.narrative.startswith("Of the 28 actions")
    frame = names["frame"]
    assert isinstance(frame, pd.DataFrame) and len(frame) == 28
    assert list(frame.columns[:9]) == ["row", "ref", "action", "lead", "due", "due_text", "rag", "progress", "group"]
    assert str(frame["due"].dtype).startswith("datetime64")
    assert len(names["findings"]) == len(report.findings) and "rule" in names["findings"]
    assert set(names["moves"]["change"]) >= {"rag", "progress", "no-update"}


def test_every_public_name_is_there():
    for name in xlplan.__all__:
        assert getattr(xlplan, name) is not None, name
    assert callable(xlplan.validate) and callable(xlplan.compare) and callable(xlplan.exception_report)
    assert issubclass(xlplan.WorkbookError, xlplan.XlplanError)


def test_importing_xlplan_loads_no_spreadsheet_library_and_no_pandas():
    code = ("import sys, xlplan, xlplan.cli; "
            "print(sorted(m for m in ('pandas', 'openpyxl', 'xlsxwriter', 'python_calamine') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_trend_as_a_frame(project):
    plan = xlplan.read_plan("workbooks/plan.xlsx")
    week = xlplan.read_week(plan, as_of="2026-11-23")
    trend = week.status.trend_frame()
    assert list(trend["week"].dt.strftime("%d/%m/%Y")) == ["09/11/2026", "16/11/2026", "23/11/2026"]
    assert trend.iloc[-1]["Red"] == 4 and trend.iloc[0]["Red"] == 6


def test_a_notebook_elsewhere_finds_the_plans_own_config_and_history(project, tmp_path_factory, monkeypatch):
    elsewhere = tmp_path_factory.mktemp("notebooks")
    monkeypatch.chdir(elsewhere)
    plan = xlplan.read_plan(project / "workbooks" / "plan.xlsx")
    assert plan.config.source == (project / "config" / "xlplan.toml").resolve()
    week = xlplan.read_week(plan, as_of="2026-11-23")
    assert len(week.trend_frame()) == 3 and week.notes == []
    assert len(week.to_frame()) == 28 and week.to_dict()["as_of"] == "2026-11-23"
