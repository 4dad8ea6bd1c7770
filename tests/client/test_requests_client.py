"""Update requests through a real spreadsheet program: requests issued from the shipped
default, four leads fill theirs in with LibreOffice (through its own API, as a lead would:
tests/client/lo_edit.py), one of them also edits a locked cell after taking the
sheet's protection off, one returns a stale request after a newer one was issued, the
business manager changes one of the same cells in the shared workbook, and everything is
collected (one return as an .eml attachment). Skipped where LibreOffice is not installed,
unless XLPLAN_REQUIRE_LIBREOFFICE is set."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

import libreoffice
import openpyxl
import pytest
from conftest import PROJECT, parts, values

from xlplan.cli import main
from xlplan.config import load_config
from xlplan.plan import read_plan

if libreoffice.soffice() is None:
    if os.environ.get("XLPLAN_REQUIRE_LIBREOFFICE"):
        raise RuntimeError("XLPLAN_REQUIRE_LIBREOFFICE is set but soffice is not on PATH")
    pytest.skip("LibreOffice (soffice) is not installed", allow_module_level=True)

pytestmark = pytest.mark.libreoffice
UNO_PYTHON = "/usr/bin/python3"
AS_OF = "2026-11-23"
PLAN = Path("workbooks/plan.xlsx")
SHEET = "Update request"


def _has_uno() -> bool:
    return os.path.exists(UNO_PYTHON) and subprocess.run([UNO_PYTHON, "-c", "import uno"],
                                                         capture_output=True).returncode == 0


def lo_edit(src: Path, dst: Path, *edits: str) -> Path:
    subprocess.run([UNO_PYTHON, str(PROJECT / "tests" / "client" / "lo_edit.py"), str(src), str(dst),
                    *edits], check=True, timeout=300)
    return dst


def run(capsys, *args) -> tuple[int, dict]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)




def changed_cells(before: dict, after: dict) -> set[tuple[str, int, int]]:
    out = set()
    for sheet in before:
        a, b = before[sheet], after[sheet]
        for r in range(max(len(a), len(b))):
            ra, rb = (a[r] if r < len(a) else ()), (b[r] if r < len(b) else ())
            for c in range(max(len(ra), len(rb))):
                if (ra[c] if c < len(ra) else None) != (rb[c] if c < len(rb) else None):
                    out.add((sheet, r + 1, c))
    return out


def other(rating: str | None) -> str:
    return "Red" if rating != "Red" else "Amber"


def test_four_leads_return_their_requests_edited_in_libreoffice(project, capsys):
    if not _has_uno():
        if os.environ.get("XLPLAN_REQUIRE_LIBREOFFICE"):
            raise RuntimeError("XLPLAN_REQUIRE_LIBREOFFICE is set but python3-uno is not installed")
        pytest.skip("python3-uno is not installed")
    config = load_config()
    plan = read_plan(PLAN, config)
    now = {a.ref: a for a in plan.actions}
    code, issued = run(capsys, "requests", "--as-of", AS_OF)
    assert code == 0
    by_lead = {r["lead"]: r for r in issued["requests"]}
    dcs, head, manager, hr = (by_lead[n] for n in ("DCS", "Head of Safeguarding and Vulnerable Children",
                                                   "HSCB Business Manager", "Assistant Chief Executive (HR)"))

    def cell(request, ref, column):                 # the request's cell for a ref: row 5 is the first action
        return f"{SHEET}!{column}{5 + request['refs'].index(ref)}"

    stale_copy = project / "kept-old-request.xlsx"
    shutil.copy(manager["workbook"], stale_copy)
    code, newer = run(capsys, "requests", "--as-of", AS_OF, "--lead", "HSCB Business Manager")
    assert code == 0 and newer["requests"][0]["id"] != manager["id"]

    inbox = project / "returns"
    inbox.mkdir()
    # DCS: a rating and two statements, and a new due date proposed
    lo_edit(Path(dcs["workbook"]), inbox / "DCS return.xlsx",
            f"{cell(dcs, '2.2', 'D')}={other(now['2.2'].rag)}",
            f"{cell(dcs, '2.2', 'E')}=CAF launch moved to May 2009; training booked",
            f"{cell(dcs, '1.1', 'E')}=Objectives agreed at the Trust Board",
            f"{cell(dcs, '2.7', 'F')}=2009-06-30", f"{cell(dcs, '2.7', 'G')}=Manager off sick")
    # the Head of Safeguarding: a rating, a statement, and the locked Action text after unprotecting
    h1, h2, h3 = head["refs"][:3]
    lo_edit(Path(head["workbook"]), inbox / "head.xlsx",
            f"{cell(head, h1, 'D')}={other(now[h1].rag)}", f"{cell(head, h2, 'E')}=Audit booked for January",
            f"unprotect={SHEET}", f"{cell(head, h3, 'B')}=An easier action")
    # the Business Manager fills in the request that was replaced
    lo_edit(stale_copy, inbox / "manager.xlsx", f"{cell(manager, manager['refs'][0], 'E')}=Stale words")
    # the Assistant Chief Executive replies by email
    hr_file = lo_edit(Path(hr["workbook"]), project / "hr.xlsx", f"{cell(hr, '3.4', 'D')}={other(now['3.4'].rag)}",
                      f"{cell(hr, '3.4', 'E')}=Policy drafted, to HR board in December")
    message = EmailMessage()
    message["Subject"] = "RE: Update request"
    message.set_content("Attached.")
    message.add_attachment(hr_file.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename="3.4 update.xlsx")
    (inbox / "reply from HR.eml").write_bytes(bytes(message))

    # the business manager changes one of the same cells in the shared workbook meanwhile
    wb = openpyxl.load_workbook(PLAN)
    wb["Plan"].cell(now["2.2"].row, plan.columns["progress"] + 1).value = "BM: launch confirmed for April"
    wb.save(PLAN)
    before_parts, before_values = parts(PLAN), values(PLAN)

    code, merged = run(capsys, "collect", str(inbox), "--as-of", AS_OF, "-o", str(project / "merge.xlsx"))
    assert code == 1
    applied = sorted((a["ref"], a["field"], a["new"]) for a in merged["applied"])
    assert applied == sorted([
        ("2.2", "rag", other(now["2.2"].rag)), ("1.1", "progress", "Objectives agreed at the Trust Board"),
        (h1, "rag", other(now[h1].rag)), (h2, "progress", "Audit booked for January"),
        ("3.4", "rag", other(now["3.4"].rag)), ("3.4", "progress", "Policy drafted, to HR board in December")])
    assert merged["conflicts"] == [{"ref": "2.2", "field": "progress", "sent": now["2.2"].progress,
                                    "returned": "CAF launch moved to May 2009; training booked",
                                    "now": "BM: launch confirmed for April", "lead": "DCS"}]
    refused = sorted((r["ref"] or "", r["field"] or "", r["lead"]) for r in merged["refused"])
    assert refused == [("", "", "HSCB Business Manager"), (h3, "action", "Head of Safeguarding and Vulnerable Children")]
    assert any("replaced" in r["why"] for r in merged["refused"])
    assert [(p["ref"], p["proposed"], p["accepted"]) for p in merged["proposed_due"]] == [("2.7", "2009-06-30", False)]

    # exactly those cells (and the Updated dates of their actions); every other part byte for byte
    after = read_plan(PLAN, config)
    rows = {a.ref: a.row for a in after.actions}
    cols = after.columns
    expected = {("Plan", rows[ref], cols[field]) for ref, field, _ in applied}
    expected |= {("Plan", rows[ref], cols["updated"]) for ref, _, _ in applied}
    assert changed_cells(before_values, values(PLAN)) == expected
    after_parts = parts(PLAN)
    assert list(after_parts) == list(before_parts)
    assert [n for n in before_parts if before_parts[n] != after_parts[n]] == ["xl/worksheets/sheet1.xml"]
    assert {a.ref: a.action for a in after.actions} == {a.ref: a.action for a in plan.actions}

    # LibreOffice opens the merged workbook and reads what xlplan wrote into it
    resaved = libreoffice.convert(PLAN.resolve(), "xlsx", project / "resaved")
    back = {a.ref: (a.rag, a.progress, a.updated) for a in read_plan(resaved, config).actions}
    assert back == {a.ref: (a.rag, a.progress, a.updated) for a in after.actions}

    # collected again: nothing changes
    again = PLAN.read_bytes()
    code, second = run(capsys, "collect", str(inbox), "--as-of", AS_OF)
    assert second["applied"] == [] and not second["written"] and PLAN.read_bytes() == again

    # the weekly report's Requests sheet and --json say the same
    code, weekly = run(capsys, "weekly", "--as-of", AS_OF)
    state = weekly["requests"]
    assert (state["issued"], state["returned"], state["outstanding"], state["superseded"], state["conflicts"]) == \
           (len(issued["requests"]) + 1, 3, len(issued["requests"]) - 3, 1, 1)
    sheet = openpyxl.load_workbook(weekly["report"])["Requests"]
    rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]]
    assert [(r[0], r[1], r[3], r[5], r[6], r[7]) for r in rows] == \
           [(r["lead"], r["id"], r["state"], r["applied"], r["conflicts"], r["refused"]) for r in state["requests"]]
    assert f"{state['issued']} issued, {state['returned']} returned, {state['outstanding']} outstanding" in \
           sheet["A2"].value


def test_a_request_renders_with_its_colours_in_libreoffice(project, tmp_path, capsys):
    config = load_config()
    code, issued = run(capsys, "requests", "--as-of", AS_OF, "--lead", "DCS")
    path = Path(issued["requests"][0]["workbook"])
    pdf = libreoffice.convert(path, "pdf", tmp_path / "pdf")
    colours = libreoffice.page_colours(pdf, 1)
    for ref in ("2.2", "2.7"):
        rating = next(a.rag for a in read_plan(PLAN, config).actions if a.ref == ref)
        assert colours[config.scale.level(rating).colour.upper()] > 20, rating
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Update request" in text and "Rating" in text and "Progress" in text
    resaved = libreoffice.convert(path, "xlsx", tmp_path / "resaved")
    wb = openpyxl.load_workbook(resaved)
    assert wb[SHEET].protection.sheet and wb["xlplan"].sheet_state == "hidden"
