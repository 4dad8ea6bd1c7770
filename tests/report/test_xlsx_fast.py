"""xlsx_fast, the one module that touches xlsxwriter's internals: what it writes is what
xlsxwriter's public methods write (the path taken when the internals are not there), it checks
for them when imported, and it patches nothing of xlsxwriter's or zipfile's."""

import datetime as dt
import importlib
import logging
import re
import zipfile
import zlib

import openpyxl
import pytest
from xlsxwriter import workbook as xlsxwriter_workbook
from xlsxwriter.worksheet import Worksheet

from xlplan.cli import main
from xlplan.report import xlsx_fast
from xlplan.report.look import Formats, ReportBook, ReportSheet, write_workbook

AS_OF = "2026-11-23"


@pytest.fixture(params=["fast", "public"])
def path_kind(request, monkeypatch):
    """Each test run both ways: xlsx_fast's workbook, and xlsxwriter's public methods only."""
    monkeypatch.setattr(xlsx_fast, "ENABLED", request.param == "fast")
    return request.param


def _sheets(path):
    """Every sheet's cell values, merged ranges and row heights."""
    wb = openpyxl.load_workbook(path)
    return {name: ([[c.value for c in row] for row in wb[name].iter_rows()],
                   sorted(str(r) for r in wb[name].merged_cells.ranges),
                   {r: d.height for r, d in wb[name].row_dimensions.items() if d.height})
            for name in wb.sheetnames}


def test_the_weekly_report_through_xlsxwriters_public_methods_is_the_same(project, capsys, monkeypatch):
    added = []
    add_worksheet = ReportBook.add_worksheet

    def spy(self, *args, **kwargs):
        added.append(add_worksheet(self, *args, **kwargs))
        return added[-1]

    monkeypatch.setattr(ReportBook, "add_worksheet", spy)
    monkeypatch.setattr(xlsx_fast, "ENABLED", True)
    report = project / "reports" / AS_OF / f"xlplan-report-{AS_OF}.xlsx"
    assert main(["weekly", "--as-of", AS_OF]) == 0
    fast, fast_sheets = _sheets(report), {type(ws) for ws in added}
    added.clear()
    monkeypatch.setattr(xlsx_fast, "ENABLED", False)
    assert main(["weekly", "--as-of", AS_OF]) == 0
    public, public_sheets = _sheets(report), {type(ws) for ws in added}
    capsys.readouterr()

    assert fast_sheets == {xlsx_fast.FastReportSheet} and public_sheets == {ReportSheet}
    assert list(public) == list(fast) and len(fast) == 7
    for name in fast:
        assert public[name] == fast[name], name
    assert sum(len(rows) for rows, _, _ in fast.values()) > 100


def test_an_xlsxwriter_without_the_internals_writes_through_the_public_path(tmp_path, config, monkeypatch, caplog):
    """As if xlsxwriter's `_write_row` took other parameters and its `_store_workbook` were a
    closure: the module sees it when imported, and the report is written all the same."""
    write_row, store = Worksheet._write_row, xlsxwriter_workbook.Workbook._store_workbook

    def _write_row(self, row, spans, properties=None, empty_row=False):   # as older xlsxwriters had it
        return write_row(self, row, spans, properties, empty_row)

    def _store_workbook(self):                               # names ZipFile, but from a closure
        assert zipfile.ZipFile
        return store(self)

    try:
        with monkeypatch.context() as m:
            m.setattr(Worksheet, "_write_row", _write_row)
            m.setattr(xlsxwriter_workbook.Workbook, "_store_workbook", _store_workbook)
            with caplog.at_level(logging.WARNING, logger="xlplan"):
                fresh = importlib.reload(xlsx_fast)
            assert [p for p in fresh.rows_missing if "_write_row(" in p] == fresh.rows_missing != []
            assert any("_store_workbook" in p for p in fresh.missing)
            assert "public methods" in caplog.text and "_write_row" in caplog.text
            assert fresh.FastReportBook.sheet_class is ReportSheet
            assert "_store_workbook" not in vars(fresh.FastReportBook)
            path = write_workbook(tmp_path / "r.xlsx", _table)
        assert _sheets(path)["Table"][0][3] == ["1.1", "a < b & c > d", dt.datetime(2026, 3, 31), 7, "Red"]
    finally:
        importlib.reload(xlsx_fast)                        # the module as this xlsxwriter has it
    assert xlsx_fast.missing == [] and xlsx_fast.FastReportBook.sheet_class is xlsx_fast.FastReportSheet


def _table(wb, rows: int = 1):
    from xlplan.config import load_config

    f = Formats(wb, load_config(None))
    ws = wb.add_worksheet("Table")
    f.put(ws, 0, 0, "Title", f.title)
    f.header_row(ws, 2, (("Ref", 9), ("Text", 40), ("Due", 11), ("Days", 8), ("RAG", 10)))
    f.row(ws, 3, (("1.1", f.text), ("a < b & c > d", f.text), (dt.date(2026, 3, 31), f.date), (7, f.number),
                  ("Red", f.rag("Red"))), height=33)
    for r in range(4, 4 + rows - 1):
        f.row(ws, r, ((f"{r}.1", f.text), (f"Progress on {r}: " + "the work goes on. " * (r % 7), f.text),
                      (dt.date(2026, 1, 1) + dt.timedelta(days=r), f.date), (r * 1.5, f.number)))
    return ws


def test_the_file_is_deflated_at_level_3_and_nothing_is_patched(tmp_path, path_kind):
    """Level 3 for xlsx_fast's workbook (zipfile's default otherwise), while xlsxwriter's
    ZipFile stays zipfile's own even as the file is zipped."""
    seen = []

    class Watch(ReportSheet):
        def _assemble_xml_file(self):                      # called while the workbook zips itself
            seen.append(xlsxwriter_workbook.ZipFile)
            return super()._assemble_xml_file()

    def build(wb):
        _table(wb, rows=2000)
        wb.add_worksheet("Watch", Watch)

    with zipfile.ZipFile(write_workbook(tmp_path / "r.xlsx", build)) as z:
        parts = [(info, z.read(info.filename)) for info in z.infolist()]
    assert seen == [zipfile.ZipFile] and xlsxwriter_workbook.ZipFile is zipfile.ZipFile

    def deflated(data, level):
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        return len(packer.compress(data) + packer.flush())

    level = 3 if path_kind == "fast" else zlib.Z_DEFAULT_COMPRESSION
    assert all(info.compress_type == zipfile.ZIP_DEFLATED for info, _ in parts)
    assert [info.compress_size for info, _ in parts] == [deflated(data, level) for _, data in parts]
    assert any(deflated(data, 3) != deflated(data, zlib.Z_DEFAULT_COMPRESSION) for _, data in parts)


def test_text_that_looks_like_rich_text_xml_stays_text_either_way(tmp_path, config, path_kind):
    """In a whole row (after text already in the file and text new to it), and through each
    of xlsxwriter's methods that write text; the shared strings' count still adds up."""
    texts = ["<r>evil</r>", "<r><t>Looks fine</t></r><r><t>!</t></r>", "<r><x/></r>"]

    def build(wb):
        f = Formats(wb, config)
        ws = wb.add_worksheet("T")
        f.row(ws, 0, (("known", f.text), ("new here", f.text), (texts[0], f.text), (7, f.number), ("known", f.text)))
        for r, text in enumerate(texts, start=1):
            f.row(ws, r, ((text, f.text), ("known", f.text)), height=30)
        f.put(ws, 4, 0, texts[1], f.text)
        ws.merge_range(5, 0, 5, 2, texts[2], f.head)
        ws.write(6, 0, texts[0])
        ws.write_row(7, 0, ["plain", texts[1]])
        ws.write_column("A9", [texts[2], "plain"], f.text)
        f.row(ws, 11, (("known", f.text), (dt.date(2026, 3, 31), f.date)))

    path = write_workbook(tmp_path / "r.xlsx", build)
    ws = openpyxl.load_workbook(path)["T"]
    values = [[c.value for c in row] for row in ws.iter_rows(max_col=5)]
    assert values == [["known", "new here", texts[0], 7, "known"], *[[t, "known", None, None, None] for t in texts],
                      [texts[1], None, None, None, None], [texts[2], None, None, None, None],
                      [texts[0], None, None, None, None], ["plain", texts[1], None, None, None],
                      [texts[2], None, None, None, None], ["plain", None, None, None, None],
                      [None, None, None, None, None], ["known", dt.datetime(2026, 3, 31), None, None, None]]
    assert ws["D1"].data_type == "n" and ws.row_dimensions[2].height == 30
    with zipfile.ZipFile(path) as z:
        sst = z.read("xl/sharedStrings.xml").decode()
        cells = sum(z.read(n).decode().count('t="s"') for n in z.namelist() if n.startswith("xl/worksheets/"))
    count, unique = map(int, re.search(r'count="(\d+)" uniqueCount="(\d+)"', sst).groups())
    assert count == cells and unique == sst.count("<si>") and "<r>evil</r>" not in sst


def test_whole_rows_either_way_are_the_same_cells(tmp_path, config, path_kind):
    """Text, numbers, dates either side of Excel's leap day, datetimes, blanks (None and ""),
    formula-looking and over-long text, and other values as their text."""
    long = "x" * 32_000 + "\U0001F600" * 800                # over the limit counted in UTF-16 units
    cells = [("1.1", "text"), ("two\nlines & <more>", "text"), (dt.date(2026, 3, 31), "date"), (7, "number"),
             (2.5, "number"), (dt.date(1900, 2, 28), "date"), (dt.datetime(2026, 11, 23, 7, 30), "date"),
             (None, "date"), ("", "text"), ("=1+1", "text"), (long, "text"), (True, "text"), (None, None)]

    def build(wb):
        f = Formats(wb, config)
        fmt = {"text": f.text, "date": f.date, "number": f.number, None: None}
        f.row(wb.add_worksheet("T"), 2, [(v, fmt[k]) for v, k in cells], height=45)

    ws = openpyxl.load_workbook(write_workbook(tmp_path / "r.xlsx", build))["T"]
    got = [c.value for c in ws[3]]
    assert got[:10] == ["1.1", "two\nlines & <more>", dt.datetime(2026, 3, 31), 7, 2.5, dt.datetime(1900, 2, 28),
                        dt.datetime(2026, 11, 23, 7, 30), None, None, "=1+1"]
    assert got[10] == long[:32_000 + 383] and got[11] == "True" and got[12:] == [None] * (len(got) - 12)
    assert ws["J3"].data_type == "s" and ws["H3"].border.left.style == "thin" and ws.row_dimensions[3].height == 45


def test_a_row_outside_the_sheet_is_refused_either_way(tmp_path, config, path_kind):
    def build(wb):
        f = Formats(wb, config)
        f.row(wb.add_worksheet("T"), 1_048_576, (("too far", f.text),))

    with pytest.raises(ValueError, match="cannot be written"):
        write_workbook(tmp_path / "r.xlsx", build)
    assert not (tmp_path / "r.xlsx").exists()


def test_the_shared_strings_are_what_xlsxwriter_writes_byte_for_byte(tmp_path):
    """The quicker shared strings writer leaves every string that needs any work to
    xlsxwriter's own; the part is the same bytes as xlsxwriter's for plain text, spaces at
    either end, XML and Excel escapes, control characters, non-characters and rich text."""
    import random
    import zipfile

    import xlsxwriter

    rng = random.Random(7)
    alphabet = ["a", "Z", " ", "\n", "\t", "&", "<", ">", "_x0041_", "_x", "\x01", "\x1f", "\ufffe", "£", "é", "★", "\"", "'"]
    texts = ["Amber", " leading", "trailing ", "<r>plain</r>", "a & b", "_x005F_", "ok"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(600)]

    def sst(book_class, name):
        path = tmp_path / name
        wb = book_class(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
        ws = wb.add_worksheet()
        for i, text in enumerate(texts):
            ws.write_string(i, 0, text)
        ws.write_rich_string(len(texts), 0, "plain ", wb.add_format({"bold": True}), "bold")
        wb.close()
        with zipfile.ZipFile(path) as z:
            return z.read("xl/sharedStrings.xml")

    from xlplan.report.look import ReportBook

    assert xlsx_fast._packager is not None, xlsx_fast.missing
    assert ReportBook._get_packager is xlsxwriter.Workbook._get_packager      # the public path: xlsxwriter's own
    assert sst(xlsx_fast.FastReportBook, "fast.xlsx") == sst(ReportBook, "public.xlsx")
