"""Importing a legacy plan (Word text, CSV, .xlsx, .docx) into a shared plan workbook, with a
report a person can check in a minute: how many actions, which rows were glued, which lines
were skipped and why, which cells could not be read. Importing never invents a rating."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .action import Action
from .config import Config
from .plan import Plan, Skipped, read_plan

STREAM_COLUMN = "Stream"   # not "Work stream": that header names a group column
DUE_TEXT_COLUMN = "Due as written"


@dataclass(frozen=True)
class Unread:
    """A cell xlplan kept as text because it could not read it."""

    ref: str
    row: int
    field: str
    text: str
    problem: str


@dataclass
class ImportReport:
    source: Path
    actions: int = 0
    unrated: int = 0
    glued: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    split_leads: list[tuple[str, str, str]] = field(default_factory=list)   # as written, lead, stream
    plan_date: dt.date | None = None
    notes: list[str] = field(default_factory=list)     # how the plan was read: column hints

    def to_dict(self) -> dict:
        return {
            "source": str(self.source), "actions": self.actions, "unrated": self.unrated,
            "plan_date": self.plan_date.isoformat() if self.plan_date else None,
            "glued": [{"ref": ref, "rows": list(rows)} for ref, rows in self.glued],
            "skipped": [{"row": s.row, "text": s.text, "reason": s.reason} for s in self.skipped],
            "unread": [vars(u) for u in self.unread],
            "split_leads": [{"as_written": w, "lead": l, "work_stream": s} for w, l, s in self.split_leads],
            "notes": list(self.notes),
        }

    def rows(self) -> list[list[str]]:
        """The report as rows for a sheet: what, row, ref, text, detail."""
        out = [["What", "Row", "Ref", "Text", "Detail"],
               ["Actions imported", "", "", str(self.actions), f"from {self.source.name}"],
               ["Without a rating", "", "", str(self.unrated), "left empty: importing never invents a rating"]]
        if self.plan_date:
            out.append(["Plan date", "", "", self.plan_date.isoformat(), "relative due dates are read against it"])
        out += [["Glued (split by a page break)", ", ".join(map(str, rows)), ref, "", ""] for ref, rows in self.glued]
        out += [["Not read", str(u.row), u.ref, u.text, f"{u.field}: {u.problem}"] for u in self.unread]
        out += [["Lead split", "", "", w, f"lead {l!r}, work stream {s!r}"] for w, l, s in self.split_leads]
        out += [["Skipped", str(s.row), "", s.text[:200], s.reason] for s in self.skipped]
        out += [["Note", "", "", "", note] for note in self.notes]
        return out


def split_lead(text: str, streams: tuple[str, ...]) -> tuple[str, str] | None:
    """'KOM Practice' -> ('KOM', 'Practice'); 'DM/Andy Churcher HSCB' -> ('DM/Andy Churcher',
    'HSCB'); 'Practice KOM' -> ('KOM', 'Practice'). None when no configured work stream is at
    either end, or what is left does not look like people (initials or a name, several joined
    by "/"): "Head of Service QA" is a job title, not a person and a work stream."""
    for stream in sorted(streams, key=len, reverse=True):
        s = re.escape(stream)
        end = re.match(rf"^(?P<person>.+?)[\s/]+(?P<stream>{s}(?:\s*\([^)]*\))?)$", text)
        start = re.match(rf"^(?P<stream>{s})[\s/]+(?P<person>.+)$", text)
        for found in (end, start):
            if found and _looks_like_people(found["person"].strip(" /")):
                return found["person"].strip(" /"), found["stream"]
    return None


# Words of job titles and bodies: a lead cell holding one is a role ("HSCB Chair", "Business
# Manager"), kept whole, never split into a person and a work stream.
ROLE_WORDS = frozenset("""chair chairman chairperson chief manager managers head director directors officer
officers lead leads team teams group groups board service services coordinator co-ordinator
partnership panel committee secretary member members adviser advisor nurse doctor principal
executive business practitioner practitioners worker workers support unit admin administrator
assistant deputy senior commissioner consultant""".split())
_INITIALS = re.compile(r"[A-Z][A-Za-z.]{0,4}")           # KOM, DM, J.Rez, PMe, Pme
_NAME = re.compile(r"[A-Z][a-z]*[A-Z]?[a-z]+(?:[-'][A-Z][a-z]+)?")   # Andy, McMillan, JRoberts


def _looks_like_people(text: str) -> bool:
    """Initials or people's names, several joined by "/" ("KOM", "DM/Andy Churcher", "J.Rez"),
    and nothing else: a role ("Chair", "Business Manager"), a body or words in lower case
    ("Buy in support", "Moved to") is not a person."""
    parts = [part.strip() for part in text.split("/") if part.strip()]
    if not parts:
        return False
    for part in parts:
        words = part.split()
        if len(words) > 4 or any(w.casefold().strip(".") in ROLE_WORDS for w in words):
            return False
        if len(words) == 1:                      # initials, or an initial and a surname ("JRoberts")
            word = words[0]
            if not (_INITIALS.fullmatch(word) or (_NAME.fullmatch(word) and sum(c.isupper() for c in word) >= 2)):
                return False
        elif not all(_NAME.fullmatch(w) or (w.isupper() and len(w) <= 4) for w in words):
            return False
    return True


def import_plan(source: str | Path, config: Config | None = None, *, sheet: str | None = None,
                plan_date: dt.date | None = None) -> tuple[Plan, ImportReport]:
    """A legacy plan (Word text, CSV, .xlsx, .docx) read and tidied for a shared workbook:
    lead cells split from work streams, rating dates and comments taken apart, what could not
    be read reported. Returns the plan and the import report; `template.write_plan_workbook`
    writes them (as `xlplan import` does)."""
    plan = read_plan(source, config, sheet=sheet, plan_date=plan_date)
    config = plan.config
    report = ImportReport(Path(source), actions=len(plan.actions), skipped=list(plan.skipped),
                          plan_date=plan.plan_date, notes=list(plan.notes))
    streams = config.import_.work_streams
    for action in plan.actions:
        _tidy(action, streams, report, plan.directory)
    # Left empty: no rating at all. A rating xlplan cannot read is not empty: it is kept as
    # written (text, or its fill) and listed under "Not read" (issue 15).
    report.unrated = sum(a.rag is None and not a.rating.problem for a in plan.actions)
    return plan, report


def _tidy(action: Action, streams: tuple[str, ...], report: ImportReport, directory=None) -> None:
    if len(action.rows) > 1:
        report.glued.append((action.ref, action.rows))
    known = directory is not None and directory.find(action.lead) is not None   # the leads directory wins
    split = split_lead(action.lead, streams) if action.lead and not known else None
    if split:
        report.split_leads.append((action.lead, *split))
        action.lead, action.extra[STREAM_COLUMN] = split
    if action.updated is None and action.rating.date:
        action.updated = action.rating.date          # "Green 21.11.12": when the lead last rated it
    due = action.due_info
    if due.text and not action.due_from_heading and (due.date is None or due.text != due.date.isoformat()):
        action.extra[DUE_TEXT_COLUMN] = due.text     # milestones, extensions: keep the words
    if not action.ref:
        report.unread.append(Unread("", action.row, "ref", "", "no ref"))
    if action.rating.problem:
        report.unread.append(Unread(action.ref, action.row, "rag", action.rating.raw, action.rating.problem))
    if due.problem and due.text:
        report.unread.append(Unread(action.ref, action.row, "due", due.text, due.problem))
