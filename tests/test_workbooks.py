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


def test_readme_quick_start_is_exactly_two_commands():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start")[1].split("```sh")[1].split("```")[0].strip().splitlines()
    assert quick == ["pip install -e . && xlplan weekly", "pip install -e '.[test]' && pytest"]
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert all(line in ci for line in quick)


def test_readme_examples_are_real_commands(capsys):
    """Every `xlplan ...` line in the README names a command and options that exist."""
    import shlex

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    lines, in_code = [], False
    for line in readme.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        elif in_code and line.strip().startswith("xlplan "):
            lines.append(line.strip())
    assert len(lines) >= 3
    for line in lines:
        words = shlex.split(line.split("#")[0])[1:]
        command = words[0]
        options = [w.split("=")[0] for w in words if w.startswith("--")]
        assert main([command, "--help"]) == 0, line
        text = capsys.readouterr().out
        assert all(option in text for option in options), line
