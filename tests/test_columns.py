"""`xlplan columns PLAN`, `--map` on every command that reads a plan, and [columns] map in the
config (issue 15)."""

import json

import pytest
from conftest import SEED_000, SEED_001, SEED_003, SEED_004, write_rows

from xlplan.cli import main

# Stockton LSCB's progress update (2017), as published: no Action column, a 1-4 scale.
STOCKTON = [["No.", "Recommendation", "Responsibility", "Timetable[iv]", "Progresspresented to Committee\nDec 2017",
             "Assessment of progress Categories\n1 - 4", "Categories"],
            ["1.", "Participate and initiate discussion with other Tees Boards", "Chair / DCS", "April 2027",
             "Stockton and Hartlepool Boards have agreed to develop a joint approach.", "2", "Green"],
            ["2.", "Continue to develop a self-assessment and review format", "Chair / DCS", "April 2027",
             "Executive has been established and now driving the agenda", "1", "Amber"]]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def stockton(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)            # no project config above
    return write_rows(tmp_path / "stockton.xlsx", STOCKTON)


@pytest.mark.parametrize("seed, expect", [
    (SEED_000, ["A    Ref", "ref", "C    Lead officer", "'Lead officer' is an alias of lead",
                "not in this plan: date updated\n",
                "due date: no column; the due dates come from the section headings above the rows (28 of 28 actions), "
                "such as 'Actions to be completed by the end of February 2009'",
                "theme (group): no column; the section headings that give the due dates also group the rows"]),
    (SEED_001, ["an unheaded first column whose cells are refs", "B    Reference", "kept as it is: the unheaded",
                "also matched: theme (group) 0.68 ('Objective')", "kept as extra columns (exported as they are): "
                "B 'Reference', D 'Outcome/ Measurable target', E 'Evidence', I 'Ofsted grade descriptor'"]),
    (SEED_004, ["C    Date", "due date", "0.70", "kept as extra columns (exported as they are): B 'Target'",
                "ref: no column; xlplan numbers the actions itself (1.1 to 10.2)",
                "rating (RAG): no column; validate reports every action's rating as missing (missing-rag)"]),
])
def test_columns_explains_each_seed(capsys, tmp_path, monkeypatch, seed, expect):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "columns", seed)
    assert code == 0 and err == ""
    for text in expect:
        assert text in out
    assert "hint:" not in out


def test_columns_json(capsys, stockton):
    code, out, _ = run(capsys, "columns", stockton, "--json")
    data = json.loads(out)
    assert code == 0 and data["header_row"] == 1
    assert data["fields"] == {"ref": "A", "action": "B", "lead": "C", "due": "D", "progress": "E", "rag": "F"}
    assert data["missing"] == ["group", "updated"]
    b = data["columns"][1]
    assert b["field"] == "action" and b["runners_up"] == [{"field": "group", "score": 1.0, "alias": "Recommendation"}]
    assert data["columns"][6]["field"] == "extra" and data["hints"] == []       # rag is read: no hint


def test_map_changes_what_every_command_reads(capsys, stockton, tmp_path):
    code, out, _ = run(capsys, "export", stockton, "--map", "F=extra", "--map", "Categories=rag")
    actions = json.loads(out)["actions"]
    assert code == 0 and [a["rag"] for a in actions] == ["Green", "Amber"]
    assert actions[0]["extra"]["Assessment of progress Categories 1 - 4"] == "2"
    code, out, _ = run(capsys, "columns", stockton, "--map", "F=extra", "--map", "Categories=rag")
    assert "set by Categories=rag (--map)" in out and "map: F=extra (--map)" in out
    code, out, _ = run(capsys, "validate", stockton, "--map", "F=extra", "--json")
    assert json.loads(out)["notes"] == [
        "column F 'Assessment of progress Categories 1 - 4' looks like ratings: map it with --map \"F=rag\"",
        "column G 'Categories' looks like ratings: map it with --map \"Categories=rag\""]
    code, out, _ = run(capsys, "validate", stockton, "--map", "F=extra")
    assert "note: column G 'Categories' looks like ratings" in out
    code, out, _ = run(capsys, "import", stockton, "-o", tmp_path / "new.xlsx", "--map", "F=extra")
    assert code == 0 and "note: column G 'Categories' looks like ratings" in out


def test_config_map(capsys, stockton, tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "xlplan.toml").write_text('[columns]\nmap = ["F = extra", "Categories=rag", "Owner=lead"]\n')
    code, out, _ = run(capsys, "export", stockton)              # Owner: not in this plan, passed over
    assert code == 0 and [a["rag"] for a in json.loads(out)["actions"]] == ["Green", "Amber"]
    code, out, _ = run(capsys, "columns", stockton)
    assert "set by Categories=rag (config)" in out
    code, out, _ = run(capsys, "export", stockton, "--map", "Categories=extra", "--map", "F=rag")   # --map wins
    assert [a["rag"] for a in json.loads(out)["actions"]] == [None, None]           # 2 and 1: read by no scale here
    assert json.loads(out)["actions"][0]["rag_text"] == "2"


@pytest.mark.parametrize("args, message", [
    (["--map", "Timetable=when"], "'when' is not a field; the fields are ref, group, action"),
    (["--map", "Timetable"], "must be COLUMN=FIELD"),
    (["--map", "Owner=lead"], "there is no column 'Owner' in the header row (row 1)"),
    (["--map", "Z=rag"], "column Z of sheet \"Plan\" in"),           # past the header, and empty
    (["--map", "H=rag"], "is empty in every row; the header row (row 1) ends at column G"),
])
@pytest.mark.parametrize("command", ["columns", "export", "validate", "summary", "chase", "exceptions"])
def test_a_bad_map_is_one_sentence_and_exit_2(capsys, stockton, command, args, message):
    code, out, err = run(capsys, command, stockton, *args)
    assert code == 2 and out == "" and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_bad_config_map_is_exit_2(capsys, stockton, tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "xlplan.toml").write_text('[columns]\nmap = ["Timetable=soon"]\n')
    code, _, err = run(capsys, "columns", stockton)
    assert code == 2 and "[columns] map entry 'Timetable=soon': 'soon' is not a field" in err


@pytest.mark.parametrize("command", ["init", "export", "import", "validate", "compare", "summary", "exceptions",
                                     "chase", "weekly", "history", "format", "columns", "board-report"])
def test_every_command_that_reads_a_plan_takes_map(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "--map COLUMN=FIELD" in out


def test_columns_json_says_where_a_field_with_no_column_comes_from(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "columns", SEED_000, "--json")
    data = json.loads(out)
    assert code == 0 and "due" in data["missing"] and data["elsewhere"]["due"].startswith("the due dates come from")
    assert "rag" not in data["elsewhere"]                       # seed 000 has its RAG rating column


def test_columns_on_a_report_in_prose_says_it_is_no_plan(capsys, tmp_path, monkeypatch):
    """Seed 003 is the scrutiny report on the plan of seed 000: paragraphs, no table."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "columns", SEED_003)
    assert code == 2 and out == ""
    assert "no header row found" in err and "are prose, one cell each, with no table in them" in err


def test_a_map_by_letter_past_the_header_reads_a_column_that_has_cells(capsys, tmp_path, monkeypatch):
    # The walkthrough's crash (exit 70): a letter past the header's last cell, while another
    # column already reads as that field.
    monkeypatch.chdir(tmp_path)
    rows = [row + [None] for row in STOCKTON]
    rows[1][-1], rows[2][-1] = "Red", "Amber"          # an unheaded column H with ratings in it
    path = write_rows(tmp_path / "wide.xlsx", rows)
    code, out, err = run(capsys, "export", path, "--map", "H=rag")
    assert code == 0, err
    assert [a["rag"] for a in json.loads(out)["actions"]] == ["Red", "Amber"]
    code, out, err = run(capsys, "columns", path, "--map", "H=rag")
    assert code == 0 and "H" in out and "rating (RAG)" in out
