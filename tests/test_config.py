"""Config: built-in defaults, the project's file, and errors that name the key and the file."""

import dataclasses
import datetime as dt
import json
import re
import tomllib

import pytest
from conftest import PROJECT, SEED_000

from xlplan.cli import main
from xlplan.config import (
    FormatSettings,
    HistorySettings,
    ImportSettings,
    LimitsSettings,
    ScheduleSettings,
    WeeklySettings,
    default_text,
    load_config,
)
from xlplan.errors import ConfigError


def test_no_config_file_means_built_in_defaults(tmp_path):
    config = load_config(search_from=tmp_path)
    assert config.source is None
    assert config.sheet == "Plan"
    assert config.scale.labels == ("Blue", "Green", "Amber/Green", "Amber", "Amber/Red", "Red", "Grey", "No data")
    assert config.workbook == tmp_path.resolve() / "workbooks" / "plan.xlsx"


def test_project_config_is_found_from_a_subfolder(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "xlplan.toml").write_text('[workbook]\nsheet = "Actions"\n')
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    config = load_config(search_from=tmp_path / "sub" / "deeper")
    assert config.sheet == "Actions"
    assert config.root == tmp_path.resolve()          # paths are relative to the project folder
    assert config.folders["history"] == tmp_path.resolve() / "workbooks" / "history"


def _leaves(table: dict, path: tuple = ()):
    """(section, ..., key) and value of every key that is not a table ([[rag.levels]]: one value)."""
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*path, key))
        else:
            yield (*path, key), value


# What a team sets, and so all the shipped config/xlplan.toml holds.
TEAM_KEYS = {("workbook", "path"), ("workbook", "sheet"),
             ("folders", "history"), ("folders", "reports"), ("folders", "outbox"), ("folders", "logs"),
             ("chase", "sender"), ("chase", "sender_name"), ("chase", "workbook_link"), ("chase", "cc"),
             ("schedule", "day"), ("schedule", "time"), ("history", "no_data_after_missed_updates")}


def test_shipped_config_holds_only_what_a_team_sets_and_the_rest_is_the_defaults():
    """config/xlplan.toml is not a copy of the defaults (a team that edited a copy would
    freeze every default list): it sets the team's keys, and everything else is the default."""
    path = PROJECT / "config" / "xlplan.toml"
    shipped = dict(_leaves(tomllib.loads(path.read_text(encoding="utf-8"))))
    defaults = dict(_leaves(tomllib.loads(default_text())))
    assert set(shipped) <= set(defaults), set(shipped) - set(defaults)     # only keys that exist
    assert set(shipped) == TEAM_KEYS
    effective = dict(_leaves(load_config(path).raw))
    assert set(effective) == set(defaults)
    assert effective == {key: shipped.get(key, default) for key, default in defaults.items()}
    # As shipped, the team's keys hold the defaults' values: the embedded default runs as it did.
    assert {key: shipped[key] for key in TEAM_KEYS} == {key: defaults[key] for key in TEAM_KEYS}


def test_a_partial_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('[workbook]\nplan_date = "2011-03-22"\n[columns.lead]\nheader = "Owner"\n')
    config = load_config(path)
    assert config.plan_date == dt.date(2011, 3, 22)
    assert config.columns["lead"].header == "Owner"
    assert "Lead officer" in config.columns["lead"].aliases      # aliases kept from defaults
    assert config.columns["ref"].header == "Ref"


@pytest.mark.parametrize("text, words", [
    ("[workbook\n", ["not valid TOML"]),
    ('[workbok]\nsheet = "x"\n', ["unknown key 'workbok'"]),
    ('[columns.owner]\nheader = "x"\n', ["'columns.owner'", "the fields are"]),
    ('[workbook]\nplan_date = "22/03/2011"\n', ["[workbook] plan_date", "2011-03-22"]),
    ('[workbook]\nheader_search_rows = "twenty"\n', ["[workbook] header_search_rows must be a whole number"]),
    ('[[rag.levels]]\nlabel = "Red"\ncolour = "red"\n', ["'Red' colour", "six hex digits"]),
    ('[sections]\ndue = ["(unclosed"]\n', ["[sections] due has a bad pattern"]),
    ('[chase]\nreply_days = "five"\n', ["[chase] reply_days must be a whole number, not 'five'"]),
    ('[chase]\nreply_days = -1\n', ["[chase] reply_days must be 0 to 250 working days"]),
    ('[chase]\nclosed_days = ["24/12/2026"]\n', ["[chase] closed_days must list dates like \"2026-12-24\""]),
    ('[chase]\nclosed_days = "2026-12-24"\n', ["[chase] closed_days must be a list"]),
    ('[chase]\nworkbook_link = "https://x.example.org/plan.xlsx\\nBcc: y"\n', ["[chase] workbook_link must be one line"]),
    ('[chase]\nsender = "bm@example.org, all@example.org"\n', ["[chase] sender must be one plain email address"]),
])
def test_config_errors_name_the_key_and_the_file(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_missing_config_named_on_the_command_line(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_conflict_labels_the_user_wrote_must_be_ratings(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[rules.conflict]\ndone_contradicts = ["Amberr"]\n')
    with pytest.raises(ConfigError, match=r"\[rules.conflict\] done_contradicts names 'Amberr'"):
        load_config(path)


# -- a wrong value is refused on loading, naming the key and the file --------------------------

def validate_with(capsys, path):
    """`xlplan validate` with this config: the exit code and what it said on stderr."""
    code = main(["validate", str(SEED_000), "--config", str(path)])
    return code, capsys.readouterr().err


def assert_refused(code, err, path, key):
    assert code == 2, err
    assert err.startswith("xlplan: config file ") and err.count("\n") == 1, err
    assert key in err and str(path) in err, err
    assert "report it" not in err and "Traceback" not in err, err


@pytest.mark.parametrize("text, key", [
    ('[chase]\nreply_days = "five"\n', "[chase] reply_days must be a whole number"),
    ('[format]\nbackups = "ten"\n', "[format] backups must be a whole number"),
    ('[limits]\nstale_lock_hours = "x"\n', "[limits] stale_lock_hours must be a number"),
    ("[format]\nbackups = -1\n", "[format] backups must be 0 or more"),
    ("[chase]\nreply_days = -5\n", "[chase] reply_days must be 0 to 250 working days"),
    ("[chase]\nreply_days = 100000000\n", "[chase] reply_days must be 0 to 250 working days"),
    ("[chase]\ntimeout_seconds = 0\n", "[chase] timeout_seconds must be more than 0"),
    ("[limits]\nstale_lock_hours = -1\n", "[limits] stale_lock_hours must be from 0"),
    ("[limits]\nstale_lock_hours = 1e300\n", "[limits] stale_lock_hours must be from 0"),
    ("[limits]\nmax_unpacked_mb = 0\n", "[limits] max_unpacked_mb must be more than 0"),
    ("[limits]\nmax_unpacked_mb = inf\n", "[limits] max_unpacked_mb must be a number"),
    ("[limits]\nmax_rows = 0\n", "[limits] max_rows must be 1 or more"),
    ("[workbook]\nheader_search_rows = 0\n", "[workbook] header_search_rows must be 1 or more"),
    ("[history]\nno_data_after_missed_updates = -1\n", "[history] no_data_after_missed_updates must be 0 or more"),
    ("[weekly]\nparallel_min_mb = nan\n", "[weekly] parallel_min_mb must be a number"),
    ("[rag]\nfill_tolerance = 500\n", "[rag] fill_tolerance must be from 0 to 441"),
    ("[columns.ref]\nwidth = 0\n", "[columns.ref] width must be more than 0"),
    ("[limits]\nmax_rows = true\n", "[limits] max_rows must be a whole number"),
    ("[weekly]\nsend = 1\n", "[weekly] send must be true or false"),
    ('[import]\nwork_streams = "QA"\n', "[import] work_streams must be a list of texts"),
    ("[import]\nwork_streams = [1, 2]\n", "[import] work_streams must be a list of texts"),
    ('workbook = "plan.xlsx"\n', "[workbook] must be a table"),
    ('[schedule]\nday = "mondy"\n', "[schedule] day must be a day of the week"),
    ('[schedule]\ntime = "7am"\n', "[schedule] time must be a 24-hour time"),
    ('[[rag.levels]]\nlabel = "Red"\ncomplete = "yes"\n', "[[rag.levels]] 'Red' complete must be true or false"),
    ('[[rag.levels]]\nlabel = "Red"\naliases = "r"\n', "[[rag.levels]] 'Red' aliases must be a list of texts"),
    ('[[rag.levels]]\nlabel = "Red"\norder = "6"\n', "[[rag.levels]] 'Red' order must be a whole number"),
    ('[[rag.levels]]\nlabel = "Red"\ncolur = "FF0000"\n', "[[rag.levels]] 'Red' has an unknown key 'colur'"),
    ('[rag]\nlevels = ["Red"]\n', "[[rag.levels]] table"),
    ("[[rag.levels]]\nlabel = 5\n", "[[rag.levels]] number 1 label must be text in quotes"),
    ('[columns.lead]\nfill_down = "yes"\n', "[columns.lead] fill_down must be true or false"),
    ('[rules.severity]\noverdue = "loud"\n', '[rules.severity] overdue must be "error", "warning" or "off"'),
    ("[chase]\ntimeout_seconds = 4000\n", "[chase] timeout_seconds must be more than 0 and at most 3600"),
])
def test_a_wrong_value_is_exit_2_naming_the_key_and_the_file(tmp_path, capsys, text, key):
    path = tmp_path / "xlplan.toml"
    path.write_text(text)
    code, err = validate_with(capsys, path)
    assert_refused(code, err, path, key)


def _scalar_keys(table: dict, section: str = ""):
    """(section, key, default) for every key of the built-in defaults that is not a table."""
    for key, value in table.items():
        if section == "rag" and key == "scales":
            continue      # words of rating scales, not settings (tests/test_rag.py: [rag.scales])
        if isinstance(value, dict):
            yield from _scalar_keys(value, f"{section}.{key}" if section else key)
        elif section != "rag" or key != "levels":
            yield section, key, value


DEFAULTS = tomllib.loads(default_text())
# Every [columns.*] table may hold every key any of them has (fill_down on Lead as on Theme).
# ([columns] map is the one key of [columns] itself: a list, not a field's table.)
FIELD_TABLES = {name: spec for name, spec in DEFAULTS["columns"].items() if isinstance(spec, dict)}
COLUMN_KEYS = {key: value for spec in reversed(list(FIELD_TABLES.values())) for key, value in spec.items()}
SCALAR_KEYS = [(s, k, d) for s, k, d in _scalar_keys(DEFAULTS) if not s.startswith("columns.")] + [
    (f"columns.{name}", key, default) for name in FIELD_TABLES for key, default in COLUMN_KEYS.items()]


def _wrong(default):
    """A TOML value of another type than `default`."""
    if isinstance(default, bool):
        return '"yes"'
    if isinstance(default, (int, float)):
        return '"ten"'
    if isinstance(default, str):
        return "5"
    assert isinstance(default, list)
    return '"one"'


def test_the_sweep_covers_every_kind_of_key():
    kinds = {type(d) for _, _, d in SCALAR_KEYS}
    assert kinds == {str, int, float, bool, list} and len(SCALAR_KEYS) > 50
    swept = {(s, k) for s, k, _ in SCALAR_KEYS}
    assert {(s, k) for s, k, _ in _scalar_keys(DEFAULTS)} <= swept          # every key of the defaults
    assert {s.split(".")[0] for s, _ in swept} == set(DEFAULTS)                 # every section
    assert {(f"columns.{name}", "fill_down") for name in FIELD_TABLES} <= swept
    assert {key for key, _ in LEVEL_KEYS} | {"label"} == {k for level in DEFAULTS["rag"]["levels"] for k in level}


@pytest.mark.parametrize("section, key, default", SCALAR_KEYS, ids=[f"{s}.{k}" for s, k, _ in SCALAR_KEYS])
def test_every_key_refuses_a_value_of_another_type(tmp_path, capsys, section, key, default):
    path = tmp_path / "xlplan.toml"
    path.write_text(f"[{section}]\n{key} = {_wrong(default)}\n")
    code, err = validate_with(capsys, path)
    assert_refused(code, err, path, f"[{section}] {key} must be")
    if isinstance(default, list) and default and isinstance(default[0], str):
        path.write_text(f"[{section}]\n{key} = [1]\n")              # a list, of the wrong things
        code, err = validate_with(capsys, path)
        assert_refused(code, err, path, f"[{section}] {key} must be a list of texts")


LEVEL_KEYS = sorted({(k, type(v).__name__) for level in tomllib.loads(default_text())["rag"]["levels"]
                     for k, v in level.items() if k != "label"})


@pytest.mark.parametrize("key, kind", LEVEL_KEYS, ids=[k for k, _ in LEVEL_KEYS])
def test_every_rag_level_key_refuses_a_value_of_another_type(tmp_path, capsys, key, kind):
    path = tmp_path / "xlplan.toml"
    wrong = {"bool": '"yes"', "int": '"1"', "str": "1", "list": '"a"'}[kind]
    path.write_text(f'[[rag.levels]]\nlabel = "Done"\n{key} = {wrong}\n')
    code, err = validate_with(capsys, path)
    assert_refused(code, err, path, f"[[rag.levels]] 'Done' {key} must be")


def test_values_of_the_right_kind_are_taken(tmp_path):
    """A whole number where a number is the default, a TOML date or time where text is."""
    path = tmp_path / "xlplan.toml"
    path.write_text("[workbook]\nplan_date = 2011-03-22\n[schedule]\ntime = 07:30:00\n"
                    "[limits]\nstale_lock_hours = 1\nmax_unpacked_mb = 0.5\n[chase]\ntimeout_seconds = 2.5\n"
                    "reply_days = 0\n[columns.ref]\nwidth = 8.43\n[format]\nbackups = 0\n")
    config = load_config(path)
    assert config.plan_date == dt.date(2011, 3, 22)
    assert config.columns["ref"].width == 8.43
    assert config.max_unpacked_bytes == 512 * 1024
    assert config.raw["limits"]["stale_lock_hours"] == 1 and config.raw["chase"]["timeout_seconds"] == 2.5


def test_chase_settings_are_read_once_and_typed(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[chase]\ncc = " bm@example.org "\nreply_days = 3\nclosed_days = ["2026-12-24", 2026-12-31]\n')
    chase = load_config(path).chase
    assert chase.cc == "bm@example.org" and chase.reply_days == 3
    assert chase.closed_days == (dt.date(2026, 12, 24), dt.date(2026, 12, 31))
    assert load_config(search_from=tmp_path).chase.workbook_link == ""


# -- typed sections ------------------------------------------------------------------------------

TYPED = {"weekly": "weekly", "schedule": "schedule", "history": "history", "format": "format",
         "limits": "limits", "import": "import_", "chase": "chase"}


@pytest.mark.parametrize("section, attribute", TYPED.items())
def test_every_key_of_a_section_is_a_field_of_its_frozen_settings(config, section, attribute):
    settings = getattr(config, attribute)
    assert dataclasses.is_dataclass(settings) and type(settings).__dataclass_params__.frozen
    assert {f.name for f in dataclasses.fields(settings)} == set(DEFAULTS[section])
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(settings, dataclasses.fields(settings)[0].name, None)


def test_the_typed_settings_are_the_defaults_without_a_file(config):
    assert config.weekly == WeeklySettings(send=False, format=False, parallel=True, parallel_min_mb=1.0)
    assert config.schedule == ScheduleSettings(day="monday", time=dt.time(7, 0)) and config.schedule.weekday == 0
    assert config.history == HistorySettings(no_data_after_missed_updates=4) and config.no_data_after == 4
    assert config.format == FormatSettings(backup_folder="backups", backups=10)
    assert config.limits == LimitsSettings(max_unpacked_mb=500.0, max_rows=200_000, stale_lock_hours=12.0)
    assert config.import_ == ImportSettings(tuple(DEFAULTS["import"]["work_streams"]))
    assert (config.chase.smtp, config.chase.starttls, config.chase.timeout_seconds, config.chase.username,
            config.chase.password_env) == ("", False, 30.0, "", "")


def test_the_typed_settings_hold_what_the_file_says(tmp_path):
    path = tmp_path / "xlplan.toml"
    path.write_text("[weekly]\nsend = true\nformat = true\nparallel = false\nparallel_min_mb = 3\n"
                    '[schedule]\nday = " Friday "\ntime = 18:30:00\n'
                    "[history]\nno_data_after_missed_updates = 0\n"
                    '[format]\nbackup_folder = "old copies"\nbackups = 0\n'
                    "[limits]\nmax_unpacked_mb = 50\nmax_rows = 1000\nstale_lock_hours = 2\n"
                    '[import]\nwork_streams = ["Practice"]\n'
                    '[chase]\nsmtp = "mail.example.org:587"\nstarttls = true\ntimeout_seconds = 5\n'
                    'username = "bm"\npassword_env = "XLPLAN_SMTP_PASSWORD"\n'
                    "[columns.lead]\nfill_down = true\n")
    config = load_config(path)
    assert config.weekly == WeeklySettings(send=True, format=True, parallel=False, parallel_min_mb=3.0)
    assert config.schedule == ScheduleSettings(day="friday", time=dt.time(18, 30)) and config.schedule.weekday == 4
    assert config.history.no_data_after_missed_updates == 0 == config.no_data_after
    assert config.format == FormatSettings(backup_folder="old copies", backups=0)
    assert config.limits == LimitsSettings(max_unpacked_mb=50.0, max_rows=1000, stale_lock_hours=2.0)
    assert config.max_unpacked_bytes == 50 * 1024 * 1024 and config.max_rows == 1000
    assert config.import_.work_streams == ("Practice",)
    assert (config.chase.smtp, config.chase.starttls, config.chase.timeout_seconds, config.chase.username,
            config.chase.password_env) == ("mail.example.org:587", True, 5.0, "bm", "XLPLAN_SMTP_PASSWORD")
    assert all(isinstance(v, float) for v in (config.weekly.parallel_min_mb, config.limits.stale_lock_hours,
                                               config.limits.max_unpacked_mb, config.chase.timeout_seconds))
    assert config.columns["lead"].fill_down and not config.columns["ref"].fill_down


def test_nothing_outside_config_reads_the_raw_settings():
    """Every setting is read through its typed field; `raw` is only the merged data."""
    readers = [p.relative_to(PROJECT).as_posix() for p in (PROJECT / "xlplan").rglob("*.py")
               if p.name != "config.py" and re.search(r"config\.raw\b", p.read_text(encoding="utf-8"))]
    assert readers == []


def test_the_fingerprint_follows_the_settings_not_the_file(tmp_path):
    one, two, other = tmp_path / "one.toml", tmp_path / "two.toml", tmp_path / "other.toml"
    one.write_text('[workbook]\nsheet = "Plan"\n')
    two.write_text('# the same settings, written differently\n[schedule]\nday = "monday"\n')
    other.write_text('[columns.ref]\nheader = "No."\n')
    assert load_config(one).fingerprint() == load_config(two).fingerprint() == load_config(search_from=tmp_path).fingerprint()
    assert load_config(other).fingerprint() != load_config(one).fingerprint()


# -- xlplan config ------------------------------------------------------------------------------

def test_config_defaults_prints_the_full_reference(capsys):
    assert main(["config", "--defaults"]) == 0
    out = capsys.readouterr().out
    assert out == default_text()
    assert "[[rag.levels]]" in out and "done_words" in out and "# " in out


def test_config_prints_the_settings_in_effect_as_toml_that_reads_back_the_same(tmp_path, capsys):
    path = tmp_path / "xlplan.toml"
    path.write_text('[workbook]\nplan_date = 2011-03-22\n[schedule]\ntime = 07:30:00\n'
                    '[chase]\nclosed_days = [2026-12-24]\nsender_name = "Jo \\"BM\\" Smith \u00e9"\n'
                    '[import]\nwork_streams = ["Q\\u007fA", "\\\\server"]\n'
                    '[[rag.levels]]\nlabel = "Done"\ncomplete = true\nfills = []\n', encoding="utf-8")
    assert main(["config", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert str(path.resolve()) in out.splitlines()[0]
    again = tmp_path / "again.toml"
    again.write_text(out, encoding="utf-8")
    assert load_config(again).settings() == load_config(path).settings()
    assert load_config(again).scale == load_config(path).scale


def test_config_json_gives_the_file_and_the_settings(tmp_path, capsys):
    path = tmp_path / "xlplan.toml"
    path.write_text('[schedule]\nday = "friday"\n[workbook]\nplan_date = 2011-03-22\n')
    assert main(["config", "--config", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["file"] == str(path.resolve())
    assert data["settings"]["schedule"] == {"day": "friday", "time": "07:00"}
    assert data["settings"]["workbook"]["plan_date"] == "2011-03-22"
    assert data["settings"]["columns"]["ref"]["header"] == "Ref"
    assert main(["config", "--defaults", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["file"] is None and data["settings"] == json.loads(json.dumps(DEFAULTS, default=str))


def test_config_refuses_a_bad_file_like_every_command(tmp_path, capsys):
    path = tmp_path / "xlplan.toml"
    path.write_text("[weekly]\nsend = 1\n")
    assert main(["config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "[weekly] send must be true or false" in err and str(path) in err
