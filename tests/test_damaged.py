"""Damaged and unusual workbooks end in a result or one sentence (issue 16): the whole package
is checked before use and a damaged part named in words; text from a file never breaks a
message into lines; an EOFError is a bug (exit 70), not the user stopping xlplan (130)."""

import io
import zipfile

import pytest
from conftest import PROJECT, write_rows

from xlplan.cli import main
from xlplan.errors import printable

PLAN = PROJECT / "workbooks" / "plan.xlsx"
ROWS = [["Ref", "Action", "Lead", "RAG"], ["1.1", "a", "DCS", "Amber"]]


def parts(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def repack(path, items):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            z.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def one_sentence(capsys, argv, code=2):
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.startswith("xlplan: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("part, words", [
    ("xl/styles.xml", "the workbook's styles (xl/styles.xml) cannot be read"),
    ("xl/worksheets/sheet2.xml", "one of its sheets (xl/worksheets/sheet2.xml) cannot be read"),
    ("xl/theme/theme1.xml", "its theme of colours and fonts (xl/theme/theme1.xml) cannot be read"),
    ("[Content_Types].xml", "its list of contents ([Content_Types].xml) cannot be read"),
    ("docProps/core.xml", "its document properties (docProps/core.xml) cannot be read"),
])
@pytest.mark.parametrize("damage", ["cut short", "bad crc"])
def test_a_damaged_part_is_named_in_words(tmp_path, capsys, part, words, damage):
    items = parts(PLAN)
    if damage == "cut short":
        items = [(n, d[:len(d) // 2] if n == part else d) for n, d in items]
        path = repack(tmp_path / "plan.xlsx", items)
    else:                                  # the bytes on disk no longer match the part's CRC
        data = bytearray(repack(tmp_path / "plan.xlsx", items).read_bytes())
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
            info = z.getinfo(part)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        data[start + info.compress_size // 2] ^= 0x01
        path = tmp_path / "plan.xlsx"
        path.write_bytes(bytes(data))
    err = one_sentence(capsys, ["export", str(path), "--config", str(PROJECT / "config" / "xlplan.toml")])
    assert "is damaged: " + words in err and "open it in Excel" in err


def test_a_part_name_cannot_forge_a_line(tmp_path, capsys):
    items = parts(PLAN) + [("xl/evil\nxlplan: all is well\x1b[0m.xml", b"<not-closed>")]
    err = one_sentence(capsys, ["export", str(repack(tmp_path / "plan.xlsx", items))])
    assert "xl/evil\\nxlplan: all is well\\x1b[0m.xml" in err


def test_a_sheet_name_asked_for_cannot_forge_a_line(tmp_path, capsys):
    err = one_sentence(capsys, ["export", str(PLAN), "--sheet", "Nope\nxlplan: fine"])
    assert "Nope\\nxlplan: fine" in err and '"Plan"' in err


def test_printable_escapes_controls_and_keeps_text():
    assert printable("Plan – 2026 ★\n\r\t\x00\x1b\u202e") == "Plan – 2026 ★\\n\\r\\t\\x00\\x1b\\u202e"


def test_a_workbook_with_no_sheets_is_one_sentence(tmp_path, capsys):
    items = [(n, d.replace(d[d.find(b"<sheets>"):d.find(b"</sheets>") + 9], b"<sheets/>") if n == "xl/workbook.xml" else d)
             for n, d in parts(PLAN)]
    path = repack(tmp_path / "plan.xlsx", items)
    err = one_sentence(capsys, ["export", str(path)])
    assert "has no sheets" in err
    (tmp_path / "c.toml").write_text('[workbook]\nsheet = ""\n')
    assert "has no sheets" in one_sentence(capsys, ["export", str(path), "--config", str(tmp_path / "c.toml")])


def test_the_first_sheet_by_config_says_nothing_of_a_sheet_named_nothing(tmp_path, capsys):
    import json

    path = write_rows(tmp_path / "plan.xlsx", ROWS, sheet="Actions")
    (tmp_path / "c.toml").write_text('[workbook]\nsheet = ""\n')
    assert main(["export", str(path), "--config", str(tmp_path / "c.toml"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == []


def test_an_eof_error_is_a_bug_not_a_stop(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    monkeypatch.setattr("xlplan.plan.open_book", broken)
    err = one_sentence(capsys, ["export", str(write_rows(tmp_path / "plan.xlsx", ROWS))], code=70)
    assert "could not finish (EOFError: Compressed file ended" in err and "stopped" not in err


def test_ctrl_c_is_still_a_stop(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("xlplan.plan.open_book", interrupted)
    assert main(["export", str(write_rows(tmp_path / "plan.xlsx", ROWS))]) == 130
    assert capsys.readouterr().err.strip() == "xlplan: stopped"       # after the ^C, on a line of its own


def test_the_catch_all_escapes_what_it_prints(tmp_path, capsys, monkeypatch):
    def bug(*args, **kwargs):
        raise KeyError("line one\nxlplan: forged")

    monkeypatch.setattr("xlplan.plan.open_book", bug)
    err = one_sentence(capsys, ["export", str(write_rows(tmp_path / "plan.xlsx", ROWS))], code=70)
    assert "line one\\nxlplan: forged" in err
