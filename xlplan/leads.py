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

    def find(self, name: str) -> Lead | None:
        return self.leads.get(_key(name))

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
    book = open_book(path, config.max_unpacked_bytes, config.max_rows)
    sheet = config.leads_sheet if config.leads_sheet in book.sheetnames else book.sheetnames[0]
    return directory_from_rows(book.rows(sheet), str(path))
