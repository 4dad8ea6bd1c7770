"""The summary for a terminal and as the Summary sheet: the board's counts beside the counts
as rated (with a chart), the week's updates, the actions reported as No data with their
last ratings, by theme and by lead, movement, and the trend with its chart. Counts are
values, never formulas (LibreOffice does not recalculate on load)."""

from __future__ import annotations

import datetime as dt

from ..config import Config
from ..summary import Summary
from .look import row_height

UPDATE_LINES = (("updated", "Updated this week"), ("not_updated", "Open, not updated this week"),
                ("not_updated_2_weeks_or_more", "of which no update for 2 weeks or more"))


NO_DATA_SHOWN = 40        # No data actions listed on the Summary; the Exceptions sheet has them all


def summary_text(summary: Summary) -> str:
    lines = [f"{summary.workbook}: {summary.actions} actions as of {summary.as_of.strftime('%d/%m/%Y')}", "",
             f"  {'':<12} {'board':>6} {'as rated':>9}"]
    lines += [f"  {label:<12} {summary.by_rag[label]:>6} {summary.as_rated.get(label, 0):>9}"
              for label in summary.labels if summary.by_rag[label] or summary.as_rated.get(label)]
    if summary.updates is not None:
        u = summary.updates
        lines += ["", f"  this week: {u['updated']} updated; {u['not_updated']} open actions not updated, "
                      f"{u['not_updated_2_weeks_or_more']} of them for 2 weeks or more"]
    if summary.movement:
        m = summary.movement
        line = (f"  since the last version: {m['improved']} improved, {m['worsened']} worsened, "
                f"{m['unchanged']} unchanged, {m['new']} new" if "improved" in m else "  since last week:")
        if m.get("to No data") or m.get("from No data"):
            line += (f"; {m['to No data']} newly reported as No data (no update despite chasing), "
                     f"{m['from No data']} back from No data")
        lines += ["", line]
    if summary.no_data:
        lines += ["", "  reported as No data:"]
        lines += [f"    {s.ref[:10]:<10} {s.note}" for s in summary.no_data[:NO_DATA_SHOWN]]
        if len(summary.no_data) > NO_DATA_SHOWN:
            lines.append(f"    ... and {len(summary.no_data) - NO_DATA_SHOWN} more (summary --json, or the Exceptions sheet)")
    lines += ["", summary.narrative]
    return "\n".join(lines) + "\n"


def add_summary_sheet(wb, summary: Summary, config: Config, name: str = "Summary") -> None:
    """Counts as values (never formulas: LibreOffice does not recalculate on load), ratings in
    their colours: the board's counts beside the counts as rated by the leads, with a chart;
    the week's updates; the actions reported as No data with their last ratings; the tables
    by theme and by lead; movement; and the trend with its chart."""
    from .look import Formats

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
    f.header_row_at(ws, row + 1, ["Rating", "Board", "As rated"])
    shown = [label for label in summary.labels if summary.by_rag[label] or summary.as_rated.get(label)]
    for i, label in enumerate(shown, start=row + 2):
        f.put(ws, i, 0, label, f.rag(label))
        ws.write_number(i, 1, summary.by_rag[label], f.number)
        ws.write_number(i, 2, summary.as_rated.get(label, 0), f.number)
    total_row = row + 2 + len(shown)
    f.put(ws, total_row, 0, "Total", f.head)
    ws.write_number(total_row, 1, summary.actions, f.head)
    ws.write_number(total_row, 2, summary.actions, f.head)
    note = ("Board: what the board is told this week (No data: no rating, or no update despite chasing). "
            "As rated: the last rating each lead gave.")
    ws.merge_range(total_row + 1, 0, total_row + 2, 2, note, para)
    if shown:
        chart = wb.add_chart({"type": "column"})
        chart.add_series({
            "name": "Board", "categories": [name, row + 2, 0, total_row - 1, 0],
            "values": [name, row + 2, 1, total_row - 1, 1],
            "points": [{"fill": {"color": f"#{config.scale.level(l).colour}"} if _known(config, l) else {},
                        "border": {"color": "#7F7F7F"}} for l in shown],
            "data_labels": {"value": True},
        })
        chart.add_series({                      # the leads' own ratings beside: a Red never drops out of sight
            "name": "As rated", "categories": [name, row + 2, 0, total_row - 1, 0],
            "values": [name, row + 2, 2, total_row - 1, 2],
            "points": [{"fill": {"color": f"#{config.scale.level(l).colour}" if _known(config, l) else "#7F7F7F",
                                 "transparency": 60},
                        "border": {"color": "#404040", "dash_type": "dash"}} for l in shown],
            "data_labels": {"value": True},
        })
        chart.set_title({"name": "By rating: board (solid), as rated by the leads (pale)", "name_font": {"size": 12}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 480, "height": 260})
        ws.insert_chart(row, 4, chart)
    row = max(total_row + 4, row + 15)

    if summary.updates is not None:
        f.put(ws, row, 0, "Updates this week", bold)
        f.header_row_at(ws, row + 1, ["Updates", "Actions"])
        for i, (key, words) in enumerate(UPDATE_LINES, start=row + 2):
            f.put(ws, i, 0, words, f.text)
            ws.write_number(i, 1, summary.updates[key], f.warning if key != "updated" and summary.updates[key] else f.number)
        row += len(UPDATE_LINES) + 3

    if summary.no_data:
        f.put(ws, row, 0, f"Reported as No data ({len(summary.no_data)})", bold)
        f.header_row_at(ws, row + 1, ["Ref and lead", "Last rating", "Why"])
        ws.merge_range(row + 1, 2, row + 1, width - 1, "Why", f.head)
        i = row + 2
        for s in summary.no_data[:NO_DATA_SHOWN]:
            who = f"{s.ref}: {s.action.lead}" if s.action.lead else s.ref
            f.put(ws, i, 0, who, f.text)
            f.put(ws, i, 1, s.last_rating or "never rated", f.rag(s.last_rating) if s.last_rating and _known(config, s.last_rating) else f.text)
            ws.merge_range(i, 2, i, width - 1, s.note, f.text)
            ws.set_row(i, max(row_height([(who, 34)]), row_height([(s.note, 12 * (width - 2))])))
            i += 1
        if len(summary.no_data) > NO_DATA_SHOWN:
            f.put(ws, i, 0, f"... and {len(summary.no_data) - NO_DATA_SHOWN} more: see the Exceptions sheet", f.text)
            i += 1
        row = i + 1

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
        words = {"to No data": "newly No data (no update despite chasing)", "from No data": "back from No data"}
        for i, (key, value) in enumerate(summary.movement.items(), start=row + 2):
            f.put(ws, i, 0, words.get(key, key), f.direction(key))
            ws.write_number(i, 1, value, f.number)
        row += len(summary.movement) + 3

    if summary.trend:
        f.put(ws, row, 0, "Trend, week by week (board)", bold)
        f.header_row_at(ws, row + 1, ["Week", *summary.labels])
        for j, label in enumerate(summary.labels, start=1):
            f.put(ws, row + 1, j, label, f.rag(label))
        first = row + 2
        for i, (week, counts) in enumerate(summary.trend, start=first):
            ws.write_datetime(i, 0, dt.datetime.combine(week, dt.time()), f.date)
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
        chart.set_title({"name": "Ratings week by week (board)"})
        chart.set_x_axis({"text_axis": True, "num_format": "dd/mm/yyyy"})   # one category a weekly run
        chart.set_size({"width": 640, "height": 300})
        ws.insert_chart(last + 2, 0, chart)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _known(config: Config, label: str) -> bool:
    return label in config.scale.labels
