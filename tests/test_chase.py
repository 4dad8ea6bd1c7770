"""chase: who must update what, the mail-merge sheet, the drafts (parsed with the email
package), and delivery through a real SMTP server on loopback."""

import datetime as dt
import email
import email.policy
import json
import socket

import pytest
from openpyxl import load_workbook

from conftest import write_rows
from xlplan.chase import chase_list
from xlplan.cli import main
from xlplan.plan import read_plan
from xlplan.validate import validate_plan

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
    assert all("2.2:" in r[8] and "1.1:" in r[8] for r in dcs)          # the lead's whole list, for mail merge
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
    (["--smtp", "127.0.0.1:25"], "no usable sender address"),
    (["--sender", "bm@example.org"], "no SMTP server"),
    (["--sender", "bm@example.org\r\nBcc: x@example.org", "--smtp", "127.0.0.1:25"], "no usable sender address"),
])
def test_send_needs_a_server_and_a_sender(tmp_path, capsys, extra, words):
    code = main(["chase", str(plan_file(tmp_path)), "--as-of", "2009-05-31", "--send",
                 "--outbox", str(tmp_path / "out"), *extra])
    assert code == 2 and words in capsys.readouterr().err
