import datetime as dt

import openpyxl
import pytest

from xlplan.config import load_config
from xlplan.report.look import MAX_TEXT, Formats, ReportSheet, write_workbook


@pytest.fixture
def config(tmp_path):
    return load_config(None, search_from=tmp_path)


def _build(config):
    def build(wb):
        f = Formats(wb, config)
        ws = wb.add_worksheet("Table")
        assert isinstance(ws, ReportSheet)
        f.put(ws, 0, 0, "Title", f.title)
        f.header_row(ws, 2, (("Ref", 9), ("Text", 40), ("Due", 11), ("Days", 8), ("RAG", 10)))
        f.row(ws, 3, (("1.1", f.text), ("a < b & c > d\nsecond line", f.text), (dt.date(2026, 3, 31), f.date),
                      (7, f.number), ("Red", f.rag("Red"))), height=33)
        ws.merge_range(4, 0, 4, 4, "A heading between fast rows", f.head)
        f.row(ws, 5, (("1.2", f.text), ("", f.text), (None, f.date), (2.5, f.number), ("=1+1", f.text)))
        f.row(ws, 6, (("x" * (MAX_TEXT + 10), f.text),))
        f.finish(ws, 2, 4, 5)
    return build


def test_fast_rows_read_back_as_written(tmp_path, config):
    path = write_workbook(tmp_path / "r.xlsx", _build(config))
    ws = openpyxl.load_workbook(path)["Table"]
    assert ws["A1"].value == "Title"
    assert [c.value for c in ws[4]] == ["1.1", "a < b & c > d\nsecond line", dt.datetime(2026, 3, 31), 7, "Red"]
    assert ws["C4"].number_format == "dd/mm/yyyy"
    assert ws["E4"].fill.fgColor.rgb[-6:] == config.scale.level("Red").colour.upper()
    assert ws.row_dimensions[4].height == 33
    assert ws["A5"].value == "A heading between fast rows" and "A5:E5" in {str(r) for r in ws.merged_cells.ranges}
    # blanks are blank cells (with the format), formula-looking text stays text
    assert ws["B6"].value is None and ws["C6"].value is None and ws["B6"].border.left.style == "thin"
    assert ws["D6"].value == 2.5 and ws["E6"].value == "=1+1" and ws["E6"].data_type == "s"
    assert len(ws["A7"].value) == MAX_TEXT
    assert ws.freeze_panes == "A4" and ws.auto_filter.ref == "A3:E7"


def test_dates_read_back_the_same_either_side_of_excels_leap_day(tmp_path, config):
    days = [dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(2026, 11, 23), dt.datetime(2026, 11, 23, 7, 30)]

    def build(wb):
        f = Formats(wb, config)
        ws = wb.add_worksheet("T")
        for r, day in enumerate(days):
            f.row(ws, 2 * r, ((day, f.date),))
            ws.write_datetime(2 * r + 1, 0, day if isinstance(day, dt.datetime) else dt.datetime.combine(day, dt.time()),
                              f.date)

    ws = openpyxl.load_workbook(write_workbook(tmp_path / "r.xlsx", build))["T"]
    for r, day in enumerate(days):
        assert ws.cell(2 * r + 1, 1).value == ws.cell(2 * r + 2, 1).value     # as xlsxwriter writes it
        assert ws.cell(2 * r + 1, 1).value == (day if isinstance(day, dt.datetime) else dt.datetime.combine(day, dt.time()))


def test_a_row_written_both_ways_is_refused(tmp_path, config):
    def build(wb):
        f = Formats(wb, config)
        ws = wb.add_worksheet("T")
        f.row(ws, 1, (("whole row", f.text),))
        ws.write_string(1, 3, "and a cell")

    with pytest.raises(ValueError, match="both as a whole row and cell by cell"):
        write_workbook(tmp_path / "r.xlsx", build)


def test_text_that_looks_like_rich_text_xml_stays_text(tmp_path, config):
    """xlsxwriter writes a string "<r>...</r>" into the file as XML; a lead's words must not."""
    texts = ["<r>evil</r>", "<r><t>Looks fine</t></r><r><t>!</t></r>", "<r><x/></r>"]

    def build(wb):
        f = Formats(wb, config)
        ws = wb.add_worksheet("T")
        for r, text in enumerate(texts):
            f.row(ws, r, ((text, f.text),))
        f.put(ws, len(texts), 0, texts[0], f.text)

    ws = openpyxl.load_workbook(write_workbook(tmp_path / "r.xlsx", build))["T"]
    assert [ws.cell(r, 1).value for r in range(1, len(texts) + 2)] == texts + texts[:1]


def test_a_whole_row_is_the_xml_xlsxwriter_writes_cell_by_cell(tmp_path, config):
    """The same cells written both ways give the same sheet XML (xlsxwriter's optional
    `spans` attribute aside): the guard on the internals xlsx_fast.FastReportSheet relies on."""
    import re
    import zipfile

    rows = [(("1.1", "text"), ("two\nlines & <more>", "text"), (dt.date(2026, 3, 31), "date"), (7, "number"),
             ("Red", "rag")),
            (("", "text"), (None, "date"), (2.5, "number"), ("=1+1", "text"), (dt.date(1900, 1, 15), "date"))]

    def build(wb):
        f = Formats(wb, config)
        fast, slow = wb.add_worksheet("Fast"), wb.add_worksheet("Slow")
        fmt = {"text": f.text, "date": f.date, "number": f.number, "rag": f.rag("Red")}
        for r, row in enumerate(rows):
            f.row(fast, r, [(v, fmt[k]) for v, k in row], height=30 if r == 0 else None)
            for c, (v, k) in enumerate(row):
                if isinstance(v, dt.date):
                    slow.write_datetime(r, c, dt.datetime.combine(v, dt.time()), fmt[k])
                elif isinstance(v, (int, float)):
                    slow.write_number(r, c, v, fmt[k])
                else:
                    f.put(slow, r, c, v, fmt[k])
            if r == 0:
                slow.set_row(r, 30)

    with zipfile.ZipFile(write_workbook(tmp_path / "r.xlsx", build)) as z:
        fast, slow = (re.sub(r' spans="[^"]*"', "", re.search(r"<sheetData>.*</sheetData>", z.read(part).decode()).group(0))
                      for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"))
    assert fast == slow


# -- print set-up (the rendered pages are checked in tests/client/test_print.py) ------------

def test_row_height_counts_lines_as_words_wrap():
    from xlplan.report.look import row_height

    assert row_height([("short", 20)]) == 18                       # one line
    # 10 words of 9 characters in a column 20 wide: two words a line, five lines
    assert row_height([(" ".join(["abcdefghi"] * 10), 20)]) == 5 * 15 + 3
    assert row_height([("a\nb\nc", 20)]) == 3 * 15 + 3             # line breaks count
    assert row_height([("x" * 100, 10)]) == 10 * 15 + 3            # a long word is broken
    assert row_height([("word " * 5000, 10)]) == 409               # Excel's tallest row


def test_paper_is_a4_then_a3_then_without_kept_columns_never_below_60_percent():
    from xlplan.report.look import A3, A4, MIN_SCALE, choose_paper

    narrow = choose_paper([10, 40, 20])
    assert (narrow.paper, narrow.scale, narrow.columns, narrow.note) == (A4, 1.0, 3, "")
    medium = choose_paper([45] * 6)                                # too wide for A4 at 60%
    assert medium.paper == A3 and medium.scale >= MIN_SCALE and medium.columns == 6
    wide = choose_paper([20] * 8 + [30] * 10, optional=8, names=[f"c{i}" for i in range(18)])
    assert wide.columns == 8 and wide.scale >= MIN_SCALE
    assert wide.note.startswith("Not printed: 10 more columns (c8, c9, c10, c11 ...)")
    chase = choose_paper([26, 28, 8, 40, 11, 11, 40, 30, 50], optional=7, drop_first=True)
    assert (chase.paper, chase.columns) == (A4, 7)                  # A4 without the mail-merge columns
    huge = choose_paper([60] * 20)
    assert huge.columns < 20 and huge.scale >= MIN_SCALE and "Not printed" in huge.note


def test_import_report_lines_are_not_repeated():
    from xlplan.workbook.create import report_lines

    head = ["What", "Row", "Ref", "Text", "Detail"]
    rows = [head, ["Actions imported", "", "", "3", ""],
            *[["Skipped", str(r), "", "Ref Action Lead", "header repeated (a new page)"] for r in (9, 20, 31)],
            *[["Skipped", str(r), "", f"prose {r}", "title, key or prose before the table"] for r in (1, 2, 3)],
            *[["Glued (split by a page break)", f"{r}, {r + 1}", f"1.{r}", "", ""] for r in range(4)]]
    out = report_lines(rows)
    assert out[0] == head and out[1] == rows[1]
    assert ["Skipped", "9", "", "Ref Action Lead", "header repeated (a new page) (3 times: rows 9, 20, 31)"] in out
    prose = next(r for r in out if r[3].startswith("prose"))
    assert prose[1] == "1-3" and prose[3] == "prose 1 / prose 2 / prose 3 (3 lines)"
    glued = [r for r in out if r[0].startswith("Glued")]
    assert len(glued) == 1 and glued[0][3].startswith("1.0 (rows 0, 1); 1.1 (rows 1, 2)")
