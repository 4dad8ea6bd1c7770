"""The scheduler, with time driven by the tests: no sleeping."""

import datetime as dt
import logging
import os
import signal

import pytest

from xlplan.cli import main
from xlplan.config import load_config
from xlplan.errors import XlplanError
from xlplan.run.files import held_lock
from xlplan.run.scheduler import Scheduler, last_run, latest_slot, record_run, run_lock

MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0)


@pytest.fixture
def config(tmp_path):
    (tmp_path / "c.toml").write_text('[schedule]\nday = "monday"\ntime = "07:00"\n')
    return load_config(tmp_path / "c.toml")


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def test_latest_slot():
    assert latest_slot(MONDAY_9AM, 0, dt.time(7)) == dt.datetime(2026, 11, 23, 7)
    assert latest_slot(dt.datetime(2026, 11, 23, 6, 59), 0, dt.time(7)) == dt.datetime(2026, 11, 16, 7)
    assert latest_slot(dt.datetime(2026, 11, 26, 12), 0, dt.time(7)) == dt.datetime(2026, 11, 23, 7)


def test_a_missed_run_is_caught_up_once(config):
    runs = []
    clock = Clock(MONDAY_9AM)
    record_run(config, dt.date(2026, 11, 9))                 # the machine was off on 16 November
    scheduler = Scheduler(config, runs.append, now=clock)
    assert scheduler.catch_up() is True
    assert runs == [dt.date(2026, 11, 23)] and last_run(config) == dt.date(2026, 11, 23)
    assert scheduler.catch_up() is False                     # once
    clock.now = dt.datetime(2026, 11, 27, 9)                 # later that week: still done
    assert scheduler.catch_up() is False and len(runs) == 1
    clock.now = dt.datetime(2026, 11, 30, 7, 1)              # next Monday: due again
    assert scheduler.due()


def test_not_due_before_the_time(config):
    record_run(config, dt.date(2026, 11, 16))
    assert not Scheduler(config, lambda d: None, now=Clock(dt.datetime(2026, 11, 23, 6, 0))).due()


def test_the_job_runs_at_the_configured_time(config):
    runs = []
    scheduler = Scheduler(config, runs.append, now=Clock(MONDAY_9AM))
    assert scheduler.job.start_day == "monday" and scheduler.job.at_time == dt.time(7, 0)
    scheduler.job.next_run = dt.datetime.now() - dt.timedelta(seconds=1)   # schedule's own job API
    scheduler.jobs.run_pending()
    assert runs == [dt.date(2026, 11, 23)]
    assert scheduler.job.next_run > dt.datetime.now()                      # and again next week


def test_a_failing_run_is_logged_and_the_scheduler_goes_on(config, caplog):
    calls = []

    def run(as_of):
        calls.append(as_of)
        if len(calls) == 1:
            raise RuntimeError("the share is offline")

    scheduler = Scheduler(config, run, now=Clock(MONDAY_9AM))
    with caplog.at_level(logging.ERROR, logger="xlplan"):
        assert scheduler.run_once() is False
    assert "the share is offline" in caplog.text
    assert last_run(config) is None                          # a failed run is not recorded as done
    assert scheduler.run_once() is True and len(calls) == 2


def test_runs_never_overlap(config, caplog):
    runs = []
    scheduler = Scheduler(config, runs.append, now=Clock(MONDAY_9AM))
    with run_lock(config):                                   # a manual `xlplan weekly` is running
        with caplog.at_level(logging.ERROR, logger="xlplan"):
            assert scheduler.run_once() is False
    assert runs == [] and "already running" in caplog.text


def test_a_second_scheduler_is_refused(config):
    scheduler = Scheduler(config, lambda d: None, now=Clock(MONDAY_9AM))
    with held_lock(config.folders["reports"] / ".scheduler.lock", "xlplan schedule for this config"):
        with pytest.raises(XlplanError, match="already running"):
            scheduler.forever(sleep=lambda s: None)


def test_forever_catches_up_then_stops_on_sigterm(config):
    runs, naps, handlers = [], [], []
    scheduler = Scheduler(config, runs.append, now=Clock(MONDAY_9AM))

    def sleep(seconds):
        naps.append(seconds)
        handlers.append(signal.getsignal(signal.SIGTERM))
        if len(naps) == 3:
            os.kill(os.getpid(), signal.SIGTERM)             # as systemd stops a service

    def theirs(signum, frame):                               # whatever handler was there before
        raise AssertionError("the scheduler's own handler should have had SIGTERM")

    before = signal.signal(signal.SIGTERM, theirs)
    try:
        scheduler.forever(sleep=sleep)
        after = signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, before)
    assert runs == [dt.date(2026, 11, 23)]                   # caught up at start, once
    assert len(naps) == 3 and all(0.5 <= n <= 5 for n in naps)
    # A bound method is a new object on each access: compare with ==, never `is`.
    assert handlers == [scheduler.stop] * 3                  # its handler, while it ran
    assert after is theirs                                   # and the one before it, put back


def test_ctrl_c_ends_it_cleanly(config):
    scheduler = Scheduler(config, lambda d: None, now=Clock(MONDAY_9AM))

    def sleep(seconds):
        raise KeyboardInterrupt

    scheduler.forever(sleep=sleep)                            # returns, no traceback
    with held_lock(config.folders["reports"] / ".scheduler.lock", "check"):
        pass                                                  # and the lock was released


@pytest.mark.parametrize("text, words", [('day = "funday"', "[schedule] day"), ('time = "7am"', "[schedule] time")])
def test_bad_schedule_is_a_config_error(tmp_path, capsys, text, words):
    (tmp_path / "c.toml").write_text(f"[schedule]\n{text}\n")
    assert main(["schedule", "--once", "--config", str(tmp_path / "c.toml")]) == 2
    assert words in capsys.readouterr().err


def test_once_when_not_due(tmp_path, capsys):
    (tmp_path / "c.toml").write_text("[schedule]\nday = \"monday\"\n")
    config = load_config(tmp_path / "c.toml")
    record_run(config, dt.date.today())
    assert main(["schedule", "--once", "--config", str(tmp_path / "c.toml")]) == 0
    assert "not due" in capsys.readouterr().out
