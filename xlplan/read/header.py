"""Finding the header row of a plan: the first rows (or, for a Word document, all of them)
are searched for a row naming two or more of the configured columns by a header or an alias
("Lead officer", "By when", "RAG process"), and each of its cells is mapped to a field."""

from __future__ import annotations

import re

from ..action import REF
from ..config import Config
from ..errors import WorkbookError
from ..text import column_letter, header_key, one_line
from .grid import Grid
from .guard import DOCX_SUFFIXES, TEXT_SUFFIXES


def is_fragment(text: str) -> bool:
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


def rows_searched(grid: Grid, config: Config) -> int:
    # A Word document, or text copied out of one, carries its whole prose before the table.
    whole = grid.path.suffix.lower() in TEXT_SUFFIXES | DOCX_SUFFIXES
    return len(grid.rows) if whole else config.header_search_rows


def find_header(grid: Grid, config: Config) -> tuple[int | None, list[tuple[int, str]]]:
    aliases = _alias_table(config)
    best, best_matches = None, []
    for i, row in enumerate(grid.rows[:rows_searched(grid, config)]):
        matches = _header_matches(row, aliases)
        if len({f for _, f in matches}) >= 2 and len({f for _, f in matches}) > len({f for _, f in best_matches}):
            best, best_matches = i, matches
    return best, best_matches


def map_columns(grid: Grid, header: int, matches: list[tuple[int, str]], config: Config) -> dict[str, int]:
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
