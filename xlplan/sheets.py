"""The look shared by every sheet xlplan writes for people (findings, changes, the weekly
report): one set of formats, one header style, the same print set-up. Text is always written
as text, never as a formula."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .config import Config
from .files import atomic_path


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
        self.warning = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700", "border": 1})
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
                                                       "valign": "top"})
            except KeyError:
                self._rag[label] = self.text
        return self._rag[label]

    def direction(self, direction: str | None):
        return self._directions.get(direction or "", self.text)

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


def write_workbook(path: Path, build: Callable) -> Path:
    """A new workbook at `path`, written atomically: `build(wb)` adds the sheets."""
    import xlsxwriter

    with atomic_path(Path(path)) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        build(wb)
        wb.close()
    return Path(path)
