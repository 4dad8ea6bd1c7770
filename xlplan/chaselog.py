"""The record of who was chased for what, and when: the evidence behind "despite chasing".

A board is told an action is "No data" because its lead missed updates only when the lead
was chased in that time (issue 13). "Chased" means a draft was written, or a message sent,
for that action in an earlier run. Each run that writes drafts leaves a small record beside
them, in the outbox's date folder (`.chased.<plan>.json`, one per plan), and the sent log
(`sent-log.jsonl`) names the refs of every message sent. Reading them back gives, for each
ref, the dates on which it was chased."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from .files import write_text

SENT_LOG = "sent-log.jsonl"
_DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def plan_key(plan: str | Path) -> str:
    """The plan a record belongs to: its resolved path (a copy elsewhere is another plan)."""
    try:
        return str(Path(plan).resolve())
    except OSError:
        return str(plan)


def _record_name(plan: str | Path) -> str:
    key = plan_key(plan)
    stem = re.sub(r"[^A-Za-z0-9]+", "-", Path(key).stem).strip("-")[:40] or "plan"
    return f".chased.{stem}.{hashlib.sha256(key.encode()).hexdigest()[:10]}.json"


def record_chased(chase, outbox: Path) -> Path | None:
    """Record the refs of every lead whose draft was written (or message sent) this run, in
    OUTBOX/<as-of>/. Re-running the same date replaces the record whole."""
    leads = [{"lead": entry.lead, "refs": entry.refs,
              "draft": Path(entry.draft).name if entry.draft else None}
             for entry in chase.leads if entry.draft or entry.sent == "sent"]
    if not leads:
        return None
    path = Path(outbox) / chase.as_of.isoformat() / _record_name(chase.plan)
    write_text(path, json.dumps({"plan": plan_key(chase.plan), "as_of": chase.as_of.isoformat(),
                                 "leads": leads}, ensure_ascii=False, indent=1) + "\n")
    return path


def chased_before(outbox: Path, plan: str | Path, day: dt.date) -> dict[str, list[dt.date]]:
    """ref -> the dates (before `day`) of the runs that chased it, oldest first."""
    outbox = Path(outbox)
    found: dict[str, set[dt.date]] = {}
    if not outbox.is_dir():
        return {}
    name = _record_name(plan)
    key = plan_key(plan)
    for folder in outbox.iterdir():
        if not _DATE_FOLDER.match(folder.name):
            continue
        try:
            when = dt.date.fromisoformat(folder.name)
        except ValueError:
            continue
        if when >= day:
            continue
        try:
            record = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue                                      # no record: nothing chased that day
        if not isinstance(record, dict) or record.get("plan") != key:
            continue
        for lead in record.get("leads", []):
            for ref in lead.get("refs", []) if isinstance(lead, dict) else []:
                found.setdefault(str(ref), set()).add(when)
    for line in _lines(outbox / SENT_LOG):
        try:
            entry = json.loads(line)
            when = dt.date.fromisoformat(entry["as_of"])
            refs = entry.get("refs") or []
            same_plan = entry.get("plan_path", key) == key and entry.get("plan") == Path(key).name
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if same_plan and when < day:
            for ref in refs:
                found.setdefault(str(ref), set()).add(when)
    return {ref: sorted(dates) for ref, dates in found.items()}


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
