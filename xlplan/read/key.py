"""A plan's own key to its ratings, written in the plan before or after the table: "1 Fully
Achieved", "2 On track" (a numbered scale), "RED  Tasks ... slipped" (seed 001), "Blue -
complete", "Key: G = on target, A = some slippage, R = off track". Each entry is mapped to a
canonical label, so that plan's ratings ("2") read as the key says; the key's rows are never
actions nor section headings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..rag import RagScale
from ..text import one_line

# A row that names a key: "Key", "RAG key:", "RAG table", "Legend", "Rating scale", "BRAG key".
_TITLE = re.compile(r"^(?:(?:rag|brag|rating|ratings|status|progress|assessment|scoring)\s+)*"
                    r"(?:key|legend|table|scale|definitions|categories)\s*(?:[:\-–—]\s*|$)(?P<rest>.*)$",
                    re.IGNORECASE)
_NUMBER = re.compile(r"^\(?(\d{1,2})\)?[.)]?$")
_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")
# "Blue - complete", "G = on target", "1: Fully achieved", "2 – On track", "1) Achieved".
_SEPARATED = re.compile(r"^(?P<token>[^=:–—]{1,30}?)\s*(?:\s[-–—]\s|[=:–—]|(?<=\))\s)\s*(?P<meaning>.+)$")
_SPACED = re.compile(r"^(?P<token>\(?\d{1,2}\)?[.)]?)\s+(?P<meaning>.+)$")   # "1 Fully Achieved"
_BULLET = re.compile(r"^\s*[·•▪◦*-]\s+")       # "·        Green: recommendation achieved"
_QUALIFIED = re.compile(r"\b(?:not|no|partially|partly|nearly|almost|yet to|to be|largely|mostly)\s+(?:yet\s+|been\s+)?$")
_INLINE_SPLIT = re.compile(r"\s*[,;]\s*|\s{3,}|\t")
_MAX_ROW_TEXT = 250              # a key row is short; an action row is not
_MEANING_WORDS = 5               # a meaning this short is also read as a rating ("Fully achieved")


@dataclass(frozen=True)
class KeyEntry:
    row: int                     # 0-based grid row
    token: str                   # "1", "G", "RED", "On track"
    meaning: str                 # "Fully Achieved", "Tasks and outcomes ... slipped"
    label: str | None            # the canonical label it means; None when xlplan cannot tell
    plain: bool = True           # the entry names its rating plainly (a colour, a whole rating
                                 # word): such entries make a key without a title


@dataclass
class PlanKey:
    """The key found in a plan: its entries, and the rows it takes (0-based) with why."""

    entries: list[KeyEntry] = field(default_factory=list)
    rows: dict[int, str] = field(default_factory=dict)      # 0-based row -> reason ("key: ...")

    def words(self) -> list[tuple[str, str]]:
        """(word, label) pairs the plan's ratings are read with: each entry's token, and its
        meaning when short ("Fully achieved"), mapped to the entry's label."""
        out = []
        for entry in self.entries:
            if entry.label is None:
                continue
            number = _NUMBER.match(entry.token)
            out.append((number.group(1) if number else entry.token, entry.label))
            if entry.meaning and len(entry.meaning.split()) <= _MEANING_WORDS:
                out.append((entry.meaning, entry.label))
        return out


def find_key(rows: list[list], scale: RagScale, header: int | None = None,
             rag_column: int | None = None) -> PlanKey:
    """The key written in the plan (before or after the table), or an empty PlanKey. A key is
    one of: a run of two or more short rows, each a token and what it means ("1 Fully
    Achieved", "RED | Tasks ... slipped"), under a title ("Key", "RAG table"), or without one
    when every entry plainly names a rating and they name two or more; one row "Key: G = on
    target, A = ..., R = ..."; or a single line of a number and a whole rating word ("1 Fully
    Achieved"). Never a row of the table: three or more cells, or (below the header) a cell
    in the rating column ("1.1 | Green" is an action with its rating)."""
    key = PlanKey()
    run: list[KeyEntry] = []
    titled: int | None = None
    blank = 0

    def close() -> None:
        nonlocal run, titled
        labels = {e.label for e in run if e.label}
        # One line alone is a key only as a number and a whole rating word ("1 Fully
        # Achieved" under Stockton LSCB's 2017 progress update), never "1 Complete the audit".
        alone = (len(run) == 1 and _NUMBER.match(run[0].token) is not None
                 and scale.canonical(run[0].meaning.strip(" .;")) is not None)
        untitled = len(labels) >= 2 and all(e.plain for e in run)
        if alone or len(run) >= 2 and (titled is not None or untitled):
            found.append((run, titled))
        run, titled = [], None

    found: list[tuple[list[KeyEntry], int | None]] = []
    last_table_row = -1                           # the last row of three or more cells

    for i, row in enumerate(rows):
        filled = []
        for j, v in enumerate(row):
            if v is not None and v != "":
                filled.append((j, v))
                if len(filled) > 2:
                    break
        if len(filled) > 2 or i == header:       # a row of the table: nothing to clean (quick)
            blank = 0
            last_table_row = i
            close()
            continue
        if (header is not None and i > header and rag_column is not None and len(filled) == 2
                and any(j == rag_column for j, _ in filled)):
            blank = 0
            close()                               # a ref or words with a rating: an action's row
            continue
        if len(filled) == 2 and len(str(filled[0][1])) > 40:
            blank = 0
            close()                               # words, not a token and its meaning (quick)
            continue
        cells = [c for _, v in filled if (c := _BULLET.sub("", one_line(v)))]
        if not cells:
            blank += 1
            if blank > 1 and (run or titled is not None):
                close()
            continue
        blank = 0
        if sum(map(len, cells)) > _MAX_ROW_TEXT:
            close()
            continue
        title = _TITLE.match(cells[0])
        if title and (len(cells) == 1 or len(cells) == 2 and not title["rest"]):
            rest = title["rest"] or (cells[1] if len(cells) == 2 else "")
            inline = [e for part in _INLINE_SPLIT.split(rest) if part
                      for e in [_entry(i, [part], scale)] if e]
            close()
            if inline:
                if len(inline) >= 2:
                    key.rows[i] = "key: " + "; ".join(_describe(e) for e in inline)
                    key.entries.extend(inline)
                continue
            if not rest:
                titled = i
                continue
        entry = _entry(i, cells, scale)
        if entry is None:
            close()
            continue
        run.append(entry)
    close()
    for entries, titled in found:
        # Inside the table (below the header, above its last row), only a key under a title
        # counts: two short rows there ("1 | Complete", "2 | On track" in the ref and progress
        # columns) are more likely actions with most cells empty.
        inside = header is not None and header < entries[0].row < last_table_row
        if inside and titled is None:
            continue
        if titled is not None:
            key.rows[titled] = "key: its title"
        for e in entries:
            key.entries.append(e)
            key.rows[e.row] = _reason(e)
    key.entries.sort(key=lambda e: e.row)
    return key


def _entry(i: int, cells: list[str], scale: RagScale) -> KeyEntry | None:
    """One key entry from a row's one or two cells, or None when the row is not one."""
    if len(cells) == 2:
        token, meaning = cells
    else:
        found = _SEPARATED.match(cells[0]) or _SPACED.match(cells[0])
        if not found:
            return None
        token, meaning = found["token"].strip(), found["meaning"].strip()
    if len(token) > 30 or len(token.split()) > 4:
        return None
    whole = scale.canonical(meaning.strip(" .;"))
    if _NUMBER.match(token):
        named = _colour_named(scale, meaning)
        return KeyEntry(i, token, meaning, whole or named or meaning_label(scale, meaning),
                        plain=bool(whole or named))
    named = scale.canonical(token)
    letters = _LETTERS.match(token) is not None and len(token) <= 2
    if named:
        # A colour named in full ("RED", "Blue") says what it is; a letter is the plan's own
        # ("A = Achieved" is not Amber), so its meaning decides when it names another rating.
        if letters:
            said = meaning_label(scale, meaning)
            return KeyEntry(i, token, meaning, said if said and said != named else named,
                            plain=bool(whole) or len(meaning.split()) <= _MEANING_WORDS)
        return KeyEntry(i, token, meaning, named)
    if whole and not token[:1].isdigit() and not token.startswith("("):
        return KeyEntry(i, token, meaning, whole)         # "On track - Green", "Complete = Blue"
    if _LETTERS.match(token):                            # "OT = on target", "NS - not started"
        said = meaning_label(scale, meaning)
        if said:
            return KeyEntry(i, token, meaning, said, plain=bool(whole))
    return None


def _colour_named(scale: RagScale, text: str) -> str | None:
    """The one level named in the text ("(Green) on target"), or None."""
    found = {lv.label for lv in scale.levels
             if re.search(rf"(?<![\w/]){re.escape(lv.label)}(?![\w/])", text, re.IGNORECASE)}
    return found.pop() if len(found) == 1 else None


def meaning_label(scale: RagScale, text: str) -> str | None:
    """The rating a key's words mean: the whole text ("Fully achieved"), a colour it names
    ("(Green) on target"), the rating it starts with ("On track, milestones met"), else the one
    rating all the scale's words in it agree on ("Tasks ... have not been met or timescale
    slipped"); None when they disagree or there are none."""
    text = one_line(text).strip(" .")
    if not text:
        return None
    whole = scale.canonical(text)
    if whole:
        return whole
    named = _colour_named(scale, text)
    if named:
        return named
    leading = scale.read_text(text)
    if leading.label:
        return leading.label
    return _words_agree(scale, text)


def _words_agree(scale: RagScale, text: str) -> str | None:
    lowered = text.casefold()
    candidates = sorted({w for w in scale.known_words if len(w) >= 4 and not w.isdigit()}, key=len, reverse=True)
    taken: list[tuple[int, int]] = []
    labels = set()
    for word in candidates:
        for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", lowered):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if _QUALIFIED.search(lowered[max(0, m.start() - 20):m.start()]):
                return None                  # "partially complete", "not yet achieved": unsure
            taken.append((m.start(), m.end()))
            labels.add(scale.known_words[word])
    return labels.pop() if len(labels) == 1 else None


def _describe(entry: KeyEntry) -> str:
    if entry.label is None:
        return f"{entry.token} {entry.meaning!r} is no rating xlplan knows (map it with [rag.scales])"
    return f"{entry.token} = {entry.label}" + (f" ({entry.meaning})" if entry.meaning else "")


def _reason(entry: KeyEntry) -> str:
    return "key: " + _describe(entry)


# -- a key to the plan's columns ("Date: Date of the Committee meeting ...") ----------------

_COLUMN_LINE = re.compile(r"^(?P<head>[^:]{1,40}?)\s*:\s*(?P<meaning>.*)$")
_KEY_TITLE = re.compile(r"^(?:key|legend|notes?|definitions|glossary)\s*:?\s*$", re.IGNORECASE)
# A date column the key says is when something happened (a meeting, a decision), not when
# the action is due: "Date of the Committee meeting recommendation was agreed."
_EVENT = re.compile(r"\b(?:meeting|agreed|considered|made|approved|decided|held|raised|received|"
                    r"was|were)\b", re.IGNORECASE)
_DUE_WORDS = re.compile(r"\b(?:due|target|deadline|by which|by when|expected|timescale|to be|will be|"
                        r"should be|complete by|completion)\b", re.IGNORECASE)


def _head_words(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", one_line(text).casefold()).split())


@dataclass
class ColumnKey:
    """The plan's own key to its columns, written after (or before) the table: one line per
    column, its header and what it holds ("Date: Date of the Committee meeting recommendation
    was agreed."). Its rows are never actions; its words help read the columns."""

    meanings: dict[int, str] = field(default_factory=dict)   # 0-based column -> what the key says
    rows: dict[int, str] = field(default_factory=dict)       # 0-based row -> reason


def find_column_key(rows: list[list], headers: list[str], header: int, body_start: int) -> ColumnKey:
    """Lines outside the table of one cell "HEADER: what it holds", HEADER being a header of
    the table, two or more of them (with a "Key" title above, if any); a line "Status:" naming
    a header with nothing after it heads the key to that column's words, which follows."""
    names = {}
    for j, h in enumerate(headers):
        if _head_words(h):
            names.setdefault(_head_words(h), j)
    out = ColumnKey()
    if len(names) < 2:
        return out
    run: list[tuple[int, int, str]] = []
    title: int | None = None

    def close() -> None:
        nonlocal run, title
        if len(run) >= 2:
            if title is not None:
                out.rows[title] = "key: its title (a key to the plan's columns)"
            for i, j, meaning in run:
                out.rows[i] = (f"key: what column {headers[j]!r} holds" if meaning
                               else f"key: the words of column {headers[j]!r} follow")
                if meaning:
                    out.meanings.setdefault(j, meaning)
        run, title = [], None

    for i, row in enumerate(rows):
        if header <= i < body_start:
            continue
        cells = [one_line(v) for v in row if one_line(v)]
        if not cells:
            continue
        if len(cells) == 1 and _KEY_TITLE.match(cells[0]):
            close()
            title = i
            continue
        line = _COLUMN_LINE.match(cells[0]) if len(cells) == 1 else None
        if len(cells) == 2 and len(cells[0]) <= 40:
            line = _COLUMN_LINE.match(f"{cells[0].rstrip(':')}: {cells[1]}")
        j = names.get(_head_words(line["head"])) if line else None
        if j is None:
            if run:
                close()
            elif title is not None and i > title + 1:
                title = None
            continue
        run.append((i, j, line["meaning"].strip()))
    close()
    return out


def names_an_event(meaning: str) -> bool:
    """Whether the key's words for a date column say it is when something happened ("Date of
    the Committee meeting recommendation was agreed"), not when the action is due."""
    return bool(_EVENT.search(meaning)) and not _DUE_WORDS.search(meaning)
