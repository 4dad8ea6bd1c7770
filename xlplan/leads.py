"""The leads directory: who each lead is and where to chase them (a `Leads` sheet in the
plan workbook, or a CSV/xlsx file given with --leads; columns Lead and Email)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import WorkbookError
from .text import header_key, one_line

# Deliberately strict: an address goes into a mail header, so nothing but a plain address.
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True)
class Lead:
    name: str
    email: str


@dataclass
class Directory:
    leads: dict[str, Lead]                 # key: the name folded for matching
    source: str
    problems: list[str] = field(default_factory=list)
    _spellings: dict[str, Lead] | None = field(default=None, repr=False, compare=False)

    def find(self, name: str) -> Lead | None:
        return self.leads.get(_key(name))

    def spelt_like(self, name: str) -> Lead | None:
        """The lead listed under another spelling of `name` ('Pme' for 'PMe', 'JRez' for
        'J.Rez'), or None: a hint for a person to check, never a match."""
        if self._spellings is None:
            self._spellings = {}
            for lead in self.leads.values():
                self._spellings.setdefault(spelling_key(lead.name), lead)
        return self._spellings.get(spelling_key(name))

    def __contains__(self, name: str) -> bool:
        return _key(name) in self.leads

    def __len__(self) -> int:
        return len(self.leads)

    def names(self) -> list[str]:
        return [lead.name for lead in self.leads.values()]


@functools.lru_cache(maxsize=4096)
def _key(name: str) -> str:
    """A lead's name as compared (a plan names a few hundred leads, over and over)."""
    return re.sub(r"\s+", " ", name or "").strip().casefold()


def directory_from_rows(rows: list[list], source: str) -> Directory:
    """Rows of a sheet or file whose header row has Lead and Email columns."""
    for i, row in enumerate(rows[:20]):
        keys = [header_key(v) for v in row]
        if "lead" in keys and "email" in keys:
            lead_col, email_col = keys.index("lead"), keys.index("email")
            break
    else:
        raise WorkbookError(f"{source} has no header row with the columns Lead and Email")
    directory = Directory({}, source)
    for n, row in enumerate(rows[i + 1:], start=i + 2):
        raw_name = str(row[lead_col] or "") if lead_col < len(row) else ""
        name = one_line(raw_name)
        email = str(row[email_col] or "").strip() if email_col < len(row) else ""
        if not name:
            continue
        if re.search(r"[\r\n\x00-\x1f\x7f]", raw_name.strip()):
            directory.problems.append(f"{source} row {n}: the lead {name!r} has a line break or control "
                                      f"character in their name; refused (a mail header trick?)")
            continue
        if email and not EMAIL.match(email):
            directory.problems.append(f"{source} row {n}: {email!r} is not an email address")
            email = ""
        directory.leads.setdefault(_key(name), Lead(name, email))
    return directory


def load_leads_file(path: Path, config) -> Directory:
    from .read.delimited import text_grid
    from .read.guard import TEXT_SUFFIXES
    from .read.xlsx import open_book

    if path.suffix.lower() in TEXT_SUFFIXES:
        return directory_from_rows(text_grid(path).rows, str(path))
    book = open_book(path, config.max_unpacked_bytes, config.max_rows, config.max_columns)
    sheet = config.leads_sheet if config.leads_sheet in book.sheetnames else book.sheetnames[0]
    return directory_from_rows(book.rows(sheet), str(path))


# Words that make a lead cell a note about the work, not a person: "DM HSCB MOVED TO PRACTICE",
# "DM/AC/ Buy in support HSCB" (seed 001), "TBC", "Vacant".
_NOT_A_PERSON = re.compile(r"\b(?:moved\s+to|buy\s+in|tbc|tba|vacant|vacancy|to\s+be\s+(?:confirmed|appointed|agreed)"
                           r"|n/a|none|all\s+(?:staff|agencies|partners))\b", re.IGNORECASE)


@dataclass
class LeadsReview:
    """The lead names of a plan sorted for a Leads sheet: the leads, the cells that are not
    people (a work stream alone, a note), and spellings of one name ("Pme"/"PMe",
    "JRez"/"J.Rez"), each reported, never merged or invented."""

    leads: list[str] = field(default_factory=list)
    not_people: list[tuple[str, str]] = field(default_factory=list)       # name, why
    near_duplicates: list[tuple[str, str]] = field(default_factory=list)  # name, the spelling kept

    def notes(self) -> list[str]:
        out = [f"lead cell {name!r} holds {why}, not a lead: not added to the Leads sheet"
               for name, why in self.not_people]
        out += [f"lead {name!r} looks like another spelling of {kept!r}: only {kept!r} is on the Leads sheet; "
                f"correct the lead cell, or add {name!r} there if they are two people" for name, kept in self.near_duplicates]
        return out


def spelling_key(name: str) -> str:
    """'J. Rez', 'J.Rez', 'JRez' -> 'jrez'; 'PMe', 'Pme' -> 'pme': a name as compared for
    spellings of one name (letters only, case ignored)."""
    return re.sub(r"[^a-z0-9/]", "", (name or "").casefold())


def not_a_person(name: str, streams: tuple[str, ...] = ()) -> str:
    """Why a lead cell names no person, or '': a work stream alone ('Practice'), a note
    ('DM HSCB MOVED TO PRACTICE'). A role title ('HSCB Chair') is a lead: it is kept."""
    text = one_line(name)
    if any(text.casefold() == s.casefold() for s in streams):
        return "a work stream alone"   # "Practice"
    m = _NOT_A_PERSON.search(text)
    if m:
        return f"a note about the work ({m.group(0)!r})"
    return ""


def review_leads(names, streams: tuple[str, ...] = (), known: Directory | None = None) -> LeadsReview:
    """The names for a Leads sheet, in the order first written: a name in the leads directory
    (`known`) is always kept as it is there; a cell that is no person, and a second spelling of
    a name already kept, are reported instead."""
    review = LeadsReview()
    kept: dict[str, str] = {}
    for name in dict.fromkeys(n for n in names if n):
        listed = known.find(name) if known is not None else None
        if listed is not None:          # as the directory spells it
            if listed.name not in review.leads:
                review.leads.append(listed.name)
            kept.setdefault(spelling_key(name), listed.name)
            continue
        why = not_a_person(name, streams)
        if why:
            review.not_people.append((name, why))
            continue
        key = spelling_key(name)
        if key in kept and kept[key] != name:
            review.near_duplicates.append((name, kept[key]))
            continue
        kept[key] = name
        review.leads.append(name)
    return review
