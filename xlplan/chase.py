"""Who must update what: for each lead, the open actions that need their attention and why;
a mail-merge sheet; one email draft per lead; and delivery over SMTP that never sends the same
lead the same chase twice.

Safeguarding plans name children's services cases: a lead's email holds only that lead's
actions, progress text can be left out by config, and a lead's name or address that could
smuggle a mail header (a line break, an extra address) is refused and reported, never written."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .action import NO_LEAD, Action
from .config import Config
from .dates import as_day
from .errors import ConfigError, DeliveryFailed
from .findings import Validation
from .leads import EMAIL, Directory
from .plan import Plan, config_for
from .status import MARKED, NO_RATING, NO_UPDATE, WeekStatus, week_status

if TYPE_CHECKING:
    from .mail.send import Delivery

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
class ChaseResult:
    """`xlplan chase`: the chase list, the notes about the week it was read from, the drafts
    written (lead -> file; a draft left as it was counts) and what sending did."""

    chase: ChaseList
    notes: list[str] = field(default_factory=list)
    drafts: dict[str, Path] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)   # mail.send.Delivery

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
    from .findings import validate_plan
    from .mail.drafts import check_sender, write_drafts
    from .mail.send import send as deliver
    from .plan import read_plan
    from .status import read_week

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
        deliveries = deliver(chase, config, smtp=smtp, sender=sender, outbox=outbox or config.folders["outbox"])
    return ChaseResult(chase, week.notes, drafts, deliveries)


def chase_list(plan: Plan, config: Config | None = None, *, validation: Validation | None = None,
               as_of: dt.date | None = None, previous: Plan | None = None, status: WeekStatus | None = None,
               directory: Directory | None = None, comparison=None) -> ChaseList:
    """For each lead, the open actions that need them and why, read from the week's status
    (status.read_week; worked out here from `previous` alone when it is not given). An action
    with a joint lead ("HSCB Chair / Business Manager") is listed for each person named, when
    the leads directory knows each of them."""
    config = config_for(plan, config=config)
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
            key = person.casefold() or NO_LEAD
            entry = by_lead.setdefault(key, LeadChase(person or NO_LEAD))
            entry.items.append(ChaseItem(action, tuple(reasons)))

    for s in status.actions:
        a = s.action
        if s.complete:
            continue
        reasons = []
        if "progress" in plan.columns and not a.progress.strip():
            reasons.append("no progress statement")
        if s.no_data == NO_UPDATE:                    # its note says how long without an update
            # (how often it was chased is for the board; the lead has the emails)
            why = s.note.removeprefix("No data: ").replace(f", {s.chased_text}", "")
            reasons.append(f"the board is told No data for it ({why})")
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
        entry.email, entry.problem = lead_address(entry.lead, directory)
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


def lead_address(lead: str, directory: Directory | None) -> tuple[str, str]:
    if re.search(r"[\r\n\x00-\x1f\x7f]", lead):
        return "", "refused: the lead's name has a line break or control character (a header trick?)"
    if lead == NO_LEAD:
        return "", "no lead is named for these actions"
    found = directory.find(lead) if directory else None
    if found is None or not found.email:
        return "", "no email address in the leads directory: add the lead and their email to the Leads sheet"
    if not EMAIL.match(found.email):
        return "", f"refused: {found.email!r} is not a plain email address"
    return found.email, ""


# -- drafts -----------------------------------------------------------------------------------


# -- sending ----------------------------------------------------------------------------------




# -- rendering ----------------------------------------------------------------------------------
