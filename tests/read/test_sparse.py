"""Reading that costs what the data costs (issue 16): xlplan's own streaming reader reads every
kind of plan as python-calamine does; a stray far-away value is one cell, not a rectangle; a
value beyond [limits] is refused in one sentence naming its cell; Strict Open XML is read."""

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from conftest import PROJECT, write_rows
from python_calamine import CalamineWorkbook
from test_source import WORKBOOKS, reading

from xlplan.cli import main
from xlplan.plan import read_plan
from xlplan.read.sheetxml import format_kind, read_sheet, shape
from xlplan.read.xlsx import CalamineBook, _value

PLAN = PROJECT / "workbooks" / "plan.xlsx"


class SparseBook(CalamineBook):
    """The fast reader with python-calamine never used: every sheet read by sheetxml.py."""

    def _calamine(self, name):
        return None


def rewrite(src, dst, change):
    """A copy of the workbook `src` with change(name, bytes) -> bytes applied to each part."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info)))
    dst.write_bytes(out.getvalue())
    return dst


def stray(tmp_path, cell="XFD5000", name="stray.xlsx"):
    row = re.sub("[A-Z]+", "", cell)
    value = f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>stray</t></is></c></row></sheetData>'.encode()
    return rewrite(PLAN, tmp_path / name, lambda n, d: d.replace(b"</sheetData>", value)
                   if n == "xl/worksheets/sheet1.xml" else d)


def export(path, *extra):
    return ["export", str(path), "--config", str(PROJECT / "config" / "xlplan.toml"), *extra]


@pytest.mark.parametrize("name", WORKBOOKS)
def test_the_streaming_reader_reads_as_calamine_does(tmp_path, config, monkeypatch, name):
    path = WORKBOOKS[name](tmp_path)
    assert reading(path, config, SparseBook, monkeypatch) == reading(path, config, CalamineBook, monkeypatch)


def test_values_of_every_kind_as_calamine_gives_them(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([dt.datetime(2026, 6, 30), dt.datetime(2026, 6, 30, 13, 5), dt.time(13, 5), dt.timedelta(hours=30),
               1.5, 3, True, False, "x", None, 45000, 45000.5, 45000.5, 45000, -2.5, "", 1e300, 0, 59.5, 60, 61,
               2958466])
    for cell, code in (("K1", "dd/mm/yy"), ("L1", "[$-F800]dddd, mmmm dd, yyyy"), ("M1", '0.00" d"'),
                       ("N1", "[h]:mm:ss"), ("O1", "yyyy-mm-dd"), ("R1", "d mmm yy"),
                       ("S1", "d mmm yy"), ("T1", "d mmm yy"), ("U1", "d mmm yy"), ("V1", "d mmm yy")):
        ws[cell].number_format = code
    ws.append(["shared", "=1+1", None, "last"])
    ws.merge_cells("A2:B3")
    wb.save(tmp_path / "kinds.xlsx")
    calamine = [[_value(v) for v in row]
                for row in CalamineWorkbook.from_path(str(tmp_path / "kinds.xlsx")).get_sheet_by_name("Sheet")
                .to_python(skip_empty_area=False)]
    ours = SparseBook(tmp_path / "kinds.xlsx", 2**30).rows("Sheet")
    trim = lambda rows: [r[:max([i + 1 for i, v in enumerate(r) if v is not None], default=0)] for r in rows]
    assert trim(ours) == trim(calamine)


@pytest.mark.parametrize("code, kind", [("dd/mm/yyyy", "date"), ('0.00" days"', ""), ("[h]:mm", "duration"),
                                        ("[Red]0.00", ""), ("General", ""), ("h:mm AM/PM", "date"),
                                        ("\\d0", ""), ("0;[Red]dd", "")])
def test_date_formats_as_calamine_judges_them(code, kind):
    assert format_kind(code) == kind


def test_a_stray_far_away_value_costs_one_cell(tmp_path, config):
    path = stray(tmp_path)
    book = CalamineBook(path, 2**30, config.max_rows, config.max_columns)
    grid = book.grid("Plan")
    assert len(grid.rows) == 5000 and sum(len(r) for r in grid.rows) < 40 * 30 + 16384
    assert grid.rows[4999][16383] == "stray"
    before = [a.to_dict() for a in read_plan(PLAN, config).actions]
    plan = read_plan(path, config)
    # Not lost, and not glued onto the last action: skipped, with a note naming its row.
    assert [a.to_dict() for a in plan.actions] == before
    assert any("row 5000 'stray'" in n for n in plan.notes)


def test_sheets_are_sized_from_their_cells_not_their_dimension():
    xml = (b'<worksheet><dimension ref="A1:B2"/><sheetData><row r="3"><c r="C3" s="1"/></row>'
           b'<row r="9"><c r="AA9"><v>1</v></c></row></sheetData></worksheet>')
    size = shape(xml)
    assert (size.rows, size.columns, size.cells, size.addressed) == (9, 27, 2, True)
    assert not shape(b"<sheetData><row><c><v>1</v></c></row></sheetData>").addressed


def test_a_value_beyond_the_limits_is_refused_naming_its_cell(tmp_path, capsys):
    (tmp_path / "c.toml").write_text('[workbook]\nsheet = "Plan"\n[limits]\nmax_columns = 100\n')
    assert main(["export", str(stray(tmp_path)), "--config", str(tmp_path / "c.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has a value in XFD5000, beyond the limit of 100 columns" in err
    assert main(export(stray(tmp_path, "A99999999", "far.xlsx"))) == 2
    assert "has a value in A99999999, beyond the limit of 200,000 rows ([limits] max_rows" in capsys.readouterr().err


def test_an_address_that_is_no_address_is_refused(tmp_path, capsys):
    assert main(export(stray(tmp_path, "A99999999999999999999"))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "which is not a cell address" in err


def test_strict_open_xml_is_read_as_transitional(tmp_path, capsys):
    swaps = [(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
             (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
              b"http://purl.oclc.org/ooxml/officeDocument/relationships"),
             (b"http://schemas.openxmlformats.org/drawingml/2006/main", b"http://purl.oclc.org/ooxml/drawingml/main")]

    def strict(name, data):
        for old, new in swaps:
            data = data.replace(old, new)
        return data

    path = rewrite(PLAN, tmp_path / "strict.xlsx", strict)
    assert main(export(path, "-o", str(tmp_path / "strict.json"))) == 0
    assert main(export(PLAN, "-o", str(tmp_path / "plain.json"))) == 0
    strict_json, plain_json = ((tmp_path / f"{n}.json").read_text() for n in ("strict", "plain"))
    assert strict_json.replace(str(path), str(PLAN)) == plain_json and '"ref": "4.15"' in plain_json


def test_shared_strings_missing_is_one_sentence(tmp_path, capsys):
    import xlsxwriter

    book = xlsxwriter.Workbook(tmp_path / "q.xlsx")          # writes text as shared strings
    book.add_worksheet("Plan").write_row(0, 0, ["Ref", "Action", "Lead"])
    book.close()
    path = tmp_path / "q.xlsx"
    with zipfile.ZipFile(path) as z:
        assert "xl/sharedStrings.xml" in z.namelist()
        parts = {i.filename: z.read(i) for i in z.infolist() if i.filename != "xl/sharedStrings.xml"}
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert main(["export", str(path)]) == 2
    assert "shared text (xl/sharedStrings.xml) is missing" in capsys.readouterr().err


def test_rows_from_a_sheet_without_addresses():
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b'<row><c t="inlineStr"><is><t>a</t></is></c><c><v>2</v></c></row><row/><row><c r="C3"><v>3.5</v></c></row>'
           b'</sheetData></worksheet>')
    sheet = read_sheet(xml, strings=[], kinds=[], date1904=False, max_rows=10, max_columns=10, where="s")
    assert sheet.rows == [["a", 2], [], [None, None, 3.5]]


def test_the_row_limit_counts_values_not_formatting(tmp_path, config):
    """Formatting far away (a styled empty cell) is no value: it is neither read nor refused."""
    far = b'<row r="900000"><c r="XFD900000" s="1"/></row></sheetData>'
    path = rewrite(PLAN, tmp_path / "styled.xlsx", lambda n, d: d.replace(b"</sheetData>", far)
                   if n == "xl/worksheets/sheet1.xml" else d)
    assert len(read_plan(path, config).actions) == len(read_plan(PLAN, config).actions)


def test_a_plan_written_by_write_rows_reads_the_same_by_both_paths(tmp_path, config, monkeypatch):
    path = write_rows(tmp_path / "p.xlsx", [["Ref", "Action", "Lead", "Due", "RAG"], ["1", "a", "DCS", dt.datetime(2026, 1, 2), "R"]])
    assert reading(path, config, SparseBook, monkeypatch) == reading(path, config, CalamineBook, monkeypatch)


def test_the_openpyxl_reader_also_costs_what_the_data_costs(tmp_path, config, monkeypatch):
    from xlplan.read.xlsx import OpenpyxlBook

    path = stray(tmp_path)
    grid = OpenpyxlBook(path, 2**30, config.max_rows, config.max_columns).grid("Plan")
    assert len(grid.rows) == 5000 and sum(len(r) for r in grid.rows) < 40 * 30 + 16384
    assert reading(path, config, OpenpyxlBook, monkeypatch) == reading(path, config, CalamineBook, monkeypatch)
    small = OpenpyxlBook(path, 2**30, config.max_rows, 100)
    with pytest.raises(Exception, match="has a value in XFD5000, beyond the limit of 100 columns"):
        small.grid("Plan")


@pytest.mark.parametrize("message", ["Tabelle1", "unsupported relationship type"])
def test_where_calamine_refuses_the_streaming_reader_reads_with_a_note(tmp_path, config, monkeypatch, message):
    import python_calamine

    class Refusing:
        @staticmethod
        def from_path(path):
            raise python_calamine.CalamineError(message)

    expected = [a.to_dict() for a in read_plan(PLAN, config).actions]
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Refusing)
    plan = read_plan(PLAN, config)
    assert [a.to_dict() for a in plan.actions] == expected
    note = next(n for n in plan.notes if "python-calamine could not read it" in n)
    assert note.startswith("read sheet \"Plan\" of ") and "xlplan's own reader" in note
    assert ("Tabelle1" not in note) if message == "Tabelle1" else (message in note)
