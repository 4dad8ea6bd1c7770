"""Records into actions: refs written at the start of the action cell, refs generated only
when a plan writes none, status words in due cells, cross-references in prose as links."""

import pytest
from conftest import SEED_001, SEED_004

from xlplan.action import leading_ref, prose_refs
from xlplan.findings import validate_plan
from xlplan.importer import import_plan
from xlplan.plan import read_plan
from xlplan.report.imports import report_text


def write(tmp_path, lines, name="plan.txt"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("text, ref", [
    ("R1: Develop a shared understanding of thresholds", "R1"),          # issue 15's tracker
    ("a) Ensure that the LSCB receives an annual report", "a"),
    ("Recommendation 3 - The LSCB should assure itself", "3"),
    ("1.2 Ensure the designated nurse has sufficient support", "1.2"),
    ("10) LAC: Health support and info for care leavers", "10"),      # seed 004's objective cells
    ("19.10.12 meeting held", ""),                                       # a date, not a ref
    ("3 social workers to be recruited", ""),                            # a count
    ("2012 onwards", ""),
    ("Review the thresholds (R1)", ""),
])
def test_a_ref_at_the_start_of_a_cell(text, ref):
    assert leading_ref(text) == ref


def test_refs_written_in_the_action_cells_become_the_refs(tmp_path, config):
    """Not 1.1, 2.1, 3.1: R4 stays R4. The words are kept as published."""
    path = write(tmp_path, [
        "Action\tProgress\tTimetable",
        "R1: Develop a shared understanding of thresholds.\tDone.\tMarch 2015",
        "R2: Review the thresholds document.\tDone in part.\tMarch 2015",
        "R4: Train the front door staff.\tBooked.\tJune 2015",
    ])
    plan = read_plan(path, config)
    assert [a.ref for a in plan.actions] == ["R1", "R2", "R4"]
    assert plan.actions[2].action == "R4: Train the front door staff."
    assert all(a.ref_from_cell and not a.ref_generated for a in plan.actions)
    assert any("refs of 3 actions read from the start of their action or recommendation cells" in n for n in plan.notes)


def test_a_ref_in_the_recommendation_cell_of_each_action_is_its_ref(tmp_path, config):
    """The LGA's peer challenge action plan writes "R1: ..." in its Recommendation cell, beside
    an Action column; seed 004's objective "2) SG: ..." numbers three targets and names none."""
    path = write(tmp_path, [
        "Recommendation\tAction\tTimescale",
        "R3:Tighten the networks around sector support and assurance\tTo be addressed through 2, above.\t ",
        "R4:Use the Business Plan and the priorities it sets\tboards review business plan\tJuly 2023",
    ])
    assert [a.ref for a in read_plan(path, config).actions] == ["R3", "R4"]
    assert [a.ref for a in read_plan(SEED_004, config).actions][1:4] == ["2.1", "2.2", "2.3"]


def test_no_ref_is_generated_when_the_plan_writes_some(tmp_path, config):
    path = write(tmp_path, [
        "Action\tProgress\tTimetable",
        "R1: Develop a shared understanding of thresholds.\tDone.\tMarch 2015",
        "Review the escalation policy.\tDone in part.\tMarch 2015",
    ])
    plan = read_plan(path, config)
    assert [a.ref for a in plan.actions] == ["R1", ""]
    assert "missing-ref" in {f.rule for f in validate_plan(plan, config).findings if f.row == 3}


def test_refs_are_generated_only_when_the_plan_has_none_and_the_import_says_so(config, tmp_path):
    plan, report = import_plan(SEED_004, config)
    assert [a.ref for a in plan.actions][:4] == ["1.1", "2.1", "2.2", "2.3"]
    assert all(a.ref_generated for a in plan.actions) and report.refs_generated == 17
    assert "refs generated for 17 actions: the plan writes no ref at all" in report_text(report, tmp_path / "x.xlsx")
    assert ["Refs generated", "", "", "17"] in [r[:4] for r in report.rows()]


# -- due cells holding a status -------------------------------------------------------------

def test_seed_001_completed_in_the_due_cell_is_reported(config):
    """Seed 001, action 4.2: its 'By when' cell says 'Completed'."""
    plan = read_plan(SEED_001, config)
    action = next(a for a in plan.actions if a.ref == "4.2")
    assert action.due is None and action.due_info.status == "complete"
    found = [f for f in validate_plan(plan, config).findings if f.ref == "4.2" and f.rule == "unparsed-due"]
    assert found and found[0].message.startswith("due cell says 'Completed', a status, not a date")


@pytest.mark.parametrize("word, status", [("Completed", "complete"), ("Complete", "complete"),
                                          ("Ongoing", "ongoing"), ("TBC", "to be confirmed")])
def test_a_status_in_the_due_cell_is_unparsed_due_and_never_a_rating(tmp_path, config, word, status):
    path = write(tmp_path, ["Ref\tAction\tLead\tDue\tRAG", f"1.1\tAudit case files\tDCS\t{word}\t"])
    plan = read_plan(path, config)
    action = plan.actions[0]
    assert action.due is None and action.due_info.status == status
    assert action.rag is None                                       # never a rating invented
    rules = {f.rule: f.message for f in validate_plan(plan, config).findings}
    assert rules["unparsed-due"].startswith(f"due cell says {word!r}, a status, not a date")
    assert "missing-rag" in rules
    if status == "complete":
        assert "if the action is done, rate it" in rules["unparsed-due"]


# -- cross-references in prose -------------------------------------------------------------

@pytest.mark.parametrize("text, refs", [
    ("To be addressed through 2, above.", ("2",)),                 # issue 15's tracker
    ("This is covered by the audit, see 3.4", ("3.4",)),
    ("Progress as R2.", ("R2",)),
    ("Agreed at the meeting in 2013 with 3 teams", ()),
])
def test_refs_named_in_prose(text, refs):
    assert prose_refs(text) == refs


def test_a_reference_in_prose_becomes_a_link(tmp_path, config):
    path = write(tmp_path, [
        "Action\tProgress\tTimetable",
        "R2: Review the thresholds document.\tDone in part.\tMarch 2015",
        "R3: Tighten the networks between partners.\tTo be addressed through 2, above.\tMay 2015",
        "R4: Train the front door staff.\tSee 7.1 of the business plan.\tJune 2015",
        "R5: Audit the referrals.\tLink to 3.9.\tJune 2015",
    ])
    plan = read_plan(path, config)
    by_ref = {a.ref: a for a in plan.actions}
    assert by_ref["R3"].links == ("R2",) and by_ref["R3"].prose_links == ("R2",)
    assert by_ref["R4"].links == ()             # 7.1 is no action of this plan: not a link, no error
    broken = [f for f in validate_plan(plan, config).findings if f.rule == "broken-link"]
    assert [(f.ref, f.message) for f in broken] == [("R5", "links to 3.9, which is not in the plan")]
