"""Writing files without ever leaving half of one behind, and never over a workbook that
someone has open."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from pathlib import Path

from .errors import XlplanError


def lock_file(path: Path) -> Path | None:
    """Excel (and LibreOffice, in Excel-compatible mode) writes `~$name.xlsx` beside a workbook
    while it is open; LibreOffice also writes `.~lock.name.xlsx#`."""
    for candidate in (path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")):
        if candidate.exists():
            return candidate
    return None


def lock_owner(lock: Path) -> str:
    """Who holds the lock. Excel's owner file starts with the length of the user's name and
    the name; LibreOffice's .~lock file is a line of comma-separated fields, the name first."""
    try:
        data = lock.read_bytes()[:512]
    except OSError:
        return "someone"
    if lock.name.startswith(".~lock."):
        name = data.decode("utf-8", "replace").split(",")[0]
    else:
        n = data[0] if data else 0
        name = data[1:1 + n].decode("cp1252", "replace")
        if len(data) > 56 and data[54] and not name.strip():
            name = data[55:55 + 2 * data[54]].decode("utf-16-le", "replace")
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()[:60]
    return name or "someone"


def refuse_if_open(path: Path, stale_hours: float = 12) -> str:
    """Raise if the workbook is open in a spreadsheet program, saying who has it open and
    since when. A lock file older than `stale_hours` was left behind by a crash: return a
    warning and let the caller go on."""
    lock = lock_file(path)
    if lock is None:
        return ""
    try:
        since = dt.datetime.fromtimestamp(lock.stat().st_mtime)
    except OSError:
        return ""
    owner = lock_owner(lock)
    age = dt.datetime.now() - since
    if age > dt.timedelta(hours=stale_hours):
        return (f"{lock.name} says {owner} opened {path.name} on {since:%d/%m/%Y at %H:%M}, {age.days} days and "
                f"{age.seconds // 3600} hours ago; treating it as left behind by a crash")
    raise XlplanError(f"{path} is open in a spreadsheet program by {owner} since {since:%d/%m/%Y %H:%M} "
                      f"(lock file {lock.name}); ask them to save and close it, then run xlplan again")


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside `path`; on success it replaces `path` in one step, on
    failure it is removed and `path` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The real suffix last: openpyxl (and people) judge a file by it.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def sweep_temporary(folder: Path) -> list[Path]:
    """Remove what a killed run left behind: xlplan's temporary files (".name.XXXX.tmp.xlsx")
    and folders (".2026-11-23-XXXX"). Call it only while holding the run lock, so no other
    run's files are taken."""
    removed = []
    if not Path(folder).is_dir():
        return removed
    for path in Path(folder).iterdir():
        temporary_file = path.name.startswith(".") and ".tmp" in path.name and path.is_file()
        temporary_dir = path.is_dir() and re.match(r"^\.\d{4}-\d{2}-\d{2}-", path.name)
        if temporary_file or temporary_dir:
            if temporary_dir:
                import shutil

                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


@contextlib.contextmanager
def held_lock(path: Path, what: str):
    """An exclusive lock on `path` for as long as the block runs, released even if the process
    dies (the operating system drops it). Raises XlplanError at once if someone holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        try:
            if os.name == "nt":
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise XlplanError(f"{what} is already running (lock {path}); wait for it to finish") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()
