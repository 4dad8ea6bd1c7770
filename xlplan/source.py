"""Open a plan source (an .xlsx workbook, CSV, or tab-separated text as copied out of Word)
and turn a sheet of it into a grid of cell values, refusing what is not what it claims to be
before any parser sees it."""

from __future__ import annotations

import colorsys
import csv
import io
import posixpath
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import WorkbookError

XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm"}
DOCX_SUFFIXES = {".docx", ".docm"}
TEXT_SUFFIXES = {".txt", ".tsv", ".tab", ".csv"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Theme colour index in a cell -> position in the theme's colour scheme. Excel swaps the
# first two pairs: index 0 is lt1 (background), 1 is dk1 (text).
_THEME_ORDER = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4",
                "accent5", "accent6", "hlink", "folHlink")


@dataclass
class Grid:
    """The cells of one sheet: rows[i][j] is the value at worksheet row i+1, column j+1.
    A merged range's value is read at its top-left; `merged_width` says how wide it is."""

    path: Path
    sheet: str
    rows: list[list]
    merged_width: dict[tuple[int, int], int] = field(default_factory=dict)
    fill_of: Callable[[int, int], tuple[str | None, str]] = lambda row, col: (None, "")
    date1904: bool = False           # the workbook counts days from 1904 (old Mac Excel)

    def fill(self, row: int, col: int) -> tuple[str | None, str]:
        """(RRGGBB or None, problem) of the fill at 1-based row and column."""
        return self.fill_of(row, col)


_PACKAGES = {
    # kind: (part every such file has, what people call it, the old format, its app)
    "xlsx": ("xl/workbook.xml", "an Excel workbook (.xlsx)", ".xls workbook (Excel 97-2003)", "Excel"),
    "docx": ("word/document.xml", "a Word document (.docx)", ".doc document (Word 97-2003)", "Word"),
}


def check_xlsx(path: Path, max_unpacked_bytes: int, max_rows: int = 0) -> None:
    check_package(path, max_unpacked_bytes, "xlsx", max_rows)


def check_package(path: Path, max_unpacked_bytes: int, kind: str, max_rows: int = 0) -> None:
    """Refuse files that are not the OOXML package they claim to be, with a sentence saying
    what they are; refuse zip bombs from the zip directory's sizes, before unpacking."""
    part, name, old, app = _PACKAGES[kind]
    if not path.exists():
        raise WorkbookError(f"{path} does not exist; check the path (or [workbook] path in the config)")
    if path.is_dir():
        raise WorkbookError(f"{path} is a folder, not {name}")
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise WorkbookError(f"{path} cannot be read ({exc.strerror})") from None
    if not head:
        raise WorkbookError(f"{path} is empty (0 bytes); it is not {name}")
    if head == _OLE_MAGIC:
        data = path.read_bytes()[:2_000_000]
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise WorkbookError(f"{path} is password-protected; open it in {app}, remove the password "
                                f"(File > Info > Protect) and save it, then run xlplan again")
        raise WorkbookError(f"{path} is an old-style {old}; open it in {app} or "
                            f"LibreOffice and save it as .{kind}")
    if not zipfile.is_zipfile(path):
        if _looks_like_text(path):
            raise WorkbookError(f"{path} holds plain text (CSV or tab-separated), not {name}; "
                                f"give it a .csv or .txt name, or open it in {app} and save as .{kind}")
        raise WorkbookError(f"{path} is not {name}; open it in {app} or "
                            f"LibreOffice and save it as .{kind}")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError(f"{path} is damaged and cannot be opened ({exc})") from None
    names = {i.filename for i in infos}
    if kind == "xlsx" and "xl/workbook.bin" in names:
        raise WorkbookError(f"{path} is a binary workbook (.xlsb); save it as .xlsx in Excel")
    if part not in names:
        raise WorkbookError(f"{path} is a zip file but not {name} (it has no {part})")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > max_unpacked_bytes:
        raise WorkbookError(f"{path} would unpack to {unpacked / 2**20:,.0f} MB, more than the "
                            f"{max_unpacked_bytes / 2**20:,.0f} MB limit ([limits] max_unpacked_mb in the "
                            f"config); refusing it as a possible zip bomb")
    with zipfile.ZipFile(path) as z:
        for info in infos:
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with z.open(info) as part:
                    head = part.read(4096)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, zlib.error) as exc:
                raise WorkbookError(f"{path} is damaged: its part {info.filename} cannot be read "
                                    f"({' '.join(str(exc).split())[:120]})") from None
            # Workbooks never declare a DTD; entities are how XML bombs ("billion laughs") work.
            if re.search(rb"<!(DOCTYPE|ENTITY)", head, re.IGNORECASE):
                raise WorkbookError(f"{path} declares XML entities in {info.filename}, which no workbook "
                                    f"needs; refusing it (an XML entity bomb?)")
            if max_rows and info.filename.startswith("xl/worksheets/"):
                dimension = re.search(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
                rows = int(dimension.group(1)) if dimension else 0
                if rows > max_rows:
                    raise WorkbookError(f"{path} has a sheet of {rows:,} rows, more than the limit of "
                                        f"{max_rows:,} ([limits] max_rows in the config); split the plan or "
                                        f"raise the limit")


def _looks_like_text(path: Path) -> bool:
    sample = path.read_bytes()[:4096]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return b"\x00" not in sample


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


def theme_colours(xml: bytes | None) -> list[str]:
    """A workbook theme's colours (RRGGBB), in the order cells refer to them."""
    if not xml:
        return []
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(xml)
    except Exception:
        return []
    ns = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    scheme = root.find(f".//{ns}clrScheme")
    if scheme is None:
        return []
    found = {}
    for child in scheme:
        tag = child.tag.replace(ns, "")
        srgb = child.find(f"{ns}srgbClr")
        sys_ = child.find(f"{ns}sysClr")
        if srgb is not None:
            found[tag] = srgb.get("val", "").upper()
        elif sys_ is not None:
            found[tag] = sys_.get("lastClr", "").upper()
    return [found.get(name, "") for name in _THEME_ORDER]


def cell_fill(cell, theme: list[str]) -> tuple[str | None, str]:
    """The fill colour a person sees in an openpyxl cell, as RRGGBB, or None for no fill.
    A pattern reads as its colour (fgColor), as a solid fill does: a lead who fills a rating
    cell with a red "lightGrid" means red. A gradient reads as no colour."""
    fill = cell.fill
    if fill is None or getattr(fill, "tagname", "") != "patternFill" or fill.fill_type in (None, "none"):
        return None, ""
    colour = fill.fgColor          # openpyxl's Color() (black) where the workbook names none
    if colour is None:
        return None, ""
    attributes = {"rgb": {"rgb": colour.rgb}, "theme": {"theme": colour.theme, "tint": colour.tint},
                  "indexed": {"indexed": colour.indexed}}.get(colour.type)
    if attributes is None or (colour.type == "rgb" and not isinstance(colour.rgb, str)):
        return None, ""
    return resolve_colour(attributes, theme)


def apply_tint(rgb: str, tint: float) -> str:
    """Excel's tint: darken (tint < 0) or lighten (tint > 0) in HLS lightness."""
    if not tint:
        return rgb.upper()
    r, g, b = (int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4))
    h, l, s = colorsys.rgb_to_hls(r, g, b)
    l = l * (1 + tint) if tint < 0 else l * (1 - tint) + tint
    return "".join(f"{round(c * 255):02X}" for c in colorsys.hls_to_rgb(h, min(max(l, 0), 1), s))


def text_grid(path: Path) -> Grid:
    """A CSV or tab-separated text file as a grid (a Word table copied out as text)."""
    if not path.exists():
        raise WorkbookError(f"{path} does not exist; check the path")
    raw = path.read_bytes()
    if raw[:4] == b"PK\x03\x04" or raw[:8] == _OLE_MAGIC:
        raise WorkbookError(f"{path} is a workbook, not text; give it an .xlsx name")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if path.suffix.lower() == ".csv":
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    else:
        rows = [line.split("\t") for line in text.splitlines()]
    return Grid(path, path.name, [[c if c != "" else None for c in r] for r in rows])


def docx_grid(path: Path, max_unpacked_bytes: int) -> Grid:
    """The tables of a Word document as one grid, in document order. A paragraph between
    tables becomes a one-cell row, so "Actions to be completed by the end of March 2009" or
    "Theme 2: ..." reads as a heading, and a table split across pages reads as one table
    with a repeated header. A cell's shading is its fill colour (colour-only ratings)."""
    check_package(path, max_unpacked_bytes, "docx")
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise WorkbookError(f"{path} cannot be read as a Word document ({type(exc).__name__}: {exc}); "
                            f"open it in Word and save it again") from None
    rows: list[list] = []
    fills: dict[tuple[int, int], str] = {}
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = Paragraph(child, document).text.strip()
            rows.append([text] if text else [])
        elif child.tag == qn("w:tbl"):
            for row in Table(child, document).rows:
                values, previous = [], None
                for j, cell in enumerate(row.cells):
                    if previous is not None and cell._tc is previous._tc:
                        values.append(None)          # a merged cell, read at its first column
                    else:
                        values.append(_docx_cell_text(cell) or None)
                        shade = cell._tc.tcPr.find(qn("w:shd")) if cell._tc.tcPr is not None else None
                        colour = shade.get(qn("w:fill")) if shade is not None else None
                        if colour and colour.lower() != "auto" and len(colour) == 6:
                            fills[(len(rows) + 1, j + 1)] = colour.upper()
                    previous = cell
                rows.append(values)

    def fill_of(row: int, col: int) -> tuple[str | None, str]:
        return fills.get((row, col)), ""

    return Grid(path, path.name, rows, {}, fill_of)


def _docx_cell_text(cell) -> str:
    lines = []
    for paragraph in cell.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        p_pr = paragraph._p.pPr
        is_list = (p_pr is not None and p_pr.numPr is not None) or "List" in (paragraph.style.name or "")
        lines.append(f"• {text}" if is_list and not text.startswith(("•", "▪")) else text)
    return "\n".join(lines)


# -- reading workbooks: one interface, two readers -----------------------------------------------
# openpyxl parses every cell's style, which costs ten times what reading the values does; the
# values come from python-calamine when it is installed, and a fill colour, wanted only for a
# rating cell with no text, is looked up in the sheet's XML and the workbook's styles.

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


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
        fills = _ColumnFills(self, self.parts.get(name, ""))
        return Grid(self.path, name, rows, merged_width, fills.fill, self.date1904)

    def styles(self) -> tuple[list, list[str]]:
        """(the fill of each cell style, the theme colours), read once."""
        if self._styles is None:
            with zipfile.ZipFile(self.path) as z:
                theme = theme_colours(z.read("xl/theme/theme1.xml")) if "xl/theme/theme1.xml" in z.namelist() else []
                self._styles = (_style_fills(z.read("xl/styles.xml")) if "xl/styles.xml" in z.namelist() else [], theme)
        return self._styles


def _value(v):
    if v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


_STYLE_ATTRIBUTE = re.compile(rb'\bs="(\d+)"')


class _ColumnFills:
    """The fill of a cell, read from the sheet's XML one column at a time, when first asked."""

    def __init__(self, book: CalamineBook, part: str):
        self.book, self.part, self.columns = book, part, {}

    def fill(self, row: int, col: int) -> tuple[str | None, str]:
        if col not in self.columns:
            self.columns[col] = self._scan(col)
        style = self.columns[col].get(row)
        if style is None:
            return None, ""
        fills, theme = self.book.styles()
        if style >= len(fills) or fills[style] is None:
            return None, ""
        return resolve_colour(fills[style], theme)

    def _scan(self, col: int) -> dict[int, int]:
        from .text import column_letter

        with zipfile.ZipFile(self.book.path) as z:
            xml = z.read(self.part)
        letter = column_letter(col - 1).encode()
        found = {}
        for m in re.finditer(rb'<c r="' + letter + rb'(\d+)"([^>]*)>', xml):
            style = _STYLE_ATTRIBUTE.search(m.group(2))
            if style:
                found[int(m.group(1))] = int(style.group(1))
        return found


# A pattern that names no colour is drawn in black (openpyxl reads it as its default Color()).
_NO_FOREGROUND = {"rgb": "FF000000"}


def _style_fills(xml: bytes) -> list:
    """For each cell style (cellXfs), its fill's colour element attributes, or None. As in
    cell_fill: any pattern, solid or not, reads as its fgColor; a gradient as no colour."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(xml)
    ns = f"{{{MAIN_NS}}}"
    fills = []
    for fill in root.iter(f"{ns}fill"):
        pattern = fill.find(f"{ns}patternFill")
        if pattern is None or pattern.get("patternType") in (None, "none"):
            fills.append(None)
            continue
        colour = pattern.find(f"{ns}fgColor")        # an Element with no children is falsy: no `or`
        fills.append(dict(colour.attrib) if colour is not None else _NO_FOREGROUND)
    xfs = root.find(f"{ns}cellXfs")
    out = []
    for xf in (xfs if xfs is not None else []):
        fill_id = int(xf.get("fillId", 0))
        out.append(fills[fill_id] if fill_id < len(fills) else None)
    return out


def resolve_colour(colour: dict, theme: list[str]) -> tuple[str | None, str]:
    """A colour's attributes (rgb; theme and tint; or indexed) as RRGGBB. Excel stores a theme
    colour plus a tint, so the rgb is empty there and the workbook's own theme says the colour."""
    if colour.get("rgb"):
        return str(colour["rgb"])[-6:].upper(), ""
    if colour.get("theme") is not None:
        index = int(colour["theme"])
        if not theme or index >= len(theme) or not theme[index]:
            return None, f"fill uses theme colour {index}, which the workbook's theme does not define"
        return apply_tint(theme[index], float(colour.get("tint") or 0)), ""
    if colour.get("indexed") is not None:
        from openpyxl.styles.colors import COLOR_INDEX

        index = int(colour["indexed"])
        return (None, "") if index >= 64 else (COLOR_INDEX[index][-6:].upper(), "")   # 64, 65: system colours
    return None, ""


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
