"""Reading a plan: find the header row, then turn every row below it into an Action,
coping with what real plans do (title rows, section headings that carry a due date or a
theme, header rows repeated on every page, rows split by a page break, objective cells filled
only on the first of their rows, ratings given as symbols or fill colours)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from .action import Action
from .config import Config
from .dates import date_in_title
from .errors import WorkbookError, printable
from .leads import Directory, directory_from_rows, load_leads_file
from .read.actions import ActionBuilder
from .read.delimited import text_grid
from .read.docx import docx_grid
from .read.grid import Grid
from .read.guard import DOCX_SUFFIXES, TEXT_SUFFIXES
from .read.header import (
    Aliases,
    ColumnReading,
    find_header,
    read_columns,
    rows_searched,
)
from .read.key import (
    ColumnKey,
    PlanKey,
    find_column_key,
    find_key,
    meaning_label,
    names_an_event,
)
from .read.rows import FAR_REASON, NOT_PLACED, Glue, RowReader, Skipped
from .read.xlsx import open_book
from .text import one_line, shorten

_SUPPORT_SHEETS = {"guide", "lists", "leads", "import report", "read me", "readme", "key"}


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
    reading: ColumnReading | None = field(default=None, repr=False, compare=False)   # how each column was read
    skipped: list[Skipped] = field(default_factory=list)   # lines that are not actions, and why
    glued: list[Glue] = field(default_factory=list)        # rows glued onto the one above, and doubts kept apart
    config: Config | None = field(default=None, repr=False, compare=False)   # the config it was read with

    def to_frame(self):
        """The actions as a pandas DataFrame, one row an action, the export's columns (dates
        as datetime64, no rating as None). For notebooks and Power BI; pandas is imported
        here only, so no command pays for it."""
        from .report.frames import frame

        return frame([a.to_dict() for a in self.actions], dates=("due", "updated", "rag_date"))


def config_for(*plans: Plan, config: Config | None = None) -> Config:
    """The config a library call uses: the one given, else the one the (first) plan was read
    with, else the project's (config/xlplan.toml found from the working directory)."""
    if config is not None:
        return config
    for plan in plans:
        if plan is not None and plan.config is not None:
            return plan.config
    from .config import load_config

    return load_config()


def read_plan(path: str | Path, config: Config | None = None, *, sheet: str | None = None,
              plan_date: dt.date | None = None, leads_file: str | Path | None = None) -> Plan:
    """Read the plan in an .xlsx workbook, a Word .docx, a CSV file, or tab-separated text,
    however it has been filled in (see the README, "How xlplan reads a plan").

    `config` defaults to the one the command line would use (config/xlplan.toml found from
    the working directory, else the built-in defaults). Raises WorkbookError (one sentence
    saying what and where) when the file cannot be read as a plan; a bad row is never an
    error here: it is read as it is, and `validate` reports it."""
    path = Path(path)
    if config is None:
        from .config import find_config, load_config

        # As the command line finds it (from the working directory); from Python, a notebook
        # elsewhere reading a project's plan finds the project's config from the plan's folder.
        found = find_config() or find_config(path.resolve().parent)
        config = load_config(found) if found else load_config()
    if path.suffix.lower() in TEXT_SUFFIXES:
        plan = parse_grid(text_grid(path), config, plan_date=plan_date)
    elif path.suffix.lower() in DOCX_SUFFIXES:
        plan = parse_grid(docx_grid(path, config.max_unpacked_bytes), config, plan_date=plan_date)
    else:
        book = open_book(path, config.max_unpacked_bytes, config.max_rows, config.max_columns)
        name = _choose_sheet(book, path, config, sheet)
        grid = book.grid(name)
        plan = parse_grid(grid, config, plan_date=plan_date)
        plan.notes.extend(grid.notes)
        if config.sheet and name != (sheet or config.sheet):
            plan.notes.append(f"read sheet {name!r} (there is no sheet {config.sheet!r})")
        if config.leads_sheet in book.sheetnames:
            plan.directory = directory_from_rows(book.rows(config.leads_sheet), f"sheet {config.leads_sheet!r} of {path}")
    if leads_file is not None:
        plan.directory = load_leads_file(Path(leads_file), config)
    plan.config = config
    return plan


def column_reading(path: str | Path, config: Config | None = None, *, sheet: str | None = None) -> ColumnReading:
    """How the header row of the plan at `path` is read (its `reading`): each column's field
    or extra, the score, why, and the runners-up. What `xlplan columns` shows."""
    reading = read_plan(path, config, sheet=sheet).reading
    assert reading is not None
    return reading


def _choose_sheet(book, path: Path, config: Config, asked: str | None) -> str:
    names = book.sheetnames
    if not names:
        raise WorkbookError(f"{path} has no sheets (its list of sheets is empty); open it in Excel and save it "
                            f"again, or use a backup")
    listing = ", ".join(f'"{printable(n)}"' for n in names)
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
        candidates = [n for n in candidates if find_header(book.grid(n), config)[0] is not None]
    if len(candidates) == 1:
        return candidates[0]
    where = f" (set [workbook] sheet in {config.source})" if config.source else " (pass --sheet NAME)"
    raise WorkbookError(f'sheet "{config.sheet}" not found in {path}; its sheets are {listing}{where}')


def parse_grid(grid: Grid, config: Config, *, plan_date: dt.date | None = None) -> Plan:
    """Turn a grid of cells into a Plan."""
    if not any(any(v not in (None, "") for v in row) for row in grid.rows):
        raise WorkbookError(f'sheet "{grid.sheet}" of {grid.path} is empty; there are no actions to read')
    aliases = Aliases(config)
    header, _ = find_header(grid, config, aliases)
    if header is None:
        searched = rows_searched(grid, config)
        seen = [one_line(v)[:40] for row in grid.rows[:searched] for v in row if one_line(v)][:8]
        wanted = ", ".join(c.header for c in config.columns.values())
        raise WorkbookError(
            f'no header row found in the first {searched} rows of sheet "{grid.sheet}" '
            f'in {grid.path}; saw {", ".join(repr(s) for s in seen) or "nothing"}; a header row needs two '
            f'or more of {wanted} (or an alias from [columns] in the config){_prose(grid)}')
    reading = read_columns(grid, header, config, aliases)
    columns = reading.fields
    headers = [c.header for c in reading.columns if c.column < len(grid.rows[header])]
    first_col = min(columns.values())

    titles = [text for row in grid.rows[:header] if (text := " ".join(one_line(v) for v in row if one_line(v)))]
    if plan_date is None:
        plan_date = config.plan_date
    if plan_date is None:
        plan_date = next((d for t in titles if (d := date_in_title(t))), None)

    # The plan's own key to its ratings ("1 Fully Achieved", "Key: G = on target, ..."),
    # before or after the table (read/key.py): its rows are skipped, never actions nor
    # headings, and the plan's ratings are read with it.
    key = find_key(grid.rows, config.scale, header, columns.get("rag"))
    read_with = replace(config, scale=config.scale.with_words(key.words())) if key.entries else config
    # Its key to the columns ("Date: Date of the Committee meeting ...") is never actions, and a
    # date column it says is when something happened is not the due date.
    column_key = find_column_key(grid.rows, headers, header, header + reading.header_rows)
    key_rows = {**column_key.rows, **key.rows}
    if _event_date_not_due(reading, column_key):
        columns = reading.fields
        first_col = min(columns.values())

    reader = RowReader(grid, config, columns, headers, first_col, plan_date)
    for i, row in enumerate(grid.rows[:header]):
        if i in key_rows:
            reader.skip_key(i, row, key_rows[i])
        else:
            reader.heading_above(i, row)
    for i in range(header + reading.header_rows, len(grid.rows)):
        if i in key_rows:
            reader.skip_key(i, grid.rows[i], key_rows[i])
        else:
            reader.feed(i, grid.rows[i])
    actions = ActionBuilder(grid, read_with, columns, headers, plan_date).actions(reader.records())
    plan = Plan(grid.path, grid.sheet, header + 1, columns, headers, actions, plan_date,
                titles[0] if titles else "", notes=list(reading.hints), reading=reading,
                skipped=reader.skipped, glued=reader.glued)
    plan.notes += reading_notes(plan) + _key_notes(key, config)
    reading.elsewhere = _from_headings(plan, reader.skipped)
    return plan


def _from_headings(plan: Plan, skipped: list[Skipped]) -> dict[str, str]:
    """The due dates and themes a plan with no column for them gives in section headings
    ("Actions to be completed by the end of March 2015" above its rows: seed 000), for
    `xlplan columns` to say where they come from."""
    out = {}
    total = len(plan.actions)
    headings = [s.text for s in skipped if s.reason.startswith("section heading")]
    said = [s.text for s in skipped if s.reason.startswith("section heading: due date")]
    if "due" not in plan.columns:
        dated = [a for a in plan.actions if a.due_from_heading]
        if dated and said:
            out["due"] = (f"the due dates come from the section headings above the rows ({len(dated)} of {total} "
                          f"actions), such as {shorten(said[0], 60)!r}")
    if "group" not in plan.columns and headings:
        grouped = [a for a in plan.actions if a.group]
        if grouped and "due" in out and len(said) == len(headings):
            out["group"] = f"the section headings that give the due dates also group the rows ({len(grouped)} of {total} actions)"
        elif grouped:
            out["group"] = (f"the themes come from the section headings above the rows ({len(grouped)} of {total} "
                            f"actions), such as {shorten(headings[0], 60)!r}")
    generated = [a for a in plan.actions if a.ref_generated]
    if "ref" not in plan.columns and generated:
        span = generated[0].ref if len(generated) == 1 else f"{generated[0].ref} to {generated[-1].ref}"
        out["ref"] = f"xlplan numbers the actions itself ({span}), as export and the import report say"
    elif "ref" not in plan.columns and any(a.ref_from_cell for a in plan.actions):
        out["ref"] = "the refs are read from the start of the action or recommendation cells (\"R1: ...\")"
    if "rag" not in plan.columns and plan.actions:
        out["rag"] = "validate reports every action's rating as missing (missing-rag) until a rating column is added or mapped"
    return out


def _key_notes(key: PlanKey, config: Config) -> list[str]:
    """A colour the plan's key gives a meaning xlplan reads as another rating ("Green:
    recommendation achieved - monitoring no longer required": complete, which xlplan calls
    Blue). The colour is read as written, never changed on a guess; the note says how to map it."""
    notes = []
    for e in key.entries:
        named = config.scale.canonical(e.token)
        said = meaning_label(config.scale, e.meaning) if named else None
        if named and said and said != named and e.label == named:
            notes.append(f"the plan's key says {e.token} means {one_line(e.meaning).rstrip(' ;.')!r}, which xlplan "
                         f"reads as {said}; {e.token} is read as {named} as written (if {e.token} means {said} "
                         f"in this plan, say so in [rag.scales])")
    return notes


def _prose(grid: Grid) -> str:
    """What to add when a plan has no table at all (seed 003: a report to scrutiny on the
    plan, in numbered paragraphs): every line one cell."""
    lines = [r for r in grid.rows if any(v not in (None, "") for v in r)]
    if len(lines) >= 5 and all(sum(1 for v in r if v not in (None, "")) == 1 for r in lines):
        return (f"; its {len(lines)} lines are prose, one cell each, with no table in them: this reads as a "
                f"report or a letter, not a plan (xlplan reads the plan's table of actions)")
    return ""


def _event_date_not_due(reading: ColumnReading, column_key: ColumnKey) -> bool:
    """Unmap the due column when the plan's own key says it holds when something happened
    ("Date: Date of the Committee meeting recommendation was agreed."), unless a map set it.
    True when it did."""
    col = next((c for c in reading.columns if c.field == "due"), None)
    if col is None or col.reason.startswith("set by") or col.column not in column_key.meanings:
        return False
    meaning = column_key.meanings[col.column]
    if not names_an_event(meaning):
        return False
    col.field, col.score = None, 0.0
    col.reason = (f"kept as it is, not the due date: the plan's key says {col.header!r} is {meaning!r} "
                  f"(--map \"{col.header}=due\" to read it as the due date)")
    return True


def reading_notes(plan: Plan) -> list[str]:
    """What the reading of a plan did that a reader must know: rows glued onto the row above
    (each with both rows' numbers), rows kept apart in doubt, refs numbered by xlplan."""
    notes = []
    ref_at = {row: a.ref for a in plan.actions for row in a.rows}
    glued = [g for g in plan.glued if not g.kept]
    if glued:
        shown = ", ".join(f"{g.row} onto {g.onto}" + (f" ({ref_at[g.onto]})" if ref_at.get(g.onto) else "")
                          for g in glued[:12])
        more = f" and {len(glued) - 12} more (export --format json lists each, with why)" if len(glued) > 12 else ""
        notes.append(f"{len(glued)} row{'s' * (len(glued) != 1)} glued onto the row above (split by a page "
                     f"break): {shown}{more}")
    notes += [g.message(ref_at.get(g.onto, "")) for g in plan.glued if g.kept]
    far = [s for s in plan.skipped if s.reason.startswith(FAR_REASON)]
    if far:
        notes.append(f"{len(far)} row{'s' * (len(far) != 1)} far below the table not read as part of an action "
                     f"(a stray value?): " + ", ".join(f"row {s.row} {s.text[:30]!r}" for s in far[:5])
                     + (" ..." if len(far) > 5 else ""))
    # Text carried over a page break that no cell above shows the place of: never in the ref.
    notes += [f"row {s.row} {s.text[:40]!r} {s.reason}" for s in plan.skipped if s.reason.startswith(NOT_PLACED)]
    generated = [a for a in plan.actions if a.ref_generated]
    if generated:
        notes.append(f"refs generated by xlplan for {len(generated)} actions ({generated[0].ref} to "
                     f"{generated[-1].ref}): the plan has no ref column and writes no ref at the start of a cell")
    from_cell = [a for a in plan.actions if a.ref_from_cell]
    if from_cell:
        refs = ", ".join(a.ref for a in from_cell[:5]) + (" ..." if len(from_cell) > 5 else "")
        notes.append(f"refs of {len(from_cell)} actions read from the start of their action or recommendation "
                     f"cells ({refs}); the words are kept as written")
    return notes
