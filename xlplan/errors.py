"""xlplan's exceptions, one class for each kind of thing that can stop it. Each carries the
exit code the CLI returns (`cli.main` maps them, in one place) and a message that is one plain
sentence naming the file (and sheet, row, column) and what to do about it.

    XlplanError            2  something xlplan cannot do (the base of all below)
      InputError           2  an input is unusable
        WorkbookError      2  a workbook or other source cannot be read as a plan
        Busy               2  something xlplan needs is in use
          WorkbookBusy     2  the workbook is open in a spreadsheet program, or being saved
      ConfigError          2  the config is missing, unreadable or wrong
      OutputError          2  an output cannot be written
      DeliveryFailed       1  a chase email could not be delivered
      RunFailed            1  the weekly run could not finish

Anything else that escapes is a bug: exit 70 (sysexits' EX_SOFTWARE), so a scheduler can
tell a bug from a bad file."""

from __future__ import annotations

from pathlib import Path


class XlplanError(Exception):
    """Something xlplan cannot do; the message is shown to the user as it is."""

    exit_code = 2


class InputError(XlplanError):
    """An input is unusable: a file or folder given, an option's value, a ref the plan lacks."""


class WorkbookError(InputError):
    """The workbook (or other source) cannot be read as a plan."""


class Busy(InputError):
    """Something xlplan needs is in use (another run holds its lock): try again when it is free."""


class WorkbookBusy(Busy):
    """The workbook is open in a spreadsheet program, or being saved: xlplan will not write it now."""


class ConfigError(XlplanError):
    """The config file is missing, unreadable or has a bad key, or a setting it must give is not set."""


class OutputError(XlplanError):
    """An output cannot be written (a full disk, a read-only file or folder, a file in the way)."""

    path = None          # the file xlplan was writing, when known
    os_error = None      # what the system said, when it said something

    @classmethod
    def writing(cls, path, error: OSError) -> "OutputError":
        """The error for `error` met while writing `path`: whatever was there is as it was."""
        folder = error.filename and Path(error.filename) in Path(path).parents      # a folder in the way, read-only
        exc = cls(f"could not write {path} ({reason(error)}{f': {error.filename}' if folder else ''}); "
                  f"files already written are whole, the rest were not written")
        exc.path, exc.os_error = path, error
        return exc

    @classmethod
    def unfinished(cls, error: OSError) -> "OutputError":
        """The error for `error` met while writing, where xlplan did not know which file."""
        where = f": {error.filename}" if error.filename else ""
        exc = cls(f"could not finish ({error.strerror or error}{where}); files already written are whole, "
                  f"the rest were not written")
        exc.os_error = error
        return exc


class DeliveryFailed(XlplanError):
    """A chase email could not be delivered; the others went, and a re-run sends only those."""

    exit_code = 1


class RunFailed(XlplanError):
    """The weekly run could not finish its work; nothing half-written was left behind."""

    exit_code = 1


def reason(error: OSError) -> str:
    """What the system said, in its words ("No space left on device")."""
    return error.strerror or str(error)


def os_error_behind(exc: BaseException) -> OSError | None:
    """The operating system's error behind `exc`: itself, or the one xlsxwriter wraps in its
    FileCreateError when it cannot write (a full disk, a read-only folder)."""
    if isinstance(exc, OSError):
        return exc
    if type(exc).__name__ == "FileCreateError" and type(exc).__module__.startswith("xlsxwriter"):
        inner = exc.args[0] if exc.args else exc.__context__
        return inner if isinstance(inner, OSError) else None
    return None


_CONTROL = {i: f"\\x{i:02x}" for i in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROL.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029",
                 0x202E: "\\u202e", 0x202D: "\\u202d", 0x200E: "\\u200e", 0x200F: "\\u200f"})


def printable(text: object) -> str:
    """`text` (a part name, a sheet name, anything read from a file) safe to print in a message:
    control characters (newlines, escape sequences, bidirectional overrides) written as \\n,
    \\x1b and so on, so a file cannot break a message into lines or forge one."""
    return str(text).translate(_CONTROL)
