"""A sheet as xlplan reads it: rows of cell values, merged widths, and the fill colour of a
cell when a rating is given by colour alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class Grid:
    """The cells of one sheet: rows[i][j] is the value at worksheet row i+1, column j+1.
    A merged range's value is read at its top-left; `merged_width` says how wide it is."""

    path: Path
    sheet: str
    rows: list[list]
    merged_width: dict[tuple[int, int], int] = field(default_factory=dict)
    fill_of: Callable[[int, int], tuple[str | None, str]] = lambda row, col: (None, "")
    date1904: bool = False           # the workbook counts days from 1904 (old Mac Excel)
    notes: list[str] = field(default_factory=list)   # how it was read, where that is news

    def fill(self, row: int, col: int) -> tuple[str | None, str]:
        """(RRGGBB or None, problem) of the fill at 1-based row and column."""
        return self.fill_of(row, col)
