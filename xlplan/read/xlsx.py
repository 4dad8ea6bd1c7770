"""Workbooks as grids, through one interface and two readers: python-calamine for the values
(ten times quicker than openpyxl), and openpyxl where calamine cannot go; a fill colour is
looked up only for a rating cell with no text."""

from __future__ import annotations

import posixpath
import re
import warnings
import zipfile
from pathlib import Path

from ..errors import WorkbookError, printable
from .colours import ColumnFills, cell_fill, style_fills, theme_colours
from .grid import Grid
from .guard import check_xlsx
from .sheetxml import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    STRICT_MAIN_NS,
    beyond_limit,
    date_styles,
    local,
    read_sheet,
    shape,
    shared_strings,
)


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


def sheet_grid(workbook, name: str, path: Path, rows: list[list] | None = None) -> Grid:
    ws = workbook[name]
    if rows is None:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    merged_width = {}
    for rng in ws.merged_cells.ranges:
        top = ws.cell(rng.min_row, rng.min_col).value
        merged_width[(rng.min_row, rng.min_col)] = rng.max_col - rng.min_col + 1
        # A merged group or objective cell spanning several rows belongs to each of them.
        for r in range(rng.min_row + 1, rng.max_row + 1):
            if r - 1 < len(rows):
                if rng.min_col - 1 >= len(rows[r - 1]):
                    rows[r - 1].extend([None] * (rng.min_col - len(rows[r - 1])))
                rows[r - 1][rng.min_col - 1] = top
    theme = theme_colours(getattr(workbook, "loaded_theme", None))

    def fill_of(row: int, col: int) -> tuple[str | None, str]:
        return cell_fill(ws.cell(row, col), theme)

    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    return Grid(path, name, rows, merged_width, fill_of, workbook.epoch == CALENDAR_MAC_1904)


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip part holding it, from the workbook and its relationships
    (transitional or Strict Open XML: elements are matched by their local names)."""
    from defusedxml import ElementTree

    try:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    except KeyError:
        raise WorkbookError(f"{z.filename} is not a workbook: it has no list of sheets (xl/workbook.xml)") from None
    try:
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise WorkbookError(f"{z.filename} cannot be read: it has no links from its list of sheets to the sheets "
                            f"(xl/_rels/workbook.xml.rels); open it in Excel and save it again") from None
    targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter() if local(r.tag) == "Relationship"}
    out = {}
    for sheet in book.iter():
        if local(sheet.tag) != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if local(k) == "id" and k.startswith("{")), None)
        name = sheet.get("name")
        if name is None or name in out:
            continue
        target = targets.get(rid, "")
        out[name] = (target.lstrip("/") if target.startswith("/")
                     else posixpath.normpath(posixpath.join("xl", target)) if target else "")
    return out


class OpenpyxlBook:
    """Every detail, at openpyxl's speed: the fallback when python-calamine is not installed."""

    def __init__(self, path: Path, max_unpacked_bytes: int, max_rows: int = 0, max_columns: int = 0):
        self.path = path
        self.workbook = open_workbook(path, max_unpacked_bytes, max_rows=max_rows)
        self.sheetnames = self.workbook.sheetnames
        self.limits = (max_rows or EXCEL_ROWS, max_columns or EXCEL_COLUMNS)
        self.notes: list[str] = []

    def _worksheet(self, name: str):
        ws = self.workbook[name]
        if not hasattr(ws, "iter_rows") or not hasattr(ws, "merged_cells"):
            raise WorkbookError(f"sheet {printable(name)!r} of {self.path} is a chart or other sheet without "
                                f"cells; pass --sheet NAME with the sheet of actions")
        return ws

    def grid(self, name: str) -> Grid:
        ws = self._worksheet(name)
        grid = sheet_grid(self.workbook, name, self.path, self._rows(ws, name))
        grid.notes.extend(self.notes)
        return grid

    def rows(self, name: str) -> list[list]:
        return self._rows(self._worksheet(name), name)

    def _rows(self, ws, name: str) -> list[list]:
        """The rows of a sheet. Where the rectangle up to its farthest cell is large (a stray
        far-away value), only the rows holding values, each as long as its last value: which
        cells hold one comes from the sheet's XML (xlplan's streaming reader; openpyxl has no
        public map of the cells it loaded), their values from openpyxl, cell by cell, so the
        value costs one cell, not the rectangle."""
        max_rows, max_columns = self.limits
        if (ws.max_row * ws.max_column <= CalamineBook.DENSE_CELLS
                and ws.max_row <= max_rows and ws.max_column <= max_columns):
            return [list(r) for r in ws.iter_rows(values_only=True)]
        where = f'sheet "{printable(name)}" of {self.path}'
        with zipfile.ZipFile(self.path) as z:
            xml = z.read(sheet_parts(z)[name])
            has_strings = "xl/sharedStrings.xml" in z.namelist()
            strings = shared_strings(z.read("xl/sharedStrings.xml")) if has_strings else []
        held = read_sheet(xml, strings=strings, kinds=[], date1904=False, max_rows=max_rows,
                          max_columns=max_columns, where=where).rows
        return [[ws.cell(r, c).value if v is not None else None for c, v in enumerate(row, 1)]
                for r, row in enumerate(held, 1)]


class CalamineBook:
    """Values from python-calamine where the sheet is as big as its data; from xlplan's own
    streaming reader (sheetxml.py) where calamine would build a rectangle of empty cells up to
    a stray far-away one, where a cell is beyond the limits, for Strict Open XML, and where
    calamine cannot read the file (with a note). Fills from the sheet's XML either way."""

    # calamine builds every cell of the rectangle up to the farthest one; it is used when that
    # rectangle is at most this many cells, or at most four times the cells the sheet has.
    DENSE_CELLS = 2_000_000

    def __init__(self, path: Path, max_unpacked_bytes: int, max_rows: int = 0, max_columns: int = 0):
        check_xlsx(path, max_unpacked_bytes, max_rows)
        self.path = path
        self.limits = (max_rows or EXCEL_ROWS, max_columns or EXCEL_COLUMNS)
        self.notes: list[str] = []
        try:
            with zipfile.ZipFile(path) as z:
                self.parts = sheet_parts(z)
                workbook_xml = z.read("xl/workbook.xml")
        except WorkbookError:
            raise
        except Exception as exc:
            raise WorkbookError(f"{path} cannot be read as a workbook ({_detail(exc)}); "
                                f"open it in Excel and save it again") from None
        self.date1904 = bool(re.search(rb'date1904="(1|true)"', workbook_xml))
        self.strict = STRICT_MAIN_NS.encode() in workbook_xml
        self.sheetnames = list(self.parts)
        self._workbook = None               # python-calamine's, opened when first needed
        self._calamine_failed = ""
        self._styles = None
        self._values = None                 # (shared strings, date kind of each style) for sheetxml

    def _where(self, name: str) -> str:
        return f'sheet "{printable(name)}" of {self.path}'

    def _xml(self, name: str) -> bytes:
        part = self.parts.get(name, "")
        try:
            with zipfile.ZipFile(self.path) as z:
                return z.read(part)
        except KeyError:
            raise WorkbookError(f"{self._where(name)} cannot be read: the workbook lists it, but the part "
                                f"that should hold it ({printable(part) or 'none named'}) is missing; open it in "
                                f"Excel and save it again") from None

    def _has(self, part: str) -> bool:
        with zipfile.ZipFile(self.path) as z:
            return part in z.namelist()

    def _calamine(self, name: str):
        """python-calamine's sheet, or None (and why, in self._calamine_failed) where it cannot."""
        if self._calamine_failed:
            return None
        try:
            if self._workbook is None:
                from python_calamine import CalamineWorkbook

                self._workbook = CalamineWorkbook.from_path(str(self.path))
            return self._workbook.get_sheet_by_name(name)        # parses the sheet's XML
        except Exception as exc:         # calamine raises its own kinds; the other reader goes on
            self._calamine_failed = _detail(exc)
            return None

    def _read(self, name: str) -> tuple[list[list], list[tuple[int, int, int, int]]]:
        """(rows, merged ranges as 0-based (r0, c0, r1, c1)) of a sheet, by the reader that
        costs what the data costs."""
        xml = self._xml(name)
        if b't="s"' in xml and not self._has("xl/sharedStrings.xml"):
            raise WorkbookError(f"{self._where(name)} cannot be read: its cells' shared text (xl/sharedStrings.xml) "
                                f"is missing from the workbook; open it in Excel and save it again, or use a backup")
        size = shape(xml)
        max_rows, max_columns = self.limits
        dense = (not self.strict and size.addressed and size.rows <= max_rows and size.columns <= max_columns
                 and size.area <= max(self.DENSE_CELLS, 4 * size.cells))
        sheet = self._calamine(name) if dense else None
        if sheet is not None:
            try:
                rows = [[_value(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
                merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []]
                return rows, merges
            except Exception as exc:
                self._calamine_failed = _detail(exc)
        if dense and self._calamine_failed:
            # calamine's message is sometimes only a sheet's name ("Tabelle1"): then it says nothing.
            said = self._calamine_failed.partition(": ")[2].strip("'\" ")
            why = f" ({self._calamine_failed})" if " " in said and said not in self.sheetnames else ""
            note = f"read {self._where(name)} with xlplan's own reader, as python-calamine could not read it{why}"
            if note not in self.notes:
                self.notes.append(note)
        strings, kinds = self._value_parts()
        sparse = read_sheet(xml, strings=strings, kinds=kinds, date1904=self.date1904, max_rows=max_rows,
                            max_columns=max_columns, where=self._where(name))
        return sparse.rows, sparse.merges

    def _value_parts(self) -> tuple[list[str], list[str]]:
        if self._values is None:
            with zipfile.ZipFile(self.path) as z:
                names = set(z.namelist())
                strings = shared_strings(z.read("xl/sharedStrings.xml")) if "xl/sharedStrings.xml" in names else []
                kinds = date_styles(z.read("xl/styles.xml")) if "xl/styles.xml" in names else []
            self._values = (strings, kinds)
        return self._values

    def rows(self, name: str) -> list[list]:
        return self._read(name)[0]

    def grid(self, name: str) -> Grid:
        rows, merges = self._read(name)
        merged_width = {}
        for r0, c0, r1, c1 in merges:
            if r0 < 0 or c0 < 0:
                continue
            merged_width[(r0 + 1, c0 + 1)] = c1 - c0 + 1
            top = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else None
            for r in range(r0 + 1, min(r1 + 1, len(rows))):   # a merged group cell belongs to each of its rows
                if c0 >= len(rows[r]):
                    rows[r].extend([None] * (c0 + 1 - len(rows[r])))
                rows[r][c0] = top
        fills = ColumnFills(self, self.parts.get(name, ""))
        return Grid(self.path, name, rows, merged_width, fills.fill, self.date1904, notes=list(self.notes))

    def styles(self) -> tuple[list, list[str]]:
        """(the fill of each cell style, the theme colours), read once."""
        if self._styles is None:
            with zipfile.ZipFile(self.path) as z:
                theme = theme_colours(z.read("xl/theme/theme1.xml")) if "xl/theme/theme1.xml" in z.namelist() else []
                self._styles = (style_fills(z.read("xl/styles.xml")) if "xl/styles.xml" in z.namelist() else [], theme)
        return self._styles


def _detail(exc: BaseException) -> str:
    return printable(f"{type(exc).__name__}: {' '.join(str(exc).split())}")[:160]


def _value(v):
    if v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def open_book(path: Path, max_unpacked_bytes: int, max_rows: int = 0, max_columns: int = 0):
    """The fastest reader that gives the right answer: python-calamine when installed (with
    xlplan's own streaming reader where calamine would pay for empty space or cannot read)."""
    import os

    if os.environ.get("XLPLAN_READER") != "openpyxl":
        try:
            import python_calamine  # noqa: F401
        except ImportError:
            pass
        else:
            return CalamineBook(path, max_unpacked_bytes, max_rows, max_columns)
    return OpenpyxlBook(path, max_unpacked_bytes, max_rows, max_columns)
