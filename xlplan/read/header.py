"""Finding the header row of a plan and reading what each of its columns holds.

Real plans name their columns in many ways ("Timetable[iv]", "Progresspresented to Committee
Dec 2017", "Lead Officer", "R/A/G"). A header cell is normalised (case, punctuation, Word
footnote markers, superscripts, line breaks, a space lost at a line break, plurals), then
scored against every alias of every field by its words: the alias's words must appear, in
order and together, in the header; the fewer other words the header has, the higher the score
(1.0 only for the alias itself). The whole row is then assigned at once, best score first:
each field goes to one column at most, and a column that loses a field to a better one is kept
as an extra column, never an error. `--map` and `[columns] map` override the reading; a column
kept as an extra whose cells look like ratings or progress is named in the plan's notes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..action import REF
from ..config import FIELDS, Config
from ..errors import WorkbookError
from ..text import column_letter, one_line
from .grid import Grid
from .guard import DOCX_SUFFIXES, TEXT_SUFFIXES

# A cell scoring less than this for every field is not read as that field.
THRESHOLD = 0.6
# A header cell has few words; a cell of more content words than this is prose, not a header.
MAX_HEADER_WORDS = 6
# One-word aliases that name many things: "Date" (due? updated? agreed?), "No", "Status".
# They count for less, so "Target date" beats "Date" for the due date, and "Date of update"
# is the update date, not the due date.
GENERIC = {"date", "no", "number", "key", "id", "area", "group", "section", "status", "update",
           "description", "task"}
GENERIC_WEIGHT = 0.7
# Words that say nothing about a column ("Progress presented *to* Committee *Dec 2017*").
_STOP = {"to", "of", "the", "and", "by", "for", "a", "an", "in", "on", "at", "if", "any", "or", "with",
         "per", "s", "from", "as", "is", "be", "this", "that"}
_MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
           "january", "february", "march", "april", "june", "july", "august", "september",
           "october", "november", "december", "q1", "q2", "q3", "q4"}
# Word footnote and endnote markers: "Recommendation[i]", "Timetable[iv]", "Lead Officer[5]",
# "Owner*", "Status†"; and superscript digits and letters ("Due¹").
_FOOTNOTE = re.compile(r"\[(?:[ivxlc]{1,6}|\d{1,3}|[a-z])\]|[*†‡§¹²³⁰-⁹ᵃ-ᶻⁱⁿ]+", re.IGNORECASE)
# Single letters joined by "/" or ".": "R/A/G", "B.R.A.G", "R / A / G" -> "rag".
_LETTERS = re.compile(r"\b[a-z](?:\s*[/.]\s*[a-z]\b)+\.?")


def is_fragment(text: str) -> bool:
    """'agency data', 'and 1.3', 'Link to 1.2 and 1.3': the tail of a split cell, not a key."""
    return bool(re.match(r"^(?:[a-z(]|and\s|or\s)", text) or re.match(r"^link(?:ed)?\s+to\b", text, re.IGNORECASE))


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(value) -> tuple[str, ...]:
    """A header as words: 'Timetable[iv]' -> ('timetable',), 'R/A/G' -> ('rag',),
    'Progress  presented to\\nCommittee' -> ('progress', 'presented', 'to', 'committee'),
    'Actions' -> ('action',)."""
    text = _FOOTNOTE.sub(" ", one_line(value)).casefold().replace("&", " and ")
    text = _LETTERS.sub(lambda m: re.sub(r"[^a-z]", "", m.group()), text)
    return tuple(_stem(w) for w in re.findall(r"[0-9a-z]+", text))


def _content(tokens) -> list[str]:
    return [t for t in tokens if t not in _STOP and t not in _MONTHS and not t.isdigit()]


def _split_joined(tokens: tuple[str, ...], vocabulary: set[str]) -> tuple[str, ...]:
    """A space lost at a line break: 'progresspresented' -> 'progress', 'presented' when the
    first part is a word of the aliases (and the rest a word of them, or long enough to be one)."""
    out: list[str] = []
    for t in tokens:
        if t in vocabulary or len(t) < 7:
            out.append(t)
            continue
        for i in range(len(t) - 3, 2, -1):
            head, tail = t[:i], _stem(t[i:])
            if head in vocabulary and head not in _STOP and (tail in vocabulary or (len(head) >= 5 and len(tail) >= 4)):
                out += [head, tail]
                break
        else:
            out.append(t)
    return tuple(out)


@dataclass(frozen=True)
class Alias:
    field: str
    text: str                 # as configured
    tokens: tuple[str, ...]
    rank: int                 # its place in the field's list: the header first
    fallback: bool = False    # only when no column is the field's own (Recommendation -> action)

    @property
    def generic(self) -> bool:
        return len(self.tokens) == 1 and self.tokens[0] in GENERIC


@dataclass(frozen=True)
class Match:
    field: str
    score: float
    alias: str
    rank: int
    how: str                  # "is" (the alias itself) or "contains"
    fallback: bool = False

    def to_dict(self) -> dict:
        return {"field": self.field, "score": round(self.score, 2), "alias": self.alias}


class Aliases:
    """The aliases of every field of a config, as words, for scoring header cells."""

    def __init__(self, config: Config):
        self.list: list[Alias] = []
        for name, column in config.columns.items():
            for rank, text in enumerate(column.aliases):
                if words(text):
                    self.list.append(Alias(name, text, words(text), rank))
            for rank, text in enumerate(getattr(column, "fallback_aliases", ())):
                if words(text):
                    self.list.append(Alias(name, text, words(text), 1000 + rank, fallback=True))
        self.vocabulary = {t for a in self.list for t in a.tokens}
        self._by_first: dict[str, list[Alias]] = {}      # only aliases whose first word is in a cell are scored
        for alias in self.list:
            self._by_first.setdefault(alias.tokens[0], []).append(alias)
        self._cache: dict[str, list[Match]] = {}

    def tokens(self, value) -> tuple[str, ...]:
        return _split_joined(words(value), self.vocabulary)

    def matches(self, value) -> list[Match]:
        """Every field this header cell may be, best first (one Match per field and kind)."""
        text = one_line(value)
        found = self._cache.get(text)
        if found is not None:
            return found
        found = self._matches(text)
        if len(self._cache) < 50_000:
            self._cache[text] = found
        return found

    def _matches(self, text: str) -> list[Match]:
        if not text or len(text) > 120 or text.count(" ") > MAX_HEADER_WORDS + 4:
            return []            # prose: a header has few words (small words and dates aside)
        tokens = self.tokens(text)
        if not tokens or not self.vocabulary.intersection(tokens):
            return []
        content = _content(tokens)
        if len(content) > MAX_HEADER_WORDS:
            return []
        best: dict[tuple[str, bool], Match] = {}
        for alias in (a for t in dict.fromkeys(tokens) for a in self._by_first.get(t, ())):
            score, how = _score(tokens, content, alias)
            if score < THRESHOLD:
                continue
            key = (alias.field, alias.fallback)
            old = best.get(key)
            if old is None or (score, -alias.rank) > (old.score, -old.rank):
                best[key] = Match(alias.field, score, alias.text, alias.rank, how, alias.fallback)
        return sorted(best.values(), key=lambda m: (-m.score, m.rank, FIELDS.index(m.field)))


def _score(tokens: tuple[str, ...], content: list[str], alias: Alias) -> tuple[float, str]:
    a = alias.tokens
    if tokens == a:
        score, how = 1.0, "is"
    else:
        n = len(a)
        at = next((i for i in range(len(tokens) - n + 1) if tokens[i:i + n] == a), None)
        if at is None:
            return 0.0, ""
        mine = len(_content(a)) or n
        ratio = min(1.0, mine / max(len(content), 1))
        score, how = min(0.99, 0.4 + 0.55 * ratio + (0.05 if at == 0 else 0.0)), "contains"
    if alias.generic:
        score *= GENERIC_WEIGHT
    return score, how


# -- the reading of a header row, kept on the Plan ----------------------------------------

@dataclass
class ColumnRead:
    """How one column of the header row was read."""

    column: int                      # 0-based
    header: str                      # as written (one line)
    field: str | None                # None: kept as an extra column
    score: float = 0.0
    reason: str = ""
    runners_up: list[Match] = field(default_factory=list)   # other fields it matched, best first
    hint: str = ""                   # an extra that looks like ratings or progress

    @property
    def letter(self) -> str:
        return column_letter(self.column)

    def to_dict(self) -> dict:
        return {"column": self.letter, "header": self.header, "field": self.field or "extra",
                "score": round(self.score, 2), "reason": self.reason,
                "runners_up": [m.to_dict() for m in self.runners_up], "hint": self.hint or None}


@dataclass
class ColumnReading:
    """How the header row of a plan was read: each column's field (or extra), why, and what
    else it could have been. `plan.reading`; rendered by `xlplan columns`."""

    path: str
    sheet: str
    header_row: int                  # 1-based worksheet row
    columns: list[ColumnRead]
    overrides: list[str] = field(default_factory=list)   # "Timetable=due (--map)"
    header_rows: int = 1             # 2: the header goes on over the next row ("Current" / "Status")
    # A field with no column that the plan gives another way: field -> how ("the section
    # headings above the rows: 'Actions to be completed by ...'"), set once the rows are read.
    elsewhere: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> dict[str, int]:
        return {c.field: c.column for c in self.columns if c.field}

    @property
    def extras(self) -> list[ColumnRead]:
        return [c for c in self.columns if c.field is None and c.header]

    @property
    def hints(self) -> list[str]:
        return [c.hint for c in self.columns if c.hint]

    @property
    def missing(self) -> list[str]:
        return [f for f in FIELDS if f not in self.fields]

    def to_dict(self) -> dict:
        return {"workbook": self.path, "sheet": self.sheet, "header_row": self.header_row,
                "header_rows": self.header_rows,
                "fields": {f: column_letter(c) for f, c in self.fields.items()},
                "missing": self.missing, "elsewhere": self.elsewhere, "overrides": self.overrides, "hints": self.hints,
                "columns": [c.to_dict() for c in self.columns if c.header or c.field]}


# -- finding the header row ---------------------------------------------------------------

def rows_searched(grid: Grid, config: Config) -> int:
    # A Word document, or text copied out of one, carries its whole prose before the table.
    whole = grid.path.suffix.lower() in TEXT_SUFFIXES | DOCX_SUFFIXES
    return len(grid.rows) if whole else config.header_search_rows


def _assign(row: list, aliases: Aliases, forced: dict[int, str | None]) -> tuple[dict[int, Match], dict[int, list[Match]]]:
    """The best reading of a whole row: every (column, field) pair by score, best first
    (ties: the alias earlier in its list, then the column further left); a pair is taken when
    neither its column nor its field is taken yet. `forced` columns are fixed first."""
    found = {j: aliases.matches(v) for j, v in enumerate(row)}
    taken: dict[int, Match] = {}
    used = {f for f in forced.values() if f}
    for j, f in forced.items():
        if f:
            taken[j] = Match(f, 1.0, "", 0, "map")
    # At equal scores, a column whose header says it is an earlier or planned value ("Previous
    # RAG", "Original due date", "Baseline") gives way to the current one.
    pairs = sorted(((m, j) for j, ms in found.items() if j not in forced for m in ms if not m.fallback),
                   key=lambda p: (-p[0].score, _earlier(row[p[1]]), p[0].rank, p[1], FIELDS.index(p[0].field)))
    for m, j in pairs:
        if j not in taken and m.field not in used:
            taken[j] = m
            used.add(m.field)
    return taken, found


_EARLIER = {"previous", "prior", "last", "old", "original", "initial", "baseline", "former", "was"}


def _earlier(header) -> bool:
    return bool(set(words(one_line(header))) & _EARLIER)


def find_header(grid: Grid, config: Config, aliases: Aliases | None = None) -> tuple[int | None, dict[int, Match]]:
    """The header row: of the rows searched, the first naming the most fields (two or more)."""
    aliases = aliases or Aliases(config)
    best, best_taken = None, {}
    for i, row in enumerate(grid.rows[:rows_searched(grid, config)]):
        if sum(1 for v in row if v not in (None, "")) < 2:
            continue
        taken, _ = _assign(row, aliases, {})
        if len(taken) >= 2 and len(taken) > len(best_taken):
            best, best_taken = i, taken
    return best, best_taken


# -- overrides: --map and [columns] map ---------------------------------------------------

_LETTER = re.compile(r"^[A-Za-z]{1,3}$")


def parse_map(text: str, where: str) -> tuple[str, str]:
    """'Timetable=due' -> ('Timetable', 'due'); 'F = extra' -> ('F', 'extra'). Raises
    ValueError (one sentence) for a bad one."""
    column, sep, name = text.rpartition("=")
    column, name = column.strip(), name.strip().casefold()
    said = f"{where} {text!r}".strip()
    if not sep or not column or not name:
        raise ValueError(f"{said} must be COLUMN=FIELD, like \"Timetable=due\" or \"F=rag\"")
    if name not in (*FIELDS, "extra"):
        raise ValueError(f"{said}: {name!r} is not a field; the fields are "
                         f"{', '.join(FIELDS)} (or extra, to keep the column as it is)")
    return column, name


def _resolve(row: list, config: Config, grid: Grid, header: int, aliases: Aliases) -> tuple[dict[int, str | None], list[str]]:
    forced: dict[int, str | None] = {}
    said: list[str] = []
    heads = [one_line(v) for v in row]
    for column, name, source in getattr(config, "column_map", ()):
        want = aliases.tokens(column)
        cols = [j for j, h in enumerate(heads) if h and (h.casefold() == column.casefold() or (want and aliases.tokens(h) == want))]
        if not cols and _LETTER.match(column):
            j = sum((ord(c) - 64) * 26 ** k for k, c in enumerate(reversed(column.upper()))) - 1
            if j < len(heads) or any(j < len(r) and one_line(r[j]) for r in grid.rows[header + 1:]):
                cols = [j]
            elif source == "--map":
                raise WorkbookError(f'--map "{column}={name}": column {column.upper()} of sheet "{grid.sheet}" in '
                                    f'{grid.path} is empty in every row; the header row (row {header + 1}) ends at '
                                    f'column {column_letter(max(len(heads) - 1, 0))}')
            else:
                continue             # a config map names columns of some plans, not all
        if not cols:
            if source == "--map":
                seen = ", ".join(f"{column_letter(j)} {h!r}" for j, h in enumerate(heads) if h)
                raise WorkbookError(f'--map "{column}={name}": there is no column {column!r} in the header row '
                                    f'(row {header + 1}) of sheet "{grid.sheet}" in {grid.path}; its columns are {seen}')
            continue                 # a config map names columns of some plans, not all
        j = cols[0]
        for k, f in list(forced.items()):
            if f == name and name != "extra" and k != j:
                del forced[k]        # a later map (--map over the config) wins
        forced[j] = None if name == "extra" else name
        said.append(f"{column}={name} ({source})")
    return forced, said


# -- reading the header row ---------------------------------------------------------------

def read_columns(grid: Grid, header: int, config: Config, aliases: Aliases | None = None) -> ColumnReading:
    """Each column of the header row: its field or extra, the score, why, the runners-up."""
    aliases = aliases or Aliases(config)
    row = list(grid.rows[header])
    below = _continued(grid, header, aliases)
    if below is not None:                        # "Current" / "Status": one header on two lines
        for j, v in enumerate(below):
            if one_line(v):
                row[j] = f"{one_line(row[j])} {one_line(v)}"
    forced, said = _resolve(row, config, grid, header, aliases)
    if forced and max(forced) >= len(row):       # a map by column letter past the header's last cell
        row += [None] * (max(forced) + 1 - len(row))
    taken, found = _assign(row, aliases, forced)
    fallback_note: dict[int, str] = {}
    empty_action = None
    action_col = next((k for k, t in taken.items() if t.field == "action"), None)
    if action_col is not None and action_col not in forced and _empty_column(grid, header, action_col):
        empty_action = action_col                # "Action Expected Outcome", empty in every row
    if action_col is None or empty_action is not None:
        # A recommendation tracker: no Action column (or one left empty), the recommendation is the action.
        options = sorted(((m, j) for j, ms in found.items() if j not in forced and j != empty_action for m in ms
                          if m.fallback and m.field == "action"), key=lambda p: (-p[0].score, p[0].rank, p[1]))
        if options and (empty_action is None or not _empty_column(grid, header, options[0][1])):
            m, j = options[0]
            was = taken.get(j)
            fixed = {**forced, j: "action"}
            if empty_action is not None:
                fixed[empty_action] = None
            taken, found = _assign(row, aliases, fixed)
            taken[j] = m
            because = ("the plan has no Action column" if empty_action is None else
                       f"column {column_letter(empty_action)} {one_line(row[empty_action])!r} is empty in every row")
            fallback_note[j] = (f"{m.alias!r} is the action here, as {because}"
                                + (f" (in a plan with one, it is the {config.columns[was.field].header.casefold()})"
                                   if was and empty_action is None else ""))
            if empty_action is not None:
                fallback_note[empty_action] = (f"kept as it is: it reads as action, but is empty in every row; "
                                               f"column {column_letter(j)} {one_line(row[j])!r} is the action")
    by_field = {m.field: j for j, m in taken.items()}
    j = by_field.get("progress", -2) + 1
    if "updated" not in by_field and 0 < j < len(row) and j not in forced and _is_just_date(found.get(j, [])):
        # "Update | Date": a bare Date right after the progress is when it was written.
        m = found[j][0]
        held = taken.get(j)
        kept = {k: t for k, t in taken.items() if k in fallback_note}
        taken, found = _assign(row, aliases, {**forced, **{k: t.field for k, t in kept.items()}, j: "updated"})
        taken.update(kept)
        taken[j] = Match("updated", m.score, m.alias, m.rank, "after-progress")
        fallback_note[j] = ("a bare 'Date' right after the progress column is the date of the update"
                            + (", not the due date" if held else ""))
        by_field = {t.field: k for k, t in taken.items()}
    unheaded_ref = _unheaded_ref(grid, header, row, by_field.get("ref"))
    cols: list[ColumnRead] = []
    for j, value in enumerate(row):
        head = one_line(value)
        mine = taken.get(j)
        if unheaded_ref and j == 0:
            cols.append(ColumnRead(0, head, "ref", 1.0, "an unheaded first column whose cells are refs "
                                   "(1.1, 2.3) is the ref"))
            continue
        if unheaded_ref and mine and mine.field == "ref":
            mine = None
            reason = "kept as it is: the unheaded first column holds the refs"
        else:
            reason = ""
        others = [m for m in found.get(j, []) if not mine or m.field != mine.field]
        if mine is None:
            if j in fallback_note:
                reason = fallback_note[j]
            elif j in forced:
                reason = _map_reason(j, said, row, aliases)
            if not reason:
                reason = _why_extra(j, head, found.get(j, []), taken, row)
            cols.append(ColumnRead(j, head, None, 0.0, reason, others))
        elif mine.how == "map":
            cols.append(ColumnRead(j, head, mine.field, 1.0, _map_reason(j, said, row, aliases), others))
        else:
            why = fallback_note.get(j) or (f"{mine.alias!r} is an alias of {mine.field}" if mine.how == "is"
                                          else f"contains {mine.alias!r}, an alias of {mine.field}")
            if mine.field == "due" and j not in fallback_note and words(head) == ("date",):
                # A bare "Date" is the due date in most plans (seed 004), but a committee's or
                # a decision's date in a recommendation tracker: the header cannot tell.
                why += (f"; if this column is the date of a meeting or a decision, not when the action is due, "
                        f"map it with --map \"{head}=extra\"")
            cols.append(ColumnRead(j, head, mine.field, mine.score, why, others))
    reading = ColumnReading(str(grid.path), grid.sheet, header + 1, cols, said, 2 if below is not None else 1)
    _hint(grid, header, reading, config)
    return reading


def _map_reason(j: int, said: list[str], row: list, aliases: Aliases) -> str:
    letter = column_letter(j)
    head = one_line(row[j]) if j < len(row) else ""
    for s in said:
        column = s.rsplit("=", 1)[0]
        if column.upper() == letter or (head and (column.casefold() == head.casefold()
                                                  or aliases.tokens(column) == aliases.tokens(head))):
            return f"set by {s}"
    return "set by a map"


def _continued(grid: Grid, header: int, aliases: Aliases) -> list | None:
    """The row under the header when it finishes the header's cells, as a header split over two
    lines in a PDF or a Word table does ("Current" / "Status", "What are the prospects for the" /
    "future?"): its few cells are short, each under a header cell, none in the first column
    (where a ref or a heading would be), and at least one makes a header read better or
    finishes one cut after a small word."""
    if header + 1 >= len(grid.rows):
        return None
    row, below = grid.rows[header], grid.rows[header + 1]
    cells = [(j, one_line(v)) for j, v in enumerate(below) if one_line(v)]
    heads = [one_line(v) for v in row]
    if not cells or cells[0][0] == 0 or len(cells) > max(1, sum(1 for h in heads if h) // 2):
        return None
    better = False
    for j, text in cells:
        if j >= len(heads) or not heads[j] or len(text) > 25 or len(text.split()) > 3 or REF.match(text):
            return None
        before = max((m.score for m in aliases.matches(heads[j])), default=0.0)
        after = max((m.score for m in aliases.matches(f"{heads[j]} {text}")), default=0.0)
        better = better or after > before or (words(heads[j]) or ("",))[-1] in _STOP
    return below if better else None


def _empty_column(grid: Grid, header: int, col: int) -> bool:
    """No text in the column in any row below the header that has text elsewhere (sampled)."""
    rows = [r for r in grid.rows[header + 1:header + 300] if any(one_line(v) for v in r)]
    return bool(rows) and not any(col < len(r) and one_line(r[col]) for r in rows)


def _is_just_date(matches: list[Match]) -> bool:
    return bool(matches) and matches[0].field == "due" and words(matches[0].alias) == ("date",)


def _why_extra(j: int, head: str, matches: list[Match], taken: dict[int, Match], row: list) -> str:
    if not head:
        return "no header"
    plain = [m for m in matches if not m.fallback]
    if not plain:
        return "kept as it is: no alias of a field in its header"
    m = plain[0]
    winner = next((k for k, t in taken.items() if t.field == m.field), None)
    if winner is None:
        return "kept as it is"
    other = f"column {column_letter(winner)} {one_line(row[winner])!r}"
    if taken[winner].how == "map":
        return f"kept as it is: it also reads as {m.field} ({m.score:.2f}), but a map gives {m.field} to {other}"
    if taken[winner].score > m.score:
        return (f"kept as it is: it also reads as {m.field} ({m.score:.2f}), but {other} "
                f"reads as {m.field} better ({taken[winner].score:.2f})")
    why = "its header is the usual name" if taken[winner].rank < m.rank else "it is further left"
    return (f"kept as it is: it also reads as {m.field} ({m.score:.2f}), as does {other} "
            f"({taken[winner].score:.2f}), which is preferred as {why}")


def _unheaded_ref(grid: Grid, header: int, row: list, ref_col: int | None) -> bool:
    # Seed 001: the action number sits in an unheaded first column and "Reference" holds
    # source-document codes (AA1..AA7). An unheaded first column of numbers is the ref.
    if not row or one_line(row[0]) != "" or ref_col == 0:
        return False
    sample = [one_line(r[0]) for r in grid.rows[header + 1:header + 80]
              if r and one_line(r[0]) and sum(1 for v in r if one_line(v)) > 1]  # not headings
    refs = [v for v in sample if REF.match(v)]
    return bool(sample) and len(refs) >= 0.6 * len(sample)


# -- hints: an extra column that looks like ratings or progress ---------------------------

_STATUS_WORDS = {"complete", "completed", "achieved", "fully achieved", "partially achieved", "not achieved",
                 "on track", "on target", "off track", "delayed", "not started", "in progress", "ongoing",
                 "closed", "open", "at risk", "overdue", "done"}
# A prose column is named as progress only when its header says so ("Evidence" and "Outcome"
# columns hold prose too, and are not progress: seed 001).
_PROGRESS_WORDS = {"progress", "update", "position", "comment", "commentary", "response", "narrative", "note"}


def _hint(grid: Grid, header: int, reading: ColumnReading, config: Config) -> None:
    have = set(reading.fields)
    by_field = {c.field: c for c in reading.columns if c.field}
    for col in reading.extras:
        rival = next((m for m in col.runners_up if not m.fallback and m.field in ("rag", "progress", "due", "lead")
                      and m.field in by_field and by_field[m.field].column != col.column
                      and m.score >= by_field[m.field].score - 0.05), None)
        if rival is not None and _earlier(col.header) and not _earlier(by_field[rival.field].header):
            continue                             # "Previous RAG" beside "Current RAG": as it should be
        if rival is not None:
            # "RAG Oct 2026 | RAG Nov 2026": two columns read as well as each other; say which is
            # used, so a Red in the other is never hidden without a word.
            used = by_field[rival.field]
            key = col.header if col.header and len(col.header) <= 24 else col.letter
            col.hint = (f"column {col.letter} {col.header!r} reads as {rival.field} as well as column {used.letter} "
                        f"{used.header!r}, which is used: if {col.letter} holds the {rival.field} to report, map it "
                        f"with --map \"{key}={rival.field}\"")
            continue
        values = [one_line(r[col.column]) for r in grid.rows[header + 1:header + 400]
                  if col.column < len(r) and one_line(r[col.column])]
        if len(values) < 2:
            continue
        where = f"column {col.letter} {col.header!r}"
        key = col.header if col.header and len(col.header) <= 24 else col.letter
        if "rag" not in have and sum(_rating_like(v, config) for v in values) >= 0.6 * len(values):
            col.hint = f"{where} looks like ratings: map it with --map \"{key}=rag\""
        elif ("progress" not in have and set(words(col.header)) & _PROGRESS_WORDS
              and sum(len(v) for v in values) / len(values) >= 40):
            col.hint = f"{where} looks like progress: map it with --map \"{key}=progress\""


def _rating_like(value: str, config: Config) -> bool:
    text = value.strip().casefold().rstrip(".")
    if text in _STATUS_WORDS or re.fullmatch(r"[1-5](?:\s*[-–:]\s*\w.*)?", text) and len(text) <= 30:
        return True
    if len(text) <= 20 and config.scale.canonical(value.strip()):
        return True
    return False
