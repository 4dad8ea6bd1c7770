"""The actions as xlplan understands them (canonical fields), as JSON, CSV or a terminal table."""

from __future__ import annotations

import csv
import io
import json

from ..plan import Plan

FIELDS = ("row", "ref", "action", "lead", "due", "due_text", "rag", "progress", "group")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Text that a spreadsheet would run as a formula ('=HYPERLINK(...)') is written as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_dict(plan: Plan) -> dict:
    return {
        "workbook": str(plan.path), "sheet": plan.sheet, "header_row": plan.header_row,
        "plan_date": plan.plan_date.isoformat() if plan.plan_date else None,
        "columns": {name: plan.headers[col] if col < len(plan.headers) else "" for name, col in plan.columns.items()},
        "notes": list(plan.notes),
        "glued": [{"row": g.row, "onto": g.onto, "reason": g.reason, "kept_apart": g.kept} for g in plan.glued],
        "actions": [a.to_dict() for a in plan.actions],
    }


def to_json(plan: Plan) -> str:
    return json.dumps(export_dict(plan), ensure_ascii=False, indent=2) + "\n"


def to_csv(plan: Plan) -> str:
    out = io.StringIO()
    extra_names = list(dict.fromkeys(k for a in plan.actions for k in a.extra))
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*FIELDS, "links", "rag_source", *extra_names])
    for a in plan.actions:
        d = a.to_dict()
        writer.writerow([safe_cell(d[f]) for f in FIELDS]
                        + [safe_cell("; ".join(a.links)), safe_cell(d["rag_source"])]
                        + [safe_cell(a.extra.get(n, "")) for n in extra_names])
    return out.getvalue()


def to_table(plan: Plan, width: int = 100) -> str:
    lines = [f"{plan.path} sheet {plan.sheet!r}: {len(plan.actions)} actions (header on row {plan.header_row})"]
    lines += [f"note: {n}" for n in plan.notes]
    lines.append(f"{'row':>5}  {'ref':<10} {'rag':<11} {'due':<10}  {'lead':<24} action")
    for a in plan.actions:
        action = a.action.replace("\n", " ").lstrip("• ")
        lead = a.lead[:24]
        line = f"{a.row:>5}  {a.ref[:10]:<10} {(a.rag or '-'):<11} {(a.due.isoformat() if a.due else '-'):<10}  {lead:<24} {action}"
        lines.append(line[:width])
    return "\n".join(lines) + "\n"
