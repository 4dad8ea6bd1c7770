"""Due dates as the seeds write them. Plan date for relative forms: 22 March 2011 (seed 004)."""

import datetime as dt

import pytest

from xlplan.dates import date_in_title, read_due, read_due_text

D = dt.date
PLAN = D(2011, 3, 22)


@pytest.mark.parametrize("value, due", [
    (dt.datetime(2013, 1, 31, 0, 0), D(2013, 1, 31)),         # an Excel date cell
    (D(2012, 12, 31), D(2012, 12, 31)),
    (41305, D(2013, 1, 31)),                                  # a date serial with no date format
    ("By 19.10.12", D(2012, 10, 19)),                         # day first
    ("31/03/2013", D(2013, 3, 31)),
    ("2013-03-31", D(2013, 3, 31)),
    ("Oct 12", D(2012, 10, 31)), ("Feb13", D(2013, 2, 28)), ("March13", D(2013, 3, 31)),
    ("April 2015", D(2015, 4, 30)), ("Sept 12", D(2012, 9, 30)), ("August 12", D(2012, 8, 31)),
    ("Within 6 months (April 2013)", D(2013, 4, 30)),
    ("Within 3 months (Jan 13)", D(2013, 1, 31)),
    ("Oct 12 – Dec 12", D(2012, 12, 31)),                     # a range: its end
    ("Sept-Oct 12", D(2012, 10, 31)), ("Oct-Dec 12", D(2012, 12, 31)),
    ("Sept and Oct 12", D(2012, 10, 31)),
    ("Sept 12 Oct 12 Dec 12", D(2012, 12, 31)),               # milestones: the last
    ("Stage 1 – Nov 12 Stage 2 – March 13", D(2013, 3, 31)),
    ("Immediate Dec 12", D(2012, 12, 31)),
    ("Feb 13 Remove from plan", D(2013, 2, 28)),
    ("Oct 12 –", D(2012, 10, 31)),
    ("Immediate", PLAN), ("now", PLAN),                       # the plan date
    ("By end June", D(2011, 6, 30)), ("By end Sept", D(2011, 9, 30)),
    ("Within 6 months", D(2011, 9, 22)), ("Within six months", D(2011, 9, 22)),
    ("22 March 2011", D(2011, 3, 22)),
    ("By 2013", D(2013, 12, 31)),                             # a year alone: its end
])
def test_due_forms(value, due):
    assert read_due(value, PLAN).date == due


def test_milestones_are_kept():
    due = read_due("Sept 12 Oct 12 Dec 12", PLAN)
    assert due.milestones == (D(2012, 9, 30), D(2012, 10, 31), D(2012, 12, 31))
    assert read_due("Sept-Oct 12", PLAN).milestones == (D(2012, 9, 30), D(2012, 10, 31))   # both ends


def test_what_else_a_due_cell_says_is_noted_or_reported():
    assert "immediate start" in read_due("Immediate Dec 12", PLAN).notes
    assert read_due("By 32.13.12", PLAN).problem == "'32.13.12' is not a real date"
    assert read_due(12, PLAN).problem == "12 is not a date"


@pytest.mark.parametrize("text, due, original", [
    ("Oct 12 – Dec 12 <i>Extension to timescale agreed Jan 13</i>", D(2013, 1, 31), D(2012, 12, 31)),
    ("Feb 2013 <i>Extension to timescale agreed Jan 13</i>", D(2013, 1, 31), D(2013, 2, 28)),
    ("Jan 13 <i>Extension to timescale agreed</i>", D(2013, 1, 31), None),
])
def test_extension_moves_the_due_date_and_is_flagged(text, due, original):
    read = read_due(text, PLAN)
    assert (read.date, read.extended, read.original) == (due, True, original)


def test_ongoing_has_no_due_date():
    read = read_due("2012 onwards", PLAN)
    assert (read.date, read.ongoing, read.problem) == (None, True, "")


def test_remove_from_plan_is_noted():
    assert "remove from plan" in read_due("Feb 13 Remove from plan").notes


@pytest.mark.parametrize("text", ["Completed", "agreed", "tbc", "When resources allow"])
def test_text_without_a_date_is_kept_and_reported(text):
    read = read_due(text, PLAN)
    assert read.date is None and read.text == text and read.problem


@pytest.mark.parametrize("text", ["now", "By end June", "Within 6 months", "Immediate"])
def test_relative_dates_without_a_plan_date_are_reported(text):
    read = read_due(text, None)
    assert read.date is None and "plan date" in read.problem


@pytest.mark.parametrize("value", [None, "", "--", "------"])
def test_empty_due(value):
    read = read_due(value, PLAN)
    assert read.date is None and read.missing and read.problem == ""


def test_date_in_title():
    assert date_in_title("Safeguarding and Looked After Children’s Services Action Plan 22 March 2011") == PLAN
    assert date_in_title("Exception Report – MAY 2009") is None


@pytest.mark.parametrize("text", ["ry 2015", "Spring 2015", "Q1 2015"])
def test_a_year_among_unknown_words_is_reported_not_guessed(text):
    """'ry 2015' (a month cut off, seen in a real plan) was read as 31/12/2015 without a word
    (issue 15): the year is kept in the message as a guess, and there is no due date."""
    due = read_due_text(text, dt.date(2014, 4, 1))
    assert due.date is None and "only a year (2015)" in due.problem and "would be a guess" in due.problem


@pytest.mark.parametrize("text", ["2015", "By 2015", "By end of 2015", "During 2015"])
def test_a_year_alone_or_with_date_words_is_its_end(text):
    assert read_due_text(text, dt.date(2014, 4, 1)).date == dt.date(2015, 12, 31)


def test_validate_says_unparsed_due_for_a_cut_month(tmp_path, config):
    from conftest import write_rows

    from xlplan.findings import validate_plan
    from xlplan.plan import read_plan

    path = write_rows(tmp_path / "p.xlsx", [["Ref", "Action", "Lead", "Due", "RAG"], ["R1", "a", "DCS", "ry 2015", "Amber"]])
    rules = {(f.rule, f.ref) for f in validate_plan(read_plan(path, config), config, as_of=dt.date(2014, 4, 1)).findings}
    assert ("unparsed-due", "R1") in rules
