"""Who was chased for what, and when: the evidence behind "despite chasing".

A board is told an action is "No data" because its lead missed updates only when the lead
was chased in that time (issue 13). "Chased" means a draft was written, or a message sent,
for that action in an earlier run. The outbox says so: each date folder's `.drafts.json`
lists the drafts xlplan wrote there, with each draft's plan and refs (chase.write_drafts),
and the sent log (`sent-log.jsonl`) names the plan and refs of every message sent. Reading
them back gives, for each ref, the dates on which it was chased."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

SENT_LOG = "sent-log.jsonl"
DRAFTS_MANIFEST = ".drafts.json"
_DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def plan_key(plan: str | Path) -> str:
    """The plan a record belongs to: its resolved path (a copy elsewhere is another plan)."""
    try:
        return str(Path(plan).resolve())
    except OSError:
        return str(plan)


Chased = dict[str, list[dt.date]]


def chased_before(outbox: Path, plan: str | Path, day: dt.date) -> tuple[Chased, Chased]:
    """For each ref, the dates (before `day`) of the runs that chased it, oldest first; and
    of those, the dates on which xlplan sent the message (the rest were drafts, which the
    business manager sends)."""
    outbox = Path(outbox)
    found: dict[str, set[dt.date]] = {}
    sent: dict[str, set[dt.date]] = {}
    if not outbox.is_dir():
        return {}, {}
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
            drafts = json.loads((folder / DRAFTS_MANIFEST).read_text(encoding="utf-8")).get("drafts", {})
        except (OSError, ValueError, AttributeError):
            continue                                      # no drafts written that day
        for name, record in (drafts.items() if isinstance(drafts, dict) else ()):
            if not isinstance(record, dict) or record.get("plan") != key:
                continue
            if not (isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9-]+\.eml", name) and (folder / name).is_file()):
                continue                                  # listed, but never written (a run stopped half-way)
            for ref in record.get("refs") or []:
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
                sent.setdefault(str(ref), set()).add(when)
    ordered = lambda table: {ref: sorted(dates) for ref, dates in table.items()}
    return ordered(found), ordered(sent)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
