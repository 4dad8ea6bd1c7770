"""chase: who must update what and why, header tricks refused, the Chase sheet read back."""

import json

import pytest
from chasekit import ROWS, build, plan_file, reasons
from openpyxl import load_workbook

from xlplan.cli import main


def test_who_is_chased_and_why(tmp_path, config):
    result = build(tmp_path, config)
    why = reasons(result)
    assert "no progress statement" in why["2.15"] and "overdue since 31/03/2009" in why["2.15"]
    assert "the rating says No data: please give a rating" in why["2.15"]
    assert "overdue since 28/02/2009" in why["3.4"]
    assert any(r.startswith("a reviewer suggests another rating") for r in why["4.12"])
    assert any(r.startswith("no rating") for r in why["2.2"]) and any(r.startswith("the due date cannot be read") for r in why["2.2"])
    assert "4.9" not in why                                   # Green past due: complete, never chased
    assert "1.2" not in why and "Quiet Lead" not in [l.lead for l in result.leads]   # nothing outstanding
    assert [l.lead for l in result.leads] == sorted((l.lead for l in result.leads), key=str.casefold)


def test_no_update_since_last_week_and_a_change_of_lead(tmp_path, config):
    before = [*ROWS[:6], ["1.2", ROWS[6][1], "Old Lead", "Dec 09", "Amber", "On track"]]
    result = build(tmp_path, config, previous=before)
    why = reasons(result)
    assert "not updated since the previous version" in why["1.1"]
    leads = {l.lead: l for l in result.leads}
    assert any("now yours (was Old Lead)" in r for r in leads["Quiet Lead"].items[0].reasons)
    assert any("handed over to Quiet Lead" in r for r in leads["Old Lead"].items[0].reasons)


@pytest.mark.parametrize("lead, address, problem", [
    ("Eve\r\nBcc: all@example.org", "eve@example.org", "no email address"),   # the directory refuses the name
    ("Mallory", "mallory@example.org\r\nBcc: all@example.org", "no email address"),
    ("Trudy", "trudy@example.org, all@example.org", "no email address"),
    ("Nobody Listed", None, "no email address"),
])
def test_header_tricks_are_refused_and_reported(tmp_path, capsys, lead, address, problem):
    rows = [["1.1", "Audit case files", lead, "Jan 09", "Amber", None]]
    leads = [["Lead", "Email"]] + ([[lead, address]] if address else [])
    plan = plan_file(tmp_path, rows, leads)
    assert main(["chase", str(plan), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "out"), "--json"]) == 0
    entry = json.loads(capsys.readouterr().out)["leads"][0]
    assert problem in entry["problem"] and entry["draft"] is None
    assert not list((tmp_path / "out").rglob("*.eml"))


def test_chase_workbook_reads_back(tmp_path, capsys):
    target = tmp_path / "chase.xlsx"
    assert main(["chase", str(plan_file(tmp_path)), "--as-of", "2009-05-31", "-o", str(target)]) == 0
    wb = load_workbook(target)
    ws = wb["Chase"]
    header = [c.value for c in ws[3]]
    assert header == ["Lead", "Email", "Ref", "Action", "Due", "RAG", "Why", "Subject", "Lead's list"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), key=str.casefold)
    dcs = [r for r in rows if r[0] == "DCS"]
    assert {r[2] for r in dcs} == {"2.2", "1.1"} and all(r[1] == "dcs@example.org" for r in dcs)
    assert all("- 2.2 (Plan sheet, row 6):" in r[8] and "- 1.1 (Plan sheet, row 7):" in r[8] for r in dcs)  # the lead's whole list
    formula_like = next(c for row in ws.iter_rows(min_row=4) for c in row if c.value and "HYPERLINK" in str(c.value))
    assert formula_like.data_type == "s"                                # text, never a formula
    merge = [[c.value for c in r] for r in wb["Mail merge"].iter_rows(min_row=2)]
    assert {r[0] for r in merge} == {"DCS", "Head of Safeguarding", "HR Lead", "SCR Chair"}
