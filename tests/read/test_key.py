"""A plan's own key to its ratings (read/key.py), in the words real plans write it: the key's
rows are never actions nor headings, and the plan's ratings are read with it."""

import pytest
from conftest import HERE, SEED_001

from xlplan import validate
from xlplan.config import with_column_map
from xlplan.plan import read_plan
from xlplan.read.delimited import text_grid
from xlplan.read.key import find_column_key, find_key, meaning_label, names_an_event

# Stockton LSCB, "Initial Progress Update - Review of Stockton Local Safeguarding Children
# Board, Appendix 1" (December 2017): headers, cells and the key under the table as published
# (the key's "2 On track" line as the issue quotes it).
STOCKTON = [
    "Initial Progress Update – Review of Stockton Local Safeguarding Children Board Appendix 1",
    "No.\tRecommendation\tResponsibility\tDate\tProgress\tRAG",
    "1.\tParticipate and initiate discussion where necessary with other Tees Boards about the "
    "response to the Wood review\tChair / DCS\tTo be confirmed in Children and Social Work Act\t"
    "Stockton and Hartlepool Boards are working together\t2",
    "2.\tContinue to develop a self-assessment and review format of Board and sub group meetings\t"
    "Chair / DCS\tApril 2017\tExecutive has been established\t2",
    "3.\tContinue to identify ways to encourage all partner agencies to play a more active role in "
    "discussions\tChair / DCS\tMarch 2017\tChair undertaking annual appraisals of Board members "
    "contributions\t2",
    "15.\tAssure itself that it has responded to the Ofsted recommendations.\tChair / DCS\tApril 2017\t"
    "Actions completed and built into Business Plan.\t1",
    "",
    "1 Fully Achieved",
    "2 On track",
]


def plan_of(tmp_path, lines, config, name="plan.txt"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_plan(path, config)


def test_a_numbered_key_under_the_table_reads_the_ratings_and_makes_no_actions(tmp_path, config):
    plan = plan_of(tmp_path, STOCKTON, config)
    assert [(a.ref, a.rag) for a in plan.actions] == [("1", "Green"), ("2", "Green"), ("3", "Green"),
                                                     ("15", "Blue")]
    keyed = [s for s in plan.skipped if s.reason.startswith("key")]
    assert [(s.row, s.text) for s in keyed] == [(8, "1 Fully Achieved"), (9, "2 On track")]
    rules = {f.rule for f in validate(plan, as_of="2017-12-01").findings}
    assert "duplicate-ref" not in rules and "unknown-rag" not in rules


def test_without_the_key_the_numbers_are_unknown_with_a_hint(tmp_path, config):
    plan = plan_of(tmp_path, STOCKTON[:-3], config)
    assert [a.rag for a in plan.actions] == [None] * 4
    findings = [f for f in validate(plan, as_of="2017-12-01").findings if f.rule == "unknown-rag"]
    assert len(findings) == 4
    assert "[rag.scales]" in findings[0].message and "key" in findings[0].message


def test_the_key_before_the_table_counts_too(tmp_path, config):
    lines = [STOCKTON[0], "Assessment of progress categories", "1 Fully Achieved", "2 On track", "",
             *STOCKTON[1:6]]
    plan = plan_of(tmp_path, lines, config)
    assert [a.rag for a in plan.actions] == ["Green", "Green", "Green", "Blue"]


def test_seed_001_key_is_found_and_changes_no_rating(config):
    grid = text_grid(SEED_001)
    key = find_key(grid.rows, config.scale)
    assert [(e.token, e.label) for e in key.entries] == [
        ("RED", "Red"), ("AMBER", "Amber"), ("GREEN", "Green"), ("GREY", "Grey"), ("BLUE", "Blue")]
    assert key.rows[85] == "key: its title"             # "RAG table"
    plan = read_plan(SEED_001, config)
    counts = {}
    for a in plan.actions:
        counts[a.rag] = counts.get(a.rag, 0) + 1
    assert len(plan.actions) == 125 and None not in counts


@pytest.mark.parametrize("lines, expected", [
    # one line: "Key: G = on target, A = ..." (a council scrutiny action plan's legend)
    (["Key: G = on target, A = some slippage, R = off track"], {"G": "Green", "A": "Amber", "R": "Red"}),
    # colour, dash, meaning
    (["Blue - complete", "Green - on target", "Amber - some slippage", "Red - not achieved"],
     {"Blue": "Blue", "Green": "Green", "Amber": "Amber", "Red": "Red"}),
    # bullets under "Status:" (a scrutiny recommendation tracker's Annex A key)
    (["Status:", "·        Green: recommendation achieved – monitoring no longer required;",
      "·        Amber: acceptable progress made – continue monitoring;"], {"Green": "Green", "Amber": "Amber"}),
    # the plan's own letters: "A" is Achieved here, not Amber
    (["Key", "A = Achieved", "OT = On target", "NS = Not started"], {"A": "Blue", "OT": "Green", "NS": "Grey"}),
    # a 1-4 scale in two cells, one unmapped
    (["1\tFully achieved", "2\tOn track", "3\tSome slippage", "4\tNot achieved"],
     {"1": "Blue", "2": "Green", "3": "Amber", "4": "Red"}),
])
def test_key_layouts(config, lines, expected):
    rows = [line.split("\t") for line in lines]
    key = find_key(rows, config.scale)
    assert {e.token: e.label for e in key.entries} == expected


@pytest.mark.parametrize("lines, header", [
    (["1 Complete the audit of case files", "2 Review the threshold document"], None),   # a numbered list
    (["Introduction", "1 Background"], None),
    (["Ref\tAction\tLead\tRAG", "1\tComplete the audit\tDM\tGreen", "2\tOn track work\tDM\tAmber"], 0),
])
def test_what_is_not_a_key(config, lines, header):
    rows = [line.split("\t") for line in lines]
    assert find_key(rows, config.scale, header).entries == []


def test_a_lone_numbered_line_needs_a_whole_rating_word(config):
    assert find_key([["1 Fully Achieved"]], config.scale).words() == [("1", "Blue"), ("Fully Achieved", "Blue")]
    assert find_key([["1 Complete the audit"]], config.scale).entries == []


def test_an_unmapped_key_entry_is_kept_and_said(config):
    key = find_key([["Key"], ["1", "Fully achieved"], ["2", "Good progress made"]], config.scale)
    assert [(e.token, e.label) for e in key.entries] == [("1", "Blue"), ("2", None)]
    assert "[rag.scales]" in key.rows[2]
    assert key.words() == [("1", "Blue"), ("Fully achieved", "Blue")]


@pytest.mark.parametrize("text, label", [
    ("Tasks and or outcomes have not been met or timescale slipped.", "Red"),   # seed 001's RED
    ("Not yet started", "Grey"),                                                 # seed 001's GREY
    ("Partially complete", "Amber"),
    ("not yet achieved", None),           # qualified: unsure, never Blue
    ("Tasks and outcomes are completed or performance is on target.", None),    # two ratings
    ("(Green) on target", "Green"),
])
def test_meaning_label(config, text, label):
    assert meaning_label(config.scale, text) == label


def test_a_keys_short_meanings_are_words_of_that_plans_scale(tmp_path, config):
    """A key pairing a colour with a built-in word ("Amber - On track") reads that plan's
    "On track" as Amber; another plan, without the key, reads it Green."""
    table = ["Ref\tAction\tLead\tDue\tRAG", "1\tAudit of cases\tDM\tMarch 2017\tOn track",
             "2\tRefresh the threshold document\tDM\tMarch 2017\tComplete"]
    keyed = plan_of(tmp_path, [*table, "", "Key", "Amber - On track", "Green - Complete"], config, "keyed.txt")
    plain = plan_of(tmp_path, table, config, "plain.txt")
    assert [a.rag for a in keyed.actions] == ["Amber", "Green"]
    assert [a.rag for a in plain.actions] == ["Green", "Blue"]


def test_rows_of_the_table_never_make_a_key(tmp_path, config):
    """Actions with only a ref and a rating, or a ref and words that start with a rating word,
    stay actions: a key never takes a cell of the rating column, and without a title it needs
    entries that name their rating plainly."""
    rated = plan_of(tmp_path, ["Ref\tAction\tLead\tDue\tRAG", "1\t\t\t\tGreen", "2\t\t\t\tAmber",
                               "3\t\t\t\tRed"], config, "rated.txt")
    worded = plan_of(tmp_path, ["Ref\tAction\tLead\tDue\tRAG", "1\tComplete the audit of case files",
                                "2\tOn track reporting to be introduced"], config, "worded.txt")
    assert [a.ref for a in rated.actions] == ["1", "2", "3"]
    assert [a.ref for a in worded.actions] == ["1", "2"]
    assert not any(s.reason.startswith("key") for s in rated.skipped + worded.skipped)


def test_a_number_the_key_leaves_out_is_unknown_and_the_message_gives_the_key(tmp_path, config):
    """The stored copy of Stockton's update keeps only "1 Fully Achieved": its "2"s are not
    guessed, and the message says what the key does say."""
    plan = plan_of(tmp_path, STOCKTON[:-1], config)
    assert [a.rag for a in plan.actions] == [None, None, None, "Blue"]
    problem = plan.actions[0].rating.problem
    assert "(1 = Blue)" in problem and "[rag.scales]" in problem


def test_inside_the_table_only_a_titled_key_counts(tmp_path, config):
    """Two actions with only a ref and a progress word ("1 | Complete", "2 | On track") in the
    middle of the table stay actions; the same rows after the table are a key."""
    header = "Ref\tAction\tLead\tDue\tRAG\tProgress"
    rows = ["3\tAudit of cases\tDM\tMarch 2017\t1\tDone", "1\tComplete", "2\tOn track",
            "4\tRefresh the thresholds\tDM\tMarch 2017\t2\tStarted"]
    inside = plan_of(tmp_path, [header, rows[0], rows[1], rows[2], rows[3]], config, "inside.txt")
    after = plan_of(tmp_path, [header, rows[0], rows[3], "", rows[1], rows[2]], config, "after.txt")
    assert [a.ref for a in inside.actions] == ["3", "1", "2", "4"]
    assert [(a.ref, a.rag) for a in after.actions] == [("3", "Blue"), ("4", "Green")]


# "ANNEX A - Scrutiny Recommendation Tracker (DRAFT EXAMPLE)" (tests/fixtures/unseen/README.md):
# a key to the columns and to the status words after the table.
TRACKER = HERE / "fixtures" / "unseen" / "scrutiny_tracker_annex_a.docx"


def test_a_key_to_the_columns_after_the_table_makes_no_actions(config):
    plan = read_plan(TRACKER, config)
    assert [a.ref for a in plan.actions][-1] == "SR (23/24) 19" and len(plan.actions) == 5
    keyed = {s.row: s.reason for s in plan.skipped}
    assert keyed[14].startswith("key: its title") and keyed[22].startswith("key: the words of column 'Status'")
    assert keyed[17] == "key: what column 'Date' holds"


def test_a_date_the_plans_key_says_is_a_meeting_is_not_the_due(config):
    plan = read_plan(TRACKER, config)
    assert "due" not in plan.columns and all(a.due is None for a in plan.actions)
    date = next(c for c in plan.reading.columns if c.header == "Date")
    assert date.field is None and "Date of the Committee meeting" in date.reason and '--map "Date=due"' in date.reason


def test_a_map_still_reads_that_date_as_due(config):
    plan = read_plan(TRACKER, with_column_map(config, ["Date=due"]))
    assert plan.actions[0].due is not None and plan.actions[0].due.isoformat() == "2026-01-01"


@pytest.mark.parametrize(("meaning", "event"), [
    ("Date of the Committee meeting recommendation was agreed.", True),
    ("Date recommendation was considered by Executive.", True),
    ("Date by which the action is to be completed", False),
    ("Target date agreed with the lead", False),
    ("The date", False),
])
def test_names_an_event(meaning, event):
    assert names_an_event(meaning) is event


def test_a_column_key_needs_two_lines_naming_headers():
    headers = ["Ref", "Action", "Date", "Status"]
    rows = [headers, ["1", "Do it", "01/01/26", "Green"], [], ["Date: Date of the meeting."]]
    assert find_column_key(rows, headers, 0, 1).rows == {}
    rows.append(["Action:What was agreed."])
    assert set(find_column_key(rows, headers, 0, 1).rows) == {3, 4}


def test_a_key_colour_meaning_another_rating_is_noted_not_changed(config):
    plan = read_plan(TRACKER, config)
    assert any(n.startswith("the plan's key says Green means 'recommendation achieved") and "Blue" in n
               for n in plan.notes)
    assert [a.rag for a in plan.actions][:4] == ["Blue", "Amber", "Amber", "Blue"]


def test_without_its_key_a_bare_date_is_the_due_with_a_way_out(tmp_path, config):
    """The header alone cannot tell a committee's date from a due date: read as due, and
    `xlplan columns` says how to keep it as it is."""
    plan = plan_of(tmp_path, ["Reference\tDate\tRecommendation\tLead Officer\tStatus",
                              "SR (25/26) 01\t01/01/26\tThat XYZ be completed\tDM\tOngoing",
                              "SR (25/26) 02\t01/02/26\tThat ABC be completed\tPL\tComplete"], config)
    assert plan.columns["due"] == 1
    date = next(c for c in plan.reading.columns if c.header == "Date")
    assert 'map it with --map "Date=extra"' in date.reason
