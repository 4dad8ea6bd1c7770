"""compare: two versions of a plan, matched by ref."""

import datetime as dt
import json

from conftest import write_rows
from openpyxl import load_workbook

from xlplan.changes import compare
from xlplan.cli import main
from xlplan.plan import read_plan

AS_OF = dt.date(2009, 5, 31)
HEADER = ["Ref", "Action", "Lead", "Due", "RAG", "Progress", "Updated"]
BASE = [
    ["1.1", "Define objectives for the HSCB", "DCS", "Apr 09", "Amber", "Clarity since restructure", None],
    ["1.2", "Integrate safeguarding into delivery plans", "Outcome Group leads", "Apr 09", "Amber", "Draft plans", None],
    ["2.3", "Review business plan", "HSCB Business Manager", "Mar 09", "Red", "Development day in June", None],
    ["3.1", "Record all CRB checks", "Assistant Chief Executive (HR)", "Apr 09", "Green", "Being undertaken", None],
    ["4.12", "Schedule migration to Frameworki", "Head of Safeguarding", "Apr 09", "Red", "Not possible until EDRMS", None],
]


def run(tmp_path, config, old_rows, new_rows, as_of=AS_OF):
    old = read_plan(write_rows(tmp_path / "old.xlsx", [HEADER, *old_rows]), config)
    new = read_plan(write_rows(tmp_path / "new.xlsx", [HEADER, *new_rows]), config)
    return compare(old, new, config, as_of=as_of)


def changed(row, **fields):
    out = list(row)
    for name, value in fields.items():
        out[HEADER.index(name.capitalize() if name != "rag" else "RAG")] = value
    return out


def kinds(result, kind):
    return {c.ref: c for c in result.changes if c.change == kind}


def test_nothing_changed_lists_open_actions_without_update(tmp_path, config):
    result = run(tmp_path, config, BASE, BASE)
    # 3.1 is Green past its due date: complete, so never "no update"
    assert set(kinds(result, "no-update")) == {"1.1", "1.2", "2.3", "4.12"}
    assert len(result.changes) == 4


def test_rating_directions(tmp_path, config):
    new = [changed(BASE[0], rag="Green"), changed(BASE[1], rag="Red"), changed(BASE[2], rag="Grey"), *BASE[3:]]
    rag = kinds(run(tmp_path, config, BASE, new), "rag")
    assert {r: (c.old, c.new, c.direction) for r, c in rag.items()} == {
        "1.1": ("Amber", "Green", "improved"), "1.2": ("Amber", "Red", "worsened"), "2.3": ("Red", "Grey", "moved")}


def test_reordered_rows_are_not_changes(tmp_path, config):
    result = run(tmp_path, config, BASE, list(reversed(BASE)))
    assert {c.change for c in result.changes} == {"no-update"}


def test_inserted_and_deleted_rows(tmp_path, config):
    new = [BASE[0], ["1.5", "Publish the threshold document", "DCS", "Jun 09", "Amber", "Drafted", None], *BASE[2:]]
    result = run(tmp_path, config, BASE, new)
    assert set(kinds(result, "added")) == {"1.5"} and set(kinds(result, "removed")) == {"1.2"}
    assert result.counts["added"] == 1 and result.counts["removed"] == 1
    assert "1.1" in kinds(result, "no-update")                 # rows below moved, still matched


def test_renumbered_is_not_removed_and_added(tmp_path, config):
    new = [BASE[0], changed(BASE[1], ref="1.3"), *BASE[2:]]
    result = run(tmp_path, config, BASE, new)
    assert kinds(result, "renumbered")["1.3"].old == "1.2"
    assert not kinds(result, "added") and not kinds(result, "removed")


def test_duplicate_refs_are_reported_not_paired(tmp_path, config):
    new = [*BASE, ["2.3", "Another business plan action", "DCS", "Jun 09", "Amber", "New", None]]
    result = run(tmp_path, config, BASE, new)
    dup = kinds(result, "duplicate-ref")["2.3"]
    assert (dup.old, dup.new) == (1, 2)
    assert "2.3" not in kinds(result, "no-update") and "2.3" not in kinds(result, "rag")


def test_progress_due_and_lead(tmp_path, config):
    new = [changed(BASE[0], progress="PIs agreed at the board"), changed(BASE[1], due="Jul 09"),
           changed(BASE[2], lead="HSCB Chair"), *BASE[3:]]
    result = run(tmp_path, config, BASE, new)
    assert kinds(result, "progress")["1.1"].new == "PIs agreed at the board"
    assert (kinds(result, "due")["1.2"].old, kinds(result, "due")["1.2"].new) == (dt.date(2009, 4, 30), dt.date(2009, 7, 31))
    assert kinds(result, "lead")["2.3"].new == "HSCB Chair"
    assert "1.1" not in kinds(result, "no-update")             # a new statement is an update
    assert "1.2" in kinds(result, "no-update")                 # a new due date is not


def test_rewording_the_action_is_not_an_update(tmp_path, config):
    new = [changed(BASE[0], action="Define and publish objectives for the HSCB"), *BASE[1:]]
    result = run(tmp_path, config, BASE, new)
    assert "1.1" in kinds(result, "action") and "1.1" in kinds(result, "no-update")


def test_a_newer_last_updated_date_is_an_update(tmp_path, config):
    old = [changed(BASE[0], updated=dt.datetime(2009, 5, 1)), *BASE[1:]]
    new = [changed(BASE[0], updated=dt.datetime(2009, 5, 28)), changed(BASE[1], updated=dt.datetime(2009, 5, 1)), *BASE[2:]]
    result = run(tmp_path, config, old, new)
    assert "1.1" not in kinds(result, "no-update")            # "no change", confirmed on 28 May
    assert "1.2" not in kinds(result, "no-update")            # a date where there was none
    result = run(tmp_path, config, old, old)
    assert "1.1" in kinds(result, "no-update")                # the same date is no update


def test_completed_actions_are_never_no_update(tmp_path, config):
    done = [changed(BASE[0], rag="Blue"), changed(BASE[1], rag="Green", progress="Completed in April"), *BASE[2:]]
    result = run(tmp_path, config, done, done, as_of=dt.date(2009, 4, 1))
    assert not {"1.1", "1.2"} & set(kinds(result, "no-update"))
    assert "3.1" in kinds(result, "no-update")                # Green, not yet due: on target, open


def test_compare_json_matches_the_contract(tmp_path, capsys):
    old = write_rows(tmp_path / "old.xlsx", [HEADER, *BASE])
    new = write_rows(tmp_path / "new.xlsx", [HEADER, changed(BASE[0], rag="Green"), *BASE[1:]])
    assert main(["compare", str(old), str(new), "--as-of", "2009-05-31", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["old"] == str(old) and data["new"] == str(new)
    assert {"ref": "1.1", "change": "rag", "old": "Amber", "new": "Green", "direction": "improved"}.items() <= data["changes"][0].items()
    assert data["counts"] == {**data["counts"], "improved": 1, "worsened": 0, "no-update": 3, "added": 0, "removed": 0}


def test_changes_sheet(tmp_path, capsys):
    old = write_rows(tmp_path / "old.xlsx", [HEADER, *BASE])
    new = write_rows(tmp_path / "new.xlsx", [HEADER, changed(BASE[0], rag="Green"), changed(BASE[1], rag="Red"), *BASE[2:]])
    target = tmp_path / "changes.xlsx"
    assert main(["compare", str(old), str(new), "--as-of", "2009-05-31", "-o", str(target)]) == 0
    ws = load_workbook(target)["Changes"]
    rows = {(r[1].value, r[2].value): r for r in ws.iter_rows(min_row=4) if r[0].value is not None or r[1].value}
    green = rows[("1.1", "rag")]
    assert green[4].value == "Green" and green[4].fill.fgColor.rgb[-6:] == "00B050"
    assert green[5].value == "▲ improved" and rows[("1.2", "rag")][5].value == "▼ worsened"
    leads = [r[0].value for r in ws.iter_rows(min_row=4)]
    assert leads == sorted(leads, key=str.casefold)          # grouped by lead


def test_rewording_is_judged_the_same_with_or_without_the_regular_expression():
    import random
    import re

    from xlplan.changes import _text_key

    rng = random.Random(1)
    alphabet = list("abcXYZ019 .,;:-_\n\t!?()/&") + ["é", "ß", "\u00a0"]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 15)))
        assert _text_key(text) == re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip(), repr(text)
