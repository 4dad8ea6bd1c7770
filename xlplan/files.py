"""Writing files without ever leaving half of one behind, and never over a workbook that
someone has open."""

from __future__ import annotations

import contextlib
import os
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


def refuse_if_open(path: Path) -> None:
    lock = lock_file(path)
    if lock is not None:
        raise XlplanError(f"{path} is open in a spreadsheet program (lock file {lock.name}); "
                          f"ask whoever has it open to save and close it, then run xlplan again")


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
