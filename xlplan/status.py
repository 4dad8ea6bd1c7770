"""Each action's status for the week, worked out once and read by every output: the Summary,
its narrative and trend, the Exceptions, Chase and Trend sheets, `summary`, `exceptions`,
`chase`, `history` and every `--json`. What the board is told can then never disagree with
itself.

For each action: the rating as its lead gave it this week; the last rating the lead gave
and when (so a rating is never hidden); whether it was updated this week; the weekly runs
since its last update (quiet weeks included); the runs that chased it since then; and what
the board is told: the rating, or "No data" and why. An action is No data for the board when
it has no rating, when its rating cell says No data, or (a board's choice,
`[history] no_data_after_missed_updates`) when its lead has sent no update for that many
weekly runs and was chased in that time. A complete action is never No data for missing an
update."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .action import Action
from .changes import updated_since
from .config import Config
from .dates import as_day
from .errors import InputError
from .history import Entry, Version, entries, load_version, version_from_plan
from .plan import Plan, config_for
from .rag import NO_DATA
from .workbook.snapshot import snapshot_stem, snapshots, weeks

# Why the board is told No data.
NO_RATING = "no rating"
MARKED = "marked No data"
NO_UPDATE = "no update despite chasing"


def day(d: dt.date | None) -> str:
    """Dates as every output shows them to people: 09/11/2026."""
    return d.strftime("%d/%m/%Y") if d else ""


def weeks_text(n: int) -> str:
    return f"{n} week{'s' * (n != 1)}"


@dataclass(frozen=True)
class ActionStatus:
    """One action's week."""

    action: Action                      # this week's row
    rating: str | None                  # as the lead gave it in this week's workbook
    last_rating: str | None             # the last rating the lead gave (this week or before)
    last_rated: dt.date | None          # when they gave it
    complete: bool
    updated: bool | None                # updated this week; None: nothing to compare with
    last_update: dt.date | None
    days_since: int | None
    missed_updates: int                 # weekly runs since the last update, quiet weeks included
    chased: tuple[dt.date, ...]         # earlier runs that chased it since its last update
    board: str                          # what the board is told: a rating, or "No data"
    no_data: str = ""                   # why the board is told No data ("" when it is not)
    weeks: tuple[tuple[dt.date, str | None, str], ...] = ()   # (week, rating given, board) oldest first
    rated_seen: bool = True             # last_rated is when the rating was seen given (not just first seen)
    update_seen: bool = True            # last_update is an update seen (not just the first version xlplan holds)
    emailed: bool = False               # a chase in `chased` was sent by xlplan (not only a draft written)

    @property
    def ref(self) -> str:
        return self.action.ref

    @property
    def as_rated(self) -> str:
        """The last rating the lead gave; No data only when they never gave one."""
        return self.last_rating or NO_DATA

    @property
    def update_text(self) -> str:
        """'updated this week', 'not updated this week', 'no update for 3 weeks (last update
        09/11/2026)', or '' when there is nothing to compare with."""
        if self.updated is None:
            return ""
        if self.updated:
            return "updated this week"
        since = ""
        if self.last_update:
            since = (f" (last update {day(self.last_update)})" if self.update_seen else
                     f" (none since {day(self.last_update)}, when the weekly records begin)")
        late = self.days_since is not None and self.days_since // 7 > 1   # runs missed: weeks have passed
        if self.missed_updates <= 1 and not late:
            return f"not updated this week{since}" if self.last_update else "not updated since the previous version"
        return f"{self.quiet_text}{since}"

    @property
    def quiet_text(self) -> str:
        """'no update for 3 weeks'; where weekly runs were missed (no run at all in some weeks),
        the time itself: 'no update for 27 days', never fewer weeks than have passed (the runs
        are `missed_updates`)."""
        runs = self.missed_updates
        if self.days_since is not None and self.days_since // 7 > runs:
            return f"no update for {self.days_since} days"
        return f"no update for {weeks_text(runs)}"

    @property
    def note(self) -> str:
        """For a No data action: 'No data: last rated Red on 09/11/2026, no update for 4
        weeks'. Empty otherwise."""
        if self.board != NO_DATA:
            return ""
        if self.last_rating:
            # "on" a date the rating was seen being given; "as of" the first version xlplan holds
            when = f" on {day(self.last_rated)}" if self.rated_seen else f" as of {day(self.last_rated)}"
            rated = f"last rated {self.last_rating}" + (when if self.last_rated else "")
        elif self.action.rating.raw and self.action.rating.problem:
            rated = f"rated {self.action.rating.raw[:20]!r}, which is not a rating of this plan's scale"
        else:
            rated = "never rated"
        parts = [rated]
        if self.no_data == MARKED:
            parts.append("the rating cell says No data")
        elif self.no_data == NO_RATING and self.last_rating:
            parts.append("the rating cell is now empty")
        if self.missed_updates and self.updated is not None and self.last_update:
            parts.append(self.quiet_text)
        if self.chased:
            parts.append(self.chased_text)
        return "No data: " + ", ".join(parts)

    @property
    def chased_text(self) -> str:
        """'chased by email 3 times since 23/11/2026', or 'chase drafts written 3 times since
        ...' when xlplan only wrote the drafts (the business manager sends them)."""
        n = len(self.chased)
        how = "chased by email" if self.emailed else "chase drafts written"
        if n == 0:
            return ""
        if n == 1:
            return f"{'chased by email' if self.emailed else 'a chase draft written'} on {day(self.chased[0])}"
        return f"{how} {n} times since {day(self.chased[0])}"

    def board_text(self, rating: str | None = None, board: str | None = None) -> str:
        """What the board is told, with the rating it hides: 'No data (Red)'."""
        rating, board = (self.rating, self.board) if board is None else (rating, board)
        return f"{NO_DATA} ({rating})" if board == NO_DATA and rating and rating != NO_DATA else board

    def to_dict(self) -> dict:
        iso = lambda d: d.isoformat() if d else None
        return {"ref": self.ref, "row": self.action.row, "lead": self.action.lead, "rag": self.board,
                "rating": self.rating, "as_rated": self.as_rated, "last_rating": self.last_rating,
                "last_rated": iso(self.last_rated), "complete": self.complete, "updated": self.updated,
                "last_update": iso(self.last_update), "days_since": self.days_since,
                "missed_updates": self.missed_updates, "chased": [d.isoformat() for d in self.chased],
                "emailed": self.emailed,
                "no_data": self.no_data or None, "note": self.note or None}


@dataclass
class WeekStatus:
    """Every action's week, and what follows from it."""

    plan: str
    as_of: dt.date
    week: dt.date                                   # the week this status is for (the as-of date)
    labels: tuple[str, ...]                         # the scale's labels, No data included
    actions: list[ActionStatus]
    weeks: list[dt.date] = field(default_factory=list)          # every week the history holds, this one last
    trend: list[tuple[dt.date, dict[str, int]]] = field(default_factory=list)   # the board's counts each week
    threshold: int = 0
    rated: bool = True                              # the plan has a rating column
    history: bool = False                           # earlier weeks were available
    snapshots: list[Path] = field(default_factory=list)          # the files the weeks were read from
    title: str = ""                                 # the plan's own title (its title rows), for printed pages

    def _count(self, key) -> dict[str, int]:
        counts = Counter(key(s) for s in self.actions)
        return {label: counts[label] for label in self.labels}

    @property
    def by_rag(self) -> dict[str, int]:
        """The board's counts."""
        return self._count(lambda s: s.board)

    @property
    def as_rated(self) -> dict[str, int]:
        """Each action by the last rating its lead gave (never rated: No data)."""
        return self._count(lambda s: s.as_rated)

    @property
    def no_data(self) -> list[ActionStatus]:
        return [s for s in self.actions if s.board == NO_DATA]

    @property
    def updates(self) -> dict[str, int]:
        """Updates this week, over the open actions (complete ones are not asked for one)."""
        open_ = [s for s in self.actions if not s.complete and s.updated is not None]
        return {"updated": sum(1 for s in self.actions if s.updated),
                "not_updated": sum(1 for s in open_ if not s.updated),
                "not_updated_2_weeks_or_more": sum(1 for s in open_ if not s.updated and s.missed_updates >= 2)}

    def by_ref(self) -> dict[str, ActionStatus]:
        out: dict[str, ActionStatus] = {}
        for s in self.actions:
            out.setdefault(s.ref, s)
        return out

    def to_frame(self):
        """Each action's week as a pandas DataFrame, one row an action (ActionStatus.to_dict):
        `rag` is what the board is told this week (a rating, or No data); `rating` what the
        lead's cell says now; `as_rated` the last rating the lead gave (never rated: No data),
        with `last_rating` and `last_rated`; `updated`, `missed_updates` and `chased` say how
        the week went; `no_data` says why the board is told No data."""
        from .report.frames import frame

        return frame([s.to_dict() for s in self.actions], dates=("last_rated", "last_update"))

    def trend_frame(self):
        """What the board was told week by week: one row a week, one column a rating."""
        from .report.frames import frame

        return frame([{"week": d.isoformat(), **counts} for d, counts in self.trend],
                     columns=("week", *self.labels), dates=("week",))

    def to_dict(self) -> dict:
        return {"plan": self.plan, "as_of": self.as_of.isoformat(), "weeks": [d.isoformat() for d in self.weeks],
                "threshold": self.threshold, "actions": [s.to_dict() for s in self.actions]}


@dataclass
class _Track:
    """What is known of one ref while walking the weeks."""

    ref: str
    entry: Entry
    last_update: dt.date
    missed: int = 0
    last_rating: str | None = None
    last_rated: dt.date | None = None
    rated_seen: bool = False
    update_seen: bool = False
    weeks: list = field(default_factory=list)


def week_status(plan: Plan, config: Config | None = None, *, as_of: dt.date | None = None, earlier: list[Version] = (),
                chased: dict[str, list[dt.date]] | None = None, previous: Plan | None = None,
                week: dt.date | None = None, sent: dict[str, list[dt.date]] | None = None,
                returned: dict[str, list[dt.date]] | None = None) -> WeekStatus:
    """The status of every action of `plan` for the week of `week` (default: the as-of date).
    `earlier` are the versions of the weeks before it (from the snapshots), `chased` the dates
    each ref was chased (chaselog.chased_before: a draft written or a message sent), `sent`
    those on which a message was sent; with no earlier weeks, `previous` (a plan given by
    hand) says only whether each action was updated since. `returned` gives, for each ref, the
    dates its lead's update request was collected (requests.returned_refs): a lead who sent
    their request back this week has updated, even when nothing in it changed."""
    config = config_for(plan, config=config)
    as_of = as_day(as_of)
    week = as_day(week) if week else as_of
    scale = config.scale
    threshold = config.no_data_after
    chased = chased or {}
    sent = sent or {}
    labels = scale.labels if NO_DATA in scale.labels else (*scale.labels, NO_DATA)
    real = lambda rag: rag if rag and rag != NO_DATA else None

    unique = Counter(a.ref for a in plan.actions if a.ref)
    versions = sorted((v for v in earlier if v.date < week), key=lambda v: v.date)
    versions.append(Version(week, Path(plan.path), entries(plan)))
    tracks: dict[str, _Track] = {}
    trend = []

    def board_of(e: Entry, t: _Track | None, when: dt.date) -> tuple[str, str]:
        if not e.rag:
            return NO_DATA, NO_RATING
        if e.rag == NO_DATA:
            return NO_DATA, MARKED
        if t is not None and threshold and t.missed >= threshold and _chased_since(chased, t, when) \
                and not scale.is_complete(e.rag, e.due, e.progress, when):
            return NO_DATA, NO_UPDATE
        return e.rag, ""

    for i, version in enumerate(versions):
        counts = Counter()
        for ref, e in version.actions.items():
            t = tracks.get(ref)
            if t is None:
                t = tracks[ref] = _Track(ref, e, version.date)
                changed = True
                if e.updated and e.updated <= version.date:     # the lead dated their last update
                    t.last_update, t.update_seen = e.updated, True
            else:
                changed = updated_since(t.entry, e)
                if changed:
                    t.last_update, t.missed, t.update_seen = version.date, 0, True
                else:
                    t.missed += 1
            if e.updated and t.last_update < e.updated <= version.date:
                t.last_update, t.update_seen = e.updated, True   # the lead's own date, when it is later
            if real(e.rag) and (changed or t.last_rating is None):
                t.last_rating, t.last_rated = e.rag, t.last_update
                # seen given: it changed between two versions, or the lead dated the update
                t.rated_seen = i > 0 and changed or bool(e.updated and e.updated <= version.date)
            t.entry = e
            if i < len(versions) - 1:                 # this week's board status comes below
                board, _ = board_of(e, t, version.date)
                counts[board] += 1
                t.weeks.append((version.date, e.rag, board))
        if i < len(versions) - 1:
            trend.append((version.date, {label: counts[label] for label in labels}))

    compared = {a.ref: a for a in previous.actions} if previous is not None and len(versions) == 1 else {}
    statuses = []
    counts = Counter()
    for a in plan.actions:
        e = Entry(a.rag, a.progress, a.updated, a.due, a.lead, a.action)
        t = tracks.get(a.ref) if a.ref and unique[a.ref] == 1 else None
        complete = scale.is_complete(a.rag, a.due, a.progress, as_of)
        if t is not None and len(t.weeks) > 0:           # seen in an earlier week
            updated, missed, last_update = t.missed == 0, t.missed, t.last_update
        elif a.ref in compared and unique[a.ref] == 1:
            updated = updated_since(compared[a.ref], a)
            missed, last_update = (0 if updated else 1), None
        else:
            updated, missed, last_update = None, 0, None          # new this week, or no history
        back = [d for d in (returned or {}).get(a.ref, ()) if d <= week and (len(versions) < 2 or d > versions[-2].date)]
        if back and updated is not True:
            updated, missed, last_update = True, 0, max(back)
            if t is not None:
                t.missed = 0
        last_rating = t.last_rating if t else real(a.rag)
        last_rated = t.last_rated if t else None
        track = t if t is not None and updated is not None else None
        board, why = board_of(e, track, week)
        counts[board] += 1
        window = tuple(d for d in chased.get(a.ref, ()) if (last_update is None or d >= last_update) and d < week)
        history = tuple(t.weeks) if t else ()
        statuses.append(ActionStatus(
            action=a, rating=a.rag, last_rating=last_rating, last_rated=last_rated, complete=complete,
            updated=updated, last_update=last_update,
            days_since=(as_of - last_update).days if last_update else None, missed_updates=missed,
            chased=window, board=board, no_data=why, weeks=(*history, (week, a.rag, board)),
            rated_seen=t.rated_seen if t else True, update_seen=t.update_seen if t else True,
            emailed=any(d in sent.get(a.ref, ()) for d in window)))
    trend.append((week, {label: counts[label] for label in labels}))
    return WeekStatus(str(plan.path), as_of, week, labels, statuses, [v.date for v in versions], trend,
                      threshold, rated="rag" in plan.columns, history=len(versions) > 1,
                      title=plan.title)


def _chased_since(chased: dict[str, list[dt.date]], t: _Track, when: dt.date) -> bool:
    """Was the action chased after its last update and before the week `when`?"""
    return any(t.last_update <= d < when for d in chased.get(t.ref, ()))


# -- where the weeks come from ----------------------------------------------------------------

def history_folder(config: Config, plan_path: Path | str, history: Path | None = None) -> tuple[Path, str] | None:
    """The snapshots that belong to this plan: those of the configured shared workbook when
    PLAN is that workbook (by its resolved path, never by a file name), or those in the folder
    given with --history. None: the plan has no history."""
    if history is not None:
        folder = Path(history)
        if not folder.is_dir():
            raise InputError(f"--history {folder}: there is no such folder; give the folder that holds "
                             f"the weekly snapshots (plan.<date>.xlsx)")
        stems = sorted({snapshot_stem(s.path) for s in snapshots(folder)})
        if not stems:
            raise InputError(f"--history {folder}: the folder holds no snapshots (files named "
                             f"<plan>.<YYYY-MM-DD>.xlsx); take them with 'xlplan snapshot' or 'xlplan weekly'")
        if len(stems) > 1:
            raise InputError(f"--history {folder}: the folder holds snapshots of {len(stems)} workbooks "
                             f"({', '.join(stems)}); give a folder that holds one workbook's snapshots")
        return folder, stems[0]
    try:
        same = Path(plan_path).resolve() == config.workbook.resolve()
    except OSError:
        same = False
    return (config.folders["history"], config.workbook.stem) if same else None


@dataclass
class Week:
    """A plan's week, read once: the plan, its status, last week's version and the changes."""

    plan: Plan
    status: WeekStatus
    versions: list[Version]
    previous: Plan | None = None
    comparison: object = None                      # compare.Comparison, when there is a previous
    notes: list[str] = field(default_factory=list)

    def to_frame(self):
        """Each action's week as a pandas DataFrame (WeekStatus.to_frame)."""
        return self.status.to_frame()

    def trend_frame(self):
        """What the board was told week by week (WeekStatus.trend_frame)."""
        return self.status.trend_frame()

    def to_dict(self) -> dict:
        return {**self.status.to_dict(), "notes": self.notes}


def read_week(plan: Plan, config: Config | None = None, *, as_of: dt.date | None = None,
              history: Path | None = None, previous: Plan | None = None, outbox: Path | None = None) -> Week:
    """Everything a command needs to say about this week of `plan`: its history (when it has
    one: `history_folder`), who was chased, every action's status, and the comparison with
    `previous` (default: the version of the latest earlier week)."""
    from .changes import compare
    from .chaselog import chased_before
    from .plan import read_plan

    config = config_for(plan, config=config)
    as_of = as_day(as_of)
    found = history_folder(config, plan.path, history)
    earlier: list[Version] = []
    if found is not None:
        folder, stem = found
        snaps = [s for s in weeks(folder, stem) if s.date < as_of]
        read = {}
        if previous is None and snaps:
            previous = read[snaps[-1].path] = read_plan(snaps[-1].path, config)
        earlier, _ = weekly_versions(snaps, config, read)
    chased, sent = chased_before(outbox or config.folders["outbox"], plan.path, as_of) if found is not None else ({}, {})
    returned = {}
    if found is not None:
        from .requests import returned_refs

        returned = returned_refs(config, plan.path)
    status = week_status(plan, config, as_of=as_of, earlier=earlier, chased=chased, sent=sent, previous=previous,
                         returned=returned)
    comparison = compare(previous, plan, config, as_of=as_of) if previous is not None else None
    # How the plan's columns were read, where a column could hold what the board should be
    # told ("RAG Nov 2026" beside the "RAG Oct 2026" used): said by every report of the week.
    notes = list(plan.reading.hints) if plan.reading is not None else []
    if found is None and weeks(config.folders["history"], config.workbook.stem):
        notes.append(f"no weekly history used: {plan.path} is not the shared workbook {config.workbook} "
                     f"([workbook] path), so missed updates and No data for missed updates are not counted; "
                     f"pass --history {config.folders['history']} if it is a copy of it")
    return Week(plan, status, earlier, previous, comparison, notes)


def weekly_versions(snaps, config: Config, read: dict[Path, Plan] | None = None, *,
                    store: bool = True) -> tuple[list[Version], dict[Path, Version]]:
    """One version a week, and the versions by file. A file several quiet weeks point at is
    read once, and a file already read as a plan (`read`) is not parsed again; the versions
    made from those plans are cached now, or (store=False) left for the caller to cache."""
    read = read or {}
    loaded: dict[Path, Version] = {}
    out = []
    for s in snaps:
        if s.path not in loaded:
            loaded[s.path] = (version_from_plan(s, read[s.path], config, store=store) if s.path in read
                              else load_version(s, config))
        out.append(Version(s.date, s.path, loaded[s.path].actions))
    return out, loaded


def history_of(config: Config, *, as_of: dt.date | None = None, history: Path | None = None) -> WeekStatus:
    """The status of the latest weekly version on or before `as_of`, from the snapshots alone
    (`xlplan history`): the configured shared workbook's, or those in the folder `history`."""
    from .chaselog import chased_before
    from .plan import read_plan

    as_of = as_day(as_of)
    folder, stem = history_folder(config, config.workbook, history) or (config.folders["history"], config.workbook.stem)
    snaps = [s for s in weeks(folder, stem) if s.date <= as_of]
    if not snaps:
        raise InputError(f"no snapshots of {stem}.xlsx in {folder} on or before {as_of.strftime('%d/%m/%Y')}; "
                          f"take one with 'xlplan snapshot' or run 'xlplan weekly'")
    latest = snaps[-1]
    plan = read_plan(latest.path, config)
    # the shared workbook's own history: its chase records apply
    shared = history is None or (Path(history).resolve() == config.folders["history"].resolve()
                                 and stem == config.workbook.stem)
    if shared:
        plan.path = config.workbook
    chased, sent = chased_before(config.folders["outbox"], plan.path, latest.date) if shared else ({}, {})
    status = week_status(plan, config, as_of=as_of, earlier=weekly_versions(snaps[:-1], config, {latest.path: plan})[0],
                         chased=chased,
                         sent=sent, week=latest.date)
    status.snapshots = [s.path for s in snaps]
    return status


@dataclass(frozen=True)
class HistoryReport:
    """`xlplan history`: the status of the latest weekly version, for the refs asked for."""

    status: WeekStatus
    actions: list[ActionStatus]                     # the refs asked for (all, when none were)

    def to_dict(self) -> dict:
        data = self.status.to_dict()
        data["actions"] = [{**s.to_dict(), "ratings": [{"date": d.isoformat(), "rag": r, "board": b}
                                                       for d, r, b in s.weeks]} for s in self.actions]
        data["snapshots"] = [str(p) for p in dict.fromkeys(self.status.snapshots)]
        return data


def history_report(config: Config, *, as_of: dt.date | None = None, history: Path | None = None,
                   refs: tuple[str, ...] = ()) -> HistoryReport:
    """`history_of`, for the actions `refs` (every action when none are given); a ref the
    plan does not have is refused."""
    status = history_of(config, as_of=as_of, history=history)
    known = {s.ref for s in status.actions}
    missing = [r for r in refs if r not in known]
    if missing:
        raise InputError(f"no action {', '.join(missing)} in {status.plan} as of "
                         f"{status.week.strftime('%d/%m/%Y')}; 'xlplan history' lists them all")
    return HistoryReport(status, [s for s in status.actions if not refs or s.ref in refs])
