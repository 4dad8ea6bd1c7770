"""`xlplan history` for a terminal: each action week by week, as the board was told, and what
the board is told now."""

from __future__ import annotations

from ..status import HistoryReport


def history_text(report: HistoryReport) -> str:
    """For a terminal: per action, what the board was told the last 8 weeks, and its update."""
    status = report.status
    lines = [f"{len(status.weeks)} weekly versions, {status.weeks[0].strftime('%d/%m/%Y')} to "
             f"{status.weeks[-1].strftime('%d/%m/%Y')}; as of {status.as_of.strftime('%d/%m/%Y')}"]
    shown = min(len(status.weeks), 8)
    lines.append(f"  {'ref':<10} what the board was told, the last {shown} weekly run{'s' * (shown != 1)}")
    for s in report.actions:
        week = ", ".join(s.board_text(r, b) or "-" for _, r, b in s.weeks[-8:])
        lines.append(f"  {s.ref[:10]:<10} {week}")
        about = s.note or ("complete" if s.complete else s.update_text) or "first week in the history"
        lines.append(f"  {'':<10} {about}")
    return "\n".join(lines) + "\n"
