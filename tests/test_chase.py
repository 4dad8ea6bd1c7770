"""chase: who must update what, the mail-merge sheet, the drafts (parsed with the email
package), and delivery through a real SMTP server on loopback."""

import datetime as dt
import email
import email.policy
import json
import os
import re
import socket
import time

import pytest
from conftest import write_rows
from openpyxl import load_workbook

from xlplan.chase import chase_list
from xlplan.cli import main
from xlplan.findings import validate_plan
from xlplan.plan import read_plan

AS_OF = dt.date(2009, 5, 31)
HEADER = ["Ref", "Action", "Lead", "Due", "RAG", "Progress"]
ROWS = [
    ["2.15", "Clarify procedures for decision making on serious case reviews", "SCR Chair", "Mar 09", "No data", None],
    ["3.4", "Develop system for embedding the CRB Policy", "HR Lead", "Feb 09", "Amber", "Item placed in Team Talk"],
    ["4.9", "Identify ICT support for the R&A team", "Head of Safeguarding", "Feb 09", "Green", "ICT support identified"],
    ["4.12", "Schedule full migration to Frameworki", "Head of Safeguarding", "Dec 09", "G", "Suggest this action is RED"],
    ["2.2", "Prepare a statement on the assessment model", "DCS", "tbc", None, "CAF launch in April"],
    ["1.1", "Define objectives for the HSCB", "DCS", "Apr 09", "Amber", "=HYPERLINK(\"http://x\",\"Child A, 4 Elm Rd\")"],
    ["1.2", "Integrate safeguarding into delivery plans", "Quiet Lead", "Dec 09", "Amber", "On track"],
]
LEADS = [["Lead", "Email"], ["SCR Chair", "scr.chair@example.org"], ["HR Lead", "hr@example.org"],
         ["Head of Safeguarding", "hos@example.org"], ["DCS", "dcs@example.org"], ["Quiet Lead", "quiet@example.org"]]


def plan_file(tmp_path, rows=ROWS, leads=LEADS, name="plan.xlsx"):
    return write_rows(tmp_path / name, [HEADER, *rows], extra_sheets={"Leads": leads})


def build(tmp_path, config, rows=ROWS, leads=LEADS, previous=None):
    plan = read_plan(plan_file(tmp_path, rows, leads), config)
    old = read_plan(plan_file(tmp_path, previous, leads, "old.xlsx"), config) if previous else None
    return chase_list(plan, config, validation=validate_plan(plan, config, as_of=AS_OF), as_of=AS_OF, previous=old)


def reasons(result):
    return {i.action.ref: i.reasons for lead in result.leads for i in lead.items}


def test_who_is_chased_and_why(tmp_path, config):
    result = build(tmp_path, config)
    why = reasons(result)
    assert "no progress statement" in why["2.15"] and "overdue since 31/03/2009" in why["2.15"]
    assert "the rating says No data: please give a rating" in why["2.15"]
    assert "overdue since 28/02/2009" in why["3.4"]
    assert any(r.startswith("a reviewer suggests another rating") for r in why["4.12"])
    assert any(r.startswith("no rating") for r in why["2.2"]) and any(r.startswith("the due date cannot be read") for r in why["2.2"])
    assert "4.9" not in why                                   # Green past due: complete, never chased
    assert "1.2" not in why and "Quiet Lead" not in [l.lead for l in result.leads]   # nothing outstanding
    assert [l.lead for l in result.leads] == sorted((l.lead for l in result.leads), key=str.casefold)


def test_no_update_since_last_week_and_a_change_of_lead(tmp_path, config):
    before = [*ROWS[:6], ["1.2", ROWS[6][1], "Old Lead", "Dec 09", "Amber", "On track"]]
    result = build(tmp_path, config, previous=before)
    why = reasons(result)
    assert "not updated since the previous version" in why["1.1"]
    leads = {l.lead: l for l in result.leads}
    assert any("now yours (was Old Lead)" in r for r in leads["Quiet Lead"].items[0].reasons)
    assert any("handed over to Quiet Lead" in r for r in leads["Old Lead"].items[0].reasons)


def drafts(tmp_path, capsys, *extra):
    plan = plan_file(tmp_path)
    outbox = tmp_path / "outbox"
    assert main(["chase", str(plan), "--as-of", "2009-05-31", "--outbox", str(outbox), "--json", *extra]) == 0
    data = json.loads(capsys.readouterr().out)
    parsed = {}
    for lead in data["leads"]:
        if lead["draft"]:
            with open(lead["draft"], "rb") as f:
                parsed[lead["lead"]] = email.message_from_binary_file(f, policy=email.policy.default)
    return data, parsed


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


@pytest.mark.parametrize("lead, address, problem", [
    ("Eve\r\nBcc: all@example.org", "eve@example.org", "no email address"),   # the directory refuses the name
    ("Mallory", "mallory@example.org\r\nBcc: all@example.org", "no email address"),
    ("Trudy", "trudy@example.org, all@example.org", "no email address"),
    ("Nobody Listed", None, "no email address"),
])
def test_header_tricks_are_refused_and_reported(tmp_path, capsys, lead, address, problem):
    rows = [["1.1", "Audit case files", lead, "Jan 09", "Amber", None]]
    leads = [["Lead", "Email"]] + ([[lead, address]] if address else [])
    plan = plan_file(tmp_path, rows, leads)
    assert main(["chase", str(plan), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "out"), "--json"]) == 0
    entry = json.loads(capsys.readouterr().out)["leads"][0]
    assert problem in entry["problem"] and entry["draft"] is None
    assert not list((tmp_path / "out").rglob("*.eml"))


def test_chase_workbook_reads_back(tmp_path, capsys):
    target = tmp_path / "chase.xlsx"
    assert main(["chase", str(plan_file(tmp_path)), "--as-of", "2009-05-31", "-o", str(target)]) == 0
    wb = load_workbook(target)
    ws = wb["Chase"]
    header = [c.value for c in ws[3]]
    assert header == ["Lead", "Email", "Ref", "Action", "Due", "RAG", "Why", "Subject", "Lead's list"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), key=str.casefold)
    dcs = [r for r in rows if r[0] == "DCS"]
    assert {r[2] for r in dcs} == {"2.2", "1.1"} and all(r[1] == "dcs@example.org" for r in dcs)
    assert all("- 2.2 (Plan sheet, row 6):" in r[8] and "- 1.1 (Plan sheet, row 7):" in r[8] for r in dcs)  # the lead's whole list
    formula_like = next(c for row in ws.iter_rows(min_row=4) for c in row if c.value and "HYPERLINK" in str(c.value))
    assert formula_like.data_type == "s"                                # text, never a formula
    merge = [[c.value for c in r] for r in wb["Mail merge"].iter_rows(min_row=2)]
    assert {r[0] for r in merge} == {"DCS", "Head of Safeguarding", "HR Lead", "SCR Chair"}


# -- sending through a real SMTP server on loopback ------------------------------------------

def test_send_delivers_one_message_per_lead_and_never_twice(tmp_path, capsys, smtp_server):
    inbox, address = smtp_server, smtp_server.address
    plan = plan_file(tmp_path)
    args = ["chase", str(plan), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "out"),
            "--send", "--smtp", address, "--sender", "bm@example.org", "--json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert {l["lead"]: l["sent"] for l in first["leads"]} == {
        "DCS": "sent", "Head of Safeguarding": "sent", "HR Lead": "sent", "SCR Chair": "sent"}
    assert sorted(m["To"].addresses[0].addr_spec for m in inbox.messages) == [
        "dcs@example.org", "hos@example.org", "hr@example.org", "scr.chair@example.org"]
    assert all(m["X-Unsent"] is None and m["From"].addresses[0].addr_spec == "bm@example.org" for m in inbox.messages)
    assert main(args) == 0                                                # again: nothing more is sent
    again = json.loads(capsys.readouterr().out)
    assert len(inbox.messages) == 4
    assert all(l["sent"].startswith("already sent") for l in again["leads"])


def test_without_send_nothing_leaves(tmp_path, capsys, smtp_server):
    inbox, address = smtp_server, smtp_server.address
    assert main(["chase", str(plan_file(tmp_path)), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "out"),
                 "--smtp", address, "--sender", "bm@example.org"]) == 0
    assert inbox.messages == []


def test_send_to_no_server_fails_per_lead(tmp_path, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]                                         # nothing listens here
    code = main(["chase", str(plan_file(tmp_path)), "--as-of", "2009-05-31", "--send", "--smtp", f"127.0.0.1:{port}",
                 "--sender", "bm@example.org", "--outbox", str(tmp_path / "out")])
    assert code == 1
    assert "failed: could not reach" in capsys.readouterr().out
    assert not (tmp_path / "out" / "sent-log.jsonl").exists()


@pytest.mark.parametrize("extra, words", [
    (["--smtp", "127.0.0.1:25"], "no sender address for sending: set [chase] sender in"),
    (["--sender", "bm@example.org"], "no SMTP server"),
    (["--sender", "bm@example.org\r\nBcc: x@example.org", "--smtp", "127.0.0.1:25"], "is not one plain email address"),
])
def test_send_needs_a_server_and_a_sender(tmp_path, capsys, extra, words):
    code = main(["chase", str(plan_file(tmp_path)), "--as-of", "2009-05-31", "--send",
                 "--outbox", str(tmp_path / "out"), *extra])
    assert code == 2 and words in capsys.readouterr().err


# -- what a lead receives -------------------------------------------------------------------------

from conftest import PROJECT  # noqa: E402

from xlplan.chaselog import DRAFTS_MANIFEST  # noqa: E402
from xlplan.config import load_config  # noqa: E402
from xlplan.errors import ConfigError, XlplanError  # noqa: E402
from xlplan.mail.drafts import check_sender, reply_by  # noqa: E402


def project_config(tmp_path, text=""):
    (tmp_path / "config").mkdir(exist_ok=True)
    path = tmp_path / "config" / "xlplan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def read_eml(path):
    """The draft as the lead's mail program reads it."""
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def chase_drafts(tmp_path, capsys, *extra, plan=None, as_of="2009-05-31", outbox=None):
    outbox = outbox or tmp_path / "out"
    code = main(["chase", str(plan or plan_file(tmp_path)), "--as-of", as_of, "--outbox", str(outbox), "--json", *extra])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    return {l["lead"]: read_eml(l["draft"]) for l in data["leads"] if l["draft"]}


def plain_part(msg):
    return msg.get_body(("plain",)).get_content()


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


def test_sending_without_a_sender_names_the_key_and_the_config_file(tmp_path, capsys):
    (tmp_path / "project").mkdir()
    config = project_config(tmp_path / "project", '[chase]\nsmtp = "127.0.0.1:25"\n')
    with pytest.raises(XlplanError) as err:
        check_sender("", load_config(config))
    assert str(err.value) == (f"no sender address for sending: set [chase] sender in {config.resolve()} "
                              f"or pass --sender ADDRESS")
    defaults = tmp_path / "nothing-here"
    defaults.mkdir()
    with pytest.raises(XlplanError, match=r"set \[chase\] sender in .*config/xlplan.toml \(there is no config file "
                                          r"yet: xlplan is using its built-in defaults\) or pass --sender ADDRESS"):
        check_sender("", load_config(search_from=defaults))
    code = main(["chase", str(plan_file(tmp_path)), "--as-of", "2009-05-31", "--send", "--config", str(config)])
    assert code == 2 and "no sender address for sending: set [chase] sender in" in capsys.readouterr().err
    # drafts need no sender: they have no From, and the mail program fills in the account
    msg = chase_drafts(tmp_path, capsys, "--config", str(config))["DCS"]
    assert msg["From"] is None
    config.write_text('[chase]\nsender = "bm@example.org"\nsender_name = "HSCB Business Manager"\n')
    msg = chase_drafts(tmp_path, capsys, "--config", str(config), outbox=tmp_path / "out2")["DCS"]
    assert msg["From"].addresses[0].addr_spec == "bm@example.org"
    assert msg["From"].addresses[0].display_name == "HSCB Business Manager"


def test_the_business_manager_is_copied_on_every_chase_email(tmp_path, capsys, smtp_server):
    config = project_config(tmp_path, '[chase]\ncc = "business.manager@example.org"\n')
    parsed = chase_drafts(tmp_path, capsys, "--config", str(config))
    assert len(parsed) == 4
    for lead, msg in parsed.items():
        assert [a.addr_spec for a in msg["Cc"].addresses] == ["business.manager@example.org"]
        assert [a.addr_spec for a in msg["To"].addresses] == [dict(map(tuple, LEADS[1:]))[lead]]
    # sent, each message goes to its lead and the copy, and the lead's refusal is a failure to retry
    smtp_server.refuse = {"hr@example.org"}
    args = ["chase", str(plan_file(tmp_path)), "--as-of", "2009-05-31", "--outbox", str(tmp_path / "sent"),
            "--send", "--smtp", smtp_server.address, "--sender", "bm@example.org", "--config", str(config), "--json"]
    assert main(args) == 1
    sent = {l["lead"]: l["sent"] for l in json.loads(capsys.readouterr().out)["leads"]}
    assert sent["HR Lead"].startswith("failed: the server refused hr@example.org") and sent["DCS"] == "sent"
    assert ["business.manager@example.org", "dcs@example.org"] in smtp_server.recipients
    smtp_server.refuse = set()
    assert main(args) == 0
    again = {l["lead"]: l["sent"] for l in json.loads(capsys.readouterr().out)["leads"]}
    assert again["HR Lead"] == "sent" and again["DCS"].startswith("already sent")


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


def drafts_on_disk(outbox):
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(outbox.glob("*")) if p.is_file()}


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
