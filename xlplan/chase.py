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
import email.policy
import hashlib
import html
import json
import os
import re
import smtplib
import string
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from importlib import resources
from pathlib import Path
from typing import Iterator

from .action import Action
from .chaselog import plan_key
from .config import Config
from .errors import XlplanError
from .leads import EMAIL, Directory
from .plan import Plan
from .status import MARKED, NO_UPDATE, WeekStatus, week_status
from .validate import Validation

# Findings only the lead can put right.
LEAD_RULES = {"missing-rag": "no rating", "unknown-rag": "the rating is not one xlplan knows",
              "unparsed-due": "the due date cannot be read", "reviewer-suggests": "a reviewer suggests another rating",
              "rag-conflict": "the rating and the words disagree"}
SENT_LOG = "sent-log.jsonl"


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
    draft: Path | None = None
    sent: str = ""                    # "sent", "already sent ...", "failed: ..."

    @property
    def refs(self) -> list[str]:
        return [i.action.ref for i in self.items]

    def to_dict(self) -> dict:
        return {"lead": self.lead, "email": self.email, "refs": self.refs,
                "draft": str(self.draft) if self.draft else None, "problem": self.problem or None,
                "sent": self.sent or None,
                "actions": [{"ref": i.action.ref, "row": i.action.row, "reasons": list(i.reasons)} for i in self.items]}


@dataclass
class ChaseList:
    plan: str
    title: str
    as_of: dt.date
    leads: list[LeadChase] = field(default_factory=list)

    def actions(self) -> list[Action]:
        """The actions to chase, each once (a joint lead's action is in several leads' lists)."""
        seen = {}
        for entry in self.leads:
            for item in entry.items:
                seen.setdefault(id(item.action), item.action)
        return list(seen.values())

    def to_dict(self) -> dict:
        return {"plan": self.plan, "as_of": self.as_of.isoformat(), "leads": [l.to_dict() for l in self.leads],
                "actions": len(self.actions()),
                "not_emailed": [l.lead for l in self.leads if l.problem]}


def chase_list(plan: Plan, config: Config, *, validation: Validation, as_of: dt.date | None = None,
               previous: Plan | None = None, status: WeekStatus | None = None,
               directory: Directory | None = None, comparison=None, histories=None) -> ChaseList:
    """For each lead, the open actions that need them and why, read from the week's status
    (status.read_week; worked out here from `previous` alone when it is not given). An action
    with a joint lead ("HSCB Chair / Business Manager") is listed for each person named, when
    the leads directory knows each of them."""
    as_of = (status.as_of if status is not None else None) or as_of or dt.date.today()
    if status is None:
        status = week_status(plan, config, as_of=as_of, previous=previous)
    directory = directory if directory is not None else plan.directory
    findings: dict[int, list[str]] = {}
    for f in validation.findings:
        if f.rule in LEAD_RULES:
            findings.setdefault(f.row, []).append(f"{LEAD_RULES[f.rule]}: {f.message}")
    handed: dict[str, str] = {}                       # new ref -> old lead
    if previous is not None:
        from .compare import compare

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
        if s.updated is False:
            reasons.append(s.update_text)
        if s.no_data == NO_UPDATE:
            reasons.append(f"the board is told No data for it ({s.note.removeprefix('No data: ')})")
        elif s.no_data == MARKED:
            last = f" (last rated {s.last_rating})" if s.last_rating else ""
            reasons.append(f"the rating says No data: please give a rating{last}")
        if a.due and a.due < as_of:
            reasons.append(f"overdue since {a.due.strftime('%d/%m/%Y')}")
        reasons += findings.get(a.row, [])
        if a.ref in handed:
            old = handed[a.ref]
            add(old, a, [f"handed over to {a.lead or 'nobody'}: please pass on anything outstanding"])
            reasons.append(f"now yours (was {old})")
        if reasons:
            add(a.lead, a, reasons)

    result = ChaseList(str(plan.path), plan.title or plan.path.stem, as_of)
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

def _template(config: Config) -> str:
    name = config.raw.get("chase", {}).get("template", "")
    path = config.root / name if name else None
    if path and path.is_file():
        return path.read_text(encoding="utf-8")
    return resources.files("xlplan").joinpath("chase-email.txt").read_text(encoding="utf-8")


def _lines(entry: LeadChase, include_progress: bool) -> Iterator[str]:
    """The lead's list, line by line (as they are wanted: a mail-merge cell stops early)."""
    for item in entry.items:
        a = item.action
        due = a.due.strftime("%d/%m/%Y") if a.due else (a.due_text or "no due date")
        action = " ".join(a.action.split())
        yield f"- {a.ref}: {action[:200]} (due {due}, rated {a.rag or 'nothing'})"
        for reason in item.reasons:
            yield f"    why: {reason}"
        if include_progress and a.progress:
            yield f"    last statement: {' '.join(a.progress.split())[:300]}"


def _filled(entry: LeadChase, chase: ChaseList, config: Config) -> tuple[str, str, dict]:
    """The template's subject line and body, and the values that fill them in."""
    settings = config.raw.get("chase", {})
    text = _template(config)
    first, _, body = text.partition("\n")
    subject_template = first[len("Subject:"):].strip() if first.startswith("Subject:") else "Action plan update"
    if not first.startswith("Subject:"):
        body = text
    n = len(entry.items)
    values = {"lead": entry.lead, "count": str(n), "s": "s" * (n != 1), "plan": chase.title,
              "as_of": chase.as_of.strftime("%d/%m/%Y"),
              "reply_by": (chase.as_of + dt.timedelta(days=int(settings.get("reply_days", 5)))).strftime("%d/%m/%Y"),
              "sender_name": settings.get("sender_name", "")}
    return subject_template, body, values


def subject(entry: LeadChase, chase: ChaseList, config: Config) -> str:
    subject_template, _, values = _filled(entry, chase, config)
    return " ".join(string.Template(subject_template).safe_substitute(values).split())


def draft_text(entry: LeadChase, chase: ChaseList, config: Config, sender: str = "") -> str:
    """The draft for one lead, as the .eml file's text: only their actions; plain text and an
    HTML table. The headers come from the email library (encoded names, no header smuggled in
    a value); the two parts, which can be hundreds of kilobytes for a lead with many actions,
    are base64 lines joined here: the library's own encoders took 25 ms a lead."""
    settings = config.raw.get("chase", {})
    include_progress = bool(settings.get("include_progress", True))
    _, body, values = _filled(entry, chase, config)
    marker = "\x00ACTIONS\x00"
    filled = string.Template(body).safe_substitute(values, actions=marker)
    plain = filled.replace(marker, "\n".join(_lines(entry, include_progress)))
    paragraphs = [f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in filled.split("\n\n") if p.strip()]
    page = "\n".join(paragraphs).replace(f"<p>{html.escape(marker)}</p>", _table(entry, include_progress))

    head = EmailMessage()
    head["Subject"] = subject(entry, chase, config)
    head["To"] = Address(display_name=entry.lead, addr_spec=entry.email)
    sender = sender or settings.get("sender") or "xlplan@localhost"
    head["From"] = Address(display_name=settings.get("sender_name", ""), addr_spec=sender)
    head["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    head["Message-ID"] = make_msgid(domain="xlplan.local")
    head["X-Unsent"] = "1"                 # Outlook opens the .eml as a draft to review and send
    head["MIME-Version"] = "1.0"
    boundary = f"=_xlplan.{make_msgid(domain='x')[1:-3]}"   # "." never occurs in base64 text
    head["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
    parts = ["".join(head.policy.fold(name, value) for name, value in head.items())]
    for subtype, text in (("plain", plain), ("html", f"<!DOCTYPE html><html><body>{page}</body></html>\n")):
        parts.append(f'\n--{boundary}\nContent-Type: text/{subtype}; charset="utf-8"\n'
                     f"Content-Transfer-Encoding: base64\n\n"
                     + _base64_lines(text.encode("utf-8")))
    parts.append(f"\n--{boundary}--\n")
    return "".join(parts)


def _base64_lines(data: bytes) -> str:
    """Base64 in lines of 76 characters, as MIME wants (base64.encodebytes, without its loop)."""
    text = base64.b64encode(data).decode("ascii")
    return "".join(f"{text[i:i + 76]}\n" for i in range(0, len(text), 76))


def message(entry: LeadChase, chase: ChaseList, config: Config, sender: str = "") -> EmailMessage:
    """The draft for one lead as an email message (to send, or to look into)."""
    return email.message_from_string(draft_text(entry, chase, config, sender), policy=email.policy.default)


def _table(entry: LeadChase, include_progress: bool) -> str:
    cells = ["Ref", "Action", "Due", "Rating", "Why"] + (["Last statement"] if include_progress else [])
    rows = ["<tr>" + "".join(f"<th style='text-align:left;border:1px solid #999;padding:4px'>{c}</th>" for c in cells) + "</tr>"]
    for item in entry.items:
        a = item.action
        values = [a.ref, a.action, a.due.strftime("%d/%m/%Y") if a.due else a.due_text, a.rag or "", "; ".join(item.reasons)]
        if include_progress:
            values.append(a.progress)
        rows.append("<tr>" + "".join(f"<td style='border:1px solid #999;padding:4px;vertical-align:top'>"
                                     f"{html.escape(v or '').replace(chr(10), '<br>')}</td>" for v in values) + "</tr>")
    return "<table style='border-collapse:collapse'>" + "".join(rows) + "</table>"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:60] or "lead"


def check_sender(sender: str) -> str:
    if not sender or not EMAIL.match(sender):
        raise XlplanError(f"no usable sender address ({sender!r}); pass --sender ADDRESS or set [chase] sender")
    return sender


def write_drafts(chase: ChaseList, config: Config, outbox: Path, sender: str = "") -> None:
    """One .eml per lead with an address, in OUTBOX/<as-of>/; file names come from the lead's
    name reduced to letters and digits, so nothing is written outside the outbox."""
    from .files import write_text

    if sender:
        check_sender(sender)

    folder = Path(outbox) / chase.as_of.isoformat()
    for i, entry in enumerate(chase.leads, start=1):
        if entry.problem:
            continue
        path = folder / f"{i:02d}-{_slug(entry.lead)}.eml"
        write_text(path, draft_text(entry, chase, config, sender))
        entry.draft = path


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


def send(chase: ChaseList, config: Config, *, smtp: str, sender: str, outbox: Path) -> None:
    """Deliver one message per lead. The log in the outbox records every message sent, so a
    re-run (or a run after a failure half-way) never sends the same lead the same chase twice."""
    settings = config.raw.get("chase", {})
    check_sender(sender)
    host, _, port = (smtp or "").rpartition(":")
    if not host or not port.isdigit():
        raise XlplanError(f"no SMTP server ({smtp!r}); pass --smtp HOST:PORT or set [chase] smtp")
    log = Path(outbox) / SENT_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    sent = _already_sent(log)
    pending = [e for e in chase.leads if not e.problem]
    for entry in pending:
        key = _key(entry, chase)
        if key in sent:
            entry.sent = f"already sent {sent[key]}"
    pending = [e for e in pending if not e.sent]
    if not pending:
        return
    try:
        with smtplib.SMTP(host, int(port), timeout=float(settings.get("timeout_seconds", 30))) as server:
            if settings.get("starttls"):
                server.starttls()
            if settings.get("password_env"):
                password = os.environ.get(settings["password_env"])
                if password is None:
                    raise XlplanError(f"the environment variable {settings['password_env']} "
                                      f"([chase] password_env) is not set")
                server.login(settings.get("username") or sender, password)
            for entry in pending:
                msg = message(entry, chase, config, sender)
                del msg["X-Unsent"]
                try:
                    server.send_message(msg)
                except smtplib.SMTPException as exc:
                    entry.sent = f"failed: {exc}"
                    continue
                entry.sent = "sent"
                with log.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"key": _key(entry, chase), "lead": entry.lead, "email": entry.email,
                                        "plan": Path(chase.plan).name, "plan_path": plan_key(chase.plan),
                                        "refs": entry.refs, "as_of": chase.as_of.isoformat(),
                                        "at": dt.datetime.now().isoformat(timespec="seconds")}) + "\n")
                    f.flush()
                    os.fsync(f.fileno())
    except (OSError, smtplib.SMTPException) as exc:
        for entry in pending:
            entry.sent = entry.sent or f"failed: could not reach {smtp} ({exc})"


# -- rendering ----------------------------------------------------------------------------------

MERGE_TEXT_LIMIT = 8000   # characters of a lead's list in a mail-merge cell (Excel allows 32,767)
ROW_TEXT_LIMIT = 2000     # the same list repeated on each of the lead's rows of the Chase sheet


def _listing(entry: LeadChase, include_progress: bool, limit: int = MERGE_TEXT_LIMIT) -> str:
    """The lead's list as text for mail merge, cut short for a lead with very many actions (the
    draft email has the whole list)."""
    lines, size = [], 0
    for line in _lines(entry, include_progress):
        if size + len(line) + 1 > limit:
            lines.append(f"... and more: {len(entry.items)} actions in all, listed on the Chase sheet")
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def chase_text(chase: ChaseList) -> str:
    count = sum(len(l.items) for l in chase.leads)
    lines = [f"{chase.plan}: {count} actions to chase, {len(chase.leads)} lead{'s' * (len(chase.leads) != 1)}, "
             f"as of {chase.as_of.strftime('%d/%m/%Y')}"]
    for entry in chase.leads:
        where = entry.email or f"NOT EMAILED: {entry.problem}"
        lines += ["", f"{entry.lead} <{where}>" if entry.email else f"{entry.lead} ({where})"]
        for item in entry.items:
            lines.append(f"  {item.action.ref[:10]:<10} {'; '.join(item.reasons)}")
        if entry.draft:
            lines.append(f"  draft: {entry.draft}")
        if entry.sent:
            lines.append(f"  {entry.sent}")
    return "\n".join(lines) + "\n"


def add_chase_sheets(wb, chase: ChaseList, config: Config, name: str = "Chase") -> None:
    """Every row to chase, sorted by lead, with mail-merge columns; and one row per lead."""
    from .sheets import Formats

    f = Formats(wb, config)
    include_progress = bool(config.raw.get("chase", {}).get("include_progress", True))
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
        listing = _listing(entry, include_progress)
        row_listing = _listing(entry, include_progress, ROW_TEXT_LIMIT)
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
