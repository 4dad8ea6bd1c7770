"""Leads as real plans write them: role titles kept whole ("HSCB Chair", seed 000), a split
into a person and a work stream only on evidence (initials or a name), the leads directory
wins, and seed 001's non-people and second spellings reported, never made leads."""

import json

import pytest
from conftest import SEED_000, SEED_001
from openpyxl import load_workbook

from xlplan.cli import main
from xlplan.importer import import_plan, split_lead
from xlplan.leads import Directory, Lead, review_leads, spelling_key

STREAMS = ("Practice", "QA", "HSCB", "MASH", "Workforce", "LAC", "Commissioning", "Governance")


@pytest.mark.parametrize("cell", ["HSCB Chair", "HSCB Chair / Business Manager", "HSCB Business Manager",
                                  "Chair of Management of SCR and CDOP sub group"])
def test_a_role_title_is_never_split(cell):
    assert split_lead(cell, STREAMS) is None


@pytest.mark.parametrize("cell, split", [("KOM Practice", ("KOM", "Practice")),          # seed 001
                                         ("DM/Andy Churcher HSCB", ("DM/Andy Churcher", "HSCB")),
                                         ("JRez Workforce", ("JRez", "Workforce"))])
def test_a_split_needs_initials_or_a_name(cell, split):
    assert split_lead(cell, STREAMS) == split


def _imported(tmp_path, how, seed):
    target = tmp_path / "plan.xlsx"
    args = (["import", str(seed), "-o", str(target)] if how == "import"
            else ["init", str(target), "--from", str(seed)])
    assert main(args) == 0
    return target


@pytest.mark.parametrize("how", ["import", "init"])
def test_chase_finds_the_hscb_chair_on_the_leads_sheet_after_seed_000(tmp_path, capsys, how):
    target = _imported(tmp_path, how, SEED_000)
    wb = load_workbook(target)
    leads = [r[0].value for r in wb["Leads"].iter_rows(min_row=2)]
    assert "HSCB Chair" in leads and "HSCB Chair / Business Manager" in leads and "Chair" not in leads
    plan = [[c.value for c in r] for r in wb["Plan"].iter_rows()]
    assert any("HSCB Chair" in row for row in plan)                 # the lead cell, whole
    for row in wb["Leads"].iter_rows(min_row=2):
        if row[0].value == "HSCB Chair":
            row[1].value = "chair@example.org"
    wb.save(target)
    capsys.readouterr()
    assert main(["chase", str(target), "--as-of", "2009-05-31", "--json"]) == 0
    chased = {entry["lead"]: entry for entry in json.loads(capsys.readouterr().out)["leads"]}
    assert chased["HSCB Chair"]["email"] == "chair@example.org" and not chased["HSCB Chair"]["problem"]


@pytest.mark.parametrize("how", ["import", "init"])
def test_seed_001_non_people_and_second_spellings_are_reported_not_made_leads(tmp_path, how):
    target = _imported(tmp_path, how, SEED_001)
    wb = load_workbook(target)
    leads = [r[0].value for r in wb["Leads"].iter_rows(min_row=2)]
    for not_a_lead in ("DM HSCB MOVED TO PRACTICE", "Practice", "PMe", "J.Rez"):
        assert not_a_lead not in leads
    assert {"Pme", "JRez", "KOM", "DM"} <= set(leads)
    report = {(r[0].value, r[3].value) for r in wb["Import report"].iter_rows(min_row=2)}
    assert ("Lead not a person", "DM HSCB MOVED TO PRACTICE") in report
    assert ("Lead not a person", "Practice") in report
    assert ("Lead spelt two ways", "PMe") in report and ("Lead spelt two ways", "J.Rez") in report


def test_seed_001_review_in_the_import_report(config):
    plan, report = import_plan(SEED_001, config)
    review = report.leads_review
    assert dict(review.not_people)["Practice"] == "a work stream alone"
    assert "MOVED TO" in dict(review.not_people)["DM HSCB MOVED TO PRACTICE"]
    assert dict(review.near_duplicates) == {"PMe": "Pme", "J. Roberts": "JRoberts", "J.Rez": "JRez", "J. Rez": "JRez"}
    # The lead cells themselves are kept as written: nothing merged, nothing invented.
    assert "PMe" in {a.lead for a in plan.actions} and "Practice" in {a.lead for a in plan.actions}


def test_the_leads_directory_wins():
    known = Directory({"pme": Lead("PMe", "p@example.org"), "practice": Lead("Practice", "")}, "Leads")
    review = review_leads(["Pme", "PMe", "Practice"], STREAMS, known)
    assert review.leads == ["PMe", "Practice"] and review.near_duplicates == [] and review.not_people == []


def test_spelling_key():
    assert spelling_key("J. Rez") == spelling_key("J.Rez") == spelling_key("JRez")
    assert spelling_key("Pme") == spelling_key("PMe") != spelling_key("KOM")


def test_validate_names_second_spellings_and_non_people_after_seed_001(tmp_path, capsys):
    target = _imported(tmp_path, "import", SEED_001)
    capsys.readouterr()
    main(["validate", str(target), "--as-of", "2013-03-01", "--json"])
    found = {f["lead"]: f["message"] for f in json.loads(capsys.readouterr().out)["findings"]
             if f["rule"] == "unknown-lead"}
    assert "it has 'JRez': the same person spelt another way?" in found["J.Rez"]
    assert "the cell holds a work stream alone, not a lead" in found["Practice"]
    assert "not a lead" in found["DM HSCB MOVED TO PRACTICE"]
    assert "JRez" not in found and "KOM" not in found          # on the Leads sheet
