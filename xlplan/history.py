"""What is kept of each weekly version of the plan: for every action, its rating, progress,
dates, lead and wording (an Entry), enough to tell when it was last updated (status.py
walks the versions week by week).

Parsing a workbook is the slow part, so what history needs of each snapshot is cached beside
the snapshots, keyed by the file's content (and the config and xlplan version that read it):
a year of weekly snapshots is read once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .config import Config
from .plan import read_plan
from .workbook.snapshot import Snapshot

CACHE = ".cache"


@dataclass(frozen=True)
class Entry:
    """What history keeps of an action in one version."""

    rag: str | None
    progress: str
    updated: dt.date | None
    due: dt.date | None
    lead: str
    action: str


@dataclass(frozen=True)
class Version:
    date: dt.date
    path: Path
    actions: dict[str, Entry]


def _fingerprint(config: Config) -> str:
    text = config.fingerprint() + __version__
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cache_path(snapshot: Snapshot, config: Config) -> Path:
    key = f"{hashlib.sha256(snapshot.path.read_bytes()).hexdigest()}-{_fingerprint(config)}"
    return snapshot.path.parent / CACHE / f"{key}.json"


def entries(plan) -> dict[str, Entry]:
    """What history keeps of each action of a plan, by ref (a ref used twice: the first)."""
    actions = {}
    for a in plan.actions:
        if a.ref and a.ref not in actions:
            actions[a.ref] = Entry(a.rag, a.progress, a.updated, a.due, a.lead, a.action)
    return actions


def version_from_plan(snapshot: Snapshot, plan, config: Config, *, store: bool = True) -> Version:
    """The version of a snapshot already read as a plan (so it is not parsed again); cached
    now, or later by `store_version`."""
    version = Version(snapshot.date, snapshot.path, entries(plan))
    if store:
        store_version(version, config)
    return version


def store_version(version: Version, config: Config) -> None:
    """Cache a version for the runs of the weeks to come (once: the key is the content)."""
    cache = _cache_path(Snapshot(version.date, version.path), config)
    if not cache.is_file():
        _store(cache, version.actions)


def _store(cache: Path, actions: dict[str, Entry]) -> None:
    try:
        cache.parent.mkdir(exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as f:           # an action at a time: 100,000 are 60 MB
            f.write("{")
            for i, (ref, entry) in enumerate(actions.items()):
                f.write(f'{", " if i else ""}{json.dumps(ref)}: {json.dumps(_raw(entry))}')
            f.write("}")
        tmp.replace(cache)
    except OSError:
        pass                                        # no cache is slower, not wrong


def load_version(snapshot: Snapshot, config: Config) -> Version:
    cache = _cache_path(snapshot, config)
    if cache.is_file():
        try:
            raw = json.loads(cache.read_text(encoding="utf-8"))
            return Version(snapshot.date, snapshot.path, {ref: _entry(e) for ref, e in raw.items()})
        except (ValueError, KeyError, TypeError):
            pass                                    # a damaged cache entry is read again
    version = version_from_plan(snapshot, read_plan(snapshot.path, config), config, store=False)
    _store(cache, version.actions)
    return version


def _raw(e: Entry) -> dict:
    return {"rag": e.rag, "progress": e.progress, "updated": e.updated.isoformat() if e.updated else None,
            "due": e.due.isoformat() if e.due else None, "lead": e.lead, "action": e.action}


def _entry(raw: dict) -> Entry:
    day = lambda v: dt.date.fromisoformat(v) if v else None
    return Entry(raw["rag"], raw["progress"], day(raw["updated"]), day(raw["due"]), raw["lead"], raw["action"])
