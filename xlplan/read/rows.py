"""Rows into records: what real plans do between their rows (section headings that carry a
due date or a theme, header rows repeated on every page, rows split by a page break, group
cells filled only on the first of their rows), undone, so that each record is one action's
cells."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..action import REF, leading_ref
from ..config import Config
from ..dates import Due, read_due_text
from ..text import column_letter, header_key, one_line, plain, plain_row
from .grid import Grid
from .header import is_fragment


@dataclass(frozen=True)
class Skipped:
    """A line of the plan that is not an action, and why."""

    row: int
    text: str
    reason: str


@dataclass(frozen=True)
class Glue:
    """A worksheet row read as the rest of the action above it (split by a page break), or,
    when `kept` is true, a row that might have been and was kept as an action of its own."""

    onto: int            # the 1-based worksheet row of the action above (its first row)
    row: int             # the 1-based worksheet row glued on (or kept apart)
    reason: str
    kept: bool = False   # in doubt: kept as an action of its own

    def message(self, ref: str = "") -> str:
        what = f"row {self.onto}" + (f" ({ref})" if ref else "")
        if self.kept:
            return (f"row {self.row} kept as an action of its own, not glued onto {what}: {self.reason}; "
                    f"if it is the rest of {what}, join the two rows")
        return f"row {self.row} glued onto {what} (a row split by a page break): {self.reason}"


# A row with no words of its own this many empty rows below the one above is no page's rest.
FAR_BELOW = 10
FAR_REASON = "far below the rows above"

_BULLET = re.compile(r"(?:^|\s)[•▪◦‣●·*–-]\s")
_NUMBERS = re.compile(r"\d+(?:\.\d+)+")     # "1.1.1" in "C1.1.1"
_SENTENCE_END = re.compile(r"[.;:!?)\]\"'”’]\s*$")
_HYPHEN_CUT = re.compile(r"[A-Za-z]-$")      # "multi-" of "multi-agency", cut at a page break
# Words a sentence does not end on: a cell ending "used effectively for" was cut mid-sentence.
_OPEN_WORDS = frozenset("""a an the and or nor but for of to in on at by with from into onto as than that
which who whose whom including such their its our your his her this these those is are be was were""".split())
NOT_PLACED = "not placed"


@dataclass
class Record:
    """One action's cells as read (several worksheet rows when a page break split it)."""

    cells: dict[int, object]            # 0-based column -> the value as read
    clean: dict[int, str]               # the same, as text cleaned once (HTML, bullets)
    rows: list[int]                     # 1-based worksheet rows glued into it
    heading_text: str = ""              # the section heading in force
    heading_due: Due | None = None      # the due date that heading gives
    carried_into: tuple[int, int] | None = None   # (row, column) of the last text moved into a cut cell


def _shorten(text: str, width: int) -> str:
    """Whole words up to `width` characters, "..." after them when some are left off."""
    if len(text) <= width:
        return text
    return text[:width].rsplit(" ", 1)[0] + " ..."


class RowReader:
    """Rows into records: walks the rows below the header, keeping the section heading in
    force, skipping header rows repeated on every page (each skip is recorded, with why), and
    glues a row split by a page break onto the row it belongs to, cell by cell. `records()`
    then fills group cells down (a theme written only on the first of its rows)."""

    def __init__(self, grid: Grid, config: Config, columns: dict[str, int], headers: list[str],
                 first_col: int, plan_date: dt.date | None):
        self.grid, self.config, self.columns, self.headers = grid, config, columns, headers
        self.first_col, self.plan_date = first_col, plan_date
        self.heading = ""
        self.heading_due: Due | None = None
        self.entries: list[Record | None] = []   # None: a section heading (groups do not carry over)
        self.skipped: list[Skipped] = []
        self.glued: list[Glue] = []               # every glue, and every doubt kept as two rows
        self.last_filled: int | None = None       # 0-based index of the last row fed that held text
        self.header_fields = {header_key(h) for h in headers if header_key(h)}
        self.longest_header = max((len(h) for h in headers), default=0) + 10
        # Worked out once, not for each of a hundred thousand rows:
        self.mapped = set(columns.values())
        self.fill_down = [(name, columns[name]) for name, column in config.columns.items()
                          if column.fill_down and name in columns]
        self.extra_names = {j: h or f"Column {column_letter(j)}" for j, h in enumerate(headers)}

    # -- headings ------------------------------------------------------------------------
    @staticmethod
    def _single_cell(row: list) -> tuple[int, str] | None:
        filled = [(j, text) for j, v in enumerate(row) if (text := plain(v))]
        return filled[0] if len(filled) == 1 else None

    def _apply_heading(self, text: str) -> bool:
        text = one_line(text)
        for pattern in self.config.due_sections:
            m = pattern.search(text)
            if m:
                date_text = m.groupdict().get("date") or m.group(0)
                self.heading_due = read_due_text(date_text, self.plan_date)
                self.heading = text
                return True
        if any(p.search(text) for p in self.config.group_sections):
            self.heading = text
            return True
        return False

    def heading_above(self, i: int, row: list) -> None:
        text = " ".join(one_line(v) for v in row if one_line(v))
        if not text:
            return
        cell = self._single_cell(row)
        if cell and self._apply_heading(cell[1]):
            self.skipped.append(Skipped(i + 1, text, self._heading_reason()))
        else:
            self.skipped.append(Skipped(i + 1, text, "title, key or prose before the table"))

    def _heading_reason(self) -> str:
        if self.heading_due and self.heading_due.date:
            return f"section heading: due date {self.heading_due.date.isoformat()} for the rows under it"
        return "section heading: the group of the rows under it"

    # -- the plan's key (issue 15, read/key.py) ---------------------------------------------
    def skip_key(self, i: int, row: list, reason: str) -> None:
        """A row of the plan's own key to its ratings: never an action nor a heading; below
        the header it ends the rows above (nothing is glued across it, no group carries over)."""
        text = " ".join(one_line(v) for v in row if one_line(v))
        self.skipped.append(Skipped(i + 1, text, reason))
        if self.entries and self.entries[-1] is not None:
            self.entries.append(None)

    # -- rows ----------------------------------------------------------------------------
    def _is_heading(self, i: int, row: list) -> str | None:
        cell = self._single_cell(row)
        if not cell:
            return None
        col, text = cell
        line = one_line(text)
        if any(p.search(line) for p in (*self.config.due_sections, *self.config.group_sections)):
            return line
        if self.grid.merged_width.get((i + 1, col + 1), 1) > 1:
            return line
        if is_fragment(line) or (REF.match(line) and len(line) < 16):
            return None
        if col <= self.first_col and len(line.split()) >= 3:
            return line
        return None

    def _cell(self, row: list, name: str):
        col = self.columns.get(name)
        if col is None or col >= len(row):
            return None
        return row[col]

    def feed(self, i: int, row: list) -> None:
        cells = plain_row(row)                        # each cell cleaned once
        filled = [c for c in cells if c]
        if not filled:
            return
        gap = i - self.last_filled - 1 if self.last_filled is not None else 0
        self.last_filled = i
        if (len(filled) == len(self.header_fields) and len(filled[0]) <= self.longest_header
                and header_key(filled[0]) in self.header_fields
                and {header_key(c) for c in filled} == self.header_fields):
            self.skipped.append(Skipped(i + 1, " ".join(one_line(c) for c in filled), "header repeated (a new page)"))
            return
        heading = self._is_heading(i, cells) if len(filled) == 1 else None
        text = heading or ""
        if heading:
            if heading == self.heading:
                self.skipped.append(Skipped(i + 1, text, "section heading repeated (a new page)"))
                return
            if not self._apply_heading(heading):
                self.heading = heading
            self.skipped.append(Skipped(i + 1, text, self._heading_reason()))
            self.entries.append(None)
            return
        last = self.entries[-1] if self.entries else None
        if last is None:
            self.entries.append(self._record(i, row, cells))
            return
        moved = self._moved_continuation(i, row, cells, last, gap)
        if moved is not None:
            self._place(i, row, cells, last, *moved)
            return
        verdict, reason = self._continues(row, cells, last)
        if verdict == "apart":
            self._parent_heading(last, cells)
            self.entries.append(self._record(i, row, cells))
            return
        if verdict == "glue" and gap >= FAR_BELOW:
            # A stray value far below the table (a cell typed in row 5000) carries on nothing.
            self.skipped.append(Skipped(i + 1, " ".join(one_line(c) for c in filled)[:80],
                                        f"{FAR_REASON} ({gap} empty rows above it): not glued onto the action above"))
            return
        if verdict == "doubt":
            self.glued.append(Glue(last.rows[0], i + 1, reason, kept=True))
            self.entries.append(self._record(i, row, cells))
            return
        # A row split by a page break: the rest of the text of some cells carries on here.
        # Glue it on, cell by cell, and say so.
        for j, value in enumerate(row):
            if cells[j]:
                before = last.cells.get(j)
                last.cells[j] = value if not plain(before) else f"{before} {value}"
                last.clean[j] = plain(last.cells[j])
        last.rows.append(i + 1)
        self.glued.append(Glue(last.rows[0], i + 1, reason))

    # -- text carried over a page break into the wrong column ------------------------------
    def _moved_continuation(self, i: int, row: list, cells: list[str], last: Record,
                            gap: int) -> tuple[int | None, str] | None:
        """A line holding only words in the ref cell ("resulting from feedback from children
        and young people" below 2.4): the rest of a cell cut by a page break, written in the
        first column because the line lost the tabs before it. Not the ref's own tail: that
        names refs ("Link to 1.2 and 1.3", "and 1.3"). Returns the column it carries on (None
        when no cell of the action above shows where) and why; None when the line is not one."""
        ref_col = self.columns.get("ref")
        if ref_col is None or gap >= FAR_BELOW or ref_col >= len(cells):
            return None
        words = one_line(cells[ref_col])
        if (not words or any(c for j, c in enumerate(cells) if j != ref_col) or not is_fragment(words)
                or re.search(r"\d", words) or re.match(r"^(?:link|\()", words, re.IGNORECASE)):
            return None
        quoted = repr(_shorten(words, 40))
        if last.carried_into and last.carried_into[0] == i and last.rows[-1] == i:
            # "agency data" / "audit": the next line of the same carried text.
            col = last.carried_into[1]
            return col, f"{quoted} carries on the line above it (row {i}), in column {self._column_name(col)}"
        found: dict[int, tuple[int, str]] = {}          # column -> (strength, evidence)
        for j, text in last.clean.items():
            if j in self._not_prose or not (text := one_line(text)):
                continue
            if _HYPHEN_CUT.search(text):
                found[j] = (3, f"cut at {text.split()[-1]!r}")
            elif not _SENTENCE_END.search(text) and text.split()[-1].casefold() in _OPEN_WORDS:
                found[j] = (2, f"cut at {text.split()[-1]!r}")
            elif not _SENTENCE_END.search(text) and (seen := self._written_elsewhere(j, text, words, last)):
                found[j] = (1, f"cut at {' '.join(text.split()[-2:])!r}, as row {seen[0]} writes it "
                               f"({_shorten(seen[1], 60)!r})")
        best = max((strength for strength, _ in found.values()), default=0)
        strongest = [j for j, (strength, _) in found.items() if strength == best]
        if len(strongest) != 1:
            why = ("no cell of the action above stops mid-sentence" if not strongest else
                   "several cells of the action above stop mid-sentence: "
                   + ", ".join(f"column {self._column_name(j)}" for j in strongest))
            return None, why
        col = strongest[0]
        return col, f"{quoted} carries on column {self._column_name(col)}, {found[col][1]}"

    @property
    def _not_prose(self) -> set[int]:
        """Columns a cut sentence does not carry on into: the ref, the rating, dates."""
        return {self.columns[f] for f in ("ref", "rag", "due", "updated") if f in self.columns}

    def _column_name(self, col: int) -> str:
        header = one_line(self.headers[col]) if col < len(self.headers) else ""
        return column_letter(col) + (f" {header!r}" if header else "")

    def _written_elsewhere(self, col: int, text: str, words: str, last: Record) -> tuple[int, str] | None:
        """The cut cell's last words and the carried words, as another action above writes
        them in the same column ("... systematic action resulting from feedback from children
        and young people", 2.2's outcome, for 2.4's): the row and those words."""
        phrase = " ".join([*text.split()[-2:], words]).casefold()
        for record in self.entries:
            if record is None or record is last:
                continue
            other = one_line(record.clean.get(col, ""))
            if phrase in other.casefold():
                at = other.casefold().index(phrase)
                return record.rows[0], other[at:at + len(phrase)]
        return None

    def _place(self, i: int, row: list, cells: list[str], last: Record, col: int | None, reason: str) -> None:
        """Glue text carried over a page break onto the cell it carries on, or, when no cell
        shows where, keep it out of the action and report it (never inside the ref)."""
        ref_col = self.columns["ref"]
        if col is None:
            ref = one_line(last.clean.get(ref_col, "")) or f"row {last.rows[0]}"
            self.skipped.append(Skipped(i + 1, one_line(cells[ref_col]),
                                        f"{NOT_PLACED}: the rest of a cell of {ref} (row {last.rows[0]}) cut by a page "
                                        f"break, written in the first column; {reason}: add it to its cell by hand"))
            return
        before, text = last.cells.get(col), one_line(row[ref_col])
        if not plain(before):
            joined = text
        elif _HYPHEN_CUT.search(one_line(before)):      # "multi-" + "agency data": one word again
            joined = f"{str(before).rstrip()}{text}"
        else:
            joined = f"{before} {text}"
        last.cells[col] = joined
        last.clean[col] = plain(joined)
        last.rows.append(i + 1)
        last.carried_into = (i + 1, col)
        self.glued.append(Glue(last.rows[0], i + 1, reason))

    def _parent_heading(self, last: Record, cells: list[str]) -> None:
        """The record above as the heading of a group when the new row's ref is its first
        child ("CC1.1 Transforming local government ... OCE Mike" above "C1.1.1 Making sure
        ..."): a row with no rating, progress or due of its own, whose number the next row's
        number extends by one level, is a commitment and its owner, not an action."""
        ref_col = self.columns.get("ref")
        if ref_col is None or len(last.rows) != 1 or ref_col >= len(cells):
            return
        parent, child = _NUMBERS.search(one_line(last.clean.get(ref_col, ""))), _NUMBERS.search(one_line(cells[ref_col]))
        if not parent or not child or child.group(0).rsplit(".", 1)[0] != parent.group(0):
            return
        if any(plain(last.clean.get(self.columns[f], "")) for f in ("rag", "progress", "due") if f in self.columns):
            return
        parent_ref, child_ref = one_line(last.clean.get(ref_col, "")).split(" ")[0], one_line(cells[ref_col])
        if ("lead" in self.columns and plain(last.clean.get(self.columns["lead"], ""))
                and child_ref.startswith(parent_ref + ".")):
            # "1.1 Audit ... | Head of CSC" above "1.1.1 ...": a numbered action with a lead and
            # sub-actions is still an action (unrated: No data), never a heading that drops it.
            # "CC1.1 ... OCE Mike" above "C1.1.1" numbers its milestones another way: a heading.
            return
        text = " ".join(one_line(last.clean[j]) for j in sorted(last.clean) if one_line(last.clean[j]))
        self.entries.pop()
        self.heading = text
        self.skipped.append(Skipped(last.rows[0], text, f"the heading of a group: no rating, progress or due of its "
                                    f"own, and the refs below ({one_line(cells[ref_col])}) number within its ref"))
        self.entries.append(None)

    def _record(self, i: int, row: list, cells: list[str]) -> Record:
        return Record(dict(enumerate(row)), dict(enumerate(cells)), [i + 1], self.heading, self.heading_due)

    def _continues(self, row: list, cells: list[str], last: Record) -> tuple[str, str]:
        """Whether a row carries on the action above: "apart" (an action of its own), "glue"
        (with the evidence), or "doubt" (kept apart, and reported). A row is glued only on
        evidence: it has no ref or rating of its own and either no action words of its own
        or words that visibly carry on a cut sentence."""
        key = one_line(self._cell(row, "ref"))
        rag = plain(self._cell(row, "rag"))
        if rag:
            return self._rating_continues(row, cells, last, key, rag)
        if "ref" in self.columns and key and not is_fragment(key):
            return "apart", ""
        col = self.columns.get("action", self.columns.get("group"))
        words = one_line(cells[col]) if col is not None and col < len(cells) else ""
        if "ref" not in self.columns and leading_ref(words):
            return "apart", ""            # "R3: Tighten the networks..." names itself
        fragments = [one_line(c) for c in cells if c and is_fragment(one_line(c))]
        carried = f"; {fragments[0][:20]!r} carries on a cut sentence" if fragments else ""
        if "ref" not in self.columns:
            if one_line(self._cell(row, "lead")) or plain(self._cell(row, "due")):
                return "apart", ""        # a lead or a date of its own
            if words and not is_fragment(words) and not fragments:
                return "apart", ""        # action words that start a sentence of their own
            if not words:
                return "glue", "no action words, lead or date of its own" + carried
            return "glue", f"its action words carry on a cut sentence ({words[:20]!r})"
        if key:   # Word sometimes splits the key cell itself ("2.8" / "Link to 1.2 and 1.3")
            return "glue", f"its ref cell carries on the one above ({key[:20]!r})"
        if not words:
            return "glue", "no ref or action words of its own" + carried
        if is_fragment(words):
            return "glue", f"no ref; its action words carry on a cut sentence ({words[:20]!r})"
        if fragments:
            return "glue", "no ref" + carried
        above = one_line(last.clean.get(col, "")) if col is not None else ""
        if _BULLET.match(words) and _BULLET.search(above) and not one_line(self._cell(row, "lead")):
            # "▪ Identify methodology ..." / "▪ Address key learning ...": the list goes on.
            return "glue", "no ref or lead; its action words carry on the bullet list above"
        if above and not _SENTENCE_END.search(above):
            return "doubt", (f"it has no ref, and its action words {words[:30]!r} start a sentence "
                             f"(the action above ends {above[-30:]!r})")
        return "doubt", f"it has no ref of its own, and its action words {words[:30]!r} start a sentence"

    def _rating_continues(self, row: list, cells: list[str], last: Record, key: str, rag: str) -> tuple[str, str]:
        """A row with a rating carries on the action above only when the rating fills that
        action's empty rating cell and nothing else says it is an action of its own: no ref
        (in a plan with refs), no lead, and action words that carry on a cut sentence (a PDF's
        column layout, where the rating letter sits on the second line of its row)."""
        if "ref" not in self.columns or key or one_line(self._cell(row, "lead")):
            return "apart", ""
        rag_col = self.columns["rag"]
        if plain(last.clean.get(rag_col, "")):
            return "apart", ""               # the action above has its rating: this is another
        col = self.columns.get("action")
        words = one_line(cells[col]) if col is not None and col < len(cells) else ""
        above = one_line(last.clean.get(col, "")) if col is not None else ""
        if not words or not above or not is_fragment(words) or _SENTENCE_END.search(above):
            return "apart", ""
        return "glue", (f"no ref or lead; its action words carry on a cut sentence ({words[:20]!r}), "
                        f"and its rating {rag[:10]!r} fills the empty rating cell of the row above")

    def records(self) -> list[Record]:
        """The records, group cells filled down within each section."""
        out: list[Record] = []
        carried: dict[str, tuple] = {}
        for record in self.entries:
            if record is None:
                carried = {}   # a new section starts its own groups
                continue
            for name, col in self.fill_down:
                if record.clean.get(col):
                    carried[name] = (record.cells[col], record.clean[col])
                elif name in carried:
                    record.cells[col], record.clean[col] = carried[name]
            out.append(record)
        return out
