"""Header matching (issue 15): headers are normalised, matched by words with a score against
each field's aliases, and the whole header row is assigned at once. The headers below are as
real public plans write them; each names where it comes from (see xlplan/defaults.toml):
  [S] Stockton LSCB, "Initial Progress Update - Review of Stockton LSCB", Appendix 1, 2017
  [B] "BVR Safeguarding Improvement Plan - Review/update template"
  [P] a corporate peer challenge action plan (issue 15)
  [O] an Ofsted improvement plan (issue 15)
  [K] KASTrack action import template"""

import json
from pathlib import Path

import pytest
from conftest import SEED_000, SEED_001, SEED_003, SEED_004, write_rows

from xlplan.config import with_column_map
from xlplan.errors import InputError, WorkbookError
from xlplan.plan import read_plan
from xlplan.read.grid import Grid
from xlplan.read.header import Aliases, find_header, read_columns, words

STOCKTON = ["No.", "Recommendation", "Responsibility", "Date", "Progresspresented to Committee\nDec 2017",
            "Assessment of progress Categories\n1 - 4"]                                          # [S]
STOCKTON_ROWS = [
    ["1.", "Participate and initiate discussion where necessary with other Tees Boards", "Chair / DCS",
     "To be confirmed in Children and Social Work Act", "Stockton and Hartlepool Boards have agreed to develop "
     "a joint approach.", "2"],
    ["2.", "Continue to develop a self-assessment and review format of Board and sub group meetings",
     "Chair / DCS", "April 2017", "Executive has been established and now driving the agenda", "2"],
    ["3.", "Continue to identify ways to encourage all partner agencies to play a more active role",
     "Chair / DCS", "March 2017", "Chair undertaking annual appraisals of Board members contributions", "2"],
]


def reading(config, *rows):
    grid = Grid(Path("plan.xlsx"), "Plan", [list(r) for r in rows])
    header, _ = find_header(grid, config)
    assert header is not None
    return read_columns(grid, header, config)


def fields(config, *rows) -> dict[str, str]:
    return {f: rows[0][c] for f, c in reading(config, *rows).fields.items()}


# -- normalisation ------------------------------------------------------------------------

@pytest.mark.parametrize("header, expected", [
    ("Recommendation[i]", ("recommendation",)),                 # [P] Word footnote markers
    ("Timetable[iv]", ("timetable",)),                          # [P]
    ("Lead Officer[v]", ("lead", "officer")),                   # [P]
    ("Due¹", ("due",)),                                         # a superscript
    ("Owner*", ("owner",)),
    ("R/A/G", ("rag",)),                                        # letters with slashes
    ("B.R.A.G.", ("brag",)),
    ("Progress\npresented to  Committee", ("progress", "presented", "to", "committee")),  # a line break
    ("Actions", ("action",)),                                   # plurals
    ("Progress", ("progress",)),                                # ...but not "progres"
    ("Status", ("status",)),
    ("Lead person/ Lead task group", ("lead", "person", "lead", "task", "group")),
])
def test_a_header_is_read_as_words(header, expected):
    assert words(header) == expected


def test_a_space_lost_at_a_line_break_is_put_back(config):
    aliases = Aliases(config)
    assert aliases.tokens("Progresspresented to Committee")[:2] == ("progress", "presented")    # [S]
    assert aliases.tokens("Leadofficer") == ("lead", "officer")
    assert aliases.tokens("Ofsted grade descriptor") == ("ofsted", "grade", "descriptor")      # seed 001: not "of sted"


# -- synonyms from real plans ---------------------------------------------------------------

@pytest.mark.parametrize("header, field, source", [
    ("Timetable[iv]", "due", "P"), ("Lead Officer[v]", "lead", "P"), ("Response", "progress", "P"),
    ("Responsibility", "lead", "S"), ("Progresspresented to Committee Dec 2017", "progress", "S"),
    ("Assessment of progress Categories 1 - 4", "rag", "S"),
    ("Responsible Officer", "lead", "B"), ("Update on progress", "progress", "B"),
    ("Accountable officer", "lead", "O"), ("Position statement", "progress", "O"), ("BRAG", "rag", "O"),
    ("Due Date", "due", "K"), ("Assigned To", "lead", "K"), ("Action Number", "ref", "K"),
    ("Timescale", "due", "issue 15"), ("Target date", "due", "issue 15"), ("Deadline", "due", "issue 15"),
    ("Current position", "progress", "issue 15"), ("Comments", "progress", "issue 15"),
    ("Owner", "lead", "issue 15"), ("R/A/G", "rag", "issue 15"), ("Status", "rag", "issue 15"),
])
def test_headers_of_real_plans_are_read(config, header, field, source):
    found = fields(config, ["Ref", "Action", header] if field not in ("ref",) else [header, "Action", "Lead"])
    assert found.get(field) == header, f"{header!r} ({source})"


def test_the_stockton_tracker_is_read_whole_and_its_recommendation_is_the_action(config, tmp_path):
    path = write_rows(tmp_path / "p.xlsx", [STOCKTON] + STOCKTON_ROWS)
    plan = read_plan(path, config)
    assert {f: plan.headers[c] for f, c in plan.columns.items()} == {
        "ref": "No.", "action": "Recommendation", "lead": "Responsibility", "due": "Date",
        "progress": "Progresspresented to Committee Dec 2017", "rag": "Assessment of progress Categories 1 - 4"}
    assert [a.action[:24] for a in plan.actions] == ["Participate and initiate", "Continue to develop a se",
                                                   "Continue to identify way"]
    why = plan.reading.columns[1].reason
    assert "no Action column" in why and "it is the theme" in why


def test_with_an_action_column_a_recommendation_is_the_theme(config):
    assert fields(config, ["Recommendation", "Action", "Lead", "Deadline"]) == {
        "group": "Recommendation", "action": "Action", "lead": "Lead", "due": "Deadline"}


# -- the whole row: competing columns, generic words, ties -------------------------------

def test_target_date_beats_a_bare_date_which_is_kept_as_an_extra(config):
    r = reading(config, ["Ref", "Action", "Date", "Target date", "Lead"])
    assert r.fields["due"] == 3 and r.columns[2].field is None
    assert "column D 'Target date' reads as due better (1.00)" in r.columns[2].reason
    assert [m.field for m in r.columns[2].runners_up] == ["due"]


def test_a_date_of_update_is_never_the_due_date(config):
    assert fields(config, ["Ref", "Action", "Lead", "Date of update"]) == {
        "ref": "Ref", "action": "Action", "lead": "Lead", "updated": "Date of update"}


def test_a_bare_date_right_after_the_progress_is_when_it_was_written(config):
    assert fields(config, ["Ref", "Action", "Lead", "Update", "Date"])["updated"] == "Date"
    assert "due" not in fields(config, ["Ref", "Action", "Lead", "Update", "Date"])
    # ...and a Date before the progress is the due date (seed 004, Stockton).
    assert fields(config, ["Ref", "Action", "Date", "Update"])["due"] == "Date"


def test_ties_are_broken_the_same_way_every_time(config):
    # Equal scores: the alias earlier in the field's list (the header first), then the column further left.
    assert fields(config, ["Ref", "Action", "Comments", "Progress"])["progress"] == "Progress"
    assert fields(config, ["Ref", "Action", "Lead", "Lead officer"])["lead"] == "Lead"
    assert fields(config, ["Ref", "Action", "Lead officer", "Lead"])["lead"] == "Lead"        # whatever the order
    first = reading(config, ["Ref", "Action", "Comments", "Progress"]).columns[2].reason
    assert "which is preferred as its header is the usual name" in first


def test_one_bad_header_cell_never_refuses_the_plan(config, tmp_path):
    header = ["Ref", "Action", "Lead", "RAG", "RAG rating", "???", "x" * 300, None, "Progress"]
    path = write_rows(tmp_path / "p.xlsx", [header, ["1.1", "Audit", "DCS", "G", "A", "?", "long", None, "Done"]])
    plan = read_plan(path, config)
    assert plan.columns == {"ref": 0, "action": 1, "lead": 2, "rag": 3, "progress": 8}
    assert plan.actions[0].rag == "Green" and plan.actions[0].extra["RAG rating"] == "A"


def test_prose_is_not_a_header(config):
    # Seed 003 is a committee report: no row of it is a header, however many field words it uses.
    with pytest.raises(WorkbookError, match="no header row found"):
        read_plan(SEED_003, config)
    assert reading(config, ["To update Scrutiny members on the recommendations and the progress of the action "
                            "plan led by the lead officer", "x"], ["Ref", "Action", "Lead"]).header_row == 2


def test_the_seeds_read_as_before(config):
    assert read_plan(SEED_000, config).columns == {"ref": 0, "action": 1, "lead": 2, "progress": 3, "rag": 4}
    assert read_plan(SEED_001, config).columns == {"ref": 0, "action": 2, "lead": 5, "due": 6, "rag": 7}
    assert read_plan(SEED_004, config).columns == {"group": 0, "due": 2, "lead": 3, "action": 4, "progress": 5}


# -- overrides and hints --------------------------------------------------------------------

def test_a_map_overrides_the_reading_by_header_or_letter(config):
    mapped = with_column_map(config, ["Assessment of progress Categories 1 - 4=extra", "b=group"])
    r = reading(mapped, STOCKTON, *STOCKTON_ROWS)
    assert "rag" not in r.fields and r.fields["group"] == 1
    assert r.columns[5].reason == "set by Assessment of progress Categories 1 - 4=extra (--map)"
    assert "action" not in r.fields          # the Recommendation is the theme now: no action column
    timetable = with_column_map(config, ["Timetable[iv]=due"])
    assert reading(timetable, ["Ref", "Action", "Timetable[iv]", "Deadline"]).fields["due"] == 2


def test_a_bad_map_is_one_sentence(config):
    with pytest.raises(InputError, match="'when' is not a field; the fields are ref, group"):
        with_column_map(config, ["Timetable=when"])
    with pytest.raises(InputError, match="must be COLUMN=FIELD"):
        with_column_map(config, ["Timetable"])
    with pytest.raises(WorkbookError, match="there is no column 'Owner' in the header row"):
        reading(with_column_map(config, ["Owner=lead"]), ["Ref", "Action", "Lead"])


def test_an_extra_column_that_looks_like_ratings_or_progress_is_named(config, tmp_path):
    rows = [["Ref", "Action", "Lead", "Assessment", "Narrative"],
            ["1", "Audit", "DCS", "2", "The audit of case files has started and will report in June"],
            ["2", "Train", "DCS", "Amber", "Training has been commissioned from the regional partnership"],
            ["3", "Plan", "DCS", "Complete", "The plan was signed off by the board in March this year"]]
    rows[0][3] = "Categories 1 - 4"
    plan = read_plan(write_rows(tmp_path / "p.xlsx", rows), config)
    assert plan.notes == [
        "column D 'Categories 1 - 4' looks like ratings: map it with --map \"Categories 1 - 4=rag\"",
        "column E 'Narrative' looks like progress: map it with --map \"Narrative=progress\""]
    # A column that is read needs no hint; nor do prose columns that are not progress (seed 001).
    assert read_plan(SEED_001, config).reading.hints == [] and read_plan(SEED_004, config).reading.hints == []


def test_a_header_on_two_lines_is_read_whole(config):
    # [L] Lancashire CC, Annual Delivery Plan 2008/09: the PDF's header runs over two lines.
    r = reading(config, [None, "Milestone", "Directorate", "Owner", "Current", "Current Commentary",
                         "What are the prospects for the"],
                [None, None, None, None, "Status", None, "future?"],
                ["C1.1.1", "Making sure governance structures are in place", "PU", "Jerry Smith", "G",
                 "Governance structures agreed and in place.", "Good"])
    assert r.header_rows == 2 and r.fields == {"ref": 0, "action": 1, "lead": 3, "rag": 4, "progress": 5}
    assert r.columns[6].header == "What are the prospects for the future?"
    # A first data row is never taken for the header's second line.
    one = reading(config, ["Ref", "Action", "Lead", "Current"], ["1.1", "Audit", "DCS", "Status"])
    assert one.header_rows == 1


def test_an_action_column_empty_in_every_row_gives_way_to_the_recommendation(config):
    # [M] Maidstone BC, SCRAIP report (a Covalent export), November 2014.
    head = ["Meeting, Date & Minute", "Recommendation", "Executive Decision Maker", "Action Expected Outcome",
            "Response", "Lead Officer"]
    rows = [["PTD.140916.56.1", "Cabinet Member for Community and Leisure Services be recommended to involve",
             "Cabinet Member", None, "The Parish Charter review will involve KALC", "Rob Jarman; Sue Whiteside"]]
    r = reading(config, head, *rows)
    assert r.fields == {"ref": 0, "action": 1, "progress": 4, "lead": 5}
    assert "is empty in every row" in r.columns[3].reason
    rows[0][3] = "A charter agreed with the parishes"            # with words in it, it is the action
    assert reading(config, head, *rows).fields["action"] == 3


def test_a_second_rating_column_is_never_passed_over_in_silence(tmp_path, config, capsys):
    # The review's case: "RAG Oct 2026 | RAG Nov 2026" with Green | Red: the left column is
    # used and the Reds were hidden without a word. Now the current column wins over an
    # earlier one, and where the header cannot tell, every report of the week says so.
    from xlplan.cli import main

    rows = [["Ref", "Action", "Lead", "Previous RAG", "Current RAG", "Progress"],
            ["1", "Audit", "DCS", "Green", "Red", "x"], ["2", "Train", "DCS", "Green", "Red", "y"]]
    plan = read_plan(write_rows(tmp_path / "a.xlsx", rows), config)
    assert [a.rag for a in plan.actions] == ["Red", "Red"] and plan.reading.hints == []
    rows[0][3:5] = ["RAG Oct 2026", "RAG Nov 2026"]
    path = write_rows(tmp_path / "b.xlsx", rows)
    hint = ("column E 'RAG Nov 2026' reads as rag as well as column D 'RAG Oct 2026', which is used: "
            "if E holds the rag to report, map it with --map \"RAG Nov 2026=rag\"")
    assert read_plan(path, config).reading.hints == [hint]
    capsys.readouterr()
    assert main(["summary", str(path), "--json"]) == 0
    assert hint in json.loads(capsys.readouterr().out)["notes"]
