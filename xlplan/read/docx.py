"""Word .docx plans: their tables in document order (merged cells as Word shows them, shading
as a colour-only rating), the paragraphs between them as headings."""

from __future__ import annotations

from pathlib import Path

from ..errors import WorkbookError
from .grid import Grid
from .guard import check_package


def docx_grid(path: Path, max_unpacked_bytes: int) -> Grid:
    """The tables of a Word document as one grid, in document order. A paragraph between
    tables becomes a one-cell row, so "Actions to be completed by the end of March 2009" or
    "Theme 2: ..." reads as a heading, and a table split across pages reads as one table
    with a repeated header. A cell's shading is its fill colour (colour-only ratings).

    The tables are read from the document's XML (python-docx's public `Document.element`),
    not through python-docx's cell objects, whose XML is private to them: a cell spanning
    columns is read at its first column (None after it), a cell merged down from the row
    above reads as that cell, as python-docx's `row.cells` gives them."""
    check_package(path, max_unpacked_bytes, "docx")
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise WorkbookError(f"{path} cannot be read as a Word document ({type(exc).__name__}: {exc}); "
                            f"open it in Word and save it again") from None
    rows: list[list] = []
    fills: dict[tuple[int, int], str] = {}
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = Paragraph(child, document).text.strip()
            rows.append([text] if text else [])
        elif child.tag == qn("w:tbl"):
            above: dict[int, object] = {}        # grid column -> the cell shown there in the row above
            for tr in child.iterchildren(qn("w:tr")):
                values, here = [], {}
                column = _docx_number(tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}"), 0)
                for tc in tr.iterchildren(qn("w:tc")):
                    merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
                    if merge is not None and merge.get(qn("w:val"), "continue") == "continue" and column in above:
                        tc = above[column]           # merged down: the cell at the top of the merge
                    span = _docx_number(tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}"), 1)
                    for k in range(span):
                        here[column + k] = tc
                    column += span
                    values.append(_docx_cell_text(tc, document) or None)
                    shade = tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
                    colour = shade.get(qn("w:fill")) if shade is not None else None
                    if colour and colour.lower() != "auto" and len(colour) == 6:
                        fills[(len(rows) + 1, len(values))] = colour.upper()
                    values += [None] * (span - 1)    # a merged cell, read at its first column
                above = here
                rows.append(values)

    def fill_of(row: int, col: int) -> tuple[str | None, str]:
        return fills.get((row, col)), ""

    return Grid(path, path.name, rows, {}, fill_of)


def _docx_number(element, default: int) -> int:
    """The w:val of a w:gridSpan or w:gridBefore element (`default` when absent or not a number)."""
    from docx.oxml.ns import qn

    value = element.get(qn("w:val")) if element is not None else None
    return int(value) if value is not None and value.isdigit() and int(value) > 0 else default


def _docx_cell_text(tc, document) -> str:
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    lines = []
    for p in tc.iterchildren(qn("w:p")):
        paragraph = Paragraph(p, document)
        text = paragraph.text.strip()
        if not text:
            continue
        is_list = p.find(f"{qn('w:pPr')}/{qn('w:numPr')}") is not None or "List" in (paragraph.style.name or "")
        lines.append(f"• {text}" if is_list and not text.startswith(("•", "▪")) else text)
    return "\n".join(lines)
