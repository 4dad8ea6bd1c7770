"""Work beside the main process, on a second processor core: the weekly run of a large plan
reads last week's version while it reads this week's, and writes the chase drafts while it
writes the report.

Only where the operating system can fork (Linux, macOS): the child starts as a copy of this
process, so nothing is sent to it; what it returns comes back pickled through a pipe (a
trusted channel: our own child, never a file). An exception in the child is raised again here,
the same exception with the same message. Elsewhere (Windows), or with `parallel=False`, the
work runs at once, in this process, and `result()` hands it back."""

from __future__ import annotations

import os
import pickle
import sys
from typing import Any, Callable


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


class Pending:
    """Work started by `start`; `result()` waits for it."""

    def __init__(self, fn: Callable, args: tuple, parallel: bool):
        self._pid = None
        self._done: tuple[bool, Any] | None = None
        if not (parallel and can_fork()):
            try:
                self._done = (True, fn(*args))
            except Exception as exc:            # raised when the result is asked for, as from a child
                self._done = (False, exc)       # (Ctrl-C and exits are not held back)
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:                             # the child: do the work, send it back, leave at once
            os.close(read)
            status = 0
            try:
                try:
                    payload = (True, fn(*args))
                except BaseException as exc:
                    payload = (False, exc)
                try:
                    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:                # an exception that cannot be pickled: its words
                    data = pickle.dumps((False, RuntimeError(f"{type(payload[1]).__name__}: {payload[1]}")))
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
            except BaseException:
                status = 1
            finally:
                os._exit(status)                 # no atexit handlers, no parent's cleanup
        os.close(write)
        self._pid, self._pipe = pid, os.fdopen(read, "rb")

    def __enter__(self) -> "Pending":
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()

    def cancel(self) -> None:
        """Stop the child if its result was never asked for (the caller failed first)."""
        if self._done is None and self._pid is not None:
            import signal

            os.kill(self._pid, signal.SIGKILL)
            self._pipe.close()
            os.waitpid(self._pid, 0)
            self._done = (False, RuntimeError("cancelled"))

    def result(self):
        if self._done is None:
            with self._pipe:
                data = self._pipe.read()         # read all before waiting: a full pipe would block the child
            _, status = os.waitpid(self._pid, 0)
            if not data:
                code = os.waitstatus_to_exitcode(status)
                self._done = (False, RuntimeError(f"a helper process ended without a result (exit {code})"))
            else:
                self._done = pickle.loads(data)
        ok, value = self._done
        if not ok:
            raise value
        return value


def start(fn: Callable, *args, parallel: bool = True) -> Pending:
    """fn(*args) on the other core (a forked child) when `parallel` and the system can fork."""
    return Pending(fn, args, parallel)
