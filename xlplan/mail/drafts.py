"""Chase drafts: one .eml per lead (plain text and an HTML table, `X-Unsent: 1` so Outlook
opens it as a draft) holding only that lead's actions, from the business manager's
template; the reply-by date on a working day; drafts written again for the same date only
when their content changed, and the record (`.drafts.json`) of which files xlplan wrote."""

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
import re
import string
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from importlib import resources
from pathlib import Path
from typing import Iterator

from ..action import Action
from ..chase import ChaseItem, ChaseList, LeadChase
from ..chaselog import DRAFTS_MANIFEST, plan_key
from ..config import DEFAULT_LOCATION, Config
from ..errors import ConfigError
from ..leads import EMAIL
from ..text import counted, one_paragraph, shorten

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


def sheet_of(chase: ChaseList, config: Config) -> str:
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


def action_lines(item: ChaseItem, include_progress: bool, sheet: str) -> list[str]:
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
        yield from action_lines(item, include_progress, sheet)


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
              "workbook": workbook_location(chase, config), "sheet": sheet_of(chase, config),
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
    sheet = sheet_of(chase, config)
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
    attachment = request_attachment(entry, chase, config)
    if attachment is None:
        head["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
    else:
        # The lead's update request rides along: multipart/mixed around the two texts.
        data = _base64_lines(attachment.read_bytes())
        outer = "=_xlplan.m" + hashlib.sha256((boundary + data).encode("ascii")).hexdigest()[:31]
        head["Content-Type"] = f'multipart/mixed; boundary="{outer}"'
    parts = [_subject_header(subject(entry, chase, config))
             + "".join(head.policy.fold(name, value) for name, value in head.items())]
    if attachment is not None:
        parts.append(f'\n--{outer}\nContent-Type: multipart/alternative; boundary="{boundary}"\n')
    for subtype, text in zip(("plain", "html"), encoded):
        parts.append(f'\n--{boundary}\nContent-Type: text/{subtype}; charset="utf-8"\n'
                     f"Content-Transfer-Encoding: base64\n\n" + text)
    parts.append(f"\n--{boundary}--\n")
    if attachment is not None:
        name = attachment.name
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        parts.append(f'\n--{outer}\nContent-Type: {kind}; name="{name}"\nContent-Transfer-Encoding: base64\n'
                     f'Content-Disposition: attachment; filename="{name}"\n\n{data}\n--{outer}--\n')
    return "".join(parts)


def request_attachment(entry: LeadChase, chase: ChaseList, config: Config) -> Path | None:
    """The lead's update request issued on the chase's date for this plan, when [requests]
    attach is on and one was written (xlplan.requests): the draft carries it. Its file name
    is xlplan's own (letters, digits and "-"), so it is safe in a header."""
    if not config.requests.attach:
        return None
    from ..requests import issued_on

    found = issued_on(config, chase.plan, chase.as_of).get(entry.lead)
    return found if found is not None and found.is_file() else None


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


def file_slug(name: str) -> str:
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
    from ..run.files import write_text

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
        name, n = f"{file_slug(entry.lead)}.eml", 1
        while name.casefold() in taken or (name not in mine and (folder / name).exists()):
            n += 1
            name = f"{file_slug(entry.lead)}-{n}.eml"
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
    from ..run.files import write_text

    text = json.dumps({"as_of": chase.as_of.isoformat(), "drafts": dict(sorted(drafts.items()))},
                      indent=1, ensure_ascii=False) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    write_text(path, text)
