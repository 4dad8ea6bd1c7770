"""The command line: help for every command, exit codes, and bad input answered with one
plain sentence (exit 2, no traceback, nothing written)."""

import json
import re
import subprocess
import sys
import zipfile

import pytest
from conftest import PROJECT, REAL, SEED_000, write_rows
from openpyxl import Workbook

from xlplan.cli import cli, main

CONTRACT_COMMANDS = ["init", "import", "validate", "format", "compare", "chase", "summary",
                     "export", "weekly", "schedule"]
HEADER = ["Ref", "Action", "Lead officer", "By when", "RAG rating", "Progress statement"]


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


COMMANDS = sorted(cli.commands)                 # the CLI's own list, not one kept by hand
README_COMMANDS = re.findall(r"^\| `xlplan (\S+?)[` ]", (PROJECT / "README.md").read_text(encoding="utf-8")
                             .split("## Commands", 1)[1].split("\n\n", 2)[1], re.MULTILINE)


def test_every_command_is_in_the_readme_table_and_the_contract_s_are_all_there():
    assert set(CONTRACT_COMMANDS) <= set(COMMANDS)
    assert sorted(README_COMMANDS) == COMMANDS, "the README's command table and the CLI differ"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert f"Usage: xlplan {command}" in out
    description = out.split("\n\n")[1].strip()
    assert len(description) > 30, "a command needs real help text"
    assert "--config" in out


def test_top_level_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    listed = dict(re.findall(r"^  (\S+)\s+(.+)$", out.split("\nCommands:\n", 1)[1], re.MULTILINE))
    assert code == 0 and all(c in out for c in CONTRACT_COMMANDS)
    assert sorted(listed) == COMMANDS and all(len(line) > 20 for line in listed.values()), listed
    code, out, _ = run(capsys, "--version")
    assert code == 0 and "xlplan, version" in out


def test_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "xlplan", "export", str(SEED_000), "--json"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["actions"]) == 28


def test_export_json_has_the_contract_fields(capsys):
    code, out, _ = run(capsys, "export", str(SEED_000), "--json")
    data = json.loads(out)
    first = data["actions"][0]
    assert code == 0
    assert {"row", "ref", "action", "lead", "due", "due_text", "rag", "progress", "group"} <= set(first)
    assert (first["row"], first["ref"], first["due"], first["rag"]) == (18, "3.2 / 3.7", "2009-02-28", "Green")


def test_export_csv_to_a_file(tmp_path, capsys):
    target = tmp_path / "out.csv"
    code, out, err = run(capsys, "export", str(SEED_000), "--format", "csv", "-o", str(target))
    assert code == 0 and out == "" and "wrote 28 actions" in err
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("row,ref,action,lead,due,due_text,rag,progress,group")


def test_export_csv_neutralises_formula_text(tmp_path, capsys):
    path = write_rows(tmp_path / "p.xlsx", [HEADER, ["1.1", '=HYPERLINK("http://x","y")', "Ann", "Jan 13", "G", "-1 day"]])
    code, out, _ = run(capsys, "export", str(path), "--format", "csv")
    assert code == 0
    assert "'=HYPERLINK" in out and ",'-1 day" in out


def test_export_table_for_people(capsys):
    code, out, _ = run(capsys, "export", str(SEED_000), "--format", "table")
    assert code == 0 and "28 actions" in out and "3.2 / 3.7" in out


# -- bad input: one case a row, each stating what the user sees -----------------------------

def _not_a_workbook(tmp):
    (tmp / "p.xlsx").write_bytes(bytes(range(256)) * 8)
    return tmp / "p.xlsx", "is not an Excel workbook"


def _old_xls(tmp):
    return REAL / "old-format.xls", "old-style .xls workbook"


def _csv_renamed(tmp):
    (tmp / "p.xlsx").write_text("Ref,Action,Lead\n1.1,Do it,Ann\n")
    return tmp / "p.xlsx", "holds plain text (CSV or tab-separated)"


def _password(tmp):
    return REAL / "password-protected.xlsx", "is password-protected"


def _empty_sheet(tmp):
    Workbook().save(tmp / "p.xlsx")
    return tmp / "p.xlsx", "is empty; there are no actions"


def _no_header(tmp):
    return write_rows(tmp / "p.xlsx", [["Notes of the meeting"], ["nothing", "here"]]), "no header row found"


def _empty_file(tmp):
    (tmp / "p.xlsx").write_bytes(b"")
    return tmp / "p.xlsx", "is empty (0 bytes)"


def _missing(tmp):
    return tmp / "nope.xlsx", "does not exist"


def _zip_not_xlsx(tmp):
    with zipfile.ZipFile(tmp / "p.xlsx", "w") as z:
        z.writestr("readme.txt", "hello")
    return tmp / "p.xlsx", "is a zip file but not an Excel workbook"


def _truncated(tmp):
    data = (PROJECT / "workbooks" / "plan.xlsx").read_bytes()
    (tmp / "p.xlsx").write_bytes(data[: len(data) // 2])
    return tmp / "p.xlsx", "is damaged: it is cut short"


def _zip_bomb(tmp):
    # Small on disk, 3 MB of XML unpacked; the config below allows 1 MB.
    with zipfile.ZipFile(tmp / "p.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<a>" + " " * 3_000_000 + "</a>")
    (tmp / "config").mkdir()
    (tmp / "config" / "xlplan.toml").write_text("[limits]\nmax_unpacked_mb = 1\n")
    return tmp / "p.xlsx", "possible zip bomb"


BAD_INPUTS = [_not_a_workbook, _old_xls, _csv_renamed, _password, _empty_sheet, _no_header,
              _empty_file, _missing, _zip_not_xlsx, _truncated, _zip_bomb]


@pytest.mark.parametrize("make", BAD_INPUTS, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("command", ["export", "init", "import", "validate", "summary", "chase", "compare"])
def test_bad_input_gets_one_sentence_and_exit_2(tmp_path, capsys, monkeypatch, make, command):
    monkeypatch.chdir(tmp_path)
    path, words = make(tmp_path)
    target = tmp_path / "out.xlsx"
    args = {"export": ["export", str(path), "-o", str(tmp_path / "out.json")],
            "init": ["init", str(target), "--from", str(path)],
            "import": ["import", str(path), "-o", str(target)],
            "validate": ["validate", str(path), "-o", str(target)],
            "summary": ["summary", str(path), "-o", str(target)],
            "chase": ["chase", str(path), "-o", str(target), "--outbox", str(tmp_path / "outbox")],
            "compare": ["compare", str(SEED_000), str(path), "-o", str(target)]}[command]
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.startswith("xlplan: ") and err.count("\n") == 1, err
    assert words in err
    assert path.name in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.json").exists() and not target.exists() and not (tmp_path / "outbox").exists()
    assert not list(tmp_path.glob(".*.tmp*"))


def test_wrong_sheet_name(tmp_path, capsys):
    path = write_rows(tmp_path / "p.xlsx", [HEADER, ["1.1", "a", "Ann", "Jan 13", "G", "ok"]])
    code, _, err = run(capsys, "export", str(path), "--sheet", "Actions")
    assert code == 2 and 'sheet "Actions" not found' in err and '"Plan"' in err


def test_bad_config_is_exit_2_naming_the_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[rag]\nfill_tolerance = 60\n[[rag.levels]]\nlabel = "Red"\ncolour = "#FF0000"\n')
    code, out, err = run(capsys, "export", str(SEED_000), "--config", str(bad))
    assert code == 2 and out == ""
    assert "colour must be six hex digits" in err and str(bad) in err


@pytest.mark.parametrize("value", ["2026-23-11", "23.11.2026", "11/23/2026", "31/02/2026", "23/11/26", "soon", ""])
@pytest.mark.parametrize("option", ["--as-of", "--plan-date"])
def test_a_bad_date_is_a_usage_error_naming_both_forms(capsys, option, value):
    code, out, err = run(capsys, "export", str(SEED_000), option, value)
    assert code == 2 and out == ""
    assert err.startswith(f"xlplan: Invalid value for '{option}'") and err.count("\n") == 1, err
    assert "2026-11-23 or 23/11/2026" in err


@pytest.mark.parametrize("option, iso, uk", [("--as-of", "2026-11-23", "23/11/2026"),
                                             ("--as-of", "2026-03-05", "5/3/2026"),
                                             ("--plan-date", "2011-03-22", "22/03/2011")])
def test_dates_are_taken_day_first_as_well_as_iso(capsys, option, iso, uk):
    """Seed 004's "By end June" and "Immediate" are read against the plan date; its overdue
    actions against the as-of date: the two forms must give the same reading."""
    seed = SEED_000.parent / "004_498ca0c0c89041b6.txt"
    outputs = []
    for value in (iso, uk):
        code, out, err = run(capsys, "validate", str(seed), "--json", option, value)
        assert code in (0, 1), err
        outputs.append(out)
    assert outputs[0] == outputs[1]
    code, other, _ = run(capsys, "validate", str(seed), "--json", option, "2001-01-01")
    assert other != outputs[0]                      # the date is really used


def test_bare_xlplan_prints_the_help_as_help_does(capsys):
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    _, help_out, _ = run(capsys, "--help")
    assert out == help_out
    assert out.startswith("Usage: xlplan [OPTIONS] COMMAND [ARGS]...\n\n")
    assert "\nCommands:\n" in out and out.count("\n") > 20


def test_a_bug_is_exit_70_in_one_sentence(capsys, monkeypatch):
    """The contract: 70 for an unexpected internal error, so a scheduler can tell a bug from
    a bad file (2); one sentence, no traceback; --debug shows it."""
    def broken(plan):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("xlplan.report.export.to_json", broken)
    code, out, err = run(capsys, "export", str(SEED_000))
    assert code == 70 and out == ""
    assert err == ("xlplan: could not finish (ZeroDivisionError: division by zero); run again with "
                   "--debug for the details and report it\n")
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "export", str(SEED_000)])


def test_a_full_disk_under_xlsxwriter_is_not_a_bug(tmp_path, capsys, monkeypatch):
    """xlsxwriter wraps the system's error in its own FileCreateError: still exit 2, saying
    what the system said, not "report it"."""
    import errno

    from xlsxwriter.exceptions import FileCreateError

    def full(self, *args, **kwargs):
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "f.xlsx")))

    monkeypatch.setattr("xlsxwriter.Workbook.close", full)
    code, _, err = run(capsys, "validate", str(SEED_000), "-o", str(tmp_path / "f.xlsx"))
    assert code == 2 and "No space left on device" in err and "report it" not in err, err
    assert not (tmp_path / "f.xlsx").exists()


@pytest.mark.parametrize("command", [["weekly"], ["weekly", "--json"], ["snapshot"], ["schedule", "--once"],
                                     ["weekly", "--as-of", "23/11/2026"]])
def test_no_config_and_no_workbook_says_so_and_writes_nothing(tmp_path, capsys, monkeypatch, command):
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)
    code, out, err = run(capsys, *command)
    assert code == 2 and out == ""
    assert err.startswith("xlplan: no config file found (looked for config/xlplan.toml in "
                          f"{folder.resolve()}, {folder.resolve().parent}, "), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "workbooks/plan.xlsx does not exist" in err and "pass --config PATH" in err
    assert list(folder.iterdir()) == [], "a run that could not start wrote something"


def test_a_missing_workbook_with_a_config_writes_nothing(tmp_path, capsys, monkeypatch):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "xlplan.toml").write_text('[workbook]\npath = "shared/plan.xlsx"\n')
    monkeypatch.chdir(tmp_path)
    for command in (["weekly"], ["snapshot"]):
        code, _, err = run(capsys, *command)
        assert code == 2 and "plan.xlsx does not exist" in err and "no config" not in err, err
        assert [p.name for p in tmp_path.iterdir()] == ["config"]


def test_export_of_seed_000_as_the_board_kept_it(tmp_path, capsys):
    """The Done-when of the foundation issue, through the command: every rating (symbols,
    words, "No data", colour-only, one a theme colour) as its canonical label, and the dates."""
    from conftest import seed_000_expected, seed_000_workbook

    code, out, _ = run(capsys, "export", str(seed_000_workbook(tmp_path / "board.xlsx")), "--json")
    actions = json.loads(out)["actions"]
    assert code == 0
    assert {a["ref"]: a["rag"] for a in actions} == seed_000_expected()
    assert {a["due"] for a in actions} == {"2009-02-28", "2009-03-31", "2009-04-30"}


@pytest.mark.parametrize("command", ["summary", "exceptions", "chase"])
def test_the_business_manager_s_commands_default_to_the_shared_workbook(capsys, tmp_path, monkeypatch, command):
    import shutil

    shutil.copytree(PROJECT / "workbooks", tmp_path / "workbooks")
    shutil.copytree(PROJECT / "config", tmp_path / "config")
    monkeypatch.chdir(tmp_path)
    extra = ["--outbox", str(tmp_path / "out")] if command == "chase" else []
    code, out, err = run(capsys, command, "--json", "--as-of", "2026-11-23", *extra)
    assert code in (0, 1) and "Missing argument" not in err
    _, given, _ = run(capsys, command, str(tmp_path / "workbooks" / "plan.xlsx"), "--json", "--as-of", "2026-11-23", *extra)
    assert json.loads(out) == json.loads(given)
