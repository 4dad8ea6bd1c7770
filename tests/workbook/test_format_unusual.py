"""format on unusual workbooks (issue 16): chart, macro and dialog sheets and older
LibreOffice's rules are kept byte for byte; Strict Open XML and a workbook without styles are
refused in one sentence before anything is written; no library warning reaches the terminal."""

import subprocess
import sys
import zipfile

from conftest import PROJECT, parts, write_rows
from lxml import etree

from xlplan.cli import main

HEADER = ["Ref", "Action", "Lead", "Due", "RAG", "Progress"]
ROWS = [HEADER, ["1.1", "Audit case files", "DCS", "Jan 13", "Amber", "Started"],
        ["1.2", "Train staff", "HoS", "Mar 13", "Green", "Done"]]



def repack(path, parts_):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts_.items():
            z.writestr(name, data)
    return path


def formatted_keeping(path, capsys, kept):
    """Format `path`; every part but the plan sheet and styles is as it was, and so is each of `kept`."""
    before = parts(path)
    assert main(["format", str(path)]) == 0, capsys.readouterr().err
    after = parts(path)
    assert set(after) == set(before)
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {"xl/worksheets/sheet1.xml", "xl/styles.xml"}
    assert all(after[n] == before[n] for n in kept)
    return before, after


def test_a_chart_sheet_is_kept(tmp_path, config, capsys):
    from openpyxl import load_workbook
    from openpyxl.chart import BarChart, Reference

    path = write_rows(tmp_path / "plan.xlsx", ROWS)
    wb = load_workbook(path)
    chart = BarChart()
    chart.add_data(Reference(wb["Plan"], min_col=1, min_row=1, max_row=3))
    wb.create_chartsheet("Chart").add_chart(chart)
    wb.save(path)
    before, after = formatted_keeping(path, capsys, [])
    assert any(n.startswith("xl/chartsheets/") for n in after)


def test_macro_and_dialog_sheets_are_kept(tmp_path, config, capsys):
    path = write_rows(tmp_path / "plan.xlsx", ROWS)
    p = parts(path)
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    p["xl/macrosheets/sheet1.xml"] = b'<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" ' + \
        ns + b'><sheetData><row r="1"><c r="A1" t="str"><f>RETURN()</f><v>x</v></c></row></sheetData></xm:macrosheet>'
    p["xl/dialogsheets/sheet1.xml"] = b"<dialogsheet " + ns + b"/>"
    rels = (b'<Relationship Id="rIdM" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" '
            b'Target="macrosheets/sheet1.xml"/><Relationship Id="rIdD" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/dialogsheet" Target="dialogsheets/sheet1.xml"/></Relationships>')
    p["xl/_rels/workbook.xml.rels"] = p["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", rels)
    p["xl/workbook.xml"] = p["xl/workbook.xml"].replace(
        b"</sheets>", b'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="Macro1" '
                     b'sheetId="8" r:id="rIdM"/><sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                     b'relationships" name="Dialog1" sheetId="9" r:id="rIdD"/></sheets>')
    repack(path, p)
    assert main(["export", str(path), "-o", str(tmp_path / "out.json")]) == 0
    formatted_keeping(path, capsys, ["xl/macrosheets/sheet1.xml", "xl/dialogsheets/sheet1.xml", "xl/workbook.xml"])


def test_older_libreoffice_rules_are_kept(tmp_path, config, capsys):
    """LibreOffice wrote operator="expression" on expression rules, which openpyxl refuses."""
    path = write_rows(tmp_path / "plan.xlsx", ROWS)
    p = parts(path)
    rule = (b'<conditionalFormatting sqref="B2:B3"><cfRule type="expression" priority="x" aboveAverage="0" '
            b'dxfId="0" operator="expression"><formula>LEN(B2)&gt;100</formula></cfRule></conditionalFormatting>')
    p["xl/worksheets/sheet1.xml"] = p["xl/worksheets/sheet1.xml"].replace(b"</sheetData>", b"</sheetData>" + rule)
    p["xl/styles.xml"] = p["xl/styles.xml"].replace(b"</styleSheet>", b"").replace(
        b'<dxfs count="0"/>', b"") + b'<dxfs count="1"><dxf><font><b/></font></dxf></dxfs></styleSheet>' \
        if b"<dxfs" not in p["xl/styles.xml"] else p["xl/styles.xml"]
    repack(path, p)
    _, after = formatted_keeping(path, capsys, [])
    root = etree.fromstring(after["xl/worksheets/sheet1.xml"])
    kept = [r for r in root.iter("{*}cfRule") if r.get("operator") == "expression"]
    assert len(kept) == 1 and kept[0].get("priority") == "x" and kept[0].findtext("{*}formula") == "LEN(B2)>100"


def refused_before_writing(path, capsys, expect):
    before = path.read_bytes()
    assert main(["format", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xlplan: ") and err.count("\n") == 1 and expect in err, err
    assert path.read_bytes() == before and not (path.parent / "backups").exists()


def test_a_workbook_without_styles_is_refused_before_writing(tmp_path, config, capsys):
    path = write_rows(tmp_path / "plan.xlsx", ROWS)
    p = parts(path)
    del p["xl/styles.xml"]
    refused_before_writing(repack(path, p), capsys, "has no styles (xl/styles.xml)")


def test_strict_open_xml_is_refused_before_writing(tmp_path, config, capsys):
    path = write_rows(tmp_path / "plan.xlsx", ROWS)
    p = {n: d.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                      b"http://purl.oclc.org/ooxml/spreadsheetml/main") for n, d in parts(path).items()}
    repack(path, p)
    assert main(["export", str(path), "-o", str(tmp_path / "out.json")]) == 0     # read, all the same
    capsys.readouterr()
    refused_before_writing(path, capsys, 'save it as "Excel Workbook" (.xlsx)')


def test_xml_lxml_will_not_edit_is_refused_before_writing(tmp_path, config, capsys):
    path = write_rows(tmp_path / "plan.xlsx", ROWS)
    p = parts(path)
    p["xl/styles.xml"] = p["xl/styles.xml"].replace(b"<styleSheet", b"<notStyles", 1).replace(
        b"</styleSheet>", b"</notStyles>")
    refused_before_writing(repack(path, p), capsys, "xl/styles.xml holds a 'notStyles'")


def test_no_library_warning_reaches_the_terminal(tmp_path, config):
    path = write_rows(tmp_path / "plan.xlsx", ROWS)
    script = ("import sys, warnings\n"
              "import xlplan.workbook.reformat as r\n"
              "real = r.checks\n"
              "def checks(*a, **k):\n"
              "    warnings.warn('a library has something to say', UserWarning)\n"
              "    return real(*a, **k)\n"
              "r.checks = checks\n"
              "from xlplan.cli import main\n"
              "sys.exit(main(sys.argv[1:]))\n")
    done = subprocess.run([sys.executable, "-W", "default", "-c", script, "format", str(path)],
                          capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(PROJECT), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert "something to say" not in done.stderr and done.stderr == ""
