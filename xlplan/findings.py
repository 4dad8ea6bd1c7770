"""Checking every row of a plan. Each rule is a named check that returns findings (ref, row,
field, rule, severity, message); a bad row is data, never an exception. Rendering the
findings (terminal, JSON, a formatted sheet) is separate."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .action import Action
from .config import Config
from .dates import as_day
from .leads import Directory, not_a_person
from .plan import Plan, config_for
from .rag import done_word

RULES = ("missing-ref", "duplicate-ref", "missing-action", "missing-lead", "unknown-lead",
         "missing-due", "unparsed-due", "missing-rag", "unknown-rag", "missing-progress",
         "overdue", "rag-conflict", "reviewer-suggests", "broken-link")


@dataclass(frozen=True)
class Finding:
    ref: str
    row: int
    field: str
    rule: str
    severity: str
    message: str
    lead: str = ""

    def to_dict(self) -> dict:
        return {"ref": self.ref, "row": self.row, "field": self.field, "rule": self.rule,
                "severity": self.severity, "message": self.message, "lead": self.lead}


@dataclass
class Validation:
    """The findings for one plan, as of one date."""

    workbook: str
    sheet: str
    actions: int
    as_of: dt.date
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # how the plan was read: rows glued, refs generated, column hints

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    def to_frame(self):
        """The findings as a pandas DataFrame: ref, row, field, rule, severity, message, lead."""
        from .report.frames import frame

        return frame([f.to_dict() for f in self.findings],
                     columns=("ref", "row", "field", "rule", "severity", "message", "lead"))

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def to_dict(self) -> dict:
        return {"workbook": self.workbook, "sheet": self.sheet, "as_of": self.as_of.isoformat(),
                "actions": self.actions, "errors": self.errors, "warnings": self.warnings,
                "by_rule": dict(Counter(f.rule for f in self.findings)),
                "findings": [f.to_dict() for f in self.findings], "notes": list(self.notes)}


# -- the rules -------------------------------------------------------------------------------
# Each takes (action, context) and yields (field, rule, message).

@dataclass
class _Context:
    config: Config
    as_of: dt.date
    directory: Directory | None
    refs: Counter
    first_row: dict[str, int]
    has_progress_column: bool


def _missing(action: Action, ctx: _Context) -> Iterator[tuple[str, str, str]]:
    if not action.ref:
        yield "ref", "missing-ref", "no ref: give the action its number so it can be tracked week to week"
    if not action.action:
        yield "action", "missing-action", "no action text"
    if not action.lead:
        yield "lead", "missing-lead", "no lead officer named"


def _duplicate(action: Action, ctx: _Context) -> Iterator[tuple[str, str, str]]:
    if action.ref and ctx.refs[action.ref] > 1 and ctx.first_row[action.ref] != action.row:
        yield "ref", "duplicate-ref", f"ref {action.ref} is also used on row {ctx.first_row[action.ref]}"


def _unknown_lead(action: Action, ctx: _Context) -> Iterator[tuple[str, str, str]]:
    if not action.lead or ctx.directory is None or action.lead in ctx.directory:
        return
    # "HSCB Chair / Business Manager": known when each of its people is.
    parts = [p.strip() for p in re.split(r"\s*(?:/|&|\band\b)\s*", action.lead) if p.strip()]
    if len(parts) > 1 and all(p in ctx.directory for p in parts):
        return
    hint = "add them with an email so they can be chased"
    like = ctx.directory.spelt_like(action.lead)
    if like is not None:
        hint = (f"it has {like.name!r}: the same person spelt another way? correct the lead cell, "
                f"or add {action.lead!r} there")
    elif why := not_a_person(action.lead, ctx.config.import_.work_streams):
        hint = f"the cell holds {why}, not a lead: write the lead's name or role"
    yield "lead", "unknown-lead", (f"lead {action.lead!r} is not in the leads directory "
                                   f"({ctx.directory.source}); {hint}")


def _due(action: Action, ctx: _Context) -> Iterator[tuple[str, str, str]]:
    due = action.due_info
    if due.status:
        # "Completed" where the due date belongs: surfaced, and never read as a rating.
        if due.status != "complete":
            hint = "; write the date it is due"
        elif action.rag is None:
            hint = "; it has no rating either: if the action is done, rate it so (xlplan never rates it for you)"
        else:
            hint = "; write the date it was due"
        yield "due", "unparsed-due", f"due cell says {due.text[:40]!r}, a status, not a date{hint}"
    elif due.date is None and not due.ongoing:
        if not due.text:
            yield "due", "missing-due", "no due date"
        else:
            yield "due", "unparsed-due", f"due date {due.text!r} could not be read: {due.problem}"


def _rating(action: Action, ctx: _Context) -> Iterator[tuple[str, str, str]]:
    if action.rag is None:
        if action.rating.problem:
            yield "rag", "unknown-rag", (f"{action.rating.problem}; use one of "
                                         f"{', '.join(ctx.config.scale.labels)}")
        else:
            yield "rag", "missing-rag", "no RAG rating"


def _complete(action: Action, ctx: _Context) -> bool:
    return ctx.config.scale.is_complete(action.rag, action.due, action.progress, ctx.as_of)


def _progress(action: Action, ctx: _Context) -> Iterator[tuple[str, str, str]]:
    # A plan with no progress column (seed 001 keeps commentary in the RAG cell) has nowhere
    # to write one; the rule is about statements left empty where one is expected.
    if ctx.has_progress_column and not action.progress.strip() and not _complete(action, ctx):
        yield "progress", "missing-progress", ("no progress statement (an action left without an update, despite "
                                               "chasing, is reported to the board as No data)")


def _rated(action: Action) -> str:
    if action.rag:
        return action.rag
    if action.rating.raw and action.rating.problem:
        return f"{action.rating.raw[:20]!r} (not a rating xlplan can read)"
    return "nothing"


def _overdue(action: Action, ctx: _Context) -> Iterator[tuple[str, str, str]]:
    if action.due and action.due < ctx.as_of and not _complete(action, ctx):
        days = (ctx.as_of - action.due).days
        yield "due", "overdue", (f"due {action.due.strftime('%d/%m/%Y')}, {days} day{'s' * (days != 1)} ago, "
                                 f"and rated {_rated(action)}")


@functools.lru_cache(maxsize=16)
def _phrases(phrases: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(rf"\b{re.escape(p)}\b", re.IGNORECASE) for p in phrases)


@functools.lru_cache(maxsize=16)
def _any_of(patterns: tuple[re.Pattern, ...]) -> re.Pattern | None:
    """One pattern matching wherever any of `patterns` does: a quick "no" for most texts, which
    then need not be searched pattern by pattern. None when the patterns cannot be joined
    (back-references, inline flags), and each is searched as before."""
    texts = [p.pattern for p in patterns]
    if any("(?P=" in t or re.search(r"\\\d", t) for t in texts):
        return None
    try:
        return re.compile("|".join(f"(?:{re.sub(r'[(][?]P<[^>]*>', '(?:', t)})" for t in texts), re.IGNORECASE)
    except re.error:
        return None


@functools.lru_cache(maxsize=16)
def _words_needed(patterns: tuple[re.Pattern, ...]) -> tuple[str, ...] | None:
    """Words one of which every match of any of the patterns starts with ("suggest", "should",
    "ought", "rag" for the default reviewer patterns), lower case; None when a pattern has no
    such word. Looking for a few words in lower-case text is ten times quicker than the regex
    engine, and finding none of them means no pattern can match."""
    try:
        from re import _parser as parser  # Python's own reading of a pattern

        words: list[str] = []
        for pattern in patterns:
            found = _leading_words(list(parser.parse(pattern.pattern, pattern.flags)))
            if not found:
                return None
            words += found
        return tuple(sorted(set(words)))
    except Exception:                                   # another Python's parser: no short cut
        return None


def _leading_words(items: list) -> list[str] | None:
    text = ""
    for op, av in items:
        name = str(op)
        if name == "AT" and not text:
            continue                                    # \b before the word
        if name == "LITERAL" and chr(av).isascii():
            text += chr(av).lower()
            continue
        if not text and name == "BRANCH":               # (?:should|ought to): a word per branch
            branches = [_leading_words(list(b)) for b in av[1]]
            return [w for b in branches for w in b] if all(branches) else None
        if not text and name == "SUBPATTERN" and not av[1] and not av[2]:
            return _leading_words(list(av[3]))
        break
    return [text] if text else None


def _mentions_any(patterns: tuple[re.Pattern, ...], text: str) -> bool:
    """False only when none of the patterns can match the text."""
    words = _words_needed(patterns)
    if words is not None and text.isascii():            # (ASCII text: lower() is what IGNORECASE means)
        lower = text.lower()
        if not any(w in lower for w in words):
            return False
    joined = _any_of(patterns)
    return joined is None or joined.search(text) is not None


def _conflict(action: Action, ctx: _Context) -> Iterator[tuple[str, str, str]]:
    if action.rag is None:
        return
    conflict = ctx.config.conflict
    text = action.progress
    if action.rag in conflict.get("done_contradicts", ()):
        word = done_word(ctx.config.scale.done_words, text)      # as RagScale.says_done reads it
        if word:
            yield "rag", "rag-conflict", f"rated {action.rag} but the progress says {word!r}"
            return
    if action.rag in conflict.get("not_started_contradicts", ()):
        phrases = tuple(conflict.get("not_started_words", ()))
        patterns = _phrases(phrases)
        if _mentions_any(patterns, text):
            for phrase, pattern in zip(phrases, patterns):
                if pattern.search(text):
                    yield "rag", "rag-conflict", f"rated {action.rag} but the progress says {phrase!r}"
                    return
    if action.rag in conflict.get("extension_contradicts", ()) and action.due_info.extended:
        yield "rag", "rag-conflict", (f"rated {action.rag} but the due date was extended "
                                      f"({action.due_info.text!r})")


@functools.lru_cache(maxsize=256)
def _is_commentary(header: str) -> bool:
    """A column whose header says "comment" or "review" holds a reviewer's words."""
    return re.search(r"comment|review", header, re.IGNORECASE) is not None


def _reviewer(action: Action, ctx: _Context) -> Iterator[tuple[str, str, str]]:
    texts = [action.progress] + [v for k, v in action.extra.items() if _is_commentary(k)]
    scale = ctx.config.scale
    for text in texts:
        if not text or not _mentions_any(ctx.config.reviewer_patterns, text):
            continue
        for pattern in ctx.config.reviewer_patterns:
            m = pattern.search(text or "")
            if not m:
                continue
            groups = m.groupdict()
            proposed = scale.canonical(groups["rating"]) if groups.get("rating") else None
            rejected = scale.canonical(groups["not_rating"]) if groups.get("not_rating") else None
            if groups.get("rating") is not None and proposed == action.rag:
                continue
            if groups.get("not_rating") is not None and rejected != action.rag:
                continue
            quote = m.group(0).strip()
            yield "rag", "reviewer-suggests", (f"rated {action.rag or 'nothing'}; the commentary says "
                                               f"{quote!r}" + (f": rate it {proposed}?" if proposed else ""))
            return


def _links(action: Action, ctx: _Context) -> Iterator[tuple[str, str, str]]:
    for link in action.links:
        if link in ctx.refs or any(ref.startswith(link + " (") for ref in ctx.refs):
            continue
        yield "ref", "broken-link", f"links to {link}, which is not in the plan"


CHECKS: tuple[Callable, ...] = (_missing, _duplicate, _unknown_lead, _due, _rating, _progress,
                                _overdue, _conflict, _reviewer, _links)


def validate_plan(plan: Plan, config: Config | None = None, *, as_of: dt.date | None = None,
                  directory: Directory | None = None) -> Validation:
    """Every finding for every action, in row order: each rule of the contract (missing-ref,
    overdue, rag-conflict, ...) as a Finding (ref, row, field, rule, severity, message, lead).
    A bad row is data, never an exception. `config` defaults to the one the plan was read
    with; `as_of` to today (it decides what is overdue)."""
    config = config_for(plan, config=config)
    as_of = as_day(as_of)
    refs = Counter(a.ref for a in plan.actions if a.ref)
    first_row: dict[str, int] = {}
    for a in plan.actions:
        first_row.setdefault(a.ref, a.row)
    ctx = _Context(config, as_of, directory if directory is not None else plan.directory, refs, first_row,
                   "progress" in plan.columns)
    result = Validation(str(plan.path), plan.sheet, len(plan.actions), as_of, notes=list(plan.notes))
    for action in plan.actions:
        for check in CHECKS:
            for field_name, rule, message in check(action, ctx):
                severity = config.severity.get(rule, "warning")
                if severity != "off":
                    result.findings.append(Finding(action.ref, action.row, field_name, rule, severity,
                                                   message, action.lead))
    return result


# -- rendering -------------------------------------------------------------------------------

