"""The embedded default plan a newcomer's first command runs on."""

import collections

from conftest import PROJECT, scrutiny_counts
from xlplan.cli import main
from xlplan.config import load_config
from xlplan.plan import read_plan

DEFAULT = PROJECT / "workbooks" / "plan.xlsx"


def test_default_config_points_at_the_default_plan():
    config = load_config(PROJECT / "config" / "xlplan.toml")
    assert config.workbook == DEFAULT


def test_default_plan_is_seed_000_as_the_board_kept_it():
    plan = read_plan(DEFAULT, load_config(PROJECT / "config" / "xlplan.toml"))
    assert len(plan.actions) == 28
    counts = collections.Counter(a.rag for a in plan.actions)
    assert dict(counts) == scrutiny_counts()
    sources = collections.Counter(a.rating.source for a in plan.actions)
    assert sources == {"text": 22, "fill": 6}
    assert all(a.due and a.lead and a.action for a in plan.actions)


def test_default_plan_has_a_leads_directory():
    plan = read_plan(DEFAULT, load_config(PROJECT / "config" / "xlplan.toml"))
    assert plan.directory is not None and not plan.directory.problems
    for action in plan.actions:
        lead = plan.directory.find(action.lead)
        assert lead is not None and lead.email.endswith("@example.org")


def test_readme_first_command_works(capsys, monkeypatch):
    monkeypatch.chdir(PROJECT)
    assert main(["export", "workbooks/plan.xlsx", "--format", "table"]) == 0
    assert "28 actions" in capsys.readouterr().out
