"""What a file is, checked before any reader sees it: an .xlsx or .docx package (a zip with
the right parts, no entity declarations, no zip bomb, not too many rows), not a renamed
old .xls or a password-protected file; then every part read whole and its XML checked for
well-formedness, a damaged part named in words (describe); the namespaces of the parts."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ..errors import WorkbookError, printable

XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm"}


DOCX_SUFFIXES = {".docx", ".docm"}


TEXT_SUFFIXES = {".txt", ".tsv", ".tab", ".csv"}


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


_PACKAGES = {
    # kind: (part every such file has, what people call it, the old format, its app)
    "xlsx": ("xl/workbook.xml", "an Excel workbook (.xlsx)", ".xls workbook (Excel 97-2003)", "Excel"),
    "docx": ("word/document.xml", "a Word document (.docx)", ".doc document (Word 97-2003)", "Word"),
}


def check_xlsx(path: Path, max_unpacked_bytes: int, max_rows: int = 0) -> None:
    check_package(path, max_unpacked_bytes, "xlsx", max_rows)


def check_package(path: Path, max_unpacked_bytes: int, kind: str, max_rows: int = 0) -> None:
    """Refuse files that are not the OOXML package they claim to be, with a sentence saying
    what they are; refuse zip bombs from the zip directory's sizes, before unpacking; then
    read every part whole (its compressed stream against its CRC, and its XML, parsed for
    well-formedness only), refusing a damaged one in a sentence that names it in words."""
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
    if head == OLE_MAGIC:
        data = path.read_bytes()[:2_000_000]
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise WorkbookError(f"{path} is password-protected; open it in {app}, remove the password "
                                f"(File > Info > Protect) and save it, then run xlplan again")
        raise WorkbookError(f"{path} is an old-style {old}; open it in {app} or "
                            f"LibreOffice and save it as .{kind}")
    try:
        zipped = zipfile.is_zipfile(path)
    except Exception:                  # a damaged end of the zip directory
        zipped = False
    if not zipped:
        if _looks_like_text(path):
            raise WorkbookError(f"{path} holds plain text (CSV or tab-separated), not {name}; "
                                f"give it a .csv or .txt name, or open it in {app} and save as .{kind}")
        if head.startswith(b"PK\x03\x04"):
            # A zip whose end is missing: a copy cut short (a full disk, a sync stopped half-way).
            raise WorkbookError(f"{path} is damaged: it is cut short (the end of the file, which lists what is "
                                f"in it, is missing); {_REPAIR[kind]}")
        raise WorkbookError(f"{path} is not {name}; open it in {app} or "
                            f"LibreOffice and save it as .{kind}")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except Exception as exc:    # zipfile raises many kinds (BadZipFile, EOFError, struct.error, ...)
        raise WorkbookError(f"{path} is damaged: its zip directory (the list of what is in it) cannot be "
                            f"read ({_detail(exc)}); {_REPAIR[kind]}") from None
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
    if len(names) != len(infos):
        twice = next(i.filename for i in infos if sum(j.filename == i.filename for j in infos) > 1)
        raise WorkbookError(f"{path} is damaged: its zip directory lists {printable(twice)} twice; "
                            f"{_REPAIR[kind]}")
    try:
        z = zipfile.ZipFile(path)
    except Exception as exc:
        raise WorkbookError(f"{path} is damaged: its zip directory cannot be read ({_detail(exc)}); "
                            f"{_REPAIR[kind]}") from None
    with z:
        for info in infos:
            _check_part(path, z, info, kind, max_rows)


def _check_part(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str, max_rows: int) -> None:
    """Read the whole of one part (its compressed stream, checked against its CRC) and, for XML,
    parse it without building anything: a damaged part is found here, named in words, not
    by whichever reader meets it first."""
    xml = info.filename.endswith((".xml", ".rels"))
    where = f"{describe(info.filename)} ({printable(info.filename)}) cannot be read"
    parser = _xml_checker(path, info.filename) if xml else None
    first = True
    try:
        with z.open(info) as stream:
            while chunk := stream.read(1 << 20):
                if first:
                    first = False
                    # Workbooks never declare a DTD; entities are how XML bombs ("billion laughs") work.
                    if re.search(rb"<!(DOCTYPE|ENTITY)", chunk[:4096], re.IGNORECASE) and \
                            info.filename.endswith((".xml", ".rels", ".vml")):
                        raise WorkbookError(f"{path} declares XML entities in {printable(info.filename)}, which no "
                                            f"workbook needs; refusing it (an XML entity bomb?)")
                    if max_rows and info.filename.startswith("xl/worksheets/"):
                        _check_dimension(path, chunk[:4096], max_rows)
                if parser is not None:
                    parser.Parse(chunk, False)
            if parser is not None:
                parser.Parse(b"", True)
    except WorkbookError:
        raise
    except Exception as exc:    # zlib.error, BadZipFile (CRC), EOFError, ExpatError, LookupError, ...
        raise WorkbookError(f"{path} is damaged: {where} ({_detail(exc)}); {_REPAIR[kind]}") from None


def _xml_checker(path: Path, part: str):
    """An expat parser that only checks the XML is well formed, and refuses a DTD."""
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator=" ")      # prefixes must be bound, as readers need

    def refuse(*_):
        raise WorkbookError(f"{path} declares XML entities in {printable(part)}, which no workbook needs; "
                            f"refusing it (an XML entity bomb?)")
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def _check_dimension(path: Path, head: bytes, max_rows: int) -> None:
    dimension = re.search(rb'<(?:[\w.-]+:)?dimension ref="([A-Z]+\d+:)?([A-Z]+)(\d+)"', head)
    rows = int(dimension.group(3)) if dimension else 0
    if rows > max_rows:
        corner = (dimension.group(2) + dimension.group(3)).decode()
        raise WorkbookError(f"{path} has a sheet reaching {corner} ({rows:,} rows), more than the limit of "
                            f"{max_rows:,} rows ([limits] max_rows in the config); split the plan or "
                            f"raise the limit")


_REPAIR = {"xlsx": "open it in Excel (which offers to repair it) and save it again, or use a backup",
           "docx": "open it in Word (which offers to repair it) and save it again, or use a backup"}


# What a part of a package is, in words: (pattern, words); the first that matches.
_PART_WORDS = [
    (r"\[Content_Types\]\.xml", "its list of contents"),
    (r"_rels/\.rels", "its package relationships"),
    (r"xl/workbook\.xml", "its list of sheets"),
    (r"xl/_rels/workbook\.xml\.rels", "the links from its list of sheets to the sheets"),
    (r"xl/styles\.xml", "the workbook's styles"),
    (r"xl/sharedStrings\.xml", "the shared text of its cells"),
    (r"xl/theme/", "its theme of colours and fonts"),
    (r"xl/worksheets/_rels/", "the links of one of its sheets"),
    (r"xl/worksheets/", "one of its sheets"),
    (r"xl/(chartsheets|charts)/", "a chart"),
    (r"xl/(drawings|media)/", "a drawing or picture"),
    (r"xl/(comments|threadedComments|persons)", "its comments"),
    (r"xl/tables/", "a table"),
    (r"xl/pivot", "a pivot table"),
    (r"xl/externalLinks/", "a link to another workbook"),
    (r"xl/calcChain\.xml", "its calculation chain"),
    (r"xl/(macrosheets|dialogsheets)/", "a macro or dialog sheet"),
    (r"xl/vbaProject", "its macros"),
    (r"docProps/", "its document properties"),
    (r"word/document\.xml", "its text"),
    (r"word/styles\.xml", "its styles"),
    (r"word/", "a part of the document"),
    (r"customXml/", "its custom data"),
]


def describe(part: str) -> str:
    """A part of a package in words: 'xl/styles.xml' -> "the workbook's styles"."""
    return next((words for pattern, words in _PART_WORDS if re.match(pattern, part)), "a part of it")


def _detail(exc: BaseException) -> str:
    return printable(f"{type(exc).__name__}: {' '.join(str(exc).split())}")[:120]


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


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
