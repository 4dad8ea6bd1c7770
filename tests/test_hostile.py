"""Bad and hostile input, one case a row, each stating what the user sees, run through every
command that reads a workbook. Each ends in exit 0/1 with the right reading, or exit 2 with
one sentence naming the file; none leaves a partial file; the ones refused as too big or as
bombs are refused before any XML is parsed."""

import datetime as dt
import json
import os
import zipfile

import openpyxl
import pytest
from conftest import REAL, write_rows
from openpyxl import Workbook

from xlplan.cli import main

HEADER = ["Ref", "Action", "Lead", "Due", "RAG", "Progress"]
ROW = ["1.1", "Audit case files", "DCS", "Jan 13", "Amber", "Audits started"]


def _plain(tmp, rows=None, **kw):
    return write_rows(tmp / "plan.xlsx", rows or [HEADER, ROW], **kw)


def _excel_like(path, write, vba=None):
    """A workbook written the way Excel writes one (xlsxwriter): cached formula results,
    error cells, _xHHHH_ escapes, a macro project. `write(ws)` fills the Plan sheet."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Plan")
    ws.write_row(0, 0, HEADER)
    write(ws)
    if vba:
        wb.add_vba_project(str(vba))
    wb.close()
    return path


def _rewrite(src, dst, change):
    """Copy an xlsx, passing each part's bytes through change(name, data)."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info.filename, change(info.filename, z.read(info.filename)))
    return dst


# -- the cases: each returns (path, extra args) -----------------------------------------------

def not_a_zip(tmp):
    (tmp / "plan.xlsx").write_bytes(os.urandom(3000).replace(b"PK", b"pk"))
    return tmp / "plan.xlsx"


def truncated_zip(tmp):
    data = _plain(tmp).read_bytes()
    (tmp / "plan.xlsx").write_bytes(data[: len(data) * 2 // 3])
    return tmp / "plan.xlsx"


def old_xls(tmp):
    (tmp / "plan.xlsx").write_bytes((REAL / "old-format.xls").read_bytes())
    return tmp / "plan.xlsx"


def csv_renamed(tmp):
    (tmp / "plan.xlsx").write_text("Ref,Action,Lead\n1.1,Audit,DCS\n")
    return tmp / "plan.xlsx"


def xlsm_with_macros(tmp):
    (tmp / "vbaProject.bin").write_bytes(b"\xd0\xcf\x11\xe0 macro " * 20)
    return _excel_like(tmp / "plan.xlsm", lambda ws: ws.write_row(1, 0, ROW), vba=tmp / "vbaProject.bin")


def password_protected(tmp):
    (tmp / "plan.xlsx").write_bytes((REAL / "password-protected.xlsx").read_bytes())
    return tmp / "plan.xlsx"


def empty_workbook(tmp):
    Workbook().save(tmp / "plan.xlsx")
    return tmp / "plan.xlsx"


def only_a_title(tmp):
    return _plain(tmp, [["Safeguarding Review – Action Plan"]])


def header_at_row_15(tmp):
    return _plain(tmp, [["Improvement plan"]] + [[None]] * 13 + [HEADER, ROW])


def duplicate_headers(tmp):
    return _plain(tmp, [HEADER + ["RAG rating"], ROW + ["Red"]])


def merged_header_cells(tmp):
    return _plain(tmp, [HEADER + [None], ROW + ["more"]], merges=["F1:G1"])


def hidden_rows_and_columns(tmp):
    path = _plain(tmp, [HEADER, ROW, ["1.2", "Hidden action", "DCS", "Feb 13", "Red", "x"]])
    wb = openpyxl.load_workbook(path)
    wb.active.row_dimensions[3].hidden = True
    wb.active.column_dimensions["F"].hidden = True
    wb.save(path)
    return path


def active_autofilter(tmp):
    path = _plain(tmp, [HEADER, ROW, ["1.2", "Filtered out", "HR", "Feb 13", "Red", "x"]])
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.auto_filter.ref = "A1:F3"
    ws.auto_filter.add_filter_column(2, ["DCS"])
    ws.row_dimensions[3].hidden = True
    wb.save(path)
    return path


def formulas_with_cached_values(tmp):
    def write(ws):
        ws.write_row(1, 0, ROW[:4])
        ws.write_formula(1, 4, '=IF(1=1,"Green","Red")', None, "Green")
        ws.write_formula(1, 5, '="Audits "&"done"', None, "Audits done")
    return _excel_like(tmp / "plan.xlsx", write)


def formulas_without_cached_values(tmp):
    path = _plain(tmp)
    wb = openpyxl.load_workbook(path)
    wb.active["E2"] = '=IF(1=1,"Green","Red")'           # openpyxl stores no result
    wb.save(path)
    return path


def error_cells(tmp):
    def write(ws):
        ws.write_row(1, 0, ROW[:3])
        ws.write_formula(1, 3, "=NA()", None, "#N/A")
        ws.write_formula(1, 4, "=#REF!", None, "#REF!")
        ws.write(1, 5, "x")
    return _excel_like(tmp / "plan.xlsx", write)


def dates_as_numbers(tmp):
    return _plain(tmp, [HEADER, [*ROW[:3], 46203, *ROW[4:]]])


def dates_as_text(tmp):
    return _plain(tmp, [HEADER, [*ROW[:3], "30/06/2026", *ROW[4:]]])


def date_system_1904(tmp):
    path = _plain(tmp, [HEADER, [*ROW[:3], dt.datetime(2026, 6, 30), *ROW[4:]],
                        ["1.2", "Serial", "DCS", 44741, "Red", "x"]])
    wb = openpyxl.load_workbook(path)
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.active["D2"].value = dt.datetime(2026, 6, 30)
    wb.save(path)
    return path


def cells_of_32767_characters(tmp):
    return _plain(tmp, [HEADER, [*ROW[:5], "x" * 32767]])


def control_characters_and_emoji(tmp):
    """Excel stores a control character as _x0001_; xlsxwriter writes it so, as Excel would."""
    return _excel_like(tmp / "plan.xlsx", lambda ws: ws.write_row(1, 0, [*ROW[:5], "Done\x01\x07 today 😀✅"]))


def right_to_left_text(tmp):
    return _plain(tmp, [HEADER, ["1.1", "تدقيق ملفات الحالات", "מנהלת השירות", "Jan 13", "Amber", "בתהליך"]])


def a_million_rows(tmp):
    """A real 1,000,000-row sheet (written straight into the zip, a few seconds)."""
    path = _plain(tmp)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><dimension ref="A1:B1000000"/><sheetData>')
    with zipfile.ZipFile(tmp / "million.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                out.writestr(name, data)
        with out.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(head)
            for start in range(1, 1_000_001, 50_000):
                sheet.write(b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r)
                                     for r in range(start, start + 50_000)))
            sheet.write(b"</sheetData></worksheet>")
    return tmp / "million.xlsx"


def billion_laughs(tmp):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
    import re

    change = lambda name, data: bomb + re.sub(rb"^<\?xml[^>]*\?>", b"", data) if name == "xl/worksheets/sheet1.xml" else data
    return _rewrite(_plain(tmp), tmp / "bomb.xlsx", change)


def zip_bomb(tmp):
    with zipfile.ZipFile(tmp / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(60):
                sheet.write(b" " * (10 * 2**20))             # 600 MB of XML, about 600 KB on disk
    return tmp / "bomb.xlsx"


def zip_but_not_a_workbook(tmp):
    with zipfile.ZipFile(tmp / "plan.xlsx", "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return tmp / "plan.xlsx"


def binary_xlsb(tmp):
    with zipfile.ZipFile(tmp / "plan.xlsx", "w") as z:
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return tmp / "plan.xlsx"


def damaged_part(tmp):
    data = bytearray(_plain(tmp).read_bytes())
    start = data.find(b"xl/worksheets/sheet1.xml") + 40           # inside the compressed sheet
    data[start:start + 20] = b"\x00" * 20
    (tmp / "plan.xlsx").write_bytes(bytes(data))
    return tmp / "plan.xlsx"


def empty_file(tmp):
    (tmp / "plan.xlsx").write_bytes(b"")
    return tmp / "plan.xlsx"


def missing_file(tmp):
    return tmp / "nowhere.xlsx"


def a_folder(tmp):
    (tmp / "plan.xlsx").mkdir()
    return tmp / "plan.xlsx"


def undefined_theme_colour(tmp):
    from openpyxl.styles.colors import Color

    return _plain(tmp, [HEADER, [*ROW[:4], None, ROW[5]]], fills={"E2": Color(theme=33)})


def unicode_file_name(tmp):
    return write_rows(tmp / "Plan – Rév 2026 (copie).xlsx", [HEADER, ROW])


def sheet_named_oddly(tmp):
    return write_rows(tmp / "plan.xlsx", [HEADER, ROW], sheet="Plan (v2) 'draft' – ü & ☆")


def dotdot_in_config(tmp):
    (tmp / "config").mkdir()
    (tmp / "config" / "xlplan.toml").write_text('[folders]\nreports = "../../../escape"\n')
    return _plain(tmp)


def symlink_in_config(tmp):
    outside = tmp.parent / f"{tmp.name}-outside"
    outside.mkdir()
    (tmp / "config").mkdir()
    (tmp / "reports-link").symlink_to(outside, target_is_directory=True)
    (tmp / "config" / "xlplan.toml").write_text('[folders]\noutbox = "reports-link"\n')
    return _plain(tmp)


OK, ERROR = "ok", "error"
# (case, outcome, words the user sees / a check on the reading, refused before any parsing)
CASES = [
    (not_a_zip, ERROR, "is not an Excel workbook", True),
    (truncated_zip, ERROR, "is damaged: it is cut short", True),
    (old_xls, ERROR, "old-style .xls workbook", True),
    (csv_renamed, ERROR, "holds plain text", True),
    (xlsm_with_macros, OK, lambda a: a[0]["rag"] == "Amber", False),
    (password_protected, ERROR, "is password-protected", True),
    (empty_workbook, ERROR, "is empty; there are no actions", False),
    (only_a_title, ERROR, "no header row found", False),
    (header_at_row_15, OK, lambda a: a[0]["row"] == 16, False),
    # Two columns for one field: the better header wins, the other is kept as an extra (issue 15).
    (duplicate_headers, OK, lambda a: a[0]["rag"] == "Amber" and a[0]["extra"].get("RAG rating") == "Red", False),
    (merged_header_cells, OK, lambda a: a[0]["progress"] == "Audits started", False),
    (hidden_rows_and_columns, OK, lambda a: [x["ref"] for x in a] == ["1.1", "1.2"], False),
    (active_autofilter, OK, lambda a: len(a) == 2, False),
    (formulas_with_cached_values, OK, lambda a: (a[0]["rag"], a[0]["progress"]) == ("Green", "Audits done"), False),
    (formulas_without_cached_values, OK, lambda a: a[0]["rag"] is None, False),
    (error_cells, OK, lambda a: a[0]["rag"] is None and a[0]["due"] is None, False),
    (dates_as_numbers, OK, lambda a: a[0]["due"] == "2026-06-30", False),
    (dates_as_text, OK, lambda a: a[0]["due"] == "2026-06-30", False),
    (date_system_1904, OK, lambda a: (a[0]["due"], a[1]["due"]) == ("2026-06-30", "2026-06-30"), False),
    (cells_of_32767_characters, OK, lambda a: len(a[0]["progress"]) == 32767, False),
    (control_characters_and_emoji, OK, lambda a: a[0]["progress"] == "Done today 😀✅", False),
    (right_to_left_text, OK, lambda a: a[0]["lead"] == "מנהלת השירות", False),
    (a_million_rows, ERROR, "(1,000,000 rows), more than the limit of 200,000 rows", True),
    (billion_laughs, ERROR, "declares XML entities", True),
    (zip_bomb, ERROR, "possible zip bomb", True),
    (zip_but_not_a_workbook, ERROR, "is a zip file but not an Excel workbook", True),
    (binary_xlsb, ERROR, "binary workbook (.xlsb)", True),
    (damaged_part, ERROR, "is damaged", True),
    (empty_file, ERROR, "is empty (0 bytes)", True),
    (missing_file, ERROR, "does not exist", True),
    (a_folder, ERROR, "is a folder", True),
    (undefined_theme_colour, OK, lambda a: a[0]["rag"] is None, False),
    (unicode_file_name, OK, lambda a: a[0]["ref"] == "1.1", False),
    (sheet_named_oddly, OK, lambda a: a[0]["ref"] == "1.1", False),
    (dotdot_in_config, ERROR, "points outside the project folder", True),
    (symlink_in_config, ERROR, "points outside the project folder", True),
]
PLAN_LEVEL = {empty_workbook, only_a_title, a_million_rows}
COMMANDS = {
    "export": lambda p, o: ["export", p, "-o", f"{o}/out.json"],
    "validate": lambda p, o: ["validate", p, "-o", f"{o}/findings.xlsx"],
    "summary": lambda p, o: ["summary", p, "-o", f"{o}/summary.xlsx"],
    "chase": lambda p, o: ["chase", p, "-o", f"{o}/chase.xlsx", "--outbox", f"{o}/outbox"],
    "compare": lambda p, o: ["compare", p, p, "-o", f"{o}/changes.xlsx"],
    "format": lambda p, o: ["format", p, "--copy", f"{o}/formatted.xlsx"],
    "import": lambda p, o: ["import", p, "-o", f"{o}/imported.xlsx"],
    "snapshot": lambda p, o: ["snapshot", p],
}


def test_the_code_tells_at_least_30_cases_apart(tmp_path, capsys, monkeypatch, million):
    """Counted from what xlplan does with the cases, not from the length of the list: each
    refused case gets a sentence of its own (its file name taken out) and each case that reads
    is read as its check expects, so 30 copies of one case, or refusals that all say the same,
    do not count as 30."""
    refusals, readings = set(), []
    for make, outcome, expect, _ in CASES:
        folder = tmp_path / make.__name__
        folder.mkdir()
        monkeypatch.chdir(folder)
        path = million if make is a_million_rows else make(folder)
        code = main(COMMANDS["export"](str(path), str(folder)))
        err = capsys.readouterr().err
        if code == 2:
            refusals.add(err.replace(str(path), "PLAN").replace(str(folder), "FOLDER"))
        elif code == 0 and expect(json.loads((folder / "out.json").read_text())["actions"]):
            readings.append(make.__name__)
    assert len(refusals) + len(readings) >= 30, (sorted(refusals), readings)


def _guard_parsers(monkeypatch):
    """Make every parser that could read a workbook's XML fail if reached, and note which was:
    the reader xlplan uses (python-calamine), its fallback (openpyxl), the XML parsers xlplan
    calls itself (defusedxml for the sheet list, styles and theme; lxml for format) and Word's
    reader. The list is checked after the command, so a parse is caught even where the
    command turns the failure into a message."""
    import docx
    import python_calamine
    from defusedxml import ElementTree as defused
    from lxml import etree

    parsed = []

    def refuse(name):
        def parse(*a, **k):
            parsed.append(name)
            raise AssertionError(f"{name} parsed a file that should have been refused first")
        return parse

    class Calamine:
        from_path = from_filelike = staticmethod(refuse("python_calamine.CalamineWorkbook"))

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Calamine)
    monkeypatch.setattr(python_calamine, "load_workbook", refuse("python_calamine.load_workbook"))
    monkeypatch.setattr(openpyxl, "load_workbook", refuse("openpyxl.load_workbook"))
    for name in ("fromstring", "parse", "iterparse", "XML"):
        monkeypatch.setattr(defused, name, refuse(f"defusedxml.ElementTree.{name}"))
    for name in ("fromstring", "parse", "iterparse", "XML"):
        monkeypatch.setattr(etree, name, refuse(f"lxml.etree.{name}"))
    monkeypatch.setattr(docx, "Document", refuse("docx.Document"))
    return parsed


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    folder = tmp_path_factory.mktemp("million")
    return a_million_rows(folder)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("make, outcome, expect, before_parse", CASES, ids=[c[0].__name__ for c in CASES])
def test_hostile_input(tmp_path, capsys, monkeypatch, million, make, outcome, expect, before_parse, command):
    monkeypatch.chdir(tmp_path)
    path = million if make is a_million_rows else make(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    before = path.read_bytes() if path.is_file() else None
    parsed = _guard_parsers(monkeypatch) if before_parse else []
    code = main(COMMANDS[command](str(path), str(out)))
    captured = capsys.readouterr()
    assert parsed == [], f"parsed with {parsed} a file that should have been refused first"
    assert "Traceback" not in captured.err
    if command == "snapshot" and make in PLAN_LEVEL:
        # A snapshot is a faithful copy of a sound workbook file; it does not read the plan,
        # so a plan-level problem is stored as the team's file was, and reported by weekly.
        assert code == 0 and len(list((tmp_path / "workbooks" / "history").glob("*.xlsx"))) == 1
    elif outcome == ERROR:
        assert code == 2, captured.err
        assert captured.err.startswith("xlplan: ") and captured.err.count("\n") == 1, captured.err
        assert expect in captured.err
        assert path.name in captured.err or "config" in captured.err
        assert list(out.iterdir()) == [], "something was written"
        assert not (tmp_path / "workbooks").exists()
    else:
        assert code in (0, 1), captured.err
        # A note (how the plan was read, e.g. a second rating column) is said, never an error.
        assert (not captured.err.startswith("xlplan: ") or "warning" in captured.err
                or captured.err.startswith("xlplan: note: ")), captured.err
        if command != "snapshot":
            assert list(out.iterdir()), "nothing was written"
    if before is not None:
        assert path.read_bytes() == before, "the input was changed"
    assert not [p for p in tmp_path.rglob(".*") if ".tmp" in p.name], "a temporary file was left"


@pytest.mark.parametrize("make, check", [(c[0], c[2]) for c in CASES if c[1] == OK], ids=[c[0].__name__ for c in CASES if c[1] == OK])
def test_hostile_input_reads_right(tmp_path, capsys, make, check):
    path = make(tmp_path)
    assert main(["export", str(path), "--json"]) == 0
    actions = json.loads(capsys.readouterr().out)["actions"]
    assert check(actions), actions
