"""The exception report for a terminal and as a printable sheet, grouped by the month the
actions are due, with what the board is told and overdue actions marked."""

from __future__ import annotations

import datetime as dt

from ..config import Config
from ..exception_list import ExceptionGroup, ExceptionReport
from .look import print_setup, row_height


def exceptions_text(report: ExceptionReport) -> str:
    """For a terminal: each due month's actions, overdue ones and the No data line marked."""
    lines = []
    for g in report.groups:
        lines.append(g.title)
        for i in g.items:
            late = f", overdue since {i.action.due.strftime('%d/%m/%Y')}" if i.overdue_days is not None else ""
            note = f"  [{i.week.note}]" if i.week is not None and i.week.note else ""
            lines.append(f"  {i.action.ref[:10]:<10} {i.status:<11} {i.action.lead[:30]}{late}{note}")
    return "".join(f"{line}\n" for line in lines)


def add_exceptions_sheet(wb, groups: list[ExceptionGroup], config: Config, as_of: dt.date,
                         name: str = "Exceptions") -> None:
    from .look import Formats

    f = Formats(wb, config)
    ws = wb.add_worksheet(name)
    heading = wb.add_format({"bold": True, "font_size": 12, "bg_color": "#DDEBF7", "border": 1})
    overdue = wb.add_format({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE", "border": 1,
                             "valign": "top", "text_wrap": True})
    count = sum(len(g.items) for g in groups)
    f.put(ws, 0, 0, f"Exception report: {count} actions not complete and not green, as of "
                          f"{as_of.strftime('%d/%m/%Y')}", f.title)
    columns = (("Ref", 9), ("Action", 44), ("Lead", 22), ("Progress statement", 44), ("RAG", 14),
               ("Due", 11), ("Overdue", 12), ("Days since update", 10), ("Updates", 26))
    f.header_row(ws, 2, columns)
    row = 3
    for group in groups:
        ws.merge_range(row, 0, row, len(columns) - 1, group.title, heading)
        row += 1
        for item in group.items:
            a = item.action
            f.row(ws, row, ((a.ref, f.text), (a.action, f.text), (a.lead, f.text), (a.progress, f.text),
                            (item.week.board_text() if item.week else item.status, f.rag(item.status)),
                            (a.due, f.date) if a.due else (a.due_text, f.text),
                            ("overdue", overdue) if item.overdue_days is not None else (None, f.text),
                            (item.days_since_update, f.number if item.days_since_update is not None else f.text),
                            (item.note, f.text)),
                  height=row_height([(a.action, 44), (a.progress, 44), (a.lead, 22), (item.note, 26)]))
            row += 1
    ws.freeze_panes(3, 0)
    print_setup(ws, [width for _, width in columns], repeat=2, last_row=row)
