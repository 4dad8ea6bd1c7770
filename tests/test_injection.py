"""Text from a plan that a spreadsheet would run as a formula is written as text in every
workbook and CSV xlplan produces."""

import csv
import io

from conftest import write_rows
from openpyxl import load_workbook

from xlplan.cli import main

HOSTILE = {"theme": "-2+3+cmd|' /C calc'!A0", "action": "=HYPERLINK(\"http://evil.example\",\"Click\")",
           "lead": "@SUM(1+1)*cmd|' /C calc'!A0", "progress": "+44 20 7946 0000 called", "ref": "1.1"}


def plan(tmp_path):
    header = ["Ref", "Theme", "Action", "Lead", "Due", "RAG", "Progress"]
    rows = [[HOSTILE["ref"], HOSTILE["theme"], HOSTILE["action"], HOSTILE["lead"], "Jan 09", "Amber", HOSTILE["progress"]],
            ["1.2", "\tTabbed", "-1 day late", "DCS", "Jan 09", "Red", "=1+1"]]
    return write_rows(tmp_path / "plan.xlsx", [header, *rows])


def formulas(path):
    wb = load_workbook(path)
    return [(ws.title, c.coordinate, c.value) for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_every_workbook_writes_plan_text_as_text(tmp_path, capsys):
    source = plan(tmp_path)
    other = tmp_path / "other.xlsx"
    other.write_bytes(source.read_bytes())
    outputs = {
        "init": (["init", str(tmp_path / "init.xlsx"), "--from", str(source)], tmp_path / "init.xlsx"),
        "import": (["import", str(source), "-o", str(tmp_path / "import.xlsx")], tmp_path / "import.xlsx"),
        "validate": (["validate", str(source), "-o", str(tmp_path / "findings.xlsx")], tmp_path / "findings.xlsx"),
        "compare": (["compare", str(other), str(source), "-o", str(tmp_path / "changes.xlsx")], tmp_path / "changes.xlsx"),
        "summary": (["summary", str(source), "-o", str(tmp_path / "summary.xlsx")], tmp_path / "summary.xlsx"),
        "exceptions": (["exceptions", str(source), "-o", str(tmp_path / "exc.xlsx")], tmp_path / "exc.xlsx"),
        "chase": (["chase", str(source), "-o", str(tmp_path / "chase.xlsx")], tmp_path / "chase.xlsx"),
    }
    for name, (args, path) in outputs.items():
        assert main(args + ["--as-of", "2009-05-31"] if name not in ("init", "import") else args) in (0, 1), name
        assert formulas(path) == [], name
        texts = [c.value for ws in load_workbook(path) for row in ws.iter_rows() for c in row]
        assert any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in texts), f"{name}: nothing to check"
    capsys.readouterr()


def test_csv_export_escapes_formula_text(tmp_path, capsys):
    assert main(["export", str(plan(tmp_path)), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["action"] == "'" + HOSTILE["action"]
    assert rows[0]["lead"] == "'" + HOSTILE["lead"]
    assert rows[0]["progress"] == "'" + HOSTILE["progress"]
    assert rows[0]["group"] == "'" + HOSTILE["theme"]
    assert rows[1]["progress"] == "'=1+1" and rows[1]["action"] == "'-1 day late"
