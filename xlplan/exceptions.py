"""The exception report boards ask for (seed 000 is one): every action that is not complete
and not Green, grouped by the month it is due ("Actions to be completed by the end of March
2009"), overdue ones marked, with how long since the last update where history exists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .action import Action
from .config import Config
from .history import ActionHistory
from .plan import Plan
from .summary import status
from .template import row_height


@dataclass(frozen=True)
class ExceptionItem:
    action: Action
    status: str
    overdue_days: int | None          # None: not overdue
    days_since_update: int | None     # None: no history


@dataclass
class ExceptionGroup:
    title: str
    month: dt.date | None             # the first of the month, None for no due date
    items: list[ExceptionItem] = field(default_factory=list)


def exception_report(plan: Plan, config: Config, *, as_of: dt.date | None = None,
                     histories: dict[str, ActionHistory] | None = None) -> list[ExceptionGroup]:
    as_of = as_of or dt.date.today()
    scale = config.scale
    groups: dict[dt.date | None, ExceptionGroup] = {}
    for a in plan.actions:
        if a.rag == "Green" or scale.is_complete(a.rag, a.due, a.progress, as_of):
            continue
        month = a.due.replace(day=1) if a.due else None
        if month not in groups:
            title = (f"Actions to be completed by the end of {month.strftime('%B %Y')}" if month
                     else "Actions with no due date")
            groups[month] = ExceptionGroup(title, month)
        history = (histories or {}).get(a.ref)
        overdue = (as_of - a.due).days if a.due and a.due < as_of else None
        groups[month].items.append(ExceptionItem(a, status(a.rag), overdue, history.days_since if history else None))
    return [groups[k] for k in sorted(groups, key=lambda m: (m is None, m or dt.date.min))]


def exceptions_dict(groups: list[ExceptionGroup]) -> list[dict]:
    return [{"title": g.title, "month": g.month.isoformat() if g.month else None,
             "actions": [{"ref": i.action.ref, "row": i.action.row, "lead": i.action.lead, "rag": i.status,
                          "due": i.action.due.isoformat() if i.action.due else None,
                          "overdue_days": i.overdue_days, "days_since_update": i.days_since_update}
                         for i in g.items]} for g in groups]


def add_exceptions_sheet(wb, groups: list[ExceptionGroup], config: Config, as_of: dt.date,
                         name: str = "Exceptions") -> None:
    from .sheets import Formats

    f = Formats(wb, config)
    ws = wb.add_worksheet(name)
    heading = wb.add_format({"bold": True, "font_size": 12, "bg_color": "#DDEBF7", "border": 1})
    overdue = wb.add_format({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE", "border": 1,
                             "valign": "top", "text_wrap": True})
    count = sum(len(g.items) for g in groups)
    f.put(ws, 0, 0, f"Exception report: {count} actions not complete and not green, as of "
                          f"{as_of.strftime('%d/%m/%Y')}", f.title)
    columns = (("Ref", 9), ("Action", 48), ("Lead", 24), ("Progress statement", 52), ("RAG", 12),
               ("Due", 11), ("Overdue", 12), ("Days since update", 10))
    f.header_row(ws, 2, columns)
    row = 3
    for group in groups:
        ws.merge_range(row, 0, row, len(columns) - 1, group.title, heading)
        row += 1
        for item in group.items:
            a = item.action
            f.row(ws, row, ((a.ref, f.text), (a.action, f.text), (a.lead, f.text), (a.progress, f.text),
                            (item.status, f.rag(item.status)), (a.due, f.date) if a.due else (a.due_text, f.text),
                            (f"{item.overdue_days} days", overdue) if item.overdue_days is not None else (None, f.text),
                            (item.days_since_update, f.number if item.days_since_update is not None else f.text)),
                  height=row_height([(a.action, 48), (a.progress, 52), (a.lead, 24)]))
            row += 1
    ws.freeze_panes(3, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    ws.set_footer("&L&A&RPage &P of &N")
