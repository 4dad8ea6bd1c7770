"""Reading a plan: find the header row, then turn every row below it into an Action,
coping with what real plans do (title rows, section headings that carry a due date or a
theme, header rows repeated on every page, rows split by a page break, objective cells filled
only on the first of their rows, ratings given as symbols or fill colours)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .action import REF, Action, parse_ref
from .config import Config
from .dates import Due, date_in_title, read_due, read_due_text
from .errors import WorkbookError
from .leads import Directory, directory_from_rows, load_leads_file
from .rag import RagReading
from .source import DOCX_SUFFIXES, TEXT_SUFFIXES, Grid, docx_grid, open_book, text_grid
from .text import column_letter, header_key, one_line, plain, plain_row

_SUPPORT_SHEETS = {"guide", "lists", "leads", "import report", "read me", "readme", "key"}


@dataclass(frozen=True)
class Skipped:
    row: int
    text: str
    reason: str


@dataclass
class Plan:
    """The actions of one plan, and how they were read."""

    path: Path
    sheet: str
    header_row: int                     # 1-based worksheet row
    columns: dict[str, int]             # field -> 0-based column
    headers: list[str]
    actions: list[Action]
    plan_date: dt.date | None = None
    title: str = ""
    directory: Directory | None = None
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)   # lines that are not actions, and why
    config: Config | None = field(default=None, repr=False, compare=False)   # the config it was read with

    def to_frame(self):
        """The actions as a pandas DataFrame, one row an action, the export's columns (dates
        as datetime64, no rating as None). For notebooks and Power BI; pandas is imported
        here only, so no command pays for it."""
        from .frames import frame

        return frame([a.to_dict() for a in self.actions], dates=("due", "updated", "rag_date"))


def read_plan(path: str | Path, config: Config | None = None, *, sheet: str | None = None,
              plan_date: dt.date | None = None, leads_file: str | Path | None = None) -> Plan:
    """Read the plan in an .xlsx workbook, a Word .docx, a CSV file, or tab-separated text,
    however it has been filled in (see the README, "How xlplan reads a plan").

    `config` defaults to the one the command line would use (config/xlplan.toml found from
    the working directory, else the built-in defaults). Raises WorkbookError (one sentence
    saying what and where) when the file cannot be read as a plan; a bad row is never an
    error here: it is read as it is, and `validate` reports it."""
    if config is None:
        from .config import load_config

        config = load_config()
    path = Path(path)
    if path.suffix.lower() in TEXT_SUFFIXES:
        plan = parse_grid(text_grid(path), config, plan_date=plan_date)
    elif path.suffix.lower() in DOCX_SUFFIXES:
        plan = parse_grid(docx_grid(path, config.max_unpacked_bytes), config, plan_date=plan_date)
    else:
        book = open_book(path, config.max_unpacked_bytes, config.max_rows)
        name = _choose_sheet(book, path, config, sheet)
        plan = parse_grid(book.grid(name), config, plan_date=plan_date)
        if name != (sheet or config.sheet):
            plan.notes.append(f"read sheet {name!r} (there is no sheet {config.sheet!r})")
        if config.leads_sheet in book.sheetnames:
            plan.directory = directory_from_rows(book.rows(config.leads_sheet), f"sheet {config.leads_sheet!r} of {path}")
    if leads_file is not None:
        plan.directory = load_leads_file(Path(leads_file), config)
    plan.config = config
    return plan


def _choose_sheet(book, path: Path, config: Config, asked: str | None) -> str:
    names = book.sheetnames
    listing = ", ".join(f'"{n}"' for n in names)
    if asked is not None:
        if asked not in names:
            raise WorkbookError(f'sheet "{asked}" not found in {path}; its sheets are {listing}')
        return asked
    if config.sheet and config.sheet in names:
        return config.sheet
    if not config.sheet:
        return names[0]
    candidates = [n for n in names if n.casefold() not in _SUPPORT_SHEETS and n != config.leads_sheet]
    if len(candidates) > 1:
        candidates = [n for n in candidates if _find_header(book.grid(n), config)[0] is not None]
    if len(candidates) == 1:
        return candidates[0]
    where = f" (set [workbook] sheet in {config.source})" if config.source else " (pass --sheet NAME)"
    raise WorkbookError(f'sheet "{config.sheet}" not found in {path}; its sheets are {listing}{where}')


def _is_fragment(text: str) -> bool:
    """'agency data', 'and 1.3', 'Link to 1.2 and 1.3': the tail of a split cell, not a key."""
    return bool(re.match(r"^(?:[a-z(]|and\s|or\s)", text) or re.match(r"^link(?:ed)?\s+to\b", text, re.IGNORECASE))


def _alias_table(config: Config) -> dict[str, str]:
    table = {}
    for name, column in config.columns.items():
        for alias in column.aliases:
            table.setdefault(header_key(alias), name)
    return table


def _header_matches(row: list, aliases: dict[str, str]) -> list[tuple[int, str]]:
    return [(j, aliases[k]) for j, value in enumerate(row) if (k := header_key(value)) in aliases]


def _search_rows(grid: Grid, config: Config) -> int:
    # A Word document, or text copied out of one, carries its whole prose before the table.
    whole = grid.path.suffix.lower() in TEXT_SUFFIXES | DOCX_SUFFIXES
    return len(grid.rows) if whole else config.header_search_rows


def _find_header(grid: Grid, config: Config) -> tuple[int | None, list[tuple[int, str]]]:
    aliases = _alias_table(config)
    best, best_matches = None, []
    for i, row in enumerate(grid.rows[:_search_rows(grid, config)]):
        matches = _header_matches(row, aliases)
        if len({f for _, f in matches}) >= 2 and len({f for _, f in matches}) > len({f for _, f in best_matches}):
            best, best_matches = i, matches
    return best, best_matches


def _map_columns(grid: Grid, header: int, matches: list[tuple[int, str]], config: Config) -> dict[str, int]:
    by_field: dict[str, list[int]] = {}
    for col, name in matches:
        by_field.setdefault(name, []).append(col)
    # Seed 001: the action number sits in an unheaded first column and "Reference" holds
    # source-document codes (AA1..AA7). An unheaded first column of numbers is the ref.
    header_cells = grid.rows[header]
    if header_cells and header_key(header_cells[0]) == "" and by_field.get("ref") != [0]:
        sample = [one_line(r[0]) for r in grid.rows[header + 1:header + 80]
                  if r and one_line(r[0]) and sum(1 for v in r if one_line(v)) > 1]  # not headings
        refs = [v for v in sample if REF.match(v)]
        if sample and len(refs) >= 0.6 * len(sample):
            by_field["ref"] = [0]
    for name, cols in by_field.items():
        if len(cols) > 1:
            heads = " and ".join(f'{column_letter(c)} "{one_line(header_cells[c])}"' for c in cols)
            where = config.source or "the config"
            raise WorkbookError(
                f'columns {heads} in sheet "{grid.sheet}" of {grid.path} (row {header + 1}) both mean '
                f'{name}; rename one of them, or take one out of [columns.{name}] aliases in {where}')
    return {name: cols[0] for name, cols in by_field.items()}


def parse_grid(grid: Grid, config: Config, *, plan_date: dt.date | None = None) -> Plan:
    """Turn a grid of cells into a Plan."""
    if not any(any(v not in (None, "") for v in row) for row in grid.rows):
        raise WorkbookError(f'sheet "{grid.sheet}" of {grid.path} is empty; there are no actions to read')
    header, matches = _find_header(grid, config)
    if header is None:
        searched = _search_rows(grid, config)
        seen = [one_line(v)[:40] for row in grid.rows[:searched] for v in row if one_line(v)][:8]
        wanted = ", ".join(c.header for c in config.columns.values())
        raise WorkbookError(
            f'no header row found in the first {searched} rows of sheet "{grid.sheet}" '
            f'in {grid.path}; saw {", ".join(repr(s) for s in seen) or "nothing"}; a header row needs two '
            f'or more of {wanted} (or an alias from [columns] in the config)')
    columns = _map_columns(grid, header, matches, config)
    headers = [one_line(v) for v in grid.rows[header]]
    first_col = min(columns.values())

    titles = [text for row in grid.rows[:header] if (text := " ".join(one_line(v) for v in row if one_line(v)))]
    if plan_date is None:
        plan_date = config.plan_date
    if plan_date is None:
        plan_date = next((d for t in titles if (d := date_in_title(t))), None)

    reader = _RowReader(grid, config, columns, headers, first_col, plan_date)
    for i, row in enumerate(grid.rows[:header]):
        reader.heading_above(i, row)
    for i in range(header + 1, len(grid.rows)):
        reader.feed(i, grid.rows[i])
    actions = reader.actions()
    return Plan(grid.path, grid.sheet, header + 1, columns, headers, actions, plan_date,
                titles[0] if titles else "", skipped=reader.skipped)


class _RowReader:
    """Walks the rows below the header, keeping the heading in force, and glues rows split
    by a page break onto the row they belong to."""

    def __init__(self, grid: Grid, config: Config, columns: dict[str, int], headers: list[str],
                 first_col: int, plan_date: dt.date | None):
        self.grid, self.config, self.columns, self.headers = grid, config, columns, headers
        self.first_col, self.plan_date = first_col, plan_date
        self.heading = ""
        self.heading_due: Due | None = None
        self.records: list[dict] = []
        self.skipped: list[Skipped] = []
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
        if _is_fragment(line) or (REF.match(line) and len(line) < 16):
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
            self.records.append({"heading": True})
            return
        key = one_line(self._cell(row, "ref"))
        rag = plain(self._cell(row, "rag"))
        if "ref" in self.columns:
            # Word repeats no key on the second half of a row split by a page break, and
            # sometimes the key cell itself is split ("2.8" / "Link to 1.2 and 1.3").
            starts_action = bool(rag) or bool(key and not _is_fragment(key))
        else:
            due = self._cell(row, "due")
            starts_action = bool(rag or one_line(self._cell(row, "lead")) or plain(due))
        last = next((r for r in reversed(self.records) if not r.get("heading")), None)
        if not starts_action and last is not None and self.records[-1] is last:
            # A row split by a page break: its key cell is empty and the rest of the text of
            # some cells carries on here. Glue it on, cell by cell.
            for j, value in enumerate(row):
                if cells[j]:
                    before = last["cells"].get(j)
                    last["cells"][j] = value if not plain(before) else f"{before} {value}"
                    last["clean"][j] = plain(last["cells"][j])
            last["rows"].append(i + 1)
            return
        self.records.append({"cells": dict(enumerate(row)), "clean": dict(enumerate(cells)), "rows": [i + 1],
                             "heading_text": self.heading, "heading_due": self.heading_due})

    # -- actions -------------------------------------------------------------------------
    def actions(self) -> list[Action]:
        out: list[Action] = []
        carried: dict[str, object] = {}
        counters: dict[str, int] = {}
        for record in self.records:
            if record.get("heading"):
                carried = {}   # a new section starts its own groups
                continue
            for name, col in self.fill_down:
                if record["clean"].get(col):
                    carried[name] = (record["cells"][col], record["clean"][col])
                elif name in carried:
                    record["cells"][col], record["clean"][col] = carried[name]
            out.append(self._action(record, counters))
        return out

    def _action(self, record: dict, counters: dict[str, int]) -> Action:
        cells, clean, columns = record["cells"], record["clean"], self.columns

        def line(name: str) -> str:
            value = clean.get(columns[name], "") if name in columns else ""
            return re.sub(r"\s+", " ", value).strip() if "\n" in value or "  " in value else value

        ref_text = line("ref")
        ref, links = parse_ref(ref_text)
        group = line("group") if "group" in columns else ""
        group = group or record["heading_text"]
        generated = False
        if "ref" not in columns:
            number = re.match(r"\s*(\d+)", group)
            key = number.group(1) if number else str(len(counters) + 1)
            counters[key] = counters.get(key, 0) + 1
            ref, generated = f"{key}.{counters[key]}", True

        due_col = columns.get("due")
        from_heading = due_col is None or not clean.get(due_col)
        if not from_heading:
            due = read_due(cells.get(due_col), self.plan_date, self.grid.date1904)
        else:
            due = record["heading_due"] or Due(None)
            from_heading = record["heading_due"] is not None

        rating = self._rating(clean.get(columns["rag"], "") if "rag" in columns else "", record["rows"][0])
        progress = clean.get(columns["progress"], "") if "progress" in columns else ""
        if rating.comment and rating.comment not in progress:
            progress = f"{progress}\n{rating.comment}" if progress else rating.comment
        updated = read_due(cells.get(columns["updated"]), None, self.grid.date1904).date if "updated" in columns else None

        extra = {}
        if ref_text and not links and ref != ref_text.rstrip(".:;, "):
            extra["Ref as written"] = ref_text   # a split cell's tail glued onto the key
        for j, value in sorted(cells.items()):
            if j in self.mapped or value is None or value == "":
                continue
            name = self.extra_names.get(j) or f"Column {column_letter(j)}"
            extra[name] = value.isoformat()[:10] if isinstance(value, (dt.date, dt.datetime)) else clean.get(j, "")
        return Action(
            row=record["rows"][0], ref=ref, action=clean.get(columns["action"], "") if "action" in columns else "",
            lead=line("lead"), due=due.date, due_text=due.text, rag=rating.label, progress=progress, group=group,
            links=links, rating=rating, due_info=due, updated=updated, ref_generated=generated,
            due_from_heading=from_heading, rows=tuple(record["rows"]), extra=extra,
        )

    def _rating(self, text: str, row: int) -> RagReading:
        """From the cell's text (as cleaned once), else from its fill colour."""
        scale = self.config.scale
        if text:
            return scale.read_text(text)
        col = self.columns.get("rag")
        if col is None:
            return RagReading(None)
        rgb, problem = self.grid.fill(row, col + 1)
        if problem:
            return RagReading(None, "fill", problem=problem)
        return scale.read_fill(rgb)
