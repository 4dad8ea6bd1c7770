"""The command line: a thin layer over the library. Each command reads its inputs, calls one
library function and renders the result; errors are printed in one place, in main()."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import click

from . import __version__
from .dates import DATE_FORMS
from .errors import OutputError, XlplanError, os_error_behind, printable

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _date(ctx, param, value):
    """A date as given on the command line: ISO (2026-11-23) or day first, as people in
    England write it (23/11/2026, 3/11/2026)."""
    from .dates import as_day

    if value is None:
        return None
    try:
        return as_day(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def common(*, as_of: bool = True, json_flag: bool = True):
    """--config, --as-of and --json, on every command that uses them."""
    def decorate(fn):
        fn = click.option("--config", "config_path", type=click.Path(path_type=Path),
                          help="Config file (default: config/xlplan.toml found from the working "
                               "directory, else built-in defaults).")(fn)
        if as_of:
            fn = click.option("--as-of", callback=_date, metavar="DATE",
                              help=f"Treat this date as today (overdue, staleness, file names); "
                                   f"{DATE_FORMS}.")(fn)
        if json_flag:
            fn = click.option("--json", "as_json", is_flag=True,
                              help="Print one JSON object on stdout and nothing else.")(fn)
        return fn
    return decorate


def _map(ctx, param, value):
    """--map "Timetable=due": checked here (a bad one is exit 2), kept for _config()."""
    from .read.header import parse_map

    for text in value:
        try:
            parse_map(text, "")
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    ctx.meta["xlplan.map"] = tuple(value)
    return value


MAP_OPTION = click.option(
    "--map", "column_map", multiple=True, metavar="COLUMN=FIELD", callback=_map, expose_value=False,
    help='Read a column as a field: the header as written or the column letter = ref, group, action, '
         'lead, due, rag, progress, updated, or extra ("Timetable=due", "F=rag"). Repeat for more; '
         "adds to [columns] map in the config. 'xlplan columns PLAN' shows the reading.")


def _config(path: Path | None):
    from .config import load_config, with_column_map

    config = load_config(path)
    ctx = click.get_current_context(silent=True)
    maps = ctx.meta.get("xlplan.map", ()) if ctx is not None else ()
    return with_column_map(config, maps) if maps else config


class _EndOfFile(Exception):
    """An EOFError from inside a command, carried past click (which would call it Abort, print
    a blank line and exit 130, as if the user pressed Ctrl-C)."""


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except EOFError as exc:
            raise _EndOfFile() from exc


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="xlplan")
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def cli(ctx, debug):
    """Run an improvement or action plan out of one shared Excel workbook.

    Leads fill in progress and a RAG rating in the shared workbook; xlplan reads it, checks
    every row, compares it with last week, chases leads who have not updated, and writes the
    summary a board or scrutiny committee needs.

    \b
    Start here:
      xlplan weekly                                      the Monday run: report and chase drafts
      xlplan export workbooks/plan.xlsx --format table   how xlplan reads the plan
      xlplan init new-plan.xlsx                          a new shared plan workbook
      xlplan import old-plan.docx -o plan.xlsx           a legacy plan into a shared workbook
    """
    ctx.obj = {"debug": debug}


# -- commands that work ------------------------------------------------------------------

@cli.command(context_settings=CONTEXT)
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--from", "source", type=click.Path(path_type=Path),
              help="Fill the new workbook with the actions read from this plan "
                   "(.xlsx, .csv, or tab-separated text copied out of Word).")
@click.option("--title", help="Title written above the table (default: the source's title).")
@click.option("--plan-date", callback=_date, metavar="DATE",
              help=f"The date the plan was written, for due dates like 'By end June'; {DATE_FORMS}.")
@click.option("--sheet", help="Sheet of SOURCE to read (default: from the config).")
@click.option("--force", is_flag=True, help="Replace PLAN if it exists (never while it is open).")
@MAP_OPTION
@common(as_of=False, json_flag=True)
def init(plan, source, title, plan_date, sheet, force, config_path, as_json):
    """Create a new shared plan workbook PLAN.xlsx for leads to edit.

    The workbook has a Plan sheet with the configured columns, a RAG dropdown, a Lead dropdown
    fed from the Leads sheet, date checks on Due and Updated, live RAG colours, overdue and
    missing-progress highlighting, print set-up, and a Guide sheet with the RAG key.
    """
    from .workbook.create import new_plan

    result = new_plan(plan, _config(config_path), source=source, sheet=sheet, plan_date=plan_date, title=title,
                      force=force)
    _show_new_plan(result, as_json)


def _show_new_plan(result, as_json: bool) -> None:
    """A new plan: any warning, and what was imported into it (or that it is empty)."""
    for warning in result.warnings:
        _warn(warning)
    if result.report is None:
        _show(as_json, {"workbook": str(result.workbook), "actions": 0},
              f"wrote {result.workbook}: an empty plan; open it in Excel or LibreOffice, add actions, "
              f"and leads with their emails on the Leads sheet, then share it\n", None, "")
        return
    from .report.imports import report_text

    _show(as_json, {"workbook": str(result.workbook), **result.report.to_dict()},
          report_text(result.report, result.workbook), None, "")


@cli.command(context_settings=CONTEXT)
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "table"]), default="json",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write to this file instead of stdout.")
@click.option("--sheet", help="Sheet to read (default: [workbook] sheet in the config).")
@click.option("--plan-date", callback=_date, metavar="DATE",
              help=f"The date the plan was written, for due dates like 'By end June'; {DATE_FORMS}.")
@MAP_OPTION
@common(as_of=True, json_flag=True)
def export(plan, fmt, output, sheet, plan_date, config_path, as_of, as_json):
    """The actions of PLAN as xlplan reads them: canonical RAG labels, ISO due dates.

    Use it to check how xlplan understands a plan, or to feed other tools. PLAN may be the
    shared workbook, another .xlsx, a CSV, or tab-separated text copied out of Word.
    """
    from .plan import read_plan
    from .report import export as render
    from .run.files import write_text

    config = _config(config_path)
    read = read_plan(plan, config, sheet=sheet, plan_date=plan_date)
    fmt = "json" if as_json else fmt
    text = {"json": render.to_json, "csv": render.to_csv, "table": render.to_table}[fmt](read)
    if output:
        write_text(output, text)
        if not as_json:
            click.echo(f"wrote {len(read.actions)} actions to {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command("import", context_settings=CONTEXT)
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The plan workbook to write (.xlsx).")
@click.option("--plan-date", callback=_date, metavar="DATE",
              help="The date the plan was written, for due dates like 'By end June' and 'now' "
                   f"(default: the config's, else a date in the title); {DATE_FORMS}.")
@click.option("--sheet", help="Sheet of an .xlsx SOURCE to read (default: the one with the plan).")
@click.option("--title", help="Title written above the table (default: the source's title).")
@click.option("--force", is_flag=True, help="Replace the output if it exists (never while it is open).")
@MAP_OPTION
@common(as_of=False, json_flag=True)
def import_(source, output, plan_date, sheet, title, force, config_path, as_json):
    """Turn a legacy plan into a shared plan workbook, in one step.

    SOURCE is tab-separated text (a Word table copied out as text), a CSV, an .xlsx with its
    own headers and layout, or a Word .docx. Repeated headers, section headings, rows split by
    a page break, HTML left in cells, symbol ratings and relative dates are understood. The
    workbook is the one 'init' makes, plus an Import report sheet; the same report is printed.
    No rating is ever invented: an action with no rating is left empty.
    """
    from .workbook.create import new_plan

    result = new_plan(output, _config(config_path), source=source, sheet=sheet, plan_date=plan_date, title=title,
                      force=force)
    _show_new_plan(result, as_json)


@cli.command(context_settings=CONTEXT)
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--leads", type=click.Path(path_type=Path),
              help="Leads directory (CSV or xlsx with columns Lead, Email); default: the plan's Leads sheet.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Also write the findings as a formatted sheet (.xlsx).")
@click.option("--sheet", help="Sheet to read (default: [workbook] sheet in the config).")
@click.option("--plan-date", callback=_date, metavar="DATE",
              help=f"The date the plan was written, for due dates like 'By end June'; {DATE_FORMS}.")
@MAP_OPTION
@common()
def validate(plan, leads, output, sheet, plan_date, config_path, as_of, as_json):
    """Check every row of PLAN and print the findings, grouped by lead, with the row to go to.

    \b
    Errors (the plan cannot be reported as it is): missing-ref, duplicate-ref, missing-action,
      missing-lead, missing-rag, unknown-rag.
    Warnings: unknown-lead, missing-due, unparsed-due, missing-progress, overdue,
      rag-conflict, reviewer-suggests, broken-link.
    Severities and the words the text rules look for are set in the config ([rules]).

    Exit 0 when nothing is wrong, 1 when the findings include errors, 2 when PLAN is unusable.
    Reading a plan never changes it.
    """
    from .findings import validate_plan
    from .plan import read_plan
    from .report.findings import add_findings_sheet, findings_text
    from .report.look import write_workbook

    config = _config(config_path)
    read = read_plan(plan, config, sheet=sheet, plan_date=plan_date, leads_file=leads)
    result = validate_plan(read, config, as_of=as_of)
    if output:
        write_workbook(output, lambda wb: add_findings_sheet(wb, result, config))
    _show(as_json, result.to_dict(), findings_text(result), output, "findings")
    raise click.exceptions.Exit(result.exit_code)


@cli.command(name="format", context_settings=CONTEXT)
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--copy", "copy_to", type=click.Path(path_type=Path), metavar="OUT.xlsx",
              help="Write a formatted copy here and leave PLAN alone.")
@click.option("--sheet", help="Sheet to format (default: [workbook] sheet in the config).")
@MAP_OPTION
@common(as_of=False)
def format_(plan, copy_to, sheet, config_path, as_json):
    """(Re)apply the RAG colours, overdue and missing-progress highlighting, and the RAG, Lead
    and date dropdowns to the plan sheet of PLAN, over the rows in use plus room to grow.

    Safe on the shared workbook: refuses while it is open (a ~$ lock file) or read-only; backs
    it up first (keeping the newest copies, [format] in the config); changes only the plan
    sheet's rules and the styles inside the file, copying everything else (other sheets,
    comments, images, charts, names, macros) byte for byte; checks every cell value of the
    result against the original before replacing it. Running it twice changes nothing.
    """
    from .workbook.reformat import format_plan

    config = _config(config_path)
    result = format_plan(plan, config, copy_to=copy_to, sheet=sheet)
    if as_json:
        _print_json(result.to_dict())
        return
    for note in result.notes:
        click.echo(f"note: {note}")
    if result.written is None:
        click.echo(f"{plan} is already formatted: nothing changed")
    else:
        backup = f"; backup: {result.backup}" if result.backup else ""
        click.echo(f"formatted {result.written}: {result.rules} colour rules, {result.checks} "
                   f"dropdowns and date checks{backup}")


@cli.command(context_settings=CONTEXT)
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Also write the changes as a workbook, grouped by lead, ratings in their colours.")
@MAP_OPTION
@common()
def compare(old, new, output, config_path, as_of, as_json):
    """What changed between two versions of a plan.

    Actions are matched by ref, whatever the row order. Reported: rating changes (improved,
    worsened, or moved to or from Grey / No data), new progress, due dates, leads, added and
    removed actions, renumbered actions (same words, new ref), refs used twice (never paired),
    and open actions with no update (progress and rating unchanged, and no newer date in a
    "last updated" column). Exit 0.
    """
    from .changes import compare as compare_plans
    from .plan import read_plan
    from .report.changes import add_changes_sheet, comparison_text
    from .report.look import write_workbook

    config = _config(config_path)
    result = compare_plans(read_plan(old, config), read_plan(new, config), config, as_of=as_of)
    if output:
        write_workbook(output, lambda wb: add_changes_sheet(wb, result, config))
    _show(as_json, result.to_dict(), comparison_text(result), output, "changes")


@cli.command(context_settings=CONTEXT)
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--sheet", help="Sheet to read (default: [workbook] sheet in the config).")
@MAP_OPTION
@common(as_of=False, json_flag=True)
def columns(plan, sheet, config_path, as_json):
    """How xlplan reads the columns of PLAN: which column became which field (ref, group,
    action, lead, due, rag, progress, updated) and why, what else each could have been, which
    are kept as extra columns, and any column that looks like ratings or progress but was not
    read as them. Change a reading with --map "HEADER=FIELD" or [columns] map in the config.
    """
    from .plan import column_reading
    from .report.columns import columns_text

    reading = column_reading(plan, _config(config_path), sheet=sheet)
    _show(as_json, reading.to_dict(), columns_text(reading), None, "")


@cli.command(context_settings=CONTEXT)
@click.argument("plan", required=False, type=click.Path(path_type=Path))
@common()
def snapshot(plan, config_path, as_of, as_json):
    """Copy the shared workbook (PLAN, default [workbook] path) into the history folder, named
    by the as-of date. Safe while a lead has it open: the workbook is only read. A copy
    identical to the latest snapshot is not stored twice; stored snapshots are read-only."""
    from .workbook.snapshot import snapshot_job

    result = snapshot_job(_config(config_path), workbook=plan, as_of=as_of)
    if as_json:
        _print_json({"snapshot": str(result.snapshot.path), "stored": result.stored, "reason": result.reason})
    elif result.stored:
        click.echo(f"stored {result.snapshot.path}")
    else:
        click.echo(f"not stored: {result.reason}")


HISTORY_OPTION = click.option(
    "--history", "history_dir", type=click.Path(path_type=Path), metavar="DIR",
    help="The folder of this plan's weekly snapshots. Default: the history folder of the config, "
         "and only when PLAN is the configured shared workbook ([workbook] path).")


@cli.command(context_settings=CONTEXT)
@click.option("--ref", "refs", multiple=True, help="Only these refs (repeat the option for more).")
@click.option("--history", "history_dir", type=click.Path(path_type=Path), metavar="DIR",
              help="The folder of weekly snapshots to read (default: [folders] history of the config, "
                   "the shared workbook's).")
@MAP_OPTION
@common()
def history(refs, history_dir, config_path, as_of, as_json):
    """For each action in the latest weekly version: when its progress or rating last changed,
    how many days ago, how many weekly updates in a row it has missed (quiet weeks count), its
    rating week by week, and what the board is told (No data with the last rating)."""
    from .report.history import history_text
    from .status import history_report

    result = history_report(_config(config_path), as_of=as_of, history=history_dir, refs=refs)
    _show(as_json, result.to_dict(), history_text(result), None, "history")


def _notes(notes: list[str], as_json: bool) -> None:
    """A command's notes, on stderr (with --json they are in the JSON too)."""
    for note in notes:
        click.echo(f"xlplan: note: {note}", err=True)


def _warn_not_emailed(result) -> None:
    """Leads the run could not write to, on stderr, so a business manager never misses them."""
    missing = result.not_emailed
    if not missing:
        return
    if not result.drafts:
        _warn(f"no chase email could be written: none of the {len(missing)} leads to chase has a usable email "
              f"address; add them with their emails to the Leads sheet (see the report's Chase sheet)")
    else:
        names = ", ".join(l.lead for l in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        _warn(f"{len(missing)} lead{'s' * (len(missing) != 1)} to chase could not be emailed ({names}); "
              f"the report's Chase and Mail merge sheets say why")


def _warn(message: str) -> None:
    if message:
        click.echo(f"xlplan: warning: {message}", err=True)


@cli.command(context_settings=CONTEXT)
@click.argument("plan", required=False, type=click.Path(path_type=Path))
@click.option("--previous", type=click.Path(path_type=Path),
              help="Last week's version, to find actions with no update and leads that changed.")
@click.option("--leads", type=click.Path(path_type=Path),
              help="Leads directory (CSV or xlsx with columns Lead, Email); default: the plan's Leads sheet.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the chase list as a workbook with mail-merge columns.")
@click.option("--outbox", type=click.Path(path_type=Path),
              help="Write one email draft (.eml, opens as a draft in Outlook) per lead here.")
@click.option("--send", is_flag=True, help="Send the emails over SMTP; without it nothing leaves the machine.")
@click.option("--smtp", metavar="HOST:PORT", help="SMTP server for --send (default: [chase] smtp).")
@click.option("--sender", metavar="ADDRESS", help="From address for --send (default: [chase] sender).")
@HISTORY_OPTION
@MAP_OPTION
@common()
def chase(plan, previous, leads, output, outbox, send, smtp, sender, history_dir, config_path, as_of, as_json):
    """Who must update what: for each lead, the open actions that need their attention and
    why (no progress statement, no update since last week or for N weeks, overdue, no rating,
    a due date that cannot be read, a reviewer suggesting another rating). Leads with nothing
    outstanding are not chased; when an action changes lead, both leads are told.

    Each lead's draft holds only their own actions. A lead whose name or address could carry
    a mail header trick is refused and reported. With --send, a message is never sent twice
    for the same lead, plan and as-of date, however often the command runs; exit 1 when one
    could not be sent (the others went, and a re-run sends only those).
    """
    from .chase import chase_plan
    from .report.chase import add_chase_sheets, chase_text
    from .report.look import write_workbook

    config = _config(config_path)
    result = chase_plan(plan or config.workbook, config, as_of=as_of, previous=previous, leads=leads,
                        history=history_dir, outbox=outbox, send=send, smtp=smtp, sender=sender)
    _notes(result.notes, as_json)
    if output:
        write_workbook(output, lambda wb: add_chase_sheets(wb, result.chase, config))
    _show(as_json, result.to_dict(), chase_text(result.chase, result.drafts, result.sent), output, "chase list")
    result.raise_for_delivery()                  # exit 1: the rest is done and shown


@cli.command(context_settings=CONTEXT)
@click.argument("plan", required=False, type=click.Path(path_type=Path))
@click.option("--previous", type=click.Path(path_type=Path),
              help="An earlier version, for movement since then (improved, worsened, unchanged, new).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the summary and the exception report as a workbook.")
@HISTORY_OPTION
@MAP_OPTION
@common()
def summary(plan, previous, output, history_dir, config_path, as_of, as_json):
    """Counts by rating, by theme and by lead, movement since the previous version, the trend
    week by week (from the snapshots), and a paragraph to paste into a board or scrutiny
    report: "Of the 28 actions, 9 are marked green, as completed; ..."."""
    from .report.exceptions import add_exceptions_sheet
    from .report.look import write_workbook
    from .report.summary import add_summary_sheet, summary_text
    from .summary import summarise_plan

    config = _config(config_path)
    result = summarise_plan(plan or config.workbook, config, as_of=as_of, previous=previous, history=history_dir)
    _notes(result.notes, as_json)
    if output:
        write_workbook(output, lambda wb: (add_summary_sheet(wb, result.summary, config),
                                           add_exceptions_sheet(wb, result.exceptions, config, result.summary.as_of)))
    _show(as_json, result.to_dict(), summary_text(result.summary), output, "summary")


@cli.command(context_settings=CONTEXT)
@click.argument("plan", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the exception report as a printable workbook.")
@HISTORY_OPTION
@MAP_OPTION
@common()
def exceptions(plan, output, history_dir, config_path, as_of, as_json):
    """The exception report: every action not complete and not green, grouped by the month it
    is due, overdue ones marked, with days since the last update where snapshots exist."""
    from .exception_list import report_exceptions
    from .report.exceptions import add_exceptions_sheet, exceptions_text
    from .report.look import write_workbook

    config = _config(config_path)
    result = report_exceptions(plan or config.workbook, config, as_of=as_of, history=history_dir)
    _notes(result.notes, as_json)
    if output:
        write_workbook(output, lambda wb: add_exceptions_sheet(wb, result.groups, config, result.as_of))
    _show(as_json, result.to_dict(), exceptions_text(result), output, "exception report")


@cli.command("board-report", context_settings=CONTEXT)
@click.argument("plan", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, metavar="FILE.docx",
              help="The Word document to write.")
@click.option("--template", type=click.Path(path_type=Path), metavar="T.docx",
              help="The council's Word template: its styles, header and footer are kept; the report goes "
                   "where a paragraph holding only {{board_report}} stands, else at the end "
                   "(default: [board_report] template in the config).")
@click.option("--previous", type=click.Path(path_type=Path), metavar="OLD",
              help="The version of the plan the previous report was made from, for the counts then and the "
                   "movement since (default: last week's version, from the snapshots).")
@click.option("--pdf", is_flag=True, help="Also write a PDF beside it, converted by LibreOffice (which must be "
                                          "installed).")
@HISTORY_OPTION
@MAP_OPTION
@common()
def board_report(plan, output, template, previous, pdf, history_dir, config_path, as_of, as_json):
    """The board or scrutiny report in Word, for PLAN (default: the shared workbook).

    In the business manager's words ("In summary, of the 28 actions: ..." with one bullet a
    rating and the reasons the plan gives), the counts by rating with the movement since the
    previous version, a chart, and the exceptions: every action rated Red or Amber/Red,
    reported as No data, or overdue, with lead, due date, revised timescale and the lead's
    latest statement. Every number is the one 'summary --json' gives for the same plan and date.
    """
    from .report.board import board_report as make_report

    config = _config(config_path)
    result = make_report(plan or config.workbook, config, as_of=as_of, previous=previous, history=history_dir)
    _notes(result.notes, as_json)
    written = result.save(output, template=template or config.board_report.template, pdf=pdf)
    listed = len(result.listed())
    if as_json:
        _print_json({**{k: str(v) for k, v in written.items()}, **result.to_dict()})
        return
    files = " and ".join(str(p) for p in written.values())
    click.echo(f"wrote the board report to {files}: {result.summary.actions} actions, "
               f"{listed} exception{'s' * (listed != 1)}")


@cli.command(context_settings=CONTEXT)
@click.argument("plan", required=False, type=click.Path(path_type=Path))
@click.option("--outbox", type=click.Path(path_type=Path), metavar="DIR",
              help="Write the request workbooks here (default: [folders] outbox/<as-of>/requests).")
@click.option("--lead", "leads", multiple=True, metavar="NAME",
              help="Only this lead (repeat for more): a new request replaces their earlier one.")
@MAP_OPTION
@common()
def requests(plan, outbox, leads, config_path, as_of, as_json):
    """One update-request workbook per lead with open actions, holding only that lead's
    actions (PLAN: default [workbook] path).

    Each lead fills in a new rating, a progress statement and, where allowed, a proposed due
    date with a reason; every other cell is locked (no password). The request id, the lead,
    the plan and the date issued are in the file, and the register in the history folder
    records each row as sent, so 'xlplan collect' can merge the returns three ways. A newer
    request to the same lead replaces the older one (a return of the older is refused).
    """
    from .report.requests import requests_text
    from .requests import issue_requests

    result = issue_requests(plan, _config(config_path), outbox=outbox, as_of=as_of, leads=list(leads) or None)
    _notes(result.notes if not as_json else [], as_json)
    _show(as_json, result.to_dict(), requests_text(result), None, "")
    if result.not_emailed:
        names = ", ".join(result.not_emailed[:5]) + (f" and {len(result.not_emailed) - 5} more"
                                                      if len(result.not_emailed) > 5 else "")
        _warn(f"{len(result.not_emailed)} lead{'s' * (len(result.not_emailed) != 1)} cannot be emailed ({names}); "
              f"their requests are written: hand them over another way, or add their addresses to the Leads sheet")


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="[PLAN] RETURNED...")
@click.option("--accept-due", "accept_due", multiple=True, metavar="REF",
              help="Apply the new due date proposed for REF (repeat for more; [requests] accept_due applies all).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Also write the merge report as a workbook.")
@MAP_OPTION
@common()
def collect(paths, accept_due, output, config_path, as_of, as_json):
    """Merge returned update requests into the shared workbook (PLAN: default [workbook] path).

    RETURNED are request workbooks (.xlsx, under any name), saved emails carrying them (.eml;
    Outlook .msg with the extract-msg package) or folders of them. Each cell is compared three
    ways: as sent, as returned, and the shared workbook now. A cell only the lead changed is
    applied (and the action's Updated date set); a cell also changed in the shared workbook
    since is a conflict, reported and not applied; anything outside the lead's rows or the
    request's white cells, and a return that is stale, for another plan, damaged or not a
    request, is refused with one sentence. Proposed due dates are listed, and applied only
    with --accept-due REF. Written the way 'format' writes: never while the workbook is open,
    after a backup, every other part kept byte for byte, checked, replaced atomically.
    Collecting the same return twice changes nothing.

    Exit 0 when everything returned was applied; 1 when anything was a conflict or refused.
    """
    import zipfile

    from .collect import RETURN_SUFFIXES, collect_returns
    from .report.look import write_workbook
    from .report.requests import add_collect_sheet, collect_text
    from .workbook.request import is_request

    config = _config(config_path)
    paths = list(paths)
    plan = None
    first = paths[0]
    # PLAN is optional: the first path is the plan when more follow and it is a workbook that
    # is not itself a returned request.
    if len(paths) > 1 and first.suffix.lower() in RETURN_SUFFIXES and zipfile.is_zipfile(first) \
            and not is_request(first):
        plan = paths.pop(0)
    result = collect_returns(plan, paths, config, as_of=as_of, accept_due=tuple(accept_due))
    if output:
        write_workbook(output, lambda wb: add_collect_sheet(wb, result, config))
    _show(as_json, result.to_dict(), collect_text(result), output, "merge report")
    raise click.exceptions.Exit(result.exit_code)


@cli.command(context_settings=CONTEXT)
@MAP_OPTION
@common()
def weekly(config_path, as_of, as_json):
    """The scheduled job, the business manager's Monday: snapshot the shared workbook,
    validate it, compare it with the latest earlier snapshot, write the report workbook
    (reports/<as-of>/: Summary, Exceptions, Changes, Chase, Mail merge, Findings, Trend) and one chase
    draft per lead (outbox/<as-of>/). Sends and re-formats only when the config says so.

    Run twice for one as-of date, it stores no second snapshot and sends nothing twice; a run
    that fails half-way leaves no half-written report. Progress goes to the terminal and to
    logs/xlplan.log. Exit 1 when part of the work could not finish (for example sending).
    """
    from .run.weekly import weekly_job

    tty = sys.stderr.isatty() and not as_json

    def progress(step: str) -> None:
        if tty:
            click.echo(f"xlplan weekly: {step}", err=True)

    result = weekly_job(_config(config_path), as_of=as_of, progress=progress)
    if as_json:
        _print_json(result.to_dict())
    else:
        for note in result.notes:
            click.echo(f"note: {note}")
        for problem in result.problems:
            click.echo(f"problem: {problem}")
        _warn_not_emailed(result)
        click.echo(result.last_line(Path.cwd()))
    if as_json:
        _warn_not_emailed(result)
    raise click.exceptions.Exit(result.exit_code)


@cli.command(context_settings=CONTEXT)
@click.option("--once", is_flag=True, help="Run one due check and exit (for cron or Task Scheduler): "
                                           "run weekly if this week's run is due and has not happened.")
@common(as_of=False, json_flag=False)
def schedule(once, config_path):
    """Run 'weekly' at the configured day and time ([schedule] in the config) until stopped.

    Runs in the foreground; Ctrl-C or SIGTERM ends it cleanly between runs. A failing run is
    logged (logs/xlplan.log) and the scheduler keeps going; two runs never overlap, and a
    second 'xlplan schedule' on the same config is refused; a run missed while the machine
    was off is caught up once at start.
    """
    from .run.weekly import weekly_scheduler

    config = _config(config_path)
    scheduler = weekly_scheduler(config, done=lambda result: click.echo(result.last_line(Path.cwd())))
    if once:
        ran = scheduler.run_if_due()
        if ran is not None:
            raise click.exceptions.Exit(0 if ran else 1)
        click.echo("the weekly run is not due")
        return
    click.echo(f"xlplan schedule: weekly runs on {config.schedule.day} at "
               f"{config.schedule.time:%H:%M}; Ctrl-C to stop", err=True)
    scheduler.forever()


@cli.command(name="config", context_settings=CONTEXT)
@click.option("--defaults", "show_defaults", is_flag=True,
              help="Print the built-in defaults as shipped, with what each setting means: the full "
                   "reference of what a config file may set.")
@common(as_of=False, json_flag=True)
def config_(show_defaults, config_path, as_json):
    """Print the settings in effect: the config file's keys over the built-in defaults.

    Printed as TOML (a config file that reads back the same), or with --json as one JSON
    object: the config file read ("file", null for none) and the settings. The config file
    need only hold the keys a team changes; every value is checked when it is read.
    """
    from .config import built_in_config, default_text, toml_text

    if show_defaults and not as_json:
        click.echo(default_text(), nl=False)
        return
    config = built_in_config() if show_defaults else _config(config_path)
    if as_json:
        _print_json({"file": str(config.source) if config.source else None, "settings": config.to_dict()})
        return
    where = config.source or "none found, so the built-in defaults alone"
    click.echo(f"# The settings in effect. Config file: {where}.\n"
               f"# 'xlplan config --defaults' prints the built-in defaults with what each key means.\n")
    click.echo(toml_text(config.settings()), nl=False)


# -- one place that prints errors --------------------------------------------------------

def _show(as_json: bool, data: dict, text: str, output: Path | None, what: str) -> None:
    """A command's result: one JSON object, or the text for people and where the file went."""
    if as_json:
        _print_json(data)
        return
    click.echo(text, nl=False)
    if output:
        click.echo(f"wrote the {what} to {output}")


def _print_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


INTERNAL_ERROR = 70                        # the contract's exit code for a bug
# click 8.2 and later raise this for a group called with nothing (8.1 prints the help itself).
_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    if not debug:
        # A library's warning (openpyxl on an extension it skips, with its site-packages path)
        # is not xlplan's to print: what matters is in the result or its notes.
        warnings.filterwarnings("ignore")
    try:
        code = cli.main(args=args, prog_name="xlplan", standalone_mode=False)
        return code if isinstance(code, int) else 0   # click returns an Exit's code here
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except _NO_ARGS as exc:                # bare 'xlplan': the help, as --help prints it
        click.echo(exc.ctx.get_help())
        return 0
    except click.ClickException as exc:   # a usage error: one line, and where to look
        command = f" {exc.ctx.info_name}" if getattr(exc, "ctx", None) and exc.ctx.parent else ""
        message = " ".join(exc.format_message().split())
        click.echo(f"xlplan: {message} (see 'xlplan{command} --help')", err=True)
        return 2
    except _EndOfFile as exc:
        # No command reads from the terminal, so an EOFError is a bug (a reader's, or xlplan's
        # on a damaged file), not the user stopping xlplan.
        if debug:
            raise exc.__cause__ from None
        return _internal_error(exc.__cause__)
    except click.exceptions.Abort:
        click.echo("xlplan: stopped", err=True)
        return 130
    except XlplanError as exc:
        if debug:
            raise
        # printable: a name or text from a file cannot break the sentence into lines (or forge one).
        click.echo(f"xlplan: {printable(exc)}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("xlplan: stopped", err=True)
        return 130
    except Exception as exc:
        if debug:
            raise
        system = os_error_behind(exc)
        if system is not None:             # a full disk, a read-only folder, a share gone away
            error = OutputError.unfinished(system)
            click.echo(f"xlplan: {error}", err=True)
            return error.exit_code
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    """A bug: still one sentence, no traceback; 70 (EX_SOFTWARE) tells a scheduler it is not a
    bad file."""
    detail = printable(" ".join(f"{type(exc).__name__}: {exc}".split()))[:300]
    click.echo(f"xlplan: could not finish ({detail}); run again with --debug for the details and report it",
               err=True)
    return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
