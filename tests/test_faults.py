"""Faults in the middle of a run: the workbook saved by a lead while it is read, a lock file
left open, a full disk or read-only folder at each write, a mail server down, slow or refusing
one recipient, and the process killed at each step of a run."""

import datetime as dt
import errno
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import PROJECT, SHIPPED_HISTORY, write_rows

import xlplan.run.files
from xlplan.cli import main
from xlplan.config import load_config
from xlplan.plan import read_plan
from xlplan.workbook.snapshot import snapshots, take_snapshot

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

    monkeypatch.setattr("xlplan.workbook.snapshot.time.sleep", sleep)
    monkeypatch.setattr("xlplan.workbook.snapshot.check_xlsx", lambda *a, **k: None)  # the file moves under it
    result = take_snapshot(config, as_of=dt.date(2026, 11, 23))
    assert result.stored and result.snapshot.path.read_bytes() == whole
    assert steps == [0.5, 1.0]                                           # backing off


def test_snapshot_gives_up_with_a_clear_message_and_stores_nothing(project, monkeypatch, capsys):
    plan = project / "workbooks" / "plan.xlsx"
    data = plan.read_bytes()
    monkeypatch.setattr("xlplan.workbook.snapshot.time.sleep", lambda s: None)
    monkeypatch.setattr("xlplan.workbook.snapshot.check_xlsx", lambda *a, **k: None)
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

_MKSTEMP = xlplan.run.files.tempfile.mkstemp


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

        monkeypatch.setattr(xlplan.run.files.tempfile, "mkstemp", mkstemp)


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
    "requests": ["requests", "workbooks/plan.xlsx", "--outbox", "out/requests"],
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

# A runner that imports xlplan once and forks a weekly run per kill point: the child counts the
# steps that create, replace, rename or remove something in its folder (xlplan's temporary
# files and folders, the snapshot, the drafts, the report folder) and SIGKILLs itself just
# before the k-th; then a run for the next week goes to the end. Every step is hit, on every
# machine, however fast or slow: nothing hangs on timing.
KILL_AT_EACH_STEP = r"""
import json, os, shutil, signal, sys, tempfile
from pathlib import Path
import xlplan.run.scheduler, xlplan.run.weekly              # imported once, not in every child
from xlplan.cli import main

base, root, killed_day, next_day = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]


def run(folder, as_of, kill_at=0):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            os.chdir(folder)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            here, steps = os.getcwd() + os.sep, []

            def counted(fn, where):
                def call(*args, **kwargs):
                    target = os.path.abspath(str(where(args, kwargs)))
                    if target.startswith(here):
                        steps.append(target[len(here):])
                        if len(steps) == kill_at:
                            os.kill(os.getpid(), signal.SIGKILL)
                    return fn(*args, **kwargs)
                return call

            first = lambda args, kwargs: args[0]
            for module, name, where in ((os, "replace", first), (os, "rename", first), (shutil, "rmtree", first),
                                        (tempfile, "mkstemp", lambda a, k: k.get("dir") or "/"),
                                        (tempfile, "mkdtemp", lambda a, k: k.get("dir") or "/")):
                setattr(module, name, counted(getattr(module, name), where))
            code = main(["weekly", "--as-of", as_of])
            os.write(write, json.dumps(steps).encode())
            os._exit(code)
        except BaseException:
            os._exit(70)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        steps = json.loads(pipe.read() or "[]")
    status = os.waitpid(pid, 0)[1]
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    return steps, killed, None if killed else os.waitstatus_to_exitcode(status)


shutil.copytree(base, root / "0", symlinks=True)          # the same two runs, not killed
steps, _, code = run(root / "0", killed_day)
code = [code, run(root / "0", next_day)[2]]
runs = []
for k in range(1, len(steps) + 1):
    shutil.copytree(base, root / str(k), symlinks=True)
    _, killed, _ = run(root / str(k), killed_day, kill_at=k)
    runs.append({"kill_at": k, "killed": killed, "next": run(root / str(k), next_day)[2]})
print(json.dumps({"steps": steps, "code": code, "runs": runs}))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kills forked runs")
def test_killed_at_every_step_the_next_run_completes(project):
    """A lead has edited the plan and `xlplan weekly` is run again for a week it already
    reported (a new snapshot, the report folder replaced, the drafts rewritten); it is killed
    just before each step in turn. Then the next week's run completes, the history holds no
    broken snapshot, the earlier week's report is still there, and nothing temporary is left."""
    assert main(["weekly", "--as-of", AS_OF]) == 0
    shutil.copy(project / "workbooks" / "history" / "plan.2026-11-09.xlsx", project / "workbooks" / "plan.xlsx")
    (project / "workbooks" / "plan.xlsx").chmod(0o644)
    root = project.parent / f"{project.name}-killed"
    root.mkdir()
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-c", KILL_AT_EACH_STEP, str(project), str(root), AS_OF, "2026-11-30"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["code"] == [0, 0]
    touched = {Path(step).parts[0] for step in result["steps"]}
    assert {"reports", "outbox", "workbooks"} <= touched, result["steps"]   # the report, the drafts, the snapshot
    assert [r["kill_at"] for r in result["runs"] if not r["killed"]] == []
    assert [r for r in result["runs"] if r["next"] != 0] == []
    config = load_config(project / "config" / "xlplan.toml")
    drafts = sorted(p.name for p in (root / "0" / "outbox" / "2026-11-30").glob("*.eml"))
    assert drafts
    for k in range(1, len(result["steps"]) + 1):
        folder = root / str(k)
        for day in (AS_OF, "2026-11-30"):
            report = folder / "reports" / day / f"xlplan-report-{day}.xlsx"
            assert report.is_file() and zipfile.ZipFile(report).testzip() is None, (k, report)
        assert sorted(p.name for p in (folder / "outbox" / "2026-11-30").glob("*.eml")) == drafts, k
        for snap in snapshots(folder / "workbooks" / "history"):
            assert zipfile.ZipFile(snap.path).testzip() is None, (k, snap.path)
            assert len(read_plan(snap.path, config).actions) == 28
        leftovers = [p for p in folder.rglob(".*") if ".tmp" in p.name or p.name.startswith(".2026-")]
        assert leftovers == [], k


def test_a_later_run_sweeps_an_earlier_weeks_outbox(project, capsys):
    """A run killed while writing the drafts of 30/11 left a temporary draft; the run of
    07/12 writes elsewhere, yet removes it, and leaves the team's own files there alone."""
    week = project / "outbox" / "2026-11-30"
    week.mkdir(parents=True)
    left = [week / ".01-Assistant-Chief-Executive-HR.iw0haa72.tmp.eml", project / "outbox" / ".sent-log.k3j_9x0a.tmp.jsonl"]
    theirs = [week / "01-Assistant-Chief-Executive-HR.eml", week / "notes for Monday.txt", week / ".notes.tmp.txt",
              project / "outbox" / "mine" / ".draft.abcdefgh.tmp.eml"]
    for path in left + theirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    assert main(["weekly", "--as-of", "2026-12-07"]) == 0
    capsys.readouterr()
    assert [p for p in left if p.exists()] == []
    assert [p for p in theirs if not p.exists()] == []
    assert list((project / "outbox" / "2026-12-07").glob("*.eml"))
