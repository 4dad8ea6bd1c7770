"""What a plan sheet's live formatting is, as data: the conditional formatting rules (the
rating in its colour, an overdue due date of an open action, an empty progress statement) and
the dropdowns and date checks. `init` writes them with xlsxwriter; `format` writes them into
an existing workbook's XML. One definition, so the two never drift."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..config import Config
from ..text import column_letter

SPARE_ROWS = 300          # rows below the last action that get the dropdowns and colours
DATE_MIN, DATE_MAX = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
OVERDUE_FILL, OVERDUE_FONT = "FFC7CE", "9C0006"
NO_PROGRESS_FILL = "FFF2CC"


@dataclass(frozen=True)
class Layout:
    """Where the actions are: 1-based first and last row, 0-based column of each field."""

    first_row: int
    last_row: int
    columns: dict[str, int]

    def letter(self, field: str) -> str:
        return column_letter(self.columns[field])

    def range(self, field: str) -> str:
        col = self.letter(field)
        return f"{col}{self.first_row}:{col}{self.last_row}"

    def cell(self, field: str) -> str:
        """The field's cell on the first row, column fixed: rules are written for that row
        and Excel moves them down the range."""
        return f"${self.letter(field)}{self.first_row}"


@dataclass(frozen=True)
class Rule:
    """A conditional format: `equal` compares the cell with `formula`; `expression` is TRUE."""

    field: str
    kind: str
    formula: str
    fill: str
    font: str | None = None
    bold: bool = False


@dataclass(frozen=True)
class Check:
    """A dropdown (`list`) or a date check (`date`) with its input and error messages."""

    field: str
    kind: str
    source: str                   # list: a range or a quoted list; date: unused
    error_style: str
    prompt_title: str
    prompt: str
    error_title: str
    error: str


def rules(config: Config, layout: Layout) -> list[Rule]:
    out = []
    if "rag" in layout.columns:
        out += [Rule("rag", "expression", rating_formula(layout.cell("rag"), lv), lv.colour, lv.font, True)
                for lv in config.scale.levels]
    if "due" in layout.columns and "rag" in layout.columns:
        due, rag = layout.cell("due"), layout.cell("rag")
        # Open: neither complete (Blue) nor "complete or on target" (Green), which counts as
        # complete once its due date has passed.
        open_checks = "".join(f',{rag}<>"{lv.label}"' for lv in config.scale.levels
                              if lv.complete or lv.complete_when_due_passed)
        out.append(Rule("due", "expression", f"AND(ISNUMBER({due}),{due}<TODAY(){open_checks})",
                        OVERDUE_FILL, OVERDUE_FONT, True))
    if "progress" in layout.columns and "action" in layout.columns:
        action, progress = layout.cell("action"), layout.cell("progress")
        out.append(Rule("progress", "expression", f"AND(LEN(TRIM({action}))>0,LEN(TRIM({progress}))=0)",
                        NO_PROGRESS_FILL))
    return out


def rating_formula(cell: str, level) -> str:
    """TRUE when the cell holds the level's label or one of its aliases ("G", "★", "● / ★").
    Excel compares text ignoring case; spaces are taken out on both sides."""
    words = dict.fromkeys(w.replace(" ", "") for w in (level.label, *level.aliases))
    tests = ",".join(f'SUBSTITUTE({cell}," ","")="{w.replace(chr(34), chr(34) * 2)}"' for w in words if w)
    return f"OR({tests})"


def checks(config: Config, layout: Layout, *, rag_source: str, lead_source: str | None) -> list[Check]:
    """`rag_source`: a range holding the labels, or None for a list written in the rule.
    `lead_source`: the range of lead names, or None for no Lead dropdown."""
    headers = {name: column.header for name, column in config.columns.items()}
    out = []
    if "rag" in layout.columns:
        out.append(Check("rag", "list", rag_source, "stop", "RAG rating",
                         "Pick from the list. The key is on the Guide sheet.", "Not a rating",
                         clip("Pick a rating from the list: " + ", ".join(config.scale.labels))))
    if "lead" in layout.columns and lead_source:
        out.append(Check("lead", "list", lead_source, "warning", "Lead",
                         "The officer responsible. Pick from the list or type a new name.", "New lead?",
                         clip("This name is not on the Leads sheet. Keep it, and add the lead and their "
                              "email there so chase emails reach them.")))
    for name, prompt in (("due", "The date this action is due, e.g. 30/06/2026. Put notes about "
                                 "timescales in Progress."),
                         ("updated", "The date you last updated this row, e.g. 23/11/2026.")):
        if name in layout.columns:
            out.append(Check(name, "date", "", "stop", headers[name], clip(prompt), "Not a date",
                             "Type a date such as 30/06/2026."))
    return out


def inline_list(config: Config) -> str:
    """The labels as a list written in the rule itself (no sheet needed); Excel allows 255."""
    return '"' + ",".join(config.scale.labels) + '"'


def clip(text: str, limit: int = 255) -> str:
    """Excel refuses validation messages over 255 characters."""
    return text if len(text) <= limit else text[:limit - 1] + "…"
