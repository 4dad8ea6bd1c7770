"""The weekly run: the business manager's Monday in one call. Snapshot the shared workbook,
validate it, compare it with the latest earlier snapshot, and write one report workbook
(Summary, Exceptions, Changes, Chase, Findings, Trend) and the outbox of chase drafts.

The report is written into a temporary folder and moved into reports/<as-of>/ only when it
is complete, so a run that fails half-way leaves nothing half-written and the next run works.
Run twice for one as-of date, it stores no second snapshot and sends no second email."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import shutil
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .chase import ChaseList, add_chase_sheets, chase_list, send, write_drafts
from .compare import Comparison, add_changes_sheet, compare
from .config import Config
from .exceptions import add_exceptions_sheet, exception_report
from .files import make_temp_folder, sweep_run_folders
from .history import ActionHistory, action_histories, load_version, store_version, version_from_plan
from .parallel import can_fork, start
from .plan import read_plan
from .sheets import Formats, write_workbook
from .snapshot import latest_before, snapshots, take_snapshot
from .summary import Summary, add_summary_sheet, summarise
from .template import row_height
from .validate import Validation, add_findings_sheet, validate_plan


@dataclass
class WeeklyResult:
    as_of: dt.date
    snapshot: Path
    report: Path
    outbox: Path
    previous: Path | None
    validation: Validation
    comparison: Comparison | None
    summary: Summary
    chase: ChaseList
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)   # parts of the work that did not finish

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def last_line(self, root: Path | None = None) -> str:
        counts = self.comparison.counts if self.comparison else {"improved": 0, "worsened": 0}
        to_chase = sum(len(l.items) for l in self.chase.leads)
        report = self.report
        if root is not None:
            try:
                report = self.report.relative_to(root)
            except ValueError:
                pass
        return (f"{self.summary.actions} actions, {counts['improved']} improved, {counts['worsened']} worsened, "
                f"{to_chase} to chase; report: {report}")

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(), "snapshot": str(self.snapshot), "report": str(self.report),
            "outbox": str(self.outbox), "previous": str(self.previous) if self.previous else None,
            "actions": self.summary.actions, "errors": self.validation.errors, "warnings": self.validation.warnings,
            "counts": self.comparison.counts if self.comparison else None,
            "by_rag": {k: v for k, v in self.summary.by_rag.items() if v},
            "chase": {"leads": len(self.chase.leads), "actions": sum(len(l.items) for l in self.chase.leads),
                      "drafts": sum(1 for l in self.chase.leads if l.draft)},
            "notes": self.notes, "problems": self.problems,
        }


def report_name(as_of: dt.date) -> str:
    return f"xlplan-report-{as_of.isoformat()}.xlsx"


def _no_cycle_collection(run):
    """A weekly run makes millions of small objects and leaves none in reference cycles; the
    cycle collector walking them again and again cost a fifth of a large run. It is off for
    the run and back on after."""
    @functools.wraps(run)
    def wrapper(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return run(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return wrapper


@_no_cycle_collection
def run_weekly(config: Config, *, as_of: dt.date | None = None,
               progress: Callable[[str], None] = lambda step: None) -> WeeklyResult:
    as_of = as_of or dt.date.today()
    stem = config.workbook.stem

    progress(f"snapshot of {config.workbook}")
    taken = take_snapshot(config, as_of=as_of)
    current = taken.snapshot
    notes = [] if taken.stored else [f"the workbook has not changed since {current.path.name}: no new snapshot"]
    if taken.stored or current.date >= as_of:
        previous = latest_before(config.folders["history"], stem, as_of)
    else:
        previous = current            # unchanged since an earlier week: no lead has updated

    two_cores = _two_cores(config, current.path)
    progress("reading and validating")
    with start(read_plan, previous.path, config, parallel=two_cores) if previous is not None else nullcontext() as earlier:
        plan = read_plan(current.path, config)
        plan.path = config.workbook       # report the shared workbook, not the snapshot's name
        validation = validate_plan(plan, config, as_of=as_of)
        comparison = None
        old = None
        if previous is not None:
            progress(f"comparing with {previous.path.name}")
            old = earlier.result()
            comparison = compare(old, plan, config, as_of=as_of)
        else:
            notes.append("no earlier snapshot: nothing to compare with yet")

    progress("reading the history")
    history = [s for s in snapshots(config.folders["history"], stem) if s.date <= as_of]
    read = {current.path: plan, **({previous.path: old} if previous is not None else {})}
    versions = [version_from_plan(s, read[s.path], config, store=False) if s.path in read
                else load_version(s, config) for s in history]                  # each workbook parsed once
    to_cache = [v for v in versions if v.path in read]
    histories = action_histories(versions, as_of)

    summary = summarise(plan, config, as_of=as_of, previous=old, versions=versions, histories=histories,
                        comparison=comparison)
    groups = exception_report(plan, config, as_of=as_of, histories=histories)
    chase = chase_list(plan, config, validation=validation, as_of=as_of, previous=old, histories=histories,
                       comparison=comparison)

    reports = config.folders["reports"]
    final = reports / as_of.isoformat()
    outbox = config.folders["outbox"]
    reports.mkdir(parents=True, exist_ok=True)
    sweep_run_folders(reports, config.folders["history"], outbox)   # what a killed run left (we hold the run lock)
    work = make_temp_folder(f".{as_of.isoformat()}-", reports)
    sender = config.raw.get("chase", {}).get("sender", "")
    try:
        with start(_second_core, chase, config, outbox, sender, to_cache) if two_cores else nullcontext() as drafts:
            progress("writing the report")
            write_workbook(work / report_name(as_of), lambda wb: _report(wb, config, summary, groups, comparison,
                                                                         chase, validation, versions, histories))
            progress("writing the chase drafts")
            written = drafts.result() if drafts else _second_core(chase, config, outbox, sender, to_cache)
        for entry, path in zip(chase.leads, written):
            entry.draft = path
        _replace_folder(work, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    result = WeeklyResult(as_of, current.path, final / report_name(as_of), outbox / as_of.isoformat(),
                          previous.path if previous else None, validation, comparison, summary, chase, notes)
    settings = config.raw.get("weekly", {})
    if settings.get("send"):
        progress("sending the chase emails")
        chase_settings = config.raw.get("chase", {})
        try:
            send(chase, config, smtp=chase_settings.get("smtp", ""), sender=chase_settings.get("sender", ""),
                 outbox=outbox)
        except Exception as exc:           # the report is written; say what did not finish
            result.problems.append(f"sending failed: {exc}")
        result.problems += [f"{l.lead}: {l.sent}" for l in chase.leads if l.sent.startswith("failed")]
    if settings.get("format"):
        progress("re-applying the formatting to the shared workbook")
        from .errors import XlplanError
        from .format import format_plan

        try:
            result.notes += format_plan(config.workbook, config).notes
        except XlplanError as exc:
            if "is open in a spreadsheet program" in str(exc):
                result.notes.append(f"{config.workbook.name} is open: formatting left for the next run ({exc})")
            else:
                result.problems.append(f"formatting the shared workbook failed: {exc}")
    return result


def _two_cores(config: Config, workbook: Path) -> bool:
    """Read last week's version and write the drafts on a second core: for a large workbook,
    where the system can fork ([weekly] parallel and parallel_min_mb)."""
    settings = config.raw.get("weekly", {})
    large = workbook.stat().st_size >= float(settings.get("parallel_min_mb", 1)) * 1024 * 1024
    return bool(settings.get("parallel", True)) and large and can_fork()


def _second_core(chase: ChaseList, config: Config, outbox: Path, sender: str, versions) -> list[Path | None]:
    """What can be done beside the report: the drafts, and the history cache of the versions
    read this run. Returns where each lead's draft went (a helper's changes to `chase` stay
    in the helper)."""
    write_drafts(chase, config, outbox, sender)
    for version in versions:
        store_version(version, config)
    return [entry.draft for entry in chase.leads]


def _replace_folder(new: Path, final: Path) -> None:
    """Put the finished folder in place; an earlier run's folder for the same date goes only
    once the new one is complete."""
    old = final.with_name(f".{final.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    new.rename(final)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _report(wb, config: Config, summary: Summary, groups, comparison: Comparison | None, chase: ChaseList,
            validation: Validation, versions, histories: dict[str, ActionHistory]) -> None:
    add_summary_sheet(wb, summary, config)
    add_exceptions_sheet(wb, groups, config, summary.as_of)
    if comparison is not None:
        add_changes_sheet(wb, comparison, config)
    else:
        f = Formats(wb, config)
        ws = wb.add_worksheet("Changes")
        f.put(ws, 0, 0, "No earlier snapshot yet: changes are shown from next week.", f.title)
    add_chase_sheets(wb, chase, config)
    add_findings_sheet(wb, validation, config)
    add_trend_sheet(wb, versions, histories, config)


def add_trend_sheet(wb, versions, histories: dict[str, ActionHistory], config: Config, name: str = "Trend") -> None:
    """Each action's rating week by week, in colour, with its last update and days since."""
    f = Formats(wb, config)
    ws = wb.add_worksheet(name)
    dates = sorted({v.date for v in versions})
    f.put(ws, 0, 0, f"Ratings week by week ({len(dates)} snapshots)", f.title)
    columns = [("Ref", 9), ("Lead", 28)] + [(d.strftime("%d/%m/%Y"), 11) for d in dates] + \
              [("Last update", 12), ("Days since", 10), ("Missed updates", 10)]
    f.header_row(ws, 2, columns)
    leads = {}
    for v in versions:
        for ref, entry in v.actions.items():
            leads[ref] = entry.lead
    heights: dict[str, float] = {}                 # a few hundred leads, a row each for 100,000 actions
    for r, (ref, h) in enumerate(histories.items(), start=3):
        lead = leads.get(ref, "")
        by_date = dict(h.ratings)
        ratings = [(rag or ("-" if day in by_date else ""), f.rag(rag) if rag else f.text)
                   for day in dates for rag in (by_date.get(day),)]
        f.row(ws, r, [(ref, f.text), (lead, f.text), *ratings, (h.last_update, f.date),
                      (h.days_since, f.number), (h.missed_updates, f.warning if h.missed_updates else f.number)],
              height=heights.get(lead) or heights.setdefault(lead, row_height([(lead, 28)])))
    f.finish(ws, 2, len(histories), len(columns))
