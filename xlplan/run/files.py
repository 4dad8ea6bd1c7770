"""Writing files without ever leaving half of one behind, and never over a workbook that
someone has open."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from ..errors import Busy, OutputError, WorkbookBusy, os_error_behind


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
    raise WorkbookBusy(f"{path} is open in a spreadsheet program by {owner} since {since:%d/%m/%Y %H:%M} "
                       f"(lock file {lock.name}); ask them to save and close it, then run xlplan again")


def umask() -> int:
    """The process umask, read without changing it where the system says it
    (/proc/self/status on Linux); elsewhere set and put straight back."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def follow_umask(path: Path) -> None:
    """Give a file or folder made by tempfile (0600 or 0700 whatever the umask) the
    permissions any new file or folder gets: 0666 or 0777 less the umask."""
    path = Path(path)
    path.chmod((0o777 if path.is_dir() else 0o666) & ~umask())


def keep_access(original: Path, path: Path) -> None:
    """Give `path` the permissions of `original` and, where allowed, its group, so a file
    replaced or backed up stays open to the same people."""
    st = os.stat(original)
    if hasattr(os, "chown") and os.stat(path).st_gid != st.st_gid:
        try:
            os.chown(path, -1, st.st_gid)          # before chmod: a chown may clear setgid
        except OSError:
            pass                                   # not a member of that group: the mode still holds
    os.chmod(path, stat.S_IMODE(st.st_mode))


def make_temp_folder(prefix: str, dir: Path) -> Path:
    """A new folder with a unique name in `dir`, with the umask's permissions."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=dir))
    follow_umask(folder)
    return folder


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside `path`; on success it replaces `path` in one step, on
    failure it is removed and `path` is left as it was. The result keeps the permissions and
    group of the file it replaces; a new file gets the umask's permissions. The system's
    refusal to write (a full disk, a read-only folder) is raised as an OutputError."""
    path = Path(path)
    tmp_path = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The real suffix last: openpyxl (and people) judge a file by it.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp" + path.suffix, dir=path.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        yield tmp_path
        try:
            if path.exists():
                keep_access(path, tmp_path)
            else:
                follow_umask(tmp_path)
        except OSError:
            pass                    # a share without Unix permissions refuses chmod: write all the same
        os.replace(tmp_path, path)
    except Exception as exc:
        system = os_error_behind(exc)
        if system is None:
            raise
        raise OutputError.writing(path, system) from exc
    finally:
        if tmp_path is not None and tmp_path.exists():
            tmp_path.unlink()


# What tempfile names xlplan's temporary files and folders: a dot, the name, eight characters
# from tempfile's alphabet; files end in ".tmp" and the real suffix, folders are a date.
TEMPORARY_FILE = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp(\.[^.]+)?")
TEMPORARY_FOLDER = re.compile(r"\.\d{4}-\d{2}-\d{2}-[a-z0-9_]{8}")
REPLACED_FOLDER = re.compile(r"\.(\d{4}-\d{2}-\d{2})\.old")
DATE_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")


def sweep_temporary(folder: Path) -> list[Path]:
    """Remove what a killed run left behind: xlplan's temporary files (".name.XXXX.tmp.xlsx")
    and folders (".2026-11-23-XXXX"), and a report folder set aside for its replacement
    (".2026-11-23.old"), which is put back if the replacement never arrived. Call it only
    while holding the run lock, so no other run's files are taken."""
    removed = []
    if not Path(folder).is_dir():
        return removed
    for path in Path(folder).iterdir():
        if path.is_symlink():
            continue
        temporary_file = TEMPORARY_FILE.fullmatch(path.name) and path.is_file()
        temporary_dir = TEMPORARY_FOLDER.fullmatch(path.name) and path.is_dir()
        replaced = REPLACED_FOLDER.fullmatch(path.name) if path.is_dir() else None
        if replaced and not path.with_name(replaced.group(1)).exists():
            path.rename(path.with_name(replaced.group(1)))     # killed between the two renames
        elif temporary_dir or replaced:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        elif temporary_file:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def sweep_run_folders(reports: Path, history: Path, outbox: Path) -> list[Path]:
    """Sweep every folder a weekly run writes to: the reports and history folders, the outbox
    and each dated folder of drafts in it (a run killed while writing one week's drafts leaves
    its temporary draft there, and later weeks write elsewhere)."""
    folders = [Path(reports), Path(history), Path(outbox)]
    if Path(outbox).is_dir():
        folders += sorted(p for p in Path(outbox).iterdir()
                          if DATE_FOLDER.fullmatch(p.name) and p.is_dir() and not p.is_symlink())
    return [path for folder in folders for path in sweep_temporary(folder)]


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


@contextlib.contextmanager
def held_lock(path: Path, what: str):
    """An exclusive lock on `path` for as long as the block runs, released even if the process
    dies (the operating system drops it). Raises Busy at once if someone holds it."""
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
            raise Busy(f"{what} is already running (lock {path}); wait for it to finish") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()
