"""What changed between two versions, for a terminal and as the Changes sheet: grouped by
lead, ratings in their colours, the direction in words with an arrow."""

from __future__ import annotations

from ..action import NO_LEAD
from ..changes import KINDS, Change, Comparison, plain_value
from ..config import Config

ARROWS = {"improved": "▲ improved", "worsened": "▼ worsened", "moved": "◆ moved"}


def comparison_text(result: Comparison) -> str:
    c = result.counts
    lines = [f"{result.old} -> {result.new}: {c['improved']} improved, {c['worsened']} worsened, "
             f"{c['no-update']} with no update, {c['added']} added, {c['removed']} removed"]
    by_lead: dict[str, list[Change]] = {}
    for change in result.changes:
        by_lead.setdefault(change.lead or NO_LEAD, []).append(change)
    for lead in sorted(by_lead, key=str.casefold):
        lines += ["", lead]
        for ch in by_lead[lead]:
            lines.append(f"  {ch.ref[:10]:<10} {_describe(ch)}")
    return "\n".join(lines) + "\n"


def _describe(ch: Change) -> str:
    short = lambda v: (str(plain_value(v)) if v is not None else "nothing").replace("\n", " ")[:60]
    if ch.change == "rag":
        return f"rating {short(ch.old)} -> {short(ch.new)} ({ch.direction})"
    if ch.change == "no-update":
        return f"no update since the last version (still {short(ch.new)})"
    if ch.change == "renumbered":
        return f"renumbered from {ch.old}"
    if ch.change == "duplicate-ref":
        return f"ref used {ch.old} time(s) before and {ch.new} now: not compared"
    if ch.change in ("added", "removed"):
        return f"{ch.change} (rated {short(ch.new if ch.change == 'added' else ch.old)})"
    return f"{ch.change}: {short(ch.old)} -> {short(ch.new)}"


def add_changes_sheet(wb, result: Comparison, config: Config, name: str = "Changes") -> None:
    """The changes as a sheet a business manager reads at a glance: grouped by lead, old and
    new ratings in their colours, the direction in words with an arrow."""
    from .look import Formats

    f = Formats(wb, config)
    ws = wb.add_worksheet(name)
    c = result.counts
    f.put(ws, 0, 0, f"Changes since the last version: {c['improved']} improved, {c['worsened']} "
                          f"worsened, {c['no-update']} with no update, {c['added']} added, "
                          f"{c['removed']} removed", f.title)
    columns = (("Lead", 28), ("Ref", 9), ("Change", 13), ("Old", 40), ("New", 40), ("Direction", 14))
    f.header_row(ws, 2, columns)
    order = {k: i for i, k in enumerate(KINDS)}
    rows = sorted(result.changes, key=lambda ch: ((ch.lead or "~").casefold(), order[ch.change], ch.row or 0))
    for r, ch in enumerate(rows, start=3):
        is_rating = ch.change in ("rag", "no-update", "added", "removed")
        old, new = ("" if value is None else str(plain_value(value)) for value in (ch.old, ch.new))
        f.row(ws, r, ((ch.lead, f.text), (ch.ref, f.text), (ch.change, f.text),
                      (old, f.rag(old) if is_rating and old else f.text),
                      (new, f.rag(new) if is_rating and new else f.text),
                      (ARROWS.get(ch.direction or "", ""), f.direction(ch.direction))))
    f.finish(ws, 2, len(rows), len(columns))
