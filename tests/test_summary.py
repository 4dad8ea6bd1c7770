"""summary and the exception report: counts, the narrative, the workbooks read back."""

import datetime as dt
import json

from conftest import SEED_000, scrutiny_counts, seed_000_workbook, write_rows
from openpyxl import load_workbook

from xlplan.cli import main
from xlplan.exception_list import exception_report
from xlplan.plan import read_plan
from xlplan.summary import summarise

AS_OF = dt.date(2009, 5, 31)


def test_counts_of_seed_000_as_the_board_kept_it(tmp_path, config):
    """Symbols, words and fill colours, six ratings colour-only: the scrutiny report's counts."""
    plan = read_plan(seed_000_workbook(tmp_path / "board.xlsx"), config)
    result = summarise(plan, config, as_of=AS_OF)
    assert {k: v for k, v in result.by_rag.items() if v} == scrutiny_counts()
    assert result.actions == 28


def test_narrative_in_the_voice_of_the_scrutiny_report(tmp_path, config):
    plan = read_plan(seed_000_workbook(tmp_path / "board.xlsx"), config)
    text = summarise(plan, config, as_of=AS_OF).narrative
    assert text.startswith("Of the 28 actions, 9 are marked green, as completed; "
                           "2 are marked amber/green, as some parts are still to be completed; ")
    assert "1 is marked amber/red" in text                                  # singular
    # Nobody was chased (no earlier run): "despite chasing" would not be true.
    assert text.endswith("and 2 are marked no data as no information has been provided by the lead officer.")
    assert "chasing" not in text
    assert "blue" not in text and "grey" not in text                         # zero counts left out


def test_unrated_counts_as_no_data_and_singular_plan(tmp_path, config):
    path = write_rows(tmp_path / "p.xlsx", [["Ref", "Action", "Lead", "RAG"], ["1.1", "a", "DCS", None],
                                            ["1.2", "b", "DCS", "Amber/Red"]])
    result = summarise(read_plan(path, config), config, as_of=AS_OF)
    assert result.by_rag["No data"] == 1
    assert result.narrative == ("Of the 2 actions, 1 is marked amber/red as activity is currently on hold or at "
                                "risk; and 1 is marked no data as no information has been provided by the lead "
                                "officer.")
    one = write_rows(tmp_path / "one.xlsx", [["Ref", "Action", "Lead", "RAG"], ["1.1", "a", "DCS", "Red"]])
    assert summarise(read_plan(one, config), config, as_of=AS_OF).narrative.startswith("Of the 1 action, 1 is marked red")


def test_no_rating_at_all_is_said_plainly(tmp_path, config):
    path = write_rows(tmp_path / "p.xlsx", [["Ref", "Action", "Lead", "RAG", "Progress"], ["1.1", "a", "DCS", None, "Begun"],
                                            ["1.2", "b", "DCS", None, None]])
    result = summarise(read_plan(path, config), config, as_of=AS_OF)
    assert result.by_rag["No data"] == 2
    assert result.narrative == ("Of the 2 actions, none has a RAG rating: the plan's rating column is empty. "
                                "Progress is reported in the leads' own words.")


def test_meanings_come_from_config(tmp_path):
    from xlplan.config import load_config

    (tmp_path / "c.toml").write_text('[[rag.levels]]\nlabel = "Done"\nnarrative = ", finished"\n'
                                     '[[rag.levels]]\nlabel = "Late"\nnarrative = ", behind"\n')
    config = load_config(tmp_path / "c.toml")
    path = write_rows(tmp_path / "p.xlsx", [["Ref", "Action", "RAG"], ["1", "a", "Done"], ["2", "b", "Late"], ["3", "c", "Late"]])
    text = summarise(read_plan(path, config), config, as_of=AS_OF).narrative
    assert text == "Of the 3 actions, 1 is marked done, finished; and 2 are marked late, behind."


def test_movement_since_the_previous_version(tmp_path, config):
    header = ["Ref", "Action", "Lead", "RAG"]
    old = write_rows(tmp_path / "old.xlsx", [header, ["1", "a", "X", "Red"], ["2", "b", "X", "Green"], ["3", "c", "X", "Amber"]])
    new = write_rows(tmp_path / "new.xlsx", [header, ["1", "a", "X", "Amber"], ["2", "b", "X", "Amber"],
                                             ["3", "c", "X", "Amber"], ["4", "d", "X", "Grey"]])
    result = summarise(read_plan(new, config), config, as_of=AS_OF, previous=read_plan(old, config))
    assert result.movement == {"improved": 1, "worsened": 1, "unchanged": 1, "new": 1}


def test_exception_report_groups_by_due_month(config):
    groups = exception_report(read_plan(SEED_000, config), config, as_of=AS_OF)
    assert [g.title for g in groups] == ["Actions to be completed by the end of February 2009",
                                         "Actions to be completed by the end of March 2009",
                                         "Actions to be completed by the end of April 2009"]
    refs = {i.action.ref for g in groups for i in g.items}
    assert "3.2 / 3.7" not in refs and "4.1" not in refs                     # green: not exceptions
    assert {"3.4", "2.15", "2.2", "4.12"} <= refs                             # amber, no data, unrated, red
    assert all(i.overdue_days for g in groups for i in g.items)


def test_summary_workbook_reads_back(tmp_path, capsys):
    target = tmp_path / "summary.xlsx"
    board = seed_000_workbook(tmp_path / "board.xlsx")
    assert main(["summary", str(board), "--as-of", "2009-05-31", "-o", str(target)]) == 0
    wb = load_workbook(target)
    assert wb.sheetnames == ["Summary", "Exceptions"]
    ws = wb["Summary"]
    labels = {ws.cell(r, 1).value: r for r in range(6, 15)}
    assert ws.cell(labels["Green"], 2).value == 9                                # a value, not a formula
    assert all(isinstance(ws.cell(labels[k], 2).value, int) for k in scrutiny_counts())
    assert ws.cell(labels["Green"], 1).fill.fgColor.rgb[-6:] == "00B050"
    assert ws["A3"].value.startswith("Of the 28 actions")
    assert ws._charts, "no chart"
    exc = wb["Exceptions"]
    titles = [exc.cell(r, 1).value for r in range(1, exc.max_row + 1)]
    assert "Actions to be completed by the end of March 2009" in titles
    assert exc.print_title_rows == "$3:$3"


def test_summary_json(tmp_path, capsys):
    board = seed_000_workbook(tmp_path / "board.xlsx")
    assert main(["summary", str(board), "--as-of", "2009-05-31", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["actions"] == 28 and data["by_rag"] == scrutiny_counts()
    assert data["narrative"].startswith("Of the 28 actions, 9 are marked green")


def test_trend_from_history(tmp_path, capsys):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "xlplan.toml").write_text('[workbook]\npath = "plan.xlsx"\n[folders]\nhistory = "history"\n')
    header = ["Ref", "Action", "Lead", "RAG", "Progress"]
    for week, rags in enumerate((["Red", "Amber"], ["Amber", "Amber"], ["Green", "Amber"])):
        write_rows(tmp_path / "plan.xlsx", [header, ["1", "a", "X", rags[0], f"w{week}"], ["2", "b", "Y", rags[1], "same"]])
        assert main(["snapshot", "--config", str(tmp_path / "config" / "xlplan.toml"),
                     "--as-of", (dt.date(2026, 11, 9) + dt.timedelta(weeks=week)).isoformat()]) == 0
    capsys.readouterr()
    assert main(["summary", str(tmp_path / "plan.xlsx"), "--config", str(tmp_path / "config" / "xlplan.toml"),
                 "--as-of", "2026-11-23", "--json", "-o", str(tmp_path / "s.xlsx")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [t["by_rag"] for t in data["trend"]] == [{"Red": 1, "Amber": 1}, {"Amber": 2}, {"Green": 1, "Amber": 1}]
    # 2's lead has missed two weekly updates, but was never chased: still reported as rated
    assert data["by_rag"] == data["as_rated"] == {"Green": 1, "Amber": 1}
    assert data["updates"] == {"updated": 1, "not_updated": 1, "not_updated_2_weeks_or_more": 1}
    assert len(load_workbook(tmp_path / "s.xlsx")["Summary"]._charts) == 2


def test_a_rating_xlplan_cannot_read_is_never_told_to_the_board_as_never_rated(tmp_path, config):
    # Stockton LSCB's progress update (2017) rates on a 1-4 scale; without its key, "2" is
    # unreadable, but the lead did rate it: the board is told that, not "never rated".
    from xlplan.findings import validate_plan
    from xlplan.summary import summarise_plan

    rows = [["Ref", "Action", "Lead", "Due", "RAG", "Progress"],
            ["1", "Participate and initiate discussion with other Tees Boards", "Chair / DCS", "30/04/2017", "2",
             "Stockton and Hartlepool Boards have agreed to develop a joint approach."],
            ["2", "Develop a self-assessment and review format", "Chair / DCS", "30/04/2027", "Green", "Done in part"]]
    path = write_rows(tmp_path / "p.xlsx", rows)
    result = summarise_plan(path, config, as_of=dt.date(2026, 12, 6))
    said = json.dumps(result.to_dict())
    assert "1 is marked no data as their rating ('2') is not one this plan's scale defines" in said
    assert "never rated" not in said
    note = next(s.note for s in result.summary.statuses if s.ref == "1")
    assert note.startswith("No data: rated '2', which is not a rating of this plan's scale")
    overdue = [f for f in validate_plan(read_plan(path, config), as_of=dt.date(2026, 12, 6)).findings if f.rule == "overdue"]
    assert overdue and "rated '2' (not a rating xlplan can read)" in overdue[0].message
