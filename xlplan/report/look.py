"""The look shared by every sheet xlplan writes for people (findings, changes, the weekly
report): one set of formats, one header style, the same print set-up. Text is always written
as text, never as a formula nor as rich-text XML. Only xlsxwriter's public API is used here;
xlsx_fast.py, the one module that touches its internals, makes long reports quicker."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from xlsxwriter import Workbook

# The class to subclass and its A1-notation decorators, imported as XlsxWriter's own subclassing
# example (examples/inheritance1.py) imports them: public API, unlike what xlsx_fast.py uses.
from xlsxwriter.worksheet import Worksheet, convert_cell_args, convert_range_args

from ..config import Config
from ..run.files import atomic_path

MAX_TEXT = 32767          # the most characters a cell holds; xlsxwriter cuts longer text there too
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


class Formats:
    def __init__(self, wb, config: Config):
        self.wb, self.config = wb, config
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.head = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78",
                                   "text_wrap": True, "valign": "top", "border": 1})
        self.text = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "border_color": "#BFBFBF"})
        self.number = wb.add_format({"valign": "top", "border": 1, "border_color": "#BFBFBF"})
        self.date = wb.add_format({"num_format": "dd/mm/yyyy", "valign": "top", "border": 1,
                                   "border_color": "#BFBFBF", "align": "left"})
        self.error = wb.add_format({"bold": True, "bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
        self.warning = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700", "border": 1, "valign": "top"})
        self._rag: dict[str, object] = {}
        self._directions = {
            "improved": wb.add_format({"font_color": "#006100", "bold": True, "border": 1}),
            "worsened": wb.add_format({"font_color": "#9C0006", "bold": True, "border": 1}),
            "new": wb.add_format({"font_color": "#1F4E78", "bold": True, "border": 1}),
        }

    def rag(self, label: str):
        """The rating's own colours, for a fixed value in a report."""
        if label not in self._rag:
            try:
                level = self.config.scale.level(label)
                self._rag[label] = self.wb.add_format({"bold": True, "bg_color": f"#{level.colour}",
                                                       "font_color": f"#{level.font}", "border": 1,
                                                       "valign": "top", "text_wrap": True})
            except KeyError:
                self._rag[label] = self.text
        return self._rag[label]

    def direction(self, direction: str | None):
        return self._directions.get(direction or "", self.text)

    def row(self, ws: "ReportSheet", row: int, cells, height: float | None = None) -> None:
        """One row of (value, format) pairs from column A: the fast way to write a long table."""
        ws.add_row(row, cells, height)

    def put(self, ws, row: int, col: int, value, fmt=None) -> None:
        """Text as text (never a formula); nothing as a blank cell, not an empty string, so the
        sheet reads the same after a spreadsheet application saves it."""
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_string(row, col, str(value), fmt)

    def header_row(self, ws, row: int, columns) -> None:
        for c, (name, width) in enumerate(columns):
            ws.write_string(row, c, name, self.head)
            ws.set_column(c, c, width)

    def header_row_at(self, ws, row: int, names) -> None:
        """A header row without touching column widths (tables stacked on one sheet)."""
        for c, name in enumerate(names):
            ws.write_string(row, c, name, self.head)

    def finish(self, ws, header_row: int, rows: int, columns: int) -> None:
        """Frozen header, filter, landscape A4 one page wide with the header repeated."""
        ws.freeze_panes(header_row + 1, 0)
        ws.autofilter(header_row, 0, header_row + max(rows, 1), columns - 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(header_row)
        ws.set_footer("&L&A&RPage &P of &N")


def fit_text(text: str) -> str:
    """Text cut to what a cell holds, counted as Excel counts (UTF-16 units), as xlsxwriter cuts
    it, never splitting a character."""
    if len(text) <= MAX_TEXT // 2:
        return text
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > MAX_TEXT:
            return text[:i]
    return text


def looks_rich(text: str) -> bool:
    """True for text xlsxwriter would take for rich-text XML and write into the file unescaped
    (a shared string that starts "<r>" and ends "</r>"): a lead who typed that could put XML
    into a workbook. ReportSheet writes such text as a rich string of plain runs instead."""
    return text.startswith("<r>") and text.endswith("</r>")


class ReportSheet(Worksheet):
    """An xlsxwriter worksheet that also takes whole rows (`add_row`) and keeps every string as
    text: write_string, write, write_row, write_column and merge_range write text that looks
    like rich-text XML (see looks_rich) as a rich string of plain runs, which reads back as the
    text itself; write_rich_string still writes rich text on purpose. ReportBook adds it
    through xlsxwriter's documented `add_worksheet(name, worksheet_class)`.

    Only xlsxwriter's public API is used here. Where the installed xlsxwriter has the
    internals it needs (checked when xlsx_fast is imported), xlsx_fast.FastReportSheet renders
    whole rows straight to XML instead, with the same cells; otherwise they are written here,
    cell by cell, more slowly."""

    def add_row(self, row: int, cells, height: float | None = None) -> None:
        """Text as shared text (never a formula), numbers as numbers, dates as dates, None and
        "" as a blank cell with the format (LibreOffice drops empty strings when it saves)."""
        if not (0 <= row < EXCEL_ROWS and len(cells) <= EXCEL_COLUMNS):
            raise ValueError(f"row {row + 1} cannot be written on sheet {self.get_name()}")
        if height:
            self.set_row(row, height)
        for col, (value, fmt) in enumerate(cells):
            kind = value.__class__
            if value is None or (kind is str and not value):
                self.write_blank(row, col, None, fmt)
            elif kind is str:
                self.write_string(row, col, value, fmt)
            elif kind is int or kind is float:
                self.write_number(row, col, value, fmt)
            elif isinstance(value, dt.date):
                day = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
                self.write_datetime(row, col, day, fmt)
            else:
                self.write_string(row, col, str(value), fmt)

    @convert_cell_args
    def write_string(self, row: int, col: int, string: str, cell_format=None) -> int:
        """xlsxwriter's write_string, but text that looks like rich-text XML stays text."""
        string = fit_text(string)
        if not looks_rich(string):
            return super().write_string(row, col, string, cell_format)
        # Two or three runs with no formatting of their own read back as the text itself.
        runs = ((string[:1], cell_format, string[1:], cell_format) if cell_format is not None
                else (string[:1], string[1:2], string[2:]))
        return self.write_rich_string(row, col, *runs)

    @convert_cell_args
    def write(self, row: int, col: int, *args):
        if args and args[0].__class__ is str and looks_rich(fit_text(args[0])):
            return self.write_string(row, col, *args)
        return super().write(row, col, *args)

    @convert_cell_args
    def write_row(self, row: int, col: int, data, cell_format=None) -> int:
        if not any(d.__class__ is str and looks_rich(fit_text(d)) for d in data):
            return super().write_row(row, col, data, cell_format)
        for i, token in enumerate(data):
            if error := self.write(row, col + i, token, cell_format):
                return error
        return 0

    @convert_cell_args
    def write_column(self, row: int, col: int, data, cell_format=None) -> int:
        if not any(d.__class__ is str and looks_rich(fit_text(d)) for d in data):
            return super().write_column(row, col, data, cell_format)
        for i, token in enumerate(data):
            if error := self.write(row + i, col, token, cell_format):
                return error
        return 0

    @convert_range_args
    def merge_range(self, first_row: int, first_col: int, last_row: int, last_col: int, data,
                    cell_format=None) -> int:
        if not (data.__class__ is str and looks_rich(fit_text(data))):
            return super().merge_range(first_row, first_col, last_row, last_col, data, cell_format)
        error = super().merge_range(first_row, first_col, last_row, last_col, "", cell_format)
        return error or self.write_string(min(first_row, last_row), min(first_col, last_col), data, cell_format)


class ReportBook(Workbook):
    """An xlsxwriter Workbook whose worksheets are ReportSheets (the plan workbook xlplan
    creates is one too, so a lead's text is text there as well)."""

    sheet_class: type[ReportSheet] = ReportSheet

    def add_worksheet(self, name: str | None = None, worksheet_class=None):
        return super().add_worksheet(name, worksheet_class or self.sheet_class)


def write_workbook(path: Path, build: Callable) -> Path:
    """A new workbook at `path`, written atomically: `build(wb)` adds the sheets. The workbook
    is xlsx_fast's quicker one where the installed xlsxwriter allows, else a ReportBook."""
    from .xlsx_fast import report_book

    with atomic_path(Path(path)) as tmp:
        wb = report_book()(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        build(wb)
        wb.close()
    return Path(path)


def row_height(texts: list[tuple[str, float]], line: float = 15.0) -> float:
    """Points needed to show wrapped text in full. LibreOffice keeps the default height of a
    row written without one, cutting text off, so the height is written explicitly."""
    lines = 1
    for text, width in texts:
        per_line = max(int(width * 1.15) - 1, 1)   # about 1.15 characters of Calibri 11 a unit
        needed = sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))
        lines = max(lines, needed)
    return min(lines * line + 3, 409)              # Excel's largest row height
