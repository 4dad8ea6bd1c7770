"""The chase list for a terminal, and as the Chase and Mail merge sheets (every row to chase,
with mail-merge columns; one row per lead, with why any lead could not be emailed)."""

from __future__ import annotations

from pathlib import Path

from ..chase import ChaseList, LeadChase
from ..config import Config
from ..mail.drafts import action_lines, sheet_of, subject
from ..text import ELLIPSIS, counted, shorten

MERGE_TEXT_LIMIT = 8000   # characters of a lead's list in a mail-merge cell (Excel allows 32,767)


ROW_TEXT_LIMIT = 2000     # the same list repeated on each of the lead's rows of the Chase sheet
PRINTED = 7               # the Chase sheet's columns on paper: Lead to Why
MERGE_WIDTH = 96          # the Mail merge sheet's Actions column
MERGE_ROW_MAX = 250       # points: a lead's row on the Mail merge sheet, two or three to a page


def _listing(entry: LeadChase, include_progress: bool, limit: int = MERGE_TEXT_LIMIT, sheet: str = "") -> str:
    """The lead's list as text for mail merge, in at most `limit` characters: whole actions,
    and for a lead with very many, as many as fit and a last line saying how many more there
    are (the draft email has the whole list)."""
    kept: list[str] = []
    size = -1                                    # the characters of "\n".join(kept)
    for item in entry.items:
        block = "\n".join(action_lines(item, include_progress, sheet))
        if size + 1 + len(block) <= limit:
            kept.append(block)
            size += 1 + len(block)
            continue
        while kept:
            rest = len(entry.items) - len(kept)
            note = (f"{ELLIPSIS} and {counted(rest, 'more action')} ({len(entry.items)} in all): filter the Lead "
                    f"column of the workbook to your name to see them all")
            if size + 1 + len(note) <= limit:
                return "\n".join([*kept, note])
            size -= 1 + len(kept.pop())
        break                                    # not even one action fits: the first, cut short
    else:
        return "\n".join(kept)
    return shorten("\n".join(action_lines(entry.items[0], include_progress, sheet)), limit)


def _fitting(entry: LeadChase, include_progress: bool, sheet: str) -> str:
    """The lead's list for the Mail merge sheet: as many whole actions as a row of at most
    MERGE_ROW_MAX points shows (a lead's row is not a page of its own on paper), so that the
    printed sheet shows every line it holds; a longer list ends with how many more there are
    (the lead's draft email has them all)."""
    from .look import row_height

    limit = MERGE_TEXT_LIMIT
    listing = _listing(entry, include_progress, limit, sheet)
    while limit > 400 and row_height([(listing, MERGE_WIDTH)]) > MERGE_ROW_MAX:
        limit = int(limit * 0.8)
        listing = _listing(entry, include_progress, limit, sheet)
    return listing


def chase_text(chase: ChaseList, drafts: dict[str, Path] | None = None, sent: dict[str, str] | None = None) -> str:
    """The chase list for a terminal, with each lead's draft and what sending did."""
    drafts, sent = drafts or {}, sent or {}
    count = len(chase.actions())
    shared = sum(len(l.items) for l in chase.leads) - count
    joint = f" ({shared} of them listed for more than one lead: a joint lead)" if shared else ""
    lines = [f"{chase.plan}: {count} action{'s' * (count != 1)} to chase{joint}, {len(chase.leads)} "
             f"lead{'s' * (len(chase.leads) != 1)}, as of {chase.as_of.strftime('%d/%m/%Y')}"]
    for entry in chase.leads:
        where = entry.email or f"NOT EMAILED: {entry.problem}"
        lines += ["", f"{entry.lead} <{where}>" if entry.email else f"{entry.lead} ({where})"]
        for item in entry.items:
            lines.append(f"  {item.action.ref[:10]:<10} {'; '.join(item.reasons)}")
        if drafts.get(entry.lead):
            lines.append(f"  draft: {drafts[entry.lead]}")
        if sent.get(entry.lead):
            lines.append(f"  {sent[entry.lead]}")
    return "\n".join(lines) + "\n"


def add_chase_sheets(wb, chase: ChaseList, config: Config, name: str = "Chase") -> None:
    """Every row to chase, sorted by lead, with mail-merge columns; and one row per lead."""
    from .look import Formats, cells_height

    f = Formats(wb, config)
    include_progress = config.chase.include_progress
    sheet = sheet_of(chase, config)
    ws = wb.add_worksheet(name)
    f.put(ws, 0, 0, f"Chase list: {len(chase.actions())} actions, as of "
                          f"{chase.as_of.strftime('%d/%m/%Y')}", f.title)
    missing = [l for l in chase.leads if l.problem]
    if missing:
        names = ", ".join(l.lead for l in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        what = ("No lead could be emailed" if len(missing) == len(chase.leads)
                else f"{len(missing)} lead{'s' * (len(missing) != 1)} could not be emailed ({names})")
        f.put(ws, 1, 0, f"{what}: see 'Not emailed because' on the Mail merge sheet, and add their "
                        f"addresses to the Leads sheet.", f.warning)
    columns = (("Lead", 26), ("Email", 28), ("Ref", 8), ("Action", 40), ("Due", 11), ("RAG", 11),
               ("Why", 40), ("Subject", 30), ("Lead's list", 50))
    f.header_row(ws, 2, columns)
    merge = wb.add_worksheet("Mail merge")
    # narrow enough to print at 80% or more of full size on landscape A4
    f.header_row(merge, 0, (("Lead", 20), ("Email", 24), ("Subject", 24), ("Actions", MERGE_WIDTH),
                            ("Not emailed because", 20)))
    unprinted = f.number                         # not wrapped: Subject and the list stay one line
    r = 3
    widths = [width for _, width in columns]
    for m, entry in enumerate(chase.leads, start=1):
        listing = _fitting(entry, include_progress, sheet)
        row_listing = _listing(entry, include_progress, ROW_TEXT_LIMIT, sheet)
        title = subject(entry, chase, config) if not entry.problem else ""
        for item in entry.items:
            a = item.action
            cells = ((entry.lead, f.text), (entry.email, f.text), (a.ref, f.text), (a.action, f.text),
                     (a.due, f.date) if a.due else (a.due_text, f.text),
                     (a.rag, f.rag(a.rag) if a.rag else f.text),
                     ("; ".join(item.reasons), f.text), (title, unprinted), (row_listing, unprinted))
            # as tall as the printed columns need (Subject and the list are not printed)
            f.row(ws, r, cells, height=cells_height(cells[:PRINTED], widths) or 15.0)
            r += 1
        f.row(merge, m, [(value, f.text) for value in (entry.lead, entry.email, title, listing, entry.problem)])
    # on paper, the Chase sheet stops at Why: Subject and the lead's list are the Mail merge sheet's
    f.finish(ws, 2, r - 3, len(columns), optional=PRINTED, drop_first=True)
    f.finish(merge, 0, len(chase.leads), 5)
