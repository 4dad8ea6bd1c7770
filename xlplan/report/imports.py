"""The import report of `xlplan import` for a terminal: actions, rows without a rating, rows
glued after a page break, lead cells split, lines skipped and why, cells not read."""

from __future__ import annotations

from pathlib import Path

from ..importer import ImportReport


def report_text(report: ImportReport, target: Path) -> str:
    lines = [f"imported {report.actions} actions from {report.source} into {target}"]
    if report.plan_date:
        lines.append(f"  plan date {report.plan_date.isoformat()} (for due dates like 'By end June')")
    unread_ratings = sum(u.field == "rag" for u in report.unread)
    lines.append(f"  {report.unrated} without a rating (left empty)"
                 + (f"; {unread_ratings} with a rating xlplan cannot read (kept as written, listed below)"
                    if unread_ratings else ""))
    if report.glued:
        lines.append(f"  {len(report.glued)} rows split by a page break, glued: "
                     + ", ".join(f"{ref or '?'} (rows {'+'.join(map(str, rows))})" for ref, rows in report.glued[:12])
                     + (" ..." if len(report.glued) > 12 else ""))
    for glue in report.kept_apart:
        lines.append(f"  check: {glue.message()}")
    if report.refs_generated:
        lines.append(f"  refs generated for {report.refs_generated} actions: the plan writes no ref at all")
    if report.refs_from_cells:
        lines.append(f"  refs of {report.refs_from_cells} actions read from the start of their action or "
                     f"recommendation cells ('R1: ...'); the words are kept as written")
    review = report.leads_review
    if review.not_people or review.near_duplicates:
        lines.append(f"  {len(review.not_people) + len(review.near_duplicates)} lead names not added to the Leads sheet:")
        lines += [f"    {note}" for note in review.notes()]
    if report.split_leads:
        lines.append(f"  {len(report.split_leads)} lead cells split into lead and work stream, e.g. "
                     + "; ".join(f"{w!r} -> {l!r} + {s!r}" for w, l, s in list(dict.fromkeys(report.split_leads))[:3]))
    if report.refs_as_written:
        lines.append(f"  {len(report.refs_as_written)} ref cells say more than their ref; the words are kept in the "
                     f"column 'Ref as written': " + ", ".join(f"{r} (row {n}) {w[:40]!r}" for r, n, w in report.refs_as_written[:5])
                     + (" ..." if len(report.refs_as_written) > 5 else ""))
    for s in report.not_placed:
        lines.append(f"  check: row {s.row} {s.text[:40]!r} {s.reason}")
    reasons: dict[str, int] = {}
    for s in report.skipped:
        if s in report.not_placed:
            continue                     # said above, each on its own line
        key = s.reason.split(":")[0]
        reasons[key] = reasons.get(key, 0) + 1
    if reasons:
        lines.append("  lines skipped: " + "; ".join(f"{n} {reason}" for reason, n in reasons.items()))
    if report.unread:
        lines.append(f"  {len(report.unread)} cells not read (kept as text; see the Import report sheet):")
        lines += [f"    row {u.row} {u.ref or '(no ref)'} {u.field}: {u.problem}" for u in report.unread[:10]]
        if len(report.unread) > 10:
            lines.append(f"    ... and {len(report.unread) - 10} more")
    lines += [f"  note: {note}" for note in report.notes]
    return "\n".join(lines) + "\n"
