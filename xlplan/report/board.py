"""The board report in Word (`xlplan board-report`): what a board or scrutiny committee is
handed, on the council's own template when there is one.

It holds the summary in the business manager's voice (seed 003, paragraph 16: "In summary,
of the 28 actions: ..." and one bullet per rating, with the reasons the plan gives), the
counts by rating with the movement since the previous version, a chart drawn in a table, and
the exceptions (every action rated Red or Amber/Red, reported as No data, or overdue) with
lead, due date, revised timescale and the lead's latest statement. Every number is read from
the same Summary that `summary` prints (summary.py, from status.py): nothing is counted again.

Accessible, as public committee papers must be: a rating is always written as its label (the
coloured square beside it is decoration), every table has a header row that repeats on each
page, the document has a title and headings, and the chart table has alternative text.

Written with python-docx's public API. What it has no API for (a header row that repeats, a
table's alternative text, borders where a template has no "Table Grid" style, a page number
field, moving the report to the template's placeholder) is done on the document's XML reached
through its public `Document.element` (and `Part.element`), with docx.oxml's `qn`."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..errors import InputError, OutputError
from ..rag import NO_DATA
from ..status import ActionStatus, day
from ..summary import NarrativePart, Summary, narrative_parts
from ..text import one_paragraph, shorten

PLACEHOLDER = "{{board_report}}"
OVERDUE = "Overdue"                       # the exceptions group of overdue actions of other ratings
STATEMENT_LIMIT = 1500                    # characters of a lead's statement shown (cut at a word)
ACTION_LIMIT = 240
REASONS_QUOTED = 3                        # a bullet quotes its actions' statements up to this many
BAR = "\u2588"                            # full block: the chart's bars
BAR_AS_RATED = "\u2592"                   # medium shade: the bars as last rated
BAR_WIDTH = 30                            # blocks in the longest bar
TREND_WEEKS = 12


def missed_weeks(weeks: list) -> str:
    """' No weekly run in the weeks of 23/11/2026 and 30/11/2026.' where runs are more than a
    week apart, so a gap is never read as a quiet week; '' otherwise."""
    gaps = []
    for before, after in zip(weeks, weeks[1:]):
        week = before + dt.timedelta(days=7)
        while (after - week).days >= 4:          # a run a few days late is still that week's
            gaps.append(week)
            week += dt.timedelta(days=7)
    if not gaps:
        return ""
    shown = [day(w) for w in gaps[:6]]
    listed = ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else shown[0]
    more = f" (and {len(gaps) - 6} more)" if len(gaps) > 6 else ""
    return f" No weekly run in the week{'s' * (len(gaps) != 1)} of {listed}{more}."


@dataclass(frozen=True)
class BoardException:
    """An action the board must see: rated Red or Amber/Red, reported as No data, or overdue."""

    status: ActionStatus
    group: str                            # the rating it is listed under, or OVERDUE
    overdue_days: int | None              # None: not overdue
    revised: str                          # the revised timescale, "" when none is recorded

    def to_dict(self) -> dict:
        a = self.status.action
        return {"ref": a.ref, "row": a.row, "lead": a.lead, "rag": self.status.board,
                "last_rating": self.status.last_rating, "group": self.group,
                "due": a.due.isoformat() if a.due else None, "due_text": a.due_text,
                "overdue_days": self.overdue_days, "revised": self.revised or None,
                "statement": a.progress, "note": self.status.note or self.status.update_text or None}


@dataclass
class BoardReport:
    """The board report's content, worked out once; `save` writes it as Word (and PDF)."""

    title: str
    summary: Summary
    opening: str                                   # "Of the 28 actions" (or the whole sentence)
    parts: list[NarrativePart]                     # one clause a rating
    exceptions: list[tuple[str, list[BoardException]]]   # by group, worst first
    exception_labels: tuple[str, ...]              # the ratings always listed
    previous: dict[str, int] | None = None         # the board's counts in the previous version
    previous_name: str = ""                        # "16/11/2026" or the file given
    notes: list[str] = field(default_factory=list)
    config: Config | None = field(default=None, repr=False)

    @property
    def as_of(self) -> dt.date:
        return self.summary.as_of

    @property
    def shown_labels(self) -> list[str]:
        """The ratings with any count now, as last rated, or in the previous version."""
        s = self.summary
        return [label for label in s.labels
                if s.by_rag.get(label) or s.as_rated.get(label) or (self.previous or {}).get(label)]

    @property
    def hides_ratings(self) -> bool:
        """No data hides ratings the leads gave: the counts as last rated are shown too."""
        return self.summary.as_rated != self.summary.by_rag

    def listed(self) -> list[BoardException]:
        return [item for _, items in self.exceptions for item in items]

    def to_dict(self) -> dict:
        nonzero = lambda counts: {k: v for k, v in counts.items() if v}
        s = self.summary
        out = {"workbook": s.workbook, "title": self.title, "as_of": s.as_of.isoformat(), "actions": s.actions,
               "by_rag": nonzero(s.by_rag), "as_rated": nonzero(s.as_rated),
               "introduction": f"In summary, {self.opening[0].lower()}{self.opening[1:]}:" if self.parts else self.opening,
               "bullets": [p.text for p in self.parts],
               "previous": ({"version": self.previous_name, "by_rag": nonzero(self.previous)}
                            if self.previous is not None else None),
               "movement": s.movement,
               "exceptions": [{"group": g, "actions": [i.to_dict() for i in items]} for g, items in self.exceptions],
               "notes": self.notes}
        return out

    def save(self, path: str | Path, *, template: str | Path | None = None, pdf: bool = False) -> dict[str, Path]:
        """Write the report as Word at `path` (on `template`, a council's .docx, when given)
        and, with `pdf`, a PDF beside it converted by LibreOffice. Both are written atomically;
        nothing is written when LibreOffice is wanted and missing. Returns the files written."""
        return write_board_report(self, Path(path), template=Path(template) if template else None, pdf=pdf)


# -- working it out ------------------------------------------------------------------------------

def board_report(plan, config: Config | None = None, *, as_of: dt.date | None = None, previous=None,
                 history=None) -> BoardReport:
    """The board report of `plan` (a Plan, or the path of one) for the week of `as_of`: its
    history when it is the shared workbook (or the snapshots in `history`), and the movement
    since `previous` (a plan or its path; default: last week's version), as `summary` does."""
    from ..plan import Plan, config_for, read_plan
    from ..status import read_week
    from ..summary import summarise

    if not isinstance(plan, Plan):
        if config is None:
            from ..config import load_config

            config = load_config()
        plan = read_plan(plan, config)
    config = config_for(plan, config=config)
    old = previous
    if previous is not None and not isinstance(previous, Plan):
        old = read_plan(previous, config)
    week = read_week(plan, config, as_of=as_of, history=history, previous=old)
    summary = summarise(week.status, config, previous=week.previous, comparison=week.comparison)
    previous_counts, name = None, ""
    if old is not None:
        previous_counts, name = summarise(old, config, as_of=week.status.as_of).by_rag, Path(old.path).name
    report = board_report_from(summary, config, title=plan.title or Path(plan.path).stem,
                               previous=previous_counts, previous_name=name)
    report.notes = list(week.notes)
    return report


def board_report_from(summary: Summary, config: Config, *, title: str, previous: dict[str, int] | None = None,
                      previous_name: str = "") -> BoardReport:
    """The board report of a summary already made (the weekly run's). The previous counts are
    `previous` when given, else the week before in the summary's trend."""
    if previous is None and len(summary.trend) > 1:
        week, previous = summary.trend[-2]
        previous_name = day(week)
    opening, parts = narrative_parts(summary, config)
    labels = config.board_report.exceptions
    groups: dict[str, list[BoardException]] = {label: [] for label in labels}
    groups[OVERDUE] = []
    as_of = summary.as_of
    for s in summary.statuses:
        a = s.action
        overdue = (as_of - a.due).days if a.due and a.due < as_of and not s.complete else None
        group = s.board if s.board in groups and s.board != OVERDUE else OVERDUE if overdue is not None else None
        if group is not None:
            groups[group].append(BoardException(s, group, overdue, revised_timescale(s)))
    return BoardReport(title=title, summary=summary, opening=opening, parts=parts,
                       exceptions=[(g, items) for g, items in groups.items() if items],
                       exception_labels=labels, previous=previous, previous_name=previous_name, config=config)


def revised_timescale(s: ActionStatus) -> str:
    """What the plan records of a revised timescale: an extension written in the due cell
    ("Extension to timescale agreed Jan 13"), or a column of its own ("Revised date")."""
    a = s.action
    if a.due_info.extended and a.due:
        was = f" (was {day(a.due_info.original)})" if a.due_info.original else ""
        return f"extended to {day(a.due)}{was}"
    for header, value in a.extra.items():
        words = header.casefold()
        if value.strip() and ("revised" in words or "new timescale" in words or "new date" in words
                              or "extension" in words):
            return value.strip()
    return ""


# -- writing it ------------------------------------------------------------------------------------

def soffice() -> str | None:
    """LibreOffice's command, where it is installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def write_board_report(report: BoardReport, path: Path, *, template: Path | None = None,
                       pdf: bool = False) -> dict[str, Path]:
    from ..run.files import atomic_path

    config = report.config
    if path.suffix.lower() != ".docx":
        raise InputError(f"-o {path}: the board report is a Word document; give a file name ending .docx "
                         f"(and --pdf for a PDF beside it)")
    if pdf and soffice() is None:
        raise OutputError(f"--pdf needs LibreOffice (soffice), which is not installed here, so nothing was "
                          f"written; install libreoffice-writer, or leave out --pdf and save {path.name} as "
                          f"PDF from Word")
    if template is not None:
        check_template(template, config)
    for other in (Path(report.summary.workbook), template):
        if other is not None and _same_file(other, path):
            raise OutputError(f"-o {path} is the {'template' if other == template else 'plan'} itself; "
                              f"give another file name, so it is not overwritten")
    document = _build(report, template)
    written = {"docx": path}
    with atomic_path(path) as tmp:
        document.save(str(tmp))
        if pdf:
            written["pdf"] = convert_to_pdf(tmp, path.with_suffix(".pdf"))
    return written


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def check_template(template: Path, config: Config | None) -> None:
    """A council's template that can be used: there, a Word document (not a .dotx), no zip bomb."""
    from ..read.guard import check_package

    if not template.exists():
        raise InputError(f"--template {template} does not exist; give the council's Word template (.docx), "
                         f"or set [board_report] template in the config")
    if template.suffix.lower() == ".dotx":
        raise InputError(f"--template {template} is a Word template file (.dotx); open it in Word and save it "
                         f"as a .docx document, then give that")
    limit = config.max_unpacked_bytes if config is not None else 500 * 2**20
    check_package(template, limit, "docx")


def convert_to_pdf(docx: Path, pdf: Path, *, timeout: int = 180) -> Path:
    """`docx` converted to `pdf` by headless LibreOffice, with a profile of its own (so a
    LibreOffice the user has open is left alone), written atomically."""
    from ..run.files import follow_umask

    command = soffice()
    if command is None:
        raise OutputError(f"LibreOffice (soffice) is not installed, so {pdf} could not be made; "
                          f"install libreoffice-writer")
    work = Path(tempfile.mkdtemp(prefix=".board-pdf-", dir=pdf.parent))
    profile = Path(tempfile.mkdtemp(prefix="xlplan-lo-"))
    try:
        proc = subprocess.Popen([command, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                                 "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work), str(docx)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        try:
            log = proc.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            log = f"no answer in {timeout} seconds"
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
                proc.wait()
        made = work / (docx.stem + ".pdf")
        if not made.exists():               # soffice exits 0 even when it could not convert
            raise OutputError(f"LibreOffice could not convert {docx.name} to PDF ({' '.join(log.split())[:200]}); "
                              f"nothing was written")
        follow_umask(made)
        os.replace(made, pdf)
        return pdf
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)


# -- the document ------------------------------------------------------------------------------------

def _build(report: BoardReport, template: Path | None):
    import docx
    from docx.shared import Mm, Pt

    document = docx.Document(str(template)) if template is not None else docx.Document()
    body = _body(document)
    before = set(body)
    w = _Writer(document, report, base=1 if template is not None else 0)
    if template is None:
        normal = document.styles["Normal"]       # plain and legible; a council's template keeps its own
        normal.font.name = "Arial"
        normal.font.size = Pt(11)
        for section in document.sections:           # python-docx's own template is US Letter
            section.page_width, section.page_height = Mm(210), Mm(297)
            section.left_margin = section.right_margin = Mm(20)
            section.top_margin = section.bottom_margin = Mm(20)
        w.footer()
    w.write()
    _properties(document, report)
    new = [el for el in body if el not in before and el.tag != _qn("w:sectPr")]
    _place(body, new)
    return document


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _body(document):
    return document.element.find(_qn("w:body"))


def _place(body, new) -> None:
    """Move the report (built at the end of the body) to the template's placeholder paragraph
    ({{board_report}} alone), which goes; without one it stays at the end."""
    for p in body.findall(_qn("w:p")):
        if p in new:
            continue
        text = "".join(t.text or "" for t in p.iter(_qn("w:t"))).strip()
        if text != PLACEHOLDER:
            continue
        for el in new:
            p.addprevious(el)
        ppr = p.find(_qn("w:pPr"))
        if ppr is not None and ppr.find(_qn("w:sectPr")) is not None:
            for run in p.findall(_qn("w:r")):        # it ends a section: keep the paragraph, empty
                p.remove(run)
        else:
            body.remove(p)
        return


def document_title(report: BoardReport) -> str:
    return f"Progress report: {report.title}, {day(report.as_of)}"


def _properties(document, report: BoardReport) -> None:
    """The document's title (what a screen reader and a PDF viewer announce), its subject, and
    its language where the template sets none."""
    props = document.core_properties
    props.title = document_title(report)
    props.subject = "Progress on the action plan, for the board"
    props.keywords = "action plan; RAG; board report"
    props.language = props.language or "en-GB"
    when = dt.datetime.combine(report.as_of, dt.time())
    props.created = props.modified = when
    props.revision = 1
    if not props.author or props.author == "python-docx":
        props.author = "xlplan"
    props.last_modified_by = "xlplan"
    props.comments = ""
    styles = document.styles.element
    rpr = styles.find(f"{_qn('w:docDefaults')}/{_qn('w:rPrDefault')}/{_qn('w:rPr')}")
    if rpr is not None and rpr.find(_qn("w:lang")) is None:
        lang = rpr.makeelement(_qn("w:lang"), {_qn("w:val"): "en-GB"})
        rpr.append(lang)


class _Writer:
    """Adds the report to the end of a document, in its order."""

    def __init__(self, document, report: BoardReport, base: int):
        from docx.shared import Pt

        self.doc = document
        self.r = report
        self.base = base                    # 0: Title, then Heading 1; on a template: Heading 1, then 2
        self.config = report.config
        self.small = Pt(9)
        _ensure_styles(document, base)
        self.grid = "Table Grid" in document.styles
        self.after_table = False
        self.last = None

    # helpers
    def heading(self, text: str, level: int):
        return self._placed(self.doc.add_heading(text, level=self.base + level))

    def para(self, text: str = "", style: str | None = None, italic: bool = False):
        p = self.doc.add_paragraph(style=style if style and style in self.doc.styles else None)
        if text:
            run = p.add_run(text)
            run.italic = italic or None
        return self._placed(p)

    def _placed(self, paragraph):
        """A paragraph after a table is set off from it; one before a table stays with it."""
        from docx.shared import Pt

        if self.after_table:
            paragraph.paragraph_format.space_before = Pt(8)
        self.after_table = False
        self.last = paragraph
        return paragraph

    def bullet(self, text: str):
        if "List Bullet" in self.doc.styles:
            return self._placed(self.doc.add_paragraph(text, style="List Bullet"))
        return self._placed(self.doc.add_paragraph("\u2022 " + text))

    def colour(self, label: str) -> str:
        scale = self.config.scale
        if label in scale.labels:
            level = scale.level(label)
            return level.colour if level.colour != "FFFFFF" else (level.font if level.font != "FFFFFF" else "7F7F7F")
        return "7F7F7F"

    def rating(self, paragraph, label: str, size=None) -> None:
        """A coloured square (decoration) and the rating's label, always written."""
        from docx.shared import RGBColor

        white = label in self.config.scale.labels and self.config.scale.level(label).colour == "FFFFFF"
        mark = paragraph.add_run("\u25a1\u00a0" if white or label not in self.config.scale.labels else "\u25a0\u00a0")
        mark.font.color.rgb = RGBColor.from_string(self.colour(label))
        mark.font.size = size
        text = paragraph.add_run(label)
        text.font.size = size

    def table(self, headers: list[str], widths: list[float], caption: str, description: str = ""):
        """A table with a header row that repeats on every page, rows that do not split across
        pages, the given column widths (fractions of the text width) and alternative text."""
        from docx.shared import Emu

        if self.last is not None:
            self.last.paragraph_format.keep_with_next = True
        table = self.doc.add_table(rows=1, cols=len(headers))
        self.after_table = True
        if self.grid:
            table.style = self.doc.styles["Table Grid"]
        table.autofit = False
        total = self.text_width()
        self._widths = [Emu(int(total * f)) for f in widths]
        for column, width in zip(table.columns, self._widths):
            column.width = width              # the grid, which LibreOffice follows
        for cell, text, width in zip(table.rows[0].cells, headers, self._widths):
            cell.width = width                # each cell, which Word follows
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
            run.font.size = self.small
        element = _body(self.doc).findall(_qn("w:tbl"))[-1]
        _table_xml(element, caption, description or caption, borders=not self.grid)
        return table, element

    def row(self, table, element, cells: list) -> None:
        """A row: each cell a text, or a function that fills the cell's first paragraph."""
        row = table.add_row()
        for cell, value, width in zip(row.cells, cells, self._widths):
            cell.width = width
            p = cell.paragraphs[0]
            if callable(value):
                value(cell, p)
            else:
                self.lines(p, str(value))
        _no_split(element.findall(_qn("w:tr"))[-1])

    def keep_together(self, table) -> None:
        """A short table on one page: each row kept with the next (Word's way of saying it)."""
        for row in table.rows[:-1]:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True

    def lines(self, paragraph, text: str, italic: bool = False) -> None:
        lines = text.split("\n")
        for i, line in enumerate(lines):
            run = paragraph.add_run(line)
            run.font.size = self.small
            run.italic = italic or None
            if i < len(lines) - 1:
                run.add_break()

    def text_width(self) -> int:
        section = self.doc.sections[-1]
        try:
            return int(section.page_width - section.left_margin - section.right_margin)
        except TypeError:                      # a template that does not say: A4 less 2 cm margins
            from docx.shared import Mm

            return int(Mm(170))

    def footer(self) -> None:
        """A plain document's footer: the title, the date and "Page N of M" (PAGE and NUMPAGES
        fields, which Word and LibreOffice fill in as they lay out the pages)."""
        section = self.doc.sections[0]
        p = section.footer.paragraphs[0]
        p.text = f"{document_title(self.r)}. Page "
        footer = section.footer.part.element
        last = footer.findall(_qn("w:p"))[-1]

        def add_field(instr: str) -> None:
            field_ = last.makeelement(_qn("w:fldSimple"), {_qn("w:instr"): f" {instr} "})
            run = field_.makeelement(_qn("w:r"), {})
            text = run.makeelement(_qn("w:t"), {})
            text.text = "1"
            run.append(text)
            field_.append(run)
            last.append(field_)

        add_field("PAGE")
        run = last.makeelement(_qn("w:r"), {})
        text = run.makeelement(_qn("w:t"), {_qn("xml:space"): "preserve"})
        text.text = " of "
        run.append(text)
        last.append(run)
        add_field("NUMPAGES")

    # the report
    def write(self) -> None:
        r, s = self.r, self.r.summary
        if self.base == 0:
            self.doc.add_heading(r.title, level=0)
        else:
            self.heading(r.title, 0)
        self.para(f"Progress report to the board: the position on {_long(s.as_of)}, as the leads have reported "
                  f"it in the shared plan ({Path(s.workbook).name}).")
        self.summary_section()
        self.counts_section()
        self.chart_section()
        if len(s.trend) > 1:
            self.trend_section()
        self.exceptions_section()
        self.para(f"Produced by xlplan from {Path(s.workbook).name} as of {day(s.as_of)}. The numbers are those "
                  f"of 'xlplan summary' for the same plan and date.", italic=True)

    def summary_section(self) -> None:
        r = self.r
        self.heading("Summary", 1)
        if not r.parts:
            self.para(r.opening)
            return
        self.para(f"In summary, {r.opening[0].lower()}{r.opening[1:]}:")
        for part in r.parts:
            self.bullet(part.text + self.reasons(part))

    def reasons(self, part: NarrativePart) -> str:
        """The reasons the plan gives, for the ratings the board must look at: each action's
        statement quoted (up to three), else the refs."""
        if part.label == NO_DATA:
            return f" ({_refs([s.ref for s in part.statuses])})" if part.statuses else ""
        if part.label not in self.r.exception_labels:
            return ""
        if len(part.statuses) <= REASONS_QUOTED:
            quoted = []
            for s in part.statuses:
                words = shorten(one_paragraph(s.action.progress), 160)
                quoted.append(f"{s.ref}: \u201c{words}\u201d" if words else f"{s.ref}: no statement given")
            return " (" + "; ".join(quoted) + ")"
        return f" ({_refs([s.ref for s in part.statuses])}: their leads' statements are under Exceptions)"

    def counts_section(self) -> None:
        r, s = self.r, self.r.summary
        self.heading("Actions by rating", 1)
        headers, widths = ["Rating", "Board"], [0.34, 0.16]
        if r.hides_ratings:
            headers.append("As last rated")
            widths.append(0.18)
        if r.previous is not None:
            headers += [f"Previous ({r.previous_name})", "Change"]
            widths += [0.2, 0.12]
        scale = sum(widths)
        widths = [w / scale for w in widths]
        table, element = self.table(headers, widths, "Actions by rating",
                                    "The number of actions at each rating: what the board is told"
                                    + (", as last rated by their leads" if r.hides_ratings else "")
                                    + (", in the previous version and the change" if r.previous is not None else ""))
        for label in r.shown_labels:
            cells = [lambda cell, p, label=label: self.rating(p, label, self.small), str(s.by_rag.get(label, 0))]
            if r.hides_ratings:
                cells.append(str(s.as_rated.get(label, 0)))
            if r.previous is not None:
                before = r.previous.get(label, 0)
                cells += [str(before), _change(s.by_rag.get(label, 0) - before)]
            self.row(table, element, cells)
        total = ["Total", str(s.actions)] + ([str(sum(s.as_rated.values()))] if r.hides_ratings else [])
        if r.previous is not None:
            before = sum(r.previous.values())
            total += [str(before), _change(s.actions - before)]
        self.row(table, element, total)
        self.keep_together(table)
        if r.hides_ratings:
            self.para("Board: what the board is told (No data: no rating, or no update despite chasing). "
                      "As last rated: the last rating each lead gave, so no rating is hidden.", italic=True)
        m = s.movement
        if m and "improved" in m:
            since = f" ({r.previous_name})" if r.previous_name else ""
            text = (f"Since the previous version{since}: {m['improved']} improved, {m['worsened']} worsened, "
                    f"{m['unchanged']} unchanged, {m['new']} new.")
            if m.get("to No data") or m.get("from No data"):
                text += (f" {m.get('to No data', 0)} newly reported as No data (no update despite chasing), "
                         f"{m.get('from No data', 0)} back from No data.")
            self.para(text)
        elif r.previous is None:
            self.para("There is no previous version to compare with yet.")

    def chart_section(self) -> None:
        from docx.shared import Pt, RGBColor

        r, s = self.r, self.r.summary
        shown = [label for label in s.labels if s.by_rag.get(label) or (r.hides_ratings and s.as_rated.get(label))]
        if not shown:
            return
        self.para("Chart: the actions by rating" + (" (solid: the board's count; shaded: as last rated)"
                                                    if r.hides_ratings else ""), style="Caption")
        most = max(max(s.by_rag.values()), max(s.as_rated.values()) if r.hides_ratings else 0, 1)
        counts = ", ".join(f"{s.by_rag[label]} {label}" for label in shown if s.by_rag.get(label))
        description = f"Bar chart of the {s.actions} actions by rating, as the board is told: {counts}."
        if r.hides_ratings:
            description += " As last rated by their leads: " + ", ".join(
                f"{s.as_rated[label]} {label}" for label in shown if s.as_rated.get(label)) + "."
        table, element = self.table(["Rating", "Actions", "Bar"], [0.24, 0.12, 0.64], "Chart: actions by rating",
                                    description)
        size = Pt(9)

        def bars(label):
            def fill(cell, p):
                series = [(BAR, s.by_rag.get(label, 0), "")]
                if r.hides_ratings:
                    series.append((BAR_AS_RATED, s.as_rated.get(label, 0), " as last rated"))
                for i, (mark, n, words) in enumerate(series):
                    if i:
                        p = cell.add_paragraph()
                    blocks = round(n / most * BAR_WIDTH) or (1 if n else 0)
                    bar = p.add_run(mark * blocks)
                    bar.font.color.rgb = RGBColor.from_string(self.colour(label))
                    bar.font.size = size
                    number = p.add_run(f"{' ' if blocks else ''}{n}{words}")
                    number.font.size = size
            return fill

        for label in shown:
            self.row(table, element, [lambda cell, p, label=label: self.rating(p, label, self.small),
                                      str(s.by_rag.get(label, 0)), bars(label)])
        self.keep_together(table)

    def trend_section(self) -> None:
        s = self.r.summary
        weeks = s.trend[-TREND_WEEKS:]
        labels = [label for label in s.labels if any(c.get(label) for _, c in weeks)]
        self.heading("Week by week", 1)
        self.para(f"What the board was told at each weekly run ({'the last ' + str(len(weeks)) if len(s.trend) > len(weeks) else 'every one'}"
                  f" of {len(s.trend)}; the last is this report's).{missed_weeks([w for w, _ in weeks])}")
        width = 0.76 / max(len(labels), 1)
        table, element = self.table(["Week", *labels], [0.24] + [width] * len(labels), "Week by week",
                                    "The number of actions at each rating, as the board was told, week by week")
        for week, counts in weeks:
            self.row(table, element, [day(week), *[str(counts.get(label, 0)) for label in labels]])
        self.keep_together(table)

    def exceptions_section(self) -> None:
        r = self.r
        self.heading("Exceptions", 1)
        listed = r.listed()
        named = [label for label in r.exception_labels if label != NO_DATA]
        what = " or ".join(named)
        criteria = (f"rated {what}, " if named else "") + ("reported as No data, " if NO_DATA in r.exception_labels
                                                            else "") + "or past its due date and not complete"
        if not listed:
            self.para(f"No action is {criteria.replace(', or', ' or')}.")
            return
        self.para(f"Every action {criteria}: {len(listed)} action{'s' * (len(listed) != 1)}, each with its lead, "
                  f"due date, any revised timescale and the lead's latest statement.")
        for group, items in r.exceptions:
            title = ("Overdue, other ratings" if group == OVERDUE else group) + f" ({len(items)})"
            self.heading(title, 2)
            table, element = self.table(["Ref", "Action and lead", "Rating", "Due and revised timescale",
                                         "Lead's latest statement"], [0.09, 0.25, 0.16, 0.17, 0.33],
                                        f"Exceptions: {title}")
            for item in items:
                self.exception_row(table, element, item)

    def exception_row(self, table, element, item: BoardException) -> None:
        s, a = item.status, item.status.action

        def action(cell, p):
            self.lines(p, shorten(one_paragraph(a.action), ACTION_LIMIT) or "(no action text)")
            lead = cell.add_paragraph()
            self.lines(lead, f"Lead: {a.lead or 'none named'}")

        def rating(cell, p):
            self.rating(p, s.board, self.small)
            if s.board == NO_DATA:
                more = cell.add_paragraph()
                self.lines(more, f"last rated {s.last_rating}" if s.last_rating else "never rated")

        def due(cell, p):
            self.lines(p, f"Due: {day(a.due)}" if a.due else f"Due: {a.due_text or 'not given'}")
            if item.overdue_days is not None:
                more = cell.add_paragraph()
                run = more.add_run("Overdue")
                run.bold = True
                run.font.size = self.small
            revised = cell.add_paragraph()
            self.lines(revised, f"Revised: {item.revised or 'none recorded'}")

        def statement(cell, p):
            text = shorten(a.progress.strip(), STATEMENT_LIMIT)
            self.lines(p, text or "No statement given.")
            note = s.note or s.update_text
            if note:
                self.lines(cell.add_paragraph(), note[:1].upper() + note[1:], italic=True)

        self.row(table, element, [a.ref, action, rating, due, statement])


def _long(d: dt.date) -> str:
    """23 November 2026."""
    return f"{d.day} {d.strftime('%B %Y')}"


def _refs(refs: list[str]) -> str:
    shown = refs[:12]
    text = ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]
    return text + (f" and {len(refs) - 12} more" if len(refs) > 12 else "")


def _change(n: int) -> str:
    return f"+{n}" if n > 0 else "\u2212" + str(-n) if n < 0 else "0"


def _no_split(tr) -> None:
    """A row kept whole on one page."""
    trpr = tr.find(_qn("w:trPr"))
    if trpr is None:
        trpr = tr.makeelement(_qn("w:trPr"), {})
        tr.insert(0, trpr)
    trpr.insert(0, trpr.makeelement(_qn("w:cantSplit"), {}))


def _table_xml(tbl, caption: str, description: str, borders: bool) -> None:
    """The header row repeats on every page and is kept whole; the table's alternative text
    (caption and description); borders when the template has no "Table Grid" style."""
    first = tbl.find(_qn("w:tr"))
    trpr = first.makeelement(_qn("w:trPr"), {})
    trpr.append(trpr.makeelement(_qn("w:cantSplit"), {}))
    trpr.append(trpr.makeelement(_qn("w:tblHeader"), {}))
    first.insert(0, trpr)
    tblpr = tbl.find(_qn("w:tblPr"))
    if borders:
        edges = tblpr.makeelement(_qn("w:tblBorders"), {})
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            edges.append(edges.makeelement(_qn(f"w:{edge}"), {_qn("w:val"): "single", _qn("w:sz"): "4",
                                                               _qn("w:space"): "0", _qn("w:color"): "808080"}))
        later = [tblpr.find(_qn(f"w:{t}")) for t in ("shd", "tblLayout", "tblCellMar", "tblLook")]
        later = [e for e in later if e is not None]
        if later:
            later[0].addprevious(edges)
        else:
            tblpr.append(edges)
    for tag, text in (("w:tblCaption", caption), ("w:tblDescription", description)):
        tblpr.append(tblpr.makeelement(_qn(tag), {_qn("w:val"): text}))


def _ensure_styles(document, base: int) -> None:
    """The styles the report uses, added (plainly) where a council's template lacks them: Word
    keeps only the styles a document uses, so a template may have no Heading 2 or List Bullet."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    styles = document.styles
    sizes = {"Title": 20, "Heading 1": 16, "Heading 2": 13, "Heading 3": 11}
    wanted = (["Title"] if base == 0 else []) + [f"Heading {base + i}" for i in (0, 1, 2) if base + i > 0]
    for name in wanted:
        if name in styles:
            continue
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.font.bold = True
        style.font.size = Pt(sizes.get(name, 11))
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(4)
        if name.startswith("Heading"):        # the outline level makes it a heading for navigation and PDF
            ppr = style.element.find(_qn("w:pPr"))     # made by keep_with_next above
            ppr.append(ppr.makeelement(_qn("w:outlineLvl"), {_qn("w:val"): str(int(name[-1]) - 1)}))
    if "List Bullet" not in styles:
        pass                                   # bullets are then written as "• " (see _Writer.bullet)
