"""The shared workbook `init` writes: what a lead gets (dropdowns, live colours, guide, print
set-up), read back with openpyxl; and that it reads back as the plan it was made from."""

import datetime as dt
import re

import pytest
from conftest import SEED_000, SEED_001, write_rows
from openpyxl import load_workbook

from xlplan.cli import main
from xlplan.plan import read_plan
from xlplan.workbook.create import write_plan_workbook

FIELDS = ("ref", "action", "lead", "due", "rag", "progress", "group")


@pytest.fixture
def made(tmp_path, config):
    source = read_plan(SEED_000, config)
    path = write_plan_workbook(tmp_path / "plan.xlsx", config, source.actions, title=source.title)
    return path, source, load_workbook(path)


def test_sheets(made):
    _, _, wb = made
    assert wb.sheetnames == ["Plan", "Guide", "Leads", "Lists"]
    assert wb["Lists"].sheet_state == "hidden"
    assert wb.active.title == "Plan"


def test_header_and_layout(made, config):
    _, _, wb = made
    ws = wb["Plan"]
    assert [c.value for c in ws[2]] == [c.header for c in config.columns.values()]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref.startswith("A2:H")
    assert ws["C3"].alignment.wrap_text
    assert ws.column_dimensions["G"].width >= 50            # room for long progress text
    assert ws.row_dimensions[4].height > 15                  # tall enough for its bullets


def test_print_setup(made):
    _, _, wb = made
    ws = wb["Plan"]
    assert ws.page_setup.orientation == "landscape"
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)   # 1 is the default
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$2:$2"


def test_dropdowns(made):
    _, source, wb = made
    rules = {str(dv.sqref).split(":")[0]: dv for dv in wb["Plan"].data_validations.dataValidation}
    rag, lead, due = rules["F3"], rules["D3"], rules["E3"]
    assert (rag.type, rag.formula1, rag.errorStyle or "stop") == ("list", "Lists!$A$2:$A$9", "stop")  # stop is the default
    assert (lead.type, lead.errorStyle) == ("list", "warning")     # a new name is allowed
    assert lead.formula1.startswith("'Leads'!$A$2")
    assert due.type == "date" and due.prompt and due.showInputMessage
    last_row = int(str(rag.sqref).split(":")[1][1:])
    assert last_row >= 2 + len(source.actions) + 100              # room to grow
    labels = [wb["Lists"].cell(r, 1).value for r in range(2, 10)]
    assert labels == ["Blue", "Green", "Amber/Green", "Amber", "Amber/Red", "Red", "Grey", "No data"]


def test_live_colours_are_rules_not_fills(made, config):
    _, _, wb = made
    ws = wb["Plan"]
    by_range = {}
    for cf in ws.conditional_formatting:
        by_range.setdefault(str(cf.sqref), []).extend(cf.rules)
    rag_rules = next(rules for rng, rules in by_range.items() if rng.startswith("F3"))
    colours = {re.search(r'="([^"]+)"', r.formula[0]).group(1): r.dxf.fill.bgColor.rgb[-6:] for r in rag_rules}
    assert colours == {lv.label.replace(" ", ""): lv.colour for lv in config.scale.levels}
    green = next(r.formula[0] for r in rag_rules if '"Green"' in r.formula[0])
    assert '="★"' in green and '="G"' in green.replace('"g"', '"G"')   # the seeds' conventions too
    due_rule = next(rules for rng, rules in by_range.items() if rng.startswith("E3"))[0]
    assert "TODAY()" in due_rule.formula[0] and '$F3<>"Blue"' in due_rule.formula[0]
    progress_rule = next(rules for rng, rules in by_range.items() if rng.startswith("G3"))[0]
    assert "LEN(TRIM($G3))=0" in progress_rule.formula[0]
    assert ws["F3"].fill.fill_type is None                       # no static fill on the rating


def test_guide_has_the_key_in_colour(made, config):
    _, _, wb = made
    cells = {c.value: c for row in wb["Guide"].iter_rows() for c in row if c.value}
    assert any("How to update" in str(v) for v in cells)
    assert sum(len(str(v)) > 200 for v in cells) >= 2            # two paragraphs of how-to
    for level in config.scale.levels:
        assert cells[level.label].fill.fgColor.rgb[-6:] == level.colour
        assert level.meaning in cells


def test_reads_back_as_the_plan_it_was_made_from(made, config):
    path, source, _ = made
    again = read_plan(path, config)
    assert again.header_row == 2
    for before, after in zip(source.actions, again.actions, strict=True):
        assert {f: getattr(after, f) for f in FIELDS} == {f: getattr(before, f) for f in FIELDS}


def test_extra_columns_survive(tmp_path, config):
    source = read_plan(SEED_001, config)
    path = write_plan_workbook(tmp_path / "p.xlsx", config, source.actions)
    again = {a.ref: a for a in read_plan(path, config).actions}
    # "Reference" would be read as the ref column: the source's codes keep a distinct header.
    assert again["1.1"].extra["Reference (original)"] == "AA1"
    assert again["1.1"].extra["Ofsted grade descriptor"] == "QP3.3 EHP2.2"


def test_text_that_looks_like_a_formula_stays_text(tmp_path, config):
    src = write_rows(tmp_path / "src.xlsx", [["Ref", "Action", "Lead", "RAG", "Progress"],
                                             ["1.1", '=HYPERLINK("http://evil","x")', "Ann", "Green", "+44 123"]])
    path = write_plan_workbook(tmp_path / "p.xlsx", config, read_plan(src, config).actions)
    ws = load_workbook(path)["Plan"]
    assert ws["C3"].data_type == "s" and ws["C3"].value.startswith("=HYPERLINK")
    assert ws["G3"].data_type == "s"


def test_text_that_looks_like_rich_text_xml_stays_text(tmp_path, config):
    """xlsxwriter writes a string "<r>...</r>" into the file as XML; an imported plan's must not."""
    src = write_rows(tmp_path / "src.xlsx", [["Ref", "Action", "Lead", "RAG", "Progress"],
                                             ["1.1", "<r>evil</r>", "<r><t>Ann</t></r><r><t>!</t></r>", "Green",
                                              "<r><x/></r>"]])
    path = write_plan_workbook(tmp_path / "p.xlsx", config, read_plan(src, config).actions)
    wb = load_workbook(path)
    assert [wb["Plan"][ref].value for ref in ("C3", "D3", "G3")] == [
        "<r>evil</r>", "<r><t>Ann</t></r><r><t>!</t></r>", "<r><x/></r>"]
    assert [c.value for c in wb["Leads"]["A"]] == ["Lead", "<r><t>Ann</t></r><r><t>!</t></r>"]


def test_empty_template(tmp_path, capsys):
    assert main(["init", str(tmp_path / "new.xlsx")]) == 0
    wb = load_workbook(tmp_path / "new.xlsx")
    assert wb["Plan"].max_row <= 3 and "wrote" in capsys.readouterr().out


def test_init_never_overwrites(tmp_path, capsys):
    target = tmp_path / "p.xlsx"
    target.write_bytes(b"a lead's work")
    assert main(["init", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert target.read_bytes() == b"a lead's work"


def test_init_refuses_while_open(tmp_path, capsys):
    target = tmp_path / "p.xlsx"
    write_rows(target, [["Ref"]])
    before = target.read_bytes()
    (tmp_path / "~$p.xlsx").write_bytes(b"\x05Alice")
    assert main(["init", str(target), "--force"]) == 2
    assert "is open in a spreadsheet program" in capsys.readouterr().err
    assert target.read_bytes() == before


def test_plan_date_in_title(tmp_path, config):
    path = write_plan_workbook(tmp_path / "p.xlsx", config, [], title="Plan", plan_date=dt.date(2011, 3, 22))
    assert load_workbook(path)["Plan"]["A1"].value == "Plan (plan date 22/03/2011)"
