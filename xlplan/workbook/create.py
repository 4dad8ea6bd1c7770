"""The shared plan workbook that leads edit: a Plan sheet with dropdowns and live RAG colours,
a Guide sheet with the RAG key, a Leads sheet, and a hidden Lists sheet feeding the dropdowns.
Everything a lead sees change as they type is a rule (conditional formatting, validation), not
a static fill, so it keeps working on rows added later."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..action import Action
from ..config import Config
from ..leads import Directory
from ..report.look import (
    choose_paper,
    header_text,
    merged_width,
    print_setup,
    row_height,
)
from ..run.files import atomic_path
from .rules import DATE_MAX, DATE_MIN, SPARE_ROWS, Layout, checks, rules

TITLE_ROW = 0             # 0-based rows, as xlsxwriter counts
HEADER_ROW = 1
GUIDE = "Guide"
LISTS = "Lists"
DATE_FORMAT = "dd/mm/yyyy"
HOW_TO_UPDATE = (
    "Find your rows: filter the {lead} column (the arrow in its header) to your name. For each "
    "of your actions, write in {progress} what has happened since the last update: what was done, "
    "what is next, and anything blocking it. Write dates as dates (e.g. 30/06/2026). If nothing "
    "has changed, say so and why, and put today's date in {updated}: an action left without an "
    "update for several weeks, despite reminders, or without a rating, is reported to the board "
    "as \"No data\".",
    "Then pick a rating in {rag} from the dropdown, using the key below, and put today's date in "
    "{updated}. The colours change as you type. If the action cannot be done by its {due} date, "
    "rate it Red and say in {progress} what new date you propose; do not change {due} yourself "
    "unless the board has agreed it. Save and close the workbook when you are done, so others "
    "(and the weekly run) can use it.",
)


def sheet_title(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", name).strip("'")[:31] or "Plan"


REPORT = "Import report"
EXTRA_WIDTH = 30          # a column kept from the source
GUIDE_TEXT_WIDTH = 74     # the Guide's middle column: its paragraphs are merged across all three


def report_lines(rows: list[list[str]]) -> list[list[str]]:
    """The import report's rows with repeats made one: the same line skipped on every page
    (a repeated header, a page footer) or the same lead cell split many times is one row,
    its rows listed together and the times counted."""
    from ..text import shorten

    out: list[list[str]] = []
    seen: dict[tuple, int] = {}
    where: dict[int, list[str]] = {}
    for row in rows:
        key = (row[0], *row[2:])
        if row[0] in ("Skipped", "Lead split", "Not read") and key in seen:
            where.setdefault(seen[key], [out[seen[key]][1]]).append(row[1])
            continue
        seen[key] = len(out)
        out.append(list(row))
    for i, rows_of in where.items():
        listed = [r for r in rows_of if r]
        said = f"{len(rows_of)} times" + (f": rows {', '.join(listed[:8])}" if listed else "") + \
            (f" and {len(listed) - 8} more" if len(listed) > 8 else "")
        out[i][4] = f"{out[i][4]} ({said})" if out[i][4] else said
    # the rows glued after page breaks are one row: each ref with the rows it was glued from
    glued = [row for row in out if row[0].startswith("Glued")]
    if len(glued) > 3:
        at = out.index(glued[0])
        out = [row for row in out if not row[0].startswith("Glued")]
        out.insert(at, [glued[0][0], "", "", "; ".join(f"{row[2] or '?'} (rows {row[1]})" for row in glued),
                        f"{len(glued)} actions split by a page break, glued back together"])
    # a run of lines skipped for one reason (the prose above a table) is one row
    merged: list[list[str]] = []
    for row in out:
        run = merged[-1] if merged else None
        if (run is not None and row[0] == "Skipped" and run[0] == "Skipped" and run[4] == row[4]
                and "times" not in row[4]):
            run.append(row[3])
            run[1] = f"{run[1].split('-')[0]}-{row[1]}"
            continue
        merged.append(list(row))
    for row in merged:
        if len(row) > 5:
            texts = row[3:4] + row[5:]
            row[3] = shorten(" / ".join(t for t in texts if t), 240) + f" ({len(texts)} lines)"
            del row[5:]
    return merged


@dataclass(frozen=True)
class NewPlan:
    """`xlplan init` and `xlplan import`: the workbook written, and the import's report when
    it was filled from a source."""

    workbook: Path
    report: object = None                   # importer.ImportReport, when filled from a source
    warnings: list[str] = field(default_factory=list)


def new_plan(path: Path, config: Config, *, source: Path | None = None, sheet: str | None = None,
             plan_date: dt.date | None = None, title: str | None = None, force: bool = False) -> NewPlan:
    """A new shared plan workbook at `path`, empty or filled with the actions read from
    `source` (with an Import report sheet). It must have an .xlsx name, must not be open
    anywhere, and replaces an existing file only with `force`."""
    from ..errors import InputError, OutputError
    from ..run.files import refuse_if_open

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path}: the plan workbook must be an .xlsx file; give it an .xlsx name")
    warning = refuse_if_open(path, config.limits.stale_lock_hours)
    if path.exists() and not force:
        raise OutputError(f"{path} already exists; xlplan will not overwrite a plan "
                          f"(use --force to replace it, or choose another name)")
    warnings = [warning] if warning else []
    if source is None:
        write_plan_workbook(path, config, [], title=title or "", plan_date=plan_date)
        return NewPlan(path, None, warnings)
    from ..importer import import_plan

    plan, report = import_plan(source, config, sheet=sheet, plan_date=plan_date)
    write_plan_workbook(path, config, plan.actions, title=title or plan.title, directory=plan.directory,
                        plan_date=plan.plan_date, report=report.rows(), leads=report.leads_review.leads)
    return NewPlan(path, report, warnings)


def write_plan_workbook(path: Path, config: Config, actions: Iterable[Action] = (), *,
                        title: str = "", directory: Directory | None = None,
                        plan_date: dt.date | None = None, report: list[list[str]] | None = None,
                        leads: list[str] | None = None) -> Path:
    """Write a new shared plan workbook at `path` (atomically) and return the path. `leads`:
    the names for the Leads sheet (default: every action's lead)."""
    from ..report.look import (
        ReportBook,  # xlsxwriter's Workbook, keeping every string as text
    )

    actions = list(actions)
    path = Path(path)
    columns = list(config.columns.values())
    col_of = {c.field: i for i, c in enumerate(columns)}
    extra_names = list(dict.fromkeys(k for a in actions for k in a.extra))
    headers = _extra_headers(extra_names, config)
    last_col = len(columns) + len(extra_names) - 1
    first_data = HEADER_ROW + 1
    last_row = first_data + max(len(actions), 1) + SPARE_ROWS - 1
    scale = config.scale

    with atomic_path(path) as tmp:
        wb = ReportBook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({"title": title or "Action plan", "comments": "Written by xlplan"})
        f_title = wb.add_format({"bold": True, "font_size": 14})
        f_head = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78",
                                "text_wrap": True, "valign": "top", "border": 1})
        f_text = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "border_color": "#BFBFBF"})
        f_date = wb.add_format({"num_format": DATE_FORMAT, "valign": "top", "border": 1,
                                "border_color": "#BFBFBF", "align": "left"})
        fills: dict[str, object] = {}

        def fill_format(rgb: str):
            if rgb not in fills:
                fills[rgb] = wb.add_format({"text_wrap": True, "valign": "top", "border": 1,
                                            "border_color": "#BFBFBF", "bg_color": f"#{rgb}"})
            return fills[rgb]
        plan_name = sheet_title(config.sheet or "Plan")
        ws = wb.add_worksheet(plan_name)
        guide = wb.add_worksheet(GUIDE)
        leads_ws = wb.add_worksheet(sheet_title(config.leads_sheet or "Leads"))
        lists = wb.add_worksheet(LISTS)

        # -- Plan ------------------------------------------------------------------------
        heading = title or "Action plan"
        if plan_date:
            heading += f" (plan date {plan_date.strftime('%d/%m/%Y')})"
        ws.merge_range(TITLE_ROW, 0, TITLE_ROW, min(last_col, 6), heading, f_title)
        for i, column in enumerate(columns):
            ws.write_string(HEADER_ROW, i, column.header, f_head)
            ws.set_column(i, i, column.width, f_date if column.field in ("due", "updated") else f_text)
        # Landscape A4 one page wide; a plan of many kept columns on A3, or without them (a
        # note at the head of each page says which), never printed below 60%.
        widths = [c.width for c in columns] + [EXTRA_WIDTH] * len(extra_names)
        optional = len(columns) if extra_names else None
        names = [c.header for c in columns] + [headers[n] for n in extra_names]
        printed = choose_paper(widths, optional, names).columns
        # kept columns left off the paper are not wrapped: a row is as tall as its printed text
        # needs, and the rest of a long kept text shows in the cell (or its tooltip) on screen
        f_unprinted = wb.add_format({"valign": "top", "border": 1, "border_color": "#BFBFBF"})
        for j, name in enumerate(extra_names, start=len(columns)):
            ws.write_string(HEADER_ROW, j, headers[name], f_head)
            ws.set_column(j, j, EXTRA_WIDTH, f_text if j < printed else f_unprinted)
        ws.set_row(HEADER_ROW, 30)

        for r, action in enumerate(actions, start=first_data):
            values = {"ref": action.ref, "group": action.group, "action": action.action,
                      "lead": action.lead, "rag": action.rag or _unread_rating(action), "progress": action.progress}
            for name, value in values.items():
                if value:
                    ws.write_string(r, col_of[name], value, f_text)
            unread_fill = _unread_fill(action)
            if unread_fill:                  # a fill colour xlplan cannot read: kept as it was
                ws.write_blank(r, col_of["rag"], None, fill_format(unread_fill))
            for name, day, text in (("due", action.due, action.due_text), ("updated", action.updated, "")):
                if day:
                    ws.write_datetime(r, col_of[name], dt.datetime.combine(day, dt.time()), f_date)
                elif text:
                    ws.write_string(r, col_of[name], text, f_text)
            for j, name in enumerate(extra_names, start=len(columns)):
                if action.extra.get(name):
                    ws.write_string(r, j, action.extra[name], f_text if j < printed else f_unprinted)
            # as tall as the printed columns need
            texts = [(values[c.field], c.width) for i, c in enumerate(columns) if c.field in values and i < printed]
            texts += [(action.extra.get(n, ""), EXTRA_WIDTH)
                      for j, n in enumerate(extra_names, start=len(columns)) if j < printed]
            ws.set_row(r, row_height(texts))

        ws.freeze_panes(first_data, 0)
        ws.autofilter(HEADER_ROW, 0, last_row, last_col)
        fit = print_setup(ws, widths, repeat=HEADER_ROW, optional=optional, names=names)
        # printed down to the last action: the formatted rows kept ready for new actions
        # (validation and colours go on to last_row) are not printed as empty pages
        ws.print_area(0, 0, first_data + max(len(actions), 1) - 1, fit.columns - 1)
        ws.set_header("&L&\"Calibri,Bold\"&A" + (f"&R{header_text(fit.note)}" if fit.note else ""))
        ws.set_footer("&L&A, printed &D&RPage &P of &N")

        # Dropdowns, date checks and live colours, as formatting.py defines them.
        layout = Layout(first_data + 1, last_row + 1, col_of)
        for check in checks(config, layout, rag_source=f"={LISTS}!$A$2:$A${1 + len(scale.labels)}",
                            lead_source=f"='{leads_ws.name}'!$A$2:$A$500"):
            col = col_of[check.field]
            options = {"input_title": check.prompt_title, "input_message": check.prompt,
                       "error_title": check.error_title, "error_message": check.error,
                       "error_type": check.error_style}
            if check.kind == "list":
                options.update(validate="list", source=check.source)
            else:
                options.update(validate="date", criteria="between", minimum=DATE_MIN, maximum=DATE_MAX)
            ws.data_validation(first_data, col, last_row, col, options)
        for rule in rules(config, layout):
            look = {"bg_color": f"#{rule.fill}", "bold": rule.bold}
            if rule.font:
                look["font_color"] = f"#{rule.font}"
            col = col_of[rule.field]
            spec = ({"type": "cell", "criteria": "==", "value": rule.formula} if rule.kind == "equal"
                    else {"type": "formula", "criteria": "=" + rule.formula})
            ws.conditional_format(first_data, col, last_row, col, {**spec, "format": wb.add_format(look)})

        _write_guide(wb, guide, config, columns)

        # -- Leads and Lists -------------------------------------------------------------
        leads_ws.write_string(0, 0, "Lead", f_head)
        leads_ws.write_string(0, 1, "Email", f_head)
        leads_ws.set_column(0, 0, 40)
        leads_ws.set_column(1, 1, 40)
        known = directory.leads.values() if directory else []
        named = leads if leads is not None else [a.lead for a in actions if a.lead]
        names = list(dict.fromkeys([*(l.name for l in known), *named]))
        emails = {l.name: l.email for l in known}
        for r, name in enumerate(names, start=1):
            leads_ws.write_string(r, 0, name)
            if emails.get(name):
                leads_ws.write_string(r, 1, emails[name])
        leads_ws.freeze_panes(1, 0)
        print_setup(leads_ws, [40, 40], repeat=0, portrait=True)
        if report:
            sheet = wb.add_worksheet(REPORT)
            widths = (28, 10, 10, 60, 60)
            rows = report_lines(report)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value:
                        sheet.write_string(r, c, value, f_head if r == 0 else f_text)
                sheet.set_row(r, row_height(list(zip(row, widths)), bold=r == 0))
            for c, width in enumerate(widths):
                sheet.set_column(c, c, width)
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(len(rows) - 1, 1), 4)
            print_setup(sheet, list(widths), repeat=0)
        lists.write_string(0, 0, "RAG")
        for r, label in enumerate(scale.labels, start=1):
            lists.write_string(r, 0, label)
        lists.hide()
        ws.activate()
        wb.close()
    return path


def _unread_rating(action: Action) -> str:
    """A rating's text xlplan could not read ("2" with no key, "Some slippage"), kept as
    written so that validate reports it (unknown-rag) rather than finding the cell empty."""
    rating = action.rating
    return rating.raw.strip() if rating.problem and rating.source == "text" and rating.raw else ""


def _unread_fill(action: Action) -> str | None:
    """The RRGGBB of a rating given by a fill colour xlplan could not read, kept as the cell's
    fill; None otherwise."""
    rating = action.rating
    if action.rag is None and rating.problem and rating.source == "fill":
        found = re.fullmatch(r"#?([0-9A-Fa-f]{6})", rating.raw or "")
        return found.group(1).upper() if found else None
    return None


def _write_guide(wb, guide, config: Config, columns) -> None:
    names = {c.field: f'"{c.header}"' for c in columns}
    f_title = wb.add_format({"bold": True, "font_size": 14})
    f_para = wb.add_format({"text_wrap": True, "valign": "top"})
    f_head = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1})
    f_cell = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    guide.set_column(0, 0, 16)
    guide.set_column(1, 1, GUIDE_TEXT_WIDTH)
    guide.set_column(2, 2, 16)
    guide.write_string(0, 0, "How to update this plan", f_title)
    across = merged_width((16, GUIDE_TEXT_WIDTH, 16))
    row = 2
    for paragraph in HOW_TO_UPDATE:
        text = paragraph.format(**names)
        guide.merge_range(row, 0, row, 2, text, f_para)
        guide.set_row(row, row_height([(text, across)]))
        guide.set_row(row + 1, 6)                 # a little space between paragraphs, not a line
        row += 2
    guide.write_string(row, 0, "RAG key", f_title)
    row += 1
    for j, text in enumerate(("Rating", "Meaning", "Counts as")):
        guide.write_string(row, j, text, f_head)
    for level in config.scale.levels:
        row += 1
        fmt = wb.add_format({"bold": True, "bg_color": f"#{level.colour}", "font_color": f"#{level.font}",
                             "border": 1, "valign": "top"})
        guide.write_string(row, 0, level.label, fmt)
        guide.write_string(row, 1, level.meaning, f_cell)
        guide.set_row(row, row_height([(level.meaning, GUIDE_TEXT_WIDTH)]))
        status = ("complete" if level.complete else
                  "complete once due" if level.complete_when_due_passed else "open")
        guide.write_string(row, 2, status, f_cell)
    row += 2
    guide.write_string(row, 0, "Colours on the Plan sheet", f_title)
    for text in (f"A {names['due']} date in red: the action is overdue and not complete.",
                 f"A yellow {names['progress']} cell: no progress statement yet.",
                 "Leave the Ref, Action and Theme columns as they are; the business manager keeps them."):
        row += 1
        guide.merge_range(row, 0, row, 2, text, f_para)
        guide.set_row(row, row_height([(text, across)]))
    guide.hide_gridlines(2)
    print_setup(guide, [16, GUIDE_TEXT_WIDTH, 16])


def _extra_headers(names: list[str], config: Config) -> dict[str, str]:
    """Headers for kept source columns. One that reads as a field's alias ("Reference" in
    seed 001 holds source-document codes, not refs) would be taken for that field when the
    plan is read back, so it gets a suffix."""
    from ..text import header_key

    taken = {header_key(a) for c in config.columns.values() for a in c.aliases}
    return {n: f"{n} (original)" if header_key(n) in taken else n for n in names}
