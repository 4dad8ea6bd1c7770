"""Every rule, firing and not firing, on rows taken from the seeds."""

import datetime as dt
import json

import pytest
from conftest import SAYS_DONE, SEED_000, SEED_001, write_rows
from openpyxl import load_workbook

from xlplan.cli import main
from xlplan.findings import RULES, validate_plan
from xlplan.plan import read_plan

AS_OF = dt.date(2009, 5, 31)          # the date of seed 000's exception report
HEADER = ["Ref", "Action", "Lead officer", "By when", "RAG rating", "Progress statement"]
LEADS = [["Lead", "Email"], ["DCS", "dcs@example.org"], ["HSCB Chair", "chair@example.org"],
         ["HSCB Business Manager", "bm@example.org"]]


def findings(tmp_path, config, rows, *, header=HEADER, leads=LEADS, as_of=AS_OF):
    path = write_rows(tmp_path / "p.xlsx", [header, *rows], extra_sheets={"Leads": leads} if leads else None)
    return validate_plan(read_plan(path, config), config, as_of=as_of).findings


def rules_for(found, ref):
    return {f.rule for f in found if f.ref == ref}


# Each case: a rule, a row that makes it fire, and a row from the same seed that does not.
CASES = [
    ("missing-ref",
     [None, "Review business plan focusing on key outcomes", "HSCB Business Manager", "Mar 09", "A", "Development day on the 22 nd June"],
     ["2.3", "Review business plan focusing on key outcomes", "HSCB Business Manager", "Mar 09", "A", "Development day on the 22 nd June"]),
    ("missing-action",
     ["2.6", None, "HSCB Chair", "Mar 09", "A", "The delivery plan will be refreshed"],
     ["2.6", "Identify responsible officers for each element of the delivery plan", "HSCB Chair", "Mar 09", "A", "The delivery plan will be refreshed"]),
    ("missing-lead",
     ["2.7", "Identify and agree performance standards for HSCB Business Manager", None, "Mar 09", "A/R", "Process begun but on hold"],
     ["2.7", "Identify and agree performance standards for HSCB Business Manager", "DCS", "Mar 09", "A/R", "Process begun but on hold"]),
    ("unknown-lead",
     ["1.2", "Integrate safeguarding into all Outcome Group delivery plans", "Outcome Group leads/CT Business Manager", "Apr 09", "●", "Draft Delivery Plans are being developed"],
     ["2.5", "Review delivery plan in line with the business plan", "HSCB Chair / HSCB Business Manager", "Apr 09", "●", "The delivery plan was discussed"]),
    ("missing-due",
     ["4.4", "Confirm threshold criteria", "DCS", None, "●", "Threshold criteria currently being refreshed."],
     ["4.4", "Confirm threshold criteria", "DCS", "Mar 09", "●", "Threshold criteria currently being refreshed."]),
    ("unparsed-due",
     ["4.2", "Guidance on case recording", "DCS", "Completed", "Blue", "Done"],
     ["4.2", "Guidance on case recording", "DCS", "By 19.10.12", "Blue", "Done"]),
    ("missing-rag",
     ["2.2", "Prepare clear statement on the assessment model", "DCS", "Mar 09", None, "CAF launch in April 2009"],
     ["2.2", "Prepare clear statement on the assessment model", "DCS", "Mar 09", "Amber", "CAF launch in April 2009"]),
    ("unknown-rag",
     ["2.2", "Prepare clear statement on the assessment model", "DCS", "Mar 09", "Purple", "CAF launch in April 2009"],
     ["2.2", "Prepare clear statement on the assessment model", "DCS", "Mar 09", "● / ★", "CAF launch in April 2009"]),
    ("missing-progress",
     ["2.15", "Clarify and document procedures for decision making on SCRs", "DCS", "Mar 09", "No data", None],
     ["3.2 / 3.7", "Implement new CRB Policy & Procedure", "DCS", "Feb 09", "★", None]),       # complete: not chased
    ("overdue",
     ["3.4", "Develop and implement system for communicating the CRB Policy", "DCS", "Feb 09", "●", "Item placed in Team Talk"],
     ["4.9", "Identify ICT support requirements for the R&A team", "DCS", "Feb 09", "★", "ICT support identified"]),
    ("rag-conflict",            # seed 001, 1.1: Green with its timescale extended
     ["1.1", "Set of clearly articulated quality standards", "DCS", "Oct 12 – Dec 12 Extension to timescale agreed Jan 13", "Green", "This has been shared with the front end"],
     ["1.5", "Specifically target schools where CAF approach not used", "DCS", "Jan 13", "Green 07.01.13", ""]),
    ("rag-conflict",            # "completed" under Amber; seed 000 1.2's "completed by the end of May" is a target
     ["1.2", "Integrate safeguarding into all Outcome Group delivery plans", "DCS", "Apr 09", "●", "Delivery plans completed and signed off by the Management Group"],
     ["1.2", "Integrate safeguarding into all Outcome Group delivery plans", "DCS", "Apr 09", "●", "Currently the aim is to have these completed by the end of May 2009"]),
    ("rag-conflict",            # "not yet" under Green; seed 000 4.12's "until EDRMS implemented" is under Red
     ["4.14", "Monitor transfer arrangements", "DCS", "Apr 09", "★", "Not yet started: waiting for the transfer policy"],
     ["4.12", "Identify schedule for full migration to Frameworki", "DCS", "Apr 09", "▲", "Not possible until EDRMS implemented."]),
    ("reviewer-suggests",
     ["3.1", "Record all employee CRB checks on the current HR system", "DCS", "Apr 09", "G", "Being undertaken. Suggest this action is AMBER until records are complete"],
     ["3.1", "Record all employee CRB checks on the current HR system", "DCS", "Apr 09", "A", "Being undertaken. Suggest this action is AMBER until records are complete"]),
    ("reviewer-suggests",       # seed 001: "Audit suggests regular case supervision takes place" proposes no rating
     ["4.1", "Frameworki reporting", "DCS", "Apr 09", "★", "Reporting system implemented. Suggest review RAG rating"],
     ["4.1", "Frameworki reporting", "DCS", "Apr 09", "★", "Audit suggests regular case supervision takes place"]),
    ("reviewer-suggests",
     ["4.8", "Develop clear protocols for decision making", "DCS", "Apr 09", "Green", "Frameworki now facilitates this, but this should not be green yet"],
     ["4.8", "Develop clear protocols for decision making", "DCS", "Apr 09", "Amber", "Frameworki now facilitates this, but this should not be green yet"]),
]


@pytest.mark.parametrize("rule, firing, quiet", CASES, ids=[c[0] for c in CASES])
def test_rule_fires_and_does_not(tmp_path, config, rule, firing, quiet):
    other = ["9.9", "Another action", "DCS", "Dec 09", "Amber", "On track"]
    assert rule in rules_for(findings(tmp_path, config, [firing, other]), firing[0] or "")
    assert rule not in rules_for(findings(tmp_path, config, [quiet, other]), quiet[0] or "")


def test_duplicate_ref(tmp_path, config):
    rows = [["2.3", "Review business plan", "DCS", "Mar 09", "A", "x"], ["2.3", "Another", "DCS", "Mar 09", "A", "y"]]
    found = [f for f in findings(tmp_path, config, rows) if f.rule == "duplicate-ref"]
    assert [(f.row, f.message) for f in found] == [(3, "ref 2.3 is also used on row 2")]
    assert not [f for f in findings(tmp_path, config, [rows[0], ["2.4", *rows[1][1:]]]) if f.rule == "duplicate-ref"]


def test_broken_link(tmp_path, config):
    rows = [["2.9 Link to 1.1 and 1.4", "Combine audits", "DCS", "Jan 13", "Amber", "x"],
            ["1.1", "Quality standards", "DCS", "Jan 13", "Amber", "x"]]
    found = [f for f in findings(tmp_path, config, rows) if f.rule == "broken-link"]
    assert [f.message for f in found] == ["links to 1.4, which is not in the plan"]
    rows.append(["1.4", "Refresher guidance", "DCS", "Jan 13", "Amber", "x"])
    assert not [f for f in findings(tmp_path, config, rows) if f.rule == "broken-link"]


def test_unknown_lead_needs_a_directory(tmp_path, config):
    rows = [["1.1", "a", "Somebody New", "Jan 13", "Amber", "x"]]
    assert "unknown-lead" not in rules_for(findings(tmp_path, config, rows, leads=None), "1.1")
    assert "unknown-lead" in rules_for(findings(tmp_path, config, rows), "1.1")


def test_every_contract_rule_has_a_case():
    assert {c[0] for c in CASES} | {"duplicate-ref", "broken-link"} == set(RULES)


def test_severities(tmp_path, config):
    rows = [[None, None, None, None, None, None, ], ["1.1", "a", "DCS", "Jan 09", "Amber", None]]
    found = findings(tmp_path, config, rows[1:])
    assert {f.rule: f.severity for f in found} == {"missing-progress": "warning", "overdue": "warning"}


def test_severity_from_config(tmp_path):
    from xlplan.config import load_config

    (tmp_path / "c.toml").write_text('[rules.severity]\noverdue = "error"\nmissing-progress = "off"\n')
    config = load_config(tmp_path / "c.toml")
    found = findings(tmp_path, config, [["1.1", "a", "DCS", "Jan 09", "Amber", None]])
    assert {f.rule: f.severity for f in found} == {"overdue": "error"}


def test_words_from_config(tmp_path):
    from xlplan.config import load_config

    (tmp_path / "c.toml").write_text('[rules.conflict]\nnot_started_words = ["awaiting sign-off"]\n')
    config = load_config(tmp_path / "c.toml")
    rows = [["1.1", "a", "DCS", "Jan 10", "Green", "Awaiting sign-off by the board"]]
    assert "rag-conflict" in rules_for(findings(tmp_path, config, rows), "1.1")


def test_seed_000_report_date(config):
    result = validate_plan(read_plan(SEED_000, config), config, as_of=AS_OF)
    by_rule = {}
    for f in result.findings:
        by_rule.setdefault(f.rule, set()).add(f.ref)
    assert by_rule["missing-progress"] == {"2.15", "2.16"}
    assert by_rule["missing-rag"] == {"2.2", "2.3", "2.6", "2.7", "2.8", "2.17"}   # colour-only in the original
    assert "3.2 / 3.7" not in by_rule["overdue"] and "3.4" in by_rule["overdue"]     # Green past due is complete
    assert result.errors == 6 and result.exit_code == 1


def test_seed_001_has_one_real_conflict(config):
    result = validate_plan(read_plan(SEED_001, config), config, as_of=dt.date(2013, 1, 15))
    assert [(f.ref, f.rule) for f in result.findings if f.rule == "rag-conflict"] == [("1.1", "rag-conflict")]
    assert not [f for f in result.findings if f.rule == "missing-progress"]   # no progress column in 001
    assert result.errors == 0


# -- the command ------------------------------------------------------------------------------

def test_validate_json_and_exit_codes(tmp_path, capsys):
    code = main(["validate", str(SEED_000), "--as-of", "2009-05-31", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["errors"] == 6 and data["actions"] == 28
    first = data["findings"][0]
    assert set(first) >= {"ref", "row", "field", "rule", "severity", "message"}
    clean = write_rows(tmp_path / "c.xlsx", [HEADER, ["1.1", "a", "DCS", "Dec 30", "Amber", "On track"]])
    assert main(["validate", str(clean), "--as-of", "2026-11-23"]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out


def test_validate_text_is_grouped_by_lead(capsys):
    main(["validate", str(SEED_000), "--as-of", "2009-05-31"])
    out = capsys.readouterr().out
    assert "HSCB Business Manager: " in out and "row 26    2.3" in out


def test_validate_writes_a_findings_sheet(tmp_path, capsys):
    target = tmp_path / "findings.xlsx"
    main(["validate", str(SEED_000), "--as-of", "2009-05-31", "-o", str(target)])
    ws = load_workbook(target)["Findings"]
    assert [c.value for c in ws[3]] == ["Lead", "Ref", "Row", "Field", "Rule", "Severity", "Message"]
    assert isinstance(ws["C4"].value, int)
    assert ws.max_row > 10 and ws.freeze_panes == "A4"


def test_validate_leads_file(tmp_path, capsys):
    leads = tmp_path / "leads.csv"
    leads.write_text("Lead,Email\nDCS,dcs@example.org\n")
    main(["validate", str(SEED_000), "--as-of", "2009-05-31", "--leads", str(leads), "--json"])
    unknown = {f["lead"] for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "unknown-lead"}
    assert "HSCB Chair" in unknown and "DCS" not in unknown


def test_validate_never_changes_the_plan(tmp_path, capsys):
    from conftest import seed_000_workbook

    path = seed_000_workbook(tmp_path / "p.xlsx")
    before = path.read_bytes()
    main(["validate", str(path)])
    assert path.read_bytes() == before


@pytest.mark.parametrize("pattern, text, joinable", [
    (r"(?P<w>\b\w+\b) (?P=w) rag", "Please review the the rag", False),    # a back-reference
    (r"(?s)rag.*rethink", "The rag needs a\nrethink", False),                # an inline flag
    (r"rag (?P<rating>red|amber) please", "Make the rag amber please", True),
])
def test_reviewer_patterns_of_any_shape_still_fire(tmp_path, pattern, text, joinable):
    """The reviewer patterns are searched first as one joined pattern (most statements match
    none); patterns that cannot be joined are still searched one by one."""
    from xlplan.config import load_config
    from xlplan.findings import _any_of

    (tmp_path / "c.toml").write_text(f"[rules.reviewer]\npatterns = ['{pattern}']\n")
    config = load_config(tmp_path / "c.toml")
    assert (_any_of(config.reviewer_patterns) is not None) == joinable
    rows = [["1.1", "a", "DCS", "Jan 30", "Green", text], ["1.2", "b", "DCS", "Jan 30", "Green", "On track"]]
    found = findings(tmp_path, config, rows)
    assert "reviewer-suggests" in rules_for(found, "1.1") and "reviewer-suggests" not in rules_for(found, "1.2")


def test_the_words_every_reviewer_match_starts_with(tmp_path):
    """The short cut before the regular expressions: the words are read from the patterns
    themselves, and a statement without any of them matches none of the patterns."""
    import random

    from xlplan.config import load_config
    from xlplan.findings import _mentions_any, _words_needed

    config = load_config(None)
    patterns = config.reviewer_patterns
    assert _words_needed(patterns) == ("ought", "rag", "should", "suggest")
    (tmp_path / "c.toml").write_text("[rules.reviewer]\npatterns = ['(?:a|b)?suggest', 'x+ rag']\n")
    assert _words_needed(load_config(tmp_path / "c.toml").reviewer_patterns) is None   # no word they must start with
    rng = random.Random(3)
    words = ["Suggest", "SHOULD be", "should not be", "amber", "green", "rag", "RAG rating", "to be reviewed",
             "ought to be", "ſuggest", "rated", "red", "the", ".", "  ", "\n"]
    matched = 0
    for _ in range(3000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        expected = any(p.search(text) for p in patterns)
        matched += expected
        assert _mentions_any(patterns, text) or not expected, text
    assert matched > 100                         # enough statements a pattern matches to mean something


@pytest.mark.parametrize("progress, done", SAYS_DONE, ids=[p[:40] or "empty" for p, _ in SAYS_DONE])
def test_the_conflict_rule_and_completeness_read_the_words_alike(tmp_path, config, progress, done):
    """One reading of "the work is done": the words contradict an Amber rating exactly when
    they make a Green action not yet due complete."""
    rows = [["1.1", "Integrate safeguarding into the delivery plans", "DCS", "Dec 09", "Amber", progress],
            ["1.2", "Integrate safeguarding into the delivery plans", "DCS", "Dec 09", "Green", progress]]
    found = findings(tmp_path, config, rows)
    green = next(a for a in read_plan(tmp_path / "p.xlsx", config).actions if a.ref == "1.2")
    assert green.due > AS_OF                              # not yet due: only its words can make it complete
    conflict = "rag-conflict" in rules_for(found, "1.1")
    assert conflict is done
    assert config.scale.is_complete(green.rag, green.due, green.progress, AS_OF) is conflict
