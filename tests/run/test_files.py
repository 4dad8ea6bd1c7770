"""files: atomic writes that keep a replaced file's permissions and group, new files and folders
that follow the umask, and sweeping what a killed run left behind."""

import os
import stat
from pathlib import Path

import pytest
from conftest import other_group

from xlplan.cli import main
from xlplan.run import files
from xlplan.run.files import (
    atomic_path,
    make_temp_folder,
    sweep_run_folders,
    sweep_temporary,
)

AS_OF = "2026-11-23"


@pytest.fixture
def set_umask():
    """Set the process umask for the test; the one before is put back whatever happens."""
    before = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the permissions of what xlplan writes ----------------------------------------------------

def test_umask_is_read_without_changing_it(set_umask, monkeypatch):
    set_umask(0o027)
    assert files.umask() == 0o027
    real_open = open

    def no_proc(path, *args, **kwargs):                 # a system without /proc/self/status
        if str(path).startswith("/proc/"):
            raise FileNotFoundError(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", no_proc)
    assert files.umask() == 0o027
    assert files.umask() == 0o027                       # the fallback put it back


def test_a_replaced_file_keeps_its_mode_and_group(tmp_path, set_umask):
    set_umask(0o077)                                    # the umask must not decide it
    path = tmp_path / "shared.xlsx"
    path.write_bytes(b"before")
    path.chmod(0o664)
    group = other_group(path)
    if group is not None:
        os.chown(path, -1, group)
    expected_gid = path.stat().st_gid
    with atomic_path(path) as tmp:
        tmp.write_bytes(b"after")
    assert path.read_bytes() == b"after"
    assert mode(path) == 0o664
    assert path.stat().st_gid == expected_gid


@pytest.mark.parametrize("umask, file_mode, folder_mode", [(0o002, 0o664, 0o775), (0o022, 0o644, 0o755),
                                                           (0o077, 0o600, 0o700)],
                         ids=["umask-002", "umask-022", "umask-077"])
def test_new_files_and_temporary_folders_follow_the_umask(tmp_path, set_umask, umask, file_mode, folder_mode):
    set_umask(umask)
    with atomic_path(tmp_path / "new" / "report.xlsx") as tmp:
        tmp.write_bytes(b"x")
    assert mode(tmp_path / "new" / "report.xlsx") == file_mode
    assert mode(tmp_path / "new") == folder_mode
    folder = make_temp_folder(".2026-11-23-", tmp_path)
    assert folder.name.startswith(".2026-11-23-") and mode(folder) == folder_mode


@pytest.mark.parametrize("umask, file_mode, folder_mode, snapshot_mode", [(0o002, 0o664, 0o775, 0o444),
                                                                         (0o022, 0o644, 0o755, 0o444)],
                         ids=["umask-002", "umask-022"])
def test_a_weekly_run_writes_what_the_team_can_open(project, capsys, set_umask, umask, file_mode, folder_mode,
                                                    snapshot_mode):
    set_umask(umask)
    assert main(["weekly", "--as-of", AS_OF]) == 0
    capsys.readouterr()
    written = [project / "reports", project / "outbox", project / "logs"]
    paths = [p for folder in written for p in [folder, *folder.rglob("*")]]
    assert project / "reports" / AS_OF / f"xlplan-report-{AS_OF}.xlsx" in paths
    assert list((project / "outbox" / AS_OF).glob("*.eml"))
    wrong = {str(p.relative_to(project)): oct(mode(p)) for p in paths
             if mode(p) != (folder_mode if p.is_dir() else file_mode)}
    assert wrong == {}
    history = project / "workbooks" / "history"
    assert mode(history / f"plan.{AS_OF}.xlsx") == snapshot_mode       # read-only, readable by the team
    assert mode(history / ".cache") == folder_mode
    assert {oct(mode(p)) for p in (history / ".cache").iterdir()} == {oct(file_mode)}


def test_a_snapshot_is_read_only_within_the_umask(project, capsys, set_umask):
    set_umask(0o077)
    assert main(["snapshot", "--as-of", AS_OF]) == 0
    assert mode(project / "workbooks" / "history" / f"plan.{AS_OF}.xlsx") == 0o400


# -- sweeping what a killed run left ----------------------------------------------------------

def test_sweep_takes_only_xlplan_temporary_names(tmp_path):
    ours = [tmp_path / ".01-Assistant-Chief-Executive-HR.iw0haa72.tmp.eml", tmp_path / ".plan.2026-11-23.k_3v9x0a.tmp.xlsx",
            tmp_path / "..last-weekly-run.abcdefgh.tmp"]
    theirs = [tmp_path / "notes.txt", tmp_path / ".hidden", tmp_path / ".notes.tmp.txt", tmp_path / "draft.tmp.eml",
              tmp_path / "01-DCS.eml", tmp_path / ".my.draft.eml"]
    for path in ours + theirs:
        path.write_text("x")
    (tmp_path / ".2026-11-23-ab12cd_9").mkdir()                           # a report folder being written
    (tmp_path / ".2026-11-23-ab12cd_9" / "xlplan-report-2026-11-23.xlsx").write_text("half")
    (tmp_path / ".2026-11-23-minutes").mkdir()                            # someone's own folder
    removed = sweep_temporary(tmp_path)
    assert sorted(p.name for p in removed) == sorted([p.name for p in ours] + [".2026-11-23-ab12cd_9"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([p.name for p in theirs] + [".2026-11-23-minutes"])


def test_sweep_puts_back_a_report_folder_whose_replacement_never_arrived(tmp_path):
    """Killed between setting last run's report aside and moving the new one in: the old report
    comes back; set aside beside a finished replacement, it goes."""
    (tmp_path / ".2026-11-23.old").mkdir()
    (tmp_path / ".2026-11-23.old" / "xlplan-report-2026-11-23.xlsx").write_text("complete")
    (tmp_path / ".2026-11-16.old").mkdir()
    (tmp_path / "2026-11-16").mkdir()
    sweep_temporary(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-11-16", "2026-11-23"]
    assert (tmp_path / "2026-11-23" / "xlplan-report-2026-11-23.xlsx").read_text() == "complete"


def test_sweep_run_folders_reaches_every_week_of_the_outbox(tmp_path):
    reports, history, outbox = tmp_path / "reports", tmp_path / "history", tmp_path / "outbox"
    left = [reports / ".xlplan-report.abcdefgh.tmp.xlsx", history / ".plan.2026-11-30.abcdefgh.tmp.xlsx",
            outbox / ".sent-log.abcdefgh.tmp.jsonl", outbox / "2026-11-16" / ".03-DCS.abcdefgh.tmp.eml",
            outbox / "2026-11-30" / ".01-Assistant-Chief-Executive-HR.iw0haa72.tmp.eml"]
    kept = [outbox / "2026-11-16" / "03-DCS.eml", outbox / "mine" / ".notes.abcdefgh.tmp.txt",
            outbox / "2026-11-16" / "deeper" / ".x.abcdefgh.tmp.eml"]
    for path in left + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    assert sorted(sweep_run_folders(reports, history, outbox)) == sorted(left)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in left)
    assert sweep_run_folders(tmp_path / "none", tmp_path / "none", tmp_path / "none") == []
