"""Delivering the chase drafts over SMTP, and the sent log that makes sure no lead gets the
same chase twice, however often the command runs. Each message's outcome is a Delivery;
one that could not go does not stop the others."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import smtplib
from dataclasses import dataclass
from pathlib import Path

from ..chase import ChaseList, LeadChase
from ..chaselog import SENT_LOG, plan_key
from ..config import Config
from ..errors import ConfigError
from .drafts import check_sender, message


@dataclass(frozen=True)
class Delivery:
    """What sending did for one lead: "sent", "already sent <when>" or "failed: <why>"."""

    lead: str
    email: str
    outcome: str

    @property
    def failed(self) -> bool:
        return self.outcome.startswith("failed")


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
