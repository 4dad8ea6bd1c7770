"""The weekly report workbook: its sheets in order (Summary, Exceptions, Changes, Chase, Mail
merge, Findings, Trend), and the Trend sheet (each action week by week, as the board was
told)."""

from __future__ import annotations

from ..changes import Comparison
from ..chase import ChaseList
from ..config import Config
from ..findings import Validation
from ..status import WeekStatus
from ..summary import Summary
from .changes import add_changes_sheet
from .chase import add_chase_sheets
from .exceptions import add_exceptions_sheet
from .findings import add_findings_sheet
from .look import Formats, print_setup, row_height
from .summary import add_summary_sheet


def add_report_sheets(wb, config: Config, summary: Summary, groups, comparison: Comparison | None, chase: ChaseList,
            validation: Validation, status: WeekStatus) -> None:
    add_summary_sheet(wb, summary, config)
    add_exceptions_sheet(wb, groups, config, summary.as_of)
    if comparison is not None:
        add_changes_sheet(wb, comparison, config)
    else:
        f = Formats(wb, config)
        ws = wb.add_worksheet("Changes")
        f.put(ws, 0, 0, "No earlier snapshot yet: changes are shown from next week.", f.title)
        print_setup(ws, [60])
    add_chase_sheets(wb, chase, config)
    add_findings_sheet(wb, validation, config)
    add_trend_sheet(wb, status, config)


def add_trend_sheet(wb, status: WeekStatus, config: Config, name: str = "Trend") -> None:
    """Each action week by week, in colour: what the board was told (a No data week shows the
    rating the lead last gave, in brackets), then the last update, days since and missed
    updates; the latest week is the Summary's."""
    f = Formats(wb, config)
    ws = wb.add_worksheet(name)
    dates = status.weeks
    f.put(ws, 0, 0, f"Ratings week by week, as the board was told ({len(dates)} weekly "
                    f"version{'s' * (len(dates) != 1)})", f.title)
    columns = [("Ref", 9), ("Lead", 26)] + [(d.strftime("%d/%m/%Y"), 13) for d in dates] + \
              [("Last update", 12), ("Days since", 10), ("Missed updates", 10), ("This week", 30)]
    f.header_row(ws, 2, columns)
    heights: dict[tuple, float] = {}              # a few hundred leads, a row each for 100,000 actions
    for r, s in enumerate(status.actions, start=3):
        lead = s.action.lead
        by_date = {d: (rating, board) for d, rating, board in s.weeks}
        cells = []
        for d in dates:
            if d not in by_date:
                cells.append(("", f.text))
                continue
            rating, board = by_date[d]
            cells.append((s.board_text(rating, board), f.rag(board)))
        # a complete action is not asked for updates: no missed updates to flag
        note = s.note or ("complete" if s.complete else s.update_text)
        missed = ("", f.text) if s.complete else (s.missed_updates, f.warning if s.missed_updates else f.number)
        last = ((s.last_update, f.date) if s.last_update and s.update_seen else
                (f"none since {s.last_update.strftime('%d/%m/%Y')}", f.text) if s.last_update else ("", f.text))
        last_words = last[0] if isinstance(last[0], str) else ""
        longest = max((c[0] for c in cells), key=len, default="")
        key = (lead, len(note), longest, last_words)   # what the height depends on
        f.row(ws, r, [(s.ref, f.text), (lead, f.text), *cells, last,
                      (s.days_since, f.number), missed, (note, f.text)],
              height=heights.get(key) or heights.setdefault(key, row_height([(lead, 26), (note, 30),
                                                                             (longest, 13), (last_words, 12)])))
    f.finish(ws, 2, len(status.actions), len(columns))
