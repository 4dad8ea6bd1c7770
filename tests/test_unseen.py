"""Plans we have not seen (issue 15, item 8): tables from real public plans of the family xlplan
reads (an LSCB progress update, scrutiny recommendation plans and trackers, a Covalent report, a
council delivery plan), each with its reading counted by hand in tests/fixtures/unseen/expected.toml.

Every check runs through the public API (`xlplan.read_plan`) and the command line (`xlplan export
--json`, `xlplan validate --json`). Where main does not yet read a plan as it was written, the
check is marked xfail(strict=True) with the convention it misses: when a fix lands the check
passes, strict xfail turns it red, and the mark must come off (UNSEEN_XFAIL below)."""

from __future__ import annotations

import functools
import json
import re
import tomllib
from pathlib import Path

import pytest

import xlplan
from xlplan.cli import main

UNSEEN = Path(__file__).resolve().parent / "fixtures" / "unseen"
EXPECTED = tomllib.loads((UNSEEN / "expected.toml").read_text(encoding="utf-8"))["plans"]
CANONICAL = {"Blue", "Green", "Amber/Green", "Amber", "Amber/Red", "Red", "Grey", "No data"}
CHECKS = ["reads", "columns", "count", "refs", "actions", "leads", "dues", "ratings", "export", "validate"]

# The conventions main misses today (the "before" figure of issue 15): (plan, check) -> why.
# Each names the convention; when a fix makes a check pass, strict xfail turns it red: take the
# entry out.
# Fixed by the header matching of issue 15 (i15-headers): footnote markers and synonyms
# (maidstone_scraip_kpi_2012), the plan's own header below a report-back table
# (maidstone_scraip_rural_2011), a header on two lines and 'Milestone' (lancashire), the
# Recommendation as the action where there is no Action column, or only an empty one
# (stockton, maidstone_scraip_ptd_2014), 'Meeting, Date & Minute' as the ref; with the key
# reading on main, Stockton's 1-4 scale is read too.
# Fixed by i15-finish: rows split over three lines glued on evidence, the group heading above
# its milestones (lancashire); the plan's key to its columns never read as actions, and its
# 'Date' (the committee date, as that key says) not the due date (scrutiny_tracker_annex_a).
UNSEEN_XFAIL: dict[tuple[str, str], str] = {}


def _cases():
    for name in EXPECTED:
        for check in CHECKS:
            why = UNSEEN_XFAIL.get((name, check))
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            yield pytest.param(name, check, marks=marks, id=f"{name}-{check}")


def _words(text: str) -> str:
    """The words of a cell: list bullets dropped, spaces and line breaks as one space."""
    return re.sub(r"\s+", " ", re.sub(r"(^|\s)[•·](?=\s)", " ", text or "")).strip()


@functools.lru_cache(maxsize=None)
def _plan(name: str):
    return xlplan.read_plan(UNSEEN / EXPECTED[name]["file"])


@functools.lru_cache(maxsize=None)
def _cli(command: str, name: str) -> tuple[int, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([command, str(UNSEEN / EXPECTED[name]["file"]), "--json"])
    return code, out.getvalue() or err.getvalue()


def _expected_refs(name: str, actions) -> list[str]:
    refs = EXPECTED[name]["refs"]
    return refs if refs != "generated" else [a.ref for a in actions]


def check_reads(name, want):
    plan = _plan(name)
    assert plan.actions, "no actions read"


def check_columns(name, want):
    """Each header cell becomes the field counted by hand; a column kept as it is ("extra") is
    no field. A header split over two lines is found by its first line."""
    plan = _plan(name)
    headers = [_words(str(h or "")) for h in plan.headers]
    for header, field in want["columns"].items():
        header = _words(header)
        found = [i for i, h in enumerate(headers) if h == header]
        found = found or [i for i, h in enumerate(headers) if h and header.startswith(h)]
        assert found, f"no column {header!r} in {headers}"
        if field == "extra":
            assert found[0] not in plan.columns.values(), (header, plan.columns)
        else:
            assert plan.columns.get(field) == found[0], (header, field, plan.columns)


def check_count(name, want):
    assert len(_plan(name).actions) == want["actions"]


def check_refs(name, want):
    actions = _plan(name).actions
    if want["refs"] == "generated":
        refs = [a.ref for a in actions]
        assert len(actions) == want["actions"] and all(refs) and len(set(refs)) == len(refs)
        assert all(a.ref_generated for a in actions), "the plan has no refs: they must be said to be generated"
    else:
        assert [a.ref for a in actions] == want["refs"]


def check_actions(name, want):
    """No row lost, no key or footnote line read as an action: the actions are exactly the plan's,
    in order, each with its own words."""
    got = [_words(a.action) for a in _plan(name).actions]
    starts = [_words(a["starts"]) for a in want["action"]]
    assert len(got) == len(starts), got
    for text, start in zip(got, starts):
        assert text.startswith(start), (text, start)


def check_leads(name, want):
    assert [_words(a.lead) for a in _plan(name).actions] == [a["lead"] for a in want["action"]]


def check_dues(name, want):
    actions = _plan(name).actions
    assert len(actions) == len(want["action"])
    for got, exp in zip(actions, want["action"]):
        assert _words(got.due_text) == exp["due_text"], got.ref
        if exp["due"] == "relative":
            continue            # "6 months": relative to the plan date; the text must be kept
        assert (got.due.isoformat() if got.due else "") == exp["due"], got.ref


def check_ratings(name, want):
    actions = _plan(name).actions
    assert len(actions) == len(want["action"])
    for got, exp in zip(actions, want["action"]):
        if exp["rating"] == "unknown":
            assert got.rag not in CANONICAL, (got.ref, got.rag)
        else:
            assert (got.rag or "") == exp["rating"], (got.ref, got.rag)


def check_export(name, want):
    code, out = _cli("export", name)
    assert code == 0, out
    rows = json.loads(out)["actions"]
    assert len(rows) == want["actions"]
    assert [r["ref"] for r in rows] == _expected_refs(name, _plan(name).actions)
    for row, exp in zip(rows, want["action"]):
        assert _words(row["action"]).startswith(_words(exp["starts"]))
        assert _words(row["lead"]) == exp["lead"]
        if exp["rating"] not in ("unknown", ""):
            assert row["rag"] == exp["rating"]
        if exp["due"] not in ("relative", ""):
            assert row["due"] == exp["due"]


def check_validate(name, want):
    code, out = _cli("validate", name)
    assert code in (0, 1), out
    report = json.loads(out)
    assert report["actions"] == want["actions"]
    rules = {(f["ref"], f["rule"]) for f in report["findings"]}
    assert not any(rule == "duplicate-ref" for _, rule in rules), "a key row read as an action?"
    refs = _expected_refs(name, _plan(name).actions)
    for ref, exp in zip(refs, want["action"]):
        if exp["rating"] == "unknown":
            assert (ref, "unknown-rag") in rules, ref
        if exp["rating"] not in ("unknown", ""):
            assert (ref, "missing-rag") not in rules and (ref, "unknown-rag") not in rules, ref
        if exp["lead"]:
            assert (ref, "missing-lead") not in rules, ref


@pytest.mark.parametrize(("name", "check"), list(_cases()))
def test_unseen_plan(name, check):
    globals()[f"check_{check}"](name, EXPECTED[name])


def test_every_plan_has_its_reading_counted_and_a_source_named():
    readme = (UNSEEN / "README.md").read_text(encoding="utf-8")
    assert len(EXPECTED) >= 6
    for name, want in EXPECTED.items():
        assert (UNSEEN / want["file"]).is_file(), want["file"]
        assert len(want["action"]) == want["actions"], name
        assert want["refs"] == "generated" or len(want["refs"]) == want["actions"], name
        assert want["file"] in readme, f"{name}: no source in README.md"
        for action in want["action"]:
            assert action["rating"] in CANONICAL | {"", "unknown"}, (name, action["rating"])


def test_the_built_fixtures_hold_their_transcriptions(tmp_path):
    """The .docx and .xlsx are what build.py makes of the transcriptions beside them."""
    import importlib.util

    from openpyxl import load_workbook

    spec = importlib.util.spec_from_file_location("unseen_build", UNSEEN / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for source in sorted(UNSEEN.glob("*.xlsx.tsv")):
        fresh = tmp_path / source.with_suffix("").name
        build.build_xlsx(source, fresh)
        kept = [[c for c in r] for r in load_workbook(source.with_suffix(""), read_only=True).active.values]
        made = [[c for c in r] for r in load_workbook(fresh, read_only=True).active.values]
        assert kept == made, source.name
    import docx

    for source in sorted(UNSEEN.glob("*.docx.tsv")):
        fresh = tmp_path / source.with_suffix("").name
        build.build_docx(source, fresh)
        def cells(path):
            d = docx.Document(path)
            return ([p.text for p in d.paragraphs],
                    [[c.text for c in row.cells] for t in d.tables for row in t.rows])
        assert cells(source.with_suffix("")) == cells(fresh), source.name
