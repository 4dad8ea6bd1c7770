"""mail/drafts: the drafts a lead receives (parsed with the email package as their mail client
would): only their actions, where to go, a reply-by working day, plain English, text cut at a
word, the copy address, stable re-runs, the drafts' record."""

import datetime as dt
import email
import email.policy
import json
import os
import re
import time

import pytest
from chasekit import (
    HEADER,
    LEADS,
    ROWS,
    chase_drafts,
    drafts,
    drafts_on_disk,
    plain_part,
    plan_file,
    project_config,
    read_eml,
)
from conftest import PROJECT, write_rows
from openpyxl import load_workbook

from xlplan.chaselog import DRAFTS_MANIFEST
from xlplan.cli import main
from xlplan.config import load_config
from xlplan.errors import ConfigError
from xlplan.mail.drafts import reply_by


def test_drafts_parse_and_hold_only_their_own_leads_actions(tmp_path, capsys):
    data, parsed = drafts(tmp_path, capsys)
    assert set(parsed) == {"DCS", "Head of Safeguarding", "HR Lead", "SCR Chair"}
    mine = {l["lead"]: set(l["refs"]) for l in data["leads"]}
    everything = {ref: row[1] for ref, *_ in ROWS for row in ROWS if row[0] == ref}
    for lead, msg in parsed.items():
        assert msg["X-Unsent"] == "1"
        assert msg["To"].addresses[0].addr_spec == dict(map(tuple, LEADS[1:]))[lead]
        assert str(len(mine[lead])) in msg["Subject"]
        text = msg.get_body(("plain",)).get_content()
        page = msg.get_body(("html",)).get_content()
        for ref, action in everything.items():
            inside = ref in mine[lead]
            assert (action in text) is inside, f"{lead}'s draft and {ref}"
            assert (action in page) is inside


def test_html_escapes_plan_text(tmp_path, capsys):
    rows = [["1.1", "Audit <script>alert(1)</script> files", "DCS", "Jan 09", "Amber", "<img src=x onerror=alert(1)> & more"]]
    plan = plan_file(tmp_path, rows)
    main(["chase", str(plan), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "out"), "--json"])
    draft = json.loads(capsys.readouterr().out)["leads"][0]["draft"]
    msg = email.message_from_binary_file(open(draft, "rb"), policy=email.policy.default)
    page = msg.get_body(("html",)).get_content()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt; &amp; more" in page


def test_progress_can_be_left_out_of_emails(tmp_path, capsys):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "xlplan.toml").write_text("[chase]\ninclude_progress = false\n")
    data, parsed = drafts(tmp_path, capsys, "--config", str(tmp_path / "config" / "xlplan.toml"))
    whole = "".join(m.get_body(("plain",)).get_content() + m.get_body(("html",)).get_content() for m in parsed.values())
    assert "Item placed in Team Talk" not in whole and "Child A" not in whole
    assert "Develop system for embedding" in whole


def test_a_draft_says_where_the_workbook_is_and_the_sheet_and_row_of_each_action(tmp_path, capsys):
    config = project_config(tmp_path, '[chase]\nworkbook_link = "https://council.sharepoint.com/sites/hscb/Shared '
                                      'Documents/plan.xlsx"\n')
    link = "https://council.sharepoint.com/sites/hscb/Shared%20Documents/plan.xlsx"      # a space ends a link
    parsed = chase_drafts(tmp_path, capsys, "--config", str(config))
    text, page = plain_part(parsed["DCS"]), parsed["DCS"].get_body(("html",)).get_content()
    assert f"Open the workbook here: {link}\n" in text
    # rows as the lead sees them in Excel: the header is row 1, 2.2 and 1.1 are the 5th and 6th actions
    assert "- 2.2 (Plan sheet, row 6): Prepare a statement on the assessment model\n" in text
    assert "- 1.1 (Plan sheet, row 7): Define objectives for the HSCB\n" in text
    assert f'<a href="{link}">{link}</a>' in page and "<td style='border:1px solid #999;padding:4px;vertical-align:top'>Plan sheet, row 6</td>" in page


def test_the_workbook_is_by_default_the_configured_shared_workbook(tmp_path, capsys, monkeypatch):
    (tmp_path / "share").mkdir()
    shared = plan_file(tmp_path / "share")
    config = project_config(tmp_path, f'[workbook]\npath = "{shared.as_posix()}"\n')
    copy = plan_file(tmp_path, name="copy.xlsx")                      # the same plan, read from a copy
    text = plain_part(chase_drafts(tmp_path, capsys, "--config", str(config), plan=copy)["DCS"])
    assert f"Open the workbook here: {shared}\n" in text
    # a UNC path is shown as it is, and is not a web link
    config.write_text('[chase]\nworkbook_link = \'\\\\fileserver\\hscb\\plan.xlsx\'\n')
    msg = chase_drafts(tmp_path, capsys, "--config", str(config), plan=copy)["DCS"]
    assert "Open the workbook here: \\\\fileserver\\hscb\\plan.xlsx\n" in plain_part(msg)
    assert "<a " not in msg.get_body(("html",)).get_content()
    # with no project at all (no config file above the working folder), the plan chased
    alone = tmp_path / "alone"
    alone.mkdir()
    monkeypatch.chdir(alone)
    (tmp_path / "config" / "xlplan.toml").unlink()
    plan = plan_file(alone)
    text = plain_part(chase_drafts(alone, capsys, plan=plan)["DCS"])
    assert f"Open the workbook here: {plan}\n" in text


@pytest.mark.parametrize("as_of, days, closed, expected", [
    ("2026-11-23", 5, (), "2026-11-30"),                  # Monday to Monday
    ("2026-11-27", 1, (), "2026-11-30"),                  # Friday: the next working day is Monday
    ("2026-12-23", 5, (), "2027-01-04"),                  # Christmas, Boxing Day (Monday 28th), New Year's Day
    ("2026-12-23", 5, ("2026-12-24", "2026-12-31"), "2027-01-06"),   # and the council closed two days
    ("2027-03-24", 3, (), "2027-03-31"),                  # Good Friday 26/03 and Easter Monday 29/03/2027
    ("2027-03-25", 1, (), "2027-03-30"),
    ("2027-03-26", 0, (), "2027-03-30"),                  # 0: the as-of date, or the next working day
    ("2027-03-24", 0, (), "2027-03-24"),
])
def test_the_reply_by_date_is_a_working_day_in_england(as_of, days, closed, expected):
    day = reply_by(dt.date.fromisoformat(as_of), days, tuple(dt.date.fromisoformat(d) for d in closed))
    assert day == dt.date.fromisoformat(expected) and day.weekday() < 5


def test_reply_days_and_closed_days_come_from_the_config(tmp_path, capsys):
    config = project_config(tmp_path, '[chase]\nreply_days = 5\nclosed_days = ["2026-12-24", 2026-12-31]\n')
    msg = chase_drafts(tmp_path, capsys, "--config", str(config), as_of="2026-12-23")["DCS"]
    assert msg["Subject"].startswith("Please update 2 actions by Wednesday 06/01/2027: ")
    assert "Please update the workbook by Wednesday 06/01/2027: " in plain_part(msg)


def test_one_action_and_three_actions_read_as_english(tmp_path, capsys):
    rows = [["1.1", "Audit case files", "DCS", "Jan 09", "Amber", None],
            ["2.1", "Train staff", "HR Lead", "Jan 09", "Amber", None],
            ["2.2", "Review the policy", "HR Lead", "Jan 09", "Red", "Started"],
            ["2.3", "Report to the board", "HR Lead", "Jan 09", "Amber", None]]
    parsed = chase_drafts(tmp_path, capsys, plan=plan_file(tmp_path, rows))
    one, three = parsed["DCS"], parsed["HR Lead"]
    assert one["Subject"] == "Please update 1 action by Friday 05/06/2009: plan"
    assert three["Subject"] == "Please update 3 actions by Friday 05/06/2009: plan"
    assert "As of 31/05/2009, 1 action needs your update in the shared workbook for the plan. " in plain_part(one)
    assert "As of 31/05/2009, 3 actions need your update in the shared workbook for the plan. " in plain_part(three)
    for msg in (one, three):
        text = msg["Subject"] + "\n" + plain_part(msg)
        assert not re.search(r"\b1 actions\b|\b1 action need\b|\b[02-9]\d* action\b|\b[02-9]\d* actions needs\b", text)
        assert "$" not in text and "\x00" not in text
        # the prose between the greeting and the list, and after the list, is whole sentences
        prose = [p for p in text.split("\n\n")[1:-1] if not p.startswith(("- ", "Open the workbook here: "))]
        assert len(prose) == 3
        for sentence in re.split(r"(?<=\.) ", " ".join(prose)):
            assert sentence[0].isupper() and sentence.endswith("."), sentence


def test_text_is_cut_only_at_a_word_with_an_ellipsis(tmp_path, capsys):
    words = " ".join(f"word{i}" for i in range(80))                     # 80 words, 519 characters
    rows = [["1.1", words, "DCS", "Jan 09", "Amber", words + " " + words]]
    text = plain_part(chase_drafts(tmp_path, capsys, plan=plan_file(tmp_path, rows))["DCS"])
    action = re.search(r"- 1\.1 \(Plan sheet, row 2\): (.*)\n", text).group(1)
    statement = re.search(r"    last statement: (.*)\n", text).group(1)
    for cut, limit in ((action, 200), (statement, 300)):
        assert cut.endswith("\u2026") and len(cut) <= limit
        kept = cut[:-1]
        assert (words + " " + words).startswith(kept + " ")             # whole words, then the ellipsis
        assert len(kept) > limit - 10                                     # and as many as fit


def test_a_long_list_in_a_mail_merge_cell_ends_with_whole_actions_and_how_many_more(tmp_path, capsys):
    rows = [[f"1.{i}", f"Action number {i} " + "with many words " * 8, "DCS", "Jan 09", "Amber", None]
            for i in range(1, 61)]
    target = tmp_path / "chase.xlsx"
    assert main(["chase", str(plan_file(tmp_path, rows)), "--as-of", "2009-05-31", "-o", str(target)]) == 0
    capsys.readouterr()
    wb = load_workbook(target)
    for cell, limit in ((wb["Chase"]["I4"].value, 2000), (wb["Mail merge"]["D2"].value, 8000)):
        assert len(cell) <= limit
        listed = re.findall(r"^- (1\.\d+) ", cell, re.MULTILINE)
        last = cell.splitlines()[-1]
        assert last == (f"\u2026 and {60 - len(listed)} more actions (60 in all): "
                        f"filter the Lead column of the workbook to your name to see them all")
        assert cell.splitlines()[-2].startswith("    why: ")              # the action before it is whole
        assert listed == [f"1.{i}" for i in range(1, len(listed) + 1)]


@pytest.mark.parametrize("value", ["bm@example.org, all@example.org", "Business Manager <bm@example.org>",
                                   "bm@example.org\\r\\nBcc: all@example.org", "not an address"])
def test_a_copy_address_that_is_not_one_plain_address_is_refused(tmp_path, capsys, value):
    config = project_config(tmp_path, f'[chase]\ncc = "{value}"\n')
    with pytest.raises(ConfigError) as err:
        load_config(config)
    message = str(err.value)
    assert message.startswith(f"config file {config.resolve()}: [chase] cc must be one plain email address")
    assert message.count(". ") == 0 and "\n" not in message                # one sentence
    assert main(["chase", str(plan_file(tmp_path)), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "out"),
                 "--config", str(config)]) == 2
    assert "[chase] cc" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_a_rerun_for_the_same_date_keeps_every_unchanged_draft_byte_for_byte(tmp_path, capsys):
    folder = tmp_path / "out" / "2009-05-31"
    chase_drafts(tmp_path, capsys)
    for path in folder.iterdir():                       # as if written an hour ago
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 3600 * 10**9))
    first = drafts_on_disk(folder)
    assert sorted(first) == [DRAFTS_MANIFEST, "DCS.eml", "HR-Lead.eml", "Head-of-Safeguarding.eml", "SCR-Chair.eml"]
    time.sleep(1.1)                                      # a new Date would differ by now
    chase_drafts(tmp_path, capsys)
    assert drafts_on_disk(folder) == first              # same bytes, not even rewritten
    # one lead's list changes: only their draft is written again, with a new Date and Message-ID
    rows = [r if r[0] != "3.4" else [*r[:5], "Policy launched in May"] for r in ROWS]
    chase_drafts(tmp_path, capsys, plan=plan_file(tmp_path, rows))
    now = drafts_on_disk(folder)
    assert {name for name in now if now[name] != first[name]} == {"HR-Lead.eml"}
    old, new = (email.message_from_bytes(d[0], policy=email.policy.default) for d in (first["HR-Lead.eml"], now["HR-Lead.eml"]))
    assert old["Message-ID"] != new["Message-ID"] and old["Date"] != new["Date"]
    assert "Policy launched in May" in plain_part(new)


def test_drafts_are_named_by_lead_and_those_no_longer_wanted_are_removed(tmp_path, capsys):
    rows = [*ROWS, ["5.1", "Agree the budget", "Joint / Lead", "Jan 09", "Red", None],
            ["5.2", "Agree the terms", "Joint Lead", "Jan 09", "Red", None]]
    leads = [*LEADS, ["Joint / Lead", "joint1@example.org"], ["Joint Lead", "joint2@example.org"]]
    folder = tmp_path / "out" / "2009-05-31"
    folder.mkdir(parents=True)
    (folder / "notes.eml").write_text("the business manager's own file")
    (folder / "SCR-Chair.eml").write_text("a file xlplan did not write, with a lead's name")
    parsed = chase_drafts(tmp_path, capsys, plan=plan_file(tmp_path, rows, leads))
    names = {p.name for p in folder.glob("*.eml")}
    assert names == {"notes.eml", "SCR-Chair.eml", "SCR-Chair-2.eml", "DCS.eml", "HR-Lead.eml",
                     "Head-of-Safeguarding.eml", "Joint-Lead.eml", "Joint-Lead-2.eml"}
    assert (folder / "SCR-Chair.eml").read_text() == "a file xlplan did not write, with a lead's name"
    assert read_eml(folder / "Joint-Lead.eml")["To"].addresses[0].addr_spec == "joint1@example.org"  # "/" sorts first
    assert read_eml(folder / "Joint-Lead-2.eml")["To"].addresses[0].addr_spec == "joint2@example.org"
    assert len(parsed) == 6
    manifest = json.loads((folder / DRAFTS_MANIFEST).read_text())["drafts"]
    assert sorted(manifest) == sorted(names - {"notes.eml", "SCR-Chair.eml"})
    assert manifest["HR-Lead.eml"] == {"lead": "HR Lead", "email": "hr@example.org", "refs": ["3.4"],
                                       "plan": str((tmp_path / "plan.xlsx").resolve())}
    kept = drafts_on_disk(folder)
    # the actions of HR Lead and the Head of Safeguarding are done: their drafts go, and no other draft changes
    rows = [[*r[:4], "Blue", "Done"] if r[0] in ("3.4", "4.12") else r for r in rows]
    chase_drafts(tmp_path, capsys, plan=plan_file(tmp_path, rows, leads))
    now = drafts_on_disk(folder)
    assert set(kept) - set(now) == {"HR-Lead.eml", "Head-of-Safeguarding.eml"}
    assert all(now[name] == kept[name] for name in now if name != DRAFTS_MANIFEST)
    assert sorted(json.loads((folder / DRAFTS_MANIFEST).read_text())["drafts"]) == [
        "DCS.eml", "Joint-Lead-2.eml", "Joint-Lead.eml", "SCR-Chair-2.eml"]


def test_the_shipped_template_is_the_built_in_one():
    """config/chase-email.txt is what a business manager edits; xlplan/chase-email.txt is used
    without a project: they must not drift apart."""
    assert (PROJECT / "config" / "chase-email.txt").read_bytes() == (PROJECT / "xlplan" / "chase-email.txt").read_bytes()


def test_a_subject_with_a_dash_reads_back_exactly(tmp_path, capsys):
    """The email library folds a long subject with a non-ASCII character so that a mail
    program shows two spaces for one; xlplan encodes it so it reads back exactly."""
    rows = [["Safeguarding Review \u2013 Action Plan: Exception Report, May 2009"], HEADER, *ROWS]
    path = write_rows(tmp_path / "plan.xlsx", rows, extra_sheets={"Leads": LEADS})
    msg = chase_drafts(tmp_path, capsys, plan=path)["DCS"]
    assert msg["Subject"] == ("Please update 2 actions by Friday 05/06/2009: "
                              "Safeguarding Review \u2013 Action Plan: Exception Report, May 2009")


def test_a_run_stopped_half_way_still_knows_which_drafts_it_wrote(tmp_path, capsys, monkeypatch):
    import xlplan.run.files

    real, calls = xlplan.run.files.write_text, []

    def write_text(path, text):
        calls.append(path.name)
        if len(calls) == 3:                               # the list of drafts, DCS's draft, then the disk is full
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(xlplan.run.files, "write_text", write_text)
    assert main(["chase", str(plan_file(tmp_path)), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "out")]) == 2
    capsys.readouterr()
    monkeypatch.setattr(xlplan.run.files, "write_text", real)
    folder = tmp_path / "out" / "2009-05-31"
    assert calls[:2] == [DRAFTS_MANIFEST, "DCS.eml"] and [p.name for p in folder.glob("*.eml")] == ["DCS.eml"]
    assert sorted(json.loads((folder / DRAFTS_MANIFEST).read_text())["drafts"]) == [
        "DCS.eml", "HR-Lead.eml", "Head-of-Safeguarding.eml", "SCR-Chair.eml"]
    # DCS's actions are done by the next run: the draft the stopped run wrote goes
    rows = [[*r[:4], "Blue", "Done"] if r[2] == "DCS" else r for r in ROWS]
    chase_drafts(tmp_path, capsys, plan=plan_file(tmp_path, rows))
    assert sorted(p.name for p in folder.glob("*.eml")) == ["HR-Lead.eml", "Head-of-Safeguarding.eml", "SCR-Chair.eml"]
