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


WORKBOOKS = {
    "seed 000 as the board kept it": lambda tmp: seed_000_workbook(tmp / "board.xlsx"),
    "every convention and fill": mixed,
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


def test_the_fast_reader_is_used_when_installed(tmp_path):
    path = write_rows(tmp_path / "p.xlsx", [HEADER])
    assert isinstance(open_book(path, 2**30), CalamineBook)
