"""Running `weekly` on the configured day and time, in the foreground, until stopped.

Timing comes from the `schedule` package. Around it: a lock that stops a second scheduler on
the same config, a run lock that stops two weekly runs overlapping (a manual `xlplan weekly`
takes it too), a failing run logged while the scheduler keeps going, a run missed while the
machine was off caught up once at start, and Ctrl-C or SIGTERM ending it between runs. The
clock is injected, so tests drive time without sleeping."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import time
from typing import Callable

from ..config import Config
from .files import held_lock, write_text

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LAST_RUN = ".last-weekly-run"
log = logging.getLogger("xlplan")


def slot(config: Config) -> tuple[int, dt.time]:
    """[schedule]: the weekday (Monday 0) and the time, checked when the config was read."""
    return config.schedule.weekday, config.schedule.time


def latest_slot(now: dt.datetime, weekday: int, at: dt.time) -> dt.datetime:
    """The most recent scheduled moment at or before `now`."""
    day = now.date() - dt.timedelta(days=(now.weekday() - weekday) % 7)
    moment = dt.datetime.combine(day, at)
    return moment if moment <= now else moment - dt.timedelta(days=7)


def open_log(config: Config) -> logging.Logger:
    """The log of unattended runs, logs/xlplan.log in the configured folder: the logger every
    weekly run and the scheduler write to."""
    log.setLevel(logging.INFO)
    path = config.folders["logs"] / "xlplan.log"
    if not any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
    return log


def run_lock(config: Config):
    return held_lock(config.folders["reports"] / ".weekly.lock", "a weekly run")


def last_run(config: Config) -> dt.date | None:
    path = config.folders["reports"] / LAST_RUN
    try:
        return dt.date.fromisoformat(path.read_text().strip())
    except (OSError, ValueError):
        return None


def record_run(config: Config, as_of: dt.date) -> None:
    previous = last_run(config)
    if previous is None or as_of > previous:
        write_text(config.folders["reports"] / LAST_RUN, as_of.isoformat() + "\n")


class Scheduler:
    """`run(as_of)` does one weekly run; `now()` is the clock."""

    def __init__(self, config: Config, run: Callable[[dt.date], object],
                 now: Callable[[], dt.datetime] = dt.datetime.now):
        import schedule

        self.config, self.run, self.now = config, run, now
        self.weekday, self.at = slot(config)
        self.stopped = False
        self.jobs = schedule.Scheduler()
        job = getattr(self.jobs.every(), DAYS[self.weekday])
        self.job = job.at(self.at.strftime("%H:%M")).do(self.run_once)

    def due(self) -> bool:
        """True when the latest scheduled moment has passed without a run for it."""
        moment = latest_slot(self.now(), self.weekday, self.at)
        done = last_run(self.config)
        return done is None or done < moment.date()

    def run_once(self) -> bool:
        """One weekly run for today; a failure is logged and the scheduler goes on."""
        as_of = self.now().date()
        try:
            with run_lock(self.config):
                self.run(as_of)
            record_run(self.config, as_of)
            return True
        except Exception as exc:               # keep going: next week may work
            log.error("weekly run for %s failed: %s", as_of, exc)
            return False

    def run_if_due(self) -> bool | None:
        """One due check (`xlplan schedule --once`): None when the run is not due, else
        whether the run it did succeeded."""
        return self.run_once() if self.due() else None

    def catch_up(self) -> bool:
        """At start: a run missed while the machine was off is done once, now."""
        if self.due():
            log.info("catching up the weekly run missed on %s",
                     latest_slot(self.now(), self.weekday, self.at).date())
            return self.run_once()
        return False

    def stop(self, *_) -> None:
        self.stopped = True

    def forever(self, sleep: Callable[[float], None] = time.sleep) -> None:
        """Until stopped: the lock keeps a second scheduler off this config."""
        with held_lock(self.config.folders["reports"] / ".scheduler.lock", "xlplan schedule for this config"):
            previous = signal.signal(signal.SIGTERM, self.stop)
            try:
                self.catch_up()
                log.info("next weekly run %s", self.job.next_run)
                while not self.stopped:
                    self.jobs.run_pending()
                    sleep(min(max(self.jobs.idle_seconds or 1, 0.5), 5.0))
            except KeyboardInterrupt:
                pass
            finally:
                signal.signal(signal.SIGTERM, previous)
                log.info("scheduler stopped")
