"""The weekly run: the business manager's Monday in one call. Snapshot the shared workbook,
validate it, compare it with the latest earlier snapshot, and write one report workbook
(Summary, Exceptions, Changes, Chase, Mail merge, Findings, Trend) and the outbox of chase drafts.

The report is written into a temporary folder and moved into reports/<as-of>/ only when it
is complete, so a run that fails half-way leaves nothing half-written and the next run works.
Run twice for one as-of date, it stores no second snapshot and sends no second email."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import shutil
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..changes import Comparison, compare
from ..chase import ChaseList, chase_list
from ..chaselog import chased_before
from ..config import Config
from ..errors import ConfigError, OutputError, RunFailed, WorkbookBusy, XlplanError
from ..exception_list import exception_report
from ..findings import Validation, validate_plan
from ..history import store_version, version_from_plan
from ..mail.drafts import write_drafts
from ..mail.send import Delivery, send
from ..plan import read_plan
from ..report.look import write_workbook
from ..report.weekly import add_report_sheets
from ..status import WeekStatus, week_status, weekly_versions
from ..summary import Summary, summarise
from ..workbook.snapshot import check_can_start, latest_before, take_snapshot, weeks
from .files import make_temp_folder, sweep_run_folders
from .parallel import can_fork, start
from .scheduler import Scheduler, open_log, record_run, run_lock, slot


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
    status: WeekStatus | None = None
    drafts: dict[str, Path] = field(default_factory=dict)       # lead -> the chase draft written for them
    deliveries: list[Delivery] = field(default_factory=list)    # what sending did, when it was asked for
    board_report: dict[str, Path] = field(default_factory=dict)  # [board_report] weekly: docx (and pdf) written
    requests: list[dict] = field(default_factory=list)          # the update requests' states (report/requests.py)

    @property
    def exit_code(self) -> int:
        """The contract's: 1 when part of the work could not finish."""
        return 1 if self.problems else 0

    @property
    def not_emailed(self) -> list:
        return [entry for entry in self.chase.leads if entry.problem]

    def chase_line(self) -> str:
        """'8 chase drafts for 8 leads; 1 lead has no email address (HSCB Chair)'."""
        drafts = sum(1 for l in self.chase.leads if self.drafts.get(l.lead))
        emailed = sum(1 for l in self.chase.leads if not l.problem)
        text = f"{drafts} chase draft{'s' * (drafts != 1)} for {emailed} lead{'s' * (emailed != 1)}"
        missing = [l.lead for l in self.not_emailed if "no email address" in l.problem]
        other = [l.lead for l in self.not_emailed if "no email address" not in l.problem]
        for names, one, many in ((missing, "has no email address", "have no email address"),
                                 (other, "could not be emailed", "could not be emailed")):
            if names:
                shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
                text += f"; {len(names)} lead{'s' * (len(names) != 1)} {one if len(names) == 1 else many} ({shown})"
        return text

    def last_line(self, root: Path | None = None) -> str:
        """'28 actions (9 green, 2 amber/green, ...); 2 improved, 0 worsened; 8 chase drafts for
        8 leads; report: ...': what the business manager needs next, in one line."""
        counts = self.comparison.counts if self.comparison else {"improved": 0, "worsened": 0}
        report = self.report
        if root is not None:
            try:
                report = self.report.relative_to(root)
            except ValueError:
                pass
        words = lambda counts: ", ".join(f"{n} {label.lower()}" for label, n in counts.items() if n)
        ratings = words(self.summary.by_rag)
        if self.summary.as_rated != self.summary.by_rag:        # a rating hidden by No data stays in view
            ratings += f"; as last rated by their leads: {words(self.summary.as_rated)}"
        newly = (self.summary.movement or {}).get("to No data", 0)
        newly = f"; {newly} newly reported as No data" if newly else ""
        board = ""
        if self.board_report.get("docx"):
            path = self.board_report["docx"]
            try:
                path = path.relative_to(root) if root is not None else path
            except ValueError:
                pass
            board = f"; board report: {path}"
        return (f"{self.summary.actions} actions ({ratings}); {counts['improved']} improved, "
                f"{counts['worsened']} worsened{newly}; {self.chase_line()}; report: {report}{board}")

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(), "snapshot": str(self.snapshot), "report": str(self.report),
            "outbox": str(self.outbox), "previous": str(self.previous) if self.previous else None,
            "actions": self.summary.actions, "errors": self.validation.errors, "warnings": self.validation.warnings,
            "counts": self.comparison.counts if self.comparison else None,
            "by_rag": {k: v for k, v in self.summary.by_rag.items() if v},
            "as_rated": {k: v for k, v in self.summary.as_rated.items() if v},
            "updates": self.summary.updates,
            "no_data": [s.to_dict() for s in self.summary.no_data],
            "chase": {"leads": len(self.chase.leads), "actions": len(self.chase.actions()),
                      "drafts": sum(1 for l in self.chase.leads if self.drafts.get(l.lead)),
                      "not_emailed": [l.lead for l in self.not_emailed],
                      "not_emailed_why": [{"lead": l.lead, "why": l.problem, "refs": l.refs} for l in self.not_emailed]},
            "notes": self.notes, "problems": self.problems,
            "board_report": {k: str(v) for k, v in self.board_report.items()} or None,
            **({"requests": {**requests_counts(self.requests), "requests": self.requests}} if self.requests else {}),
        }


def requests_counts(rows: list[dict]) -> dict:
    from ..report.requests import requests_counts as counts

    return counts(rows)


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
    board = config.board_report
    check_board_template(config)

    progress(f"snapshot of {config.workbook}")
    taken = take_snapshot(config, as_of=as_of, record=True)   # a quiet week is recorded too
    current = taken.snapshot
    notes = [] if taken.stored else [f"the workbook has not changed since {current.path.name}: no new snapshot"]
    folder = config.folders["history"]
    previous = latest_before(folder, stem, as_of)

    two_cores = _two_cores(config, current.path)
    progress("reading and validating")
    other = previous is not None and previous.path != current.path
    with start(read_plan, previous.path, config, parallel=two_cores) if other else nullcontext() as earlier:
        plan = read_plan(current.path, config)
        plan.path = config.workbook       # report the shared workbook, not the snapshot's name
        validation = validate_plan(plan, config, as_of=as_of)
        comparison = None
        old = None
        if previous is not None:
            progress(f"comparing with {previous.path.name} ({previous.date.strftime('%d/%m/%Y')})")
            old = earlier.result() if other else read_plan(current.path, config)
            comparison = compare(old, plan, config, as_of=as_of)
        else:
            notes.append("no earlier snapshot: nothing to compare with yet")

    progress("reading the history")
    earlier_weeks = [s for s in weeks(folder, stem) if s.date < as_of]
    read = {current.path: plan, **({previous.path: old} if previous is not None else {})}
    versions, parsed = weekly_versions(earlier_weeks, config, read, store=False)   # each workbook parsed once
    to_cache = [parsed[p] for p in parsed if p in read]                # cached on the second core
    if current.path not in parsed:
        to_cache.append(version_from_plan(current, plan, config, store=False))
    chased, sent = chased_before(config.folders["outbox"], config.workbook, as_of)
    from ..requests import returned_refs

    status = week_status(plan, config, as_of=as_of, earlier=versions, chased=chased, sent=sent, previous=old,
                         returned=returned_refs(config, config.workbook))

    summary = summarise(status, config, previous=old, comparison=comparison)
    groups = exception_report(status, config)
    chase = chase_list(plan, config, validation=validation, status=status, previous=old, comparison=comparison)

    reports = config.folders["reports"]
    final = reports / as_of.isoformat()
    outbox = config.folders["outbox"]
    requests = None
    if config.requests.with_weekly:
        progress("writing the update requests")
        from ..requests import issue_requests

        # Before the drafts, which attach them ([requests] attach).
        requests = issue_requests(config.workbook, config, as_of=as_of, reuse=True,
                                  leads=[entry.lead for entry in chase.leads])
    from ..chaselog import plan_key
    from ..report.requests import add_requests_sheet, requests_summary

    request_rows = requests_summary(config, plan_key(config.workbook))
    reports.mkdir(parents=True, exist_ok=True)
    sweep_run_folders(reports, config.folders["history"], outbox)   # what a killed run left (we hold the run lock)
    work = make_temp_folder(f".{as_of.isoformat()}-", reports)
    sender = config.chase.sender
    try:
        with start(_second_core, chase, config, outbox, sender, to_cache) if two_cores else nullcontext() as drafts:
            progress("writing the report")
            write_workbook(work / report_name(as_of), lambda wb: (
                add_report_sheets(wb, config, summary, groups, comparison, chase, validation, status),
                add_requests_sheet(wb, request_rows, config) if request_rows else None))
            progress("writing the chase drafts")
            written = drafts.result() if drafts else _second_core(chase, config, outbox, sender, to_cache)
        board_files: dict[str, Path] = {}
        board_problems: list[str] = []
        if board.weekly:
            progress("writing the board report")
            board_files, board_problems = _board_report(work, summary, plan, config, as_of)
        _replace_folder(work, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if written and not config.chase.workbook_link:
        notes.append(f"the chase emails send leads to {config.workbook}; if they open the plan somewhere "
                     f"else (SharePoint, a shared drive), set [chase] workbook_link to that address")
    problems: list[str] = list(board_problems)
    deliveries: list[Delivery] = []
    settings = config.weekly
    if settings.send:
        progress("sending the chase emails")
        chase_settings = config.chase
        try:
            deliveries = send(chase, config, smtp=chase_settings.smtp, sender=chase_settings.sender,
                              outbox=outbox)
        except Exception as exc:           # the report is written; say what did not finish
            problems.append(f"sending failed: {exc}")
        problems += [f"{d.lead}: {d.outcome}" for d in deliveries if d.failed]
    if settings.format:
        progress("re-applying the formatting to the shared workbook")
        from ..workbook.reformat import format_plan

        try:
            notes += format_plan(config.workbook, config).notes
        except WorkbookBusy as exc:        # a lead has it open: an input's state, not a failure
            notes.append(f"{config.workbook.name} is open: formatting left for the next run ({exc})")
        except XlplanError as exc:
            problems.append(f"formatting the shared workbook failed: {exc}")
    return WeeklyResult(as_of, current.path, final / report_name(as_of), outbox / as_of.isoformat(),
                        previous.path if previous else None, validation, comparison, summary, chase, notes,
                        problems, status=status, drafts=written, deliveries=deliveries,
                        board_report={kind: final / path.name for kind, path in board_files.items()},
                        requests=request_rows)


def check_board_template(config: Config) -> None:
    """[board_report] weekly on a template that is not there (a config error) or is no Word
    document: said before the run writes anything."""
    board = config.board_report
    if board.weekly and board.template is not None:
        if not board.template.is_file():
            raise ConfigError(f"[board_report] template {board.template} does not exist"
                              f"{f' (config file {config.source})' if config.source else ''}; give the council's "
                              f"Word template (.docx), or set template = \"\" for a plain document")
        from ..report.board import check_template

        check_template(board.template, config)


def board_report_name(as_of: dt.date) -> str:
    return f"board-report-{as_of.isoformat()}.docx"


def _board_report(work: Path, summary: Summary, plan, config: Config, as_of: dt.date) -> tuple[dict[str, Path], list[str]]:
    """[board_report] weekly: the board report of this week's summary, in the run's folder (so
    it appears with the report, or not at all); its PDF when [board_report] pdf asks for one.
    A PDF that cannot be made is a problem of the run, and the Word report is still there."""
    from ..report.board import board_report_from, soffice

    settings = config.board_report
    report = board_report_from(summary, config, title=plan.title or config.workbook.stem)
    path = work / board_report_name(as_of)
    files = report.save(path, template=settings.template)
    problems = []
    if settings.pdf:
        if soffice() is None:
            problems.append("[board_report] pdf: LibreOffice (soffice) is not installed, so the board report "
                            "was written as Word only; install libreoffice-writer")
        else:
            from ..report.board import convert_to_pdf

            try:
                files["pdf"] = convert_to_pdf(path, path.with_suffix(".pdf"))
            except XlplanError as exc:
                problems.append(f"the board report's PDF: {exc}")
    return files, problems


def weekly_job(config: Config, *, as_of: dt.date | None = None,
               progress: Callable[[str], None] = lambda step: None) -> WeeklyResult:
    """`xlplan weekly`: the weekly run as a job. It checks that it can start (otherwise it
    writes nothing, not even the log), takes the run lock (never two runs at once), logs each
    step and the outcome in logs/xlplan.log, and records the run as done for the scheduler.
    `progress` is told each step as well. A run the system stopped half-way (a full disk, a
    share gone) raises RunFailed, with nothing half-written left behind."""
    check_can_start(config)
    check_board_template(config)
    logger = open_log(config)
    as_of = as_of or dt.date.today()

    def step(text: str) -> None:
        logger.info("%s: %s", as_of, text)
        progress(text)

    try:
        with run_lock(config):
            result = run_weekly(config, as_of=as_of, progress=step)
    except XlplanError as exc:
        logger.error("%s: weekly run failed: %s", as_of, exc)
        if not isinstance(exc, OutputError) or exc.os_error is None:
            raise
        where, system = exc.path, exc.os_error
        raise RunFailed(_unfinished(as_of, system.strerror or system, where)) from None
    except OSError as exc:                 # disk full, folder read-only, ...
        logger.error("%s: weekly run failed: %s", as_of, exc)
        raise RunFailed(_unfinished(as_of, exc.strerror or exc, exc.filename)) from None
    record_run(config, as_of)
    for note in result.notes:
        logger.info("%s: %s", as_of, note)
    for problem in result.problems:
        logger.warning("%s: %s", as_of, problem)
    logger.info("%s: %s", as_of, result.last_line())
    return result


def _unfinished(as_of: dt.date, reason, where) -> str:
    return (f"the weekly run for {as_of} could not finish ({reason}{': ' + str(where) if where else ''}); "
            f"no report was written; run it again when that is put right")


def weekly_scheduler(config: Config, *, done: Callable[[WeeklyResult], None] = lambda result: None) -> Scheduler:
    """`xlplan schedule`: a Scheduler of weekly runs on the configured day and time. A bad day
    or time, or no config and no workbook, is refused now, before anything is written. Each
    run is logged and handed to `done`; a run with problems counts as failed (logged, not
    recorded as done, so the next due check runs it again: nothing is sent twice)."""
    slot(config)                                     # a bad day or time is a config error now
    check_can_start(config, only_without_config=True)
    logger = open_log(config)

    def run(as_of: dt.date) -> WeeklyResult:
        result = run_weekly(config, as_of=as_of, progress=lambda step: logger.info("%s: %s", as_of, step))
        logger.info("%s: %s", as_of, result.last_line())
        done(result)
        if result.problems:
            raise RunFailed("; ".join(result.problems))
        return result

    return Scheduler(config, run)


def _two_cores(config: Config, workbook: Path) -> bool:
    """Read last week's version and write the drafts on a second core: for a large workbook,
    where the system can fork ([weekly] parallel and parallel_min_mb)."""
    settings = config.weekly
    large = workbook.stat().st_size >= settings.parallel_min_mb * 1024 * 1024
    return settings.parallel and large and can_fork()


def _second_core(chase: ChaseList, config: Config, outbox: Path, sender: str, versions) -> dict[str, Path]:
    """What can be done beside the report: the drafts, and the history cache of the versions
    read this run. Returns the drafts written (lead -> file)."""
    drafts = write_drafts(chase, config, outbox, sender)
    for version in versions:
        store_version(version, config)
    return drafts


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
