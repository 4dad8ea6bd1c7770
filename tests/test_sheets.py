import datetime as dt

import openpyxl
import pytest

from xlplan.config import load_config
from xlplan.sheets import MAX_TEXT, Formats, ReportSheet, write_workbook


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


def test_a_row_outside_the_sheet_is_refused(tmp_path, config):
    def build(wb):
        f = Formats(wb, config)
        f.row(wb.add_worksheet("T"), 1_048_576, (("too far", f.text),))

    with pytest.raises(ValueError, match="cannot be written"):
        write_workbook(tmp_path / "r.xlsx", build)
    assert not (tmp_path / "r.xlsx").exists()


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
