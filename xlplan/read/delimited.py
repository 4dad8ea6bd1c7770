"""Tab-separated text (a Word table copied out as text) and CSV, as a grid of cells; an Excel
file given a .csv or .txt name is refused, not read as garbage."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import WorkbookError
from .grid import Grid
from .guard import OLE_MAGIC


def text_grid(path: Path) -> Grid:
    """A CSV or tab-separated text file as a grid (a Word table copied out as text)."""
    if not path.exists():
        raise WorkbookError(f"{path} does not exist; check the path")
    raw = path.read_bytes()
    if raw[:4] == b"PK\x03\x04" or raw[:8] == OLE_MAGIC:
        raise WorkbookError(f"{path} is a workbook, not text; give it an .xlsx name")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if path.suffix.lower() == ".csv":
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    else:
        rows = [line.split("\t") for line in text.splitlines()]
    return Grid(path, path.name, [[c if c != "" else None for c in r] for r in rows])
