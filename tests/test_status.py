"""The week's status: one result per action per week, and every output reading it.

The rules are tested on tiny plans built from literal rows; then the outputs (the weekly run's
JSON and report sheets, `summary`, `exceptions`, `chase` and `history`) are held equal to
one another on the shipped default, on every seed imported as a shared workbook, and on the
default run for five weeks with nobody updating anything."""

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import PROJECT, SEED_000, SEED_001, SEED_004, write_rows
from openpyxl import load_workbook

from xlplan.cli import main
from xlplan.config import load_config
from xlplan.history import Entry, Version
from xlplan.plan import read_plan
from xlplan.status import MARKED, NO_DATA, NO_RATING, NO_UPDATE, week_status
from xlplan.summary import summarise

HEADER = ["Ref", "Action", "Lead", "Due", "RAG", "Progress"]
WEEK = dt.date(2026, 11, 30)


def entry(rag, progress="same", due=dt.date(2027, 6, 30)):
    return Entry(rag, progress, None, due, "DCS", "an action")


def earlier(*weeks_of_ratings, progress="same"):
    """Versions for the weeks before WEEK, one a week, oldest first: {ref: rag} each."""
    out = []
    for i, ratings in enumerate(weeks_of_ratings):
        date = WEEK - dt.timedelta(weeks=len(weeks_of_ratings) - i)
        out.append(Version(date, Path(f"plan.{date}.xlsx"), {ref: entry(rag, progress) for ref, rag in ratings.items()}))
    return out


def plan(tmp_path, config, rows):
    return read_plan(write_rows(tmp_path / "plan.xlsx", [HEADER, *rows]), config)


ROWS = [["1.1", "Audit case files", "DCS", "Jun 27", "Red", "same"],
        ["1.2", "Supervision policy", "DCS", "Jun 27", None, "same"],
        ["1.3", "Train the front door", "DCS", "Jun 27", "No data", "same"],
        ["1.4", "Publish the policy", "DCS", "Jan 26", "Blue", "same"]]


def test_no_data_is_no_rating_or_a_no_data_cell(tmp_path, config):
    status = week_status(plan(tmp_path, config, ROWS), config, as_of=WEEK).by_ref()
    assert (status["1.1"].board, status["1.1"].no_data) == ("Red", "")
    assert (status["1.2"].board, status["1.2"].no_data) == (NO_DATA, NO_RATING)
    assert (status["1.3"].board, status["1.3"].no_data) == (NO_DATA, MARKED)
    assert status["1.3"].note == "No data: never rated, the rating cell says No data"
    assert status["1.1"].updated is None and status["1.1"].update_text == ""      # nothing to compare with


def test_missed_updates_alone_never_hide_a_rating(tmp_path, config):
    """Four weeks without an update, but nobody chased the lead: the board still sees Red."""
    history = earlier(*[{"1.1": "Red", "1.4": "Blue"}] * 4)
    status = week_status(plan(tmp_path, config, ROWS), config, as_of=WEEK, earlier=history).by_ref()
    assert status["1.1"].missed_updates == 4 and status["1.1"].board == "Red"
    # 02/11 is only when xlplan's versions begin: never called an update
    assert status["1.1"].update_text == "no update for 4 weeks (none since 02/11/2026, when the weekly records begin)"


def test_missed_updates_despite_chasing_are_no_data_with_the_last_rating(tmp_path, config):
    history = earlier(*[{"1.1": "Red", "1.4": "Blue"}] * 4)
    chased = {"1.1": [dt.date(2026, 11, 16)], "1.4": [dt.date(2026, 11, 16)]}
    week = week_status(plan(tmp_path, config, ROWS), config, as_of=WEEK, earlier=history, chased=chased)
    status = week.by_ref()
    red = status["1.1"]
    assert (red.board, red.no_data, red.last_rating, red.as_rated) == (NO_DATA, NO_UPDATE, "Red", "Red")
    assert red.note == "No data: last rated Red as of 02/11/2026, no update for 4 weeks, a chase draft written on 16/11/2026"
    emailed = week_status(plan(tmp_path, config, ROWS), config, as_of=WEEK, earlier=history, chased=chased,
                          sent={"1.1": [dt.date(2016, 1, 1)]}).by_ref()["1.1"]
    assert emailed.note.endswith("a chase draft written on 16/11/2026")          # sent on another day: not this chase
    emailed = week_status(plan(tmp_path, config, ROWS), config, as_of=WEEK, earlier=history, chased=chased,
                          sent=chased).by_ref()["1.1"]
    assert emailed.note.endswith("chased by email on 16/11/2026")
    assert status["1.4"].board == "Blue"                                 # complete: never No data
    assert week.by_rag["Red"] == 0 and week.as_rated["Red"] == 1          # the Red is never out of view
    assert week.trend[-1][1] == week.by_rag


def test_the_threshold_is_the_boards_choice(tmp_path):
    (tmp_path / "c.toml").write_text("[history]\nno_data_after_missed_updates = 0\n")
    config = load_config(tmp_path / "c.toml")
    history = earlier(*[{"1.1": "Red"}] * 6)
    status = week_status(plan(tmp_path, config, ROWS), config, as_of=WEEK, earlier=history,
                         chased={"1.1": [dt.date(2026, 11, 23)]}).by_ref()
    assert status["1.1"].board == "Red" and status["1.1"].missed_updates == 6


def test_a_chase_before_the_last_update_does_not_count(tmp_path, config):
    history = earlier({"1.1": "Amber"}, {"1.1": "Red"}, {"1.1": "Red"}, {"1.1": "Red"}, {"1.1": "Red"})
    # changed to Red four weeks ago; chased five weeks ago, before that update
    status = week_status(plan(tmp_path, config, ROWS), config, as_of=WEEK, earlier=history,
                         chased={"1.1": [dt.date(2026, 10, 26)]}).by_ref()
    assert status["1.1"].missed_updates == 4 and status["1.1"].board == "Red"
    assert status["1.1"].last_rated == dt.date(2026, 11, 2) and status["1.1"].rated_seen
    assert status["1.1"].update_text == "no update for 4 weeks (last update 02/11/2026)"


def test_narrative_says_despite_chasing_only_of_the_chased(tmp_path, config):
    rows = [["1.1", "a", "DCS", "Jun 27", "Red", "same"], ["1.2", "b", "DCS", "Jun 27", "Amber", "same"],
            ["1.3", "c", "DCS", "Jun 27", "No data", "same"]]
    history = earlier(*[{"1.1": "Red", "1.2": "Amber", "1.3": "No data"}] * 4)
    week = week_status(plan(tmp_path, config, rows), config, as_of=WEEK, earlier=history,
                       chased={"1.1": [dt.date(2026, 11, 9)]})
    text = summarise(week, config).narrative
    assert text == ("Of the 3 actions, 1 is marked amber indicating that most of the work has been completed but "
                    "further action is required; 1 is marked no data as, despite chasing, no information has been "
                    "provided by the lead officer (last rated 1 red by its lead); and 1 is marked no data as no "
                    "information has been provided by the lead officer.")


def test_a_plan_with_no_rating_column_says_so(config):
    plan_004 = read_plan(SEED_004, config, plan_date=dt.date(2011, 3, 22))
    summary = summarise(plan_004, config, as_of=dt.date(2011, 6, 30))
    assert "rag" not in plan_004.columns
    assert summary.narrative.startswith(f"Of the {summary.actions} actions, none has a RAG rating")
    assert "chasing" not in summary.narrative


# -- every output reads the one status ----------------------------------------------------------

def _run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    return json.loads(captured.out) if "--json" in args else captured.out


def _by_rating_table(ws):
    """The Summary sheet's 'By rating' table: label -> (board, as rated)."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Rating")
    table = {}
    for r in rows[start + 1:]:
        if r[0] == "Total":
            break
        table[r[0]] = (r[1], r[2])
    return table


def _trend_latest(ws):
    """The Trend sheet's latest week, counted: 'No data (Red)' is the board's No data."""
    rows = list(ws.iter_rows(values_only=True))
    header = rows[2]
    latest = max(i for i, h in enumerate(header) if isinstance(h, str) and h.count("/") == 2)
    return Counter(("No data" if str(r[latest]).startswith("No data") else r[latest]) for r in rows[3:] if r[0])


def assert_outputs_agree(project, capsys, as_of):
    """The weekly run for `as_of`, then each command on the shared workbook: one status."""
    config = ["--config", str(project / "config" / "xlplan.toml"), "--as-of", as_of]
    weekly = _run(capsys, "weekly", *config, "--json")
    shared = str(project / "workbooks" / "plan.xlsx")
    summary = _run(capsys, "summary", shared, *config, "--json")
    exceptions = _run(capsys, "exceptions", shared, *config, "--json")
    chase = _run(capsys, "chase", shared, *config, "--json")
    history = _run(capsys, "history", *config, "--json")
    report = load_workbook(weekly["report"])

    board, rated = weekly["by_rag"], weekly["as_rated"]
    assert summary["by_rag"] == board and summary["as_rated"] == rated
    assert sum(board.values()) == sum(rated.values()) == weekly["actions"] == summary["actions"]
    table = _by_rating_table(report["Summary"])
    assert {k: v[0] for k, v in table.items() if v[0]} == board
    assert {k: v[1] for k, v in table.items() if v[1]} == rated
    assert report["Summary"]["A3"].value == summary["narrative"]
    if "trend" in summary:
        assert summary["trend"][-1]["by_rag"] == board and summary["trend"][-1]["date"] == as_of
    assert dict(_trend_latest(report["Trend"])) == board
    # Exceptions: every action the board is not told is Green or complete
    listed = [a for g in exceptions["groups"] for a in g["actions"]]
    no_data_refs = {a["ref"] for a in weekly["no_data"]}
    assert {a["ref"] for a in listed if a["rag"] == "No data"} == no_data_refs
    assert dict(Counter(a["rag"] for a in listed)) == {k: v for k, v in board.items() if k not in ("Green", "Blue")}
    exc_rows = [r for r in report["Exceptions"].iter_rows(min_row=4, values_only=True) if r[1]]
    assert sorted(r[0] for r in exc_rows) == sorted(a["ref"] for a in listed)
    assert Counter(r[4].split(" (")[0] for r in exc_rows) == Counter(a["rag"] for a in listed)
    # Chase: the same leads and actions in the command, the weekly JSON and the sheet
    refs = {(l["lead"], r) for l in chase["leads"] for r in l["refs"]}
    sheet = {(r[0], r[2]) for r in report["Chase"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert refs == sheet
    assert weekly["chase"]["actions"] == chase["actions"] == len({r for _, r in refs})
    # History: the same missed updates and No data lines
    by_ref = {a["ref"]: a for a in history["actions"]}
    for a in weekly["no_data"]:
        assert by_ref[a["ref"]]["missed_updates"] == a["missed_updates"] and by_ref[a["ref"]]["note"] == a["note"]
        assert a["note"].startswith("No data: ")
    assert {r for r, a in by_ref.items() if a["rag"] == "No data"} == no_data_refs
    return weekly, summary


def test_the_shipped_default_agrees_everywhere(project, capsys):
    weekly, summary = assert_outputs_agree(project, capsys, "2026-11-23")
    assert weekly["by_rag"] == weekly["as_rated"] == {"Green": 9, "Amber/Green": 2, "Amber": 10, "Amber/Red": 1,
                                                       "Red": 4, "No data": 2}
    assert "despite chasing" not in summary["narrative"]              # nobody has been chased yet


def test_four_quiet_weeks(project, capsys):
    """The default run on five successive Mondays, the workbook untouched: each open action
    misses one more update a week, its lead is chased every week, and at the threshold (4)
    it is reported as No data with its last rating shown, still counted as rated."""
    missed = {}
    for week in range(5):
        as_of = (dt.date(2026, 11, 23) + dt.timedelta(weeks=week)).isoformat()
        weekly, summary = assert_outputs_agree(project, capsys, as_of)
        history = {a["ref"]: a for a in _run(capsys, "history", "--as-of", as_of, "--json")["actions"]}
        if missed:
            for ref, a in history.items():
                if not a["complete"]:
                    assert a["missed_updates"] == missed[ref] + 1, (as_of, ref)
        missed = {ref: a["missed_updates"] for ref, a in history.items()}
        assert weekly["as_rated"]["Red"] == 4                         # every Red still counted
        assert weekly["chase"]["drafts"] == 7
    # the last week: every open action is past the threshold, and was chased
    assert (project / "workbooks" / "history" / "plan.weeks.jsonl").read_text().count("\n") == 4
    assert len(list((project / "workbooks" / "history").glob("plan.*.xlsx"))) == 3     # no second copy
    assert weekly["by_rag"] == {"Green": 9, "No data": 19}
    assert main(["weekly", "--as-of", "2026-12-21"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(
        "28 actions (9 green, 19 no data; as last rated by their leads: 9 green, 2 amber/green, 10 amber, "
        "1 amber/red, 4 red, 2 no data); 0 improved, 0 worsened; 2 newly reported as No data; "
        "7 chase drafts for 7 leads; report: ")
    red = next(a for a in weekly["no_data"] if a["ref"] == "4.12")
    assert red["last_rating"] == "Red" and red["note"].startswith("No data: last rated Red as of 09/11/2026")
    assert "despite chasing" in summary["narrative"] and "4 red" in summary["narrative"]
    report = load_workbook(weekly["report"])
    notes = [r[2] for r in report["Summary"].iter_rows(values_only=True) if r[0] and str(r[0]).startswith("4.12")]
    assert notes and "last rated Red" in notes[0]
    chase = _run(capsys, "chase", "workbooks/plan.xlsx", "--as-of", "2026-12-21", "--json")
    why = next(a["reasons"] for l in chase["leads"] for a in l["actions"] if a["ref"] == "4.12")
    assert "the board is told No data for it (last rated Red as of 09/11/2026, no update for 6 weeks)" in why
    exc = {r[0]: r for r in report["Exceptions"].iter_rows(min_row=4, values_only=True) if r[1]}
    assert exc["4.12"][4] == "No data (Red)" and "last rated Red" in exc["4.12"][8]


def _import_project(tmp_path, seed, *extra):
    shutil.copytree(PROJECT / "config", tmp_path / "config")
    (tmp_path / "workbooks").mkdir()
    assert main(["import", str(seed), "-o", str(tmp_path / "workbooks" / "plan.xlsx"), *extra]) in (0, 1)
    return tmp_path


@pytest.mark.parametrize("seed, extra, as_of", [
    (SEED_000, [], "2009-05-31"),
    (SEED_001, [], "2013-01-31"),
    (SEED_004, ["--plan-date", "2011-03-22"], "2011-06-30"),
])
def test_every_seed_agrees_everywhere(tmp_path, monkeypatch, capsys, seed, extra, as_of):
    project = _import_project(tmp_path, seed, *extra)
    monkeypatch.chdir(project)
    capsys.readouterr()
    first, _ = assert_outputs_agree(project, capsys, as_of)
    later = (dt.date.fromisoformat(as_of) + dt.timedelta(weeks=1)).isoformat()
    second, _ = assert_outputs_agree(project, capsys, later)
    assert second["as_rated"] == first["as_rated"]


# -- history belongs to the shared workbook it was taken from -----------------------------------

def _summary(capsys, *args):
    assert main(["summary", *args, "--as-of", "2026-11-23", "--json"]) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert [f"xlplan: note: {n}" for n in data["notes"]] == captured.err.splitlines()
    return data


def test_history_is_the_shared_workbooks_only(project, capsys):
    shared = _summary(capsys, "workbooks/plan.xlsx")
    assert shared["trend"] and "updates" in shared
    from_elsewhere = _summary(capsys, str(Path("..") / project.name / "workbooks" / "plan.xlsx"))
    assert from_elsewhere["trend"] == shared["trend"]                 # the same file by another path
    copy = project / "copies" / "plan.xlsx"
    copy.parent.mkdir()
    shutil.copy(project / "workbooks" / "plan.xlsx", copy)
    alone = _summary(capsys, str(copy))
    assert "trend" not in alone and "updates" not in alone          # a copy is not the shared workbook
    assert "no weekly history used" in alone["notes"][0] and "--history" in alone["notes"][0]
    assert shared["notes"] == []
    given = _summary(capsys, str(copy), "--history", "workbooks/history")
    assert given["trend"] == shared["trend"] and given["by_rag"] == shared["by_rag"]


def test_a_csv_named_like_the_plan_gets_no_history(project, capsys):
    assert main(["export", "workbooks/plan.xlsx", "--format", "csv", "-o", "plan.csv"]) == 0
    capsys.readouterr()
    data = _summary(capsys, "plan.csv")
    assert "trend" not in data and data["actions"] == 28
    assert main(["exceptions", "plan.csv", "--as-of", "2026-11-23", "--json"]) == 0
    exceptions = json.loads(capsys.readouterr().out)
    assert all(a["days_since_update"] is None for g in exceptions["groups"] for a in g["actions"])


@pytest.mark.parametrize("make, words", [
    (lambda p: None, "no such folder"),
    (lambda p: p.mkdir(), "holds no snapshots"),
    (lambda p: (p.mkdir(), shutil.copy(PROJECT / "workbooks" / "plan.xlsx", p / "plan.2026-11-02.xlsx"),
                shutil.copy(PROJECT / "workbooks" / "plan.xlsx", p / "other.2026-11-02.xlsx")), "of 2 workbooks"),
])
def test_a_history_folder_that_cannot_be_used_is_one_sentence(project, capsys, make, words):
    make(project / "given")
    assert main(["summary", "workbooks/plan.xlsx", "--history", "given", "--as-of", "2026-11-23"]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_narrative_gives_the_date_of_an_update_it_saw(tmp_path, config):
    rows = [["1.1", "a", "DCS", "Jun 27", "No data", "same"]]
    history = earlier({"1.1": "No data"}, {"1.1": "No data"})
    history[0].actions["1.1"] = entry("No data", progress="before")            # changed in the week after
    text = summarise(week_status(plan(tmp_path, config, rows), config, as_of=WEEK, earlier=history), config).narrative
    assert text == "Of the 1 action, 1 is marked no data as no update has been received since 23/11/2026."


def test_the_chase_says_which_rating_the_board_no_longer_sees(tmp_path, config):
    from xlplan.chase import chase_list
    from xlplan.findings import validate_plan

    rows = [["1.1", "a", "DCS", "Jun 27", None, "same"], ["1.2", "b", "DCS", "Jun 27", "No data", "same"]]
    history = earlier({"1.1": "Red", "1.2": "Amber"})
    current = plan(tmp_path, config, rows)
    week = week_status(current, config, as_of=WEEK, earlier=history)
    chase = chase_list(current, config, validation=validate_plan(current, config, as_of=WEEK), status=week)
    why = {i.action.ref: i.reasons for l in chase.leads for i in l.items}
    assert any("rating has been removed" in r and "last rated Red" in r for r in why["1.1"])
    assert any("says No data" in r and "last rated Amber" in r for r in why["1.2"])


@pytest.mark.parametrize("days, runs, expected", [
    (14, 2, "no update for 2 weeks"),
    # The walkthrough: runs on 09/11, 16/11 and 06/12 only; "2 weeks" would hide 27 days.
    (27, 2, "no update for 27 days"),
    (21, 3, "no update for 3 weeks"),
    (21, 1, "no update for 21 days"),      # not "not updated this week"
])
def test_the_time_without_an_update_is_never_fewer_weeks_than_have_passed(days, runs, expected):
    from xlplan.action import Action
    from xlplan.status import ActionStatus

    action = Action(4, "2.7", "Agree standards", "DCS", None, "", "Red", "on hold", "")
    status = ActionStatus(action, "Red", "Red", dt.date(2026, 11, 9), False, False, dt.date(2026, 11, 9),
                          days, runs, (), "Red")
    assert status.update_text.startswith(expected + " (last update 09/11/2026)")
