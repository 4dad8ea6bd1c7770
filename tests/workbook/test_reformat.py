"""format: the live formatting applied to the shared workbook itself, never losing anything."""

import errno
import json
import os
import stat
import zipfile

import pytest
from conftest import (
    REAL,
    everything_workbook,
    other_group,
    parts,
    seed_000_workbook,
    write_rows,
)
from lxml import etree
from openpyxl import load_workbook

from xlplan.cli import main
from xlplan.plan import read_plan
from xlplan.workbook import reformat as formatter

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
OURS = {"conditionalFormatting", "dataValidations"}



def without_ours(xml: bytes) -> list[bytes]:
    """The sheet's children other than the formatting xlplan manages, canonicalised."""
    root = etree.fromstring(xml)
    return [etree.tostring(c, method="c14n") for c in root if etree.QName(c).localname not in OURS]


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_nothing_is_lost(tmp_path, config, suffix):
    path = everything_workbook(tmp_path / f"plan{suffix}", tmp_path)
    before = parts(path)
    result = formatter.format_plan(path, config)
    after = parts(path)
    assert result.written == path and result.backup.exists()
    assert list(after) == list(before)                     # same parts, same order
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"xl/worksheets/sheet1.xml", "xl/styles.xml"}
    assert without_ours(after["xl/worksheets/sheet1.xml"]) == without_ours(before["xl/worksheets/sheet1.xml"])
    if suffix == ".xlsm":
        assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    wb = load_workbook(path)
    ws = wb["Plan"]
    assert ws["C3"].comment.text.startswith("Check with the DCS")
    assert ws["J3"].hyperlink.target == "https://example.org/evidence/1.1"
    assert "Actions" in wb.defined_names
    assert wb["Notes"]["A1"].value == "Minutes of the March board"
    # openpyxl sees images only with Pillow installed (the test extra has it); it drops them
    # when it re-saves without Pillow, which is one reason format never re-saves with openpyxl.
    assert len(ws._images) == 1 and len(ws._charts) == 1
    # the manager's own rules are still there, beside xlplan's
    assert any(dv.formula1 == '"High,Low"' for dv in ws.data_validations.dataValidation)
    formulas = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules if r.formula]
    assert '"High"' in formulas and any("TODAY()" in f for f in formulas)


def test_the_backup_is_the_original(tmp_path, config):
    path = everything_workbook(tmp_path / "plan.xlsx", tmp_path)
    original = path.read_bytes()
    result = formatter.format_plan(path, config)
    assert result.backup.read_bytes() == original
    assert result.backup.parent == tmp_path / "backups"


def test_twice_changes_nothing(tmp_path, config, capsys):
    path = everything_workbook(tmp_path / "plan.xlsx", tmp_path)
    assert main(["format", str(path)]) == 0
    once = path.read_bytes()
    backups = list((tmp_path / "backups").iterdir())
    assert main(["format", str(path)]) == 0
    assert "already formatted" in capsys.readouterr().out
    assert path.read_bytes() == once and list((tmp_path / "backups").iterdir()) == backups
    ws = load_workbook(path)["Plan"]
    assert len([cf for cf in ws.conditional_formatting]) < 14      # no duplicated rules


def test_init_workbook_keeps_one_set_of_rules(tmp_path, config, capsys):
    target = tmp_path / "plan.xlsx"
    main(["init", str(target), "--from", str(REAL.parent / "seeds" / "000_5f410cbe6595b4ac.txt")])
    rules_before = sum(len(cf.rules) for cf in load_workbook(target)["Plan"].conditional_formatting)
    main(["format", str(target)])
    main(["format", str(target)])
    rules_after = sum(len(cf.rules) for cf in load_workbook(target)["Plan"].conditional_formatting)
    assert rules_after == rules_before


@pytest.mark.parametrize("shared_mode", [0o664, 0o660], ids=["664", "660"])
def test_the_shared_workbook_keeps_its_mode_and_group(tmp_path, capsys, shared_mode):
    """On a shared drive the team reads and writes the plan through its group: formatting it
    in place (and backing it up) must not make it the business manager's alone."""
    path = everything_workbook(tmp_path / "shared.xlsx", tmp_path)
    path.chmod(shared_mode)
    group = other_group(path)
    if group is not None:
        os.chown(path, -1, group)
    gid = path.stat().st_gid
    before = os.umask(0o077)                       # whatever the umask of the run
    try:
        assert main(["format", str(path)]) == 0
    finally:
        os.umask(before)
    backup = next((tmp_path / "backups").glob("shared.*.xlsx"))
    assert "backup" in capsys.readouterr().out
    for written in (path, backup):
        assert (oct(stat.S_IMODE(written.stat().st_mode)), written.stat().st_gid) == (oct(shared_mode), gid)


def test_backups_are_kept_to_the_configured_number(tmp_path):
    from xlplan.config import load_config

    (tmp_path / "c.toml").write_text("[format]\nbackups = 2\n")
    config = load_config(tmp_path / "c.toml")
    path = write_rows(tmp_path / "plan.xlsx", [["Ref", "Action", "Lead", "RAG", "Progress"], ["1.1", "a", "DCS", "Amber", "x"]])
    for _ in range(4):
        path.write_bytes(write_rows(tmp_path / "fresh.xlsx", [["Ref", "Action", "Lead", "RAG", "Progress"],
                                                              ["1.1", "a", "DCS", "Amber", "x"]]).read_bytes())
        formatter.format_plan(path, config)
    assert len(list((tmp_path / "backups").glob("plan.*.xlsx"))) == 2


def test_the_backup_just_made_is_never_pruned_as_another_workbook_s(tmp_path):
    # The review's case: backups of "plan.old.xlsx" share the folder and sort after
    # "plan.2026..."; pruning must count only this workbook's own copies.
    from xlplan.config import load_config

    (tmp_path / "c.toml").write_text("[format]\nbackups = 2\n")
    config = load_config(tmp_path / "c.toml")
    (tmp_path / "backups").mkdir()
    theirs = [tmp_path / "backups" / f"plan.old.20261206-10000{i}-000000.xlsx" for i in range(5)]
    for other in theirs:
        other.write_bytes(b"another workbook's backup")
    path = write_rows(tmp_path / "plan.xlsx", [["Ref", "Action", "Lead", "RAG", "Progress"], ["1.1", "a", "DCS", "Amber", "x"]])
    made = formatter.backup(path, config)
    assert made.exists() and made.read_bytes() == path.read_bytes()
    assert all(other.exists() for other in theirs)


def test_copy_leaves_the_original_alone(tmp_path, config, capsys):
    path = seed_000_workbook(tmp_path / "board.xlsx")
    before = path.read_bytes()
    assert main(["format", str(path), "--copy", str(tmp_path / "formatted.xlsx")]) == 0
    assert path.read_bytes() == before and not (tmp_path / "backups").exists()
    formulas = [r.formula[0] for cf in load_workbook(tmp_path / "formatted.xlsx")["Sheet1"].conditional_formatting
                for r in cf.rules]
    assert any('="★"' in f for f in formulas)                 # the board's symbols get colours too
    assert "no Due column" in capsys.readouterr().out


def test_values_read_the_same_after(tmp_path, config):
    path = seed_000_workbook(tmp_path / "board.xlsx")
    before = [(a.ref, a.rag, a.due, a.progress) for a in read_plan(path, config).actions]
    formatter.format_plan(path, config)
    assert [(a.ref, a.rag, a.due, a.progress) for a in read_plan(path, config).actions] == before


def test_json(tmp_path, capsys):
    path = seed_000_workbook(tmp_path / "board.xlsx")
    assert main(["format", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["changed"] is True and data["rules"] == 9 and data["backup"]


# -- refusing, and failing safely: the original stays byte for byte ---------------------------

def test_refuses_while_open(tmp_path, capsys):
    path = seed_000_workbook(tmp_path / "board.xlsx")
    before = path.read_bytes()
    (tmp_path / "~$board.xlsx").write_bytes(b"\x05Alice" + b" " * 50)
    assert main(["format", str(path)]) == 2
    assert "is open in a spreadsheet program" in capsys.readouterr().err
    assert path.read_bytes() == before and not (tmp_path / "backups").exists()


def test_refuses_a_read_only_workbook(tmp_path, capsys):
    path = seed_000_workbook(tmp_path / "board.xlsx")
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        assert main(["format", str(path)]) == 2
        assert "is read-only" in capsys.readouterr().err
        assert path.read_bytes() == before
    finally:
        path.chmod(0o644)


def test_full_disk_leaves_the_original(tmp_path, capsys, monkeypatch):
    path = seed_000_workbook(tmp_path / "board.xlsx")
    before = path.read_bytes()

    def full(source, target, replaced):
        target.write_bytes(b"half a workbook")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(formatter, "write_package", full)
    assert main(["format", str(path)]) == 2
    err = capsys.readouterr().err
    assert "the disk is full" in err and "is unchanged" in err
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".*tmp*"))


def test_a_changed_value_is_caught_before_replacing(tmp_path, capsys, monkeypatch):
    path = seed_000_workbook(tmp_path / "board.xlsx")
    before = path.read_bytes()
    real = formatter.write_package

    def corrupting(source, target, replaced):
        with zipfile.ZipFile(source) as z:
            sheet = z.read("xl/worksheets/sheet1.xml")
        real(source, target, {**replaced, "xl/worksheets/sheet1.xml": sheet.replace(b"Assistant Chief", b"Asistant Chief", 1)})

    monkeypatch.setattr(formatter, "write_package", corrupting)
    assert main(["format", str(path)]) == 2
    assert "nothing was replaced" in capsys.readouterr().err
    assert path.read_bytes() == before


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_bytes(b"not a workbook at all"), "holds plain text"),
    (lambda p: p.write_bytes((REAL / "old-format.xls").read_bytes()), "old-style .xls"),
    (lambda p: p.write_bytes((REAL / "password-protected.xlsx").read_bytes()), "password-protected"),
    (lambda p: write_rows(p, [["Minutes"], ["none"]]), "no header row found"),
])
def test_bad_input_leaves_the_file_alone(tmp_path, capsys, make, words):
    path = tmp_path / "plan.xlsx"
    make(path)
    before = path.read_bytes()
    assert main(["format", str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
    assert path.read_bytes() == before and not (tmp_path / "backups").exists()
