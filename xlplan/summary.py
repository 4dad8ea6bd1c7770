"""What a board or scrutiny committee is told: counts by rating (the board's, and as rated
by the leads), by theme and by lead, the updates of the week, movement since the last
version, the trend week by week, and a paragraph in the business manager's voice (seed 003,
paragraph 16). Everything here is read from the week's status (status.py), so no two numbers
can disagree."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from .action import NO_LEAD
from .config import Config
from .plan import Plan, config_for
from .status import (
    NO_DATA,
    NO_RATING,
    NO_UPDATE,
    ActionStatus,
    WeekStatus,
    day,
    week_status,
)


@dataclass
class Summary:
    workbook: str
    as_of: dt.date
    actions: int
    labels: tuple[str, ...]                       # the scale's labels, in order, No data last
    by_rag: dict[str, int]                        # what the board is told
    as_rated: dict[str, int] = field(default_factory=dict)   # the last rating each lead gave
    by_group: dict[str, dict[str, int]] = field(default_factory=dict)
    by_lead: dict[str, dict[str, int]] = field(default_factory=dict)
    movement: dict[str, int] | None = None        # improved, worsened, unchanged, new
    trend: list[tuple[dt.date, dict[str, int]]] = field(default_factory=list)
    updates: dict[str, int] | None = None         # updated / not updated this week (with history)
    statuses: list[ActionStatus] = field(default_factory=list, repr=False)   # each action's week
    rated: bool = True                            # the plan has a rating column
    narrative: str = ""
    title: str = ""                               # the plan's own title, for the printed page

    @property
    def no_data(self) -> list[ActionStatus]:
        """The actions the board is told are No data, in plan order."""
        return [s for s in self.statuses if s.board == NO_DATA]

    def trend_frame(self):
        """The trend as a pandas DataFrame: one row a weekly run, one column a rating."""
        from .report.frames import frame

        return frame([{"week": d.isoformat(), **counts} for d, counts in self.trend],
                     columns=("week", *self.labels), dates=("week",))

    def to_dict(self) -> dict:
        nonzero = lambda counts: {k: v for k, v in counts.items() if v}
        out = {"workbook": self.workbook, "as_of": self.as_of.isoformat(), "actions": self.actions,
               "by_rag": nonzero(self.by_rag), "as_rated": nonzero(self.as_rated), "narrative": self.narrative,
               "by_group": self.by_group, "by_lead": self.by_lead,
               "no_data": [{"ref": s.ref, "row": s.action.row, "lead": s.action.lead, "last_rating": s.last_rating,
                            "last_rated": s.last_rated.isoformat() if s.last_rated else None,
                            "missed_updates": s.missed_updates, "why": s.no_data,
                            "chased": [d.isoformat() for d in s.chased], "note": s.note} for s in self.no_data]}
        if self.updates is not None:
            out["updates"] = self.updates
        if self.movement is not None:
            out["movement"] = self.movement
        if self.trend:
            out["trend"] = [{"date": d.isoformat(), "by_rag": nonzero(c)} for d, c in self.trend]
        return out


@dataclass(frozen=True)
class PlanSummary:
    """`xlplan summary`: the summary of a plan's week, its exception report (for the workbook)
    and the notes about the week it was read from (no weekly history used, and why)."""

    summary: Summary
    exceptions: list                              # exception_list.ExceptionGroup, by due month
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {**self.summary.to_dict(), "notes": self.notes}


def summarise_plan(path, config: Config, *, as_of: dt.date | None = None, previous=None,
                   history=None) -> PlanSummary:
    """Read the plan at `path` and its week (its history when it is the shared workbook, or
    the snapshots in the folder `history`; `previous`, a file, else last week's version, for
    the movement) and summarise it, with the exception report beside."""
    from .exception_list import exception_report
    from .plan import read_plan
    from .status import read_week

    plan = read_plan(path, config)
    old = read_plan(previous, config) if previous else None
    week = read_week(plan, config, as_of=as_of, history=history, previous=old)
    summary = summarise(week.status, config, previous=week.previous, comparison=week.comparison)
    return PlanSummary(summary, exception_report(week.status, config), week.notes)


def summarise(plan_or_status: Plan | WeekStatus, config: Config | None = None, *, as_of: dt.date | None = None,
              previous: Plan | None = None, comparison=None) -> Summary:
    """What a board is told: counts by rating (the board's and as rated by the leads), by
    theme and by lead, the week's updates, movement since `previous`, the trend, and the
    narrative paragraph. Given a plan alone (no history), its week is worked out here; the
    weekly run and the commands pass the week's status, read once (status.read_week)."""
    if config is None:
        config = config_for(plan_or_status) if isinstance(plan_or_status, Plan) else config_for()
    if isinstance(plan_or_status, WeekStatus):
        status = plan_or_status
    else:
        status = week_status(plan_or_status, config, as_of=as_of, previous=previous)
    labels = status.labels
    summary = Summary(status.plan, status.as_of, len(status.actions), labels, status.by_rag, status.as_rated,
                      rated=status.rated, statuses=status.actions, title=status.title)
    for s in status.actions:
        a = s.action
        summary.by_group.setdefault(a.group or "(no theme)", dict.fromkeys(labels, 0))[s.board] += 1
        summary.by_lead.setdefault(a.lead or NO_LEAD, dict.fromkeys(labels, 0))[s.board] += 1
    if status.history or previous is not None:
        summary.updates = status.updates
    if previous is not None:
        from .changes import compare

        changes = comparison or compare(previous, _plan_of(status, previous), config, as_of=status.as_of)
        moved = {c.ref for c in changes.changes if c.change == "rag"}
        old_refs = {a.ref for a in previous.actions}
        summary.movement = {
            "improved": changes.counts["improved"], "worsened": changes.counts["worsened"],
            "unchanged": sum(1 for s in status.actions if s.ref in old_refs and s.ref not in moved),
            "new": changes.counts["added"],
        }
    if status.history:
        boards = [(s.weeks[-2][2], s.board) for s in status.actions if len(s.weeks) > 1]
        summary.movement = {**(summary.movement or {}),
                            "to No data": sum(1 for before, now in boards if now == NO_DATA != before),
                            "from No data": sum(1 for before, now in boards if before == NO_DATA != now)}
    if status.history:
        summary.trend = list(status.trend)
    summary.narrative = narrative(summary, config)
    return summary


def _plan_of(status: WeekStatus, previous: Plan) -> Plan:
    from dataclasses import replace

    return replace(previous, path=status.plan, actions=[s.action for s in status.actions])


@dataclass(frozen=True)
class NarrativePart:
    """One clause of the narrative ("4 are marked red and will not be achieved ..."): the
    rating it counts, how many, its words, and the actions it counts (for a board report's
    reasons). The count is the summary's, never counted again."""

    label: str
    count: int
    text: str
    statuses: tuple[ActionStatus, ...] = ()


def narrative_parts(summary: Summary, config: Config) -> tuple[str, list[NarrativePart]]:
    """The narrative's opening ("Of the 28 actions") and its clauses, one per rating (No data
    split by why); with no clauses, the opening is the whole sentence (no actions, no ratings).
    `narrative` joins them; the board report makes them bullets."""
    n = summary.actions
    if n == 0:
        return "The plan has no actions.", []
    opening = f"Of the {n} action{'s' * (n != 1)}"
    if not summary.rated or not any(st.rating for st in summary.statuses):
        where = "the plan has no rating column" if not summary.rated else "the plan's rating column is empty"
        words = (" Progress is reported in the leads' own words."
                 if any(st.action.progress.strip() for st in summary.statuses) else "")
        return f"{opening}, none has a RAG rating: {where}.{words}", []
    phrases = {lv.label: lv.narrative for lv in config.scale.levels}
    parts = []
    by_board: dict[str, list[ActionStatus]] = {}
    for s in summary.statuses:
        by_board.setdefault(s.board, []).append(s)
    for label in summary.labels:
        count = summary.by_rag.get(label, 0)
        if count and label != NO_DATA:
            parts.append(NarrativePart(label, count, f"{count} {_are(count)} marked {label.lower()}{phrases.get(label, '')}",
                                       tuple(by_board.get(label, ()))))
    chased, unread, in_words, quiet = [], [], [], []   # one pass: 100,000 actions can be No data
    for s in summary.no_data:
        if s.no_data == NO_UPDATE or s.chased:
            chased.append(s)
        elif s.no_data == NO_RATING and s.action.rating.raw and s.action.rating.problem:
            unread.append(s)                       # rated "2" where no key says what 2 means
        elif s.no_data == NO_RATING and s.action.progress.strip():
            in_words.append(s)
        else:
            quiet.append(s)
    if chased:
        parts.append(NarrativePart(NO_DATA, len(chased), f"{len(chased)} {_are(len(chased))} marked no data"
                     f"{phrases.get(NO_DATA) or ' as, despite chasing, no information has been provided by the lead officer'}"
                     f"{_last_ratings(chased, summary.labels)}", tuple(chased)))
    if unread:
        shown = ", ".join(dict.fromkeys(repr(st.action.rating.raw[:20]) for st in unread))
        parts.append(NarrativePart(NO_DATA, len(unread), f"{len(unread)} {_are(len(unread))} marked no data as their "
                                   f"rating ({shown}) is not one this plan's scale defines", tuple(unread)))
    if in_words:
        parts.append(NarrativePart(NO_DATA, len(in_words), f"{len(in_words)} {_are(len(in_words))} marked no data as no "
                                   f"RAG rating has been given, though progress is reported in words"
                                   f"{_last_ratings(in_words, summary.labels)}", tuple(in_words)))
    if quiet:
        since = max((s.last_update for s in quiet if s.last_update), default=None)
        if since and all(s.last_update and s.update_seen for s in quiet):
            reason = f" as no update has been received since {day(since)}"
        else:
            reason = " as no information has been provided by the lead officer"
        parts.append(NarrativePart(NO_DATA, len(quiet), f"{len(quiet)} {_are(len(quiet))} marked no data{reason}"
                                   f"{_last_ratings(quiet, summary.labels)}", tuple(quiet)))
    return opening, parts


def narrative(summary: Summary, config: Config) -> str:
    """'Of the 28 actions, 9 are marked green, as completed; 2 are marked amber/green, as some
    parts are still to be completed; ... and 2 are marked no data as, despite chasing, no
    information has been provided by the lead officer.' Zero counts are left out. "Despite
    chasing" is said only of actions that were chased; a No data action's last rating is
    given, so the paragraph never hides a Red."""
    opening, parts = narrative_parts(summary, config)
    if not parts:
        return opening
    texts = [p.text for p in parts]
    if len(texts) > 1:
        texts[-1] = "and " + texts[-1]
    return f"{opening}, " + "; ".join(texts) + "."


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _last_ratings(statuses: list[ActionStatus], labels: tuple[str, ...]) -> str:
    """' (last rated 1 red and 2 amber by their leads)', so a rating is never hidden."""
    counts = Counter(s.last_rating for s in statuses if s.last_rating)
    if not counts:
        return ""
    order = {label: i for i, label in enumerate(labels)}
    words = [f"{v} {k.lower()}" for k, v in sorted(counts.items(), key=lambda kv: order.get(kv[0], len(order)))]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    whose = "its lead" if sum(counts.values()) == 1 else "their leads"
    return f" (last rated {listed} by {whose})"


# -- rendering -------------------------------------------------------------------------------
