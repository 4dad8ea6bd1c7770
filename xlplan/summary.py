"""What a board or scrutiny committee is told: counts by rating, by theme and by lead,
movement since the last version, the trend week by week, and a paragraph in the business
manager's voice (seed 003, paragraph 16). An action with no rating counts as No data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from .config import Config
from .history import ActionHistory, Version, reported_status
from .plan import Plan
from .template import row_height

NO_DATA = "No data"


@dataclass
class Summary:
    workbook: str
    as_of: dt.date
    actions: int
    labels: tuple[str, ...]                       # the scale's labels, in order
    by_rag: dict[str, int]
    by_group: dict[str, dict[str, int]] = field(default_factory=dict)
    by_lead: dict[str, dict[str, int]] = field(default_factory=dict)
    movement: dict[str, int] | None = None        # improved, worsened, unchanged, new
    trend: list[tuple[dt.date, dict[str, int]]] = field(default_factory=list)
    narrative: str = ""

    def to_dict(self) -> dict:
        out = {"workbook": self.workbook, "as_of": self.as_of.isoformat(), "actions": self.actions,
               "by_rag": {k: v for k, v in self.by_rag.items() if v}, "narrative": self.narrative,
               "by_group": self.by_group, "by_lead": self.by_lead}
        if self.movement is not None:
            out["movement"] = self.movement
        if self.trend:
            out["trend"] = [{"date": d.isoformat(), "by_rag": {k: v for k, v in c.items() if v}} for d, c in self.trend]
        return out


def status(rag: str | None) -> str:
    return rag if rag else NO_DATA


def summarise(plan: Plan, config: Config, *, as_of: dt.date | None = None, previous: Plan | None = None,
              versions: list[Version] | None = None,
              histories: dict[str, ActionHistory] | None = None, comparison=None) -> Summary:
    as_of = as_of or dt.date.today()
    scale = config.scale
    threshold = int(config.raw.get("history", {}).get("no_data_after_missed_updates", 1))

    def reported(a) -> str:
        complete = scale.is_complete(a.rag, a.due, a.progress, as_of)
        rag = reported_status(a.rag, histories.get(a.ref), complete, threshold) if histories else a.rag
        return status(rag)

    statuses = [(a, reported(a)) for a in plan.actions]
    counts = Counter(s for _, s in statuses)
    labels = scale.labels if NO_DATA in scale.labels else (*scale.labels, NO_DATA)
    summary = Summary(str(plan.path), as_of, len(plan.actions), labels, {k: counts[k] for k in labels})
    for a, s in statuses:
        summary.by_group.setdefault(a.group or "(no theme)", dict.fromkeys(labels, 0))[s] += 1
        summary.by_lead.setdefault(a.lead or "(no lead named)", dict.fromkeys(labels, 0))[s] += 1
    if previous is not None:
        from .compare import compare

        changes = comparison or compare(previous, plan, config, as_of=as_of)
        moved = {c.ref for c in changes.changes if c.change == "rag"}
        old_refs = {a.ref for a in previous.actions}
        summary.movement = {
            "improved": changes.counts["improved"], "worsened": changes.counts["worsened"],
            "unchanged": sum(1 for a in plan.actions if a.ref in old_refs and a.ref not in moved),
            "new": changes.counts["added"],
        }
    for version in sorted(versions or [], key=lambda v: v.date):
        week = Counter(status(e.rag) for e in version.actions.values())
        summary.trend.append((version.date, {k: week[k] for k in labels}))
    summary.narrative = narrative(summary, config)
    return summary


def narrative(summary: Summary, config: Config) -> str:
    """'Of the 28 actions, 9 are marked green, as completed; 2 are marked amber/green, as some
    parts are still to be completed; ... and 2 are marked no data as, despite chasing, no
    information has been provided by the lead officer.' Zero counts are left out."""
    n = summary.actions
    if n == 0:
        return "The plan has no actions."
    phrases = {lv.label: lv.narrative for lv in config.scale.levels}
    parts = []
    for label in summary.labels:
        count = summary.by_rag.get(label, 0)
        if count:
            parts.append(f"{count} {'is' if count == 1 else 'are'} marked {label.lower()}{phrases.get(label, '')}")
    if len(parts) > 1:
        parts[-1] = "and " + parts[-1]
    opening = f"Of the {n} action{'s' * (n != 1)}" if n != 1 else "Of the 1 action"
    return f"{opening}, " + "; ".join(parts) + "."


# -- rendering -------------------------------------------------------------------------------

def summary_text(summary: Summary) -> str:
    lines = [f"{summary.workbook}: {summary.actions} actions as of {summary.as_of.strftime('%d/%m/%Y')}", ""]
    lines += [f"  {label:<12} {summary.by_rag[label]:>5}" for label in summary.labels if summary.by_rag[label]]
    if summary.movement:
        m = summary.movement
        lines += ["", f"  since the last version: {m['improved']} improved, {m['worsened']} worsened, "
                      f"{m['unchanged']} unchanged, {m['new']} new"]
    lines += ["", summary.narrative]
    return "\n".join(lines) + "\n"


def add_summary_sheet(wb, summary: Summary, config: Config, name: str = "Summary") -> None:
    """Counts as values (never formulas: LibreOffice does not recalculate on load), ratings in
    their colours, a chart of the counts, the tables by theme and by lead, movement, and the
    trend with its chart."""
    from .sheets import Formats

    f = Formats(wb, config)
    ws = wb.add_worksheet(name)
    para = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "border_color": "#BFBFBF"})
    bold = wb.add_format({"bold": True, "font_size": 12})
    width = 2 + len(summary.labels)
    ws.set_column(0, 0, 34)
    ws.set_column(1, width, 12)
    f.put(ws, 0, 0, f"Summary: {summary.actions} actions as of {summary.as_of.strftime('%d/%m/%Y')}", f.title)
    ws.merge_range(2, 0, 2, width - 1, summary.narrative, para)
    ws.set_row(2, max(45, 15 * (len(summary.narrative) // 110 + 2)))

    row = 4
    f.put(ws, row, 0, "By rating", bold)
    f.header_row_at(ws, row + 1, ["Rating", "Actions"])
    shown = [label for label in summary.labels if summary.by_rag[label]]
    for i, label in enumerate(shown, start=row + 2):
        f.put(ws, i, 0, label, f.rag(label))
        ws.write_number(i, 1, summary.by_rag[label], f.number)
    total_row = row + 2 + len(shown)
    f.put(ws, total_row, 0, "Total", f.head)
    ws.write_number(total_row, 1, summary.actions, f.head)
    if shown:
        chart = wb.add_chart({"type": "column"})
        chart.add_series({
            "name": "Actions", "categories": [name, row + 2, 0, total_row - 1, 0],
            "values": [name, row + 2, 1, total_row - 1, 1],
            "points": [{"fill": {"color": f"#{config.scale.level(l).colour}"} if _known(config, l) else {},
                        "border": {"color": "#7F7F7F"}} for l in shown],
            "data_labels": {"value": True},
        })
        chart.set_title({"name": "Actions by rating"})
        chart.set_legend({"none": True})
        chart.set_size({"width": 480, "height": 260})
        ws.insert_chart(row, 4, chart)
    row = max(total_row + 2, row + 15)

    for title, table in (("By theme", summary.by_group), ("By lead", summary.by_lead)):
        f.put(ws, row, 0, title, bold)
        f.header_row_at(ws, row + 1, [title.split()[-1].title(), *summary.labels, "Total"])
        for j, label in enumerate(summary.labels, start=1):
            f.put(ws, row + 1, j, label, f.rag(label))
        for i, (key, counts) in enumerate(table.items(), start=row + 2):
            f.put(ws, i, 0, key, f.text)
            ws.set_row(i, row_height([(key, 34)]))
            for j, label in enumerate(summary.labels, start=1):
                ws.write_number(i, j, counts[label], f.number)
            ws.write_number(i, len(summary.labels) + 1, sum(counts.values()), f.number)
        row += len(table) + 3

    if summary.movement is not None:
        f.put(ws, row, 0, "Since the last version", bold)
        f.header_row_at(ws, row + 1, ["Movement", "Actions"])
        for i, (key, value) in enumerate(summary.movement.items(), start=row + 2):
            f.put(ws, i, 0, key, f.direction(key))
            ws.write_number(i, 1, value, f.number)
        row += len(summary.movement) + 3

    if summary.trend:
        f.put(ws, row, 0, "Trend, week by week", bold)
        f.header_row_at(ws, row + 1, ["Week", *summary.labels])
        for j, label in enumerate(summary.labels, start=1):
            f.put(ws, row + 1, j, label, f.rag(label))
        first = row + 2
        for i, (day, counts) in enumerate(summary.trend, start=first):
            ws.write_datetime(i, 0, dt.datetime.combine(day, dt.time()), f.date)
            for j, label in enumerate(summary.labels, start=1):
                ws.write_number(i, j, counts[label], f.number)
        last = first + len(summary.trend) - 1
        chart = wb.add_chart({"type": "line"})
        for j, label in enumerate(summary.labels, start=1):
            if any(c[label] for _, c in summary.trend):
                colour = config.scale.level(label).colour if _known(config, label) else "7F7F7F"
                chart.add_series({"name": [name, row + 1, j], "categories": [name, first, 0, last, 0],
                                  "values": [name, first, j, last, j],
                                  "line": {"color": f"#{'7F7F7F' if colour == 'FFFFFF' else colour}", "width": 2.25},
                                  "marker": {"type": "circle"}})
        chart.set_title({"name": "Ratings week by week"})
        chart.set_x_axis({"date_axis": True, "num_format": "dd/mm"})
        chart.set_size({"width": 640, "height": 300})
        ws.insert_chart(last + 2, 0, chart)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _known(config: Config, label: str) -> bool:
    return label in config.scale.labels
