"""(Re)applying the live RAG formatting and dropdowns to the shared workbook itself, without
ever losing a lead's work.

openpyxl drops what it does not model when it re-saves a workbook (images, charts, shapes,
form controls, extensions, macros unless asked), so xlplan does not re-save it: it edits two
parts inside the zip (the plan sheet's XML and the styles) and copies every other part byte
for byte. Before replacing the workbook it backs it up, writes to a temporary file, re-reads
every cell of every sheet and compares it with the original. It refuses while the workbook is
open elsewhere, and when it is read-only."""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..errors import InputError, OutputError, WorkbookError, printable
from ..plan import read_plan
from ..read.guard import check_xlsx
from ..read.xlsx import sheet_parts
from ..run.files import atomic_path, keep_access, refuse_if_open
from .rules import (
    DATE_MAX,
    DATE_MIN,
    SPARE_ROWS,
    Check,
    Layout,
    Rule,
    checks,
    inline_list,
    rules,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# The order of a worksheet's children (ECMA-376 CT_Worksheet); Excel refuses others.
SHEET_ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
               "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
               "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
               "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks",
               "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
               "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
               "webPublishItems", "tableParts", "extLst")
STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
               "tableStyles", "colors", "extLst")


@dataclass
class FormatResult:
    workbook: Path
    written: Path | None            # None: already formatted, nothing written
    backup: Path | None = None
    rules: int = 0
    checks: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"workbook": str(self.workbook), "written": str(self.written) if self.written else None,
                "changed": self.written is not None, "backup": str(self.backup) if self.backup else None,
                "rules": self.rules, "validations": self.checks, "notes": self.notes}


def format_plan(path: str | Path, config: Config, *, copy_to: str | Path | None = None,
                sheet: str | None = None) -> FormatResult:
    """Apply the formatting to the workbook at `path` in place, or to a copy at `copy_to`."""
    path = Path(path)
    target = Path(copy_to) if copy_to else path
    check_xlsx(path, config.max_unpacked_bytes, config.max_rows)
    stale = _stale_hours(config)
    warning = refuse_if_open(path, stale)
    if copy_to is None and not is_writable(path):
        raise OutputError(f"{path} is read-only; xlplan will not change it (use --copy OUT.xlsx to "
                          f"write a formatted copy beside it)")
    if copy_to is not None:
        refuse_if_open(target, stale)
        if target.resolve() == path.resolve():
            raise InputError(f"--copy {target} is the workbook itself; name another file")

    plan = read_plan(path, config, sheet=sheet)
    last = max([r for a in plan.actions for r in a.rows], default=plan.header_row + 1)
    layout = Layout(plan.header_row + 1, last + SPARE_ROWS, plan.columns)
    result = FormatResult(path, None)
    if warning:
        result.notes.append(warning)
    missing = [config.columns[f].header for f in ("rag", "due", "progress", "lead") if f not in plan.columns]
    if missing:
        result.notes.append(f"no {', '.join(missing)} column: the rules that need it are left out")

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        parts = sheet_parts(z)
        sheet_part, sheet_names = parts.get(plan.sheet, ""), list(parts)
        refuse_unusual(path, z, names, plan.sheet, sheet_part)
        rag_source = "Lists!$A$2:$A$" + str(1 + len(config.scale.labels)) if "Lists" in sheet_names \
            else inline_list(config)
        leads = config.leads_sheet if config.leads_sheet in sheet_names else None
        lead_source = f"'{leads}'!$A$2:$A$500" if leads else None
        wanted_rules = rules(config, layout)
        wanted_checks = checks(config, layout, rag_source=rag_source, lead_source=lead_source)
        styles_part = "xl/styles.xml"
        styles_xml, sheet_xml = z.read(styles_part), z.read(sheet_part)
        new_styles, dxf_ids = _with_dxfs(parse_part(styles_xml, path, styles_part), styles_xml, wanted_rules)
        new_sheet = _with_rules(parse_part(sheet_xml, path, sheet_part), sheet_xml, layout, wanted_rules, dxf_ids,
                                wanted_checks)
        unchanged = new_sheet == z.read(sheet_part) and new_styles == z.read(styles_part)
    result.rules, result.checks = len(wanted_rules), len(wanted_checks)
    if unchanged and copy_to is None:
        return result                                   # already formatted: nothing to write

    if copy_to is None:
        result.backup = backup(path, config)
    try:
        with atomic_path(target) as tmp:
            write_package(path, tmp, {sheet_part: new_sheet, styles_part: new_styles})
            _verify(path, tmp, names, sheet_part, styles_part)
    except OutputError as exc:
        system = exc.os_error
        if system is None:                              # the check of the copy failed: said so already
            raise
        reason = "the disk is full" if system.errno == errno.ENOSPC else (system.strerror or str(system))
        raise OutputError(f"could not write {target} ({reason}); {path} is unchanged") from None
    result.written = target
    return result


def _stale_hours(config: Config) -> float:
    return config.limits.stale_lock_hours


def is_writable(path: Path) -> bool:
    # Root may write anything; a file without write permission still means "leave me alone".
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def backup(path: Path, config: Config) -> Path:
    """Copy the workbook into its backup folder and keep the newest N copies."""
    folder = path.parent / config.format.backup_folder
    keep = config.format.backups
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    copy = folder / f"{path.stem}.{stamp}{path.suffix}"
    shutil.copy2(path, copy)
    keep_access(path, copy)                             # its mode and group, as the workbook's
    # Only this workbook's copies: "plan.old.xlsx"'s backups are not "plan.xlsx"'s.
    mine = re.compile(re.escape(path.stem) + r"\.\d{8}-\d{6}-\d{6}" + re.escape(path.suffix))
    old = sorted(p for p in folder.glob(f"{path.stem}.*{path.suffix}") if mine.fullmatch(p.name))
    for stale in old[:-keep] if keep > 0 else []:
        stale.unlink()
    return copy


# -- finding the parts -----------------------------------------------------------------------

def refuse_unusual(path: Path, z: zipfile.ZipFile, names: list[str], sheet: str, sheet_part: str) -> None:
    """Refuse, before anything is written, a workbook whose parts xlplan would have to guess
    at: Strict Open XML, no styles, no list of contents, a plan sheet that is not a worksheet."""
    from ..read.sheetxml import STRICT_MAIN_NS

    if STRICT_MAIN_NS.encode() in z.read("xl/workbook.xml"):
        raise WorkbookError(f'{path} is saved as "Strict Open XML Spreadsheet", which xlplan reads but does '
                            f'not change; open it in Excel and save it as "Excel Workbook" (.xlsx), then run '
                            f'format again')
    for part, words in (("xl/styles.xml", "styles"), ("[Content_Types].xml", "list of contents")):
        if part not in names:
            raise WorkbookError(f"{path} has no {words} ({part}), so xlplan cannot add its formatting without "
                                f"guessing; open it in Excel and save it again, then run format again")
    if sheet_part not in names or not sheet_part.startswith("xl/worksheets/"):
        raise WorkbookError(f"sheet {printable(sheet)!r} of {path} is not a worksheet xlplan can format "
                            f"({printable(sheet_part) or 'no part'}); open it in Excel and save it again")


def parse_part(data: bytes, path: Path | None = None, part: str = ""):
    from lxml import etree

    # No entities, no network, no huge trees: a workbook is not trusted input.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        if path is None:
            raise
        from ..read.guard import describe

        detail = printable(" ".join(str(exc).split()))[:120]
        raise WorkbookError(f"{path} cannot be formatted: {describe(part)} ({printable(part)}) is XML that xlplan "
                            f"cannot edit ({detail}); open it in Excel and save it again; nothing was written") from None
    if path is not None and etree.QName(root).localname not in ("styleSheet", "worksheet"):
        raise WorkbookError(f"{path} cannot be formatted: {printable(part)} holds a "
                            f"{printable(etree.QName(root).localname)!r}, not what its name says; open it in "
                            f"Excel and save it again; nothing was written")
    return root


# -- styles: one differential format per rule --------------------------------------------------

def _dxf(rule: Rule):
    from lxml import etree

    dxf = etree.Element(f"{{{MAIN}}}dxf", nsmap={None: MAIN})
    if rule.font or rule.bold:
        font = etree.SubElement(dxf, f"{{{MAIN}}}font")
        if rule.bold:
            etree.SubElement(font, f"{{{MAIN}}}b")
        if rule.font:
            etree.SubElement(font, f"{{{MAIN}}}color", rgb="FF" + rule.font)
    fill = etree.SubElement(dxf, f"{{{MAIN}}}fill")
    pattern = etree.SubElement(fill, f"{{{MAIN}}}patternFill")
    etree.SubElement(pattern, f"{{{MAIN}}}bgColor", rgb="FF" + rule.fill)
    return dxf


def _same(a, b) -> bool:
    from lxml import etree

    return etree.tostring(a, method="c14n") == etree.tostring(b, method="c14n")


def _with_dxfs(root, styles_xml: bytes, wanted: list[Rule]) -> tuple[bytes, list[int]]:
    """The styles with a dxf for each rule (reusing an identical one), and their indexes."""
    from lxml import etree

    dxfs = root.find(f"{{{MAIN}}}dxfs")
    if dxfs is None:
        dxfs = etree.Element(f"{{{MAIN}}}dxfs")
        _insert(root, dxfs, STYLE_ORDER)
    ids = []
    for rule in wanted:
        dxf = _dxf(rule)
        existing = list(dxfs)
        index = next((i for i, d in enumerate(existing) if _same(_detached(d), dxf)), None)
        if index is None:
            dxfs.append(dxf)
            index = len(existing)
        ids.append(index)
    dxfs.set("count", str(len(dxfs)))
    return serialise_part(root, styles_xml), ids


def _detached(element):
    """A copy with its own namespace map, so c14n compares content, not context."""
    from lxml import etree

    return etree.fromstring(etree.tostring(element))


# -- the sheet: rules and checks ---------------------------------------------------------------

def _with_rules(root, sheet_xml: bytes, layout: Layout, wanted: list[Rule], dxf_ids: list[int],
                wanted_checks: list[Check]) -> bytes:
    from lxml import etree

    ours = {(layout.letter(r.field), r.formula) for r in wanted}
    for cf in root.findall(f"{{{MAIN}}}conditionalFormatting"):
        columns = {_columns_of(part) for part in (cf.get("sqref") or "").split()}
        for rule in cf.findall(f"{{{MAIN}}}cfRule"):
            formula = rule.findtext(f"{{{MAIN}}}formula") or ""
            if any((col, formula) in ours for col in columns):
                cf.remove(rule)                 # ours, from an earlier run or from init
        if not len(cf):
            root.remove(cf)
    # A rule another program wrote with an odd priority (or none) keeps it; ours come after.
    priorities = [int(p) for r in root.iter(f"{{{MAIN}}}cfRule") if (p := r.get("priority", "0")).isdigit()]
    priority = max(priorities, default=0)
    for rule, dxf_id in zip(wanted, dxf_ids):
        priority += 1
        cf = etree.Element(f"{{{MAIN}}}conditionalFormatting", sqref=layout.range(rule.field))
        attrs = {"type": "cellIs", "dxfId": str(dxf_id), "priority": str(priority), "operator": "equal"} \
            if rule.kind == "equal" else {"type": "expression", "dxfId": str(dxf_id), "priority": str(priority)}
        cf_rule = etree.SubElement(cf, f"{{{MAIN}}}cfRule", attrs)
        etree.SubElement(cf_rule, f"{{{MAIN}}}formula").text = rule.formula
        _insert(root, cf, SHEET_ORDER)

    targets = {layout.letter(c.field) for c in wanted_checks}
    validations = root.find(f"{{{MAIN}}}dataValidations")
    if validations is None:
        validations = etree.Element(f"{{{MAIN}}}dataValidations")
        _insert(root, validations, SHEET_ORDER)
    for dv in validations.findall(f"{{{MAIN}}}dataValidation"):
        parts = (dv.get("sqref") or "").split()
        if parts and all(_columns_of(p) in targets and _first_row(p) >= layout.first_row for p in parts):
            validations.remove(dv)              # on a column xlplan looks after: replaced below
    for check in wanted_checks:
        attrs = {"type": check.kind, "allowBlank": "1", "showInputMessage": "1", "showErrorMessage": "1",
                 "errorTitle": check.error_title, "error": check.error, "promptTitle": check.prompt_title,
                 "prompt": check.prompt, "sqref": layout.range(check.field)}
        if check.error_style != "stop":
            attrs["errorStyle"] = check.error_style
        if check.kind == "date":
            attrs["operator"] = "between"
        dv = etree.SubElement(validations, f"{{{MAIN}}}dataValidation", attrs)
        if check.kind == "list":
            etree.SubElement(dv, f"{{{MAIN}}}formula1").text = check.source
        else:
            etree.SubElement(dv, f"{{{MAIN}}}formula1").text = str(_serial(DATE_MIN))
            etree.SubElement(dv, f"{{{MAIN}}}formula2").text = str(_serial(DATE_MAX))
    validations.set("count", str(len(validations)))
    if not len(validations):
        root.remove(validations)
    return serialise_part(root, sheet_xml)


def _columns_of(ref: str) -> str:
    """'F3:F330' -> 'F'; 'D3:F9' -> 'D:F' (a range over several columns is not one of ours)."""
    start, _, end = ref.replace("$", "").partition(":")
    first, last = start.rstrip("0123456789"), (end or start).rstrip("0123456789")
    return first if first == last else f"{first}:{last}"


def _first_row(ref: str) -> int:
    digits = "".join(ch for ch in ref.split(":")[0] if ch.isdigit())
    return int(digits) if digits else 1


def _serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def _insert(root, element, order: tuple[str, ...]) -> None:
    """Put `element` where the schema wants it: after every sibling that must come before."""
    from lxml import etree

    rank = order.index(etree.QName(element).localname)
    for i, child in enumerate(root):
        name = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if name in order and order.index(name) > rank:
            root.insert(i, element)
            return
    root.append(element)


def serialise_part(root, original: bytes) -> bytes:
    from lxml import etree

    declaration = original.lstrip().startswith(b"<?xml")
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + body) if declaration else body


# -- writing and checking -------------------------------------------------------------------------

def write_package(source: Path, target: Path, replaced: dict[str, bytes]) -> None:
    """Copy the package part by part, in order; replaced parts get new bytes, the rest are the
    original bytes, compressed as they were."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = replaced.get(info.filename)
            zout.writestr(info, zin.read(info.filename) if data is None else data,
                          compress_type=info.compress_type)


def _verify(original: Path, written: Path, names: list[str], sheet_part: str, styles_part: str) -> None:
    """Every part but the two replaced byte for byte; in those two, everything but the
    formatting xlplan adds unchanged (compared canonically), and every cell of the plan sheet
    read again with the same value. No openpyxl here: it cannot load every workbook Excel
    writes (chart sheets, older LibreOffice's rules), and the check must not be the failure."""
    from lxml import etree

    from ..read.sheetxml import (
        EXCEL_COLUMNS,
        EXCEL_ROWS,
        date_styles,
        read_sheet,
        shared_strings,
    )

    with zipfile.ZipFile(original) as a, zipfile.ZipFile(written) as b:
        if b.namelist() != names:
            raise OutputError(f"formatting {original} changed its list of parts; nothing was replaced")
        for name in names:
            if name not in (sheet_part, styles_part) and a.read(name) != b.read(name):
                raise OutputError(f"formatting {original} changed its part {printable(name)}; nothing was replaced")
        ours = {"sheet": ("conditionalFormatting", "dataValidations"), "styles": ("dxfs",)}
        for part, kind in ((sheet_part, "sheet"), (styles_part, "styles")):
            kept = [[etree.tostring(child, method="c14n") for child in parse_part(z.read(part))
                     if not isinstance(child.tag, str) or etree.QName(child).localname not in ours[kind]]
                    for z in (a, b)]
            if kept[0] != kept[1]:
                raise OutputError(f"formatting {original} changed more than its formatting in {printable(part)}; "
                                  f"nothing was replaced")
        strings = shared_strings(a.read("xl/sharedStrings.xml")) if "xl/sharedStrings.xml" in names else []
        cells = [read_sheet(z.read(sheet_part), strings=strings, kinds=date_styles(z.read(styles_part)),
                            date1904=False, max_rows=EXCEL_ROWS * 2, max_columns=EXCEL_COLUMNS * 2,
                            where=str(original)).rows for z in (a, b)]
        if cells[0] != cells[1]:
            raise OutputError(f"formatting {original} changed values on its plan sheet; nothing was replaced")
