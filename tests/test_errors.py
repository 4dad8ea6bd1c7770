"""Errors that say what kind: each kind of failure, met the way a business manager meets it,
gives its exit code and one sentence on stderr, and is raised as its own class (--debug lets
it through, so the class can be checked)."""

import errno
import inspect
import json
import os

import pytest
from conftest import write_rows

import xlplan.errors as errors
from xlplan.cli import main
from xlplan.config import load_config
from xlplan.errors import (
    Busy,
    ConfigError,
    DeliveryFailed,
    InputError,
    OutputError,
    RunFailed,
    WorkbookBusy,
    WorkbookError,
    XlplanError,
)

AS_OF = "2026-11-23"

# The tree, and the code of each kind: 2 an input (or config, or output) xlplan cannot use,
# 1 done but part of the work could not finish.
CODES = {XlplanError: 2, InputError: 2, WorkbookError: 2, Busy: 2, WorkbookBusy: 2, ConfigError: 2,
         OutputError: 2, DeliveryFailed: 1, RunFailed: 1}


def test_each_kind_has_a_one_line_docstring_and_its_code():
    kinds = {c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, XlplanError)}
    assert kinds == set(CODES)
    for kind, code in CODES.items():
        assert kind.exit_code == code, kind
        assert kind.__doc__ and "\n" not in kind.__doc__.strip(), kind
    assert issubclass(WorkbookBusy, Busy) and issubclass(Busy, InputError) and issubclass(WorkbookError, InputError)


def fail_writes(monkeypatch, error=errno.ENOSPC):
    """Every new file fails, as on a full disk (xlplan writes each file through a temporary one)."""
    def mkstemp(*args, **kwargs):
        raise OSError(error, os.strerror(error), kwargs.get("dir", ""))

    monkeypatch.setattr("xlplan.run.files.tempfile.mkstemp", mkstemp)


def one_sentence(capsys, args: list[str], code: int) -> str:
    """Run the command: it gives `code` and one line on stderr, no traceback."""
    assert main(args) == code
    err = capsys.readouterr().err
    assert err.startswith("xlplan: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def raised(capsys, args: list[str]) -> BaseException:
    """The exception the command raises (--debug lets it through)."""
    with pytest.raises(BaseException) as caught:
        main(["--debug", *args])
    capsys.readouterr()
    return caught.value


# -- each kind, as it is met --------------------------------------------------------------------

def test_an_unusable_input(project, capsys):
    args = ["history", "--as-of", AS_OF, "--ref", "9.9"]
    err = one_sentence(capsys, args, 2)
    assert "no action 9.9" in err
    assert type(raised(capsys, args)) is InputError


def test_a_file_that_is_not_a_plan(tmp_path, capsys):
    fake = tmp_path / "plan.xlsx"
    fake.write_text("Ref,Action,Lead\n1.1,a,DCS\n")
    args = ["validate", str(fake)]
    err = one_sentence(capsys, args, 2)
    assert str(fake) in err
    assert type(raised(capsys, args)) is WorkbookError


def test_a_workbook_open_in_a_spreadsheet_program(project, capsys):
    (project / "workbooks" / "~$plan.xlsx").write_bytes(b"\x05Alice")
    args = ["format", "workbooks/plan.xlsx"]
    err = one_sentence(capsys, args, 2)
    assert "open in a spreadsheet program by Alice" in err
    assert type(raised(capsys, args)) is WorkbookBusy


def test_another_run_holding_the_lock(project, capsys):
    from xlplan.run.scheduler import run_lock

    with run_lock(load_config(project / "config" / "xlplan.toml")):
        err = one_sentence(capsys, ["weekly", "--as-of", AS_OF], 2)
        assert "already running" in err
        assert type(raised(capsys, ["weekly", "--as-of", AS_OF])) is Busy


def test_a_setting_the_command_needs_is_not_set(project, capsys):
    args = ["chase", "workbooks/plan.xlsx", "--as-of", AS_OF, "--send"]
    err = one_sentence(capsys, args, 2)
    assert "set [chase] sender in" in err
    assert type(raised(capsys, args)) is ConfigError
    assert not (project / "outbox").exists()                 # refused before any work was done


def test_a_bad_config_file(tmp_path, capsys):
    (tmp_path / "c.toml").write_text("[chase]\nreply_days = 'five'\n")
    args = ["validate", str(write_rows(tmp_path / "p.xlsx", [["Ref", "Action", "Lead", "RAG"]])),
            "--config", str(tmp_path / "c.toml")]
    err = one_sentence(capsys, args, 2)
    assert "reply_days" in err
    assert type(raised(capsys, args)) is ConfigError


def test_an_output_in_a_folder_that_is_a_file(project, capsys):
    (project / "out").write_text("not a folder")
    args = ["export", "workbooks/plan.xlsx", "-o", "out/actions.json"]
    err = one_sentence(capsys, args, 2)
    assert "could not write out/actions.json" in err and "report it" not in err
    assert type(raised(capsys, args)) is OutputError


def test_an_output_on_a_full_disk(project, capsys, monkeypatch):
    fail_writes(monkeypatch)
    args = ["validate", "workbooks/plan.xlsx", "-o", "findings.xlsx"]
    err = one_sentence(capsys, args, 2)
    assert "No space left on device" in err and "report it" not in err
    assert type(raised(capsys, args)) is OutputError
    assert not (project / "findings.xlsx").exists()


def test_an_email_the_server_refuses(tmp_path, capsys, smtp_server):
    smtp_server.refuse = {"hr@example.org"}
    header = ["Ref", "Action", "Lead", "Due", "RAG", "Progress"]
    rows = [["1.1", "a", "DCS", "Jan 09", "Amber", None], ["1.2", "b", "HR Lead", "Jan 09", "Amber", None]]
    leads = [["Lead", "Email"], ["DCS", "dcs@example.org"], ["HR Lead", "hr@example.org"]]
    plan = write_rows(tmp_path / "plan.xlsx", [header, *rows], extra_sheets={"Leads": leads})
    args = ["chase", str(plan), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "out"), "--send",
            "--smtp", smtp_server.address, "--sender", "bm@example.org", "--json"]
    assert main(args) == 1
    captured = capsys.readouterr()
    sent = {l["lead"]: l["sent"] for l in json.loads(captured.out)["leads"]}   # the output is all there
    assert sent["DCS"] == "sent" and sent["HR Lead"].startswith("failed")
    last = captured.err.splitlines()[-1]                     # after the notes (this plan has no history)
    assert last.startswith("xlplan: 1 of 2 chase emails could not be sent (HR Lead: ") and "mailbox unavailable" in last
    assert "running the command again sends only those" in last
    assert type(raised(capsys, args)) is DeliveryFailed
    assert len(smtp_server.messages) == 1                    # and DCS was not sent theirs twice


def test_a_weekly_run_that_cannot_finish(project, capsys, monkeypatch):
    fail_writes(monkeypatch)
    args = ["weekly", "--as-of", AS_OF]
    err = one_sentence(capsys, args, 1)
    assert "could not finish" in err and "No space left on device" in err and "no report was written" in err
    assert type(raised(capsys, args)) is RunFailed
    assert not (project / "reports" / AS_OF).exists()


def test_a_bug_is_not_a_kind(project, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("by_rag")

    monkeypatch.setattr("xlplan.summary.summarise", broken)
    args = ["summary", "workbooks/plan.xlsx", "--as-of", AS_OF]
    err = one_sentence(capsys, args, 70)
    assert "KeyError" in err and "report it" in err
    assert type(raised(capsys, args)) is KeyError


# -- the weekly run tells a busy workbook from a failure by its class ----------------------------

def _format_weekly(project):
    config_file = project / "config" / "xlplan.toml"
    assert "[weekly]" not in config_file.read_text()
    config_file.write_text(config_file.read_text() + "\n[weekly]\nformat = true\n")


def test_weekly_with_the_workbook_open_notes_it_and_does_not_fail(project, capsys):
    _format_weekly(project)
    (project / "workbooks" / "~$plan.xlsx").write_bytes(b"\x05Alice")
    before = (project / "workbooks" / "plan.xlsx").read_bytes()
    assert main(["weekly", "--as-of", AS_OF]) == 0
    out = capsys.readouterr().out
    assert "note: plan.xlsx is open: formatting left for the next run" in out and "by Alice" in out
    assert "problem:" not in out
    assert (project / "workbooks" / "plan.xlsx").read_bytes() == before
    assert (project / "reports" / AS_OF / f"xlplan-report-{AS_OF}.xlsx").exists()


@pytest.mark.parametrize("error, code, line", [
    (WorkbookBusy("plan.xlsx is being saved by Bob"), 0, "note: plan.xlsx is open: formatting left for the next run"),
    (XlplanError("plan.xlsx is open in a spreadsheet program (so the words say)"), 1,
     "problem: formatting the shared workbook failed"),
], ids=["busy-in-other-words", "the-words-but-not-busy"])
def test_weekly_knows_a_busy_workbook_by_its_class_not_its_words(project, capsys, monkeypatch, error, code, line):
    _format_weekly(project)

    def format_plan(*args, **kwargs):
        raise error

    monkeypatch.setattr("xlplan.workbook.reformat.format_plan", format_plan)
    assert main(["weekly", "--as-of", AS_OF]) == code
    assert line in capsys.readouterr().out
