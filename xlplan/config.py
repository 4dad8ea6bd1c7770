"""The configuration: built-in defaults (defaults.toml in this package) merged with the
project's config/xlplan.toml. Every error names the key and the file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import functools
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .errors import ConfigError
from .rag import RagLevel, RagScale

DEFAULT_LOCATION = Path("config") / "xlplan.toml"
FIELDS = ("ref", "group", "action", "lead", "due", "rag", "progress", "updated")


@dataclass(frozen=True)
class Column:
    """One canonical field of an action and how it appears in a workbook."""

    field: str
    header: str
    aliases: tuple[str, ...]
    width: float = 15
    fill_down: bool = False
    fallback_aliases: tuple[str, ...] = ()   # headers that are this field only when no column is (Recommendation)


@dataclass(frozen=True)
class ChaseSettings:
    """[chase], as far as it shapes a chase email: checked once, when the config is read."""

    template: str = "config/chase-email.txt"
    sender: str = ""                     # From address; "" leaves From out of a draft
    sender_name: str = ""
    cc: str = ""                         # copied on every chase email (the business manager)
    workbook_link: str = ""              # where leads open the workbook; "" = [workbook] path
    reply_days: int = 5                  # working days after the as-of date
    closed_days: tuple[dt.date, ...] = ()   # council closure days, on top of bank holidays
    include_progress: bool = True
    smtp: str = ""                       # HOST:PORT for sending
    starttls: bool = False
    timeout_seconds: float = 30.0        # give up on a server that does not answer
    username: str = ""                   # "" = the sender's address
    password_env: str = ""               # the environment variable holding the password


# The other sections, typed. Their values come from the merged config (defaults.toml under the
# project's file), checked on loading, so these classes restate no default.

@dataclass(frozen=True)
class WeeklySettings:
    """[weekly]: what `xlplan weekly` does besides the snapshot, the report and the drafts."""

    send: bool                           # send the chase emails
    format: bool                         # re-apply the formatting to the shared workbook when safe
    parallel: bool                       # use a second core for a large workbook, where it can fork
    parallel_min_mb: float               # ...from this workbook size


@dataclass(frozen=True)
class ScheduleSettings:
    """[schedule]: when `xlplan schedule` runs `weekly`, local time."""

    day: str                             # monday ... sunday, lower case
    time: dt.time

    @property
    def weekday(self) -> int:
        """Monday 0 ... Sunday 6."""
        return _DAYS.index(self.day)


@dataclass(frozen=True)
class HistorySettings:
    """[history]."""

    no_data_after_missed_updates: int    # 0: never


@dataclass(frozen=True)
class FormatSettings:
    """[format]: the backups `xlplan format` keeps of the shared workbook."""

    backup_folder: str                   # relative to the workbook's own folder
    backups: int                         # newest copies kept; 0 keeps every copy


@dataclass(frozen=True)
class LimitsSettings:
    """[limits]: what xlplan refuses to read, and when a lock file is taken as left behind."""

    max_unpacked_mb: float
    max_rows: int
    stale_lock_hours: float
    max_columns: int = 16_384


@dataclass(frozen=True)
class ImportSettings:
    """[import]."""

    work_streams: tuple[str, ...]        # written after a lead's name: split into a Stream column


@dataclass(frozen=True)
class BoardReportSettings:
    """[board_report]: the Word report for a board or scrutiny committee."""

    weekly: bool = False                 # the weekly run writes it too
    template: Path | None = None         # the council's template (.docx); None: a plain document
    pdf: bool = False                    # weekly: also a PDF through LibreOffice
    exceptions: tuple[str, ...] = ("Red", "Amber/Red", "No data")   # ratings always listed


@dataclass(frozen=True)
class RequestsSettings:
    """[requests]: update-request workbooks (`xlplan requests`, `xlplan collect`)."""

    with_weekly: bool                    # the weekly run issues a request to each lead it chases
    attach: bool                         # a chase draft carries the lead's request of that day
    propose_due: bool                    # leads may propose a new due date (with a reason)
    accept_due: bool                     # collect applies every proposed due date (else --accept-due REF)


@dataclass(frozen=True)
class Config:
    source: Path | None            # the config file read, None for built-in defaults only
    root: Path                     # relative paths are resolved against this folder
    workbook: Path
    sheet: str
    leads_sheet: str
    plan_date: dt.date | None
    header_search_rows: int
    folders: dict[str, Path]
    columns: dict[str, Column]
    due_sections: tuple[re.Pattern, ...]
    group_sections: tuple[re.Pattern, ...]
    scale: RagScale
    max_unpacked_bytes: int
    weekly: WeeklySettings
    schedule: ScheduleSettings
    history: HistorySettings
    format: FormatSettings
    limits: LimitsSettings
    import_: ImportSettings              # [import] ("import" is a Python keyword)
    max_rows: int = 200_000
    max_columns: int = 16_384            # [limits] max_columns: a value further right is refused
    severity: dict[str, str] = field(default_factory=dict)       # rule -> error | warning | off
    conflict: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reviewer_patterns: tuple[re.Pattern, ...] = ()
    raw: dict = field(repr=False, default_factory=dict)
    chase: ChaseSettings = field(default_factory=ChaseSettings)
    board_report: BoardReportSettings = field(default_factory=BoardReportSettings)
    # [columns] map and --map: (column as written or its letter, field or "extra", where it was said)
    column_map: tuple[tuple[str, str, str], ...] = ()
    requests: RequestsSettings = field(default_factory=lambda: RequestsSettings(False, True, True, False))

    @property
    def no_data_after(self) -> int:
        """[history] no_data_after_missed_updates: weekly runs without an update, despite
        chasing, after which the board is told No data (0: never)."""
        return self.history.no_data_after_missed_updates

    def settings(self) -> dict:
        """The settings in effect, as tables: the defaults with the file's keys over them, the
        conflict rules and the board report's exception ratings naming only ratings of the
        scale (as they are applied)."""
        rules = self.raw.get("rules", {})
        conflict = {**rules.get("conflict", {}), **{k: list(v) for k, v in self.conflict.items()}}
        out = {**self.raw, "rules": {**rules, "conflict": conflict}}
        if "board_report" in self.raw:         # the exception ratings of the scale, as applied
            out["board_report"] = {**self.raw["board_report"], "exceptions": list(self.board_report.exceptions)}
        return out

    def to_dict(self) -> dict:
        """The settings in effect, as JSON can hold them: dates and times as ISO text."""
        return _plain(self.settings())

    def fingerprint(self) -> str:
        """A digest of the settings in effect (not of the file): the same for two config files
        that set the same values, whatever their comments or layout."""
        text = json.dumps(self.raw, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def toml_text(data: dict) -> str:
    """Settings (the merged tables of a config) written as TOML that reads back the same:
    each table's keys, then its sub-tables, then [[rag.levels]] and any other list of tables."""
    out: list[str] = []

    def table(values: dict, name: str) -> None:
        scalars = {k: v for k, v in values.items() if not _is_table(v) and not _is_tables(v)}
        if scalars or not values:
            out.append(f"\n[{name}]")
            out.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in scalars.items())
        for key, value in values.items():
            if _is_table(value):
                table(value, f"{name}.{_toml_key(key)}")
            elif _is_tables(value):
                for item in value:
                    out.append(f"\n[[{name}.{_toml_key(key)}]]")
                    out.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items())

    for key, value in data.items():
        table(value, _toml_key(key))
    return "\n".join(out).lstrip("\n") + "\n"


def _is_table(value) -> bool:
    return isinstance(value, dict)


def _is_tables(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def default_text() -> str:
    return resources.files("xlplan").joinpath("defaults.toml").read_text(encoding="utf-8")


def searched_folders(start: Path | None = None) -> tuple[Path, ...]:
    """The folders find_config looks in, nearest first: the working directory and every
    folder above it."""
    here = (start or Path.cwd()).resolve()
    return (here, *here.parents)


def find_config(start: Path | None = None) -> Path | None:
    """config/xlplan.toml in the working directory or the nearest folder above it."""
    for folder in searched_folders(start):
        candidate = folder / DEFAULT_LOCATION
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | Path | None = None, *, search_from: Path | None = None) -> Config:
    """Read the config at `path`; with no path, the one found from the working directory, or
    the built-in defaults when there is none."""
    defaults = tomllib.loads(default_text())
    if path is None:
        found = find_config(search_from)
    else:
        found = Path(path)
        if not found.is_file():
            raise ConfigError(f"config file {found} does not exist; pass an existing file to --config, "
                              f"or leave --config out to use {DEFAULT_LOCATION} or the built-in defaults")
    if found is None:
        return build_config(defaults, source=None, root=(search_from or Path.cwd()).resolve())
    try:
        user = tomllib.loads(found.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {found} is not valid TOML ({exc}); fix that line") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {found} cannot be read ({exc})") from None
    schema = _schema(defaults)
    _check_known_keys(user, schema, found)
    _check_values(user, schema, found)
    found = found.resolve()
    root = found.parent.parent if found.parent.name == "config" else found.parent
    return build_config(_merge(defaults, user), source=found, root=root, user=user)


def built_in_config(root: Path | None = None) -> Config:
    """The built-in defaults alone (xlplan/defaults.toml), paths relative to `root` (default:
    the working directory)."""
    return build_config(tomllib.loads(default_text()), source=None, root=(root or Path.cwd()).resolve())


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merge(base[key], value)
        else:
            out[key] = value
    return out


def _schema(defaults: dict) -> dict:
    """The keys a config file may set, each with a value of its kind: the defaults, where every
    [columns.*] table takes every key any of them has (fill_down on Lead as on Theme)."""
    columns = defaults.get("columns", {})
    keys: dict = {}
    for spec in columns.values():
        if isinstance(spec, dict):
            for key, value in spec.items():
                keys.setdefault(key, value)
    return {**defaults, "columns": {name: {**keys, **spec} if isinstance(spec, dict) else spec
                                    for name, spec in columns.items()}}


def _check_known_keys(user: dict, defaults: dict, path: Path, prefix: str = "") -> None:
    """A misspelt key would otherwise be ignored silently; say which one it is."""
    for key, value in user.items():
        name = f"{prefix}{key}"
        if key not in defaults:
            hint = (f"the fields are {', '.join(FIELDS)}" if prefix == "columns."
                    else "check its spelling against the built-in defaults ('xlplan config --defaults')")
            raise ConfigError(f"config file {path}: unknown key {name!r}; {hint}")
        if name == "rag.scales":
            continue               # words of a plan's scale: any word may be a key (_check_scales)
        if isinstance(value, dict) and isinstance(defaults[key], dict):
            _check_known_keys(value, defaults[key], path, f"{name}.")


# Besides its default's type, a key may hold: a TOML date for the plan date, a TOML time for
# the schedule's time.
_ALSO = {"workbook.plan_date": (dt.date,), "schedule.time": (dt.time,)}
_WORDS = {"workbook.plan_date": 'a date like 2011-03-22 (or "")', "schedule.time": 'a 24-hour time such as "07:00"'}

# Numbers outside these bounds make no sense (a negative count) or would stop the code (a
# timeout of 0, a date ten thousand years on): the test, and how to say it. `*` is any name.
_BOUNDS = {
    "workbook.header_search_rows": (lambda v: v >= 1, "1 or more"),
    "weekly.parallel_min_mb": (lambda v: v >= 0, "0 or more"),
    "history.no_data_after_missed_updates": (lambda v: v >= 0, "0 or more"),
    "chase.reply_days": (lambda v: 0 <= v <= 250, "0 to 250 working days"),
    "chase.timeout_seconds": (lambda v: 0 < v <= 3600, "more than 0 and at most 3600"),
    "format.backups": (lambda v: v >= 0, "0 or more"),
    "limits.max_unpacked_mb": (lambda v: v > 0, "more than 0"),
    "limits.max_rows": (lambda v: v >= 1, "1 or more"),
    "limits.max_columns": (lambda v: 1 <= v <= 16384, "from 1 to 16384 (column XFD, Excel's last)"),
    "limits.stale_lock_hours": (lambda v: 0 <= v <= 87600, "from 0 to 87600 (ten years)"),
    "rag.fill_tolerance": (lambda v: 0 <= v <= 441, "from 0 to 441"),
    "columns.*.width": (lambda v: 0 < v <= 255, "more than 0 and at most 255"),
}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _check_values(user: dict, defaults: dict, path: Path, section: str = "") -> None:
    """Every key the user set has the type of its default (a whole number where a number is
    the default is fine; true or false is not a number; a list holds what the default list
    holds), and a number is one the code can use. Checked on loading, before any work, so a
    wrong value is a sentence naming the key and the file, not a crash half-way."""
    for key, value in user.items():
        default = defaults[key]                            # _check_known_keys has run
        dotted = f"{section}.{key}" if section else key
        name = f"[{section}] {key}" if section else f"[{key}]"
        if isinstance(default, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"config file {path}: {name} must be a table ([{dotted}] and its keys), "
                                  f"not {value!r}")
            if dotted == "rag.scales":
                _check_scales(value, path)
                continue
            _check_values(value, default, path, dotted)
            continue
        if dotted == "rag.levels":
            _check_levels(value, default, path)
            continue
        wanted = _wrong_type(value, default, _ALSO.get(dotted, ()))
        if wanted:
            raise ConfigError(f"config file {path}: {name} must be {_WORDS.get(dotted, wanted)}, not {value!r}")
        for pattern, (ok, words) in _BOUNDS.items():
            if fnmatch.fnmatchcase(dotted, pattern) and not ok(value):
                raise ConfigError(f"config file {path}: {name} must be {words}, not {value!r}")
    if section == "schedule":
        _check_schedule(user, path)


def _wrong_type(value, default, also: tuple = ()) -> str:
    """What `value` should be, when it is not of its default's kind; "" when it is."""
    if also and isinstance(value, also) and not isinstance(value, dt.datetime):
        return ""
    if isinstance(default, bool):
        return "true or false" if not isinstance(value, bool) else ""
    if isinstance(default, int):
        return "a whole number" if isinstance(value, bool) or not isinstance(value, int) else ""
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "a number"
        return "a number" if not math.isfinite(value) else ""
    if isinstance(default, str):
        return 'text in quotes' if not isinstance(value, str) else ""
    if isinstance(default, list):
        kinds = {type(item) for item in default}
        if not isinstance(value, list):
            return _list_words(kinds)
        if kinds and any(_wrong_type(item, default[0]) for item in value):
            return _list_words(kinds)
        return ""
    return ""


def _list_words(kinds: set) -> str:
    if kinds == {str}:
        return 'a list of texts in quotes, like ["a", "b"]'
    return "a list"


def _check_scales(scales: dict, path: Path) -> None:
    """[rag.scales]: each key a word or number a plan writes, each value a label in quotes
    ("" takes a built-in word away); the labels are checked against the levels when built."""
    for word, label in scales.items():
        if not isinstance(label, str):
            raise ConfigError(f'config file {path}: [rag.scales] {_toml_key(word)} must be a rating in quotes '
                              f'such as "Amber" (or "" to take the word away), not {label!r}')
        if not word.strip():
            raise ConfigError(f"config file {path}: [rag.scales] has an empty word")


def _check_levels(levels, defaults: list, path: Path) -> None:
    """[[rag.levels]]: each a table whose keys are those the default levels use, of their types."""
    if not isinstance(levels, list) or not all(isinstance(level, dict) for level in levels):
        raise ConfigError(f"config file {path}: rag levels must each be a [[rag.levels]] table, not {levels!r}")
    schema: dict = {}
    for level in defaults:
        for key, value in level.items():
            if key not in schema or (isinstance(value, list) and value and not schema[key]):
                schema[key] = value
    for i, level in enumerate(levels, 1):
        which = repr(level["label"]) if isinstance(level.get("label"), str) else f"number {i}"
        for key, value in level.items():
            if key not in schema:
                raise ConfigError(f"config file {path}: [[rag.levels]] {which} has an unknown key {key!r}; "
                                  f"the keys are {', '.join(schema)}")
            wanted = _wrong_type(value, schema[key])
            if wanted:
                raise ConfigError(f"config file {path}: [[rag.levels]] {which} {key} must be {wanted}, not {value!r}")


def _check_schedule(schedule: dict, path: Path) -> None:
    day = schedule.get("day")
    if day is not None and day.strip().lower() not in _DAYS:
        raise ConfigError(f"config file {path}: [schedule] day must be a day of the week such as monday, not {day!r}")
    at = schedule.get("time")
    if isinstance(at, str):
        try:
            dt.time.fromisoformat(at)
        except ValueError:
            raise ConfigError(f"config file {path}: [schedule] time must be a 24-hour time such as 07:00, "
                              f"not {at!r}") from None


def build_config(data: dict, *, source: Path | None, root: Path, user: dict | None = None) -> Config:
    where = str(source) if source else "the built-in defaults"

    def get(section: str, key: str, kind: type | tuple):
        try:
            value = data[section][key]
        except KeyError:
            raise ConfigError(f"config file {where}: [{section}] {key} is missing") from None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise ConfigError(f"config file {where}: [{section}] {key} must be a {names}, not {value!r}")
        return value

    plan_date_raw = get("workbook", "plan_date", (str, dt.date))
    if isinstance(plan_date_raw, dt.date):
        plan_date = plan_date_raw
    elif plan_date_raw.strip():
        try:
            plan_date = dt.date.fromisoformat(plan_date_raw.strip())
        except ValueError:
            raise ConfigError(f"config file {where}: [workbook] plan_date must be a date "
                              f"like 2011-03-22, not {plan_date_raw!r}") from None
    else:
        plan_date = None

    columns = {}
    for name in FIELDS:
        spec = data.get("columns", {}).get(name)
        if not isinstance(spec, dict):
            raise ConfigError(f"config file {where}: [columns.{name}] is missing or not a table")
        header = spec.get("header")
        aliases = spec.get("aliases", [])
        if not isinstance(header, str) or not header.strip():
            raise ConfigError(f"config file {where}: [columns.{name}] header must be a non-empty string")
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"config file {where}: [columns.{name}] aliases must be a list of strings")
        fallback = spec.get("fallback_aliases", [])
        if not isinstance(fallback, list) or not all(isinstance(a, str) for a in fallback):
            raise ConfigError(f"config file {where}: [columns.{name}] fallback_aliases must be a list of strings")
        columns[name] = Column(name, header, tuple(dict.fromkeys([header, *aliases])),
                               float(spec.get("width", 15)), bool(spec.get("fill_down", False)),
                               tuple(fallback))
    column_map = _column_map(data.get("columns", {}).get("map", []), where)

    def patterns(key: str) -> tuple[re.Pattern, ...]:
        out = []
        for text in get("sections", key, list):
            try:
                out.append(re.compile(text, re.IGNORECASE))
            except (re.error, TypeError) as exc:
                raise ConfigError(f"config file {where}: [sections] {key} has a bad pattern {text!r} ({exc})") from None
        return tuple(out)

    scale = _build_scale(data.get("rag", {}), where, (user or {}).get("rag", {}).get("scales", {}))
    max_mb = get("limits", "max_unpacked_mb", (int, float))
    rules = data.get("rules", {})
    severity = dict(rules.get("severity", {}))
    for rule, level in severity.items():
        if level not in ("error", "warning", "off"):
            raise ConfigError(f'config file {where}: [rules.severity] {rule} must be "error", "warning" '
                              f'or "off", not {level!r}')
    conflict = {}
    for key, value in rules.get("conflict", {}).items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"config file {where}: [rules.conflict] {key} must be a list of strings")
        conflict[key] = tuple(value)
    written = (user or {}).get("rules", {}).get("conflict", {})
    for key in ("done_contradicts", "not_started_contradicts", "extension_contradicts"):
        for label in conflict.get(key, ()):
            if label not in scale.labels and key in written:
                raise ConfigError(f"config file {where}: [rules.conflict] {key} names {label!r}, which is "
                                  f"not a rating of [[rag.levels]] ({', '.join(scale.labels)})")
        # The defaults name the default scale's labels; a board with its own scale keeps those
        # of them it has.
        conflict[key] = tuple(label for label in conflict.get(key, ()) if label in scale.labels)
    reviewer = []
    for text in rules.get("reviewer", {}).get("patterns", []):
        try:
            reviewer.append(re.compile(text, re.IGNORECASE))
        except (re.error, TypeError) as exc:
            raise ConfigError(f"config file {where}: [rules.reviewer] patterns has a bad pattern {text!r} ({exc})") from None
    def inside(section: str, key: str) -> Path:
        """A relative path must stay in the project folder (after following symlinks): a
        config cannot send xlplan's writes elsewhere by '..' or a link. An absolute path is
        the writer's explicit choice (a network share, say) and is taken as it is."""
        text = get(section, key, str)
        path = Path(text).expanduser()
        if path.is_absolute():
            return path
        resolved = (root / path).resolve()
        if not resolved.is_relative_to(root.resolve()):
            raise ConfigError(f"config file {where}: [{section}] {key} = {text!r} points outside the project "
                              f"folder {root}; give an absolute path if that is really meant")
        return root / path

    def number(section: str, key: str) -> float:
        return float(get(section, key, (int, float)))

    day = get("schedule", "day", str).strip().lower()
    if day not in _DAYS:
        raise ConfigError(f"config file {where}: [schedule] day must be a day of the week such as monday, not {day!r}")
    at = get("schedule", "time", (str, dt.time))
    if isinstance(at, str):
        try:
            at = dt.time.fromisoformat(at.strip())
        except ValueError:
            raise ConfigError(f"config file {where}: [schedule] time must be a 24-hour time such as 07:00, "
                              f"not {at!r}") from None
    streams = get("import", "work_streams", list)
    if not all(isinstance(s, str) for s in streams):
        raise ConfigError(f"config file {where}: [import] work_streams must be a list of texts in quotes")

    listed = get("board_report", "exceptions", list)
    known = (*scale.labels, "No data")
    for label in listed:
        if label not in known and "exceptions" in (user or {}).get("board_report", {}):
            raise ConfigError(f"config file {where}: [board_report] exceptions names {label!r}, which is not a "
                              f"rating of [[rag.levels]] ({', '.join(scale.labels)})")
    template_text = get("board_report", "template", str).strip()
    board_report = BoardReportSettings(
        weekly=get("board_report", "weekly", bool), pdf=get("board_report", "pdf", bool),
        template=inside("board_report", "template") if template_text else None,
        exceptions=tuple(label for label in listed if label in known))

    return Config(
        source=source, root=root,
        workbook=inside("workbook", "path"),
        sheet=get("workbook", "sheet", str),
        leads_sheet=get("workbook", "leads_sheet", str),
        plan_date=plan_date,
        header_search_rows=get("workbook", "header_search_rows", int),
        folders={k: inside("folders", k) for k in ("history", "reports", "outbox", "logs")},
        columns=columns,
        column_map=column_map,
        due_sections=patterns("due"), group_sections=patterns("group"),
        scale=scale, max_unpacked_bytes=int(max_mb * 1024 * 1024), max_rows=get("limits", "max_rows", int),
        max_columns=get("limits", "max_columns", int),
        severity=severity, conflict=conflict, reviewer_patterns=tuple(reviewer), raw=data,
        chase=_chase_settings(data.get("chase", {}), where),
        weekly=WeeklySettings(send=get("weekly", "send", bool), format=get("weekly", "format", bool),
                              parallel=get("weekly", "parallel", bool),
                              parallel_min_mb=number("weekly", "parallel_min_mb")),
        schedule=ScheduleSettings(day=day, time=at),
        history=HistorySettings(get("history", "no_data_after_missed_updates", int)),
        format=FormatSettings(backup_folder=get("format", "backup_folder", str), backups=get("format", "backups", int)),
        limits=LimitsSettings(max_unpacked_mb=number("limits", "max_unpacked_mb"),
                              max_rows=get("limits", "max_rows", int),
                              max_columns=get("limits", "max_columns", int),
                              stale_lock_hours=number("limits", "stale_lock_hours")),
        import_=ImportSettings(tuple(streams)),
        board_report=board_report,
        requests=RequestsSettings(with_weekly=get("requests", "with_weekly", bool),
                                  attach=get("requests", "attach", bool),
                                  propose_due=get("requests", "propose_due", bool),
                                  accept_due=get("requests", "accept_due", bool)),
    )


def _column_map(entries, where: str) -> tuple[tuple[str, str, str], ...]:
    """[columns] map = ["Timetable=due", "F=progress"]: checked here, applied when a plan is read."""
    from .read.header import parse_map

    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise ConfigError(f'config file {where}: [columns] map must be a list like ["Timetable=due", "F=rag"]')
    out = []
    for entry in entries:
        try:
            out.append((*parse_map(entry, "[columns] map entry"), "config"))
        except ValueError as exc:
            raise ConfigError(f"config file {where}: {exc}") from None
    return tuple(out)


def with_column_map(config: Config, entries: tuple[str, ...] | list[str]) -> Config:
    """The config with --map entries added after [columns] map (a later entry wins). Raises
    InputError (one sentence) for a bad entry."""
    from .errors import InputError
    from .read.header import parse_map

    if not entries:
        return config
    added = []
    for entry in entries:
        try:
            added.append((*parse_map(entry, "--map"), "--map"))
        except ValueError as exc:
            raise InputError(str(exc)) from None
    return dataclasses.replace(config, column_map=(*config.column_map, *added))


def _chase_settings(chase: dict, where: str) -> ChaseSettings:
    """The [chase] keys that go into an email. An address goes into a mail header, so it must
    be one plain address (as a lead's must, xlplan.leads.EMAIL); the workbook's location goes
    into the text, so it must be one line."""
    from .leads import EMAIL

    def value(key: str, kind: type):
        found = chase.get(key, getattr(ChaseSettings, key))
        if not isinstance(found, kind) or (kind is int and isinstance(found, bool)):
            wanted = {int: "a whole number", bool: "true or false", str: "text in quotes"}[kind]
            raise ConfigError(f"config file {where}: [chase] {key} must be {wanted}, not {found!r}")
        return found

    for key in ("sender", "cc"):
        address = value(key, str).strip()
        if address and not EMAIL.match(address):
            raise ConfigError(f"config file {where}: [chase] {key} must be one plain email address such as "
                              f"business.manager@example.org (or \"\"), not {address!r}")
    link = value("workbook_link", str).strip()
    for key, text in (("workbook_link", link), ("sender_name", value("sender_name", str))):
        if re.search(r"[\x00-\x1f\x7f]", text):
            raise ConfigError(f"config file {where}: [chase] {key} must be one line, without line breaks, "
                              f"not {text!r}")
    reply_days = value("reply_days", int)
    if not 0 <= reply_days <= 250:
        raise ConfigError(f"config file {where}: [chase] reply_days must be 0 to 250 working days, not {reply_days}")
    closed = []
    days = chase.get("closed_days", [])
    if not isinstance(days, list):
        raise ConfigError(f"config file {where}: [chase] closed_days must be a list of dates such as "
                          f"[\"2026-12-24\"], not {days!r}")
    for day in days:
        try:
            closed.append(day.date() if isinstance(day, dt.datetime) else day if isinstance(day, dt.date)
                          else dt.date.fromisoformat(str(day).strip()))
        except ValueError:
            raise ConfigError(f"config file {where}: [chase] closed_days must list dates like \"2026-12-24\", "
                              f"not {day!r}") from None
    timeout = chase.get("timeout_seconds", ChaseSettings.timeout_seconds)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 3600:
        raise ConfigError(f"config file {where}: [chase] timeout_seconds must be a number more than 0 and "
                          f"at most 3600, not {timeout!r}")
    return ChaseSettings(template=value("template", str), sender=value("sender", str).strip(),
                         sender_name=value("sender_name", str), cc=value("cc", str).strip(), workbook_link=link,
                         reply_days=reply_days, closed_days=tuple(sorted(set(closed))),
                         include_progress=value("include_progress", bool), smtp=value("smtp", str).strip(),
                         starttls=value("starttls", bool), timeout_seconds=float(timeout),
                         username=value("username", str), password_env=value("password_env", str).strip())


def _build_scale(rag: dict, where: str, user_scales: dict | None = None) -> RagScale:
    levels = rag.get("levels")
    if not isinstance(levels, list) or not levels:
        raise ConfigError(f"config file {where}: [[rag.levels]] must list at least one rating")
    built = []
    for i, level in enumerate(levels, 1):
        label = level.get("label") if isinstance(level, dict) else None
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"config file {where}: [[rag.levels]] number {i} has no label")
        for key in ("colour", "font"):
            value = level.get(key, "000000")
            if not re.fullmatch(r"[0-9A-Fa-f]{6}", str(value)):
                raise ConfigError(f"config file {where}: [[rag.levels]] {label!r} {key} must be "
                                  f"six hex digits like FFC000, not {value!r}")
        fills = level.get("fills", [])
        for value in fills:
            if not re.fullmatch(r"[0-9A-Fa-f]{6}", str(value)):
                raise ConfigError(f"config file {where}: [[rag.levels]] {label!r} fills must be "
                                  f"six hex digits like FFC000, not {value!r}")
        order = level.get("order")
        if order is not None and (not isinstance(order, int) or isinstance(order, bool)):
            raise ConfigError(f"config file {where}: [[rag.levels]] {label!r} order must be a whole number")
        built.append(RagLevel(
            label=label, order=order, colour=level.get("colour", "FFFFFF").upper(),
            font=level.get("font", "000000").upper(), meaning=level.get("meaning", ""),
            aliases=tuple(level.get("aliases", [])), fills=tuple(f.upper() for f in fills),
            complete=bool(level.get("complete", False)),
            complete_when_due_passed=bool(level.get("complete_when_due_passed", False)),
            narrative=str(level.get("narrative", "")),
        ))
    labels = [lv.label.casefold() for lv in built]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"config file {where}: [[rag.levels]] has the same label twice")
    scale = RagScale(tuple(built), fill_tolerance=float(rag.get("fill_tolerance", 60)),
                     done_words=tuple(rag.get("done_words", ())))
    return scale.with_words(_scale_words(scale, rag.get("scales", {}), user_scales or {}, where))


@functools.lru_cache(maxsize=1)
def _built_in_scales() -> dict:
    return tomllib.loads(default_text()).get("rag", {}).get("scales", {})


def _scale_words(scale: RagScale, scales: dict, user_scales: dict, where: str) -> list[tuple[str, str]]:
    """[rag.scales] as (word, label) pairs. A word the config file sets wins over everything
    (its label must be one of the levels; "" takes the word away); a built-in word yields to a
    level's own alias and is dropped when the scale has no such level (a board's own levels)."""
    labels = {label.casefold(): label for label in scale.labels}
    built_in = _built_in_scales()
    out = []
    for word, label in scales.items():
        if not isinstance(label, str) or not label:
            continue
        if word in user_scales and user_scales[word] != built_in.get(word):   # (`xlplan config` repeats the built-in ones)
            if label.casefold() not in labels:
                raise ConfigError(f"config file {where}: [rag.scales] {_toml_key(word)} = {label!r} is not a "
                                  f"rating of [[rag.levels]] ({', '.join(scale.labels)})")
        elif label.casefold() not in labels or scale.canonical(word):
            continue
        out.append((word, labels[label.casefold()]))
    return out
