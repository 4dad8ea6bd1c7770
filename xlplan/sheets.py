"""The look shared by every sheet xlplan writes for people (findings, changes, the weekly
report): one set of formats, one header style, the same print set-up. Text is always written
as text, never as a formula."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from pathlib import Path
from typing import Callable

from xlsxwriter.worksheet import Worksheet

from .config import Config
from .files import atomic_path
from .text import column_letter

MAX_TEXT = 32767          # the most characters a cell holds; xlsxwriter cuts longer text there too
_DAY_ZERO = dt.date(1899, 12, 30).toordinal()      # Excel's day 0, counting from 1 March 1900 on
_FIRST_PLAIN_SERIAL = dt.date(1900, 3, 1)          # (before it, Excel's leap day 1900 counts)


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


class ReportSheet(Worksheet):
    """An xlsxwriter worksheet that also takes whole rows, rendered to XML as they come.

    A weekly report of a 100,000-action plan is millions of cells; written cell by cell
    through xlsxwriter, the 10,000-action report took 4.5 s, written this way 1.5 s. The rows
    are written in xlsxwriter's own way (its shared strings and formats), and everything else
    on the sheet (titles, headers, merged headings, widths, filters, print set-up) goes through
    xlsxwriter's ordinary methods. It relies on xlsxwriter's internals (`_write_rows`, the
    shared-string table, format indexes), hence its pinned major version; tests/test_sheets.py
    holds the output to xlsxwriter's own and tests/client proves it in LibreOffice."""

    def __init__(self):
        super().__init__()
        self._rendered: dict[int, str] = {}
        self._styles: dict[int, int] = {id(None): 0}

    def add_row(self, row: int, cells, height: float | None = None) -> None:
        """Text as shared text (never a formula), numbers as numbers, dates as dates, None and
        "" as a blank cell with the format (LibreOffice drops empty strings when it saves)."""
        if self.constant_memory or self._check_dimensions(row, max(len(cells) - 1, 0)):
            raise ValueError(f"row {row + 1} cannot be written on sheet {self.name}")
        sst, styles, n = self.str_table, self._styles, row + 1
        known, new_string = sst.string_table, sst._get_shared_string_index
        refs = [f'<c r="{column_letter(col)}{n}" s="' for col in range(len(cells))]
        parts = [f'<row r="{n}" ht="{height:.16g}" customHeight="1">' if height else f'<row r="{n}">']
        repeats = 0
        for ref, (value, fmt) in zip(refs, cells):
            s = styles.get(id(fmt))
            if s is None:
                s = styles[id(fmt)] = fmt._get_xf_index()
            kind = value.__class__
            if kind is str and value:
                i = known.get(value)                  # xlsxwriter's table, looked up here: 2 million times
                if i is None:
                    i = new_string(value[:MAX_TEXT])
                else:
                    repeats += 1
                parts.append(f'{ref}{s}" t="s"><v>{i}</v></c>')
            elif value is None or kind is str:
                parts.append(f'{ref}{s}"/>')
            elif kind is int or kind is float:
                parts.append(f'{ref}{s}"><v>{value:.16g}</v></c>')
            elif kind is dt.date and value >= _FIRST_PLAIN_SERIAL and not self.date_1904:
                parts.append(f'{ref}{s}"><v>{value.toordinal() - _DAY_ZERO}</v></c>')
            elif isinstance(value, dt.date):
                day = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
                parts.append(f'{ref}{s}"><v>{self._convert_date_time(day):.16g}</v></c>')
            else:
                parts.append(f'{ref}{s}" t="s"><v>{new_string(str(value)[:MAX_TEXT])}</v></c>')
        sst.count += repeats
        parts.append("</row>")
        self._rendered[row] = "".join(parts)

    def _write_rows(self) -> None:
        if not self._rendered:
            return super()._write_rows()
        rows = sorted(set(self._rendered) | {r for r, cells in self.table.items() if cells} | set(self.row_info))
        for r in rows:
            if r in self._rendered:
                if self.table.get(r):
                    raise ValueError(f"row {r + 1} of sheet {self.name} was written both as a whole row and cell by cell")
                self.fh.write(self._rendered[r])
                continue
            cells, info = self.table.get(r), self.row_info.get(r)
            if cells:
                self._write_row(r, None, info)
                for c in sorted(cells):
                    self._write_cell(r, c, cells[c])
                self._xml_end_tag("row")
            else:
                self._write_empty_row(r, None, info)


def write_workbook(path: Path, build: Callable) -> Path:
    """A new workbook at `path`, written atomically: `build(wb)` adds the sheets."""
    import xlsxwriter

    with atomic_path(Path(path)) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        wb.worksheet_class = ReportSheet
        build(wb)
        with _packaging():
            wb.close()
    return Path(path)


@contextlib.contextmanager
def _packaging():
    """Two changes to how xlsxwriter packs the file, for the length of one close():

    - the shared strings are written by `_write_plain_strings`: always as text, and quicker;
    - deflate level 3 instead of zipfile's 6: a 100,000-action report zips in a third of the
      time (1.5 s against 4.6 s) for a file 18% larger. xlsxwriter has no setting for it."""
    import zipfile

    from xlsxwriter import sharedstrings, workbook

    write_strings = sharedstrings.SharedStrings._write_sst_strings
    workbook.ZipFile = functools.partial(zipfile.ZipFile, compresslevel=3)
    sharedstrings.SharedStrings._write_sst_strings = _write_plain_strings
    try:
        yield
    finally:
        workbook.ZipFile = zipfile.ZipFile
        sharedstrings.SharedStrings._write_sst_strings = write_strings


_EXCEL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_XML_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def _write_plain_strings(sst) -> None:
    """The shared strings, as xlsxwriter writes them but for one thing: xlsxwriter takes a
    string that starts "<r>" and ends "</r>" for rich text and writes it as XML, unescaped, so
    a lead who typed that could put XML into the report. xlplan writes no rich text: every
    string is text. (And a string needing nothing done, most of them, is written at once.)"""
    out = []
    for text in sst.string_table.string_array:
        if "_x" in text:
            text = _EXCEL_ESCAPE.sub(r"_x005F\1", text)       # Excel's escape, escaped
        if (not text.replace("\n", "").replace("\t", "").isprintable() if text.isascii()
                else _XML_CONTROL.search(text)):
            text = _XML_CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
        if "&" in text or "<" in text or ">" in text:
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if text[:1].isspace() or text[-1:].isspace():
            out.append(f'<si><t xml:space="preserve">{text}</t></si>')
        else:
            out.append(f"<si><t>{text}</t></si>")
        if len(out) >= 10_000:
            sst.fh.write("".join(out))
            out.clear()
    sst.fh.write("".join(out))
