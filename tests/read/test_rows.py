"""Rows into records: a row is glued onto the one above only on evidence that it carries it
on, every glue is kept on the plan (plan.glued) with both rows' numbers, and a row that might
carry on but need not is kept as an action of its own, and the doubt reported."""

from conftest import HERE, SEED_000, SEED_001, SEED_004

from xlplan.findings import validate_plan
from xlplan.importer import import_plan
from xlplan.plan import read_plan
from xlplan.report.export import to_table
from xlplan.report.findings import findings_text

# The LGA's Corporate Peer Challenge action plan (2023; tests/fixtures/unseen/README.md names
# the page): R3's Timescale cell is empty, and R3 was glued into R2.
LGA = HERE / "fixtures" / "unseen" / "lga_cpc_action_plan_2023.xlsx"

# The same case in a small tracker (R2-R4 modelled on issue 15), with a row a page break split.
TRACKER = [
    "Action\tProgress\tTimetable",
    "R2: Review the thresholds document.\tDone in part.\tMarch 2015",
    "R3: Tighten the networks between partners.\tTo be addressed through 2, above.\t",
    "R4: Train the front door staff in\tBooked.\tJune 2015",
    "the new thresholds.\t\t",
]


def write(tmp_path, lines, name="plan.txt"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_lga_r3_with_an_empty_timescale_is_an_action_of_its_own(config):
    plan = read_plan(LGA, config)
    assert [a.ref for a in plan.actions] == ["R1", "R2", "R3", "R4"]      # from the Recommendation cells
    r3 = plan.actions[2]
    assert r3.action == "To be addressed through 2, above." and r3.rows == (6,) and r3.due is None
    assert r3.group.startswith("R3:Tighten the networks around sector support")   # words as published
    assert r3.links == ("R2",)                                            # its words name R2
    assert plan.glued == []


def test_r3_with_an_empty_due_date_is_an_action_of_its_own(tmp_path, config):
    plan = read_plan(write(tmp_path, TRACKER), config)
    assert [a.ref for a in plan.actions] == ["R2", "R3", "R4"]
    assert plan.actions[1].action == "R3: Tighten the networks between partners."
    assert plan.actions[1].due is None and plan.actions[1].rows == (3,)
    # The one glue, with both rows' numbers and why.
    assert [(g.onto, g.row, g.kept) for g in plan.glued] == [(4, 5, False)]
    assert "cut sentence" in plan.glued[0].reason
    assert any("5 onto 4 (R4)" in n for n in plan.notes)


def test_every_glue_is_shown_by_export_and_validate(tmp_path, config):
    plan = read_plan(write(tmp_path, TRACKER), config)
    assert "note: 1 row glued onto the row above (split by a page break): 5 onto 4 (R4)" in to_table(plan)
    assert "note: 1 row glued onto the row above" in findings_text(validate_plan(plan, config))


def test_a_row_with_no_ref_but_words_of_its_own_is_kept_and_the_doubt_reported(tmp_path, config):
    """A plan with a ref column: the second row has no ref and no rating, and its action
    words start a sentence after a finished one. It may be a page-split row or an action whose
    ref was forgotten: kept as two rows, reported, and validate says the ref is missing."""
    path = write(tmp_path, [
        "Ref\tAction\tLead\tRAG",
        "1.1\tAgree the thresholds document.\tDCS\tGreen",
        "\tPublish the escalation policy.\tDCS\t",
    ])
    plan = read_plan(path, config)
    assert [a.action for a in plan.actions] == ["Agree the thresholds document.", "Publish the escalation policy."]
    assert [(g.onto, g.row, g.kept) for g in plan.glued] == [(2, 3, True)]
    assert any(n.startswith("row 3 kept as an action of its own, not glued onto row 2 (1.1)") for n in plan.notes)
    rules = {f.rule for f in validate_plan(plan, config).findings if f.row == 3}
    assert "missing-ref" in rules


def test_a_row_carrying_on_a_cut_sentence_is_glued(tmp_path, config):
    path = write(tmp_path, [
        "Ref\tAction\tLead\tRAG",
        "1.1\tAgree the thresholds document with all\tDCS\tGreen",
        "\tpartner agencies.\t\t",
    ])
    plan = read_plan(path, config)
    assert [a.action for a in plan.actions] == ["Agree the thresholds document with all partner agencies."]
    assert [(g.onto, g.row, g.kept) for g in plan.glued] == [(2, 3, False)]


def test_seed_000_page_split_rows_glue_with_their_reasons(config):
    """2.17 goes on after a page break with the next bullets of its list; 4.13 with the rest
    of a cut sentence."""
    plan = read_plan(SEED_000, config)
    assert [(g.onto, g.row, g.kept) for g in plan.glued] == [(32, 35, False), (56, 59, False)]
    assert "bullet list" in plan.glued[0].reason


def test_seed_004_page_split_rows_still_glue(config):
    plan = read_plan(SEED_004, config)
    assert [(g.onto, g.row) for g in plan.glued] == [(10, 12), (19, 21), (24, 26), (30, 32)]
    assert not [g for g in plan.glued if g.kept]


def test_seed_001_glues_are_in_the_import_report(config):
    plan, report = import_plan(SEED_001, config)
    rows = report.rows()
    glued = [r for r in rows if r[0] == "Glued (split by a page break)"]
    # 3.24's "minimised" is not placed (reported, tested below): 31 actions, 33 rows glued on
    assert len(glued) == 31 == len(report.glued)
    assert len(plan.glued) == 33 and not report.kept_apart      # 2.8 and 3.16 each span three rows
    first = next(r for r in glued if r[2] == "1.4")
    assert first[1] == "122, 124" and first[4].startswith("row 124: ")


# Lancashire County Council's Annual Delivery Plan 2008/09 (tests/fixtures/unseen/README.md):
# each row of the PDF's column layout is split over three lines, the rating letter and the
# directorate's words on the continuation lines.
LANCASHIRE = HERE / "fixtures" / "unseen" / "lancashire_adp_2008.txt"


def test_a_rating_on_a_continuation_line_is_glued_onto_its_action(config):
    plan = read_plan(LANCASHIRE, config)
    assert [(a.ref, a.rag, a.rows) for a in plan.actions] == [
        ("C1.1.1", "Green", (9, 10, 11)), ("C1.1.2", "Green", (12, 13, 14)), ("C1.1.3", "Amber", (15, 16, 17))]
    assert plan.actions[0].action == ("Making sure governance structures for Team Lancashire are in place "
                                      "and operating effectively by June 2008")
    rated = [g for g in plan.glued if "rating 'G'" in g.reason or "rating 'A'" in g.reason]
    assert [(g.onto, g.row) for g in rated] == [(9, 10), (12, 13), (15, 16)]
    assert any("10 onto 9 (C1.1.1)" in n for n in plan.notes)


def test_the_row_whose_ref_its_milestones_extend_is_their_group(config):
    plan = read_plan(LANCASHIRE, config)
    assert all(a.group.startswith("CC1.1 Transforming local government in Lancashire") for a in plan.actions)
    assert any(s.row == 8 and s.reason.startswith("the heading of a group") for s in plan.skipped)


def test_a_rated_row_is_not_glued_when_the_row_above_has_a_rating(tmp_path, config):
    """A row with no ref but a rating and lower-case words under an action already rated: it
    is no continuation (a rating cannot be split), so it is kept as an action."""
    path = write(tmp_path, [
        "Ref\tAction\tLead\tRAG",
        "1.1\tAgree the thresholds document with all\tDCS\tGreen",
        "\tpartner agencies.\t\tAmber",
    ])
    plan = read_plan(path, config)
    assert [a.rag for a in plan.actions] == ["Green", "Amber"]
    assert plan.glued == [] or all(g.kept for g in plan.glued)


def test_a_rated_row_with_a_sentence_of_its_own_is_not_glued(tmp_path, config):
    path = write(tmp_path, [
        "Ref\tAction\tLead\tRAG",
        "1.1\tAgree the thresholds document with all\tDCS\t",
        "\tPublish the escalation policy.\t\tG",
    ])
    plan = read_plan(path, config)
    assert len(plan.actions) == 2 and plan.actions[1].rag == "Green"


def test_a_row_is_a_group_only_when_its_children_follow_and_it_has_no_rating(tmp_path, config):
    path = write(tmp_path, [
        "Ref\tAction\tLead\tRAG",
        "1.1\tAgree the thresholds document.\tDCS\tGreen",
        "1.1.1\tPublish it.\tDCS\tGreen",
        "2.1\tTrain the staff.\tDCS\t",
        "3.1\tAudit the files.\tDCS\tAmber",
    ])
    plan = read_plan(path, config)
    assert [a.ref for a in plan.actions] == ["1.1", "1.1.1", "2.1", "3.1"]


def test_a_stray_value_far_below_the_table_is_never_glued_onto_the_last_action(tmp_path, config):
    # A value typed in XFD5000 of the shipped plan was read as the rest of action 4.15.
    from conftest import PROJECT
    from openpyxl import load_workbook

    wb = load_workbook(PROJECT / "workbooks" / "plan.xlsx")
    wb["Plan"]["XFD5000"] = "x"
    wb["Plan"]["B40"] = "continued"          # ten empty rows below 4.15's row 30 would still be close
    wb.save(tmp_path / "stray.xlsx")
    plan = read_plan(tmp_path / "stray.xlsx", config)
    last = plan.actions[-1]
    assert last.ref == "4.15" and last.extra == {} and 5000 not in last.rows
    assert [g.row for g in plan.glued if not g.kept] == [40]
    assert any(n.startswith("1 row far below the table not read") and "row 5000 'x'" in n for n in plan.notes)
    assert any(s.row == 5000 for s in plan.skipped)


# Issue 15, "never lose a row": in seed 001 four page breaks leave the rest of a cut cell on a
# line of its own, with no tabs before it, so the words sit in the first (ref) column. They
# carry on the cell of the row above that visibly stops mid-sentence, never the ref.
def _seed_001_action(plan, ref):
    return next(a for a in plan.actions if a.ref == ref)


def test_seed_001_words_carried_over_a_page_break_go_to_the_cut_cell_not_the_ref(config):
    plan = read_plan(SEED_001, config)
    outcome, evidence = "Outcome/ Measurable target", "Evidence"
    assert not [a.ref for a in plan.actions if "Ref as written" in a.extra]
    # 2.4: its outcome is cut where 2.2's reads on ("... systematic action resulting from ...")
    a24 = _seed_001_action(plan, "2.4")
    assert a24.extra[outcome] == ("Improved quality of commissioning, including enhanced systematic action "
                                  "resulting from feedback from children and young people")
    # 3.16: the evidence is cut at "multi-"; the rest is on two lines ("agency data" / "audit")
    a316 = _seed_001_action(plan, "3.16")
    assert a316.extra[evidence].endswith("Commissioning data, multi-agency data audit")
    assert a316.rows == (283, 285, 286)
    # 3.41: the outcome stops at "for"
    assert _seed_001_action(plan, "3.41").extra[outcome] == "CP conferences are used effectively for decision making"
    why = {g.row: g.reason for g in plan.glued}
    assert why[285] == "'agency data' carries on column E 'Evidence', cut at 'multi-'"
    assert why[286].startswith("'audit' carries on the line above it (row 285), in column E 'Evidence'")
    assert why[355] == "'decision making' carries on column D 'Outcome/ Measurable target', cut at 'for'"
    assert why[171].startswith("'resulting from feedback from children ...' carries on column D "
                               "'Outcome/ Measurable target', cut at 'systematic action', as row 167 writes it")


def test_seed_001_words_with_no_cut_cell_above_are_reported_not_placed(config):
    """3.24's "minimised": no cell of 3.24 stops mid-sentence ("... appropriately. Minute
    taking" may or may not be its place), so it is kept out of the action and reported."""
    plan, report = import_plan(SEED_001, config)
    a324 = _seed_001_action(plan, "3.24")
    assert a324.ref == "3.24" and a324.rows == (306,)
    assert "minimised" not in " ".join(map(str, a324.extra.values()))
    assert [(s.row, s.text) for s in report.not_placed] == [(308, "minimised")]
    assert "of 3.24 (row 306) cut by a page break" in report.not_placed[0].reason
    assert any(r[0] == "Not placed (check)" and r[1] == "308" for r in report.rows())
    assert any(n.startswith("row 308 'minimised' not placed") for n in plan.notes)


def test_words_in_the_ref_column_go_to_the_cell_cut_at_a_hyphen(tmp_path, config):
    path = write(tmp_path, [
        "\tAction\tEvidence\tLead\tRAG",
        "1.1\tAgree the thresholds document\tAudit, multi-\tDCS\tGreen",
        "agency data",
        "1.2\tPublish the escalation policy\tAudit\tDCS\tAmber",
    ])
    plan = read_plan(path, config)
    assert [a.ref for a in plan.actions] == ["1.1", "1.2"]
    assert plan.actions[0].extra["Evidence"] == "Audit, multi-agency data"
    assert plan.actions[0].action == "Agree the thresholds document"
    assert [(g.onto, g.row) for g in plan.glued] == [(2, 3)]


def test_words_that_fit_two_cut_cells_are_not_placed(tmp_path, config):
    path = write(tmp_path, [
        "\tAction\tEvidence\tLead\tRAG",
        "1.1\tAgree the thresholds document with\tAudit of\tDCS\tGreen",
        "partner agencies",
    ])
    plan = read_plan(path, config)
    assert plan.actions[0].action == "Agree the thresholds document with"
    assert plan.actions[0].ref == "1.1" and plan.glued == []
    assert "several cells of the action above stop mid-sentence: column B 'Action', column C 'Evidence'" in \
        plan.skipped[-1].reason


def test_a_ref_cell_that_says_more_than_its_ref_is_reported_by_import(tmp_path, config):
    path = write(tmp_path, [
        "Ref\tAction\tLead\tRAG",
        "1.1 Revised\tAgree the thresholds document.\tDCS\tGreen",
    ])
    plan, report = import_plan(path, config)
    assert plan.actions[0].extra["Ref as written"] == "1.1 Revised"
    assert report.refs_as_written == [("1.1", 2, "1.1 Revised")]
    assert any(r[:4] == ["Ref as written", "2", "1.1", "1.1 Revised"] for r in report.rows())
    assert report.to_dict()["refs_as_written"] == [{"ref": "1.1", "row": 2, "as_written": "1.1 Revised"}]


def test_a_numbered_action_with_a_lead_and_sub_actions_is_never_dropped_as_a_heading(tmp_path, config):
    # The review's case: an unrated 1.1 above its 1.1.1 must still count (as No data).
    path = write(tmp_path, ["Ref\tAction\tLead\tDue\tRAG\tProgress",
                            "1.1\tAudit of case files\tHead of CSC\t\t\t",
                            "1.1.1\tSample 50 cases\tHead of CSC\t31/03/2027\tGreen\tStarted"])
    plan = read_plan(path, config)
    assert [(a.ref, a.rag) for a in plan.actions] == [("1.1", None), ("1.1.1", "Green")]
