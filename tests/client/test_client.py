"""The workbooks xlplan writes, proved in a real spreadsheet application: LibreOffice opens
them, renders them to PDF with the colours visible, and saves them back readable.

Skipped where LibreOffice is not installed, unless XLPLAN_REQUIRE_LIBREOFFICE is set (CI
sets it, so these tests cannot pass there by being skipped)."""

import collections
import datetime as dt
import os
import subprocess

import libreoffice
import pytest
from conftest import PROJECT, SEED_000, SEED_001, scrutiny_counts
from openpyxl import load_workbook

from xlplan.config import load_config
from xlplan.plan import read_plan
from xlplan.workbook.create import write_plan_workbook

if libreoffice.soffice() is None:
    if os.environ.get("XLPLAN_REQUIRE_LIBREOFFICE"):
        raise RuntimeError("XLPLAN_REQUIRE_LIBREOFFICE is set but soffice is not on PATH")
    pytest.skip("LibreOffice (soffice) is not installed", allow_module_level=True)

pytestmark = pytest.mark.libreoffice
FIELDS = ("ref", "action", "lead", "due", "rag", "progress", "group")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """init's workbook for seed 000, and what LibreOffice makes of it."""
    folder = tmp_path_factory.mktemp("lo")
    config = load_config(search_from=folder)
    source = read_plan(SEED_000, config)
    plan = write_plan_workbook(folder / "plan.xlsx", config, source.actions, title=source.title)
    return {
        "config": config, "plan": plan,
        "pdf": libreoffice.convert(plan, "pdf", folder / "pdf"),
        "resaved": libreoffice.convert(plan, "xlsx", folder / "resaved"),
    }


def _pages_with(pdf, colour):
    return [p for p in range(1, libreoffice.page_count(pdf) + 1) if libreoffice.page_colours(pdf, p)[colour] > 50]


def test_plan_sheet_renders_its_live_colours(made):
    colours = libreoffice.page_colours(made["pdf"], 1)
    config = made["config"]
    for label in ("Green", "Amber"):                    # seed 000's first page has both
        assert colours[config.scale.level(label).colour] > 100, f"{label} does not show"
    assert colours["FFC7CE"] > 100, "overdue due dates are not highlighted"
    assert colours["FFF2CC"] > 100, "empty progress statements are not highlighted"
    assert colours["1F4E78"] > 100, "the header row does not show"


def test_guide_renders_the_whole_key(made):
    config = made["config"]
    guide_pages = _pages_with(made["pdf"], config.scale.level("Blue").colour)
    assert guide_pages, "no page shows the Blue key colour"
    colours = libreoffice.page_colours(made["pdf"], guide_pages[0])
    for level in config.scale.levels:
        if level.colour != "FFFFFF":
            assert colours[level.colour] > 50, f"{level.label} is not shown in the key"


def test_prints_one_page_wide_in_landscape(made):
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(made["pdf"]), "-"],
                           capture_output=True, text=True, check=True).stdout
    headers = [c.header for c in made["config"].columns.values()]
    assert all(h in first for h in headers), "a column fell off the first page"
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "1", str(made["pdf"])], capture_output=True, text=True).stdout
    width, height = next(l.split(":")[1].split("x") for l in info.splitlines() if l.startswith("Page    1 size"))
    assert float(width) > float(height.split()[0]), "the Plan sheet does not print landscape"


def test_saved_by_libreoffice_reads_back_identically(made):
    config = made["config"]
    before = read_plan(made["plan"], config)
    after = read_plan(made["resaved"], config)
    assert len(after.actions) == len(before.actions) == 28
    for a, b in zip(before.actions, after.actions):
        assert {f: getattr(b, f) for f in FIELDS} == {f: getattr(a, f) for f in FIELDS}
    assert after.directory and len(after.directory) == len(before.directory)


def test_dropdowns_and_rules_survive_a_libreoffice_save(made):
    ws = load_workbook(made["resaved"])["Plan"]
    kinds = sorted(dv.type for dv in ws.data_validations.dataValidation)
    assert kinds == ["date", "date", "list", "list"]
    formulas = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules if r.formula]
    assert any("TODAY()" in f for f in formulas)
    assert sum('"' in f for f in formulas) >= len(made["config"].scale.levels)


def test_colour_only_ratings_survive_libreoffice(tmp_path):
    """The default plan keeps six ratings as fills (one a theme colour); LibreOffice rewrites
    fills on save, and the ratings must read the same afterwards."""
    config = load_config(PROJECT / "config" / "xlplan.toml")
    resaved = libreoffice.convert(PROJECT / "workbooks" / "plan.xlsx", "xlsx", tmp_path)
    before = read_plan(PROJECT / "workbooks" / "plan.xlsx", config)
    after = read_plan(resaved, config)
    assert [(a.ref, a.rag) for a in after.actions] == [(a.ref, a.rag) for a in before.actions]
    assert dict(collections.Counter(a.rag for a in after.actions)) == scrutiny_counts()
    assert sum(a.rating.source == "fill" for a in after.actions) == 6


def test_default_plan_renders(tmp_path):
    pdf = libreoffice.convert(PROJECT / "workbooks" / "plan.xlsx", "pdf", tmp_path)
    colours = libreoffice.page_colours(pdf, 1)
    assert colours["FF0000"] > 50 and colours["FFC000"] > 50 and colours["00B050"] > 50


def test_imported_workbook_opens_renders_and_saves_back(tmp_path):
    """An imported plan (extra columns, an Import report sheet) behaves like one made by init."""
    from xlplan.importer import import_plan

    config = load_config(search_from=tmp_path)
    plan, report = import_plan(SEED_001, config)
    target = write_plan_workbook(tmp_path / "imported.xlsx", config, plan.actions, title=plan.title,
                                 report=report.rows())
    pdf = libreoffice.convert(target, "pdf", tmp_path / "pdf")
    colours = libreoffice.page_colours(pdf, 1)
    assert colours["FFC000"] > 50 and colours["00B050"] > 50      # Amber and Green, live
    resaved = libreoffice.convert(target, "xlsx", tmp_path / "resaved")
    before, after = read_plan(target, config), read_plan(resaved, config)
    fields = FIELDS + ("updated",)
    assert [tuple(getattr(a, f) for f in fields) for a in after.actions] == \
           [tuple(getattr(a, f) for f in fields) for a in before.actions]
    assert "Import report" in load_workbook(resaved).sheetnames


def test_formatted_workbook_opens_renders_and_saves_back(tmp_path):
    """format's output (XML edited inside the zip) is a workbook LibreOffice accepts: it renders
    the new colours and saves back with the values and the manager's own content intact."""
    from conftest import everything_workbook

    from xlplan.workbook.reformat import format_plan

    config = load_config(search_from=tmp_path)
    path = everything_workbook(tmp_path / "plan.xlsx", tmp_path)
    format_plan(path, config)
    colours = libreoffice.page_colours(libreoffice.convert(path, "pdf", tmp_path / "pdf"), 1)
    for label in ("Amber", "Green", "Red"):
        assert colours[config.scale.level(label).colour] > 20, f"{label} does not show"
    assert colours["FFC7CE"] > 20, "the overdue due date does not show"
    resaved = libreoffice.convert(path, "xlsx", tmp_path / "resaved")
    before, after = read_plan(path, config), read_plan(resaved, config)
    assert [(a.ref, a.rag, a.due, a.progress) for a in after.actions] == \
           [(a.ref, a.rag, a.due, a.progress) for a in before.actions]
    wb = load_workbook(resaved)
    assert wb["Notes"]["A1"].value == "Minutes of the March board"
    assert wb["Plan"]["C3"].comment is not None


UNO_PYTHON = "/usr/bin/python3"


def _has_uno() -> bool:
    return os.path.exists(UNO_PYTHON) and subprocess.run([UNO_PYTHON, "-c", "import uno"],
                                                         capture_output=True).returncode == 0


def test_compare_reports_exactly_a_leads_edits_made_in_libreoffice(tmp_path):
    """A lead opens the default plan in LibreOffice, changes one rating, one progress
    statement and one due date, and saves. compare reports exactly those three edits."""
    if not _has_uno():
        if os.environ.get("XLPLAN_REQUIRE_LIBREOFFICE"):
            raise RuntimeError("python3-uno is needed for this test (apt-get install python3-uno)")
        pytest.skip("python3-uno is not installed")
    from xlplan.changes import compare

    config = load_config(PROJECT / "config" / "xlplan.toml")
    original = PROJECT / "workbooks" / "plan.xlsx"
    plan = read_plan(original, config)
    by_ref = {a.ref: a for a in plan.actions}
    rag, progress, due = by_ref["3.4"].row, by_ref["4.9"].row, by_ref["4.15"].row
    edited = tmp_path / "edited.xlsx"
    subprocess.run([UNO_PYTHON, str(PROJECT / "tests" / "client" / "lo_edit.py"), str(original), str(edited),
                    f"Plan!F{rag}=Green", f"Plan!G{progress}=ICT support in place and working",
                    f"Plan!E{due}=2009-07-31"], check=True, timeout=240)
    result = compare(plan, read_plan(edited, config), config, as_of=dt.date(2009, 5, 31))
    edits = sorted((c.ref, c.change, c.old, c.new) for c in result.changes if c.change != "no-update")
    assert edits == [("3.4", "rag", "Amber", "Green"),
                     ("4.15", "due", dt.date(2009, 4, 30), dt.date(2009, 7, 31)),
                     ("4.9", "progress", by_ref["4.9"].progress, "ICT support in place and working")]


@pytest.mark.parametrize("command, colour", [
    (["validate", "{plan}", "--as-of", "2009-05-31", "-o", "{out}"], "FFEB9C"),            # warnings
    (["compare", "{old}", "{plan}", "--as-of", "2009-05-31", "-o", "{out}"], "FFC000"),     # ratings
    (["summary", "{plan}", "--as-of", "2009-05-31", "-o", "{out}"], "00B050"),
    (["chase", "{plan}", "--as-of", "2009-05-31", "-o", "{out}"], "FFC000"),
], ids=["findings", "changes", "summary", "chase"])
def test_report_workbooks_open_render_and_save_back(tmp_path, command, colour):
    from xlplan.cli import main

    old = tmp_path / "old.xlsx"
    old.write_bytes((PROJECT / "workbooks" / "plan.xlsx").read_bytes())
    plan = tmp_path / "plan.xlsx"
    from openpyxl import load_workbook as load

    wb = load(old)
    wb["Plan"]["F4"] = "Green"                   # 3.4 improves, so compare has a change to show
    wb.save(plan)
    out = tmp_path / "report.xlsx"
    args = [a.format(plan=plan, old=old, out=out) for a in command]
    assert main(args + ["--config", str(PROJECT / "config" / "xlplan.toml")]) in (0, 1)
    pdf = libreoffice.convert(out, "pdf", tmp_path / "pdf")
    assert libreoffice.page_colours(pdf, 1)[colour] > 20
    resaved = libreoffice.convert(out, "xlsx", tmp_path / "resaved")
    assert load(resaved).sheetnames == load(out).sheetnames


def _values(path):
    """Every sheet's cell values, as xlplan's own reader (openpyxl) sees them; integral floats
    as ints and trailing empty cells dropped, since a spreadsheet may store either."""
    wb = load_workbook(path, data_only=True)
    out = {}
    for ws in wb:
        rows = []
        for row in ws.iter_rows(values_only=True):
            cells = [int(v) if isinstance(v, float) and v.is_integer() else v for v in row]
            while cells and cells[-1] in (None, ""):
                cells.pop()
            rows.append(cells)
        while rows and not rows[-1]:
            rows.pop()
        out[ws.title] = rows
    return out


def _weekly_report(folder):
    import shutil

    from xlplan.run.weekly import run_weekly

    shutil.copytree(PROJECT / "config", folder / "config")
    shutil.copytree(PROJECT / "workbooks", folder / "workbooks", ignore=lambda d, names: [
        n for n in names if os.path.basename(d) == "history" and n not in ("plan.2026-11-09.xlsx", "plan.2026-11-16.xlsx")])
    for p in (folder / "workbooks").rglob("*"):
        p.chmod(0o644)
    config = load_config(folder / "config" / "xlplan.toml")
    return run_weekly(config, as_of=dt.date(2026, 11, 23)).report


def _made_by(kind, folder):
    from xlplan.cli import main

    plan = PROJECT / "workbooks" / "plan.xlsx"
    out = folder / f"{kind}.xlsx"
    commands = {
        "init": ["init", str(out), "--from", str(plan)],
        "import": ["import", str(SEED_001), "-o", str(out)],
        "findings": ["validate", str(plan), "--as-of", "2009-05-31", "-o", str(out)],
        "changes": ["compare", str(PROJECT / "workbooks" / "history" / "plan.2026-11-09.xlsx"), str(plan),
                    "--as-of", "2026-11-23", "-o", str(out)],
        "summary": ["summary", str(plan), "--as-of", "2009-05-31", "-o", str(out)],
        "chase": ["chase", str(plan), "--as-of", "2009-05-31", "-o", str(out)],
    }
    if kind == "weekly":
        return _weekly_report(folder)
    if kind == "format":
        from conftest import everything_workbook

        from xlplan.workbook.reformat import format_plan

        path = everything_workbook(folder / "format.xlsx", folder)
        format_plan(path, load_config(search_from=folder))
        return path
    assert main(commands[kind] + ["--config", str(PROJECT / "config" / "xlplan.toml")]) in (0, 1)
    return out


@pytest.mark.parametrize("kind", ["init", "import", "format", "findings", "changes", "summary", "chase", "weekly"])
def test_every_workbook_opens_renders_and_reads_back_the_same(tmp_path, kind):
    """Open in LibreOffice, render to PDF with the RAG colours present, save back as xlsx, and
    read the same values as xlplan wrote."""
    path = _made_by(kind, tmp_path)
    pdf = libreoffice.convert(path, "pdf", tmp_path / "pdf")
    rag = {lv.colour for lv in load_config(search_from=tmp_path).scale.levels if lv.colour != "FFFFFF"}
    wanted, least = (({"FFEB9C", "FFC7CE"}, 1) if kind == "findings" else (rag, 2))   # severities / ratings
    seen = collections.Counter()
    for page in range(1, min(libreoffice.page_count(pdf), 6) + 1):
        seen.update(libreoffice.page_colours(pdf, page))
    assert sum(1 for c in wanted if seen[c] > 20) >= least, f"{kind}: the colours do not show"
    resaved = libreoffice.convert(path, "xlsx", tmp_path / "resaved")
    assert _values(resaved) == _values(path)


def test_unreadable_ratings_kept_by_import_survive_libreoffice(tmp_path):
    """Ratings xlplan cannot read (Stockton LSCB 2017's bare "2" without its key, a purple fill)
    are kept in the imported workbook as written: LibreOffice shows the fill, and after its save
    the workbook still reads them as unknown ratings, never as empty cells."""
    from conftest import write_rows

    from xlplan import validate
    from xlplan.importer import import_plan

    config = load_config(search_from=tmp_path)
    rows = [["Ref", "Action", "Lead", "Due", "RAG", "Progress"],
            ["1", "Participate and initiate discussion with other Tees Boards", "Chair / DCS",
             "April 2017", "2", "Executive has been established"],
            ["2", "Audit of cases", "DM", "01/05/2017", None, "Audit done"]]
    source = write_rows(tmp_path / "source.xlsx", rows, fills={"E3": "7030A0"})
    plan, report = import_plan(source, config)
    target = write_plan_workbook(tmp_path / "imported.xlsx", config, plan.actions, title=plan.title,
                                 report=report.rows())
    pdf = libreoffice.convert(target, "pdf", tmp_path / "pdf")
    assert libreoffice.page_colours(pdf, 1)["7030A0"] > 50
    resaved = libreoffice.convert(target, "xlsx", tmp_path / "resaved")
    after = read_plan(resaved, config)
    assert [(a.rag, a.rating.raw) for a in after.actions] == [(None, "2"), (None, "#7030A0")]
    found = [(f.ref, f.rule) for f in validate(after, as_of="2017-12-01").findings if f.field == "rag"]
    assert found == [("1", "unknown-rag"), ("2", "unknown-rag")]
