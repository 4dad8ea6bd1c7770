"""Golden files: what each command prints on the shipped default plan and on the real seeds,
compared exactly with tests/report/golden/<case>.txt, so any change to a text rendering shows up as a
diff to read and accept. Dates are fixed with --as-of; the temporary folder the commands run in
is written as <tmp>, the project folder as <project>.

To accept a changed rendering, regenerate the files and review the diff:

    XLPLAN_REGENERATE_GOLDEN=1 pytest tests/report/test_golden.py
    git diff tests/report/golden/
"""

import os
import shutil

import pytest
from conftest import PROJECT, SEEDS

from xlplan.cli import main

GOLDEN = PROJECT / "tests" / "report" / "golden"
REGENERATE = os.environ.get("XLPLAN_REGENERATE_GOLDEN", "") not in ("", "0")
AS_OF = ["--as-of", "2026-11-23"]
PLAN = "workbooks/plan.xlsx"
LAST_WEEK = "workbooks/history/plan.2026-11-16.xlsx"
WEEK_BEFORE = "workbooks/history/plan.2026-11-09.xlsx"
SEED_000 = "seeds/000_5f410cbe6595b4ac.txt"
SEED_001 = "seeds/001_c214f7114ef60200.txt"
SEED_004 = "seeds/004_498ca0c0c89041b6.txt"

# Two versions of a small plan with every kind of change compare reports (a rating up and one
# down, progress, due, lead, wording, renumbered, removed, added, a duplicate ref, no update).
OLD_CSV = """Ref,Action,Lead,Due,RAG,Progress
1.1,Audit case files,DCS,2026-06-30,Amber,Audits started
1.2,Train staff on thresholds,HSCB Business Manager,2026-03-31,Red,Not started
1.3,Publish the annual report,HSCB Chair,2026-09-30,Green,Published
1.4,Review the escalation policy,DCS,2026-12-31,Amber,Draft written
2.1,Set up the MASH,Head of Safeguarding,2026-04-30,Amber,Premises found
2.2,Recruit a data analyst,DCS,2026-05-31,Amber,Advert out
2.2,Recruit a second analyst,DCS,2026-05-31,Amber,Advert out
"""
NEW_CSV = """Ref,Action,Lead,Due,RAG,Progress
1.1,Audit case files,DCS,2026-06-30,Green,Audits done and reported
1.2,Train staff on thresholds,HSCB Business Manager,2026-03-31,Red,Not started
1.5,Review the escalation policy,DCS,2026-12-31,Red,Draft written
2.1,Set up the multi-agency hub,DCS,2026-07-31,Amber,Premises found
2.2,Recruit a data analyst,DCS,2026-05-31,Amber,Advert out
2.2,Recruit a second analyst,DCS,2026-05-31,Amber,Advert out
3.1,Publish the threshold guidance,HSCB Chair,2026-10-31,Amber,Drafting
"""

# case -> the command line, run in a copy of the project (config, the default plan and its
# shipped history) with the seeds in seeds/ and the two versions above in changes/.
CASES = {
    "default-validate": ["validate", PLAN, *AS_OF],
    "default-compare": ["compare", LAST_WEEK, PLAN, *AS_OF],
    "default-compare-history": ["compare", WEEK_BEFORE, LAST_WEEK, "--as-of", "2026-11-16"],
    "default-summary": ["summary", PLAN, *AS_OF],
    "default-exceptions": ["exceptions", PLAN, *AS_OF],
    "default-chase": ["chase", PLAN, *AS_OF],
    "default-history": ["history", *AS_OF],
    "default-history-ref": ["history", "--ref", "4.4", *AS_OF],
    "default-export-table": ["export", PLAN, "--format", "table"],
    "default-import": ["import", PLAN, "-o", "out/imported.xlsx"],
    "seed-001-validate": ["validate", SEED_001, *AS_OF],
    "seed-001-summary": ["summary", SEED_001, *AS_OF],
    "seed-001-exceptions": ["exceptions", SEED_001, *AS_OF],
    "seed-001-chase": ["chase", SEED_001, *AS_OF],
    "seed-001-export-table": ["export", SEED_001, "--format", "table"],
    "seed-001-import": ["import", SEED_001, "-o", "out/plan.xlsx"],
    "seed-000-compare-with-the-default": ["compare", SEED_000, PLAN, *AS_OF],
    "compare-every-kind-of-change": ["compare", "changes/old.csv", "changes/new.csv", *AS_OF],
    "seed-004-import": ["import", SEED_004, "-o", "out/plan.xlsx", "--plan-date", "2011-03-22"],
}


def rendering(args, code, out, err, folder):
    """The golden text: the command, its exit code, what it printed on stdout and stderr,
    with the folders it ran in replaced by names that do not change from run to run."""
    text = f"$ xlplan {' '.join(args)}\nexit {code}\n--- stdout\n{out}--- stderr\n{err}"
    for path, name in ((folder.resolve(), "<tmp>"), (folder, "<tmp>"), (PROJECT, "<project>")):
        text = text.replace(str(path), name)
    return text


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_the_text_renderings_match_their_golden_files(project, capsys, monkeypatch, reader, case):
    """Through either reader (python-calamine, and openpyxl, its fallback), the same text."""
    if reader == "openpyxl":
        if REGENERATE:
            pytest.skip("the golden files are written from the default reader")
        monkeypatch.setenv("XLPLAN_READER", "openpyxl")
    shutil.copytree(SEEDS, project / "seeds")
    (project / "changes").mkdir()
    (project / "changes" / "old.csv").write_text(OLD_CSV, encoding="utf-8")
    (project / "changes" / "new.csv").write_text(NEW_CSV, encoding="utf-8")
    args = CASES[case]
    code = main(list(args))
    out, err = capsys.readouterr()
    text = rendering(args, code, out, err, project)
    golden = GOLDEN / f"{case}.txt"
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.exists(), f"no golden file {golden.name}: run XLPLAN_REGENERATE_GOLDEN=1 pytest {__file__}"
    assert text == golden.read_text(encoding="utf-8"), (
        f"{case}: the output differs from {golden.name}; if the change is meant, regenerate with "
        f"XLPLAN_REGENERATE_GOLDEN=1 pytest tests/report/test_golden.py and review `git diff tests/report/golden/`")


def test_every_golden_file_belongs_to_a_case():
    files = {p.stem for p in GOLDEN.glob("*.txt")}
    if REGENERATE:
        for stale in files - set(CASES):
            (GOLDEN / f"{stale}.txt").unlink()
        files &= set(CASES)
    assert files == set(CASES)


def test_the_normalising_keeps_what_is_not_a_path(tmp_path):
    text = rendering(["export", "x"], 0, f"{tmp_path}/a.xlsx 5 actions\n", "", tmp_path)
    assert text == "$ xlplan export x\nexit 0\n--- stdout\n<tmp>/a.xlsx 5 actions\n--- stderr\n"
