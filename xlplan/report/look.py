"""The look shared by every sheet xlplan writes for people (findings, changes, the weekly
report): one set of formats, one header style, the same print set-up. Text is always written
as text, never as a formula nor as rich-text XML. Only xlsxwriter's public API is used here;
xlsx_fast.py, the one module that touches its internals, makes long reports quicker."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
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
        """One row of (value, format) pairs from column A: the fast way to write a long table.
        Its height is worked out from its text and the widths its header row set, so that
        wrapped text is shown whole, not cut off or printed over the next row."""
        if height is None:
            height = cells_height(cells, getattr(ws, "text_widths", None))
        ws.add_row(row, cells, height)

    def put(self, ws, row: int, col: int, value, fmt=None) -> None:
        """Text as text (never a formula); nothing as a blank cell, not an empty string, so the
        sheet reads the same after a spreadsheet application saves it."""
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_string(row, col, str(value), fmt)

    def header_row(self, ws, row: int, columns) -> None:
        """The header row, and the column widths (kept on the sheet for row heights and print)."""
        widths = [width for _, width in columns]
        for c, (name, width) in enumerate(columns):
            ws.write_string(row, c, name, self.head)
            ws.set_column(c, c, width)
        ws.text_widths, ws.header_names = widths, [name for name, _ in columns]
        ws.set_row(row, row_height([(name, width) for name, width in columns], bold=True))

    def header_row_at(self, ws, row: int, names) -> None:
        """A header row without touching column widths (tables stacked on one sheet)."""
        for c, name in enumerate(names):
            ws.write_string(row, c, name, self.head)

    def finish(self, ws, header_row: int, rows: int, columns: int, *, title: str = "",
               optional: int | None = None, drop_first: bool = False) -> None:
        """Frozen header, filter, and print: landscape A4 one page wide (A3 when A4 would print
        below 60%), the header row repeated, the sheet's name and page numbers at the foot."""
        ws.freeze_panes(header_row + 1, 0)
        ws.autofilter(header_row, 0, header_row + max(rows, 1), columns - 1)
        widths = list(getattr(ws, "text_widths", None) or [10] * columns)[:columns]
        names = getattr(ws, "header_names", None)
        print_setup(ws, widths, repeat=header_row, title=title, optional=optional, names=names,
                    last_row=header_row + max(rows, 1), drop_first=drop_first)


# -- paper -----------------------------------------------------------------------------------
A4, A3 = 9, 8                                   # Excel's paper codes
_INCHES = {A4: (11.69, 8.27), A3: (16.54, 11.69)}   # long side, short side


def printable(paper: int, landscape: bool = True, top_bottom: float = 1.2) -> tuple[float, float]:
    """Points across and down a page inside xlplan's margins (0.4" at the sides, 0.6" at the
    top and bottom, where the page's header and footer print)."""
    long, short = _INCHES[paper]
    across, down = (long, short) if landscape else (short, long)
    return (across - 0.8) * 72, (down - top_bottom) * 72


PRINTABLE = {paper: printable(paper) for paper in _INCHES}
MIN_SCALE = 0.6                                 # below this, text at 11 pt prints under 7 pt


def column_points(width: float) -> float:
    """The printed width of a column `width` characters wide (Calibri 11: 7 pixels a
    character and 5 of padding, at 96 pixels an inch)."""
    return (int(width * 7 + 5) if width > 0 else 0) * 0.75


def header_text(text: str) -> str:
    """Text for a page header or footer: '&' is a code there, so it is doubled."""
    return text.replace("&", "&&")


@dataclass(frozen=True)
class PrintFit:
    paper: int
    scale: float
    columns: int                                # the columns printed, from A
    note: str = ""


def choose_paper(widths: list[float], optional: int | None = None, names: list[str] | None = None,
                 drop_first: bool = False) -> PrintFit:
    """Landscape A4 one page wide when the columns print at 60% or more there; else A3;
    else without the columns from `optional` on (the plan's extra kept columns), on A4 or
    A3; else as many columns as fit A3 at 60%. A note says which columns are not printed."""
    total = sum(map(column_points, widths)) or 1.0
    for paper in ((A4,) if drop_first and optional else (A4, A3)):
        if PRINTABLE[paper][0] / total >= MIN_SCALE:
            return PrintFit(paper, min(1.0, PRINTABLE[paper][0] / total), len(widths))
    keep = len(widths)
    if optional is not None and 0 < optional < len(widths):
        core = sum(map(column_points, widths[:optional]))
        for paper in (A4, A3):
            if PRINTABLE[paper][0] / core >= MIN_SCALE:
                keep = optional
                return PrintFit(paper, min(1.0, PRINTABLE[paper][0] / core), keep,
                                _left_out(widths, keep, names))
    room, used, keep = PRINTABLE[A3][0] / MIN_SCALE, 0.0, 0
    for w in widths:
        if used + column_points(w) > room and keep:
            break
        used, keep = used + column_points(w), keep + 1
    return PrintFit(A3, min(1.0, PRINTABLE[A3][0] / used), keep, _left_out(widths, keep, names))


def _left_out(widths, keep: int, names: list[str] | None) -> str:
    from ..text import column_letter

    left = len(widths) - keep
    which = ", ".join(names[keep:keep + 4]) + (" ..." if left > 4 else "") if names else \
        f"{column_letter(keep)} to {column_letter(len(widths) - 1)}"
    return f"Not printed: {left} more column{'s' * (left != 1)} ({which}); see the workbook"


def print_setup(ws, widths: list[float], *, repeat: int | None = None, title: str = "",
                optional: int | None = None, names: list[str] | None = None, portrait: bool = False,
                last_row: int | None = None, fit_width: bool = True, drop_first: bool = False) -> PrintFit:
    """The page set-up of a sheet of these column widths: paper, orientation, one page wide,
    margins, the header row repeated, a title at the head of each page (with a note of any
    columns not printed), and the sheet's name with "Page n of m" at the foot."""
    fit = choose_paper(widths, optional, names, drop_first)
    across = printable(A4, landscape=False)[0] / (sum(map(column_points, widths)) or 1.0)
    if portrait and across >= MIN_SCALE:
        fit = PrintFit(A4, min(1.0, across), len(widths))
        ws.set_portrait()
    else:
        ws.set_landscape()
    ws.set_paper(fit.paper)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if fit_width:
        ws.fit_to_pages(1, 0)
    if repeat is not None:
        ws.repeat_rows(repeat)
    if fit.columns < len(widths):
        ws.print_area(0, 0, last_row if last_row is not None else EXCEL_ROWS - 1, fit.columns - 1)
    head = "&L&\"Calibri,Bold\"" + header_text(title[:120]) if title else ""
    if fit.note:
        head += "&R" + header_text(fit.note[:120])
    if head:
        ws.set_header(head)
    ws.set_footer("&L&A&RPage &P of &N")
    return fit


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


# Advance widths, in thousandths of an em, of the printable ASCII characters (space to "~") in
# Calibri, the default font of Excel, read from Carlito (metric-compatible with Calibri, the font
# LibreOffice prints it with): regular, then bold. Any other character counts as WIDE_CHAR.
_REGULAR = (
    226, 326, 401, 498, 507, 715, 682, 221, 303, 303, 498, 498, 250, 306, 252, 386, 507, 507, 507,
    507, 507, 507, 507, 507, 507, 507, 268, 268, 498, 498, 498, 463, 894, 579, 544, 533, 615, 488,
    459, 631, 623, 252, 319, 520, 420, 855, 646, 662, 517, 673, 543, 459, 487, 642, 567, 890, 519,
    487, 468, 307, 386, 307, 498, 498, 291, 479, 525, 423, 525, 498, 305, 471, 525, 229, 239, 455,
    229, 799, 525, 527, 525, 525, 349, 391, 335, 525, 452, 715, 433, 453, 395, 314, 460, 314, 498)
_BOLD = (
    226, 326, 438, 498, 507, 729, 705, 233, 312, 312, 498, 498, 258, 306, 267, 430, 507, 507, 507,
    507, 507, 507, 507, 507, 507, 507, 276, 276, 498, 498, 498, 463, 898, 606, 561, 529, 630, 488,
    459, 637, 631, 267, 331, 547, 423, 874, 659, 676, 532, 686, 563, 473, 495, 653, 591, 906, 551,
    520, 478, 325, 430, 325, 498, 498, 300, 494, 537, 418, 537, 503, 316, 474, 537, 246, 255, 480,
    246, 813, 537, 538, 537, 537, 355, 399, 347, 537, 473, 745, 459, 474, 397, 344, 475, 344, 498)
WIDE_CHAR = 1000                                # an em: wider than any dash, as wide as a CJK letter
WIDEST = 15                                     # pixels: no letter is wider (an em is 14.7)
_PX_PER_EM = 11 * 96 / 72                       # Calibri 11 at 96 pixels an inch
_CELL_PADDING = 6                               # pixels of a column not written in (both sides)
_MARGIN = 0.975                                 # Excel draws Calibri 11 at 15 pixels an em on screen


def text_pixels(text: str, bold: bool = False) -> float:
    """The width of `text` in pixels, in Calibri 11 (one line, not wrapped)."""
    table = _BOLD if bold else _REGULAR
    ems = sum(table[o - 32] if 32 <= (o := ord(c)) < 127 else WIDE_CHAR for c in text)
    return ems * _PX_PER_EM / 1000


def line_pixels(width: float) -> float:
    """The pixels a line of text takes up in a column `width` characters wide."""
    return max((int(width * 7 + 5) - _CELL_PADDING) * _MARGIN, 8.0)


def merged_width(widths) -> float:
    """The width, in characters, of one cell merged across columns of these widths (each
    column's padding is room for text when they are one cell)."""
    return (sum(int(w * 7 + 5) if w > 0 else 0 for w in widths) - 5) / 7


def row_height(texts, line: float = 15.0, bold: bool = False) -> float:
    """Points needed to show wrapped text in full: (text, column width) pairs, the tallest
    wins. LibreOffice keeps the default height of a row written without one, cutting text off
    or printing it over the next row, so every row of wrapped text is written with this.
    Lines are measured as they print: each letter's width in Calibri (text_pixels), words
    wrapped whole at spaces, a word longer than a line broken where it must. A line is 15
    points, as Excel shows it (LibreOffice prints it a little closer)."""
    lines = 1
    for text, width in texts:
        text = str(text) if text is not None else ""
        if not text:
            continue
        room = line_pixels(width)
        if "\n" not in text and len(text) * WIDEST <= room:     # fits whatever its letters
            continue
        needed = sum(_lines(part, room, bold) for part in text.split("\n"))
        lines = max(lines, needed)
    return min(lines * line + 3, 409)              # Excel's largest row height


@functools.lru_cache(maxsize=1 << 16)          # a statement is measured on several sheets
def _lines(text: str, room: float, bold: bool = False) -> int:
    """Lines a paragraph takes when wrapped at spaces in `room` pixels (a word too long for a
    line is broken between letters)."""
    if text_pixels(text, bold) <= room:
        return 1
    space = text_pixels(" ", bold)
    lines, used = 1, 0.0
    for word in text.split(" "):
        size = text_pixels(word, bold)
        if used and used + space + size <= room:
            used += space + size
            continue
        if used:
            lines += 1                            # the word starts a new line
        used = 0.0
        if size > room:                           # broken between letters
            for char in word:
                w = text_pixels(char, bold)
                if used and used + w > room:
                    lines, used = lines + 1, 0.0
                used += w
        else:
            used = size
    return lines


def cells_height(cells, widths) -> float | None:
    """The height of a row of (value, format) cells under columns of these widths: None when
    every cell's text fits on one line (the default height shows it)."""
    if not widths:
        return None
    texts = [(value, widths[c]) for c, (value, _) in enumerate(cells[:len(widths)])
             if value.__class__ is str and len(value) * WIDEST > line_pixels(widths[c])]
    if not texts:
        return None
    height = row_height(texts)
    return height if height > 18 else None
