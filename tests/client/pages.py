"""Looking at rendered pages as a reader would: word boxes from `pdftotext -bbox`, words
printed over words of another row, the smallest text, and which sheet each page belongs to.

Also a script: the page count of every sheet of every workbook xlplan writes, for the shipped
default and for seeds 000, 001 and 004 imported (the figures in the README's "On paper"):

    python tests/client/pages.py [OUTDIR]

Each sheet is measured on its own (the others hidden in a copy, since LibreOffice prints
only visible sheets), so the figures do not depend on footers or on any guess."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import os
import re
import shutil
import statistics
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
SEEDS = PROJECT / "tests" / "fixtures" / "seeds"
SOURCES = {                     # name -> (source, as-of date)
    "default": (PROJECT / "workbooks" / "plan.xlsx", dt.date(2026, 11, 23)),
    "seed 000": (SEEDS / "000_5f410cbe6595b4ac.txt", dt.date(2009, 5, 31)),
    "seed 001": (SEEDS / "001_c214f7114ef60200.txt", dt.date(2013, 3, 1)),
    "seed 004": (SEEDS / "004_498ca0c0c89041b6.txt", dt.date(2011, 9, 30)),
}


@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def words(pdf: Path) -> list[list[Word]]:
    """Each page's words with their boxes, in points from the top left."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages: list[list[Word]] = []
    box = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>')
    for line in out.splitlines():
        if line.strip().startswith("<page"):
            pages.append([])
        elif (m := box.search(line)) and pages:
            x0, y0, x1, y1 = map(float, m.groups()[:4])
            pages[-1].append(Word(len(pages), x0, y0, x1, y1, html.unescape(m[5])))
    return pages


def overlapping(page: list[Word]) -> list[tuple[Word, Word]]:
    """Pairs of words printed over each other: their boxes share more than 30% of the smaller
    box's area, and more than a point each way. Two words on one line never do; a line of
    wrapped text run over the next row's text does."""
    found = []
    ordered = sorted(page, key=lambda w: w.y0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.y0 >= a.y1:
                break
            ix = min(a.x1, b.x1) - max(a.x0, b.x0)
            iy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if ix > 1 and iy > 1:
                small = min((a.x1 - a.x0) * a.height, (b.x1 - b.x0) * b.height)
                if small > 0 and ix * iy > 0.3 * small:
                    found.append((a, b))
    return found


def smallest_text(pages: list[list[Word]]) -> float:
    """The height in points of the smallest word box on any page (about the font size)."""
    return min((w.height for page in pages for w in page if w.height > 0.5), default=99.0)


# LibreOffice sets lines of Calibri 11 about 11.1 pt apart, a word box being 14.3 pt tall; Excel
# sets them 15 pt apart, and xlplan's row heights are Excel's (text is never cut off there).
LINE_PITCH = 11.1 / 14.3            # LibreOffice's line pitch, in word-box heights
EXCEL_LINE = 15 / 11.1              # an Excel line, in LibreOffice lines


def body_words(pages_of_sheet: list[list[Word]]) -> list[list[Word]]:
    """Each page's words other than what every page of a sheet repeats (the page header, the
    repeated table header; wherever a page prints them) and its footer line."""
    texts = [{w.text for w in page} for page in pages_of_sheet]
    everywhere = set.intersection(*texts) if len(texts) > 1 else set()
    out = []
    for page in pages_of_sheet:
        bottom = max((w.y1 for w in page), default=0)
        out.append([w for w in page if w.y1 < bottom - 4 and w.text not in everywhere])
    return out


def text_blocks(page: list[Word]) -> list[tuple[float, float]]:
    """The page's runs of text from top to bottom (word boxes merged where they touch), the
    footer line left out: a row's text is a run, the blank below it a gap."""
    if not page:
        return []
    bottom = max(w.y1 for w in page)
    runs: list[list[float]] = []
    for y0, y1 in sorted((w.y0, w.y1) for w in page if w.y1 < bottom - 4):
        if runs and y0 <= runs[-1][1] + 0.5:
            runs[-1][1] = max(runs[-1][1], y1)
        else:
            runs.append([y0, y1])
    return [(a, b) for a, b in runs]


def blank_below_text(page: list[Word]) -> list[tuple[float, float, float]]:
    """(lines of text, blank lines below it, y) for each run of text followed by another, in
    LibreOffice's lines: how much taller than its text a row prints."""
    if not page:
        return []
    box = statistics.median(w.height for w in page)
    pitch = box * LINE_PITCH
    runs = text_blocks(page)
    return [((b - a - box) / pitch + 1, (c - b) / pitch, a) for (a, b), (c, _) in zip(runs, runs[1:])]


def page_size(pdf: Path, page: int = 1) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", "-f", str(page), "-l", str(page), str(pdf)],
                          capture_output=True, text=True, check=True).stdout
    size = next(l for l in info.splitlines() if l.startswith(f"Page {page:>4} size") or l.startswith("Page size"))
    w, h = re.findall(r"([\d.]+) x ([\d.]+)", size)[0]
    return float(w), float(h)


def page_sheets(pages: list[list[Word]], names: list[str]) -> list[str]:
    """The sheet each page belongs to, read from its footer: xlplan prints the sheet's name at
    the foot of every page it writes (`&A`), at the left, on the last line."""
    out = []
    longest = sorted(names, key=len, reverse=True)
    for page in pages:
        if not page:
            out.append("")
            continue
        bottom = max(w.y1 for w in page)
        foot = " ".join(w.text for w in sorted(page, key=lambda w: w.x0) if w.y1 > bottom - 4 and w.x0 < 200)
        out.append(next((n for n in longest if foot.startswith(n)), ""))
    return out


# -- the outputs ---------------------------------------------------------------------------------

def _project(folder: Path, plan: Path) -> Path:
    """A project folder holding `plan` as its shared workbook; the default's history with it."""
    (folder / "config").mkdir(parents=True, exist_ok=True)
    (folder / "workbooks" / "history").mkdir(parents=True, exist_ok=True)
    shutil.copy(plan, folder / "workbooks" / "plan.xlsx")
    text = (PROJECT / "config" / "xlplan.toml").read_text()
    (folder / "config" / "xlplan.toml").write_text(text)
    shutil.copy(PROJECT / "config" / "chase-email.txt", folder / "config" / "chase-email.txt")
    if plan == SOURCES["default"][0]:
        for p in (PROJECT / "workbooks" / "history").glob("plan.2026-11-*.xlsx"):
            shutil.copy(p, folder / "workbooks" / "history" / p.name)
    for p in folder.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return folder / "config" / "xlplan.toml"


def outputs(name: str, folder: Path) -> dict[str, Path]:
    """Every workbook xlplan writes for one source: the shared workbook (`import`, or for the
    default `init --from`), and the weekly report, summary, exceptions, changes, chase and
    findings workbooks made from it."""
    from xlplan.cli import main

    source, as_of = SOURCES[name]
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    if name == "default":
        made["init"] = folder / "init.xlsx"
        first, plan = ["init", made["init"], "--from", source], source
    else:
        made["import"] = plan = folder / "import.xlsx"
        first = ["import", source, "-o", plan]
    config = folder / "project" / "config" / "xlplan.toml"

    def run(*args) -> int:
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            return main([*map(str, args), "--config", str(config)])

    if name != "default":                      # the imported plan becomes the project's shared workbook
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            assert main([*map(str, first)]) == 0
    _project(folder / "project", plan)
    if name == "default":
        assert run(*first) == 0
    shared = folder / "project" / "workbooks" / "plan.xlsx"
    older = sorted((folder / "project" / "workbooks" / "history").glob("plan.*.xlsx"))
    day = ["--as-of", as_of.isoformat()]
    for kind, args in {
        "summary": ["summary", shared, *day, "-o", folder / "summary.xlsx"],
        "exceptions": ["exceptions", shared, *day, "-o", folder / "exceptions.xlsx"],
        "changes": ["compare", older[0] if older else shared, shared, *day, "-o", folder / "changes.xlsx"],
        "chase": ["chase", shared, *day, "-o", folder / "chase.xlsx", "--outbox", folder / "outbox"],
        "findings": ["validate", shared, *day, "-o", folder / "findings.xlsx"],
    }.items():
        assert run(*args) in (0, 1), kind
        made[kind] = folder / f"{kind}.xlsx"
    assert run("weekly", *day) in (0, 1)
    made["weekly"] = next((folder / "project" / "reports").rglob("*.xlsx"))
    return made


# -- per-sheet page counts (the measurement) -----------------------------------------------------

def visible_sheets(xlsx: Path) -> list[str]:
    with zipfile.ZipFile(xlsx) as z:
        book = z.read("xl/workbook.xml").decode()
    return [html.unescape(m[1]) for m in re.finditer(r'<sheet\b[^>]*\bname="([^"]*)"[^>]*/>', book)
            if 'state="hidden"' not in m[0] and 'state="veryHidden"' not in m[0]]


def only_sheet(xlsx: Path, keep: str, out: Path) -> Path:
    """A copy of `xlsx` with every sheet but `keep` hidden (LibreOffice prints visible sheets)."""
    with zipfile.ZipFile(xlsx) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    book = parts["xl/workbook.xml"].decode()
    sheets = re.findall(r'<sheet\b[^>]*/>', book)
    names = [html.unescape(re.search(r'name="([^"]*)"', s)[1]) for s in sheets]
    for s, n in zip(sheets, names):
        if n != keep and "state=" not in s:
            book = book.replace(s, s.replace("<sheet ", '<sheet state="hidden" ', 1))
    index = names.index(keep)
    book = re.sub(r'activeTab="\d+"', f'activeTab="{index}"', book)
    if "activeTab=" not in book:
        book = book.replace("<workbookView ", f'<workbookView activeTab="{index}" ', 1)
    book = re.sub(r'firstSheet="\d+"', f'firstSheet="{index}"', book)
    # LibreOffice prints a hidden sheet's print area all the same: keep only this sheet's
    book = re.sub(r'<definedName name="_xlnm.Print_Area" localSheetId="(\d+)"[^>]*>[^<]*</definedName>',
                  lambda m: m[0] if int(m[1]) == index else "", book)
    parts["xl/workbook.xml"] = book.encode()
    # a sheet left "selected" (tabSelected) but hidden confuses the print range: unselect all
    for n in parts:
        if n.startswith("xl/worksheets/sheet"):
            parts[n] = parts[n].replace(b' tabSelected="1"', b"")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return out


def sheet_pages(xlsx: Path, folder: Path) -> dict[str, int]:
    sys.path.insert(0, str(HERE))
    import libreoffice

    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for i, sheet in enumerate(visible_sheets(xlsx)):
        copy = only_sheet(xlsx, sheet, folder / f"{xlsx.stem}-{i}.xlsx")
        counts[sheet] = libreoffice.page_count(libreoffice.convert(copy, "pdf", folder / "pdf"))
    return counts


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else Path("/tmp/xlplan-pages")
    shutil.rmtree(out, ignore_errors=True)
    print("| source | workbook | sheet | pages |\n|---|---|---|---:|")
    for name in SOURCES:
        folder = out / name.replace(" ", "")
        for kind, path in outputs(name, folder).items():
            for sheet, n in sheet_pages(path, folder / "sheets").items():
                print(f"| {name} | {kind} | {sheet} | {n} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
