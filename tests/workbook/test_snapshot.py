"""Snapshots of the shared workbook, and history from them."""

import datetime as dt
import json
import os

import pytest
from conftest import write_rows

from xlplan.cli import main
from xlplan.config import load_config
from xlplan.history import load_version
from xlplan.status import history_of
from xlplan.workbook.snapshot import snapshots, take_snapshot
from xlplan.workbook.snapshot import weeks as snapshot_weeks

HEADER = ["Ref", "Action", "Lead", "Due", "RAG", "Progress", "Updated"]


@pytest.fixture
def project(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "xlplan.toml").write_text('[workbook]\npath = "plan.xlsx"\n[folders]\nhistory = "history"\n')
    return tmp_path


def save(project, rows):
    return write_rows(project / "plan.xlsx", [HEADER, *rows])


ROWS = [["1.1", "Define objectives", "DCS", "Dec 09", "Amber", "Started", None],
        ["1.2", "Integrate plans", "CT Manager", "Dec 09", "Red", "Not begun", None]]


def test_snapshot_is_named_by_date_and_read_only(project):
    config = load_config(project / "config" / "xlplan.toml")
    save(project, ROWS)
    result = take_snapshot(config, as_of=dt.date(2026, 11, 2))
    assert result.stored and result.snapshot.path == project / "history" / "plan.2026-11-02.xlsx"
    assert result.snapshot.path.read_bytes() == (project / "plan.xlsx").read_bytes()
    assert not os.stat(result.snapshot.path).st_mode & 0o222


def test_identical_snapshot_is_not_stored_twice(project):
    config = load_config(project / "config" / "xlplan.toml")
    save(project, ROWS)
    take_snapshot(config, as_of=dt.date(2026, 11, 2))
    again = take_snapshot(config, as_of=dt.date(2026, 11, 9))
    assert not again.stored and "identical" in again.reason
    assert len(snapshots(project / "history")) == 1


def test_snapshot_while_the_workbook_is_open(project):
    """A lock file means a lead has it open; a snapshot only reads, so it goes ahead and the
    original is left exactly as it was."""
    config = load_config(project / "config" / "xlplan.toml")
    path = save(project, ROWS)
    (project / "~$plan.xlsx").write_bytes(b"\x05Alice")
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    assert take_snapshot(config, as_of=dt.date(2026, 11, 2)).stored
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before


def test_a_second_version_on_the_same_day_is_kept_too(project):
    config = load_config(project / "config" / "xlplan.toml")
    save(project, ROWS)
    take_snapshot(config, as_of=dt.date(2026, 11, 2))
    save(project, [ROWS[0], [*ROWS[1][:4], "Amber", "Begun", None]])
    result = take_snapshot(config, as_of=dt.date(2026, 11, 2))
    assert result.snapshot.path.name == "plan.2026-11-02.2.xlsx"
    assert [s.path.name for s in snapshots(project / "history")] == ["plan.2026-11-02.xlsx", "plan.2026-11-02.2.xlsx"]


def test_a_missing_workbook_is_reported(project, capsys):
    assert main(["snapshot", "--config", str(project / "config" / "xlplan.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def weeks(project, versions):
    """Store one snapshot a week from 2 November 2026, one per list of rows."""
    config = load_config(project / "config" / "xlplan.toml")
    for i, rows in enumerate(versions):
        save(project, rows)
        take_snapshot(config, as_of=dt.date(2026, 11, 2) + dt.timedelta(weeks=i))
    return config


def test_days_since_last_update(project):
    updated = [ROWS[0], [*ROWS[1][:4], "Amber", "Plans drafted", None]]
    reworded = [[ROWS[0][0], "Define and publish objectives", *ROWS[0][2:]], updated[1]]
    config = weeks(project, [ROWS, ROWS, updated, reworded])
    assert len(snapshots(project / "history")) == 3           # week 2 was identical: not stored
    result = history_of(config, as_of=dt.date(2026, 11, 23)).by_ref()
    assert result["1.1"].last_update == dt.date(2026, 11, 2)  # rewording is not an update
    assert result["1.1"].days_since == 21 and result["1.1"].missed_updates == 2
    assert result["1.2"].last_update == dt.date(2026, 11, 16) and result["1.2"].days_since == 7
    assert [r for _, r, _ in result["1.2"].weeks] == ["Red", "Amber", "Amber"]


def test_last_updated_column_counts(project):
    confirmed = [[*ROWS[0][:6], dt.datetime(2026, 11, 14)], ROWS[1]]
    config = weeks(project, [ROWS, confirmed])
    result = history_of(config, as_of=dt.date(2026, 11, 16)).by_ref()
    assert result["1.1"].last_update == dt.date(2026, 11, 9) and result["1.1"].missed_updates == 0
    assert result["1.2"].missed_updates == 1


def test_a_quiet_week_is_recorded_without_a_second_copy(project):
    """The weekly run records a week in which nothing changed: an entry pointing at the
    identical snapshot, never a second copy of the bytes."""
    config = load_config(project / "config" / "xlplan.toml")
    save(project, ROWS)
    first = take_snapshot(config, as_of=dt.date(2026, 11, 2), record=True)
    again = take_snapshot(config, as_of=dt.date(2026, 11, 9), record=True)
    by_hand = take_snapshot(config, as_of=dt.date(2026, 11, 16))        # a snapshot by hand records nothing
    assert first.stored and not again.stored and not by_hand.stored
    assert [p.name for p in (project / "history").glob("*.xlsx")] == ["plan.2026-11-02.xlsx"]
    assert [(w.date, w.path.name) for w in snapshot_weeks(project / "history", "plan")] == [
        (dt.date(2026, 11, 2), "plan.2026-11-02.xlsx"), (dt.date(2026, 11, 9), "plan.2026-11-02.xlsx")]
    assert history_of(config, as_of=dt.date(2026, 11, 9)).by_ref()["1.1"].missed_updates == 1


def test_a_damaged_week_register_loses_only_its_bad_lines(project):
    config = load_config(project / "config" / "xlplan.toml")
    save(project, ROWS)
    take_snapshot(config, as_of=dt.date(2026, 11, 2), record=True)
    take_snapshot(config, as_of=dt.date(2026, 11, 9), record=True)
    register = project / "history" / "plan.weeks.jsonl"
    register.write_text(register.read_text() + '{"week": "2026-11-16", "snap\n{"week": "2026-11-23", "snapshot": "../../etc/passwd"}\n')
    assert [w.date.isoformat() for w in snapshot_weeks(project / "history", "plan")] == ["2026-11-02", "2026-11-09"]


def test_parsed_snapshots_are_cached_by_content(project, monkeypatch):
    config = weeks(project, [ROWS])
    snap = snapshots(project / "history")[0]
    first = load_version(snap, config)
    assert list((project / "history" / ".cache").glob("*.json"))
    import xlplan.history as history

    monkeypatch.setattr(history, "read_plan", lambda *a, **k: pytest.fail("read the workbook again"))
    assert load_version(snap, config) == first


def test_a_new_xlplan_version_reads_the_snapshots_again(project, monkeypatch):
    """The cache is keyed by xlplan's version: after an upgrade that reads plans differently
    (issue 15), old cached readings are not used."""
    import xlplan
    import xlplan.history as history

    config = weeks(project, [ROWS])
    snap = snapshots(project / "history")[0]
    first = load_version(snap, config)
    monkeypatch.setattr(history, "__version__", xlplan.__version__ + ".post1")
    read = []
    real = history.read_plan
    monkeypatch.setattr(history, "read_plan", lambda *a, **k: read.append(1) or real(*a, **k))
    assert load_version(snap, config) == first and read == [1]
    assert len(list((project / "history" / ".cache").glob("*.json"))) == 2


def test_history_command(project, capsys):
    weeks(project, [ROWS, [ROWS[0], [*ROWS[1][:5], "Drafted", None]]])
    assert main(["history", "--config", str(project / "config" / "xlplan.toml"), "--as-of", "2026-11-16", "--json"]) == 0
    data = {a["ref"]: a for a in json.loads(capsys.readouterr().out)["actions"]}
    assert data["1.2"]["last_update"] == "2026-11-09" and data["1.1"]["days_since"] == 14


def test_no_snapshot_beside_a_weekly_run(project, capsys):
    """A snapshot taken by hand while the weekly run is going is refused, not interleaved."""
    from xlplan.run.scheduler import run_lock

    save(project, ROWS)
    config = load_config(project / "config" / "xlplan.toml")
    with run_lock(config):
        assert main(["snapshot", "--config", str(project / "config" / "xlplan.toml")]) == 2
    assert "already running" in capsys.readouterr().err
    assert not (project / "history").exists()


def test_a_damaged_cache_entry_is_read_again_and_mended(project, monkeypatch):
    config = weeks(project, [ROWS])
    snap = snapshots(project / "history")[0]
    first = load_version(snap, config)
    [cache] = (project / "history" / ".cache").glob("*.json")
    cache.write_text('{"1.1": {"rag": ')                      # cut off half-way
    assert load_version(snap, config) == first
    import xlplan.history as history

    monkeypatch.setattr(history, "read_plan", lambda *a, **k: pytest.fail("the cache was not mended"))
    assert load_version(snap, config) == first


def test_history_shows_whole_ratings_and_refuses_an_unknown_ref(project, capsys):
    worse = [ROWS[0], [*ROWS[1][:4], "Amber/Red", "Slipping", None]]
    weeks(project, [ROWS, worse])
    config = ["--config", str(project / "config" / "xlplan.toml"), "--as-of", "2026-11-09"]
    assert main(["history", *config]) == 0
    out = capsys.readouterr().out
    assert "Red, Amber/Red" in out and "updated this week" in out
    assert main(["history", *config, "--ref", "9.99"]) == 2
    err = capsys.readouterr().err
    assert "no action 9.99" in err and err.count("\n") == 1
