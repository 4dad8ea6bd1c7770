"""A lead's update request: a small workbook holding only that lead's actions, with cells
unlocked only where the lead writes (the new rating, the progress statement and, where
allowed, a proposed due date with its reason), and the same RAG dropdown and live colours as
the shared workbook. The request id, the lead, the plan and the date issued are written into
the document properties and into a hidden sheet, so a returned file is recognised whatever it
was renamed to. Reading a returned file back is here too: `read_return`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..errors import WorkbookError
from ..report.look import row_height
from ..run.files import atomic_path
from .rules import DATE_MAX, DATE_MIN, Layout, checks, rules

SHEET = "Update request"
GUIDE = "Guide"
LISTS = "Lists"
META = "xlplan"                         # the hidden sheet that names the request
MARK = "xlplan update request"          # its first cell, and the document's keywords
HEADER_ROW = 3                          # 0-based (worksheet row 4): title and notes above it
DATE_FORMAT = "dd/mm/yyyy"
# An overdue Due cell: still grey, as every locked cell is, the date in bold red with the word
# (the shared workbook's pink would make it look like a cell to fill in; the word does not
# rely on colour alone).
LOCKED_FILL = "F2F2F2"
OVERDUE_LOOK = {"bg_color": f"#{LOCKED_FILL}", "font_color": "#C00000", "bold": True,
                "num_format": 'dd/mm/yyyy" overdue"'}

# The request sheet's columns: field, header, width, whether the lead writes in it. The
# headers name "Ref", "Rating" and "Progress" (the contract: a script finds where to write).
COLUMNS = (("ref", "Ref", 9, False), ("action", "Action", 46, False), ("due", "Due", 18, False),
           ("rag", "Rating", 14, True), ("progress", "Progress", 58, True),
           ("new_due", "Proposed due", 13, True), ("due_reason", "Reason for a new due date", 28, True))
WRITABLE = ("rag", "progress", "new_due", "due_reason")
HEADERS = {f: h for f, h, _, _ in COLUMNS}
PROPERTY_ID, PROPERTY_LEAD, PROPERTY_PLAN, PROPERTY_PLAN_ID, PROPERTY_ISSUED = (
    "xlplan request id", "xlplan lead", "xlplan plan", "xlplan plan id", "xlplan issued")
_ID = re.compile(r"^R-\d{8}-[0-9a-f]{6,}$")


@dataclass(frozen=True)
class RequestRow:
    """One action as it was sent to the lead."""

    ref: str
    action: str
    due: str                  # the due date as the lead sees it (dd/mm/yyyy, or the text)
    rag: str                  # the rating sent (a canonical label, or "")
    progress: str             # the progress statement sent


@dataclass(frozen=True)
class RequestSheet:
    """What a request workbook holds: whose it is, which plan, when, and the rows."""

    id: str
    lead: str
    plan: str                 # the shared workbook's path, as issued (never written into the file)
    title: str
    issued: dt.date
    reply_by: dt.date | None
    rows: tuple[RequestRow, ...]
    propose_due: bool = True


def plan_identity(plan: str) -> str:
    """What a request file says of its plan besides the file name: a digest of the plan's
    path on the business manager's machine. A lead receives no server paths, and collect can
    still tell a return for another plan (even one the register does not hold)."""
    import hashlib

    return hashlib.sha256(plan.encode("utf-8")).hexdigest()[:16]


def write_request(path: Path, config: Config, request: RequestSheet) -> Path:
    """Write the request workbook at `path` (atomically). The plan is named by its file name
    and `plan_identity`, never by its path."""
    from ..report.look import ReportBook

    columns = [c for c in COLUMNS if request.propose_due or c[0] not in ("new_due", "due_reason")]
    col_of = {c[0]: i for i, c in enumerate(columns)}
    first = HEADER_ROW + 1
    last = first + max(len(request.rows), 1) - 1
    plan_name, plan_id = Path(request.plan).name, plan_identity(request.plan)
    with atomic_path(path) as tmp:
        wb = ReportBook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({"title": f"Update request for {request.lead}", "subject": request.title,
                           "author": "xlplan", "keywords": f"{MARK} {request.id}",
                           "comments": f"{MARK} {request.id} for {request.lead}, issued "
                                       f"{request.issued.isoformat()}; plan {plan_name}"})
        for name, value in ((PROPERTY_ID, request.id), (PROPERTY_LEAD, request.lead),
                            (PROPERTY_PLAN, plan_name), (PROPERTY_PLAN_ID, plan_id),
                            (PROPERTY_ISSUED, request.issued.isoformat())):
            wb.set_custom_property(name, value)
        title = wb.add_format({"bold": True, "font_size": 14})
        note = wb.add_format({"text_wrap": True, "valign": "top"})
        head = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "text_wrap": True,
                              "valign": "top", "border": 1, "locked": True})
        # Locked cells grey, the lead's cells white with a blue border: where to write is visible.
        kept = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "border_color": "#BFBFBF",
                              "bg_color": f"#{LOCKED_FILL}", "locked": True})
        kept_date = wb.add_format({"num_format": DATE_FORMAT, "valign": "top", "border": 1, "border_color": "#BFBFBF",
                                   "bg_color": f"#{LOCKED_FILL}", "locked": True, "align": "left"})
        yours = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "border_color": "#2F75B5",
                               "locked": False})
        yours_date = wb.add_format({"num_format": DATE_FORMAT, "valign": "top", "border": 1,
                                    "border_color": "#2F75B5", "locked": False, "align": "left"})
        ws = wb.add_worksheet(SHEET)
        guide = wb.add_worksheet(GUIDE)
        lists = wb.add_worksheet(LISTS)
        meta = wb.add_worksheet(META)

        width = len(columns) - 1
        ws.merge_range(0, 0, 0, width, f"Update request: {request.title}", title)
        reply = f" Please send it back by {request.reply_by:%d/%m/%Y}." if request.reply_by else ""
        ws.merge_range(1, 0, 1, width, f"For {request.lead}: your {len(request.rows)} open "
                                       f"action{'s' * (len(request.rows) != 1)}. Request {request.id}, issued "
                                       f"{request.issued:%d/%m/%Y}.{reply}", note)
        what = "Rating, Progress" + (", and a Proposed due date with its reason if the date cannot be met"
                                     if request.propose_due else "")
        ws.merge_range(2, 0, 2, width, f"Write only in the white cells ({what}). Save the file and send it "
                                       f"back as it is; the Guide sheet says more.", note)
        ws.set_row(1, 30)
        ws.set_row(2, 30)
        for i, (_, header, size, writable) in enumerate(columns):
            ws.write_string(HEADER_ROW, i, header, head)
            ws.set_column(i, i, size)
        ws.set_row(HEADER_ROW, 30)
        for r, row in enumerate(request.rows, start=first):
            values = {"ref": row.ref, "action": row.action, "due": row.due, "rag": row.rag,
                      "progress": row.progress, "new_due": "", "due_reason": ""}
            for name, i in col_of.items():
                fmt = yours_date if name == "new_due" else yours if name in WRITABLE else kept
                day = _plain_date(values[name]) if name == "due" else None
                if day is not None:             # a date, so the overdue colour works as in the shared workbook
                    ws.write_datetime(r, i, day, kept_date)
                elif values[name]:
                    ws.write_string(r, i, values[name], fmt)
                else:
                    ws.write_blank(r, i, None, fmt)
            ws.set_row(r, row_height([(row.action, 46), (row.progress, 58)]))

        layout = Layout(first + 1, last + 1, {k: v for k, v in col_of.items() if k in ("action", "due", "rag",
                                                                                           "progress")})
        rag_source = f"={LISTS}!$A$2:$A${1 + len(config.scale.labels)}"
        for check in checks(config, layout, rag_source=rag_source, lead_source=None):
            if check.field != "rag":
                continue                             # Due is locked; Proposed due has its own check
            ws.data_validation(first, col_of["rag"], last, col_of["rag"],
                               {"validate": "list", "source": check.source, "input_title": check.prompt_title,
                                "input_message": check.prompt, "error_title": check.error_title,
                                "error_message": check.error, "error_type": check.error_style})
        if request.propose_due:
            ws.data_validation(first, col_of["new_due"], last, col_of["new_due"],
                               {"validate": "date", "criteria": "between", "minimum": DATE_MIN,
                                "maximum": DATE_MAX, "input_title": "Proposed due date",
                                "input_message": "Only if the due date cannot be met: the date you propose, "
                                                 "e.g. 30/06/2026, and the reason beside it.",
                                "error_title": "Not a date", "error_message": "Type a date such as 30/06/2026."})
        for rule in rules(config, layout):
            look = {"bg_color": f"#{rule.fill}", "bold": rule.bold}
            if rule.font:
                look["font_color"] = f"#{rule.font}"
            if rule.field == "due":
                look = dict(OVERDUE_LOOK)
            col = col_of[rule.field]
            spec = ({"type": "cell", "criteria": "==", "value": rule.formula} if rule.kind == "equal"
                    else {"type": "formula", "criteria": "=" + rule.formula})
            ws.conditional_format(first, col, last, col, {**spec, "format": wb.add_format(look)})
        ws.freeze_panes(first, 0)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(HEADER_ROW)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&L" + f"Request {request.id}" + "&RPage &P of &N")
        # No password: anyone can fill in the white cells; the protection keeps the rest as sent.
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_rows": True})

        _write_guide(wb, guide, config, request)
        lists.write_string(0, 0, "RAG")
        for r, label in enumerate(config.scale.labels, start=1):
            lists.write_string(r, 0, label)
        lists.hide()
        lists.protect("")
        for r, (key, value) in enumerate((("", MARK), ("id", request.id), ("lead", request.lead),
                                          ("plan", plan_name), ("plan id", plan_id), ("title", request.title),
                                          ("issued", request.issued.isoformat()),
                                          ("refs", " | ".join(row.ref for row in request.rows)))):
            if key:
                meta.write_string(r, 0, key)
            meta.write_string(r, 1, value)
        meta.hide()
        meta.protect("")
        ws.activate()
        wb.close()
    return path


def _plain_date(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y")
    except ValueError:
        return None


def rag_key(config: Config) -> list[tuple[str, str, str]]:
    """The request Guide's RAG key, one row per rating: the label, its meaning and the words
    the board report uses for it, both from the plan's config [[rag.levels]] (`meaning`, as the
    shared workbook's Guide shows it; `narrative`, as the summary and board report say it), so
    a lead reads what the board will be told. The list is the shared workbook's dropdown, No
    data included (the business manager rates with the same list; the key says what it means)."""
    out = []
    for level in config.scale.levels:
        board = f"\u2026 marked {level.label.lower()}{level.narrative}" if level.narrative else ""
        out.append((level.label, level.meaning, board))
    return out


def _write_guide(wb, guide, config: Config, request: RequestSheet) -> None:
    f_title = wb.add_format({"bold": True, "font_size": 14})
    f_para = wb.add_format({"text_wrap": True, "valign": "top"})
    f_head = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1})
    f_cell = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    guide.set_column(0, 0, 16)
    guide.set_column(1, 1, 50)
    guide.set_column(2, 2, 50)
    guide.write_string(0, 0, "How to fill in this update request", f_title)
    paragraphs = [
        f"This file holds only your actions from {request.title}. For each one, pick a Rating from the "
        f"dropdown (the key is below) and write in Progress what has happened since the last update: what "
        f"was done, what is next, and anything blocking it. The rating and statement already there are the "
        f"last ones the plan holds: change what has moved, leave what has not.",
        "If an action cannot be done by its Due date, rate it Red, and put the date you propose in Proposed "
        "due with the reason beside it; the business manager agrees new dates, so Due itself stays as it "
        "is." if request.propose_due else
        "If an action cannot be done by its Due date, rate it Red and say in Progress what date you propose.",
        "Grey cells are locked: they are what the plan says (a Due date in bold red marked overdue has passed). "
        "Do not add, remove or move rows; do not rename "
        "the sheets. Save the file (any name will do) and email it back; xlplan recognises it and merges your "
        "update into the shared plan, keeping anything others changed since.",
    ]
    row = 2
    for paragraph in paragraphs:
        guide.merge_range(row, 0, row, 2, paragraph, f_para)
        guide.set_row(row, 48)
        row += 2
    guide.write_string(row, 0, "RAG key", f_title)
    row += 1
    for j, text in enumerate(("Rating", "Meaning", "The board report then says")):
        guide.write_string(row, j, text, f_head)
    for label, meaning, board in rag_key(config):
        row += 1
        level = config.scale.level(label)
        fmt = wb.add_format({"bold": True, "bg_color": f"#{level.colour}", "font_color": f"#{level.font}",
                             "border": 1, "valign": "top"})
        guide.write_string(row, 0, label, fmt)
        guide.write_string(row, 1, meaning, f_cell)
        guide.write_string(row, 2, board, f_cell)
        guide.set_row(row, row_height([(meaning, 50), (board, 50)]))
    guide.hide_gridlines(2)
    guide.set_landscape()
    guide.fit_to_pages(1, 0)
    guide.protect("")


# -- reading a returned request ---------------------------------------------------------------

@dataclass
class ReturnedCell:
    value: object             # as read: text, a date, a number or None
    formula: bool = False     # the cell holds a formula, not a value


@dataclass
class ReturnedRequest:
    """A returned request as read: its id (from the hidden sheet or the document properties)
    and, for each ref in it, the cells of the request's columns."""

    path: Path
    id: str
    lead: str
    plan: str                 # the plan's file name (its path in requests of earlier versions)
    rows: dict[str, dict[str, ReturnedCell]] = field(default_factory=dict)
    plan_id: str = ""         # plan_identity of the plan it was issued for ("" in older requests)
    duplicates: list[str] = field(default_factory=list)   # refs found on more than one row


def read_return(path: Path, config: Config, label: str | None = None) -> ReturnedRequest:
    """Read a returned request workbook. Raises WorkbookError (one sentence) for a file that
    is not a request, is damaged or is password-protected; `label` names the file in it (an
    attachment is named after the email it came in)."""
    import zipfile

    from ..read.guard import check_xlsx

    name = label or str(path)
    check_xlsx(path, config.max_unpacked_bytes, config.max_rows)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise WorkbookError(f"{name} is damaged and cannot be read as a workbook ({type(exc).__name__}); ask the "
                            f"lead to save it again, or send them a new request") from None
    except Exception as exc:                        # lxml / openpyxl parser errors on a damaged part
        raise WorkbookError(f"{name} is damaged and cannot be read as a workbook ({type(exc).__name__}); ask the "
                            f"lead to save it again, or send them a new request") from None
    try:
        ident = _identity(wb)
        if ident is None or not _ID.match(ident.get("id", "")):
            raise WorkbookError(f"{name} is not an xlplan update request (it has no request id in its document "
                                f"properties or its hidden {META!r} sheet)")
        sheet = wb[SHEET] if SHEET in wb.sheetnames else None
        if sheet is None:
            raise WorkbookError(f"{name} has no sheet {SHEET!r}; the request's sheet was renamed or removed, so "
                                f"nothing in it can be matched (send the lead a new request)")
        returned = ReturnedRequest(path, ident["id"], ident.get("lead", ""), ident.get("plan", ""),
                                   plan_id=ident.get("plan id", ""))
        header_row, cols = _find_header(sheet)
        if header_row is None:
            raise WorkbookError(f"{name}: the header row of sheet {SHEET!r} (Ref, Rating, Progress) is gone, so "
                                f"nothing in it can be matched (send the lead a new request)")
        for cells in sheet.iter_rows(min_row=header_row + 1):
            ref_cell = cells[cols["ref"]] if cols["ref"] < len(cells) else None
            ref = _text(ref_cell.value if ref_cell is not None else None)
            if not ref:
                continue
            values = {}
            for field_name, col in cols.items():
                cell = cells[col] if col < len(cells) else None
                value = cell.value if cell is not None else None
                formula = cell is not None and cell.data_type == "f"
                values[field_name] = ReturnedCell(value, formula)
            if ref in returned.rows:
                returned.duplicates.append(ref)
            returned.rows[ref] = values
        return returned
    finally:
        wb.close()


def _identity(wb) -> dict | None:
    """The request's id, lead and plan: from the hidden sheet, else the custom properties."""
    found: dict[str, str] = {}
    if META in wb.sheetnames:
        ws = wb[META]
        rows = list(ws.iter_rows(max_row=10, max_col=2, values_only=True))
        if rows and _text(rows[0][1] if len(rows[0]) > 1 else None) == MARK:
            for key, value in rows[1:]:
                if key:
                    found[_text(key)] = _text(value)
    if not found.get("id"):
        try:
            props = {p.name: p.value for p in wb.custom_doc_props.props}
        except AttributeError:
            props = {}
        if props.get(PROPERTY_ID):
            found = {"id": _text(props.get(PROPERTY_ID)), "lead": _text(props.get(PROPERTY_LEAD)),
                     "plan": _text(props.get(PROPERTY_PLAN)), "plan id": _text(props.get(PROPERTY_PLAN_ID))}
    return found or None


def _find_header(ws) -> tuple[int | None, dict[str, int]]:
    """The header row (1-based) and the column (0-based) of each field, by the headers'
    words: a column inserted in the return moves the others, and they are still found."""
    wanted = {h.casefold(): f for f, h in HEADERS.items()}
    for r, row in enumerate(ws.iter_rows(max_row=20, values_only=True), start=1):
        cols = {}
        for c, value in enumerate(row):
            key = _text(value).casefold()
            if key in wanted and wanted[key] not in cols:
                cols[wanted[key]] = c
        if {"ref", "rag", "progress"} <= set(cols):
            return r, cols
    return None, {}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").strip()


def is_request(path: Path) -> bool:
    """A cheap look: does this .xlsx carry the request mark (in docProps or a sheet named xlplan)?"""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if "docProps/custom.xml" in names and PROPERTY_ID.encode() in z.read("docProps/custom.xml"):
                return True
            return b'name="xlplan"' in z.read("xl/workbook.xml")
    except (OSError, zipfile.BadZipFile, KeyError):
        return False
