"""Workbooks as grids, through one interface and two readers: python-calamine for the values
(ten times quicker than openpyxl), and openpyxl where calamine cannot go; a fill colour is
looked up only for a rating cell with no text."""

from __future__ import annotations

import posixpath
import re
import warnings
import zipfile
from pathlib import Path

from ..errors import WorkbookError
from .colours import ColumnFills, cell_fill, style_fills, theme_colours
from .grid import Grid
from .guard import MAIN_NS, PKG_REL_NS, REL_NS, check_xlsx


def open_workbook(path: Path, max_unpacked_bytes: int, *, data_only: bool = True, max_rows: int = 0):
    """An openpyxl workbook, after check_xlsx. Values of formulas are the cached results."""
    check_xlsx(path, max_unpacked_bytes, max_rows)
    import openpyxl  # imported here so that commands that read no workbook start quickly

    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation and conditional formatting extensions it
            # cannot read; reading values is unaffected.
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, data_only=data_only, rich_text=False)
    except WorkbookError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        detail = " ".join(str(exc).split())[:160]
        raise WorkbookError(f"{path} cannot be read as a workbook ({type(exc).__name__}: {detail}); "
                            f"open it in Excel and save it again") from None


def sheet_grid(workbook, name: str, path: Path) -> Grid:
    ws = workbook[name]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    merged_width = {}
    for rng in ws.merged_cells.ranges:
        top = ws.cell(rng.min_row, rng.min_col).value
        merged_width[(rng.min_row, rng.min_col)] = rng.max_col - rng.min_col + 1
        # A merged group or objective cell spanning several rows belongs to each of them.
        for r in range(rng.min_row + 1, rng.max_row + 1):
            if r - 1 < len(rows) and rng.min_col - 1 < len(rows[r - 1]):
                rows[r - 1][rng.min_col - 1] = top
    theme = theme_colours(getattr(workbook, "loaded_theme", None))

    def fill_of(row: int, col: int) -> tuple[str | None, str]:
        return cell_fill(ws.cell(row, col), theme)

    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    return Grid(path, name, rows, merged_width, fill_of, workbook.epoch == CALENDAR_MAC_1904)


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip part holding it, from the workbook and its relationships."""
    from defusedxml import ElementTree

    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{PKG_REL_NS}}}Relationship")}
    out = {}
    for sheet in book.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{REL_NS}}}id"), "")
        out[sheet.get("name")] = (target.lstrip("/") if target.startswith("/")
                                  else posixpath.normpath(posixpath.join("xl", target)))
    return out


class OpenpyxlBook:
    """Every detail, at openpyxl's speed: the fallback when python-calamine is not installed."""

    def __init__(self, path: Path, max_unpacked_bytes: int, max_rows: int = 0):
        self.path = path
        self.workbook = open_workbook(path, max_unpacked_bytes, max_rows=max_rows)
        self.sheetnames = self.workbook.sheetnames

    def grid(self, name: str) -> Grid:
        return sheet_grid(self.workbook, name, self.path)

    def rows(self, name: str) -> list[list]:
        return [list(r) for r in self.workbook[name].iter_rows(values_only=True)]


class CalamineBook:
    def __init__(self, path: Path, max_unpacked_bytes: int, max_rows: int = 0):
        from python_calamine import CalamineWorkbook

        check_xlsx(path, max_unpacked_bytes, max_rows)
        self.path = path
        try:
            self.workbook = CalamineWorkbook.from_path(str(path))
            with zipfile.ZipFile(path) as z:
                self.parts = sheet_parts(z)
                self.date1904 = bool(re.search(rb'date1904="(1|true)"', z.read("xl/workbook.xml")))
        except WorkbookError:
            raise
        except Exception as exc:
            detail = " ".join(str(exc).split())[:160]
            raise WorkbookError(f"{path} cannot be read as a workbook ({type(exc).__name__}: {detail}); "
                                f"open it in Excel and save it again") from None
        self.sheetnames = list(self.workbook.sheet_names)
        self._styles = None

    def _sheet(self, name: str):
        try:
            return self.workbook.get_sheet_by_name(name)        # parses the sheet's XML
        except Exception as exc:
            raise WorkbookError(f'sheet "{name}" of {self.path} cannot be read ({" ".join(str(exc).split())[:120]})') from None

    @staticmethod
    def _rows(sheet) -> list[list]:
        return [[_value(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]

    def rows(self, name: str) -> list[list]:
        return self._rows(self._sheet(name))

    def grid(self, name: str) -> Grid:
        sheet = self._sheet(name)
        rows = self._rows(sheet)
        merged_width = {}
        for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
            merged_width[(r0 + 1, c0 + 1)] = c1 - c0 + 1
            top = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else None
            for r in range(r0 + 1, r1 + 1):        # a merged group cell belongs to each of its rows
                if r < len(rows) and c0 < len(rows[r]):
                    rows[r][c0] = top
        fills = ColumnFills(self, self.parts.get(name, ""))
        return Grid(self.path, name, rows, merged_width, fills.fill, self.date1904)

    def styles(self) -> tuple[list, list[str]]:
        """(the fill of each cell style, the theme colours), read once."""
        if self._styles is None:
            with zipfile.ZipFile(self.path) as z:
                theme = theme_colours(z.read("xl/theme/theme1.xml")) if "xl/theme/theme1.xml" in z.namelist() else []
                self._styles = (style_fills(z.read("xl/styles.xml")) if "xl/styles.xml" in z.namelist() else [], theme)
        return self._styles


def _value(v):
    if v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def open_book(path: Path, max_unpacked_bytes: int, max_rows: int = 0):
    """The fastest reader that gives the right answer: python-calamine when installed."""
    import os

    if os.environ.get("XLPLAN_READER") != "openpyxl":
        try:
            import python_calamine  # noqa: F401
        except ImportError:
            pass
        else:
            return CalamineBook(path, max_unpacked_bytes, max_rows)
    return OpenpyxlBook(path, max_unpacked_bytes, max_rows)
