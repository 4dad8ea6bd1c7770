"""Update requests for people: what `requests` issued, the merge report of `collect` (text and
a sheet, per lead), and the weekly report's Requests sheet (issued, returned, outstanding,
conflicts), all from the results and the register, deciding nothing."""

from __future__ import annotations

import re

from ..config import Config
from ..text import counted, shorten
from .look import Formats, row_height

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def requests_text(result) -> str:
    lines = []
    for r in result.requests:
        to = r.email or f"no email ({r.problem})"
        lines.append(f"{r.lead}: {counted(len(r.refs), 'action')} ({', '.join(r.refs)}) -> {r.workbook} [{r.id}] "
                     f"to {to}")
    for note in result.notes:
        lines.append(f"note: {note}")
    if result.superseded:
        lines.append(f"{counted(len(result.superseded), 'earlier request')} replaced: a return of "
                     f"{'it' if len(result.superseded) == 1 else 'one of them'} will be refused")
    lines.append(f"{counted(len(result.requests), 'update request')} written to {result.folder}; "
                 f"the register is in the history folder")
    return "\n".join(lines) + "\n"


def _short(text: str, n: int = 60) -> str:
    return shorten(" ".join(str(text or "").split()), n) or "(empty)"


def _refusal(r) -> str:
    before = f"refused before, on {_day(r.before)}: " if r.before else ""
    return f"{before}{r.why}"


def collect_text(result) -> str:
    """The merge report. Refusals first, each one sentence, so none is lost below a long list of
    requests not yet returned; then lead by lead, each line what happened to one cell or one
    file; the last line counts everything."""
    lines = []
    if result.refused:
        lines.append(f"REFUSED ({len(result.refused)}; none of these was applied):")
        for r in result.refused:
            lines.append(f"  {r.lead + ': ' if r.lead else ''}{_refusal(r)}")
        lines.append("")
    if result.settled:
        lines.append(f"Refused before and settled since ({len(result.settled)}; the lead's newer return was read):")
        for r in result.settled:
            lines.append(f"  {r.lead + ': ' if r.lead else ''}{_refusal(r)}")
        lines.append("")
    for lead in result.leads():
        block = []
        for a in (a for a in result.applied if a.lead == lead):
            block.append(f"  applied    {a.ref} {a.field}: {_short(_day(a.old), 30)} -> {_short(_day(a.new))}")
        for c in (c for c in result.conflicts if c.lead == lead):
            block.append(f"  conflict   {c.ref} {c.field}: sent {_short(_day(c.sent), 25)}; returned "
                         f"{_short(_day(c.returned), 25)}; shared workbook now {_short(_day(c.now), 25)} (not applied: "
                         f"decide and edit the shared workbook)")
        for p in (p for p in result.proposed if p.lead == lead):
            state = "accepted" if p.accepted else f"not applied (xlplan collect ... --accept-due {p.ref})"
            block.append(f"  due date   {p.ref}: {_day(p.due) if p.due else 'none'} -> proposed {_day(p.proposed)}"
                         f"{f' ({_short(p.reason, 50)})' if p.reason else ''}: {state}")
        refused = sum(r.lead == lead for r in result.refused)
        if refused:
            block.append(f"  refused    {counted(refused, 'item')}, listed above")
        for s in (s for s in result.outstanding if s.lead == lead):
            block.append(f"  not yet returned: request {s.id} issued {_day(s.issued)}")
        if block:
            lines += [f"{lead}:", *block]
    for note in result.notes:
        lines.append(f"note: {note}")
    written = (f"{result.workbook} updated (backup: {result.backup}); Updated set on {len(result.updated)} "
               f"action{'s' * (len(result.updated) != 1)}") if result.written else f"{result.workbook} unchanged"
    refused = f"{len(result.refused)} refused" + (" (listed first)" if result.refused else "")
    lines.append(f"{counted(len(result.applied), 'change')} applied, {counted(len(result.conflicts), 'conflict')}, "
                 f"{refused}, {counted(len(result.outstanding), 'request')} not yet returned; {written}")
    return "\n".join(lines) + "\n"


def add_collect_sheet(wb, result, config: Config, name: str = "Merge") -> None:
    """One row per cell or file: lead, what happened, ref, field, sent or old, returned or
    new, shared workbook now, why."""
    f = Formats(wb, config)
    ws = wb.add_worksheet(name)
    ws.write_string(0, 0, f"Update requests collected into {result.workbook} on {result.as_of:%d/%m/%Y}", f.title)
    columns = [("Lead", 26), ("Outcome", 14), ("Ref", 8), ("Field", 12), ("Sent / old", 36),
               ("Returned / new", 36), ("Shared workbook now", 36), ("Why / file", 60)]
    f.header_row(ws, 2, columns)
    rows = []
    for a in result.applied:
        rows.append((a.lead, "applied", a.ref, a.field, _day(a.old), _day(a.new), "", ""))
    for c in result.conflicts:
        rows.append((c.lead, "conflict", c.ref, c.field, _day(c.sent), _day(c.returned), _day(c.now),
                     "changed in the return and in the shared workbook since the request: not applied"))
    for r in result.refused:
        rows.append((r.lead, "refused", r.ref or "", r.field or "", _day(r.sent), _day(r.returned), "", _refusal(r)))
    for r in result.settled:
        rows.append((r.lead, "settled", r.ref or "", r.field or "", _day(r.sent), _day(r.returned), "",
                     f"{_refusal(r)} (settled since: a newer return was read)"))
    for p in result.proposed:
        rows.append((p.lead, "due accepted" if p.accepted else "due proposed", p.ref, "due", p.due, _day(p.proposed), "",
                     p.reason))
    for s in result.outstanding:
        rows.append((s.lead, "not returned", "", "", "", "", "", f"request {s.id} issued {_day(s.issued)}"))
    rows.sort(key=lambda r: (r[0].casefold(), r[1], r[2]))
    for i, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            f.put(ws, i, c, str(value)[:32000] if value else "", f.text)
        ws.set_row(i, row_height([(str(v or ""), w) for v, (_, w) in zip(row, columns)]))
    f.finish(ws, 2, len(rows), len(columns))


def requests_summary(config: Config, plan_key: str) -> list[dict]:
    """One row per request issued for the plan: lead, id, issued, state, returned, conflicts,
    applied, refused (from the register)."""
    from ..requests import read_register, request_states

    out = []
    for s in request_states(read_register(config), plan_key).values():
        last = s.returns[-1] if s.returns else {}
        state = ("superseded" if s.superseded_by is not None and not s.returned else
                 "returned" if s.returned else "outstanding")
        out.append({"lead": s.lead, "id": s.id, "issued": s.issued, "state": state,
                    "returned": last.get("collected", ""), "applied": sum(r.get("applied", 0) for r in s.returns),
                    "conflicts": sum(r.get("conflicts", 0) for r in s.returns),
                    "refused": sum(r.get("refused", 0) for r in s.returns), "refs": [r["ref"] for r in s.record["rows"]]})
    return out


def requests_counts(rows: list[dict]) -> dict:
    return {"issued": len(rows), "returned": sum(r["state"] == "returned" for r in rows),
            "outstanding": sum(r["state"] == "outstanding" for r in rows),
            "superseded": sum(r["state"] == "superseded" for r in rows),
            "conflicts": sum(r["conflicts"] for r in rows)}


def add_requests_sheet(wb, rows: list[dict], config: Config, name: str = "Requests") -> None:
    """The weekly report's Requests sheet: the counts, then one row per request."""
    f = Formats(wb, config)
    ws = wb.add_worksheet(name)
    counts = requests_counts(rows)
    ws.write_string(0, 0, "Update requests", f.title)
    ws.write_string(1, 0, f"{counts['issued']} issued, {counts['returned']} returned, {counts['outstanding']} "
                          f"outstanding, {counts['superseded']} replaced by a newer one, {counts['conflicts']} "
                          f"conflicts reported when collected")
    columns = [("Lead", 30), ("Request", 20), ("Issued", 12), ("State", 13), ("Returned", 12), ("Applied", 9),
               ("Conflicts", 10), ("Refused", 9), ("Refs", 40)]
    f.header_row(ws, 3, columns)
    for i, r in enumerate(rows, start=4):
        values = (r["lead"], r["id"], _day(r["issued"]), r["state"], _day(r["returned"]))
        for c, value in enumerate(values):
            f.put(ws, i, c, value, f.text)
        ws.set_row(i, row_height([(r["lead"], 30), (", ".join(r["refs"]), 40)]))
        for c, key in enumerate(("applied", "conflicts", "refused"), start=5):
            ws.write_number(i, c, r[key], f.number)
        f.put(ws, i, 8, ", ".join(r["refs"]), f.text)
    f.finish(ws, 3, len(rows), len(columns))


def _day(iso: str) -> str:
    """2026-11-23 -> 23/11/2026, as the rest of the report writes dates; anything else as it is."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if _ISO.match(iso or "") else iso
