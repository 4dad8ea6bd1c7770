"""The two readers (python-calamine for values with fills from the sheet XML, and openpyxl)
read every kind of plan the same: the fast path loses no colour-only rating and no convention."""

import datetime as dt

import pytest
from conftest import PROJECT, everything_workbook, seed_000_workbook, write_rows
from openpyxl.styles.colors import Color

from xlplan.plan import read_plan
from xlplan.read.xlsx import CalamineBook, OpenpyxlBook, open_book

HEADER = ["Ref", "Action", "Lead", "Due", "RAG", "Progress"]


def mixed(tmp_path):
    """Every rating convention and fill kind, in one sheet."""
    rows = [HEADER,
            ["1", "a", "DCS", dt.datetime(2026, 6, 30), "Green 21.11.12 - shared", "x"],
            ["2", "b", "DCS", "By 19.10.12", "A/G", "x"], ["3", "c", "DCS", 46203, "● / ★", "x"],
            ["4", "d", "DCS", "Oct 12 – Dec 12 Extension to timescale agreed Jan 13", None, "x"],
            ["5", "e", "DCS", "Jan 13", None, "x"], ["6", "f", "DCS", "Jan 13", None, "x"],
            ["7", "g", "DCS", "Jan 13", None, "x"], ["8", "h", "DCS", "Jan 13", None, "x"]]
    fills = {"E5": Color(theme=5, tint=-0.249977111117893), "E6": Color(theme=9, tint=0.3999755851924192),
             "E7": Color(indexed=10), "E8": "7030A0", "E9": "92D050"}
    return write_rows(tmp_path / "mixed.xlsx", rows, fills=fills, merges=["B8:C8"])


def merged(tmp_path):
    """Merged cells as boards use them: a one-word heading across the table, a theme down its
    rows, one rating for two actions."""
    rows = [["Ref", "Theme", "Action", "Lead", "Due", "RAG", "Progress"], ["Leadership"],
            ["1.1", "Theme 1", "a", "DCS", "Jan 13", "Amber", "x"],
            ["1.2", None, "b", "DCS", "Jan 13", None, "y"], ["1.3", None, "c", "DCS", "Jan 13", "Red", "z"]]
    return write_rows(tmp_path / "merged.xlsx", rows, merges=["A2:G2", "B3:B5", "F3:F4"])


# Colour-only ratings filled with a pattern, not solid: (pattern, its fgColor, its bgColor or
# None, the rating read). A pattern reads as its colour (fgColor), as a solid fill does; its
# background is not read; a pattern that names no colour is drawn, and read, in black.
AUTO = Color(indexed=64)                     # Excel's "Automatic", as Excel writes a background
PATTERNS = [
    ("lightGrid", Color(rgb="FFFF0000"), AUTO, "Red"),                     # as Excel writes it
    ("darkGray", Color(theme=6), None, "Green"),                            # accent 3
    ("gray125", Color(indexed=13), None, "Amber"),                          # FFFF00
    ("darkGrid", Color(theme=5, tint=-0.249977111117893), AUTO, "Red"),
    ("lightUp", Color(rgb="FF00B050"), Color(rgb="FFFFC000"), "Green"),     # the background is not the colour
    ("mediumGray", Color(indexed=10), Color(rgb="FFFFFFFF"), "Red"),
    ("darkTrellis", Color(theme=9, tint=0.3999755851924192), AUTO, "Amber"),
    ("lightHorizontal", Color(rgb="FFC4D79B"), None, "Amber/Green"),
    ("darkVertical", Color(auto=True), Color(rgb="FFFF0000"), None),         # automatic: no colour
    ("lightVertical", None, Color(rgb="FFFFC000"), None),                    # no colour named: black
    ("lightGray", Color(theme=1), None, None),                               # dk1, a system colour: black
    ("gray0625", None, None, None),
    ("none", Color(rgb="FFFF0000"), None, None),                            # no pattern, no fill
]


def patterned(tmp_path):
    """Every kind of colour (rgb, theme with and without tint, indexed, automatic, none) as
    the colour of a pattern, and a gradient."""
    from openpyxl import Workbook
    from openpyxl.styles import GradientFill, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "Plan"
    ws.append(HEADER)
    for i, (pattern, fg, bg, _) in enumerate(PATTERNS, start=1):
        ws.append([str(i), f"patterned {pattern}", "DCS", "Jan 13", None, "x"])
        colours = {"fgColor": fg} if fg else {}
        colours.update({"bgColor": bg} if bg else {})
        ws.cell(i + 1, 5).fill = PatternFill(pattern, **colours)
    ws.append([str(len(PATTERNS) + 1), "a gradient", "DCS", "Jan 13", None, "x"])
    ws.cell(len(PATTERNS) + 2, 5).fill = GradientFill(stop=("FF0000", "00B050"))
    wb.save(tmp_path / "patterned.xlsx")
    return tmp_path / "patterned.xlsx"


# xlsxwriter's pattern numbers (Excel's order), each with a rating's colour; 1 is solid.
XLSXWRITER_PATTERNS = {1: ("#FF0000", "Red"), 2: ("#00B050", "Green"), 3: ("#FFC000", "Amber"),
                       6: ("#FF0000", "Red"), 9: ("#92D050", "Green"), 12: ("#FF7C80", "Amber/Red"),
                       15: ("#FFFF00", "Amber"), 18: ("#C00000", "Red")}


def patterned_by_xlsxwriter(tmp_path):
    """Patterns as xlsxwriter (and so the reports xlplan writes) writes them."""
    import xlsxwriter

    path = tmp_path / "patterned-xlsxwriter.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Plan")
    ws.write_row(0, 0, HEADER)
    for i, (pattern, (colour, _)) in enumerate(XLSXWRITER_PATTERNS.items(), start=1):
        ws.write_row(i, 0, [str(i), f"pattern {pattern}", "DCS", "Jan 13"])
        ws.write_blank(i, 4, None, wb.add_format({"pattern": pattern, "fg_color": colour, "bg_color": "#FFFFFF"}
                                                 if pattern > 1 else {"pattern": 1, "bg_color": colour}))
        ws.write(i, 5, "x")
    wb.close()
    return path


WORKBOOKS = {
    "seed 000 as the board kept it": lambda tmp: seed_000_workbook(tmp / "board.xlsx"),
    "every convention and fill": mixed,
    "merged cells": merged,
    "patterned fills": patterned,
    "patterned fills, as xlsxwriter writes them": patterned_by_xlsxwriter,
    "the default plan": lambda tmp: PROJECT / "workbooks" / "plan.xlsx",
    "a workbook with everything": lambda tmp: everything_workbook(tmp / "all.xlsx", tmp),
}


def reading(path, config, reader, monkeypatch):
    monkeypatch.setattr("xlplan.plan.open_book", lambda *a: reader(*a))
    plan = read_plan(path, config)
    return [(a.row, a.ref, a.action, a.lead, a.due, a.due_info.extended, a.rag, a.rating.source,
             a.rating.problem, a.progress, a.group, a.updated, a.extra) for a in plan.actions], plan.directory


@pytest.mark.parametrize("name", WORKBOOKS)
def test_both_readers_read_the_same(tmp_path, config, monkeypatch, name):
    path = WORKBOOKS[name](tmp_path)
    fast, fast_leads = reading(path, config, CalamineBook, monkeypatch)
    full, full_leads = reading(path, config, OpenpyxlBook, monkeypatch)
    assert fast == full
    assert (fast_leads.leads if fast_leads else None) == (full_leads.leads if full_leads else None)


def test_fills_on_the_fast_path(tmp_path, config, monkeypatch):
    rows, _ = reading(mixed(tmp_path), config, CalamineBook, monkeypatch)
    by_ref = {r[1]: r for r in rows}
    # text, letters, symbols; then fills: theme + tint, theme + tint, indexed, near none, plain RGB
    assert [by_ref[k][6] for k in "12345678"] == ["Green", "Amber/Green", "Amber/Green", "Red", "Amber", "Red",
                                                  None, "Green"]
    assert "#7030A0 is near none" in by_ref["7"][8]
    assert by_ref["3"][4] == dt.date(2026, 6, 30)                 # a date serial with no format


@pytest.mark.parametrize("reader", [CalamineBook, OpenpyxlBook])
def test_a_patterned_fill_reads_as_its_colour(tmp_path, config, monkeypatch, reader):
    rows, _ = reading(patterned(tmp_path), config, reader, monkeypatch)
    assert [r[6] for r in rows] == [rag for *_, rag in PATTERNS] + [None]
    assert [r[8] for r in rows] == [""] * len(rows)           # black, automatic, none: no rating, no problem
    rows, _ = reading(patterned_by_xlsxwriter(tmp_path), config, reader, monkeypatch)
    assert [r[6] for r in rows] == [rag for _, rag in XLSXWRITER_PATTERNS.values()]


@pytest.mark.parametrize("name", WORKBOOKS)
def test_both_readers_see_the_same_fill_in_every_cell(tmp_path, name):
    path = WORKBOOKS[name](tmp_path)
    fast, full = CalamineBook(path, 2**30), OpenpyxlBook(path, 2**30)
    assert fast.sheetnames == full.sheetnames
    for sheet in fast.sheetnames:
        fast_grid, full_grid = fast.grid(sheet), full.grid(sheet)
        cells = [(r, c) for r in range(1, len(full_grid.rows) + 1) for c in range(1, len(full_grid.rows[r - 1]) + 1)]
        assert [fast_grid.fill(*rc) for rc in cells] == [full_grid.fill(*rc) for rc in cells], sheet


def test_the_colour_of_a_pattern_is_its_foreground(tmp_path):
    grid = CalamineBook(patterned(tmp_path), 2**30).grid("Plan")
    fills = {pattern: grid.fill(row, 5)[0] for row, (pattern, *_) in enumerate(PATTERNS, start=2)}
    assert (fills["lightGrid"], fills["darkGray"], fills["gray125"], fills["lightUp"]) == ("FF0000", "9BBB59", "FFFF00", "00B050")
    # Excel's own "Accent 2, Darker 25%" and "Accent 6, Lighter 40%"; the theme's dk1 (windowText)
    assert (fills["darkGrid"], fills["darkTrellis"], fills["lightGray"]) == ("953735", "FAC090", "000000")
    assert (fills["darkVertical"], fills["lightVertical"], fills["gray0625"], fills["none"]) == (None, "000000", "000000", None)
    assert grid.fill(len(PATTERNS) + 2, 5) == (None, "")          # a gradient


def test_the_fast_reader_is_used_when_installed(tmp_path):
    path = write_rows(tmp_path / "p.xlsx", [HEADER])
    assert isinstance(open_book(path, 2**30), CalamineBook)
