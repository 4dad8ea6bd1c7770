"""The board report in a real word processor: LibreOffice Writer opens the .docx that
`xlplan board-report --pdf` writes and converts it to PDF; the PDF holds the headings, the
tables, the chart and the summary (pdftotext), and the rating colours show. On a council's
template too.

Skipped where LibreOffice is not installed, unless XLPLAN_REQUIRE_LIBREOFFICE is set."""

import os
import subprocess

import libreoffice
import pytest

from xlplan.cli import main

if libreoffice.soffice() is None:
    if os.environ.get("XLPLAN_REQUIRE_LIBREOFFICE"):
        raise RuntimeError("XLPLAN_REQUIRE_LIBREOFFICE is set but soffice is not on PATH")
    pytest.skip("LibreOffice (soffice) is not installed", allow_module_level=True)

pytestmark = pytest.mark.libreoffice
AS_OF = "2026-11-23"


def pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pdf_title(pdf) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Title:")), "")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The default's board report, written with --pdf (LibreOffice converts it)."""
    from conftest import PROJECT

    folder = tmp_path_factory.mktemp("board")
    cwd = os.getcwd()
    os.chdir(PROJECT)
    try:
        code = main(["board-report", "-o", str(folder / "board.docx"), "--as-of", AS_OF, "--pdf"])
    finally:
        os.chdir(cwd)
    assert code == 0
    return folder / "board.pdf"


def test_libreoffice_converts_it_with_headings_tables_and_chart(rendered):
    text = pdf_text(rendered)
    flat = " ".join(text.split())
    for heading in ("Safeguarding Review", "Summary", "Actions by rating", "Week by week", "Exceptions",
                    "Red (4)", "Amber/Red (1)", "No data (2)"):
        assert heading in flat, f"heading {heading!r} is not in the PDF"
    assert "In summary, of the 28 actions:" in flat
    assert "9 are marked green, as completed" in flat
    assert "Rating Board Previous" in flat and "Change" in flat            # the counts table's header row
    assert "Total 28 28 0" in flat                                        # ... and its total row
    assert "Chart: the actions by rating" in flat
    assert "\u2588" in text                                              # the chart's bars
    assert "Lead's latest statement" in flat and "Process begun but on hold while HSCB Manager off sick" in flat
    assert pdf_title(rendered).startswith("Progress report: Safeguarding Review")
    pages = libreoffice.page_count(rendered)
    assert 3 <= pages <= 6, pages
    # the exceptions table's header row repeats on each page it runs onto
    for page in range(3, pages + 1):
        page_text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(rendered), "-"],
                                   capture_output=True, text=True, check=True).stdout
        if "Overdue" in page_text:
            assert "Lead's latest" in page_text, f"page {page} has exception rows without the header row"


def test_the_rating_colours_show_beside_their_labels(rendered):
    from xlplan.config import load_config

    config = load_config()
    colours = libreoffice.page_colours(rendered, 1)
    for label in ("Green", "Amber", "Red"):
        assert colours[config.scale.level(label).colour] > 20, f"{label}'s bar does not show"


def test_on_a_council_template_libreoffice_keeps_its_header_and_footer(tmp_path):
    import docx
    from conftest import PROJECT

    template = docx.Document()
    template.sections[0].header.paragraphs[0].text = "Herefordshire Council Scrutiny Committee"
    template.sections[0].footer.paragraphs[0].text = "OFFICIAL: for the committee"
    template.add_paragraph("Update on children's safeguarding", style="Heading 1")
    template.add_paragraph("{{board_report}}")
    template.add_paragraph("RECOMMENDATION: that members note the report.")
    template.save(tmp_path / "council.docx")
    cwd = os.getcwd()
    os.chdir(PROJECT)
    try:
        code = main(["board-report", "-o", str(tmp_path / "board.docx"), "--template", str(tmp_path / "council.docx"),
                     "--as-of", AS_OF, "--pdf"])
    finally:
        os.chdir(cwd)
    assert code == 0
    text = " ".join(pdf_text(tmp_path / "board.pdf").split())
    assert text.count("Herefordshire Council Scrutiny Committee") == libreoffice.page_count(tmp_path / "board.pdf")
    assert "OFFICIAL: for the committee" in text and "{{board_report}}" not in text
    assert text.index("Update on children's safeguarding") < text.index("In summary, of the 28 actions")
    assert text.index("Exceptions") < text.index("RECOMMENDATION")
