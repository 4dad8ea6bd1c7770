"""Due dates as leads really write them: Excel dates, "19.10.12", "Oct 12", "Oct 12 – Dec 12
Extension to timescale agreed Jan 13", "Within 6 months (April 2013)", "By end June", "now",
"2012 onwards". Day first, always: these are English plans."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .text import one_line

MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
          "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH = (r"(?<![a-z])(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
          r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])")
_TOKENS = re.compile(
    r"(?P<iso>\b(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})\b)"
    r"|(?P<num>\b(?P<nd>\d{1,2})[./](?P<nm>\d{1,2})[./](?P<ny>\d{4}|\d{2})(?!\d))"
    rf"|(?P<dmy>\b(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dmon>{_MONTH})\.?,?\s+(?P<dyear>\d{{4}})\b)"
    rf"|(?P<my>(?P<mend>\bend\s+(?:of\s+)?)?(?P<mon>{_MONTH})\.?\s*'?(?P<myear>\d{{4}}|\d{{2}})?(?!\d))"
    r"|(?P<within>\bwithin\s+(?P<wn>\d+|one|two|three|four|six|nine|twelve)\s+(?P<wunit>months?|weeks?|days?)\b)"
    r"|(?P<now>\b(?:immediate(?:ly)?|now|asap|with immediate effect)\b)"
    r"|(?P<year>\b(?:19|20)\d{2}\b)",
    re.IGNORECASE)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "six": 6, "nine": 9, "twelve": 12}
_EXTENSION = re.compile(r"\b(?:extension|extended|revised timescale|new timescale|timescale extended)\b", re.IGNORECASE)
_ONGOING = re.compile(r"\b(?:onwards|ongoing|on-going|continuous|throughout)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Due:
    """A due date as read from a cell. `date` is None when the text gives none (`problem` says
    why, unless the action is ongoing or the cell is empty)."""

    date: dt.date | None
    text: str = ""
    milestones: tuple[dt.date, ...] = ()   # every date found, in the order written
    extended: bool = False                 # "Extension to timescale agreed ..."
    original: dt.date | None = None        # the due date before the extension
    ongoing: bool = False                  # "2012 onwards": no due date, by design
    notes: tuple[str, ...] = ()            # "remove from plan", "immediate start"
    problem: str = ""
    status: str = ""                       # "complete", "ongoing", "to be confirmed": a status word, no date

    @property
    def missing(self) -> bool:
        return not self.text


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def day_first(day: str | int, month: str | int, year: str | int) -> dt.date | None:
    """19.10.12 -> 19 October 2012; None when it is no real date."""
    y = int(year)
    if y < 100:
        y += 2000
    try:
        return dt.date(y, int(month), int(day))
    except ValueError:
        return None


def excel_serial(number: float, date1904: bool = False) -> dt.date | None:
    """Excel's day count (from 1899-12-30, or from 1904-01-01 in the 1904 date system), for a
    date typed into a cell with no date format."""
    if 20000 <= number <= 80000:
        start = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)
        return start + dt.timedelta(days=int(number))
    return None


def read_due(value, plan_date: dt.date | None = None, date1904: bool = False) -> Due:
    """Read a due-date cell: a date, a number, or text."""
    if value is None:
        return Due(None)
    if isinstance(value, dt.datetime):
        return Due(value.date(), value.date().isoformat(), (value.date(),))
    if isinstance(value, dt.date):
        return Due(value, value.isoformat(), (value,))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        day = excel_serial(value, date1904)
        if day:
            return Due(day, day.isoformat(), (day,))
        return Due(None, str(value), problem=f"{value} is not a date")
    return read_due_text(str(value), plan_date)


# A status written where the due date belongs ("Completed", "Ongoing", "TBC"), seen in real
# plans: surfaced as unparsed-due, never read as a date, never as a rating.
_STATUS_WORDS = {
    "complete": "complete", "completed": "complete", "achieved": "complete", "closed": "complete",
    "done": "complete", "met": "complete",
    "ongoing": "ongoing", "on-going": "ongoing", "on going": "ongoing", "continuous": "ongoing",
    "in progress": "ongoing",
    "tbc": "to be confirmed", "tba": "to be confirmed", "tbd": "to be confirmed",
    "to be confirmed": "to be confirmed", "to be agreed": "to be confirmed", "to be determined": "to be confirmed",
}


def status_in_due(text: str) -> str:
    """'Completed' -> 'complete'; 'Ongoing.' -> 'ongoing'; 'TBC' -> 'to be confirmed'; '' when
    the cell holds more than a status word."""
    if len(text) > 30:
        return ""       # longer than any status word with its dots and spaces
    return _STATUS_WORDS.get(" ".join(text.replace(".", " ").strip(" !*()").casefold().split()), "")


def read_due_text(raw: str, plan_date: dt.date | None = None) -> Due:
    text = one_line(raw)
    if not text or set(text) <= set("-–—_ ."):
        return Due(None)
    status = status_in_due(text)
    if status:
        return Due(None, text, ongoing=status == "ongoing", status=status,
                   problem=f"due cell says {text[:40]!r}, a status, not a date")
    split = _EXTENSION.search(text)
    main, extension = (text[:split.start()], text[split.end():]) if split else (text, "")
    dates, notes, problems = _dates_in(main, plan_date)
    ext_dates, ext_notes, ext_problems = _dates_in(extension, plan_date)
    notes += ext_notes
    if re.search(r"remove(d)? from (the )?plan", text, re.IGNORECASE):
        notes.append("remove from plan")
    ongoing = bool(_ONGOING.search(text))
    original = max(dates) if dates else None
    due = max(ext_dates) if ext_dates else original
    if ongoing and not re.search(_MONTH, text, re.IGNORECASE):
        # "2012 onwards": a start, not a deadline.
        return Due(None, text, tuple(dates), ongoing=True, notes=tuple(notes))
    problem = ""
    if due is None:
        problem = "; ".join(problems + ext_problems) or f"no date in {text[:60]!r}"
    elif not split and (guess := _year_among_unknown_words(main)):
        # "ry 2015" (a month cut off): the year alone is a guess, not a due date.
        return Due(None, text, tuple(dates), ongoing=ongoing, notes=tuple(notes),
                   problem=f"only a year ({guess}) among words xlplan cannot read as a date in "
                           f"{text[:60]!r}; the end of {guess} would be a guess")
    return Due(due, text, tuple(dates + ext_dates), extended=bool(split),
               original=original if ext_dates else None, ongoing=ongoing,
               notes=tuple(notes), problem=problem)


_YEAR_ALONE = re.compile(r"\b(19|20)\d\d\b")
_YEAR_WORDS = {"by", "end", "the", "of", "during", "in", "before", "until", "year", "calendar", "due", "target"}


def _year_among_unknown_words(text: str) -> str:
    """'ry 2015' -> '2015': a bare year (no month, no day) with words around it that say
    nothing about a date. '' when the text is a year alone or 'By end of 2015'."""
    if re.search(_MONTH, text, re.IGNORECASE) or re.search(r"\d{1,2}[./-]\d{1,2}", text):
        return ""
    years = _YEAR_ALONE.findall(text)
    found = _YEAR_ALONE.search(text)
    if not found or len(years) != 1:
        return ""
    rest = [w for w in re.findall(r"[A-Za-z]+", text) if w.casefold() not in _YEAR_WORDS]
    return found.group(0) if rest else ""


def _dates_in(text: str, plan_date: dt.date | None) -> tuple[list[dt.date], list[str], list[str]]:
    """Every date in the text, in the order written. A month with no year ("Sept-Oct 12",
    "By end June") takes the year of the next month that has one, else the first such month
    on or after the plan date."""
    found: list[tuple[str, object]] = []
    notes: list[str] = []
    problems: list[str] = []
    tokens = list(_TOKENS.finditer(text))
    has_explicit = any(t["iso"] or t["num"] or t["dmy"] or (t["my"] and t["myear"]) for t in tokens)
    for t in tokens:
        if t["iso"]:
            day = _safe_date(int(t["iy"]), int(t["im"]), int(t["id"]))
            if day:
                found.append(("date", day))
        elif t["num"]:
            day = day_first(t["nd"], t["nm"], t["ny"])
            if day:
                found.append(("date", day))
            else:
                problems.append(f"{t['num']!r} is not a real date")
        elif t["dmy"]:
            day = _safe_date(int(t["dyear"]), MONTHS[t["dmon"][:3].lower()], int(t["dd"]))
            if day:
                found.append(("date", day))
        elif t["my"]:
            month = MONTHS[t["mon"][:3].lower()]
            if t["myear"]:
                year = int(t["myear"])
                found.append(("date", month_end(year + 2000 if year < 100 else year, month)))
            else:
                found.append(("month", month))
        elif t["within"] and not has_explicit:
            n = int(t["wn"]) if t["wn"].isdigit() else _WORDS[t["wn"].lower()]
            if plan_date is None:
                problems.append(f"{t['within']!r} needs the plan date (--plan-date or [workbook] plan_date)")
            elif t["wunit"].lower().startswith("month"):
                found.append(("date", add_months(plan_date, n)))
            else:
                found.append(("date", plan_date + dt.timedelta(weeks=n) if t["wunit"].lower().startswith("week")
                              else plan_date + dt.timedelta(days=n)))
        elif t["now"]:
            if has_explicit:
                notes.append("immediate start")
            elif plan_date is None:
                problems.append(f"{t['now']!r} needs the plan date (--plan-date or [workbook] plan_date)")
            else:
                found.append(("date", plan_date))
        elif t["year"] and not has_explicit:
            if not _ONGOING.search(text):
                found.append(("date", dt.date(int(t["year"]), 12, 31)))
            else:
                found.append(("start", dt.date(int(t["year"]), 1, 1)))
    dates: list[dt.date] = []
    for i, (kind, value) in enumerate(found):
        if kind == "date":
            dates.append(value)
        elif kind == "month":
            later = next((v for k, v in found[i + 1:] if k == "date"), None)
            if later is not None:
                year = later.year if value <= later.month else later.year - 1
                dates.append(month_end(year, value))
            elif plan_date is not None:
                year = plan_date.year if value >= plan_date.month else plan_date.year + 1
                dates.append(month_end(year, value))
            else:
                problems.append(f"a month with no year in {text.strip()[:60]!r} needs the plan date "
                                f"(--plan-date or [workbook] plan_date)")
    return dates, notes, problems


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


_TITLE_DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)


def date_in_title(text: str) -> dt.date | None:
    """A full date written in a title line ("... Action Plan 22 March 2011")."""
    m = _TITLE_DATE.search(one_line(text))
    return _safe_date(int(m[3]), MONTHS[m[2][:3].lower()], int(m[1])) if m else None


DATE_FORMS = "2026-11-23 or 23/11/2026"


def as_day(value: dt.date | str | None) -> dt.date:
    """An as-of date as people give it: a date (a datetime's day), ISO "2026-11-23", or day
    first as people in England write it, "23/11/2026"; None is today. Raises ValueError,
    saying which forms are taken."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    day_first = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if not (day_first or iso):
        raise ValueError(f"{value!r} is not a date like {DATE_FORMS}")
    year, month, day = (day_first[3], day_first[2], day_first[1]) if day_first else iso.groups()
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"{value!r} is not a real date; give one like {DATE_FORMS}") from None
