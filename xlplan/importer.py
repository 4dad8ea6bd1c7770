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
from .leads import LeadsReview, review_leads
from .plan import Glue, Plan, Skipped, read_plan
from .read.rows import NOT_PLACED

STREAM_COLUMN = "Stream"   # not "Work stream": that header names a group column
DUE_TEXT_COLUMN = "Due as written"
REF_TEXT_COLUMN = "Ref as written"    # read/actions.py keeps a ref cell that says more than its ref


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
    glues: list[Glue] = field(default_factory=list)        # each glue (with why) and each doubt kept apart
    refs_generated: int = 0                                # actions numbered by xlplan (the plan writes no ref)
    refs_from_cells: int = 0                               # refs read from the start of action (or recommendation) cells
    leads_review: LeadsReview = field(default_factory=LeadsReview)
    notes: list[str] = field(default_factory=list)     # how the plan was read: column hints
    refs_as_written: list[tuple[str, int, str]] = field(default_factory=list)   # ref, row, the ref cell's words

    @property
    def not_placed(self) -> list[Skipped]:
        """Text carried over a page break whose cell the import could not tell: in no action."""
        return [s for s in self.skipped if s.reason.startswith(NOT_PLACED)]

    @property
    def kept_apart(self) -> list[Glue]:
        return [g for g in self.glues if g.kept]

    def to_dict(self) -> dict:
        return {
            "source": str(self.source), "actions": self.actions, "unrated": self.unrated,
            "plan_date": self.plan_date.isoformat() if self.plan_date else None,
            "glued": [{"ref": ref, "rows": list(rows)} for ref, rows in self.glued],
            "skipped": [{"row": s.row, "text": s.text, "reason": s.reason} for s in self.skipped],
            "unread": [vars(u) for u in self.unread],
            "split_leads": [{"as_written": w, "lead": l, "work_stream": s} for w, l, s in self.split_leads],
            "glues": [{"row": g.row, "onto": g.onto, "reason": g.reason, "kept_apart": g.kept} for g in self.glues],
            "refs_generated": self.refs_generated, "refs_from_cells": self.refs_from_cells,
            "leads": list(self.leads_review.leads),
            "not_people": [{"lead": n, "why": w} for n, w in self.leads_review.not_people],
            "near_duplicates": [{"lead": n, "like": k} for n, k in self.leads_review.near_duplicates],
            "notes": list(self.notes),
            "refs_as_written": [{"ref": r, "row": n, "as_written": w} for r, n, w in self.refs_as_written],
        }

    def rows(self) -> list[list[str]]:
        """The report as rows for a sheet: what, row, ref, text, detail."""
        out = [["What", "Row", "Ref", "Text", "Detail"],
               ["Actions imported", "", "", str(self.actions), f"from {self.source.name}"],
               ["Without a rating", "", "", str(self.unrated), "left empty: importing never invents a rating"]]
        if self.plan_date:
            out.append(["Plan date", "", "", self.plan_date.isoformat(), "relative due dates are read against it"])
        why = {g.row: g.reason for g in self.glues}
        out += [["Glued (split by a page break)", ", ".join(map(str, rows)), ref, "",
                 "; ".join(f"row {r}: {why[r]}" for r in rows[1:] if r in why)] for ref, rows in self.glued]
        out += [["Kept apart (check)", f"{g.onto}, {g.row}", "", "", g.message()] for g in self.kept_apart]
        if self.refs_generated:
            out.append(["Refs generated", "", "", str(self.refs_generated),
                        "the plan writes no ref at all: xlplan numbered its actions"])
        if self.refs_from_cells:
            out.append(["Refs from action cells", "", "", str(self.refs_from_cells),
                        "read from the start of the action or recommendation cell ('R1: ...'); the words are kept as written"])
        out += [["Lead not a person", "", "", n, f"{w}: not added to the Leads sheet"]
                for n, w in self.leads_review.not_people]
        out += [["Lead spelt two ways", "", "", n, f"like {k!r}: only {k!r} is on the Leads sheet"]
                for n, k in self.leads_review.near_duplicates]
        out += [["Not read", str(u.row), u.ref, u.text, f"{u.field}: {u.problem}"] for u in self.unread]
        out += [["Lead split", "", "", w, f"lead {l!r}, work stream {s!r}"] for w, l, s in self.split_leads]
        out += [["Ref as written", str(n), r, w, f"the ref cell says more than the ref: its words are kept in the "
                 f"column {REF_TEXT_COLUMN!r}"] for r, n, w in self.refs_as_written]
        out += [["Not placed (check)" if s.reason.startswith(NOT_PLACED) else "Skipped", str(s.row), "",
                 s.text[:200], s.reason] for s in self.skipped]
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
                          plan_date=plan.plan_date, glues=list(plan.glued),
                          refs_generated=sum(a.ref_generated for a in plan.actions),
                          refs_from_cells=sum(a.ref_from_cell for a in plan.actions),
                          notes=list(plan.reading.hints) if plan.reading else [])
    streams = config.import_.work_streams
    for action in plan.actions:
        _tidy(action, streams, report, plan.directory)
    # Left empty: no rating at all. A rating xlplan cannot read is not empty: it is kept as
    # written (text, or its fill) and listed under "Not read" (issue 15).
    report.unrated = sum(a.rag is None and not a.rating.problem for a in plan.actions)
    # The Leads sheet: people and role titles, never a note or a second spelling of a name.
    report.leads_review = review_leads([a.lead for a in plan.actions], streams, plan.directory)
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
    if REF_TEXT_COLUMN in action.extra:
        report.refs_as_written.append((action.ref, action.row, action.extra[REF_TEXT_COLUMN]))
    if not action.ref:
        report.unread.append(Unread("", action.row, "ref", "", "no ref"))
    if action.rating.problem:
        report.unread.append(Unread(action.ref, action.row, "rag", action.rating.raw, action.rating.problem))
    if due.problem and due.text:
        report.unread.append(Unread(action.ref, action.row, "due", due.text, due.problem))
