"""Config: built-in defaults, the project's file, and errors that name the key and the file."""

import datetime as dt
import tomllib

import pytest

from conftest import PROJECT
from xlplan.config import load_config
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


def test_shipped_config_matches_the_built_in_defaults():
    """config/xlplan.toml documents every setting; it must not drift from the defaults."""
    shipped = tomllib.loads((PROJECT / "config" / "xlplan.toml").read_text(encoding="utf-8"))
    built_in = tomllib.loads((PROJECT / "xlplan" / "defaults.toml").read_text(encoding="utf-8"))
    assert shipped == built_in


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
    ('[workbook]\nheader_search_rows = "twenty"\n', ["[workbook] header_search_rows must be a int"]),
    ('[[rag.levels]]\nlabel = "Red"\ncolour = "red"\n', ["'Red' colour", "six hex digits"]),
    ('[sections]\ndue = ["(unclosed"]\n', ["[sections] due has a bad pattern"]),
    ('[chase]\nreply_days = "five"\n', ["[chase] reply_days must be a whole number, not 'five'"]),
    ('[chase]\nreply_days = -1\n', ["[chase] reply_days must be 0 to 250 working days"]),
    ('[chase]\nclosed_days = ["24/12/2026"]\n', ["[chase] closed_days must list dates like \"2026-12-24\""]),
    ('[chase]\nclosed_days = "2026-12-24"\n', ["[chase] closed_days must be a list of dates"]),
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


def test_chase_settings_are_read_once_and_typed(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[chase]\ncc = " bm@example.org "\nreply_days = 3\nclosed_days = ["2026-12-24", 2026-12-31]\n')
    chase = load_config(path).chase
    assert chase.cc == "bm@example.org" and chase.reply_days == 3
    assert chase.closed_days == (dt.date(2026, 12, 24), dt.date(2026, 12, 31))
    assert load_config(search_from=tmp_path).chase.workbook_link == ""
