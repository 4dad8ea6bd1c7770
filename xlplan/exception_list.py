"""The exception report boards ask for (seed 000 is one): every action that is not complete
and that the board is not told is Green, grouped by the month it is due ("Actions to be
completed by the end of March 2009"), overdue ones marked, with how long since the last
update where history exists. An action reported as No data shows its last rating beside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .action import Action
from .config import Config
from .plan import Plan, config_for
from .status import ActionStatus, WeekStatus, week_status


@dataclass(frozen=True)
class ExceptionItem:
    action: Action
    status: str                       # what the board is told
    overdue_days: int | None          # None: not overdue
    days_since_update: int | None     # None: no history
    week: ActionStatus | None = None  # the action's week: last rating, updates, why No data

    @property
    def note(self) -> str:
        if self.week is None:
            return ""
        return self.week.note or self.week.update_text


@dataclass
class ExceptionGroup:
    title: str
    month: dt.date | None             # the first of the month, None for no due date
    items: list[ExceptionItem] = field(default_factory=list)


def exception_report(plan_or_status: Plan | WeekStatus, config: Config | None = None, *,
                     as_of: dt.date | None = None) -> list[ExceptionGroup]:
    """The exception report: every action neither complete nor reported Green, grouped by
    the month it is due (no due date last), each with what the board is told, how long it is
    overdue and since its last update. Given a plan alone, its week is worked out here."""
    if isinstance(plan_or_status, WeekStatus):
        status = plan_or_status
    else:
        config = config_for(plan_or_status, config=config)
        status = week_status(plan_or_status, config, as_of=as_of)
    as_of = status.as_of
    groups: dict[dt.date | None, ExceptionGroup] = {}
    for s in status.actions:
        a = s.action
        if s.board == "Green" or s.complete:
            continue
        month = a.due.replace(day=1) if a.due else None
        if month not in groups:
            title = (f"Actions to be completed by the end of {month.strftime('%B %Y')}" if month
                     else "Actions with no due date")
            groups[month] = ExceptionGroup(title, month)
        overdue = (as_of - a.due).days if a.due and a.due < as_of else None
        groups[month].items.append(ExceptionItem(a, s.board, overdue, s.days_since if status.history else None, s))
    return [groups[k] for k in sorted(groups, key=lambda m: (m is None, m or dt.date.min))]


@dataclass(frozen=True)
class ExceptionReport:
    """`xlplan exceptions`: the exception report of the plan at `plan`, and the notes about the
    week it was read from."""

    plan: str
    as_of: dt.date
    groups: list[ExceptionGroup]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"plan": self.plan, "as_of": self.as_of.isoformat(), "groups": exceptions_dict(self.groups),
                "notes": self.notes}


def report_exceptions(path, config: Config, *, as_of: dt.date | None = None, history=None) -> ExceptionReport:
    """Read the plan at `path` and its week (`history` as for summary) and make its exception
    report."""
    from .plan import read_plan
    from .status import read_week

    week = read_week(read_plan(path, config), config, as_of=as_of, history=history)
    return ExceptionReport(str(path), week.status.as_of, exception_report(week.status, config), week.notes)


def exceptions_dict(groups: list[ExceptionGroup]) -> list[dict]:
    out = []
    for g in groups:
        actions = []
        for i in g.items:
            entry = {"ref": i.action.ref, "row": i.action.row, "lead": i.action.lead, "rag": i.status,
                     "due": i.action.due.isoformat() if i.action.due else None,
                     "overdue_days": i.overdue_days, "days_since_update": i.days_since_update}
            if i.week is not None:
                entry.update(as_rated=i.week.as_rated, last_rating=i.week.last_rating,
                             last_rated=i.week.last_rated.isoformat() if i.week.last_rated else None,
                             missed_updates=i.week.missed_updates, note=i.note or None)
            actions.append(entry)
        out.append({"title": g.title, "month": g.month.isoformat() if g.month else None, "actions": actions})
    return out
