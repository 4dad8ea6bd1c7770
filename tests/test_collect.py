"""`xlplan collect`: returned update requests merged into the shared workbook three ways (as
sent, as returned, the shared workbook now), conflicts and refusals reported, nothing else
touched, and the same return collected twice changing nothing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from conftest import parts, values

from xlplan.cli import main
from xlplan.config import load_config
from xlplan.plan import read_plan
from xlplan.requests import issue_requests, read_register
from xlplan.workbook.request import HEADERS, SHEET

AS_OF = "2026-11-23"
PLAN = Path("workbooks/plan.xlsx")


# -- helpers -------------------------------------------------------------------------------------

def issue(project, leads=None):
    result = issue_requests(PLAN, load_config(), as_of=AS_OF, outbox=project / "out", leads=leads)
    return {r.lead: r for r in result.requests}


def edit_return(request: Path, out: Path, edits: dict[tuple[str, str], object], *, change=None) -> Path:
    """A lead's return saved by openpyxl: edits[(ref, field)] = value; `change(ws)` does more."""
    wb = openpyxl.load_workbook(request)
    ws = wb[SHEET]
    header = [c.value for c in ws[4]]
    rows = {ws.cell(r, 1).value: r for r in range(5, ws.max_row + 1)}
    for (ref, field), value in edits.items():
        ws.cell(rows[ref], header.index(HEADERS[field]) + 1).value = value
    if change:
        change(ws)
    wb.save(out)
    return out


def collect(capsys, *args) -> tuple[int, dict]:
    code = main(["collect", str(PLAN), *map(str, args), "--as-of", AS_OF, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}




def action(ref: str):
    return next(a for a in read_plan(PLAN, load_config()).actions if a.ref == ref)


def cell_changes(before: dict, after: dict) -> set[tuple[str, int, int]]:
    out = set()
    for sheet in before:
        a, b = before[sheet], after[sheet]
        for r in range(max(len(a), len(b))):
            ra = a[r] if r < len(a) else ()
            rb = b[r] if r < len(b) else ()
            for c in range(max(len(ra), len(rb))):
                va = ra[c] if c < len(ra) else None
                vb = rb[c] if c < len(rb) else None
                if va != vb:
                    out.add((sheet, r + 1, c))
    return out


# -- applied, and nothing else -------------------------------------------------------------------

def test_a_leads_edits_are_applied_and_nothing_else_changes(project, capsys):
    requests = issue(project)
    dcs = requests["DCS"].workbook
    before_parts, before_values = parts(PLAN), values(PLAN)
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "rag"): "Red",
                                                   ("2.7", "progress"): "Manager back; standards drafted"})
    code, data = collect(capsys, ret)
    assert code == 0, data
    assert [(a["ref"], a["field"], a["new"]) for a in data["applied"]] == [
        ("2.2", "rag", "Red"), ("2.7", "progress", "Manager back; standards drafted")]
    assert data["applied"][0]["old"] == "Amber" and data["applied"][0]["lead"] == "DCS"
    assert not data["conflicts"] and not data["refused"]
    plan = read_plan(PLAN, load_config())
    cols = plan.columns
    rows = {a.ref: a.row for a in plan.actions}
    assert action("2.2").rag == "Red" and action("2.7").progress == "Manager back; standards drafted"
    assert action("2.2").updated == action("2.7").updated == dt.date(2026, 11, 23)
    assert action("1.1").updated is None
    # exactly those cells changed; every other part of the file byte for byte
    assert cell_changes(before_values, values(PLAN)) == {
        ("Plan", rows["2.2"], cols["rag"]), ("Plan", rows["2.7"], cols["progress"]),
        ("Plan", rows["2.2"], cols["updated"]), ("Plan", rows["2.7"], cols["updated"])}
    after_parts = parts(PLAN)
    assert list(after_parts) == list(before_parts)
    assert [n for n in before_parts if before_parts[n] != after_parts[n]] == ["xl/worksheets/sheet1.xml"]
    backups = list((project / "workbooks" / "backups").glob("plan.*.xlsx"))
    assert len(backups) == 1 and parts(backups[0]) == before_parts
    # the Updated date is a date, shown as one
    wb = openpyxl.load_workbook(PLAN)
    updated = wb["Plan"].cell(rows["2.2"], cols["updated"] + 1)
    assert updated.is_date and updated.value.date() == dt.date(2026, 11, 23)


def test_the_same_return_collected_twice_changes_nothing(project, capsys):
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "New words"})
    assert collect(capsys, ret)[0] == 0
    once = PLAN.read_bytes()
    register = read_register(load_config())
    code, data = collect(capsys, ret)
    assert code == 0 and data["applied"] == [] and not data["written"]
    assert PLAN.read_bytes() == once
    assert read_register(load_config()) == register
    assert len(list((project / "workbooks" / "backups").glob("*.xlsx"))) == 1


def test_a_cell_changed_in_the_return_and_in_the_shared_workbook_is_a_conflict(project, capsys):
    dcs = issue(project)["DCS"].workbook
    plan = read_plan(PLAN, load_config())
    row = next(a.row for a in plan.actions if a.ref == "2.7")
    wb = openpyxl.load_workbook(PLAN)                   # the business manager edits the shared workbook
    wb["Plan"].cell(row, plan.columns["progress"] + 1).value = "Manager's own note"
    wb.save(PLAN)
    ret = edit_return(dcs, project / "back.xlsx", {("2.7", "progress"): "Lead's words",
                                                   ("2.7", "rag"): "Amber"})
    before = values(PLAN)
    code, data = collect(capsys, ret)
    assert code == 1
    assert data["conflicts"] == [{"ref": "2.7", "field": "progress",
                                  "sent": "Process begun but on hold while HSCB Manager off sick",
                                  "returned": "Lead's words", "now": "Manager's own note", "lead": "DCS"}]
    assert [(a["ref"], a["field"]) for a in data["applied"]] == [("2.7", "rag")]
    assert action("2.7").progress == "Manager's own note" and action("2.7").rag == "Amber"
    assert len(cell_changes(before, values(PLAN))) == 2      # the rating and its Updated date


def test_the_same_change_made_in_both_is_not_a_conflict(project, capsys):
    dcs = issue(project)["DCS"].workbook
    plan = read_plan(PLAN, load_config())
    row = next(a.row for a in plan.actions if a.ref == "2.7")
    wb = openpyxl.load_workbook(PLAN)
    wb["Plan"].cell(row, plan.columns["progress"] + 1).value = "Same words"
    wb.save(PLAN)
    ret = edit_return(dcs, project / "back.xlsx", {("2.7", "progress"): "Same words"})
    code, data = collect(capsys, ret)
    assert code == 0 and data["applied"] == [] and data["conflicts"] == []


def test_two_leads_of_a_joint_action_changing_it_differently(project, capsys):
    requests = issue(project)
    joint = [a for a in read_plan(PLAN, load_config()).actions if a.lead == "HSCB Chair / Business Manager"]
    ref = joint[0].ref
    chair, manager = requests["HSCB Chair"].workbook, requests["HSCB Business Manager"].workbook
    one = edit_return(chair, project / "chair.xlsx", {(ref, "progress"): "Chair's update"})
    two = edit_return(manager, project / "manager.xlsx", {(ref, "progress"): "Manager's update"})
    code, data = collect(capsys, one, two)
    assert code == 1
    assert [(a["ref"], a["lead"]) for a in data["applied"]] == [(ref, "HSCB Chair")]
    assert [(c["ref"], c["lead"], c["now"]) for c in data["conflicts"]] == [(ref, "HSCB Business Manager",
                                                                             "Chair's update")]
    assert action(ref).progress == "Chair's update"


# -- refused -------------------------------------------------------------------------------------

def test_a_locked_cell_edited_is_refused_and_the_rest_applied(project, capsys):
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("1.1", "action"): "Something else entirely",
                                                   ("1.3", "due"): "31/12/2027", ("1.1", "progress"): "Done more"})
    before = action("1.1")
    code, data = collect(capsys, ret)
    assert code == 1
    assert sorted((r["ref"], r["field"]) for r in data["refused"]) == [("1.1", "action"), ("1.3", "due")]
    assert all("locked" in r["why"] and "\n" not in r["why"] for r in data["refused"])
    # openpyxl edited the cells with the sheet still protected: the message does not guess how
    assert all("protection" not in r["why"] and r["why"].endswith("locked in the request, so it is not applied")
               for r in data["refused"])
    assert [(a["ref"], a["field"]) for a in data["applied"]] == [("1.1", "progress")]
    assert action("1.1").action == before.action and action("1.3").due == dt.date(2009, 4, 30)


def test_a_row_of_another_leads_action_is_refused(project, capsys):
    requests = issue(project)
    dcs = requests["DCS"].workbook
    theirs = requests["HSCB Business Manager"].refs[0]
    before = action(theirs)

    def add_row(ws):
        ws.append([theirs, "x", "x", "Green", "Taken over by DCS"])

    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "Moved on"}, change=add_row)
    code, data = collect(capsys, ret)
    assert code == 1
    assert [(r["ref"], r["field"]) for r in data["refused"]] == [(theirs, "row")]
    assert "not one of the actions sent to DCS" in data["refused"][0]["why"]
    assert action(theirs).progress == before.progress and action(theirs).rag == before.rag
    assert [a["ref"] for a in data["applied"]] == ["2.2"]


def test_a_superseded_request_is_refused(project, capsys):
    old = issue(project)["DCS"].workbook
    stale = project / "stale.xlsx"
    shutil.copy(old, stale)
    issue(project, leads=["DCS"])                        # a newer request to the same lead
    ret = edit_return(stale, project / "back.xlsx", {("2.2", "progress"): "Old news"})
    before = PLAN.read_bytes()
    code, data = collect(capsys, ret)
    assert code == 1 and len(data["refused"]) == 1
    assert "replaced" in data["refused"][0]["why"] and data["refused"][0]["why"].count(".") <= 1
    assert PLAN.read_bytes() == before and data["applied"] == []


def test_a_request_for_another_plan_is_refused(project, capsys):
    other = project / "workbooks" / "other.xlsx"
    shutil.copy(PLAN, other)
    result = issue_requests(other, load_config(), as_of=AS_OF, outbox=project / "other-out")
    dcs = next(r for r in result.requests if r.lead == "DCS").workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "Wrong plan"})
    before = PLAN.read_bytes()
    code, data = collect(capsys, ret)
    assert code == 1 and "another plan" in data["refused"][0]["why"]
    assert PLAN.read_bytes() == before


def test_a_request_for_another_plan_is_refused_even_when_the_register_does_not_hold_it(project, capsys):
    """A copy of the plan issued from another history folder: the file's plan digest tells."""
    other = project / "workbooks" / "other.xlsx"
    shutil.copy(PLAN, other)
    result = issue_requests(other, load_config(), as_of=AS_OF, outbox=project / "other-out")
    dcs = next(r for r in result.requests if r.lead == "DCS").workbook
    from xlplan.requests import register_path

    register_path(load_config()).unlink()                             # as if issued elsewhere
    issue(project)
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "Wrong plan"})
    before = PLAN.read_bytes()
    code, data = collect(capsys, ret)
    assert code == 1 and len(data["refused"]) == 1
    assert "for another plan (other.xlsx)" in data["refused"][0]["why"]
    assert PLAN.read_bytes() == before


def _not_a_request(project, request):
    path = project / "notarequest.xlsx"
    shutil.copy(PLAN, path)
    return path


def _damaged(project, request):
    path = project / "damaged.xlsx"
    path.write_bytes(request.read_bytes()[:3000])
    return path


def _password(project, request):
    path = project / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 500)
    return path


def _rows_deleted(project, request):
    return edit_return(request, project / "deleted.xlsx", {("2.2", "progress"): "x"},
                       change=lambda ws: ws.delete_rows(6))


def _header_gone(project, request):
    return edit_return(request, project / "noheader.xlsx", {}, change=lambda ws: ws.delete_rows(4))


@pytest.mark.parametrize("make, words", [
    (_not_a_request, "is not an xlplan update request"),
    (_damaged, "damaged"),
    (_password, "password-protected"),
    (_rows_deleted, "was deleted from the return"),
    (_header_gone, "header row"),
])
def test_an_unusable_return_is_refused_in_one_sentence_and_nothing_written(project, capsys, make, words):
    dcs = issue(project)["DCS"].workbook
    path = make(project, dcs)
    before = PLAN.read_bytes()
    code, data = collect(capsys, path)
    assert code == 1
    assert len(data["refused"]) == 1
    why = data["refused"][0]["why"]
    assert words in why and "\n" not in why and path.name in why
    assert PLAN.read_bytes() == before and data["applied"] == [] and not data["written"]


def test_a_formula_in_a_return_is_refused(project, capsys):
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "=HYPERLINK(\"http://x\",\"y\")",
                                                   ("2.7", "progress"): "=not a formula, typed as text"},
                      change=lambda ws: setattr(ws["E6"], "data_type", "s"))
    code, data = collect(capsys, ret)
    assert code == 1
    assert [(r["ref"], r["field"]) for r in data["refused"]] == [("2.2", "progress")]
    assert "formula" in data["refused"][0]["why"]
    assert action("2.7").progress == "=not a formula, typed as text"
    assert not action("2.2").progress.startswith("=")
    assert values(PLAN)["Plan"]            # still a readable workbook


def test_a_rating_that_is_not_one_is_refused(project, capsys):
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "rag"): "Purple"})
    code, data = collect(capsys, ret)
    assert code == 1 and "not a rating" in data["refused"][0]["why"]
    assert action("2.2").rag == "Amber"


# -- matching --------------------------------------------------------------------------------------

def test_rows_are_matched_by_ref_whatever_the_order_or_an_inserted_column(project, capsys):
    dcs = issue(project)["DCS"].workbook

    def shuffle(ws):
        table = [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=ws.max_row)]
        for r, row in enumerate(reversed(table), start=5):
            for c, value in enumerate(row, start=1):
                ws.cell(r, c).value = value
        ws.insert_cols(2)
        ws.cell(4, 2).value = "My notes"
        ws.cell(5, 2).value = "private jottings"

    ret = edit_return(dcs, project / "back.xlsx", {("1.3", "progress"): "Embedded now", ("2.2", "rag"): "Green"},
                      change=shuffle)
    code, data = collect(capsys, ret)
    assert code == 0, data
    assert sorted((a["ref"], a["field"], a["new"]) for a in data["applied"]) == [
        ("1.3", "progress", "Embedded now"), ("2.2", "rag", "Green")]
    assert action("1.3").progress == "Embedded now"


def test_a_return_written_by_xlsxwriter(project, capsys):
    import xlsxwriter

    dcs = issue(project)["DCS"].workbook
    source = openpyxl.load_workbook(dcs)
    out = project / "from-xlsxwriter.xlsx"
    wb = xlsxwriter.Workbook(out)
    for name in (SHEET, "xlplan"):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(source[name].iter_rows(values_only=True)):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write_string(r, c, str(value))
    wb.worksheets()[0].write_string(4, 4, "Rewritten by a script")     # 2.2's progress (row 5, column E)
    wb.close()
    code, data = collect(capsys, out)
    assert code == 0, data
    assert [(a["ref"], a["field"]) for a in data["applied"]] == [("2.2", "progress")]


def test_returns_in_an_email_and_a_folder(project, capsys):
    requests = issue(project)
    folder = project / "inbox"
    folder.mkdir()
    one = edit_return(requests["DCS"].workbook, project / "dcs.xlsx", {("2.2", "progress"): "By email"})
    message = EmailMessage()
    message["Subject"] = "RE: update request"
    message.set_content("Here it is.")
    message.add_attachment(one.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename="my update.xlsx")
    (folder / "reply.eml").write_bytes(bytes(message))
    ref = requests["HSCB Chair"].refs[0]
    edit_return(requests["HSCB Chair"].workbook, folder / "chair.xlsx", {(ref, "progress"): "From the folder"})
    (folder / "~$chair.xlsx").write_bytes(b"lock")           # Excel's lock file: not a return
    code, data = collect(capsys, folder)
    assert code == 0, data
    assert sorted(a["lead"] for a in data["applied"]) == ["DCS", "HSCB Chair"]
    assert action("2.2").progress == "By email" and action(ref).progress == "From the folder"
    assert any(r["file"].endswith("reply.eml: my update.xlsx") for r in data["returns"])


def test_an_email_without_a_workbook_is_refused(project, capsys):
    issue(project)
    message = EmailMessage()
    message.set_content("I will send it tomorrow")
    (project / "reply.eml").write_bytes(bytes(message))
    code, data = collect(capsys, project / "reply.eml")
    assert code == 1 and "no workbook" in data["refused"][0]["why"]


def test_msg_without_its_package_is_one_sentence(project, capsys, monkeypatch):
    issue(project)
    monkeypatch.setitem(sys.modules, "extract_msg", None)      # as if not installed
    (project / "reply.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    code, data = collect(capsys, project / "reply.msg")
    assert code == 1
    why = data["refused"][0]["why"]
    assert ".msg" in why and "save the attachment" in why and "\n" not in why


# -- due dates -------------------------------------------------------------------------------------

def test_a_proposed_due_date_is_listed_and_applied_only_when_accepted(project, capsys):
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.7", "new_due"): dt.datetime(2027, 3, 31),
                                                   ("2.7", "due_reason"): "Manager off sick"})
    before = PLAN.read_bytes()
    code, data = collect(capsys, ret)
    assert code == 0 and data["applied"] == []
    assert data["proposed_due"] == [{"ref": "2.7", "lead": "DCS", "due": "31/03/2009", "proposed": "2027-03-31",
                                     "reason": "Manager off sick", "accepted": False}]
    assert PLAN.read_bytes() == before
    code, data = collect(capsys, ret, "--accept-due", "2.7")
    assert code == 0
    assert [(a["ref"], a["field"]) for a in data["applied"]] == [("2.7", "due")]
    after = action("2.7")
    assert after.due == dt.date(2027, 3, 31) and after.due_info.extended
    assert "31/03/2009" in after.due_text                          # the original kept beside the new one
    code, data = collect(capsys, ret, "--accept-due", "2.7")
    assert code == 0 and data["applied"] == []


def test_accept_due_for_a_ref_nobody_proposed_is_refused(project, capsys):
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.7", "progress"): "x"})
    before = PLAN.read_bytes()
    code = main(["collect", str(PLAN), str(ret), "--accept-due", "9.9", "--as-of", AS_OF])
    assert code == 2 and "9.9" in capsys.readouterr().err
    assert PLAN.read_bytes() == before


# -- writing safely ------------------------------------------------------------------------------

def test_collect_refuses_while_the_workbook_is_open(project, capsys):
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "x"})
    (project / "workbooks" / "~$plan.xlsx").write_bytes(b"\x05Alice" + b"\0" * 160)
    before = PLAN.read_bytes()
    code = main(["collect", str(PLAN), str(ret), "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert code == 2 and "open" in err and "Alice" in err
    assert PLAN.read_bytes() == before and not (project / "workbooks" / "backups").exists()


def test_plan_defaults_to_the_shared_workbook_and_outstanding_lists_the_rest(project, capsys):
    requests = issue(project)
    ret = edit_return(requests["DCS"].workbook, project / "back.xlsx", {("2.2", "progress"): "x"})
    code = main(["collect", str(ret), "--as-of", AS_OF, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["applied"]
    assert sorted(o["lead"] for o in data["outstanding"]) == sorted(l for l in requests if l != "DCS")
    assert all(set(o) >= {"lead", "id", "issued"} for o in data["outstanding"])


def test_collect_json_shape_and_merge_sheet(project, capsys):
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "x", ("1.1", "action"): "y"})
    code = main(["collect", str(PLAN), str(ret), "--as-of", AS_OF, "--json", "-o", str(project / "merge.xlsx")])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert set(data) >= {"applied", "conflicts", "refused", "outstanding"}
    assert set(data["applied"][0]) >= {"ref", "field", "old", "new", "lead"}
    assert set(data["refused"][0]) >= {"file", "ref", "field", "why"}
    sheet = [r for r in openpyxl.load_workbook(project / "merge.xlsx")["Merge"].iter_rows(min_row=4, values_only=True)]
    outcomes = sorted((r[1], r[2]) for r in sheet if r[1] in ("applied", "refused"))
    assert outcomes == [("applied", "2.2"), ("refused", "1.1")]


def test_a_missing_return_is_an_input_error(project, capsys):
    issue(project)
    before = PLAN.read_bytes()
    code = main(["collect", str(PLAN), "nothere.xlsx", "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert code == 2 and "nothere.xlsx" in err and err.count("\n") == 1
    assert PLAN.read_bytes() == before


def test_a_lead_who_returned_their_request_counts_as_updated(project, capsys):
    from xlplan.status import read_week

    dcs = issue(project)["DCS"].workbook
    config = load_config()

    def updated(ref):
        return read_week(read_plan(PLAN, config), config, as_of=AS_OF).status.by_ref()[ref].updated

    assert updated("2.7") is False
    ret = edit_return(dcs, project / "back.xlsx", {})          # sent back with nothing changed
    code, data = collect(capsys, ret)
    assert code == 0 and data["applied"] == [] and not data["written"]
    assert updated("2.7") is True
    assert updated("3.4") is False                             # another lead's action: not returned


@pytest.mark.parametrize("error", [28, 30], ids=["disk-full", "read-only"])
def test_a_failed_write_leaves_the_shared_workbook_and_the_register_as_they_were(project, capsys, monkeypatch, error):
    from test_faults import FailingWrites

    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "x"})
    before, register = PLAN.read_bytes(), read_register(load_config())
    FailingWrites(monkeypatch, failing=1, error=error)
    code = main(["collect", str(PLAN), str(ret), "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("xlplan: ") and err.count("\n") == 1
    assert PLAN.read_bytes() == before and read_register(load_config()) == register
    assert not [p for p in project.rglob(".*") if ".tmp" in p.name]
    FailingWrites(monkeypatch, failing=0)
    code, data = collect(capsys, ret)
    assert code == 0 and [a["ref"] for a in data["applied"]] == ["2.2"]


def test_rows_inserted_in_the_shared_workbook_since_the_request(project, capsys):
    dcs = issue(project)["DCS"].workbook
    wb = openpyxl.load_workbook(PLAN)
    wb["Plan"].insert_rows(3)
    wb["Plan"].cell(3, 1).value = "0.1"
    wb["Plan"].cell(3, 3).value = "A new action"
    wb.save(PLAN)
    ret = edit_return(dcs, project / "back.xlsx", {("1.3", "progress"): "Moved down a row"})
    code, data = collect(capsys, ret)
    assert code == 0
    assert action("1.3").progress == "Moved down a row"
    assert action("0.1").action == "A new action"


def test_a_write_that_does_not_check_out_replaces_nothing(project, capsys, monkeypatch):
    import xlplan.collect

    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "x"})
    real = xlplan.collect._with_cells

    def wrong(sheet_xml, edits, styles, **kw):        # writes one cell more than it says
        (r, c), value = next(iter(edits.items()))
        xml, expected = real(sheet_xml, {**edits, (r, c + 1): "stray"}, styles, **kw)
        expected.pop((r, c + 1))
        return xml, expected

    monkeypatch.setattr(xlplan.collect, "_with_cells", wrong)
    before = PLAN.read_bytes()
    code = main(["collect", str(PLAN), str(ret), "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert code == 2 and "unexpectedly; nothing was replaced" in err
    assert PLAN.read_bytes() == before


def test_a_plan_whose_first_rows_are_empty(tmp_path, capsys, monkeypatch):
    """Row numbers count from row 1 even when the sheet's first rows and columns are empty
    (a reader that starts at the first used cell would write into the wrong row)."""
    from conftest import write_rows

    monkeypatch.chdir(tmp_path)
    plan = write_rows(tmp_path / "plan.xlsx", [[], [], [None, "Ref", "Action", "Lead", "Due", "RAG", "Progress"],
                                               [None, "1.1", "Do a thing", "DCS", "31/12/2026", "Amber", "Started"],
                                               [None, "1.2", "Do another", "DCS", "31/12/2026", "Red", "Stuck"]],
                      extra_sheets={"Leads": [["Lead", "Email"], ["DCS", "dcs@example.org"]]})
    config = load_config(search_from=tmp_path)
    result = issue_requests(plan, config, as_of=AS_OF, outbox=tmp_path / "out")
    ret = edit_return(result.requests[0].workbook, tmp_path / "back.xlsx", {("1.2", "progress"): "Unstuck"})
    assert main(["collect", str(plan), str(ret), "--as-of", AS_OF]) == 0
    capsys.readouterr()
    actions = {a.ref: a for a in read_plan(plan, config).actions}
    assert actions["1.2"].progress == "Unstuck" and actions["1.1"].progress == "Started"
    assert openpyxl.load_workbook(plan)["Plan"]["G5"].value == "Unstuck"


def test_accept_due_in_the_config_applies_every_proposed_date(project, capsys):
    (project / "config" / "xlplan.toml").write_text(
        (project / "config" / "xlplan.toml").read_text() + "\n[requests]\naccept_due = true\n")
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.7", "new_due"): "30/06/2009", ("2.7", "due_reason"): "x"})
    code, data = collect(capsys, ret)
    assert code == 0 and data["proposed_due"][0]["accepted"]
    assert action("2.7").due == dt.date(2009, 6, 30)


def test_a_damaged_first_return_is_not_taken_for_the_plan(project, capsys):
    dcs = issue(project)["DCS"].workbook
    damaged = project / "damaged.xlsx"
    damaged.write_bytes(dcs.read_bytes()[:2000])
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "x"})
    code = main(["collect", str(damaged), str(ret), "--as-of", AS_OF, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and [a["ref"] for a in data["applied"]] == ["2.2"]
    assert data["refused"][0]["file"] == str(damaged)


# -- what a person reads (the walkthrough of issue 18) ------------------------------------------

def test_the_text_report_writes_dates_for_people_and_json_keeps_iso(project, capsys):
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.7", "new_due"): dt.datetime(2027, 1, 31),
                                                   ("2.7", "due_reason"): "Manager off sick"})
    code = main(["collect", str(PLAN), str(ret), "--as-of", AS_OF])
    text = capsys.readouterr().out
    assert code == 0
    assert "2.7: 31/03/2009 -> proposed 31/01/2027" in text
    assert "issued 23/11/2026" in text and "2026-11-23" not in text and "2027-01-31" not in text
    code, data = collect(capsys, ret)
    assert data["proposed_due"][0]["proposed"] == "2027-01-31"
    assert all(o["issued"] == "2026-11-23" for o in data["outstanding"])


def test_the_merge_sheet_shows_what_was_sent_and_returned_for_a_refused_cell(project, capsys):
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("1.3", "due"): dt.datetime(2027, 3, 31),
                                                   ("2.2", "rag"): "Purple"})
    code = main(["collect", str(PLAN), str(ret), "--as-of", AS_OF, "-o", str(project / "merge.xlsx")])
    capsys.readouterr()
    assert code == 1
    sheet = openpyxl.load_workbook(project / "merge.xlsx")["Merge"]
    header = [c.value for c in sheet[3]]
    rows = {(r[2], r[3]): dict(zip(header, r)) for r in sheet.iter_rows(min_row=4, values_only=True)
            if r[1] == "refused"}
    assert rows[("1.3", "due")]["Sent / old"] == "30/04/2009"
    assert rows[("1.3", "due")]["Returned / new"] == "31/03/2027"
    assert rows[("2.2", "rag")]["Sent / old"] == "Amber" and rows[("2.2", "rag")]["Returned / new"] == "Purple"
    code, data = collect(capsys, ret)
    due = next(r for r in data["refused"] if r["field"] == "due")
    assert due["sent"] == "30/04/2009" and due["returned"] == "2027-03-31"


def test_a_refusal_is_printed_first_and_counted_in_the_last_line(project, capsys):
    issue(project)
    junk = _not_a_request(project, None)
    code = main(["collect", str(PLAN), str(junk), "--as-of", AS_OF])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0].startswith("REFUSED (1") and "is not an xlplan update request" in lines[1]
    assert sum("not yet returned" in line for line in lines) > 3          # the long list comes after
    assert "1 refused (listed first)" in lines[-1]


def test_a_return_refused_before_says_when_and_stays_refused_while_unsettled(project, capsys):
    issue(project)
    junk = _not_a_request(project, None)
    code, data = collect(capsys, junk)
    assert code == 1 and data["refused"][0]["before"] is None
    register = read_register(load_config())
    assert [r["kind"] for r in register].count("refused") == 1
    code = main(["collect", str(PLAN), str(junk), "--as-of", "2026-11-30"])
    text = capsys.readouterr().out
    assert code == 1                                     # nothing has settled it: still refused
    assert "refused before, on 23/11/2026: " in text
    code, data = collect(capsys, junk)
    assert code == 1 and data["refused"][0]["before"] == "2026-11-23" and data["settled"] == []
    assert read_register(load_config()) == register      # remembered once


def test_a_stale_return_refused_before_is_settled_once_the_leads_newer_return_is_read(project, capsys):
    old = issue(project)["DCS"].workbook
    stale = edit_return(old, project / "stale.xlsx", {("2.2", "progress"): "Old news"})
    newer = issue(project, leads=["DCS"])["DCS"].workbook
    code, data = collect(capsys, stale)
    assert code == 1 and len(data["refused"]) == 1
    fresh = edit_return(newer, project / "fresh.xlsx", {("2.2", "progress"): "New news"})
    code, data = collect(capsys, project / "stale.xlsx", fresh)         # the folder still holds the stale one
    assert code == 0, data
    assert data["refused"] == [] and [a["ref"] for a in data["applied"]] == ["2.2"]
    assert len(data["settled"]) == 1 and data["settled"][0]["before"] == AS_OF
    assert "replaced" in data["settled"][0]["why"]
    code = main(["collect", str(PLAN), str(stale), "--as-of", AS_OF])
    text = capsys.readouterr().out
    assert code == 0 and "Refused before and settled since (1" in text and "0 refused" in text


def test_a_request_issued_before_the_plan_digest_is_still_collected(project, capsys):
    """Requests written by earlier versions carry the plan's path and no digest: the register
    alone tells their plan, as before."""
    dcs = issue(project)["DCS"].workbook
    wb = openpyxl.load_workbook(dcs)
    meta = wb["xlplan"]
    for row in meta.iter_rows():
        if row[0].value == "plan id":
            row[0].value = row[1].value = None
        elif row[0].value == "plan":
            row[1].value = str(PLAN.resolve())
    wb.custom_doc_props.props = [p for p in wb.custom_doc_props.props if p.name != "xlplan plan id"]
    wb.save(project / "old.xlsx")
    ret = edit_return(project / "old.xlsx", project / "back.xlsx", {("2.2", "progress"): "Still read"})
    code, data = collect(capsys, ret)
    assert code == 0 and [a["ref"] for a in data["applied"]] == ["2.2"]


def test_a_save_by_someone_else_while_collecting_is_never_overwritten(project, capsys, monkeypatch):
    # The review's case: the manager saves the shared workbook while collect compares the
    # returns with the version it read; collect must not write its edits over that save.
    import xlplan.collect

    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "x"})
    real = xlplan.collect.sheet_cells

    def saved_meanwhile(*args, **kw):
        cells = real(*args, **kw)
        with zipfile.ZipFile(PLAN, "a") as z:              # someone's save: the file changes
            z.writestr("docProps/custom-note.txt", "saved by the business manager")
        return cells

    monkeypatch.setattr(xlplan.collect, "sheet_cells", saved_meanwhile)
    code = main(["collect", str(PLAN), str(ret), "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert code == 2 and "was saved by someone else while the returns were being compared" in err
    with zipfile.ZipFile(PLAN) as z:
        assert "docProps/custom-note.txt" in z.namelist()   # their save is what is there


def test_a_ref_now_on_two_rows_of_the_shared_workbook_is_refused_not_guessed(project, capsys):
    # The review's case: after the request went out, someone copied 2.2's ref onto another
    # row; the lead's update could land on the wrong one. It is refused, and nothing written.
    dcs = issue(project)["DCS"].workbook
    ret = edit_return(dcs, project / "back.xlsx", {("2.2", "progress"): "Launched in April"})
    wb = openpyxl.load_workbook(PLAN)
    ws = wb["Plan"]
    refs = [ws.cell(r, 1).value for r in range(3, ws.max_row + 1)]
    other = next(r for r, ref in enumerate(refs, 3) if ref and ref != "2.2")
    ws.cell(other, 1).value = "2.2"
    wb.save(PLAN)
    before = PLAN.read_bytes()
    code, out = collect(capsys, ret)
    assert code == 1 and out["applied"] == []
    assert any(r["ref"] == "2.2" and "is now on more than one row" in r["why"] for r in out["refused"])
    assert PLAN.read_bytes() == before
