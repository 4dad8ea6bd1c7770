"""What a file is, checked before any parser sees it: an .xlsx or .docx package (a zip with
the right parts, no entity declarations, no zip bomb, not too many rows), not a renamed
old .xls or a password-protected file; and the namespaces of the parts it reads."""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from ..errors import WorkbookError

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
    if head == OLE_MAGIC:
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


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
