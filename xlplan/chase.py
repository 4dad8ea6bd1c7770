"""Who must update what: for each lead, the open actions that need their attention and why;
a mail-merge sheet; one email draft per lead; and delivery over SMTP that never sends the same
lead the same chase twice.

Safeguarding plans name children's services cases: a lead's email holds only that lead's
actions, progress text can be left out by config, and a lead's name or address that could
smuggle a mail header (a line break, an extra address) is refused and reported, never written."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.parser
import email.policy
import functools
import hashlib
import html
import json
import os
import re
import smtplib
import string
from dataclasses import dataclass, field
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from importlib import resources
from pathlib import Path
from typing import Iterator

from .action import Action
from .chaselog import DRAFTS_MANIFEST, SENT_LOG, plan_key
from .dates import as_day
from .config import DEFAULT_LOCATION, Config
from .errors import ConfigError, DeliveryFailed
from .leads import EMAIL, Directory
from .plan import Plan
from .status import MARKED, NO_RATING, NO_UPDATE, WeekStatus, week_status
from .text import ELLIPSIS, counted, one_paragraph, shorten
from .findings import Validation

# Findings only the lead can put right.
LEAD_RULES = {"missing-rag": "no rating", "unknown-rag": "the rating is not one xlplan knows",
              "unparsed-due": "the due date cannot be read", "reviewer-suggests": "a reviewer suggests another rating",
              "rag-conflict": "the rating and the words disagree"}


@dataclass(frozen=True)
class ChaseItem:
    action: Action
    reasons: tuple[str, ...]


@dataclass
class LeadChase:
    lead: str
    email: str = ""
    items: list[ChaseItem] = field(default_factory=list)
    problem: str = ""                 # why no email can go to this lead

    @property
    def refs(self) -> list[str]:
        return [i.action.ref for i in self.items]

    def to_dict(self, draft: Path | None = None, sent: str = "") -> dict:
        """The lead's entry, with the draft written for them and what sending did, if anything."""
        return {"lead": self.lead, "email": self.email, "refs": self.refs,
                "draft": str(draft) if draft else None, "problem": self.problem or None,
                "sent": sent or None,
                "actions": [{"ref": i.action.ref, "row": i.action.row, "reasons": list(i.reasons)} for i in self.items]}


@dataclass
class ChaseList:
    plan: str
    title: str
    as_of: dt.date
    leads: list[LeadChase] = field(default_factory=list)
    sheet: str | None = None          # the sheet the actions were read from (None: [workbook] sheet;
                                      # "": not a workbook, so rows only)

    def actions(self) -> list[Action]:
        """The actions to chase, each once (a joint lead's action is in several leads' lists)."""
        seen = {}
        for entry in self.leads:
            for item in entry.items:
                seen.setdefault(id(item.action), item.action)
        return list(seen.values())

    def to_dict(self, drafts: dict[str, Path] | None = None, sent: dict[str, str] | None = None) -> dict:
        drafts, sent = drafts or {}, sent or {}
        return {"plan": self.plan, "as_of": self.as_of.isoformat(),
                "leads": [l.to_dict(drafts.get(l.lead), sent.get(l.lead, "")) for l in self.leads],
                "actions": len(self.actions()),
                "not_emailed": [l.lead for l in self.leads if l.problem]}


@dataclass(frozen=True)
class Delivery:
    """What sending did for one lead: "sent", "already sent <when>" or "failed: <why>"."""

    lead: str
    email: str
    outcome: str

    @property
    def failed(self) -> bool:
        return self.outcome.startswith("failed")


@dataclass(frozen=True)
class ChaseResult:
    """`xlplan chase`: the chase list, the notes about the week it was read from, the drafts
    written (lead -> file; a draft left as it was counts) and what sending did."""

    chase: ChaseList
    notes: list[str] = field(default_factory=list)
    drafts: dict[str, Path] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def sent(self) -> dict[str, str]:
        return {d.lead: d.outcome for d in self.deliveries}

    @property
    def failed(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.failed]

    def to_dict(self) -> dict:
        return {**self.chase.to_dict(self.drafts, self.sent), "notes": self.notes}

    def raise_for_delivery(self) -> None:
        """Raise DeliveryFailed when an email could not be sent (the rest of the work is done)."""
        failed = self.failed
        if not failed:
            return
        first = failed[0]
        why = f"{first.lead}: {first.outcome.removeprefix('failed: ')}"
        why += f"; and {len(failed) - 1} more" if len(failed) > 1 else ""
        if len(failed) == len(self.deliveries):
            raise DeliveryFailed(f"no chase email could be sent ({why}); the drafts are written, and running "
                                 f"the command again sends them")
        raise DeliveryFailed(f"{len(failed)} of {len(self.deliveries)} chase emails could not be sent ({why}); "
                             f"the others went, and running the command again sends only those")


def chase_plan(path: Path, config: Config, *, as_of: dt.date | None = None, previous: Path | None = None,
               leads: Path | None = None, history: Path | None = None, outbox: Path | None = None,
               send: bool = False, smtp: str | None = None, sender: str | None = None) -> ChaseResult:
    """`xlplan chase`: read the plan at `path` (leads from its Leads sheet or the file
    `leads`), its week (history, `previous` or last week's version, who was chased) and its
    findings; list who must update what; write one draft per lead into `outbox` (or, to
    send, the configured outbox); with `send`, deliver them over SMTP (`smtp`, `sender`, else
    [chase] in the config). A missing sender or server is refused before any work is done."""
    from .plan import read_plan
    from .status import read_week
    from .findings import validate_plan

    sender = sender or config.chase.sender
    smtp = smtp or config.chase.smtp
    if send:                                  # say so before any work is done
        check_sender(sender, config)
        if not smtp:
            raise ConfigError("no SMTP server; pass --smtp HOST:PORT or set [chase] smtp")
    plan = read_plan(path, config, leads_file=leads)
    old = read_plan(previous, config) if previous else None
    week = read_week(plan, config, as_of=as_of, history=history, previous=old, outbox=outbox)
    validation = validate_plan(plan, config, as_of=week.status.as_of)
    chase = chase_list(plan, config, validation=validation, status=week.status, previous=week.previous,
                       comparison=week.comparison)
    drafts, deliveries = {}, []
    if outbox or send:
        drafts = write_drafts(chase, config, outbox or config.folders["outbox"], sender)
    if send:
        deliveries = _deliver(chase, config, smtp=smtp, sender=sender, outbox=outbox or config.folders["outbox"])
    return ChaseResult(chase, week.notes, drafts, deliveries)


def chase_list(plan: Plan, config: Config | None = None, *, validation: Validation | None = None,
               as_of: dt.date | None = None, previous: Plan | None = None, status: WeekStatus | None = None,
               directory: Directory | None = None, comparison=None) -> ChaseList:
    """For each lead, the open actions that need them and why, read from the week's status
    (status.read_week; worked out here from `previous` alone when it is not given). An action
    with a joint lead ("HSCB Chair / Business Manager") is listed for each person named, when
    the leads directory knows each of them."""
    if config is None:
        from .config import load_config

        config = plan.config or load_config()
    as_of = status.as_of if status is not None else as_day(as_of)
    if status is None:
        status = week_status(plan, config, as_of=as_of, previous=previous)
    if validation is None:
        from .findings import validate_plan

        validation = validate_plan(plan, config, as_of=as_of)
    directory = directory if directory is not None else plan.directory
    findings: dict[int, list[str]] = {}
    for f in validation.findings:
        if f.rule in LEAD_RULES:
            findings.setdefault(f.row, []).append(f"{LEAD_RULES[f.rule]}: {f.message}")
    handed: dict[str, str] = {}                       # new ref -> old lead
    if previous is not None:
        from .changes import compare

        for c in (comparison or compare(previous, plan, config, as_of=as_of)).changes:
            if c.change == "lead" and c.old:
                handed[c.ref] = c.old

    by_lead: dict[str, LeadChase] = {}

    def add(lead: str, action: Action, reasons: list[str]) -> None:
        for person in people(lead, directory):
            key = person.casefold() or "(no lead named)"
            entry = by_lead.setdefault(key, LeadChase(person or "(no lead named)"))
            entry.items.append(ChaseItem(action, tuple(reasons)))

    for s in status.actions:
        a = s.action
        if s.complete:
            continue
        reasons = []
        if "progress" in plan.columns and not a.progress.strip():
            reasons.append("no progress statement")
        if s.no_data == NO_UPDATE:                    # its note says how long without an update
            reasons.append(f"the board is told No data for it ({s.note.removeprefix('No data: ')})")
        elif s.updated is False:
            reasons.append(s.update_text)
        if s.no_data == MARKED:
            last = f" ({s.note.removeprefix('No data: ')})" if s.last_rating else ""
            reasons.append(f"the rating says No data: please give a rating{last}")
        elif s.no_data == NO_RATING and s.last_rating:
            reasons.append(f"the rating has been removed: the board is told No data ({s.note.removeprefix('No data: ')})")
        if a.due and a.due < as_of:
            reasons.append(f"overdue since {a.due.strftime('%d/%m/%Y')}")
        reasons += findings.get(a.row, [])
        if a.ref in handed:
            old = handed[a.ref]
            add(old, a, [f"handed over to {a.lead or 'nobody'}: please pass on anything outstanding"])
            reasons.append(f"now yours (was {old})")
        if reasons:
            add(a.lead, a, reasons)

    workbook = Path(plan.path).suffix.lower() in (".xlsx", ".xlsm")    # a sheet a lead can go to
    result = ChaseList(str(plan.path), plan.title or plan.path.stem, as_of, sheet=plan.sheet if workbook else "")
    for key in sorted(by_lead):
        entry = by_lead[key]
        entry.email, entry.problem = _address(entry.lead, directory)
        result.leads.append(entry)
    return result


_JOINT = re.compile(r"\s+/\s+|\s+&\s+|\s+and\s+")


def people(lead: str, directory: Directory | None) -> list[str]:
    """The people a lead cell names. A joint lead ("HSCB Chair / Business Manager", "DCS &
    HSCB Chair") is each person named, when the leads directory knows every one of them; a
    later name missing the first one's body ("Business Manager" after "HSCB Chair") is also
    looked for with it ("HSCB Business Manager"). Otherwise the cell is one lead, as written,
    so nobody is dropped and nothing goes to a guessed address."""
    parts = [p.strip() for p in _JOINT.split(lead) if p.strip()] if directory else []
    if len(parts) < 2:
        return [lead]
    prefix = parts[0].split()[0] if len(parts[0].split()) > 1 else ""
    named = []
    for part in parts:
        if directory.find(part):
            named.append(directory.find(part).name)
        elif prefix and directory.find(f"{prefix} {part}"):
            named.append(directory.find(f"{prefix} {part}").name)
        else:
            return [lead]
    return list(dict.fromkeys(named))


def _address(lead: str, directory: Directory | None) -> tuple[str, str]:
    if re.search(r"[\r\n\x00-\x1f\x7f]", lead):
        return "", "refused: the lead's name has a line break or control character (a header trick?)"
    if lead == "(no lead named)":
        return "", "no lead is named for these actions"
    found = directory.find(lead) if directory else None
    if found is None or not found.email:
        return "", "no email address in the leads directory: add the lead and their email to the Leads sheet"
    if not EMAIL.match(found.email):
        return "", f"refused: {found.email!r} is not a plain email address"
    return found.email, ""


# -- drafts -----------------------------------------------------------------------------------

_ACTIONS = "\x00ACTIONS\x00"          # where the list goes, until the plain and HTML parts part ways
_WORKBOOK = "\x00WORKBOOK\x00"
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ACTION_TEXT_LIMIT = 200              # characters of an action's words in a lead's list
STATEMENT_LIMIT = 300                # of the last progress statement


@functools.lru_cache(maxsize=64)
def reply_by(as_of: dt.date, days: int, closed: tuple[dt.date, ...] = ()) -> dt.date:
    """The day a lead is asked to update by: the `days`-th working day after the as-of date
    (for 0, the as-of date itself if it is a working day, else the next one). Saturdays,
    Sundays, England's bank holidays (the `holidays` package, which follows the substitute
    days the government announces) and the council's closed days are not working days."""
    import holidays

    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(as_of.year, as_of.year + 2))
    off = set(closed)

    def working(day: dt.date) -> bool:
        return day.weekday() < 5 and day not in bank and day not in off

    day, left = as_of, days
    if not left:
        while not working(day):
            day += dt.timedelta(days=1)
    while left:
        day += dt.timedelta(days=1)
        left -= working(day)
    return day


def workbook_location(chase: ChaseList, config: Config) -> str:
    """Where a lead opens the workbook: [chase] workbook_link (a SharePoint or intranet address,
    a UNC path), else the configured shared workbook, else (xlplan run on a plan outside any
    project) the file the chase list was read from."""
    link = config.chase.workbook_link
    if re.match(r"https?://", link, re.IGNORECASE):
        return link.replace(" ", "%20")          # a space would end the link in the lead's mail program
    if link:
        return link
    path = config.workbook if config.workbook.is_file() else Path(chase.plan)
    return str(path.absolute())


def _sheet(chase: ChaseList, config: Config) -> str:
    return chase.sheet if chase.sheet is not None else config.sheet


def _where(action: Action, sheet: str) -> str:
    """"Plan sheet, row 12": where the lead finds the action."""
    if not sheet:
        return f"row {action.row}"
    return f"{sheet}{'' if sheet.casefold().endswith('sheet') else ' sheet'}, row {action.row}"


def _template(config: Config) -> str:
    name = config.chase.template
    path = config.root / name if name else None
    if path and path.is_file():
        return path.read_text(encoding="utf-8")
    return resources.files("xlplan").joinpath("chase-email.txt").read_text(encoding="utf-8")


def _block(item: ChaseItem, include_progress: bool, sheet: str) -> list[str]:
    """One action of a lead's list, as lines of plain text."""
    a = item.action
    due = a.due.strftime("%d/%m/%Y") if a.due else (a.due_text or "")
    lines = [f"- {a.ref} ({_where(a, sheet)}): {shorten(one_paragraph(a.action), ACTION_TEXT_LIMIT)}",
             "    " + "; ".join((f"due {due}" if due else "no due date", f"rated {a.rag}" if a.rag else "no rating yet"))]
    lines += [f"    why: {reason}" for reason in item.reasons]
    if include_progress and a.progress:
        lines.append(f"    last statement: {shorten(one_paragraph(a.progress), STATEMENT_LIMIT)}")
    return lines


def _lines(entry: LeadChase, include_progress: bool, sheet: str = "") -> Iterator[str]:
    """The lead's list, line by line."""
    for item in entry.items:
        yield from _block(item, include_progress, sheet)


def _filled(entry: LeadChase, chase: ChaseList, config: Config) -> tuple[str, str, dict]:
    """The template's subject line and body, and the values that fill them in."""
    settings = config.chase
    text = _template(config)
    first, _, body = text.partition("\n")
    subject_template = first[len("Subject:"):].strip() if first.startswith("Subject:") else "Action plan update"
    if not first.startswith("Subject:"):
        body = text
    n = len(entry.items)
    due = reply_by(chase.as_of, settings.reply_days, settings.closed_days)
    values = {"lead": entry.lead, "count": str(n), "s": "s" * (n != 1), "count_actions": counted(n, "action"),
              "actions_need": f"{counted(n, 'action')} {'needs' if n == 1 else 'need'}",
              "plan": chase.title, "as_of": chase.as_of.strftime("%d/%m/%Y"),
              "reply_by": due.strftime("%d/%m/%Y"), "reply_by_day": f"{_DAY_NAMES[due.weekday()]} {due:%d/%m/%Y}",
              "workbook": workbook_location(chase, config), "sheet": _sheet(chase, config),
              "sender_name": settings.sender_name}
    return subject_template, body, values


def subject(entry: LeadChase, chase: ChaseList, config: Config) -> str:
    subject_template, _, values = _filled(entry, chase, config)
    return " ".join(string.Template(subject_template).safe_substitute(values).split())


def draft_text(entry: LeadChase, chase: ChaseList, config: Config, sender: str = "", *,
               date: str = "", message_id: str = "") -> str:
    """The draft for one lead, as the .eml file's text: only their actions; plain text and an
    HTML table. The headers come from the email library (encoded names, no header smuggled in
    a value); the two parts, which can be hundreds of kilobytes for a lead with many actions,
    are base64 lines joined here: the library's own encoders took 25 ms a lead.

    Everything but Date and Message-ID follows from the content (the MIME boundary is a hash
    of the parts), so a draft given the Date and Message-ID of an earlier one is byte for byte
    the same when nothing in it has changed. Without a sender (from --sender or [chase]
    sender) the draft has no From: the mail program fills in the account it is sent from."""
    settings = config.chase
    _, body, values = _filled(entry, chase, config)
    sheet = _sheet(chase, config)
    filled = string.Template(body).safe_substitute(values, actions=_ACTIONS, workbook=_WORKBOOK)
    listing = "\n".join(_lines(entry, settings.include_progress, sheet))
    plain = filled.replace(_ACTIONS, listing).replace(_WORKBOOK, values["workbook"])
    paragraphs = [f"<p>{html.escape(p.strip(chr(10))).replace(chr(10), '<br>')}</p>"
                  for p in filled.split("\n\n") if p.strip()]
    page = ("\n".join(paragraphs)
            .replace(f"<p>{_ACTIONS}</p>", _table(entry, settings.include_progress, sheet))
            .replace(_ACTIONS, html.escape(listing).replace("\n", "<br>"))     # $actions inside a sentence
            .replace(_WORKBOOK, _link(values["workbook"])))
    page = f"<!DOCTYPE html><html><body>{page}</body></html>\n"

    head = EmailMessage()
    head["To"] = Address(display_name=entry.lead, addr_spec=entry.email)
    if settings.cc:
        head["Cc"] = Address(addr_spec=settings.cc)
    sender = sender or settings.sender
    if sender:
        head["From"] = Address(display_name=settings.sender_name, addr_spec=sender)
    head["Date"] = date or format_datetime(dt.datetime.now(dt.timezone.utc))
    head["Message-ID"] = message_id or make_msgid(domain="xlplan.local")
    head["X-Unsent"] = "1"                 # Outlook opens the .eml as a draft to review and send
    head["MIME-Version"] = "1.0"
    encoded = [_base64_lines(text.encode("utf-8")) for text in (plain, page)]
    # "." and "_" never occur in base64 text, so the boundary cannot occur inside a part
    boundary = "=_xlplan." + hashlib.sha256("".join(encoded).encode("ascii")).hexdigest()[:32]
    head["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
    parts = [_subject_header(subject(entry, chase, config))
             + "".join(head.policy.fold(name, value) for name, value in head.items())]
    for subtype, text in zip(("plain", "html"), encoded):
        parts.append(f'\n--{boundary}\nContent-Type: text/{subtype}; charset="utf-8"\n'
                     f"Content-Transfer-Encoding: base64\n\n" + text)
    parts.append(f"\n--{boundary}--\n")
    return "".join(parts)


def _subject_header(text: str) -> str:
    """The Subject line, folded as RFC 2047 wants. The email library folds a long subject with
    a non-ASCII character (the en dash of "Safeguarding Review – Action Plan") so that a
    reader shows two spaces where there was one; the older Header class encodes the whole
    subject as encoded words, which every mail program joins back exactly."""
    if text.isascii():
        return email.policy.default.fold("Subject", text)
    return f"Subject: {Header(text, 'utf-8', header_name='Subject').encode(linesep=chr(10))}\n"


def _link(location: str) -> str:
    """The workbook's location in the HTML part: a web address as a link, a path as text."""
    text = html.escape(location)
    if re.match(r"https?://\S+$", location, re.IGNORECASE):
        return f'<a href="{html.escape(location, quote=True)}">{text}</a>'
    return text


def _base64_lines(data: bytes) -> str:
    """Base64 in lines of 76 characters, as MIME wants (base64.encodebytes, without its loop)."""
    text = base64.b64encode(data).decode("ascii")
    return "".join(f"{text[i:i + 76]}\n" for i in range(0, len(text), 76))


def message(entry: LeadChase, chase: ChaseList, config: Config, sender: str = "") -> EmailMessage:
    """The draft for one lead as an email message (to send, or to look into)."""
    return email.message_from_string(draft_text(entry, chase, config, sender), policy=email.policy.default)


def _table(entry: LeadChase, include_progress: bool, sheet: str = "") -> str:
    cells = ["Ref", "Where", "Action", "Due", "Rating", "Why"] + (["Last statement"] if include_progress else [])
    rows = ["<tr>" + "".join(f"<th style='text-align:left;border:1px solid #999;padding:4px'>{c}</th>" for c in cells) + "</tr>"]
    for item in entry.items:
        a = item.action
        values = [a.ref, _where(a, sheet), a.action, a.due.strftime("%d/%m/%Y") if a.due else a.due_text,
                  a.rag or "no rating yet", "\n".join(item.reasons)]
        if include_progress:
            values.append(a.progress)
        rows.append("<tr>" + "".join(f"<td style='border:1px solid #999;padding:4px;vertical-align:top'>"
                                     f"{html.escape(v or '').replace(chr(10), '<br>')}</td>" for v in values) + "</tr>")
    return "<table style='border-collapse:collapse'>" + "".join(rows) + "</table>"


# Names Windows will not give a file, whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:60].strip("-") or "lead"
    return f"{slug}-lead" if slug.upper() in _RESERVED else slug


def check_sender(sender: str, config: Config | None = None) -> str:
    """The From address for sending, or an error that says where to set it."""
    if sender and EMAIL.match(sender):
        return sender
    if config is None:
        where = "the config file"
    elif config.source is None:
        where = f"{config.root / DEFAULT_LOCATION} (there is no config file yet: xlplan is using its built-in defaults)"
    else:
        where = str(config.source)
    what = (f"the sender address {sender!r} is not one plain email address" if sender
            else "no sender address for sending")
    raise ConfigError(f"{what}: set [chase] sender in {where} or pass --sender ADDRESS")


def write_drafts(chase: ChaseList, config: Config, outbox: Path, sender: str = "") -> dict[str, Path]:
    """One .eml per lead with an address, in OUTBOX/<as-of>/, named after the lead ("DCS.eml";
    a second lead whose name reduces to the same letters gets "-2"); file names keep only
    letters, digits and "-", so nothing is written outside the outbox.

    Run again for the same date, it leaves a lead's draft as it is (not even rewritten) when
    its content has not changed, and removes the drafts it wrote earlier for that date that
    are no longer wanted. Which files xlplan wrote is kept in the folder's .drafts.json: a
    file xlplan did not write is never replaced or removed.

    Returns the draft of each lead who has one (lead -> file), those left as they were too."""
    from .files import write_text

    if sender:
        check_sender(sender, config)
    folder = Path(outbox) / chase.as_of.isoformat()
    manifest = folder / DRAFTS_MANIFEST
    plan = plan_key(chase.plan)
    earlier = _read_manifest(manifest)
    mine = {name: r for name, r in earlier.items() if r.get("plan", plan) == plan}
    others = {name: r for name, r in earlier.items() if name not in mine}     # another plan's drafts: kept
    records, taken, drafted = {}, {name.casefold() for name in others}, {}
    for entry in chase.leads:
        if entry.problem:
            continue
        name, n = f"{_slug(entry.lead)}.eml", 1
        while name.casefold() in taken or (name not in mine and (folder / name).exists()):
            n += 1
            name = f"{_slug(entry.lead)}-{n}.eml"
        taken.add(name.casefold())
        records[name] = {"lead": entry.lead, "email": entry.email, "refs": entry.refs, "plan": plan}
        drafted[entry.lead] = (entry, folder / name)
    if not records and not mine:
        return {}
    # Say which files are about to be written before writing them: a run killed half-way
    # leaves a list that still names every draft it may have written.
    _write_manifest(manifest, chase, {**others, **mine, **records})
    for entry, path in drafted.values():
        text = _draft_to_write(entry, path, chase, config, sender)
        if text is not None:
            write_text(path, text)
    for name in mine.keys() - records.keys():
        (folder / name).unlink(missing_ok=True)
    _write_manifest(manifest, chase, {**others, **records})
    return {lead: path for lead, (_, path) in drafted.items()}


def _draft_to_write(entry: LeadChase, path: Path, chase: ChaseList, config: Config, sender: str) -> str | None:
    """The draft to write for this lead at `path`, or None when the file there already holds
    it: the same content, given the Date and Message-ID it was written with."""
    try:
        data = path.read_bytes()
    except OSError:
        return draft_text(entry, chase, config, sender)
    old = email.parser.BytesHeaderParser().parsebytes(data)
    if old["Date"] and old["Message-ID"]:
        again = draft_text(entry, chase, config, sender, date=str(old["Date"]), message_id=str(old["Message-ID"]))
        if again.encode("utf-8") == data:
            return None
    return draft_text(entry, chase, config, sender)


def _read_manifest(path: Path) -> dict[str, dict]:
    """The drafts xlplan wrote in this folder (only plain names of .eml files inside it)."""
    try:
        drafts = json.loads(path.read_text(encoding="utf-8")).get("drafts", {})
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(drafts, dict):
        return {}
    return {name: record for name, record in drafts.items()
            if isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9-]+\.eml", name)}


def _write_manifest(path: Path, chase: ChaseList, drafts: dict[str, dict]) -> None:
    from .files import write_text

    text = json.dumps({"as_of": chase.as_of.isoformat(), "drafts": dict(sorted(drafts.items()))},
                      indent=1, ensure_ascii=False) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    write_text(path, text)


# -- sending ----------------------------------------------------------------------------------

def _key(entry: LeadChase, chase: ChaseList) -> str:
    text = f"{entry.lead.casefold()}|{Path(chase.plan).name}|{chase.as_of.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()


def _already_sent(log: Path) -> dict[str, str]:
    sent = {}
    if log.is_file():
        for line in log.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                sent[record["key"]] = record["at"]
            except (ValueError, KeyError):
                continue
    return sent


def send(chase: ChaseList, config: Config, *, smtp: str, sender: str, outbox: Path) -> list[Delivery]:
    """Deliver one message per lead who can be emailed, and say what happened to each. The log
    in the outbox records every message sent, so a re-run (or a run after a failure half-way)
    never sends the same lead the same chase twice. A message that could not go is a failed
    Delivery, not an exception: the others still go."""
    settings = config.chase
    check_sender(sender, config)
    host, _, port = (smtp or "").rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"no SMTP server ({smtp!r}); pass --smtp HOST:PORT or set [chase] smtp")
    log = Path(outbox) / SENT_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    sent = _already_sent(log)
    emailed = [e for e in chase.leads if not e.problem]
    outcome: dict[str, str] = {}                      # lead -> what happened
    for entry in emailed:
        key = _key(entry, chase)
        if key in sent:
            outcome[entry.lead] = f"already sent {sent[key]}"
    pending = [e for e in emailed if e.lead not in outcome]
    if not pending:
        return [Delivery(e.lead, e.email, outcome[e.lead]) for e in emailed]
    try:
        with smtplib.SMTP(host, int(port), timeout=settings.timeout_seconds) as server:
            if settings.starttls:
                server.starttls()
            if settings.password_env:
                password = os.environ.get(settings.password_env)
                if password is None:
                    raise ConfigError(f"the environment variable {settings.password_env} "
                                      f"([chase] password_env) is not set")
                server.login(settings.username or sender, password)
            for entry in pending:
                msg = message(entry, chase, config, sender)
                del msg["X-Unsent"]
                try:
                    refused = server.send_message(msg)
                except smtplib.SMTPException as exc:
                    outcome[entry.lead] = f"failed: {exc}"
                    continue
                lead_refused = [why for address, why in refused.items() if address.casefold() == entry.email.casefold()]
                if lead_refused:          # only the copy ([chase] cc) went: the lead is still to be sent theirs
                    outcome[entry.lead] = f"failed: the server refused {entry.email} {lead_refused[0]}"
                    continue
                outcome[entry.lead] = "sent"
                with log.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"key": _key(entry, chase), "lead": entry.lead, "email": entry.email,
                                        "plan": Path(chase.plan).name, "plan_path": plan_key(chase.plan),
                                        "refs": entry.refs, "as_of": chase.as_of.isoformat(),
                                        "at": dt.datetime.now().isoformat(timespec="seconds")}) + "\n")
                    f.flush()
                    os.fsync(f.fileno())
    except (OSError, smtplib.SMTPException) as exc:
        for entry in pending:
            outcome.setdefault(entry.lead, f"failed: could not reach {smtp} ({exc})")
    return [Delivery(e.lead, e.email, outcome[e.lead]) for e in emailed]


_deliver = send                       # chase_plan's `send` is a flag


# -- rendering ----------------------------------------------------------------------------------

MERGE_TEXT_LIMIT = 8000   # characters of a lead's list in a mail-merge cell (Excel allows 32,767)
ROW_TEXT_LIMIT = 2000     # the same list repeated on each of the lead's rows of the Chase sheet


def _listing(entry: LeadChase, include_progress: bool, limit: int = MERGE_TEXT_LIMIT, sheet: str = "") -> str:
    """The lead's list as text for mail merge, in at most `limit` characters: whole actions,
    and for a lead with very many, as many as fit and a last line saying how many more there
    are (the draft email has the whole list)."""
    kept: list[str] = []
    size = -1                                    # the characters of "\n".join(kept)
    for item in entry.items:
        block = "\n".join(_block(item, include_progress, sheet))
        if size + 1 + len(block) <= limit:
            kept.append(block)
            size += 1 + len(block)
            continue
        while kept:
            rest = len(entry.items) - len(kept)
            note = (f"{ELLIPSIS} and {counted(rest, 'more action')} ({len(entry.items)} in all): filter the Lead "
                    f"column of the workbook to your name to see them all")
            if size + 1 + len(note) <= limit:
                return "\n".join([*kept, note])
            size -= 1 + len(kept.pop())
        break                                    # not even one action fits: the first, cut short
    else:
        return "\n".join(kept)
    return shorten("\n".join(_block(entry.items[0], include_progress, sheet)), limit)


def chase_text(chase: ChaseList, drafts: dict[str, Path] | None = None, sent: dict[str, str] | None = None) -> str:
    """The chase list for a terminal, with each lead's draft and what sending did."""
    drafts, sent = drafts or {}, sent or {}
    count = len(chase.actions())
    shared = sum(len(l.items) for l in chase.leads) - count
    joint = f" ({shared} of them listed for more than one lead: a joint lead)" if shared else ""
    lines = [f"{chase.plan}: {count} action{'s' * (count != 1)} to chase{joint}, {len(chase.leads)} "
             f"lead{'s' * (len(chase.leads) != 1)}, as of {chase.as_of.strftime('%d/%m/%Y')}"]
    for entry in chase.leads:
        where = entry.email or f"NOT EMAILED: {entry.problem}"
        lines += ["", f"{entry.lead} <{where}>" if entry.email else f"{entry.lead} ({where})"]
        for item in entry.items:
            lines.append(f"  {item.action.ref[:10]:<10} {'; '.join(item.reasons)}")
        if drafts.get(entry.lead):
            lines.append(f"  draft: {drafts[entry.lead]}")
        if sent.get(entry.lead):
            lines.append(f"  {sent[entry.lead]}")
    return "\n".join(lines) + "\n"


def add_chase_sheets(wb, chase: ChaseList, config: Config, name: str = "Chase") -> None:
    """Every row to chase, sorted by lead, with mail-merge columns; and one row per lead."""
    from .sheets import Formats

    f = Formats(wb, config)
    include_progress = config.chase.include_progress
    sheet = _sheet(chase, config)
    ws = wb.add_worksheet(name)
    f.put(ws, 0, 0, f"Chase list: {len(chase.actions())} actions, as of "
                          f"{chase.as_of.strftime('%d/%m/%Y')}", f.title)
    missing = [l for l in chase.leads if l.problem]
    if missing:
        names = ", ".join(l.lead for l in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        what = ("No lead could be emailed" if len(missing) == len(chase.leads)
                else f"{len(missing)} lead{'s' * (len(missing) != 1)} could not be emailed ({names})")
        f.put(ws, 1, 0, f"{what}: see 'Not emailed because' on the Mail merge sheet, and add their "
                        f"addresses to the Leads sheet.", f.warning)
    columns = (("Lead", 26), ("Email", 28), ("Ref", 8), ("Action", 40), ("Due", 11), ("RAG", 11),
               ("Why", 40), ("Subject", 30), ("Lead's list", 50))
    f.header_row(ws, 2, columns)
    merge = wb.add_worksheet("Mail merge")
    f.header_row(merge, 0, (("Lead", 26), ("Email", 28), ("Subject", 40), ("Actions", 80), ("Not emailed because", 40)))
    r = 3
    for m, entry in enumerate(chase.leads, start=1):
        listing = _listing(entry, include_progress, MERGE_TEXT_LIMIT, sheet)
        row_listing = _listing(entry, include_progress, ROW_TEXT_LIMIT, sheet)
        title = subject(entry, chase, config) if not entry.problem else ""
        for item in entry.items:
            a = item.action
            f.row(ws, r, ((entry.lead, f.text), (entry.email, f.text), (a.ref, f.text), (a.action, f.text),
                          (a.due, f.date) if a.due else (a.due_text, f.text),
                          (a.rag, f.rag(a.rag) if a.rag else f.text),
                          ("; ".join(item.reasons), f.text), (title, f.text), (row_listing, f.text)))
            r += 1
        for c, value in enumerate((entry.lead, entry.email, title, listing, entry.problem)):
            f.put(merge, m, c, value, f.text)
    f.finish(ws, 2, r - 3, len(columns))
    f.finish(merge, 0, len(chase.leads), 5)
