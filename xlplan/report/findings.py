"""The findings of `validate`, for a terminal (grouped by lead, with the row to go to) and as
a printable Findings sheet."""

from __future__ import annotations

from pathlib import Path

from ..action import NO_LEAD
from ..config import Config
from ..findings import Finding, Validation


def findings_text(result: Validation) -> str:
    """Findings grouped by lead, with the row to go to."""
    head = (f"{result.workbook} (sheet {result.sheet!r}): {result.actions} actions, "
            f"{result.errors} error{'s' * (result.errors != 1)}, "
            f"{result.warnings} warning{'s' * (result.warnings != 1)} as of {result.as_of.strftime('%d/%m/%Y')}")
    lines = [head]
    by_lead: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_lead.setdefault(f.lead or NO_LEAD, []).append(f)
    for lead in sorted(by_lead, key=str.casefold):
        found = by_lead[lead]
        lines += ["", f"{lead}: {len(found)} finding{'s' * (len(found) != 1)}"]
        for f in found:
            lines.append(f"  row {f.row:<5} {f.ref[:10]:<10} {f.severity:<7} {f.rule}: {f.message}")
    if not result.findings:
        lines.append("nothing to report")
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def add_findings_sheet(wb, result: Validation, config: Config, name: str = "Findings") -> None:
    """The findings as one formatted, printable sheet, grouped by lead."""
    from .look import Formats

    f = Formats(wb, config)
    ws = wb.add_worksheet(name)
    f.put(ws, 0, 0, f"Findings: {Path(result.workbook).name}, {result.actions} actions, "
                          f"{result.errors} errors, {result.warnings} warnings, as of "
                          f"{result.as_of.strftime('%d/%m/%Y')}", f.title)
    columns = (("Lead", 30), ("Ref", 9), ("Row", 6), ("Field", 10), ("Rule", 18), ("Severity", 10), ("Message", 70))
    f.header_row(ws, 2, columns)
    rows = sorted(result.findings, key=lambda x: ((x.lead or "~").casefold(), x.row))
    for r, finding in enumerate(rows, start=3):
        f.row(ws, r, ((finding.lead, f.text), (finding.ref, f.text), (finding.row, f.number),
                      (finding.field, f.text), (finding.rule, f.text),
                      (finding.severity, f.error if finding.severity == "error" else f.warning),
                      (finding.message, f.text)))
    f.finish(ws, 2, len(rows), len(columns))
