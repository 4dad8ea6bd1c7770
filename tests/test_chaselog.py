"""Who was chased for what, and when: read back from the drafts' records and the sent log."""

import datetime as dt
import json

from conftest import write_rows

from xlplan.chaselog import DRAFTS_MANIFEST, SENT_LOG, chased_before, plan_key
from xlplan.cli import main

HEADER = ["Ref", "Action", "Lead", "Due", "RAG", "Progress"]
LEADS = [["Lead", "Email"], ["DCS", "dcs@example.org"], ["HR Lead", "hr@example.org"]]


def plan(tmp_path, name, rows):
    return write_rows(tmp_path / name, [HEADER, *rows], extra_sheets={"Leads": LEADS})


def test_drafts_written_are_the_record_of_chasing(tmp_path, capsys):
    one = plan(tmp_path, "one.xlsx", [["1.1", "a", "DCS", "Jan 09", "Red", None], ["1.2", "b", "HR Lead", "Jan 09", "Amber", "x"]])
    assert main(["chase", str(one), "--as-of", "2009-05-04", "--outbox", str(tmp_path / "out"), "--json"]) == 0
    capsys.readouterr()
    chased, sent = chased_before(tmp_path / "out", one, dt.date(2009, 5, 11))
    assert sent == {}                                                                  # drafts only
    assert chased == {"1.1": [dt.date(2009, 5, 4)], "1.2": [dt.date(2009, 5, 4)]}
    assert chased_before(tmp_path / "out", one, dt.date(2009, 5, 4))[0] == {}            # not before that day
    assert chased_before(tmp_path / "out", tmp_path / "copy" / "one.xlsx", dt.date(2009, 5, 11))[0] == {}  # another file


def test_another_plans_drafts_in_the_same_folder_are_kept(tmp_path, capsys):
    """Two plans chased into one outbox on one day: neither run removes the other's drafts,
    and each plan's record names only its own refs."""
    one = plan(tmp_path, "one.xlsx", [["1.1", "a", "DCS", "Jan 09", "Red", None]])
    two = plan(tmp_path, "two.xlsx", [["9.9", "z", "DCS", "Jan 09", "Red", None]])
    out = ["--as-of", "2009-05-04", "--outbox", str(tmp_path / "out"), "--json"]
    assert main(["chase", str(one), *out]) == 0 and main(["chase", str(two), *out]) == 0
    capsys.readouterr()
    names = sorted(p.name for p in (tmp_path / "out" / "2009-05-04").glob("*.eml"))
    assert names == ["DCS-2.eml", "DCS.eml"]
    later = dt.date(2009, 5, 11)
    assert chased_before(tmp_path / "out", one, later)[0] == {"1.1": [dt.date(2009, 5, 4)]}
    assert chased_before(tmp_path / "out", two, later)[0] == {"9.9": [dt.date(2009, 5, 4)]}


def test_a_draft_listed_but_never_written_is_not_chasing(tmp_path):
    folder = tmp_path / "out" / "2009-05-04"
    folder.mkdir(parents=True)
    key = plan_key(tmp_path / "one.xlsx")
    (folder / DRAFTS_MANIFEST).write_text(json.dumps({"drafts": {
        "DCS.eml": {"lead": "DCS", "refs": ["1.1"], "plan": key},
        "HR-Lead.eml": {"lead": "HR Lead", "refs": ["1.2"], "plan": key},
        "../escape.eml": {"lead": "X", "refs": ["1.3"], "plan": key}}}))
    (folder / "DCS.eml").write_text("a draft")
    (tmp_path / "out" / "escape.eml").write_text("not in the folder")
    assert chased_before(tmp_path / "out", tmp_path / "one.xlsx", dt.date(2009, 5, 11))[0] == {"1.1": [dt.date(2009, 5, 4)]}


def test_messages_sent_count_and_damaged_lines_do_not(tmp_path):
    (tmp_path / "out").mkdir()
    key = plan_key(tmp_path / "one.xlsx")
    lines = [json.dumps({"plan": "one.xlsx", "plan_path": key, "refs": ["2.1"], "as_of": "2009-05-04"}),
             '{"plan": "one.xlsx", "refs": [',
             json.dumps({"plan": "one.xlsx", "plan_path": "/elsewhere/one.xlsx", "refs": ["2.2"], "as_of": "2009-05-04"})]
    (tmp_path / "out" / SENT_LOG).write_text("\n".join(lines) + "\n")
    assert chased_before(tmp_path / "out", tmp_path / "one.xlsx", dt.date(2009, 5, 11)) == (
        {"2.1": [dt.date(2009, 5, 4)]}, {"2.1": [dt.date(2009, 5, 4)]})
