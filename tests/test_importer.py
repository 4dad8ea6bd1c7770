"""Importing legacy plans: the seeds as text, CSV, .xlsx and .docx, and a layout the importer
was not tuned on."""

import collections
import csv
import datetime as dt
import json

import pytest
from conftest import (
    SEED_000,
    SEED_001,
    SEED_004,
    seed_000_expected,
    seed_000_workbook,
    seed_docx,
    write_rows,
)
from openpyxl import load_workbook

from xlplan.cli import main
from xlplan.importer import import_plan, split_lead
from xlplan.plan import read_plan

D = dt.date


def counts(plan):
    return collections.Counter(a.rag for a in plan.actions)


# -- the seeds -------------------------------------------------------------------------------

def test_seed_000(config):
    plan, report = import_plan(SEED_000, config)
    assert len(plan.actions) == 28
    assert counts(plan) == {"Green": 9, "Amber": 9, "Amber/Green": 1, "Red": 1, "No data": 2, None: 6}
    months = collections.Counter(a.due.month for a in plan.actions if a.due.year == 2009)
    assert months == {2: 3, 3: 9, 4: 16}
    assert {ref for ref, _ in report.glued} == {"2.17", "4.13"}
    assert report.unrated == 6 and report.actions == 28
    reasons = {s.reason for s in report.skipped}
    assert "header repeated (a new page)" in reasons
    assert "section heading: due date 2009-03-31 for the rows under it" in reasons


def test_seed_001(config):
    plan, report = import_plan(SEED_001, config)
    by_ref = {a.ref: a for a in plan.actions}
    assert len(plan.actions) == 125
    assert len({a.group for a in plan.actions}) == 5
    assert by_ref["2.1 (a)"].rag == "Green"
    assert by_ref["2.9"].links == ("1.1", "1.4")
    assert (by_ref["1.1"].rag, by_ref["1.1"].updated) == ("Green", D(2012, 11, 21))   # "Green 21.11.12 - ..."
    assert (by_ref["1.1"].lead, by_ref["1.1"].extra["Stream"]) == ("KOM", "Practice")
    assert by_ref["1.7"].lead == "DM/Andy Churcher" and by_ref["1.7"].extra["Stream"] == "HSCB"
    assert by_ref["1.1"].extra["Due as written"] == "Oct 12 – Dec 12 Extension to timescale agreed Jan 13"
    assert by_ref["1.3"].due == D(2013, 4, 30)
    assert counts(plan)[None] == 0


def test_seed_004_with_plan_date(config):
    plan, report = import_plan(SEED_004, config, plan_date=D(2011, 3, 22))
    assert len(plan.actions) == 17
    assert len({a.group for a in plan.actions}) == 10
    refs = [a.ref for a in plan.actions]
    assert len(set(refs)) == 17
    by_ref = {a.ref: a for a in plan.actions}
    assert by_ref["2.1"].due == D(2011, 6, 30) and by_ref["2.1"].due_text == "By end June"
    assert by_ref["1.1"].due == D(2011, 3, 22) and by_ref["1.1"].due_text == "now"
    assert report.unrated == 17 and all(a.rag is None for a in plan.actions)


@pytest.mark.parametrize("text, split", [
    ("KOM Practice", ("KOM", "Practice")),
    ("Practice KOM", ("KOM", "Practice")),
    ("DM/Andy Churcher HSCB", ("DM/Andy Churcher", "HSCB")),
    ("JRoberts MASH (HSCB)", ("JRoberts", "MASH (HSCB)")),
    ("J.Rez/JD/CB/ KOM Workforce", ("J.Rez/JD/CB/ KOM", "Workforce")),
    ("CB C&C", None),                       # not a configured work stream: kept whole
    ("Practice", None),                     # nothing would be left of the person
    ("DM HSCB MOVED TO PRACTICE", None),
    ("Head of Safeguarding and Vulnerable Children", None),
    ("Head of Service QA", None),           # a job title, not a person and a work stream
    # Role titles stay whole (issue 15): a split needs initials or a name.
    ("HSCB Chair", None),
    ("Chair HSCB", None),
    ("HSCB Chair / Business Manager", None),
    ("HSCB Business Manager", None),
    ("Pme QA", ("Pme", "QA")),
    ("DM/AC/ Buy in support HSCB", None),   # seed 001: words, not people
    ("DM/Debbie McMillan HSCB Moved to Practice", None),
])
def test_split_lead(config, text, split):
    assert split_lead(text, tuple(config.raw["import"]["work_streams"])) == split


# -- other sources ---------------------------------------------------------------------------

def test_docx_gives_what_the_text_gives(tmp_path, config):
    from conftest import SEED_000_COLOUR_ONLY

    shading = {ref: "FF0000" if label == "Red" else "FFC000" if label == "Amber" else
               "FF7C80" if label == "Amber/Red" else "C4D79B" for ref, (label, _) in SEED_000_COLOUR_ONLY.items()}
    path = seed_docx(SEED_000, tmp_path / "plan.docx", shading=shading)
    plan, report = import_plan(path, config)
    assert {a.ref: a.rag for a in plan.actions} == seed_000_expected()     # shading read as ratings
    assert {a.ref: a.due for a in plan.actions} == {a.ref: a.due for a in read_plan(SEED_000, config).actions}
    action = {a.ref: a for a in plan.actions}["4.9"].action
    assert action.splitlines() == ["• Identify ICT support requirements for the R&A team",
                                   "• Commission ICT Services to provide identified support"]
    assert {ref for ref, _ in report.glued} == {"2.17", "4.13"}


def test_docx_of_seed_001(tmp_path, config):
    plan, _ = import_plan(seed_docx(SEED_001, tmp_path / "p.docx"), config)
    assert len(plan.actions) == 125 and {a.ref: a.links for a in plan.actions}["2.9"] == ("1.1", "1.4")


def test_word_tables_read_from_their_xml_as_python_docx_reads_its_cells(tmp_path):
    """Merged across, merged down (also below a row starting a column in), shading, a list by
    numbering rather than by style: xlplan reads the XML, and gets what python-docx's cells give."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.table import Table

    from xlplan.read.docx import docx_grid

    def element(tag, parent, **attributes):
        child = OxmlElement(tag)
        for name, value in attributes.items():
            child.set(qn(f"w:{name}"), value)
        parent.append(child)
        return child

    document = docx.Document()
    document.add_paragraph("Theme 1: Leadership")
    table = document.add_table(rows=4, cols=4)
    texts = [["Ref", "Action", "Lead", "RAG"], ["1.1", "Merged across", "", "Red"],
             ["1.2", "Two", "Ann", "Amber, merged down"], ["1.3", "Three", "Bob", ""]]
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 1).merge(table.cell(1, 2))
    table.cell(2, 3).merge(table.cell(3, 3))
    for (r, c), fill in {(1, 3): "FF0000", (2, 3): "ffc000"}.items():
        element("w:shd", table.cell(r, c)._tc.get_or_add_tcPr(), val="clear", fill=fill)
    step = table.cell(3, 1).add_paragraph("Numbered step")
    element("w:numId", element("w:numPr", step._p.get_or_add_pPr()), val="1")
    row = table.add_row()                                    # starts a column in, still merged down
    row.cells[1].text = "After a gap"
    row._tr.remove(row._tr.tc_lst[0])
    element("w:gridBefore", row._tr.get_or_add_trPr(), val="1")
    element("w:vMerge", row._tr.tc_lst[2].get_or_add_tcPr())
    document.add_paragraph("Theme 2")
    path = tmp_path / "plan.docx"
    document.save(path)

    grid = docx_grid(path, 2**30)
    assert grid.rows == [["Theme 1: Leadership"], ["Ref", "Action", "Lead", "RAG"],
                         ["1.1", "Merged across", None, "Red"], ["1.2", "Two", "Ann", "Amber, merged down"],
                         ["1.3", "Three\n• Numbered step", "Bob", "Amber, merged down"],
                         ["After a gap", None, "Amber, merged down"], ["Theme 2"]]
    assert [grid.fill(3, 4), grid.fill(4, 4), grid.fill(5, 4), grid.fill(6, 3), grid.fill(3, 3)] == [
        ("FF0000", ""), ("FFC000", ""), ("FFC000", ""), ("FFC000", ""), (None, "")]

    def text(cell):                                      # as xlplan read cells before it read the XML
        return "\n".join(("• " if p._p.pPr is not None and p._p.pPr.numPr is not None else "") + p.text.strip()
                         for p in cell.paragraphs if p.text.strip()) or None

    reopened = docx.Document(str(path))
    by_cells = [[None if j and cell._tc is cells[j - 1]._tc else text(cell) for j, cell in enumerate(cells)]
                for cells in (row.cells for row in Table(reopened.element.body.find(qn("w:tbl")), reopened).rows)]
    assert grid.rows[1:-1] == by_cells


def test_csv_gives_what_the_text_gives(tmp_path, config):
    path = tmp_path / "plan.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(line.split("\t") for line in SEED_004.read_text(encoding="utf-8").splitlines())
    fields = lambda p: [(a.ref, a.due, a.lead, a.group, a.action) for a in p.actions]
    assert fields(import_plan(path, config)[0]) == fields(import_plan(SEED_004, config)[0])


def test_xlsx_pasted_from_word(tmp_path, config):
    plan, report = import_plan(seed_000_workbook(tmp_path / "pasted.xlsx"), config)
    assert {a.ref: a.rag for a in plan.actions} == seed_000_expected()
    assert report.unrated == 0


def test_a_layout_it_was_not_tuned_on(tmp_path, config):
    """A plan of the same family with its own words: numbered recommendations as headings,
    'No.', 'Action required', 'Responsible officer', 'Target date', 'Status', 'Update',
    letters and words for ratings, day-first dates, a split row, a repeated header."""
    header = ["No.", "Action required", "Responsible officer", "Target date", "Status", "Update"]
    rows = [["Children's Services Improvement Plan – Ofsted recommendations, 4 June 2014"], [],
            ["Priority 1: Strengthen management oversight"], header,
            ["1.1", "Audit 20 case files a month", "Head of Service QA", "30/09/2014", "A/G", "Audits started"],
            ["1.2", "Supervision policy", "Principal Social Worker", "Within 3 months", "r", "Slipped"],
            [None, "refreshed and relaunched", None, None, None, "to the autumn"],
            ["Priority 2: Improve the quality of assessments"], header,
            ["2.1", "Assessment training", "Workforce Development Manager", "By end Dec", "Green", "Done"],
            ["2.2", "Quality standards", "Head of Service QA", "2014 onwards", None, None]]
    path = tmp_path / "plan.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    plan, report = import_plan(path, config)
    got = [(a.ref, a.rag, a.due, a.group.split(":")[0], a.lead) for a in plan.actions]
    assert got == [
        ("1.1", "Amber/Green", D(2014, 9, 30), "Priority 1", "Head of Service QA"),
        ("1.2", "Red", D(2014, 9, 4), "Priority 1", "Principal Social Worker"),
        ("2.1", "Green", D(2014, 12, 31), "Priority 2", "Workforce Development Manager"),
        ("2.2", None, None, "Priority 2", "Head of Service QA"),
    ]
    assert plan.plan_date == D(2014, 6, 4)
    assert plan.actions[1].action == "Supervision policy refreshed and relaunched"
    assert plan.actions[1].progress == "Slipped to the autumn"
    assert report.unrated == 1


# -- the command -----------------------------------------------------------------------------

def test_import_command_writes_the_plan_and_the_report(tmp_path, capsys):
    target = tmp_path / "plan.xlsx"
    assert main(["import", str(SEED_004), "-o", str(target), "--plan-date", "2011-03-22"]) == 0
    out = capsys.readouterr().out
    assert "imported 17 actions" in out and "17 without a rating" in out
    wb = load_workbook(target)
    assert wb.sheetnames[:3] == ["Plan", "Guide", "Leads"] and "Import report" in wb.sheetnames
    report = [[c.value for c in row] for row in wb["Import report"].iter_rows()]
    assert report[1][:4] == ["Actions imported", None, None, "17"]
    assert any(r[0] == "Skipped" for r in report)
    # the imported workbook is a plan like init's: dropdowns on the RAG column
    assert any(dv.type == "list" for dv in wb["Plan"].data_validations.dataValidation)


def test_imported_workbook_reads_back_as_the_import(tmp_path, config):
    target = tmp_path / "plan.xlsx"
    assert main(["import", str(SEED_001), "-o", str(target)]) == 0
    imported, _ = import_plan(SEED_001, config)
    again = read_plan(target, config)
    fields = ("ref", "rag", "due", "lead", "group", "action", "progress", "updated")
    assert [tuple(getattr(a, f) for f in fields) for a in again.actions] == \
           [tuple(getattr(a, f) for f in fields) for a in imported.actions]
    assert again.actions[0].extra["Stream"] == "Practice"


def test_import_json(tmp_path, capsys):
    assert main(["import", str(SEED_000), "-o", str(tmp_path / "p.xlsx"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["actions"] == 28 and data["unrated"] == 6
    assert {g["ref"] for g in data["glued"]} == {"2.17", "4.13"}


def test_import_never_overwrites(tmp_path, capsys):
    target = write_rows(tmp_path / "plan.xlsx", [["Ref"], ["a lead's work"]])
    before = target.read_bytes()
    assert main(["import", str(SEED_000), "-o", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err and target.read_bytes() == before


def test_import_needs_an_xlsx_name(tmp_path, capsys):
    assert main(["import", str(SEED_000), "-o", str(tmp_path / "plan.xls")]) == 2
    assert "must be an .xlsx file" in capsys.readouterr().err


@pytest.mark.parametrize("name, data, words", [
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old-style .doc document"),
    ("plan.docx", b"just some text, renamed", "holds plain text"),
])
def test_bad_docx(tmp_path, capsys, name, data, words):
    source = tmp_path / name.replace("old.doc", "old.docx")
    source.write_bytes(data)
    assert main(["import", str(source), "-o", str(tmp_path / "p.xlsx")]) == 2
    err = capsys.readouterr().err
    assert words in err and source.name in err and not (tmp_path / "p.xlsx").exists()


def test_imported_workbook_validates_and_formats(tmp_path, capsys):
    target = tmp_path / "plan.xlsx"
    assert main(["import", str(SEED_000), "-o", str(target)]) == 0
    assert main(["validate", str(target), "--as-of", "2009-05-31", "--json"]) == 1   # six unrated: errors
    capsys.readouterr()
    assert main(["format", str(target)]) == 0
    once = target.read_bytes()
    assert main(["format", str(target)]) == 0
    assert target.read_bytes() == once
    assert "already formatted" in capsys.readouterr().out


def test_role_leads_of_seed_000_stay_whole_and_chase_finds_them(tmp_path, capsys):
    """Seed 000 names roles ("HSCB Chair", "HSCB Chair / Business Manager", "HSCB Business
    Manager"); imported, each stays the lead it is, so the Leads sheet's address is found."""
    from conftest import SEED_000

    plan, report = import_plan(SEED_000)
    leads = {a.lead for a in plan.actions}
    assert {"HSCB Chair", "HSCB Chair / Business Manager", "HSCB Business Manager"} <= leads
    assert not any(a.extra.get("Stream") for a in plan.actions) and report.split_leads == []


def test_the_leads_directory_wins(tmp_path, config):
    from conftest import write_rows

    path = write_rows(tmp_path / "p.xlsx", [["Ref", "Action", "Lead", "RAG"], ["1", "a", "KOM Practice", "Red"],
                                            ["2", "b", "KOM QA", "Red"]],
                      extra_sheets={"Leads": [["Lead", "Email"], ["KOM Practice", "kom.practice@example.org"]]})
    plan, report = import_plan(path, config)
    assert [a.lead for a in plan.actions] == ["KOM Practice", "KOM"]       # known whole: kept whole


# -- ratings xlplan cannot read are kept, never dropped (issue 15) ---------------------------

def _unreadable_plan(tmp_path):
    """Ratings as real plans write them that no key or config maps: Stockton LSCB 2017's "2"
    (a 1-4 scale, its key left off), a scrutiny tracker's "e.g. Paused", and a cell whose only
    rating is a purple fill."""
    rows = [["Ref", "Action", "Lead", "Due", "RAG", "Progress"],
            ["1", "Participate and initiate discussion with other Tees Boards", "Chair / DCS",
             "April 2017", "2", "Executive has been established"],
            ["2", "That ABC be completed by...", "JP/CD", "01/05/2024", "e.g. Paused",
             "Detail including reasons (where available) for lack of progress"],
            ["3", "Audit of cases", "DM", "01/05/2024", None, "Audit done"],
            ["4", "Refresh the threshold document", "DM", "01/05/2024", "Green", "Done"]]
    return write_rows(tmp_path / "source.xlsx", rows, fills={"E4": "7030A0"})


@pytest.mark.parametrize("command", ["import", "init"])
def test_an_unreadable_rating_is_kept_in_the_written_workbook(tmp_path, capsys, command, config):
    source = _unreadable_plan(tmp_path)
    target = tmp_path / "plan.xlsx"
    args = ["import", str(source), "-o", str(target)] if command == "import" else ["init", str(target), "--from", str(source)]
    assert main(args) == 0
    said = capsys.readouterr().out
    if command == "import":     # not "0 without a rating" alone, then three not read
        assert "0 without a rating (left empty); 3 with a rating xlplan cannot read (kept as written" in said
    again = read_plan(target, config)
    got = {a.ref: (a.rag, a.rating.raw, a.rating.source) for a in again.actions}
    assert got == {"1": (None, "2", "text"), "2": (None, "e.g. Paused", "text"),
                   "3": (None, "#7030A0", "fill"), "4": ("Green", "Green", "text")}
    assert main(["validate", str(target), "--as-of", "2017-12-01", "--json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    rules = {(f["ref"], f["rule"]) for f in findings if f["field"] == "rag"}
    assert rules == {("1", "unknown-rag"), ("2", "unknown-rag"), ("3", "unknown-rag")}
    assert main(["export", str(target), "--json"]) == 0
    exported = {a["ref"]: a for a in json.loads(capsys.readouterr().out)["actions"]}
    assert (exported["1"]["rag"], exported["1"]["rag_text"]) == (None, "2")


def test_the_import_report_rows_are_tall_enough_for_their_text(tmp_path, capsys):
    source = _unreadable_plan(tmp_path)
    target = tmp_path / "plan.xlsx"
    assert main(["import", str(source), "-o", str(target)]) == 0
    sheet = load_workbook(target)["Import report"]
    row = next(r for r in sheet.iter_rows() if r[0].value == "Not read" and r[3].value == "2")
    detail = row[4].value
    assert "[rag.scales]" in detail and len(detail) > 120
    height = sheet.row_dimensions[row[0].row].height
    # a 60-wide column (425 pixels) holds fewer than 80 letters of ordinary text a line
    assert height is not None and height >= 15 * -(-len(detail) // 80)
