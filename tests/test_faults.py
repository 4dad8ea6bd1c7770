"""Faults in the middle of a run: the workbook saved by a lead while it is read, a lock file
left open, a full disk or read-only folder at each write, a mail server down, slow or refusing
one recipient, and the process killed at random points."""

import datetime as dt
import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

import xlplan.files
from conftest import PROJECT, SHIPPED_HISTORY, write_rows
from xlplan.cli import main
from xlplan.config import load_config
from xlplan.plan import read_plan
from xlplan.snapshot import snapshots, take_snapshot

AS_OF = "2026-11-23"


# -- a lead saves the workbook while xlplan reads it ----------------------------------------------

def test_snapshot_waits_out_a_save_in_progress(project, monkeypatch):
    """Excel deletes the original and renames its temporary file into place: for a moment the
    workbook is missing, then half written. The snapshot retries and stores the whole file."""
    config = load_config(project / "config" / "xlplan.toml")
    plan = project / "workbooks" / "plan.xlsx"
    whole = plan.read_bytes()
    plan.rename(project / "workbooks" / "~plan.tmp")                     # step 1: missing
    steps = []

    def sleep(seconds):
        steps.append(seconds)
        if len(steps) == 1:
            plan.write_bytes(whole[: len(whole) // 2])                   # step 2: half there
        elif len(steps) == 2:
            plan.write_bytes(whole)                                      # step 3: saved

    monkeypatch.setattr("xlplan.snapshot.time.sleep", sleep)
    monkeypatch.setattr("xlplan.snapshot.check_xlsx", lambda *a, **k: None)  # the file moves under it
    result = take_snapshot(config, as_of=dt.date(2026, 11, 23))
    assert result.stored and result.snapshot.path.read_bytes() == whole
    assert steps == [0.5, 1.0]                                           # backing off


def test_snapshot_gives_up_with_a_clear_message_and_stores_nothing(project, monkeypatch, capsys):
    plan = project / "workbooks" / "plan.xlsx"
    data = plan.read_bytes()
    monkeypatch.setattr("xlplan.snapshot.time.sleep", lambda s: None)
    monkeypatch.setattr("xlplan.snapshot.check_xlsx", lambda *a, **k: None)
    plan.write_bytes(data[: len(data) // 2])                             # stays half-saved
    assert main(["snapshot", "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "could not take a snapshot" in err and "on each of 4 tries" in err
    assert {p.name for p in (project / "workbooks" / "history").iterdir()} == SHIPPED_HISTORY


# -- lock files --------------------------------------------------------------------------------------

def excel_owner_file(path: Path, user: str) -> None:
    """Excel's ~$ owner file: a length byte, the user name, padding, then the name in UTF-16."""
    name = user.encode("cp1252")
    data = bytes([len(name)]) + name + b" " * (53 - len(name))
    data += bytes([len(user), 0]) + user.encode("utf-16-le")
    path.write_bytes(data.ljust(165, b" "))


def test_an_open_workbook_names_who_and_since_when(project, capsys):
    plan = project / "workbooks" / "plan.xlsx"
    excel_owner_file(project / "workbooks" / "~$plan.xlsx", "Alice Smith")
    before = plan.read_bytes()
    assert main(["format", str(plan)]) == 2
    err = capsys.readouterr().err
    assert "open in a spreadsheet program by Alice Smith since" in err and dt.date.today().strftime("%d/%m/%Y") in err
    assert plan.read_bytes() == before


def test_libreoffice_lock_names_who(project, capsys):
    plan = project / "workbooks" / "plan.xlsx"
    (project / "workbooks" / ".~lock.plan.xlsx#").write_text("Bob Jones,laptop,bob,23.11.2026 08:14,file:///x;")
    assert main(["format", str(plan)]) == 2
    assert "by Bob Jones since" in capsys.readouterr().err


def test_a_stale_lock_is_warned_about_and_passed(project, capsys):
    plan = project / "workbooks" / "plan.xlsx"
    lock = project / "workbooks" / "~$plan.xlsx"
    excel_owner_file(lock, "Carol")
    old = time.time() - 3 * 86400
    os.utime(lock, (old, old))
    assert main(["format", str(plan)]) == 0
    out = capsys.readouterr().out
    assert "says Carol opened plan.xlsx" in out and "left behind by a crash" in out
    assert list((project / "workbooks" / "backups").glob("plan.*.xlsx"))


# -- a full disk or a read-only folder at each write ------------------------------------------------

_MKSTEMP = xlplan.files.tempfile.mkstemp


class FailingWrites:
    """Make the n-th file xlplan opens for writing fail, as a full disk would. Each one takes
    the place of the one before: a run that writes fewer files than the last (drafts left as
    they were) must not meet an earlier run's failure."""

    def __init__(self, monkeypatch, failing: int, error=errno.ENOSPC):
        self.count, self.failing, self.error = 0, failing, error
        real = _MKSTEMP

        def mkstemp(*args, **kwargs):
            self.count += 1
            if self.count == self.failing:
                raise OSError(self.error, os.strerror(self.error), kwargs.get("dir", ""))
            return real(*args, **kwargs)

        monkeypatch.setattr(xlplan.files.tempfile, "mkstemp", mkstemp)


WRITERS = {
    "export": ["export", "workbooks/plan.xlsx", "-o", "out/actions.json"],
    "init": ["init", "out/new.xlsx", "--from", "workbooks/plan.xlsx"],
    "import": ["import", "workbooks/plan.xlsx", "-o", "out/imported.xlsx"],
    "validate": ["validate", "workbooks/plan.xlsx", "-o", "out/findings.xlsx"],
    "compare": ["compare", "workbooks/history/plan.2026-11-16.xlsx", "workbooks/plan.xlsx", "-o", "out/changes.xlsx"],
    "summary": ["summary", "workbooks/plan.xlsx", "-o", "out/summary.xlsx"],
    "chase": ["chase", "workbooks/plan.xlsx", "-o", "out/chase.xlsx", "--outbox", "out/outbox"],
    "format": ["format", "workbooks/plan.xlsx"],
    "snapshot": ["snapshot"],
    "weekly": ["weekly"],
}


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and "backups" not in p.parts and "logs" not in p.parts}


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS], ids=["disk-full", "read-only"])
@pytest.mark.parametrize("command", WRITERS)
def test_a_failed_write_at_each_step_leaves_nothing_half_written(project, capsys, monkeypatch, command, error):
    (project / "out").mkdir()
    args = WRITERS[command] + ["--as-of", AS_OF] if command not in ("init", "import", "format") else WRITERS[command]
    # how many files does the command write when all goes well?
    clean = project.parent / f"{project.name}-clean"
    shutil.copytree(project, clean, symlinks=True)
    monkeypatch.chdir(clean)
    counter = FailingWrites(monkeypatch, failing=0)
    assert main(list(args)) in (0, 1)
    writes = counter.count
    capsys.readouterr()
    assert writes >= 1
    monkeypatch.chdir(project)
    for n in range(1, writes + 1):
        before = files_in(project)
        failing = FailingWrites(monkeypatch, failing=n, error=error)
        code = main(list(args))
        err = capsys.readouterr().err
        if failing.count < n:       # an earlier step stored what this run now finds done
            assert code in (0, 1), (n, err)
            continue
        assert code in (1, 2) and err.startswith("xlplan: ") and err.count("\n") == 1, (n, err)
        assert os.strerror(error) in err or (error == errno.ENOSPC and "the disk is full" in err), (n, err)
        after = files_in(project)
        for name, data in after.items():       # what is there is whole: an old file, or a complete new one
            if name in before and name.startswith("workbooks/plan.xlsx"):
                assert data == before[name], f"write {n} changed the shared workbook"
            if name.endswith(".xlsx"):
                assert zipfile.ZipFile(project / name).testzip() is None, f"write {n} left {name} broken"
        assert not [p for p in project.rglob(".*") if ".tmp" in p.name], f"write {n} left a temporary file"
    FailingWrites(monkeypatch, failing=0)
    assert main(list(args)) in (0, 1)                                    # and the next run works
    capsys.readouterr()


# -- the mail server ------------------------------------------------------------------------------

def chase_plan(tmp_path):
    header = ["Ref", "Action", "Lead", "Due", "RAG", "Progress"]
    rows = [["1.1", "a", "DCS", "Jan 09", "Amber", None], ["1.2", "b", "HR Lead", "Jan 09", "Amber", None],
            ["1.3", "c", "HSCB Chair", "Jan 09", "Red", None]]
    leads = [["Lead", "Email"], ["DCS", "dcs@example.org"], ["HR Lead", "hr@example.org"], ["HSCB Chair", "chair@example.org"]]
    return write_rows(tmp_path / "plan.xlsx", [header, *rows], extra_sheets={"Leads": leads})


def test_one_refused_recipient_does_not_stop_the_others(tmp_path, capsys, smtp_server):
    handler, address = smtp_server, smtp_server.address
    handler.refuse = {"hr@example.org"}
    args = ["chase", str(chase_plan(tmp_path)), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "out"),
            "--send", "--smtp", address, "--sender", "bm@example.org", "--json"]
    assert main(args) == 1                                   # done, but part of it did not finish
    sent = {l["lead"]: l["sent"] for l in json.loads(capsys.readouterr().out)["leads"]}
    assert sent["DCS"] == "sent" and sent["HSCB Chair"] == "sent" and sent["HR Lead"].startswith("failed")
    assert len(handler.messages) == 2
    log = (tmp_path / "out" / "sent-log.jsonl").read_text()
    assert "dcs@example.org" in log and "hr@example.org" not in log
    handler.refuse = set()                                   # the mailbox is back
    assert main(args) == 0
    again = {l["lead"]: l["sent"] for l in json.loads(capsys.readouterr().out)["leads"]}
    assert again["HR Lead"] == "sent" and again["DCS"].startswith("already sent")
    assert len(handler.messages) == 3                        # only the one that failed went again


def test_a_slow_server_times_out_and_says_so(tmp_path, capsys, smtp_server):
    handler, address = smtp_server, smtp_server.address
    handler.delay = 3
    (tmp_path / "c.toml").write_text("[chase]\ntimeout_seconds = 0.5\n")
    code = main(["chase", str(chase_plan(tmp_path)), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "out"),
                 "--send", "--smtp", address, "--sender", "bm@example.org", "--config", str(tmp_path / "c.toml")])
    assert code == 1 and "failed" in capsys.readouterr().out


# -- killed mid-run -------------------------------------------------------------------------------

def test_killed_at_random_points_the_next_run_completes(project):
    """SIGKILL `xlplan weekly` at random moments, again and again; then a run completes and
    the history holds no broken snapshot."""
    rng = random.Random(20261123)
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    for attempt in range(8):
        day = (dt.date(2026, 11, 23) + dt.timedelta(weeks=attempt // 2)).isoformat()
        if attempt % 2:                                       # a lead has edited the plan since
            shutil.copy(project / "workbooks" / "history" / "plan.2026-11-09.xlsx", project / "workbooks" / "plan.xlsx")
            (project / "workbooks" / "plan.xlsx").chmod(0o644)
        proc = subprocess.Popen([sys.executable, "-m", "xlplan", "weekly", "--as-of", day], cwd=project, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = subprocess.run([sys.executable, "-m", "xlplan", "weekly", "--as-of", "2026-12-21"], cwd=project, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (project / "reports" / "2026-12-21" / "xlplan-report-2026-12-21.xlsx").exists()
    config = load_config(project / "config" / "xlplan.toml")
    for snap in snapshots(project / "workbooks" / "history"):
        assert zipfile.ZipFile(snap.path).testzip() is None, snap.path
        assert len(read_plan(snap.path, config).actions) == 28
    leftovers = [p for p in project.rglob(".*") if ".tmp" in p.name or p.name.startswith(".2026-")]
    assert leftovers == []
