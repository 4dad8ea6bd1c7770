"""`xlplan columns` for a terminal: which column of the header row became which field, why,
what else it could have been, which columns are kept as extras, and how to change it."""

from __future__ import annotations

from pathlib import Path

from ..config import FIELDS
from ..read.header import ColumnReading
from ..text import shorten

_NAMES = {"ref": "ref", "group": "theme (group)", "action": "action", "lead": "lead", "due": "due date",
          "rag": "rating (RAG)", "progress": "progress", "updated": "date updated"}


def columns_text(reading: ColumnReading) -> str:
    """One line per column of the header row, the runners-up under it, then what is missing,
    any hint and override, and how to change the reading."""
    sheet = "" if reading.sheet == Path(reading.path).name else f" (sheet {reading.sheet!r})"   # a text file
    rows = (f"header rows {reading.header_row}-{reading.header_row + reading.header_rows - 1} (one header on "
            f"{reading.header_rows} lines)" if reading.header_rows > 1 else f"header row {reading.header_row}")
    lines = [f"{reading.path}{sheet}: {rows}"]
    width = min(34, max([len(c.header) for c in reading.columns] + [6]))
    lines.append(f"  {'col':<4} {'header':<{width}}  {'read as':<14} {'score':>5}  why")
    for c in reading.columns:
        if not c.header and not c.field:
            continue
        head = shorten(c.header, width) if c.header else "(no header)"
        field = _NAMES.get(c.field, c.field) if c.field else "extra"
        score = f"{c.score:.2f}" if c.field else ""
        lines.append(f"  {c.letter:<4} {head:<{width}}  {field:<14} {score:>5}  {c.reason}")
        others = [m for m in c.runners_up if m.field != c.field]
        if others:
            also = ", ".join(f"{_NAMES[m.field]} {m.score:.2f} ({m.alias!r})" for m in others[:3])
            lines.append(f"  {'':<4} {'':<{width}}  {'':<14} {'':>5}  also matched: {also}")
    missing = [_NAMES[f] for f in FIELDS if f in reading.missing and f not in reading.elsewhere]
    if missing:
        lines.append(f"not in this plan: {', '.join(missing)}")
    for f in FIELDS:
        if f in reading.elsewhere and f in reading.missing:
            lines.append(f"{_NAMES[f]}: no column; {reading.elsewhere[f]}")
    extras = [f"{c.letter} {c.header!r}" for c in reading.extras]
    if extras:
        lines.append(f"kept as extra columns (exported as they are): {', '.join(extras)}")
    for s in reading.overrides:
        lines.append(f"map: {s}")
    for hint in reading.hints:
        lines.append(f"hint: {hint}")
    lines.append('to change it: --map "HEADER=FIELD" (or a column letter, "F=rag"; FIELD "extra" keeps a '
                 "column as it is), or [columns] map in the config")
    return "\n".join(lines) + "\n"
