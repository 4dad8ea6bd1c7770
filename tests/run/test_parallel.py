import os
import time

import pytest

from xlplan.errors import WorkbookError
from xlplan.run.parallel import can_fork, start

needs_fork = pytest.mark.skipif(not can_fork(), reason="the system cannot fork")


def _pid_and(value):
    return os.getpid(), value


def _fail(exc):
    raise exc


@needs_fork
def test_the_work_runs_in_another_process_and_its_result_comes_back():
    with start(_pid_and, {"a": [1, 2]}) as work:
        pid, value = work.result()
    assert pid != os.getpid() and value == {"a": [1, 2]}


def test_without_parallel_the_work_runs_here():
    pid, value = start(_pid_and, "x", parallel=False).result()
    assert pid == os.getpid() and value == "x"


@pytest.mark.parametrize("parallel", [True, False])
@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), WorkbookError("sheet 'Plan' is empty")])
def test_an_error_in_the_work_is_raised_again_the_same(parallel, exc):
    work = start(_fail, exc, parallel=parallel)
    with pytest.raises(type(exc)) as raised:
        work.result()
    assert str(raised.value) == str(exc)
    if isinstance(exc, OSError):
        assert raised.value.errno == 28


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("no")


@needs_fork
def test_an_error_that_cannot_travel_comes_back_in_words():
    with pytest.raises(RuntimeError, match="Unpicklable: lost words"):
        start(_fail, Unpicklable("lost words")).result()


@needs_fork
def test_work_never_asked_for_is_stopped():
    started = time.monotonic()
    with start(time.sleep, 60) as work:
        pid = work._pid
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)                 # gone and reaped: no zombie left


def test_without_parallel_ctrl_c_is_not_held_back():
    with pytest.raises(KeyboardInterrupt):
        start(_fail, KeyboardInterrupt(), parallel=False)
