"""A record into an Action: the cells of one action, as the rows reader gathered them, read
as xlplan understands them (refs, due dates, ratings, progress, what else the plan keeps)."""

from __future__ import annotations

import datetime as dt
import re

from ..action import Action, leading_ref, parse_ref, prose_link_words, prose_refs
from ..config import Config
from ..dates import Due, read_due
from ..rag import RagReading
from ..text import column_letter
from .grid import Grid
from .rows import Record


class ActionBuilder:
    """A record into an Action: the ref (parsed, or numbered from the objective when the
    plan has none), the due date (the cell's, else the section heading's), the rating (text,
    else the fill colour), progress with the rating's comment, the date updated, and every
    column xlplan does not use kept as it is."""

    def __init__(self, grid: Grid, config: Config, columns: dict[str, int], headers: list[str],
                 plan_date: dt.date | None):
        self.grid, self.config, self.columns, self.plan_date = grid, config, columns, plan_date
        self.mapped = set(columns.values())
        self.extra_names = {j: h or f"Column {column_letter(j)}" for j, h in enumerate(headers)}

    def actions(self, records: list[Record]) -> list[Action]:
        """The actions of the records. A plan with no ref column whose action cells (or
        recommendation cells, one for each action) start with a ref ("R1: Develop ...",
        "a) ...", "1.2 Ensure ...") takes its refs from there, and an action without one is left
        without (validate says missing-ref); refs are numbered by xlplan only when the plan
        writes none at all."""
        col = self.columns.get("action", self.columns.get("group"))
        in_cells = [leading_ref(record.clean.get(col, "")) if col is not None else "" for record in records]
        group = self.columns.get("group")
        if not any(in_cells) and "ref" not in self.columns and group is not None and group != col:
            # "R1: Develop ..." in the Recommendation (group) cell, beside an Action column: the
            # ref of its one action. A group numbering several actions ("2) SG: ...", seed 004)
            # names no action: its actions are numbered 2.1, 2.2 as before.
            in_groups = [leading_ref(record.clean.get(group, "")) for record in records]
            named = [ref for ref in in_groups if ref]
            if named and len(set(named)) == len(named):
                in_cells = in_groups
        self.cell_refs = any(in_cells)
        counters: dict[str, int] = {}
        actions = [self._action(record, counters, ref) for record, ref in zip(records, in_cells)]
        _prose_links(actions)
        return actions

    def _action(self, record: Record, counters: dict[str, int], cell_ref: str = "") -> Action:
        cells, clean, columns = record.cells, record.clean, self.columns

        def line(name: str) -> str:
            value = clean.get(columns[name], "") if name in columns else ""
            return re.sub(r"\s+", " ", value).strip() if "\n" in value or "  " in value else value

        ref_text = line("ref")
        ref, links = parse_ref(ref_text)
        group = line("group") if "group" in columns else ""
        group = group or record.heading_text
        generated, ref_from = False, ""
        if not ref and cell_ref:
            ref, ref_from = cell_ref, "cell"      # "R1: Develop ...": the ref as written, words kept
        elif "ref" not in columns and not self.cell_refs:
            number = re.match(r"\s*(\d+)", group)
            key = number.group(1) if number else str(len(counters) + 1)
            counters[key] = counters.get(key, 0) + 1
            ref, generated = f"{key}.{counters[key]}", True

        due_col = columns.get("due")
        from_heading = due_col is None or not clean.get(due_col)
        if not from_heading:
            due = read_due(cells.get(due_col), self.plan_date, self.grid.date1904)
        else:
            due = record.heading_due or Due(None)
            from_heading = record.heading_due is not None

        rating = self._rating(clean.get(columns["rag"], "") if "rag" in columns else "", record.rows[0])
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
            row=record.rows[0], ref=ref, action=clean.get(columns["action"], "") if "action" in columns else "",
            lead=line("lead"), due=due.date, due_text=due.text, rag=rating.label, progress=progress, group=group,
            links=links, rating=rating, due_info=due, updated=updated, ref_generated=generated,
            ref_from_cell=bool(ref_from),
            due_from_heading=from_heading, rows=tuple(record.rows), extra=extra,
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


def _prose_links(actions: list[Action]) -> None:
    """Refs named in an action's words or progress become its links: "To be addressed through
    2, above" (the action R2, or 2), "see 3.4", "as R2". One naming no action of the plan is
    no link and no error (prose numbers many things); "Link to 3.9" in prose clearly is one,
    and validate reports it (broken-link) when 3.9 is not in the plan."""
    refs = {a.ref for a in actions if a.ref}
    by_fold = {ref.casefold(): ref for ref in refs}
    for action in actions:
        words = f"{action.action}\n{action.progress}"
        found: list[str] = []
        for named in prose_refs(words):
            bare = named[1:] if named[:1] in "Rr" else named
            target = next((by_fold[c.casefold()] for c in (named, bare, f"R{bare}") if c.casefold() in by_fold), None)
            if target and target != action.ref and target not in found:
                found.append(target)
        explicit = [n for n in prose_link_words(words) if n != action.ref and n not in action.links]
        action.prose_links = tuple(found)
        action.links = tuple(dict.fromkeys([*action.links, *explicit, *found]))
