"""The weekly run, end to end, on a copy of the embedded default plan and its history."""

import datetime as dt
import email
import email.policy
import json
import re
import shutil

import pytest
from openpyxl import load_workbook

from xlplan.cli import main
from xlplan.config import load_config

AS_OF = "2026-11-23"
SHEETS = ["Summary", "Exceptions", "Changes", "Chase", "Mail merge", "Findings", "Trend"]


def weekly(capsys, *args):
    code = main(["weekly", "--as-of", AS_OF, *args])
    out = capsys.readouterr().out
    return code, out


def test_weekly_end_to_end(project, capsys):
    code, out = weekly(capsys)
    assert code == 0
    last = out.strip().splitlines()[-1]
    assert last == ("28 actions (9 green, 2 amber/green, 10 amber, 1 amber/red, 4 red, 2 no data); "
                    "2 improved, 0 worsened; 7 chase drafts for 7 leads; "
                    "report: reports/2026-11-23/xlplan-report-2026-11-23.xlsx")
    report = project / "reports" / AS_OF / f"xlplan-report-{AS_OF}.xlsx"
    wb = load_workbook(report)
    assert wb.sheetnames == SHEETS

    summary = wb["Summary"]
    assert summary["A3"].value.startswith("Of the 28 actions")
    assert len(summary._charts) == 2                                   # counts and trend
    changes = [[c.value for c in r] for r in wb["Changes"].iter_rows(min_row=4)]
    improved = {(r[1], r[3], r[4]) for r in changes if r[2] == "rag"}
    assert improved == {("1.3", "Amber", "Amber/Green"), ("4.4", "Red", "Amber")}
    assert {r[1] for r in changes if r[2] == "progress"} == {"1.3"}
    chase = [[c.value for c in r] for r in wb["Chase"].iter_rows(min_row=4)]
    # 19 actions; 2.5's joint lead is chased as the HSCB Chair and the HSCB Business Manager
    assert len({r[2] for r in chase}) == 19 and len(chase) == 20
    assert {r[0] for r in chase if r[2] == "2.5"} == {"HSCB Chair", "HSCB Business Manager"}
    assert all(r[1].endswith("@example.org") for r in chase)
    findings = [[c.value for c in r] for r in wb["Findings"].iter_rows(min_row=4)]
    assert findings and {r[4] for r in findings} >= {"overdue", "missing-progress"}
    trend = wb["Trend"]
    assert [trend.cell(3, c).value for c in (3, 4, 5)] == ["09/11/2026", "16/11/2026", "23/11/2026"]
    row_34 = next(r for r in trend.iter_rows(min_row=4) if r[0].value == "3.4")
    assert [c.value for c in row_34[2:5]] == ["Red", "Amber", "Amber"]
    assert row_34[2].fill.fgColor.rgb[-6:] == "FF0000"
    exceptions = [c.value for c in wb["Exceptions"]["A"]]
    assert "Actions to be completed by the end of March 2009" in exceptions

    drafts = sorted((project / "outbox" / AS_OF).glob("*.eml"))
    assert len(drafts) == 7
    for path in drafts:
        msg = email.message_from_binary_file(path.open("rb"), policy=email.policy.default)
        assert msg["X-Unsent"] == "1" and msg["To"].addresses[0].addr_spec.endswith("@example.org")
    assert (project / "workbooks" / "history" / f"plan.{AS_OF}.xlsx").exists()
    assert "writing the report" in (project / "logs" / "xlplan.log").read_text()


def test_weekly_twice_is_the_same(project, capsys):
    weekly(capsys)
    first = load_workbook(project / "reports" / AS_OF / f"xlplan-report-{AS_OF}.xlsx")
    code, out = weekly(capsys)
    assert code == 0 and "no new snapshot" in out
    assert len(list((project / "workbooks" / "history").glob("plan.*.xlsx"))) == 3
    again = load_workbook(project / "reports" / AS_OF / f"xlplan-report-{AS_OF}.xlsx")
    for name in SHEETS:
        values = lambda wb: [[c.value for c in r] for r in wb[name].iter_rows()]
        assert values(again) == values(first), name
    assert len(list((project / "outbox" / AS_OF).glob("*.eml"))) == 7


def test_weekly_json(project, capsys):
    code, out = weekly(capsys, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["snapshot"].endswith(f"plan.{AS_OF}.xlsx") and data["report"].endswith(f"xlplan-report-{AS_OF}.xlsx")
    assert data["outbox"].endswith(f"outbox/{AS_OF}")
    assert data["counts"]["improved"] == 2 and data["chase"]["leads"] == 7 and data["actions"] == 28
    assert data["chase"]["actions"] == 19 and data["chase"]["not_emailed"] == []


def test_a_run_that_fails_half_way_leaves_nothing_half_written(project, capsys, monkeypatch):
    import xlplan.run.weekly as weekly_module

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    real = weekly_module.write_drafts
    monkeypatch.setattr(weekly_module, "write_drafts", broken)
    code = main(["weekly", "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert code == 1 and "could not finish" in err and "No space left" in err and "no report was written" in err
    reports = project / "reports"
    assert not (reports / AS_OF).exists()
    assert not [p for p in reports.iterdir() if p.name.startswith(f".{AS_OF}")]   # no temporary folder left
    monkeypatch.setattr(weekly_module, "write_drafts", real)
    code, out = weekly(capsys)                                                     # and the next run works
    assert code == 0 and (reports / AS_OF / f"xlplan-report-{AS_OF}.xlsx").exists()


def test_a_report_from_an_earlier_run_is_replaced_whole(project, capsys):
    weekly(capsys)
    stray = project / "reports" / AS_OF / "stray.txt"
    stray.write_text("left over")
    weekly(capsys)
    assert not stray.exists()


def test_first_week_has_nothing_to_compare(project, capsys):
    shutil.rmtree(project / "workbooks" / "history")
    code, out = weekly(capsys)
    assert code == 0 and "no earlier snapshot" in out
    assert load_workbook(project / "reports" / AS_OF / f"xlplan-report-{AS_OF}.xlsx").sheetnames == SHEETS


def test_two_weekly_runs_never_overlap(project, capsys):
    from xlplan.run.scheduler import run_lock

    with run_lock(load_config(project / "config" / "xlplan.toml")):
        code = main(["weekly", "--as-of", AS_OF])
    assert code == 2 and "already running" in capsys.readouterr().err


def test_weekly_formats_the_workbook_only_when_safe(project, capsys):
    config_file = project / "config" / "xlplan.toml"
    config_file.write_text(config_file.read_text() + "\n[weekly]\nformat = true\n")
    assert load_config(config_file).weekly.format
    (project / "workbooks" / "~$plan.xlsx").write_bytes(b"\x05Alice")
    before = (project / "workbooks" / "plan.xlsx").read_bytes()
    code, out = weekly(capsys)
    assert code == 0 and "is open: formatting left for the next run" in out
    assert (project / "workbooks" / "plan.xlsx").read_bytes() == before
    (project / "workbooks" / "~$plan.xlsx").unlink()
    code, out = weekly(capsys)
    assert code == 0 and list((project / "workbooks" / "backups").glob("plan.*.xlsx"))


def test_schedule_once_runs_weekly_when_due(project, capsys):
    assert main(["schedule", "--once"]) == 0
    today = dt.date.today().isoformat()
    assert (project / "reports" / today / f"xlplan-report-{today}.xlsx").exists()
    assert main(["schedule", "--once"]) == 0
    assert "not due" in capsys.readouterr().out


def _set_weekly(project, parallel, min_mb):
    path = project / "config" / "xlplan.toml"
    text = re.sub(r"\n\[weekly\]\n.*", "", path.read_text(), flags=re.DOTALL)    # this helper's table, at the end
    path.write_text(f"{text}\n[weekly]\nparallel = {parallel}\nparallel_min_mb = {min_mb}\n")
    assert (load_config(path).weekly.parallel, load_config(path).weekly.parallel_min_mb) == (parallel == "true", min_mb)


def _report_values(project):
    wb = load_workbook(project / "reports" / AS_OF / f"xlplan-report-{AS_OF}.xlsx")
    return {name: [[c.value for c in r] for r in wb[name].iter_rows()] for name in SHEETS}


def _drafts(project):
    out = {}
    for path in sorted((project / "outbox" / AS_OF).glob("*.eml")):
        msg = email.message_from_binary_file(path.open("rb"), policy=email.policy.default)
        out[path.name] = (msg["To"], msg["Subject"], msg.get_body(("plain",)).get_content())
    return out


def _cached(project):
    return sorted(p.read_text() for p in (project / "workbooks" / "history" / ".cache").glob("*.json"))


def test_on_two_cores_the_run_writes_what_it_writes_on_one(project, capsys, monkeypatch):
    import os

    from xlplan.run import parallel

    if not parallel.can_fork():
        pytest.skip("the system cannot fork")
    forks, fork = [], os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or fork())
    _set_weekly(project, "false", 0)
    code, one_out = weekly(capsys)
    one = (_report_values(project), _drafts(project), _cached(project))
    shutil.rmtree(project / "reports")
    shutil.rmtree(project / "outbox")
    shutil.rmtree(project / "workbooks" / "history" / ".cache")
    _set_weekly(project, "true", 0)
    code2, two_out = weekly(capsys)
    two = (_report_values(project), _drafts(project), _cached(project))
    assert code == code2 == 0 and one_out.splitlines()[-1] == two_out.splitlines()[-1]
    assert one == two and len(one[1]) == 7 and len(one[2]) == 3      # report, drafts, history cache
    assert len(forks) == 2                    # last week's version read, and drafts written, beside


def test_on_two_cores_a_run_that_fails_leaves_nothing_half_written(project, capsys, monkeypatch):
    import xlplan.run.weekly as weekly_module

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    _set_weekly(project, "true", 0)
    monkeypatch.setattr(weekly_module, "write_drafts", broken)
    code = main(["weekly", "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert code == 1 and "No space left" in err and "no report was written" in err
    assert not (project / "reports" / AS_OF).exists()
