"""Reading plans: the seeds as text, and workbooks laid out the ways real plans are."""

import collections
import datetime as dt

import pytest
from conftest import (
    SEED_000,
    SEED_001,
    SEED_004,
    scrutiny_counts,
    seed_000_expected,
    seed_000_workbook,
    write_rows,
)
from openpyxl.styles.colors import Color

from xlplan.errors import WorkbookError
from xlplan.plan import read_plan

HEADER = ["Ref", "Action", "Lead officer", "By when", "RAG rating", "Progress statement"]


# -- seed 000: the exception report --------------------------------------------------------

def test_seed_000_as_the_board_kept_it(tmp_path, config):
    """Title rows, section headings, repeated headers, page-split rows, symbols, "No data",
    six ratings given by fill colour only (two of them theme colours, one tinted)."""
    plan = read_plan(seed_000_workbook(tmp_path / "seed000.xlsx"), config)
    got = {a.ref: a.rag for a in plan.actions}
    assert got == seed_000_expected()
    assert dict(collections.Counter(got.values())) == scrutiny_counts()
    assert {a.ref for a in plan.actions if a.rating.source == "fill"} == {"2.2", "2.3", "2.6", "2.7", "2.8", "2.17"}


def test_seed_000_due_dates_come_from_the_section_headings(config):
    plan = read_plan(SEED_000, config)
    due = {a.ref: a.due for a in plan.actions}
    assert due["3.2 / 3.7"] == dt.date(2009, 2, 28)
    assert due["2.15"] == dt.date(2009, 3, 31)
    assert due["4.15"] == dt.date(2009, 4, 30)
    assert all(due.values())
    assert plan.header_row == 17 and len(plan.actions) == 28


def test_seed_000_rows_split_by_a_page_break_are_glued(config):
    plan = read_plan(SEED_000, config)
    by_ref = {a.ref: a for a in plan.actions}
    # 2.17 continues after a repeated header; 4.13's action text was cut mid-sentence.
    assert "Hold regular multi agency practice sessions" in by_ref["2.17"].action
    assert "This is in the early stages" in by_ref["2.17"].progress
    assert "incorporates explicit timescales" in by_ref["4.13"].action
    assert len(by_ref["2.17"].rows) == 2


def test_seed_000_html_becomes_one_bullet_per_line(config):
    action = {a.ref: a for a in read_plan(SEED_000, config).actions}["4.9"].action
    assert action.splitlines() == ["• Identify ICT support requirements for the R&A team",
                                   "• Commission ICT Services to provide identified support"]


# -- seed 001: the improvement plan ------------------------------------------------------

def test_seed_001(config):
    plan = read_plan(SEED_001, config)
    by_ref = {a.ref: a for a in plan.actions}
    assert 120 <= len(plan.actions) <= 130                   # "about 125 actions"
    assert all(a.rag for a in plan.actions)
    first = by_ref["1.1"]
    assert (first.rag, first.rating.date) == ("Green", dt.date(2012, 11, 21))
    assert first.progress.startswith("This has been shared with the front end")
    assert first.due == dt.date(2013, 1, 31) and first.due_info.extended
    assert first.group == "Theme 1: I know who to talk to and I am listened to"
    assert first.extra["Reference"] == "AA1"                  # source codes kept, not the ref
    assert by_ref["2.9"].links == ("1.1", "1.4")
    assert by_ref["2.8"].links == ("1.2", "1.3")              # "Link to" split onto the next page
    assert by_ref["2.4"].due is None and by_ref["2.4"].due_info.ongoing
    assert "2.1 (a)" in by_ref
    groups = {a.group for a in plan.actions}
    assert {g.split(":")[0] for g in groups} == {"Theme 1", "Theme 2", "Theme 3", "Theme 4", "Theme 5"}


# -- seed 004: no refs, no ratings, relative dates ----------------------------------------

def test_seed_004(config):
    plan = read_plan(SEED_004, config)
    assert plan.plan_date == dt.date(2011, 3, 22)            # from the title
    refs = [a.ref for a in plan.actions]
    assert refs[:4] == ["1.1", "2.1", "2.2", "2.3"]
    assert len(refs) == len(set(refs)) and all(a.ref_generated for a in plan.actions)
    by_ref = {a.ref: a for a in plan.actions}
    assert by_ref["1.1"].due == dt.date(2011, 3, 22)          # "now"
    assert by_ref["2.1"].due == dt.date(2011, 6, 30)          # "By end June"
    assert by_ref["5.1"].due == dt.date(2011, 9, 30)          # "By end Sept"
    assert by_ref["2.2"].group.startswith("2) SG: Health capacity")   # filled down
    assert "optometrists) are established" in by_ref["2.2"].extra["Target"]   # glued
    assert all(a.rag is None for a in plan.actions)


def test_plan_date_option_overrides_the_title(config):
    plan = read_plan(SEED_004, config, plan_date=dt.date(2011, 9, 1))
    assert {a.ref: a.due for a in plan.actions}["2.1"] == dt.date(2012, 6, 30)


# -- workbooks -----------------------------------------------------------------------------

def test_header_found_below_title_rows(tmp_path, config):
    rows = [["Quarterly improvement plan"]] + [[None]] * 13 + [HEADER, ["1.1", "Do it", "Ann", "Jan 13", "G", "Done"]]
    plan = read_plan(write_rows(tmp_path / "p.xlsx", rows), config)
    assert plan.header_row == 15 and plan.actions[0].row == 16
    assert plan.title == "Quarterly improvement plan"


def test_no_header_lists_what_was_seen(tmp_path, config):
    path = write_rows(tmp_path / "p.xlsx", [["Minutes of the meeting"], ["Apologies", "none"]])
    with pytest.raises(WorkbookError) as err:
        read_plan(path, config)
    message = str(err.value)
    assert "no header row found in the first 20 rows" in message
    assert "'Minutes of the meeting'" in message and str(path) in message


def test_two_columns_for_one_field_the_first_wins_and_the_other_is_kept(tmp_path, config):
    # Equal scores: the column further left wins; the other is an extra column, not an error.
    path = write_rows(tmp_path / "p.xlsx", [["Ref", "Action", "Lead", "Lead officer"], ["1", "x", "a", "b"]])
    plan = read_plan(path, config)
    assert plan.columns["lead"] == 2 and plan.actions[0].lead == "a"
    assert plan.actions[0].extra == {"Lead officer": "b"}
    d = plan.reading.columns[3]
    assert d.field is None and "as does column C 'Lead'" in d.reason


def test_merged_group_cells_and_fill_down(tmp_path, config):
    rows = [["Objective", "Ref", "Action", "Who", "Date", "RAG"],
            ["1) Partners", "1.1", "a", "SSCB", "Jan 13", "A"],
            [None, "1.2", "b", "SSCB", "Feb 13", "R"],
            ["2) Health", "2.1", "c", "Health", "Mar 13", "G"],
            [None, "2.2", "d", "Health", "Apr 13", "G"]]
    path = write_rows(tmp_path / "p.xlsx", rows, merges=["A4:A5"])
    groups = [a.group for a in read_plan(path, config).actions]
    assert groups == ["1) Partners", "1) Partners", "2) Health", "2) Health"]


def test_unknown_columns_are_kept(tmp_path, config):
    rows = [HEADER + ["Ofsted grade descriptor", None], ["1.1", "a", "Ann", "Jan 13", "G", "ok", "QP3.3", "loose"]]
    action = read_plan(write_rows(tmp_path / "p.xlsx", rows), config).actions[0]
    assert action.extra == {"Ofsted grade descriptor": "QP3.3", "Column H": "loose"}


def test_fill_near_no_rating_is_reported_not_guessed(tmp_path, config):
    rows = [HEADER, ["1.1", "a", "Ann", "Jan 13", None, "ok"]]
    action = read_plan(write_rows(tmp_path / "p.xlsx", rows, fills={"E2": "7030A0"}), config).actions[0]
    assert action.rag is None and "#7030A0" in action.rating.problem


def test_undefined_theme_colour_is_reported(tmp_path, config):
    rows = [HEADER, ["1.1", "a", "Ann", "Jan 13", None, "ok"]]
    path = write_rows(tmp_path / "p.xlsx", rows, fills={"E2": Color(theme=40)})
    action = read_plan(path, config).actions[0]
    assert action.rag is None and "theme colour 40" in action.rating.problem


def test_excel_dates_and_datetimes(tmp_path, config):
    rows = [HEADER + ["Updated"], ["1.1", "a", "Ann", dt.datetime(2026, 6, 30), "Amber", "ok", dt.datetime(2026, 11, 20)]]
    action = read_plan(write_rows(tmp_path / "p.xlsx", rows), config).actions[0]
    assert (action.due, action.updated) == (dt.date(2026, 6, 30), dt.date(2026, 11, 20))


def test_sheet_is_chosen_when_the_configured_one_is_absent(tmp_path, config):
    path = write_rows(tmp_path / "p.xlsx", [HEADER, ["1.1", "a", "Ann", "Jan 13", "G", "ok"]], sheet="Sheet1")
    plan = read_plan(path, config)
    assert plan.sheet == "Sheet1" and len(plan.actions) == 1
    assert "no sheet 'Plan'" in plan.notes[0]


def test_wrong_sheet_asked_for(tmp_path, config):
    rows = [HEADER, ["1.1", "a", "Ann", "Jan 13", "G", "ok"]]
    path = write_rows(tmp_path / "p.xlsx", rows, sheet="Actions", extra_sheets={"Old actions": rows})
    # Two sheets could be the plan, and neither is the configured "Plan": say so, never guess.
    with pytest.raises(WorkbookError, match=r'sheet "Plan" not found in .*its sheets are "Actions", "Old actions"'):
        read_plan(path, config)
    with pytest.raises(WorkbookError, match=r'sheet "Nope" not found'):
        read_plan(path, config, sheet="Nope")
    assert read_plan(path, config, sheet="Old actions").sheet == "Old actions"


def test_leads_sheet_is_read(tmp_path, config):
    path = write_rows(tmp_path / "p.xlsx", [HEADER, ["1.1", "a", "Ann", "Jan 13", "G", "ok"]],
                      extra_sheets={"Leads": [["Lead", "Email"], ["Ann", "ann@example.org"],
                                              ["Bob", "bob@example.org\r\nBcc: all@example.org"]]})
    plan = read_plan(path, config)
    assert plan.directory.find("ann").email == "ann@example.org"
    assert plan.directory.find("Bob").email == ""              # header injection refused
    assert "is not an email address" in plan.directory.problems[0]


def test_reading_never_changes_the_workbook(tmp_path, config):
    path = seed_000_workbook(tmp_path / "p.xlsx")
    before = path.read_bytes()
    read_plan(path, config)
    assert path.read_bytes() == before


def test_indexed_colour_fill(tmp_path, config):
    rows = [HEADER, ["1.1", "a", "Ann", "Jan 13", None, "ok"], ["1.2", "b", "Ann", "Jan 13", None, "ok"]]
    path = write_rows(tmp_path / "p.xlsx", rows, fills={"E2": Color(indexed=10), "E3": Color(indexed=13)})
    assert [a.rag for a in read_plan(path, config).actions] == ["Red", "Amber"]   # 10 red, 13 yellow


def test_a_row_with_its_own_action_words_is_never_glued_onto_the_one_above(tmp_path, config):
    """Seen in a real recommendation tracker with no ref column (issue 15): R3's only empty
    cell was its due date, and it was glued into R2, its words added to R2's and the action
    lost. A row whose action words carry on a cut sentence is still glued."""
    path = tmp_path / "tracker.txt"
    path.write_text("\n".join([
        "Action\tProgress\tTimetable",
        "R2: Review the thresholds document.\tDone in part.\tMarch 2015",
        "R3: Tighten the networks between partners.\tTo be addressed through 2, above.\t",
        "R4: Train the front door staff in\tBooked.\tJune 2015",
        "the new thresholds.\t\t",
    ]) + "\n", encoding="utf-8")
    plan = read_plan(path, config)
    assert [a.action for a in plan.actions] == [
        "R2: Review the thresholds document.", "R3: Tighten the networks between partners.",
        "R4: Train the front door staff in the new thresholds."]
    assert plan.actions[1].progress == "To be addressed through 2, above." and plan.actions[1].due is None
    assert plan.actions[2].rows == (4, 5)
