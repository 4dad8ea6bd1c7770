"""A small plan with leads, and helpers to chase it and read the drafts back, shared by the
tests of chase.py (tests/test_chase.py) and of mail/ (tests/mail/)."""

import datetime as dt
import email
import email.policy
import json

from conftest import write_rows

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


def drafts_on_disk(outbox):
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(outbox.glob("*")) if p.is_file()}
