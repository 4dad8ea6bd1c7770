"""A sheet read straight from its XML, one cell at a time: only the cells that hold something
are kept, so a stray value in XFD5000 costs one cell, not a grid of 82 million. Used where
python-calamine (which builds the whole rectangle up to the farthest cell) would pay for
empty space, where it cannot read the file (Strict Open XML, some .xlsm), and to size a sheet
before anything is built. Values are read as python-calamine reads them (dates by their
number format, whole numbers as int)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from xml.etree.ElementTree import XMLPullParser

from ..errors import WorkbookError, printable
from ..text import column_letter

# The workbook's own namespaces, transitional and Strict; only local names are compared.
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"

EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384

_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,12})$")
_CHUNK = 1 << 16


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def split_ref(ref: str) -> tuple[int, int] | None:
    """'XFD5000' -> (5000, 16384), 1-based; None for anything that is not a cell address."""
    m = _REF.match(ref or "")
    return (int(m.group(2)), column_number(m.group(1))) if m else None


# -- sizing a sheet without building it ----------------------------------------------------------

_ROW_NUMBER = re.compile(rb'<(?:[\w.-]+:)?row\b[^>]*?\sr="(\d+)"')
_CELL_LETTERS = re.compile(rb'<(?:[\w.-]+:)?c\b[^>]*?\sr="\$?([A-Za-z]+)')
_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_ROW = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
# The same, for the usual unprefixed XML: a literal start the regular expression engine finds fast.
_PLAIN_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_PLAIN_CELL_LETTERS = re.compile(rb'<c r="\$?([A-Za-z]+)')
_BARE = re.compile(rb"<(?:c|row)/?>")


@dataclass(frozen=True)
class Shape:
    rows: int              # the last row any cell (or row element) names
    columns: int           # the last column any cell names
    cells: int             # cell elements
    addressed: bool        # every cell and row says where it is

    @property
    def area(self) -> int:
        return self.rows * self.columns


def shape(xml: bytes) -> Shape:
    """How big a sheet is, from its cells' addresses (styled empty cells too): what a reader
    building the whole rectangle would build. Regular expressions over the bytes, no parse."""
    if b"<sheetData" in xml:              # no namespace prefix: the quick way
        bare = _BARE.search(xml) is not None          # a cell or row with no attributes: no address
        cells, row_elements = xml.count(b"<c "), xml.count(b"<row ")
        rows, letters = _PLAIN_ROW_NUMBER.findall(xml), _PLAIN_CELL_LETTERS.findall(xml)
        if bare:
            row_elements += 1
    else:
        cells, row_elements = len(_CELL.findall(xml)), len(_ROW.findall(xml))
        rows, letters = _ROW_NUMBER.findall(xml), _CELL_LETTERS.findall(xml)
    last_row = max(map(int, rows), default=0)
    last_col = max((column_number(x.decode("ascii")) for x in set(letters)), default=0)
    return Shape(last_row, last_col, cells, len(letters) == cells and len(rows) == row_elements)


# -- values ---------------------------------------------------------------------------------------

# Built-in number formats that show dates or times (ECMA-376 18.8.30, and the East Asian ones).
_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_DURATION_IDS = {46}


def format_kind(code: str) -> str:
    """'date', 'duration' or '' for a number format code, judged as python-calamine judges
    it: the first letter of a date or time (d m y h s) outside quotes and brackets makes a
    date; an elapsed-time bracket ([h], [mm], [ss]) a duration."""
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        if ch in "_\\*":
            i += 2
            continue
        if ch == '"':
            close = code.find('"', i + 1)
            i = n if close < 0 else close + 1
            continue
        if ch == ";":
            return ""
        if ch == "[":
            close = code.find("]", i + 1)
            inside = code[i + 1:close if close >= 0 else n]
            if re.fullmatch(r"[hHmMsS]+", inside):
                return "duration"
            i = n if close < 0 else close + 1
            continue
        if ch in "dmyhsDMYHS":
            return "date"
        i += 1
    return ""


def date_styles(styles_xml: bytes | None) -> list[str]:
    """For each cell style (cellXfs), 'date', 'duration' or '' from its number format."""
    if not styles_xml:
        return []
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(styles_xml)
    except Exception:                   # damaged styles were refused by the package check
        return []
    custom = {}
    out = []
    for el in root.iter():
        name = local(el.tag)
        if name == "numFmt":
            try:
                custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode", "")
            except ValueError:
                continue
        elif name == "cellXfs":
            for xf in el:
                try:
                    fid = int(xf.get("numFmtId", "0"))
                except ValueError:
                    fid = 0
                if fid in custom:
                    out.append(format_kind(custom[fid]))
                else:
                    out.append("duration" if fid in _DURATION_IDS else "date" if fid in _DATE_IDS else "")
    return out


def shared_strings(xml: bytes | None) -> list[str]:
    """The text of each shared string: its runs joined, phonetic guides left out."""
    if not xml:
        return []
    out = []
    parser = XMLPullParser(events=("end",))
    for chunk in _chunks(xml):
        parser.feed(chunk)
        for _, el in parser.read_events():
            if local(el.tag) == "si":
                out.append(_text(el))
                el.clear()
    parser.close()
    return out


def _text(el) -> str:
    """The text of a string item (<si> or <is>): its <t>, or its runs' <t>, not <rPh>."""
    parts = []
    for child in el:
        name = local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if local(t.tag) == "t")
    return "".join(parts)


def _chunks(data: bytes):
    for i in range(0, len(data), _CHUNK):
        yield data[i:i + _CHUNK]


def _number(text: str):
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        return text
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def serial_to_date(value: float, kind: str, date1904: bool):
    """An Excel serial number as python-calamine gives it: a timedelta for an elapsed time; a
    time under 1 (of its fraction, for a negative number); a date, or a datetime where there
    is a time of day; the number itself past the year 9999."""
    if kind == "duration":
        return dt.timedelta(days=value)
    if value >= 2_958_466:
        return value
    if value < 1:
        seconds = round((value - math.floor(value)) * 86400) % 86400
        return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    if date1904:
        base = dt.datetime(1904, 1, 1)
    else:                                   # Excel's 29 February 1900, serial 60, is read as the 28th
        base = dt.datetime(1899, 12, 30) if value >= 60 else dt.datetime(1899, 12, 31)
    moment = base + dt.timedelta(seconds=round(value * 86400))
    return moment.date() if moment.time() == dt.time(0) else moment


# -- the sheet ----------------------------------------------------------------------------------------

@dataclass
class SparseSheet:
    rows: list[list]                                  # ragged: each row as long as its last value
    merges: list[tuple[int, int, int, int]]           # 0-based (r0, c0, r1, c1), inclusive


def read_sheet(xml: bytes, *, strings: list[str], kinds: list[str], date1904: bool,
               max_rows: int, max_columns: int, where: str, limit_hint: str = "") -> SparseSheet:
    """The cells of a sheet that hold a value, as ragged rows; refuses, in one sentence naming
    the cell, a value beyond `max_rows` or `max_columns` before reading further."""
    cells: dict[int, dict[int, object]] = {}
    merges = []
    row_at, col_at = 0, 0
    parser = XMLPullParser(events=("start", "end"))
    for chunk in _chunks(xml):
        parser.feed(chunk)
        for event, el in parser.read_events():
            name = local(el.tag)
            if event == "start":
                if name == "row":
                    r = el.get("r")
                    row_at = int(r) if r and r.isdigit() else row_at + 1
                    col_at = 0
                continue
            if name == "c":
                ref = el.get("r")
                at = split_ref(ref) if ref else None
                if ref and at is None:
                    raise WorkbookError(f"{where} has a cell at {printable(ref)[:40]!r}, which is not a cell "
                                        f"address; open it in Excel and save it again")
                row, col = at if at else (row_at, col_at + 1)
                col_at = col
                value = _cell_value(el, strings, kinds, date1904)
                el.clear()
                if value is None:
                    continue
                if row > max_rows or col > max_columns:
                    raise WorkbookError(beyond_limit(where, row, col, max_rows, max_columns))
                if row < 1 or col < 1:
                    continue
                cells.setdefault(row, {})[col] = value
            elif name == "row":
                el.clear()
            elif name == "mergeCell":
                parts = [split_ref(p) for p in (el.get("ref") or "").split(":")]
                if len(parts) == 2 and all(parts):
                    (r0, c0), (r1, c1) = parts
                    merges.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
    parser.close()
    last = max(cells, default=0)
    rows: list[list] = [[] for _ in range(last)]
    for r, by_col in cells.items():
        row = [None] * max(by_col)
        for c, v in by_col.items():
            row[c - 1] = v
        rows[r - 1] = row
    return SparseSheet(rows, merges)


def beyond_limit(where: str, row: int, col: int, max_rows: int, max_columns: int) -> str:
    """The sentence refusing a sheet with a value in row `row`, column `col` (1-based)."""
    limit = (f"{max_rows:,} rows ([limits] max_rows" if row > max_rows
             else f"{max_columns:,} columns ([limits] max_columns")
    return (f"{where} has a value in {_address(row, col)}, beyond the limit of {limit} in the config); "
            f"delete what is there, or raise the limit")


def _address(row: int, col: int) -> str:
    if col > EXCEL_COLUMNS * 26:
        return f"row {row:,}, column {col:,}"
    return f"{column_letter(col - 1)}{row}"


def _cell_value(el, strings: list[str], kinds: list[str], date1904: bool):
    kind = el.get("t") or "n"
    v = None
    inline = None
    for child in el:
        name = local(child.tag)
        if name == "v":
            v = child.text
        elif name == "is":
            inline = _text(child)
    if kind == "inlineStr":
        return inline or None
    if v is None or v == "":
        return inline or None
    if kind == "s":
        try:
            text = strings[int(v)]
        except (ValueError, IndexError):
            return None
        return text or None
    if kind in ("str", "e"):
        return v
    if kind == "b":
        return v.strip() not in ("0", "false", "")
    if kind == "d":
        try:
            moment = dt.datetime.fromisoformat(v.strip().rstrip("Z"))
        except ValueError:
            return v
        return moment.date() if moment.time() == dt.time(0) else moment
    try:
        number = _number(v)
    except ValueError:
        return v
    if isinstance(number, str):
        return number
    style = el.get("s")
    if style and style.isdigit() and int(style) < len(kinds) and kinds[int(style)]:
        return serial_to_date(float(number), kinds[int(style)], date1904)
    return number
