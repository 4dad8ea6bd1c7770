"""mail/send: delivery through a real SMTP server on loopback, never twice; the sender and the
server named when missing."""

import json
import socket

import pytest
from chasekit import LEADS, chase_drafts, plan_file, project_config

from xlplan.cli import main
from xlplan.config import load_config
from xlplan.errors import XlplanError
from xlplan.mail.drafts import check_sender


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
