"""An action of the plan, as xlplan understands it, and the refs that name actions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .dates import Due
from .rag import RagReading

NO_LEAD = "(no lead named)"      # how an action with an empty lead cell is listed and counted

_SPACES = re.compile(r"\s+")
_LINK = re.compile(r"\blink(?:ed)?\s+to\b", re.IGNORECASE)
_REF_NUMBER = re.compile(r"\d+(?:\.\d+)*(?:\s*\([a-z]\))?", re.IGNORECASE)
# A ref as plans write them: "2.15", "3.2 / 3.7", "2.1 (a)", "1.", "SG1.2".
REF = re.compile(r"(?:[A-Z]{1,3}\s?)?\d+(?:\.\d+)*\.?(?:\s*\([a-z]\))?(?:\s*/\s*\d+(?:\.\d+)*)*(?=\s|$)", re.IGNORECASE)


# A ref written at the start of an action or recommendation cell, as real plans do when they
# have no ref column: "R1: Develop ...", "a) Ensure ...", "Recommendation 3 - ...",
# "1.2 Ensure ...", "3. Agree ...". A date ("19.10.12 ...") or a count ("3 social workers")
# is no ref.
_LEADING_REF = re.compile(
    r"^\s*(?:"
    r"(?i:recommendation|rec\.?|action)\s+(?P<word>\d{1,3}(?:\.\d{1,3})?[a-z]?)\s*(?:[:.)–—-]\s*|\s)"
    r"|(?P<r>[Rr]\d{1,3}(?:\.\d{1,3})?[a-z]?)\s*(?:[:.)–—-]\s*|\s)"
    r"|\(?(?P<letter>[a-zA-Z])\)\s*"
    r"|(?P<dotted>\d{1,2}\.\d{1,2}[a-z]?)(?![.\d/])\.?(?:\s*[:)–—-])?\s+"
    r"|(?P<number>\d{1,2})(?:\.\s+|[):]\s*|\s+[–—-]\s+)"
    r")(?=\S)")


# A ref named in prose: "To be addressed through 2, above", "see 3.4", "as R2", "(see
# recommendation 5)". "Link to 3.9" in prose is clearly a link, and reported if 3.9 is missing.
_PROSE_NUMBER = r"(?:[Rr]\d{1,3}(?:\.\d{1,3})*|\d{1,2}\.\d{1,2}(?:\.\d{1,2})?(?![.\d])(?:\s?\([a-z]\))?)"
_PROSE_REF = re.compile(
    rf"\b(?:see|cf\.?|as|under|in|at|with|through|by|to)\s+(?:also\s+)?"
    rf"(?:(?:(?i:recommendation|action|ref|item)\s+(?P<named>\d{{1,3}}(?:\.\d{{1,3}})*|[Rr]\d{{1,3}}))"
    rf"|(?P<plain>\d{{1,3}}(?:\.\d{{1,3}})*)(?=,?\s+(?i:above|below)\b)"
    rf"|(?<=see\s)(?P<seen>{_PROSE_NUMBER})|(?<=see also\s)(?P<seen2>{_PROSE_NUMBER})"
    rf"|(?<=as\s)(?P<as_>[Rr]\d{{1,3}}(?:\.\d{{1,3}})*)"
    rf"|(?P<dotted>[Rr]\d{{1,3}}(?:\.\d{{1,3}})*(?=,?\s+(?i:above|below)\b)))")


# Every form above needs one of these words: a quick look first (most progress names no ref).
_PROSE_WORDS = ("see", "above", "below", "recommendation", "action", "ref", "item", "as r")


def prose_refs(text: str) -> tuple[str, ...]:
    """Refs named in prose: 'To be addressed through 2, above' -> ('2',); 'see 3.4' ->
    ('3.4',); 'as R2' -> ('R2',). A year or a count is no ref ('in 2013', 'as 3 teams')."""
    low = (text or "").casefold()
    if not any(word in low for word in _PROSE_WORDS):
        return ()
    found = []
    for m in _PROSE_REF.finditer(text):
        value = next((v for v in m.groupdict().values() if v), "")
        if value and value not in found:
            found.append(re.sub(r"\s+", "", value) if "(" not in value else value)
    return tuple(found)


def prose_link_words(text: str) -> tuple[str, ...]:
    """'Link to 3.9' written in prose: clearly a link (reported when 3.9 is not in the plan)."""
    if not text or "link" not in text.casefold():
        return ()
    out = []
    for m in _LINK.finditer(text):
        tail = re.match(r"\s*((?:(?:\d+(?:\.\d+)+|[Rr]\d+)(?:\s*(?:,|and|&)\s*)?)+)", text[m.end():])
        if tail:
            out += re.findall(r"\d+(?:\.\d+)+|[Rr]\d+", tail.group(1))
    return tuple(out)


def leading_ref(text: str) -> str:
    """The ref written at the start of an action cell, or ''. 'R1: Develop' -> 'R1';
    'a) Ensure' -> 'a'; 'Recommendation 3 - Agree' -> '3'; '1.2 Ensure' -> '1.2'."""
    m = _LEADING_REF.match(text or "")
    if not m:
        return ""
    return next(v for v in m.groupdict().values() if v)


def parse_ref(text: str) -> tuple[str, tuple[str, ...]]:
    """'2.9 Link to 1.1 and 1.4' -> ('2.9', ('1.1', '1.4')); '3.2 / 3.7' stays one ref;
    '1.' -> '1'; '2.4 resulting from feedback' (the tail of a split cell) -> '2.4'."""
    text = _SPACES.sub(" ", text or "").strip()
    links: tuple[str, ...] = ()
    prose_links: tuple[str, ...] = ()   # refs named in its words ("through 2, above") that are in the plan
    match = _LINK.search(text)
    if match:
        links = tuple(re.sub(r"\s+", " ", n) for n in _REF_NUMBER.findall(text[match.end():]))
        text = text[:match.start()].strip()
    number = REF.match(text)
    if number:
        text = number.group(0)
    return text.rstrip(".:;,").strip(), links


@dataclass
class Action:
    """One row (or page-split rows) of the plan. Field names follow the contract's export."""

    row: int                       # 1-based worksheet row of the first line
    ref: str
    action: str
    lead: str
    due: dt.date | None
    due_text: str
    rag: str | None                # canonical label, or None when there is no rating at all
    progress: str
    group: str
    links: tuple[str, ...] = ()
    prose_links: tuple[str, ...] = ()   # refs named in its words ("through 2, above") that are in the plan
    rating: RagReading = field(default_factory=lambda: RagReading(None))
    due_info: Due = field(default_factory=lambda: Due(None))
    updated: dt.date | None = None
    ref_generated: bool = False    # the plan writes no ref at all; xlplan numbered the action
    ref_from_cell: bool = False    # "R1: Develop ...": the ref written at the start of the action cell
    due_from_heading: bool = False  # "Actions to be completed by the end of March 2009"
    rows: tuple[int, ...] = ()     # every worksheet row glued into this action
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The contract's export fields first, then what else xlplan read."""
        return {
            "row": self.row, "ref": self.ref, "action": self.action, "lead": self.lead,
            "due": self.due.isoformat() if self.due else None, "due_text": self.due_text,
            "rag": self.rag, "progress": self.progress, "group": self.group,
            "links": list(self.links),
            "prose_links": list(self.prose_links),
            "rag_source": self.rating.source or None,
            "rag_date": self.rating.date.isoformat() if self.rating.date else None,
            "rag_text": self.rating.raw,
            "due_milestones": [d.isoformat() for d in self.due_info.milestones],
            "due_extended": self.due_info.extended,
            "due_ongoing": self.due_info.ongoing,
            "updated": self.updated.isoformat() if self.updated else None,
            "ref_generated": self.ref_generated,
            "ref_from_cell": self.ref_from_cell,
            "extra": dict(self.extra),
        }
