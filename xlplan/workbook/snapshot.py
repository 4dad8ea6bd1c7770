"""Weekly snapshots of the shared workbook: a copy in the history folder, named by its as-of
date. The original is only ever read (never locked, never written), so a lead can have it
open in Excel; a snapshot identical to the latest is not stored twice; a stored snapshot is
made read-only and never changed.

A week in which nobody changed anything still counts: the weekly run records it in the
folder's register of weeks (`<stem>.weeks.jsonl`), as an entry pointing at the snapshot it is
identical to, never as a second copy of the bytes. `weeks()` gives one version per week."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import ConfigError, WorkbookBusy
from ..read.guard import check_xlsx
from ..run.files import atomic_path, sweep_temporary, umask, write_text

_NAME = re.compile(r"^(?P<stem>.+)\.(?P<date>\d{4}-\d{2}-\d{2})(?:\.(?P<n>\d+))?\.xlsx$")


@dataclass(frozen=True)
class Snapshot:
    date: dt.date
    path: Path


@dataclass(frozen=True)
class SnapshotResult:
    snapshot: Snapshot
    stored: bool            # False: identical to the latest, which is returned instead
    reason: str = ""


def snapshots(folder: Path, stem: str | None = None) -> list[Snapshot]:
    """The snapshots in `folder`, oldest first (two on one day: in the order stored)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = _NAME.match(path.name)
        if m and (stem is None or m["stem"] == stem):
            found.append((dt.date.fromisoformat(m["date"]), int(m["n"] or 1), path))
    return [Snapshot(d, p) for d, _, p in sorted(found)]


def snapshot_stem(path: Path) -> str:
    """The name of the workbook a snapshot was taken of: "plan" for plan.2026-11-23.xlsx."""
    match = _NAME.match(Path(path).name)
    return match["stem"] if match else Path(path).stem


def latest_before(folder: Path, stem: str, day: dt.date) -> Snapshot | None:
    earlier = [s for s in weeks(folder, stem) if s.date < day]
    return earlier[-1] if earlier else None


def register(folder: Path, stem: str) -> Path:
    """The register of the weeks in which the workbook did not change."""
    return Path(folder) / f"{stem}.weeks.jsonl"


def _quiet_weeks(folder: Path, stem: str) -> dict[dt.date, str]:
    path = register(folder, stem)
    out: dict[dt.date, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return out
    for line in lines:
        try:
            entry = json.loads(line)
            out[dt.date.fromisoformat(entry["week"])] = str(entry["snapshot"])
        except (ValueError, KeyError, TypeError):
            continue                        # a damaged line is one week less, never a failure
    return out


def weeks(folder: Path, stem: str) -> list[Snapshot]:
    """One version per week, oldest first: each stored snapshot (the last of its day, when a
    day has several), and each quiet week recorded in the register, pointing at the snapshot
    whose content it had. Entries whose snapshot is gone are left out."""
    by_date: dict[dt.date, Path] = {}
    for s in snapshots(folder, stem):
        by_date[s.date] = s.path                       # a later snapshot of the day wins
    for day, name in _quiet_weeks(folder, stem).items():
        path = Path(folder) / Path(name).name          # a name in the folder, nothing else
        if day not in by_date and _NAME.match(path.name) and path.is_file():
            by_date[day] = path
    return [Snapshot(d, by_date[d]) for d in sorted(by_date)]


def record_week(folder: Path, stem: str, week: dt.date, snapshot: Snapshot) -> None:
    """Record that the weekly run of `week` found the workbook as it was in `snapshot`."""
    quiet = _quiet_weeks(folder, stem)
    if quiet.get(week) == snapshot.path.name:
        return
    quiet[week] = snapshot.path.name
    write_text(register(folder, stem), "".join(
        json.dumps({"week": d.isoformat(), "snapshot": quiet[d]}) + "\n" for d in sorted(quiet)))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_settled(path: Path, attempts: int = 4, pause: float = 0.5) -> bytes:
    """The workbook's bytes, read while no one is saving it. Excel saves by writing a temporary
    file, deleting the original and renaming: for a moment the file is missing, or half there.
    Read, check that the file did not change while being read and that every part of it is
    whole, and try again a few times with a growing pause."""
    last = ""
    for attempt in range(attempts):
        try:
            before = path.stat()
            data = path.read_bytes()
            after = path.stat()
            steady = before.st_mtime_ns == after.st_mtime_ns and before.st_size == after.st_size == len(data)
            if steady and _whole(data):
                return data
            last = "it was being saved" if not steady else "it was not a whole workbook (being saved?)"
        except FileNotFoundError:
            last = "it was missing (being saved?)"
        if attempt < attempts - 1:
            time.sleep(pause * (2 ** attempt))
    raise WorkbookBusy(f"could not take a snapshot of {path}: {last} on each of {attempts} tries; "
                       f"run again in a minute")


def _whole(data: bytes) -> bool:
    import io
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.testzip() is None        # every part read, every CRC checked
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
        return False


def take_snapshot(config: Config, *, workbook: Path | None = None, as_of: dt.date | None = None,
                  record: bool = False) -> SnapshotResult:
    """Store a copy of the workbook as of `as_of`, unless it is identical to the latest. With
    `record` (the weekly run), an identical workbook is recorded as this week's version."""
    source = Path(workbook or config.workbook)
    as_of = as_of or dt.date.today()
    folder = config.folders["history"]
    check_xlsx(source, config.max_unpacked_bytes)       # what it is, and no bomb, before reading it all
    data = read_settled(source)
    stem = source.stem
    existing = snapshots(folder, stem)
    if existing and existing[-1].path.read_bytes() == data:
        if record and existing[-1].date < as_of:
            record_week(folder, stem, as_of, existing[-1])
        return SnapshotResult(existing[-1], False, f"identical to {existing[-1].path.name}")
    same_day = [s for s in existing if s.date == as_of]
    name = f"{stem}.{as_of.isoformat()}.xlsx" if not same_day else f"{stem}.{as_of.isoformat()}.{len(same_day) + 1}.xlsx"
    target = folder / name
    sweep_temporary(folder)
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)                           # read_settled checked every part of it
    target.chmod(0o444 & ~umask())                     # read-only, to those the umask lets read
    return SnapshotResult(Snapshot(as_of, target), True)


def snapshot_job(config: Config, *, workbook: Path | None = None, as_of: dt.date | None = None) -> SnapshotResult:
    """`xlplan snapshot`: a snapshot taken by hand, once it can start (`check_can_start`),
    under the run lock, never beside a weekly run (which sweeps temporary files)."""
    from ..run.scheduler import run_lock

    check_can_start(config, workbook)
    with run_lock(config):
        return take_snapshot(config, workbook=workbook, as_of=as_of)


def check_can_start(config: Config, workbook: Path | None = None, *, only_without_config: bool = False) -> None:
    """A weekly run, the scheduler or a snapshot that cannot start writes nothing (no log, no
    run lock): the workbook it copies must be there, and with no config file found, the user
    is told that, where xlplan looked, and what to do. `only_without_config`: check only
    that last case (the scheduler, whose workbook may be on a share not there yet)."""
    from ..config import DEFAULT_LOCATION, searched_folders

    path = Path(workbook) if workbook is not None else config.workbook
    if path.is_file() or (path.exists() and not path.is_dir()):
        return
    if workbook is None and config.source is None and not path.exists():
        folders = [str(f) for f in searched_folders(config.root)]
        where = folders[0] if len(folders) == 1 else f"{', '.join(folders[:-1])} and {folders[-1]}"
        raise ConfigError(f"no config file found (looked for {DEFAULT_LOCATION} in {where}) and the built-in "
                          f"default workbook {path} does not exist; run xlplan from the project folder, "
                          f"create {DEFAULT_LOCATION} there with [workbook] path naming the shared workbook, "
                          f"or pass --config PATH")
    if not only_without_config:
        check_xlsx(path, config.max_unpacked_bytes)          # says it does not exist, or is a folder
