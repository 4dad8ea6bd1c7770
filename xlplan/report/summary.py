"""The summary for a terminal and as the Summary sheet: the board's counts beside the counts
as rated (with a chart), the week's updates, the actions reported as No data with their
last ratings, by theme and by lead, movement, and the trend with its chart. Counts are
values, never formulas (LibreOffice does not recalculate on load)."""

from __future__ import annotations

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


SHEET_NO_DATA_ROWS = 10   # No data actions listed one a row; beyond, the never rated are one line
TREND_SHOWN = 13          # weekly runs in the Summary's trend (a quarter); the Trend sheet has all
KEY_WIDTH, COUNT_WIDTH = 38, 11
MARGIN = 0.5              # inches at the top and bottom of the printed Summary


def add_summary_sheet(wb, summary: Summary, config: Config, name: str = "Summary") -> None:
    """Counts as values (never formulas: LibreOffice does not recalculate on load), ratings in
    their colours: the board's counts beside the counts as rated by the leads, with a chart;
    the week's updates and the movement since the last version; the trend chart; the actions
    reported as No data with their last ratings; the tables by theme and by lead; the trend
    table. Printed on one A4 page for a plan of up to about 40 actions (portrait, the plan's
    title at the head, "Page n of m" at the foot); a longer one breaks between tables, never
    inside a heading and its table, nor across a chart."""
    from .look import Formats, header_text, print_setup

    f = Formats(wb, config)
    ws = wb.add_worksheet(name)
    para = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "border_color": "#BFBFBF"})
    bold = wb.add_format({"bold": True, "font_size": 12})
    labels = summary.labels
    width = 2 + len(labels)                        # the key, a column a rating, the total
    widths = [KEY_WIDTH] + [COUNT_WIDTH] * (width - 1)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    heights: dict[int, float] = {}                 # rows not at the default height, for paging
    blocks: list[tuple[int, int]] = []             # rows kept on one page: a heading and its table

    def tall(r: int, points: float) -> None:
        ws.set_row(r, points)
        heights[r] = points

    as_of = summary.as_of.strftime("%d/%m/%Y")
    heading = (f"{summary.title}: summary of {summary.actions} actions as of {as_of}" if summary.title
               else f"Summary of {summary.actions} actions as of {as_of}")
    big = wb.add_format({"bold": True, "font_size": 14, "text_wrap": True, "valign": "top"})
    ws.merge_range(0, 0, 0, width - 1, heading, big)
    tall(0, row_height([(heading, sum(widths) * 0.75)], line=19))
    ws.merge_range(2, 0, 2, width - 1, summary.narrative, para)
    tall(2, row_height([(summary.narrative, sum(widths))]))
    blocks.append((0, 3))

    # -- the top: the counts, this week's updates and the movement on the left, charts right
    row = 4
    f.put(ws, row, 0, "By rating", bold)
    f.header_row_at(ws, row + 1, ["Rating", "Board", "As rated"])
    shown = [label for label in labels if summary.by_rag[label] or summary.as_rated.get(label)]
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
    half = row_height([(note, KEY_WIDTH + 2 * COUNT_WIDTH)]) / 2
    tall(total_row + 1, half)
    tall(total_row + 2, half)
    left = total_row + 4

    if summary.updates is not None:
        f.put(ws, left, 0, "Updates this week", bold)
        f.header_row_at(ws, left + 1, ["Updates", "Actions"])
        for i, (key, words) in enumerate(UPDATE_LINES, start=left + 2):
            f.put(ws, i, 0, words, f.text)
            ws.write_number(i, 1, summary.updates[key], f.warning if key != "updated" and summary.updates[key] else f.number)
        left += len(UPDATE_LINES) + 3

    if summary.movement is not None:
        f.put(ws, left, 0, "Since the last version", bold)
        f.header_row_at(ws, left + 1, ["Movement", "Actions"])
        words = {"to No data": "newly No data (no update despite chasing)", "from No data": "back from No data"}
        for i, (key, value) in enumerate(summary.movement.items(), start=left + 2):
            f.put(ws, i, 0, words.get(key, key), f.direction(key))
            ws.write_number(i, 1, value, f.number)
        left += len(summary.movement) + 3

    chart_width = int(sum(column_pixels(w) for w in widths[3:])) - 8
    right = row
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
        chart.set_title({"name": "By rating: board (solid), as rated by the leads (pale)", "name_font": {"size": 11}})
        chart.set_legend({"none": True})
        chart.set_size({"width": chart_width, "height": 250})
        ws.insert_chart(row, 3, chart, {"x_offset": 4, "y_offset": 2, "object_position": 3})
        right = _rows_below(heights, row, 250 + 12)

    trend = summary.trend[-TREND_SHOWN:]
    trend_at = None
    if trend:
        trend_at = right
        right = _rows_below(heights, right, 250 + 12)
    top_end = max(left, right) - 1
    blocks.append((4, top_end))
    row = top_end + 1

    if summary.no_data:
        first = row
        f.put(ws, row, 0, f"Reported as No data ({len(summary.no_data)})", bold)
        f.header_row_at(ws, row + 1, ["Ref and lead", "Last rating", "Why"])
        ws.merge_range(row + 1, 2, row + 1, width - 1, "Why", f.head)
        listed = summary.no_data
        never = []
        if len(listed) > SHEET_NO_DATA_ROWS:      # a rating hidden by No data is always listed
            never = [s for s in listed if not s.last_rating]
            listed = [s for s in listed if s.last_rating]
        i = row + 2
        why_width = COUNT_WIDTH * (width - 2)
        for s in listed[:NO_DATA_SHOWN]:
            who = f"{s.ref}: {s.action.lead}" if s.action.lead else s.ref
            f.put(ws, i, 0, who, f.text)
            f.put(ws, i, 1, s.last_rating or "never rated", f.rag(s.last_rating) if s.last_rating and _known(config, s.last_rating) else f.text)
            ws.merge_range(i, 2, i, width - 1, s.note, f.text)
            tall(i, max(row_height([(who, KEY_WIDTH)]), row_height([(s.note, why_width)])))
            i += 1
        if never:
            refs = ", ".join(s.ref for s in never)
            f.put(ws, i, 0, f"{len(never)} never rated", f.text)
            f.put(ws, i, 1, "never rated", f.text)
            ws.merge_range(i, 2, i, width - 1, f"No rating has ever been given: {refs}", f.text)
            tall(i, row_height([(f"No rating has ever been given: {refs}", why_width)]))
            i += 1
        if len(listed) > NO_DATA_SHOWN:
            f.put(ws, i, 0, f"... and {len(listed) - NO_DATA_SHOWN} more: see the Exceptions sheet", f.text)
            i += 1
        blocks.append((first, i))
        row = i + 1

    for heading, table in (("By theme", summary.by_group), ("By lead", summary.by_lead)):
        first = row
        f.put(ws, row, 0, heading, bold)
        f.header_row_at(ws, row + 1, [heading.split()[-1].title(), *labels, "Total"])
        for j, label in enumerate(labels, start=1):
            f.put(ws, row + 1, j, label, f.rag(label))
        tall(row + 1, row_height([(label, COUNT_WIDTH) for label in labels], bold=True))
        for i, (key, counts) in enumerate(table.items(), start=row + 2):
            f.put(ws, i, 0, key, f.text)
            tall(i, row_height([(key, KEY_WIDTH)]))
            for j, label in enumerate(labels, start=1):
                ws.write_number(i, j, counts[label], f.number)
            ws.write_number(i, len(labels) + 1, sum(counts.values()), f.number)
        blocks.append((first, row + 1 + len(table)))
        row += len(table) + 3

    if trend:
        first = row
        heading = "Trend, week by week (board)"
        if len(summary.trend) > len(trend):
            heading += f": the last {len(trend)} of {len(summary.trend)} weekly runs (all on the Trend sheet)"
        f.put(ws, row, 0, heading, bold)
        f.header_row_at(ws, row + 1, ["Week", *labels])
        for j, label in enumerate(labels, start=1):
            f.put(ws, row + 1, j, label, f.rag(label))
        tall(row + 1, row_height([(label, COUNT_WIDTH) for label in labels], bold=True))
        top = row + 2
        for i, (week, counts) in enumerate(trend, start=top):
            # the week as text: the chart's categories, one a weekly run (a date axis would
            # space them by days and label every day between)
            f.put(ws, i, 0, week.strftime("%d/%m/%Y"), f.text)
            for j, label in enumerate(labels, start=1):
                ws.write_number(i, j, counts[label], f.number)
        last = top + len(trend) - 1
        blocks.append((first, last))
        row = last + 2
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, label in enumerate(labels, start=1):
            if any(c[label] for _, c in trend):
                colour = config.scale.level(label).colour if _known(config, label) else "7F7F7F"
                chart.add_series({"name": [name, top - 1, j], "categories": [name, top, 0, last, 0],
                                  "values": [name, top, j, last, j],
                                  "fill": {"color": f"#{colour}"}, "border": {"color": "#7F7F7F"},
                                  "gap": 60})
        chart.set_title({"name": "The board's counts, weekly run by weekly run", "name_font": {"size": 11}})
        chart.set_x_axis({"text_axis": True, "name": "weekly run"})
        chart.set_y_axis({"name": "actions", "min": 0})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": chart_width, "height": 250})
        ws.insert_chart(trend_at, 3, chart, {"x_offset": 4, "y_offset": 6, "object_position": 3})

    fit = print_setup(ws, widths, title=f"{summary.title or summary.workbook}", portrait=True, fit_width=False)
    ws.set_header("&L&\"Calibri,Bold\"" + header_text((summary.title or "Action plan")[:150])
                  + "&R" + header_text(f"Summary as of {as_of}"))
    ws.set_margins(left=0.4, right=0.4, top=MARGIN, bottom=MARGIN)
    for first, _ in blocks[1:]:                  # the gap above each block, narrow
        if first - 1 not in heights:
            tall(first - 1, 8)
    _paginate(ws, blocks, heights, fit.scale, row)


def column_pixels(width: float) -> int:
    return int(width * 7 + 5) if width > 0 else 0


def _rows_below(heights: dict[int, float], start: int, pixels: float) -> int:
    """The first row after `start` that lies `pixels` or more below its top (a chart's foot)."""
    r, seen = start, 0.0
    while seen < pixels:
        seen += heights.get(r, 15.0) * 4 / 3
        r += 1
    return r


def _paginate(ws, blocks: list[tuple[int, int]], heights: dict[int, float], across: float, rows: int) -> None:
    """One page when the whole sheet fits at 60% or more; else pages at the scale that fits the
    width, broken before a block (a heading and its table, the charts) that would not fit on
    what is left of a page. Row heights are all set by this sheet, so the sums are exact."""
    from .look import A4, MIN_SCALE, printable

    page = printable(A4, landscape=False, top_bottom=MARGIN * 2)[1] * 0.94   # room for rounding
    height = lambda a, b: sum(heights.get(r, 15.0) for r in range(a, b + 1))
    total = height(0, rows)
    if total * across <= page or page / total >= MIN_SCALE:
        ws.fit_to_pages(1, 1)
        return
    scale = max(across, MIN_SCALE)                       # what fitting the width gives, about
    room, used, breaks = page / scale, 0.0, []
    for first, last in blocks:
        size = height(first, last)
        if used and used + size > room:
            breaks.append(first)
            used = 0.0
        used = (used + size) % room if size > room else used + size
    ws.fit_to_pages(1, 0)                                # LibreOffice and Excel keep these breaks
    if breaks:
        ws.set_h_pagebreaks(breaks)


def _known(config: Config, label: str) -> bool:
    return label in config.scale.labels
