"""The board report in Word (xlplan/report/board.py, `xlplan board-report`): every number the
one `summary --json` gives for the same plan and date, the exceptions those `exceptions --json`
lists as Red, Amber/Red, No data or overdue, accessible, and on a council's template."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import docx
import pytest
from conftest import SEED_000, SEED_001, SEED_004
from docx.oxml.ns import qn

from xlplan.cli import main

AS_OF = "2026-11-23"
EXCEPTION_LABELS = ("Red", "Amber/Red", "No data")


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def read_report(path):
    """What a reader of the .docx finds: headings, bullets, and each table by its caption
    (rows of cell texts, the header row first)."""
    document = docx.Document(str(path))
    body = document.element.find(qn("w:body"))
    tables = {}
    for table, element in zip(document.tables, body.findall(qn("w:tbl"))):
        caption = element.find(f"{qn('w:tblPr')}/{qn('w:tblCaption')}")
        key = caption.get(qn("w:val")) if caption is not None else f"table {len(tables)}"
        tables[key] = {"rows": [[c.text for c in row.cells] for row in table.rows], "element": element}
    return {
        "document": document,
        "headings": [(p.style.name, p.text) for p in document.paragraphs
                     if p.style.name.startswith("Heading") or p.style.name == "Title"],
        "bullets": [p.text for p in document.paragraphs if p.style.name == "List Bullet"],
        "paragraphs": [p.text for p in document.paragraphs],
        "tables": tables,
    }


def label_of(cell: str) -> str:
    """'■ Red' -> 'Red' (the square is decoration; the label is written)."""
    return cell.lstrip("\u25a0\u25a1\u00a0 ").split("\n")[0].strip()


def check_numbers(report, summary, exceptions):
    """Every number of the board report against `summary --json` and `exceptions --json`."""
    by_rag, as_rated = summary["by_rag"], summary["as_rated"]
    counts = report["tables"]["Actions by rating"]["rows"]
    header, rows, total = counts[0], counts[1:-1], counts[-1]
    assert header[:2] == ["Rating", "Board"]
    table = {label_of(r[0]): int(r[1]) for r in rows}
    assert {k: v for k, v in table.items() if v} == by_rag
    assert total[0] == "Total" and int(total[1]) == summary["actions"]
    if "As last rated" in header:
        col = header.index("As last rated")
        assert {label_of(r[0]): int(r[col]) for r in rows if int(r[col])} == as_rated
    else:
        assert as_rated == by_rag, "No data hides ratings, but the counts as rated are not shown"
    previous = [h for h in header if h.startswith("Previous")]
    if previous and "trend" in summary:
        col = header.index(previous[0])
        assert {label_of(r[0]): int(r[col]) for r in rows if int(r[col])} == summary["trend"][-2]["by_rag"]
        change = header.index("Change")
        for r in rows:
            assert int(r[change].replace("\u2212", "-").lstrip("+")) == int(r[1]) - int(r[col])

    chart = report["tables"]["Chart: actions by rating"]["rows"][1:]
    assert {label_of(r[0]): int(r[1]) for r in chart} == by_rag
    for r in chart:                                 # the bar's number is the count too
        assert re.search(rf"\b{r[1]}$", r[2].split("\n")[0])
    blocks = {int(r[1]): r[2].split("\n")[0].count("\u2588") for r in chart}
    most = max(blocks)                              # bars in proportion, the longest 30 blocks
    assert blocks[most] == 30
    for n, length in blocks.items():
        assert abs(length - n / most * 30) <= 1 and (length > 0) == (n > 0)

    # the summary bullets: one a rating, their numbers the board's counts
    if report["bullets"]:
        spoken = {}
        for text in report["bullets"]:
            number, label = re.match(r"(\d+) (?:is|are) marked (amber/green|amber/red|no data|\w+)", text).groups()
            label = {"amber/green": "Amber/Green", "amber/red": "Amber/Red", "no data": "No data"}.get(label, label.title())
            spoken[label] = spoken.get(label, 0) + int(number)
        assert spoken == by_rag
        intro = next(p for p in report["paragraphs"] if p.startswith("In summary"))
        assert f"of the {summary['actions']} actions" in intro
    else:                                             # no ratings at all: said in one sentence
        assert any(summary["narrative"] in p for p in report["paragraphs"])

    if "trend" in summary:
        trend = report["tables"]["Week by week"]["rows"]
        labels = trend[0][1:]
        weeks = trend[1:]
        assert len(weeks) == min(len(summary["trend"]), 12)
        for row, week in zip(weeks, summary["trend"][-len(weeks):]):
            assert {l: int(n) for l, n in zip(labels, row[1:]) if int(n)} == week["by_rag"]

    # the exceptions: exactly the actions Red, Amber/Red, No data or overdue
    wanted = {a["ref"] for g in exceptions["groups"] for a in g["actions"]
              if a["rag"] in EXCEPTION_LABELS or a["overdue_days"] is not None}
    listed = [r[0] for key, t in report["tables"].items() if key.startswith("Exceptions:") for r in t["rows"][1:]]
    assert sorted(listed) == sorted(wanted)
    for key, t in report["tables"].items():
        if key.startswith("Exceptions:"):
            assert int(re.search(r"\((\d+)\)$", key).group(1)) == len(t["rows"]) - 1


@pytest.fixture
def seeds(tmp_path, capsys):
    """Seeds 000, 001 and 004 imported into shared workbooks."""
    out = {}
    for seed, date in ((SEED_000, "2009-05-01"), (SEED_001, "2012-11-21"), (SEED_004, "2011-03-22")):
        path = tmp_path / f"{seed.stem[:3]}.xlsx"
        code, _, err = run(capsys, "import", seed, "-o", path, "--plan-date", date)
        assert code == 0, err
        out[seed.stem[:3]] = path
    return out


def both(capsys, plan, docx_path, *extra):
    code, out, err = run(capsys, "board-report", plan, "-o", docx_path, "--as-of", AS_OF, "--json", *extra)
    assert code == 0, err
    written = json.loads(out)
    code, out, err = run(capsys, "summary", plan, "--as-of", AS_OF, "--json", *extra)
    assert code == 0, err
    summary = json.loads(out)
    code, out, err = run(capsys, "exceptions", plan, "--as-of", AS_OF, "--json", *extra)
    assert code == 0, err
    return written, summary, json.loads(out)


def test_every_number_is_summary_json_s_on_the_default(project, capsys):
    written, summary, exceptions = both(capsys, "workbooks/plan.xlsx", project / "board.docx")
    assert written["by_rag"] == summary["by_rag"] and written["as_rated"] == summary["as_rated"]
    report = read_report(project / "board.docx")
    check_numbers(report, summary, exceptions)
    assert "trend" in summary                      # the default has history: previous and trend shown
    assert any(h.startswith("Previous (16/11/2026)") for h in report["tables"]["Actions by rating"]["rows"][0])
    assert any(p.startswith("Since the previous version (16/11/2026): 2 improved, 0 worsened, 26 unchanged, 0 new")
               for p in report["paragraphs"])


def test_previous_gives_the_counts_of_the_version_the_last_report_was_made_from(project, capsys):
    old = "workbooks/history/plan.2026-11-09.xlsx"
    code, out, err = run(capsys, "board-report", "-o", project / "board.docx", "--as-of", AS_OF,
                         "--previous", old, "--json")
    assert code == 0, err
    assert json.loads(out)["previous"]["version"] == "plan.2026-11-09.xlsx"
    code, out, err = run(capsys, "summary", old, "--as-of", AS_OF, "--json")
    then = json.loads(out)["by_rag"]
    code, out, err = run(capsys, "summary", "workbooks/plan.xlsx", "--as-of", AS_OF, "--previous", old, "--json")
    movement = json.loads(out)["movement"]
    report = read_report(project / "board.docx")
    rows = report["tables"]["Actions by rating"]["rows"]
    assert rows[0][2] == "Previous (plan.2026-11-09.xlsx)"
    assert {label_of(r[0]): int(r[2]) for r in rows[1:-1] if int(r[2])} == then
    assert then != json.loads(out)["by_rag"]                      # the test can tell the two apart
    assert any(p.startswith(f"Since the previous version (plan.2026-11-09.xlsx): {movement['improved']} improved, "
                            f"{movement['worsened']} worsened, {movement['unchanged']} unchanged")
               for p in report["paragraphs"])


@pytest.mark.parametrize("seed", ["000", "001", "004"])
def test_every_number_is_summary_json_s_on_the_seeds(seeds, tmp_path, capsys, seed):
    _, summary, exceptions = both(capsys, seeds[seed], tmp_path / "board.docx")
    report = read_report(tmp_path / "board.docx")
    check_numbers(report, summary, exceptions)


def test_the_summary_speaks_in_seed_003_s_voice_with_the_reasons(project, capsys):
    both(capsys, "workbooks/plan.xlsx", project / "board.docx")
    report = read_report(project / "board.docx")
    assert "In summary, of the 28 actions:" in report["paragraphs"]
    bullets = report["bullets"]
    assert bullets[0] == "9 are marked green, as completed"
    # the reason the plan gives for its one amber/red action, quoted from the lead
    amber_red = next(b for b in bullets if "amber/red" in b)
    assert "2.7: \u201cProcess begun but on hold while HSCB Manager off sick\u201d" in amber_red
    red = next(b for b in bullets if "marked red" in b)
    assert "2.3, 2.6, 2.17 and 4.12" in red
    assert bullets[-1].endswith("(2.15 and 2.16)")


def test_no_data_hiding_ratings_shows_the_counts_as_rated(project, tmp_path):
    """Two Red actions whose leads stopped updating and were chased (their week's status as
    status.py gives it then): the board is told No data, and the report shows the Reds as last
    rated beside it, in the table, the chart and the exceptions."""
    from dataclasses import replace

    from xlplan.config import load_config
    from xlplan.plan import read_plan
    from xlplan.report.board import board_report_from
    from xlplan.status import week_status
    from xlplan.summary import summarise

    config = load_config()
    plan = read_plan("workbooks/plan.xlsx", config)
    status = week_status(plan, config, as_of="2026-11-23")

    reds = [s for s in status.actions if s.board == "Red"][:2]
    status.actions = [replace(s, board="No data", no_data="no update despite chasing") if s in reds else s
                      for s in status.actions]
    summary = summarise(status, config)
    assert summary.by_rag["Red"] == 2 and summary.as_rated["Red"] == 4
    report = board_report_from(summary, config, title="Seed 000")
    report.save(tmp_path / "board.docx")
    read = read_report(tmp_path / "board.docx")
    rows = read["tables"]["Actions by rating"]["rows"]
    assert rows[0][:3] == ["Rating", "Board", "As last rated"]
    red = next(r for r in rows if label_of(r[0]) == "Red")
    assert red[1:3] == ["2", "4"]
    chart = read["tables"]["Chart: actions by rating"]
    assert "4 as last rated" in next(r for r in chart["rows"] if label_of(r[0]) == "Red")[2]
    assert "As last rated by their leads" in chart["element"].find(
        f"{qn('w:tblPr')}/{qn('w:tblDescription')}").get(qn("w:val"))
    no_data = [r for key, t in read["tables"].items() if key.startswith("Exceptions: No data") for r in t["rows"][1:]]
    assert {s.ref for s in reds} <= {r[0] for r in no_data}
    assert all("last rated Red" in r[2] for r in no_data if r[0] in {s.ref for s in reds})


def test_accessible_title_headings_header_rows_alt_text_and_labels(project, capsys):
    both(capsys, "workbooks/plan.xlsx", project / "board.docx")
    report = read_report(project / "board.docx")
    document = report["document"]
    assert document.core_properties.title == "Progress report: Safeguarding Review \u2013 Action Plan: Exception Report, May 2009, 23/11/2026"
    assert document.core_properties.language == "en-GB"
    styles = [name for name, _ in report["headings"]]
    assert styles[0] == "Title" and "Heading 1" in styles and "Heading 2" in styles
    assert [t for s, t in report["headings"] if s == "Heading 1"] == [
        "Summary", "Actions by rating", "Week by week", "Exceptions"]
    for key, table in report["tables"].items():
        first = table["element"].find(qn("w:tr"))
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None, f"{key}: no repeating header row"
        description = table["element"].find(f"{qn('w:tblPr')}/{qn('w:tblDescription')}")
        assert not key.startswith("table ") and description is not None and description.get(qn("w:val"))
    # a rating is never colour alone: every rating cell writes its label
    labels = {"Blue", "Green", "Amber/Green", "Amber", "Amber/Red", "Red", "Grey", "No data"}
    for key, table in report["tables"].items():
        column = 2 if key.startswith("Exceptions:") else 0
        if key == "Week by week":
            continue
        for row in table["rows"][1:]:
            if row[0] != "Total":
                assert label_of(row[column]) in labels, (key, row)
    assert not document.inline_shapes                 # the chart is a table, not an image without text


def test_on_the_council_s_template_at_its_placeholder(project, capsys, tmp_path):
    """The template's styles, header and footer are kept; the report replaces the paragraph
    {{board_report}}; styles the template lacks (Word keeps only those used) are added."""
    from docx.shared import Pt

    template = docx.Document()
    template.sections[0].header.paragraphs[0].text = "Herefordshire Council: Scrutiny Committee"
    template.sections[0].footer.paragraphs[0].text = "OFFICIAL"
    template.styles["Normal"].font.name = "Verdana"
    template.styles["Normal"].font.size = Pt(12)
    template.add_paragraph("UPDATE ON CHILDREN'S SAFEGUARDING", style="Heading 1")
    template.add_paragraph("15. For scrutiny purposes, the action plan's progress follows.")
    template.add_paragraph("{{board_report}}")
    template.add_paragraph("RECOMMENDATION")
    for name in ("List Bullet", "Heading 3", "Table Grid"):     # as a template made in Word may lack them
        element = template.styles[name].element
        element.getparent().remove(element)
    template.save(tmp_path / "council.docx")

    code, _, err = run(capsys, "board-report", "-o", tmp_path / "board.docx", "--template", tmp_path / "council.docx",
                       "--as-of", AS_OF)
    assert code == 0, err
    report = read_report(tmp_path / "board.docx")
    document = report["document"]
    texts = report["paragraphs"]
    assert "{{board_report}}" not in texts
    start = texts.index("15. For scrutiny purposes, the action plan's progress follows.")
    assert texts[start + 1] == "Safeguarding Review \u2013 Action Plan: Exception Report, May 2009"
    assert texts[-1] == "RECOMMENDATION"
    assert document.sections[0].header.paragraphs[0].text == "Herefordshire Council: Scrutiny Committee"
    assert document.sections[0].footer.paragraphs[0].text == "OFFICIAL"
    assert document.styles["Normal"].font.name == "Verdana"
    # under the council's own Heading 1, the report's headings start at level 1 and go down
    assert ("Heading 1", "Safeguarding Review \u2013 Action Plan: Exception Report, May 2009") in report["headings"]
    assert ("Heading 2", "Summary") in report["headings"] and ("Heading 3", "Red (4)") in report["headings"]
    assert any(t.startswith("\u2022 9 are marked green") for t in texts)     # no List Bullet style: a bullet written
    borders = report["tables"]["Actions by rating"]["element"].find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}")
    assert borders is not None                                               # no Table Grid: borders of its own


def test_without_a_placeholder_the_report_goes_at_the_end(project, capsys, tmp_path):
    template = docx.Document()
    template.add_paragraph("Report to the board")
    template.save(tmp_path / "council.docx")
    code, _, err = run(capsys, "board-report", "-o", tmp_path / "board.docx", "--template", tmp_path / "council.docx")
    assert code == 0, err
    texts = read_report(tmp_path / "board.docx")["paragraphs"]
    assert texts[0] == "Report to the board" and texts[1].startswith("Safeguarding Review")


def test_the_config_s_template_and_exception_ratings(project, capsys, tmp_path):
    template = docx.Document()
    template.sections[0].footer.paragraphs[0].text = "Council footer"
    template.save(project / "config" / "council.docx")
    with open(project / "config" / "xlplan.toml", "a", encoding="utf-8") as f:
        f.write('\n[board_report]\ntemplate = "config/council.docx"\nexceptions = ["Red"]\n')
    code, _, err = run(capsys, "board-report", "-o", tmp_path / "board.docx", "--as-of", AS_OF)
    assert code == 0, err
    report = read_report(tmp_path / "board.docx")
    assert report["document"].sections[0].footer.paragraphs[0].text == "Council footer"
    groups = [k for k in report["tables"] if k.startswith("Exceptions:")]
    assert groups[0] == "Exceptions: Red (4)" and not any("Amber/Red" in g or "No data" in g for g in groups)


def test_an_exception_rating_not_on_the_scale_is_refused(project, capsys, tmp_path):
    with open(project / "config" / "xlplan.toml", "a", encoding="utf-8") as f:
        f.write('\n[board_report]\nexceptions = ["Redd"]\n')
    code, _, err = run(capsys, "board-report", "-o", tmp_path / "board.docx")
    assert code == 2 and "[board_report] exceptions names 'Redd'" in err
    assert not (tmp_path / "board.docx").exists()


@pytest.mark.parametrize("case", ["pdf_name", "no_template", "text_template", "dotx", "over_the_plan", "no_libreoffice"])
def test_bad_input_is_one_sentence_exit_2_and_nothing_written(project, capsys, tmp_path, monkeypatch, case):
    out = tmp_path / "board.docx"
    args = ["board-report", "-o", out]
    if case == "pdf_name":
        out = tmp_path / "board.pdf"
        args = ["board-report", "-o", out]
    elif case == "no_template":
        args += ["--template", tmp_path / "missing.docx"]
    elif case == "text_template":
        (tmp_path / "council.docx").write_text("not a Word file")
        args += ["--template", tmp_path / "council.docx"]
    elif case == "dotx":
        shutil.copy(Path(docx.__file__).parent / "templates" / "default.docx", tmp_path / "council.dotx")
        args += ["--template", tmp_path / "council.dotx"]
    elif case == "over_the_plan":
        out = project / "workbooks" / "plan.xlsx"
        args = ["board-report", "workbooks/plan.xlsx", "-o", project / "workbooks" / "plan.docx",
                "--template", project / "workbooks" / "plan.docx"]
        docx.Document().save(project / "workbooks" / "plan.docx")
        out = project / "workbooks" / "plan.docx"
    elif case == "no_libreoffice":
        monkeypatch.setattr("xlplan.report.board.soffice", lambda: None)
        args += ["--pdf"]
    before = out.read_bytes() if out.exists() else None
    code, stdout, err = run(capsys, *args)
    assert code == 2, err
    assert err.startswith("xlplan: ") and err.count("\n") == 1 and "Traceback" not in err
    assert (out.read_bytes() if out.exists() else None) == before
    if case != "pdf_name":
        assert not out.with_suffix(".pdf").exists()
    assert not list(tmp_path.glob(".board*"))
    if case == "no_libreoffice":
        assert "LibreOffice" in err and "nothing was written" in err


def test_the_library_call(project):
    import xlplan

    report = xlplan.board_report("workbooks/plan.xlsx", as_of=AS_OF)
    assert report.summary.by_rag["Red"] == 4
    assert [g for g, _ in report.exceptions] == ["Red", "Amber/Red", "No data", "Overdue"]
    assert report.save(project / "board.docx") == {"docx": project / "board.docx"}
    assert "board_report" in xlplan.__all__


def test_weekly_writes_it_only_when_configured(project, capsys):
    code, _, err = run(capsys, "weekly", "--as-of", AS_OF)
    assert code == 0, err
    assert not list((project / "reports" / AS_OF).glob("board-report-*"))
    with open(project / "config" / "xlplan.toml", "a", encoding="utf-8") as f:
        f.write("\n[board_report]\nweekly = true\n")
    code, out, err = run(capsys, "weekly", "--as-of", AS_OF, "--json")
    assert code == 0, err
    written = json.loads(out)["board_report"]
    path = project / "reports" / AS_OF / f"board-report-{AS_OF}.docx"
    assert written == {"docx": str(path)} and path.exists()
    code, summary, _ = run(capsys, "summary", "workbooks/plan.xlsx", "--as-of", AS_OF, "--json")
    counts = read_report(path)["tables"]["Actions by rating"]["rows"]
    assert {label_of(r[0]): int(r[1]) for r in counts[1:-1] if int(r[1])} == json.loads(summary)["by_rag"]


def test_weekly_says_when_the_pdf_cannot_be_made(project, capsys, monkeypatch):
    monkeypatch.setattr("xlplan.report.board.soffice", lambda: None)
    with open(project / "config" / "xlplan.toml", "a", encoding="utf-8") as f:
        f.write("\n[board_report]\nweekly = true\npdf = true\n")
    code, out, err = run(capsys, "weekly", "--as-of", AS_OF)
    assert code == 1
    assert "problem: [board_report] pdf: LibreOffice (soffice) is not installed" in out
    assert (project / "reports" / AS_OF / f"board-report-{AS_OF}.docx").exists()


@pytest.mark.parametrize("kind", ["missing", "not_word"])
def test_weekly_refuses_a_bad_template_before_it_starts(project, capsys, kind):
    if kind == "not_word":
        (project / "config" / "council.docx").write_text("Ref,Action\n")
    name = "missing.docx" if kind == "missing" else "council.docx"
    with open(project / "config" / "xlplan.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[board_report]\nweekly = true\ntemplate = "config/{name}"\n')
    code, _, err = run(capsys, "weekly", "--as-of", AS_OF)
    assert code == 2 and ("[board_report] template" in err if kind == "missing" else "not a Word document" in err), err
    assert not (project / "reports").exists() and not (project / "logs").exists()
    assert not (project / "workbooks" / "history" / f"plan.{AS_OF}.xlsx").exists()


def test_the_footer_says_page_n_of_m(project, capsys):
    both(capsys, "workbooks/plan.xlsx", project / "board.docx")
    footer = read_report(project / "board.docx")["document"].sections[0].footer
    paragraph = footer.paragraphs[-1]._p
    fields = [f.get(qn("w:instr")).strip() for f in paragraph.iter(qn("w:fldSimple"))]
    assert fields == ["PAGE", "NUMPAGES"]
    words = "".join(t.text for t in paragraph.iter(qn("w:t")))
    assert words.endswith(". Page 1 of 1")                   # the fields' placeholders, filled in on layout


def test_weeks_without_a_weekly_run_are_said_never_read_as_quiet():
    from xlplan.report.board import missed_weeks

    d = dt.date
    assert missed_weeks([d(2026, 11, 9), d(2026, 11, 16), d(2026, 11, 23)]) == ""
    assert missed_weeks([d(2026, 11, 9), d(2026, 11, 18)]) == ""          # a run two days late
    assert missed_weeks([d(2026, 11, 9), d(2026, 11, 16), d(2026, 12, 7)]) == (
        " No weekly run in the weeks of 23/11/2026 and 30/11/2026.")
    assert missed_weeks([d(2026, 11, 9), d(2026, 11, 23)]) == " No weekly run in the week of 16/11/2026."
