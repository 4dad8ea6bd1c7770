"""`xlplan requests`: one workbook per lead with open actions, holding only that lead's
actions, cells unlocked only where the lead writes, recognisable whatever it is renamed to,
and a register of what was sent."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlplan.chase import people
from xlplan.cli import main
from xlplan.config import load_config
from xlplan.plan import read_plan
from xlplan.requests import issue_requests, read_register, request_states
from xlplan.workbook.request import HEADERS, META, SHEET, read_return

AS_OF = "2026-11-23"


def issue(project, **kw):
    config = load_config()
    return config, issue_requests("workbooks/plan.xlsx", config, as_of=AS_OF, outbox=project / "out", **kw)


def request_rows(path: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(path)[SHEET]
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    return [r for r in rows if r[0]]


def all_text(path: Path) -> str:
    """Every part of the file as text: what anyone opening it in any way could find."""
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_one_request_per_lead_with_open_actions(project):
    config, result = issue(project)
    plan = read_plan("workbooks/plan.xlsx", config)
    open_actions = [a for a in plan.actions
                    if not config.scale.is_complete(a.rag, a.due, a.progress, plan_date(AS_OF))]
    # a joint lead ("HSCB Chair / Business Manager") is each person named, as chase reads it
    wanted = {}
    for a in open_actions:
        for person in people(a.lead, plan.directory):
            wanted.setdefault(person, []).append(a.ref)
    assert any(len(people(a.lead, plan.directory)) > 1 for a in open_actions)
    assert {r.lead: r.refs for r in result.requests} == wanted
    for r in result.requests:
        assert r.workbook.is_file()
        assert [row[0] for row in request_rows(r.workbook)] == r.refs


def plan_date(text):
    import datetime as dt

    return dt.date.fromisoformat(text)


def test_a_request_holds_only_its_leads_actions(project):
    """Safeguarding: nothing of another lead's actions (ref with its words, progress) is
    anywhere in a lead's file, not in a hidden sheet, not in the properties."""
    config, result = issue(project)
    plan = read_plan("workbooks/plan.xlsx", config)
    for r in result.requests:
        text = all_text(r.workbook)
        mine = set(r.refs)
        for a in plan.actions:
            if a.ref in mine:
                continue
            for words in (a.action, a.progress):
                snippet = " ".join(words.split())[:40]
                if len(snippet) > 15 and not any(snippet in " ".join(b.action.split()) + " ".join(b.progress.split())
                                                 for b in plan.actions if b.ref in mine):
                    assert snippet.replace("&", "&amp;") not in text, (r.lead, a.ref)
        assert {row[0] for row in request_rows(r.workbook)} == mine


def test_only_the_leads_cells_are_unlocked_and_the_sheet_is_protected_without_a_password(project):
    _, result = issue(project)
    path = result.requests[0].workbook
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    assert ws.protection.sheet and not ws.protection.password
    header = [c.value for c in ws[4]]
    writable = {header.index(HEADERS[f]) for f in ("rag", "progress", "new_due", "due_reason")}
    for row in ws.iter_rows(min_row=1, max_row=4 + len(result.requests[0].refs) + 3):
        for cell in row:
            unlocked = not cell.protection.locked
            in_table = 5 <= cell.row <= 4 + len(result.requests[0].refs)
            assert unlocked == (in_table and cell.column - 1 in writable), cell.coordinate


def test_the_header_names_ref_rating_and_progress(project):
    _, result = issue(project)
    ws = openpyxl.load_workbook(result.requests[0].workbook)[SHEET]
    header = [c.value for c in ws[4]]
    assert "Ref" in header and "Rating" in header and "Progress" in header
    # each word names exactly one column, so a script finds where to write
    for word in ("Ref", "Rating", "Progress"):
        assert sum(word.lower() in str(h).lower() for h in header if h) == 1, header


def test_dropdown_and_live_colours_as_in_the_shared_workbook(project):
    config, result = issue(project)
    ws = openpyxl.load_workbook(result.requests[0].workbook)[SHEET]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and str(lists[0].sqref).startswith("D5")
    formulas = [r.formula[0] for rng in ws.conditional_formatting for r in rng.rules]
    assert sum("SUBSTITUTE($D5" in f for f in formulas) == len(config.scale.levels)


def test_the_request_names_itself_in_properties_and_a_hidden_sheet(project):
    config, result = issue(project)
    r = result.requests[0]
    renamed = project / "whatever I called it.xlsx"
    renamed.write_bytes(r.workbook.read_bytes())
    wb = openpyxl.load_workbook(renamed)
    assert wb[META].sheet_state == "hidden"
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["xlplan request id"] == r.id and props["xlplan lead"] == r.lead
    assert props["xlplan issued"] == AS_OF and props["xlplan plan"].endswith("plan.xlsx")
    back = read_return(renamed, config)
    assert (back.id, back.lead) == (r.id, r.lead)
    # the lead's file names the plan by its file name and a digest, never by a path on the server
    server = str((project / "workbooks").resolve())
    for request in result.requests:
        text = all_text(request.workbook)
        assert server not in text and str(project) not in text and "workbooks/plan.xlsx" not in text
    assert props["xlplan plan"] == "plan.xlsx" and len(props["xlplan plan id"]) == 16
    assert back.plan == "plan.xlsx" and back.plan_id == props["xlplan plan id"]
    # without the hidden sheet the properties still say which request it is
    del wb[META]
    wb.save(renamed)
    assert read_return(renamed, config).id == r.id


def test_the_register_records_each_row_as_sent_and_a_newer_request_supersedes(project):
    config, first = issue(project)
    records = read_register(config)
    issued = {r["id"]: r for r in records if r["kind"] == "issued"}
    assert set(issued) == {r.id for r in first.requests}
    dcs = next(r for r in first.requests if r.lead == "DCS")
    rows = issued[dcs.id]["rows"]
    assert [row["ref"] for row in rows] == dcs.refs
    sent = request_rows(dcs.workbook)
    assert [(row["ref"], row["rag"], row["progress"]) for row in rows] == \
           [(s[0], s[3] or "", s[4] or "") for s in sent]
    _, second = issue(project, leads=["DCS"])
    states = request_states(read_register(config))
    assert states[dcs.id].superseded_by["id"] == second.requests[0].id
    assert second.superseded == [dcs.id]
    assert all(states[r.id].superseded_by is None for r in first.requests if r.lead != "DCS")


def test_reuse_keeps_a_request_issued_the_same_day(project):
    config, first = issue(project)
    _, again = issue(project, reuse=True)
    assert [r.id for r in again.requests] == [r.id for r in first.requests]
    assert len([r for r in read_register(config) if r["kind"] == "issued"]) == len(first.requests)


def test_requests_json_shape(project, capsys):
    code = main(["requests", "workbooks/plan.xlsx", "--as-of", AS_OF, "--outbox", "out", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"requests", "not_emailed"}
    for r in data["requests"]:
        assert set(r) >= {"lead", "email", "refs", "workbook", "id"}
        assert Path(r["workbook"]).is_file()


def test_requests_of_an_unusable_plan_is_one_sentence_and_nothing_written(project, capsys):
    (project / "bad.xlsx").write_text("not a workbook")
    code = main(["requests", "bad.xlsx", "--as-of", AS_OF, "--outbox", "out"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "bad.xlsx" in err
    assert not (project / "out").exists()
    assert not read_register(load_config())


def test_a_chase_draft_carries_the_leads_request(project, capsys):
    import email
    import email.policy

    _, result = issue(project)
    assert main(["chase", "workbooks/plan.xlsx", "--as-of", AS_OF, "--outbox", "outbox", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    checked = 0
    for lead in data["leads"]:
        if not lead["draft"]:
            continue
        message = email.message_from_bytes(Path(lead["draft"]).read_bytes(), policy=email.policy.default)
        files = [p for p in message.iter_attachments()]
        mine = next((r for r in result.requests if r.lead == lead["lead"]), None)
        if mine is None:
            assert not files
            continue
        assert len(files) == 1 and files[0].get_content() == mine.workbook.read_bytes()
        assert message.get_body(("plain",)).get_content()
        checked += 1
    assert checked >= 3


def test_attach_off_leaves_drafts_as_they_were(project, capsys):
    (project / "config" / "xlplan.toml").write_text(
        (project / "config" / "xlplan.toml").read_text() + "\n[requests]\nattach = false\n")
    issue(project)
    assert main(["chase", "workbooks/plan.xlsx", "--as-of", AS_OF, "--outbox", "outbox"]) == 0
    for draft in (project / "outbox" / AS_OF).glob("*.eml"):
        assert b"multipart/mixed" not in draft.read_bytes()


@pytest.mark.parametrize("propose", [True, False])
def test_proposed_due_columns_follow_the_config(project, propose):
    if not propose:
        (project / "config" / "xlplan.toml").write_text(
            (project / "config" / "xlplan.toml").read_text() + "\n[requests]\npropose_due = false\n")
    _, result = issue(project)
    header = [c.value for c in openpyxl.load_workbook(result.requests[0].workbook)[SHEET][4]]
    assert ("Proposed due" in header) == propose


def test_the_weekly_run_issues_requests_when_configured_and_attaches_them(project, capsys):
    import email
    import email.policy

    (project / "config" / "xlplan.toml").write_text(
        (project / "config" / "xlplan.toml").read_text() + "\n[requests]\nwith_weekly = true\n")
    assert main(["weekly", "--as-of", AS_OF, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    folder = project / "outbox" / AS_OF / "requests"
    issued = sorted(folder.glob("*.xlsx"))
    assert issued and data["requests"]["issued"] == len(issued) == data["requests"]["outstanding"]
    drafts = sorted((project / "outbox" / AS_OF).glob("*.eml"))
    attached = 0
    for draft in drafts:
        message = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
        files = list(message.iter_attachments())
        attached += len(files)
        for f in files:
            back = read_return(folder / f.get_filename(), load_config())
            assert back.lead == message["To"].addresses[0].display_name
    assert attached == len(issued)
    sheet = openpyxl.load_workbook(data["report"])["Requests"]
    assert sheet.max_row - 4 == len(issued)
    # run again for the same date: the same requests, the same drafts, byte for byte
    before = {p: p.read_bytes() for p in [*issued, *drafts]}
    assert main(["weekly", "--as-of", AS_OF, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["requests"]["issued"] == len(issued)
    assert {p: p.read_bytes() for p in before} == before


def test_without_requests_the_weekly_report_has_no_requests_sheet(project, capsys):
    assert main(["weekly", "--as-of", AS_OF, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "requests" not in data
    assert "Requests" not in openpyxl.load_workbook(data["report"]).sheetnames


def test_an_unknown_lead_is_one_sentence(project, capsys):
    code = main(["requests", "workbooks/plan.xlsx", "--as-of", AS_OF, "--outbox", "out", "--lead", "Nobody"])
    err = capsys.readouterr().err
    assert code == 2 and "'nobody'" in err.lower() and err.count("\n") == 1
    assert not (project / "out").exists()


def test_text_that_looks_like_a_formula_stays_text_and_an_untouched_return_changes_nothing(project, capsys):
    plan = read_plan("workbooks/plan.xlsx", load_config())
    dcs = next(a for a in plan.actions if a.lead == "DCS")
    wb = openpyxl.load_workbook("workbooks/plan.xlsx")
    cell = wb["Plan"].cell(dcs.row, plan.columns["progress"] + 1)
    cell.value = '=HYPERLINK("http://example.org","click")'
    cell.data_type = "s"
    wb.save("workbooks/plan.xlsx")
    _, result = issue(project, leads=["DCS"])
    request = result.requests[0].workbook
    ws = openpyxl.load_workbook(request)[SHEET]
    sent = next(c for c in ws["E"] if c.value and str(c.value).startswith("=HYPERLINK"))
    assert sent.data_type == "s"
    before = Path("workbooks/plan.xlsx").read_bytes()
    assert main(["collect", "workbooks/plan.xlsx", str(request), "--as-of", AS_OF, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["applied"] == [] and Path("workbooks/plan.xlsx").read_bytes() == before


def test_a_lead_without_an_address_still_gets_a_request_and_is_named(project, capsys):
    wb = openpyxl.load_workbook("workbooks/plan.xlsx")
    leads = wb["Leads"]
    for row in leads.iter_rows(min_row=2):
        if row[0].value == "DCS":
            row[1].value = None
    wb.save("workbooks/plan.xlsx")
    code = main(["requests", "workbooks/plan.xlsx", "--as-of", AS_OF, "--outbox", "out", "--json"])
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert code == 0 and data["not_emailed"] == ["DCS"]
    assert next(r for r in data["requests"] if r["lead"] == "DCS")["workbook"]
    assert "DCS" in captured.err


def test_a_chase_email_sent_over_smtp_carries_the_request(project, capsys, smtp_server):
    _, result = issue(project)
    dcs = next(r for r in result.requests if r.lead == "DCS")
    assert main(["chase", "workbooks/plan.xlsx", "--as-of", AS_OF, "--outbox", "outbox", "--send",
                 "--smtp", smtp_server.address, "--sender", "bm@example.org"]) == 0
    capsys.readouterr()
    sent = {m["To"].addresses[0].display_name: m for m in smtp_server.messages}
    files = list(sent["DCS"].iter_attachments())
    assert [f.get_filename() for f in files] == [dcs.workbook.name]
    assert files[0].get_content() == dcs.workbook.read_bytes()


def test_actions_that_a_return_could_not_be_matched_to_are_left_out(tmp_path, capsys, monkeypatch):
    from conftest import write_rows

    monkeypatch.chdir(tmp_path)
    plan = write_rows(tmp_path / "plan.xlsx", [["Ref", "Action", "Lead", "Due", "RAG", "Progress"],
                                               ["1.1", "a", "DCS", "31/12/2026", "Amber", "x"],
                                               ["1.1", "b", "DCS", "31/12/2026", "Amber", "y"],
                                               ["1.2", "c", "DCS", "31/12/2026", "Red", "z"]])
    code = main(["requests", str(plan), "--as-of", AS_OF, "--outbox", "out", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["requests"][0]["refs"] == ["1.2"]
    assert "1.1" in data["notes"][0] and "used twice" in data["notes"][0]


def test_requests_need_a_workbook(project, capsys):
    (project / "plan.csv").write_text("Ref,Action,Lead,RAG\n1.1,a,DCS,Amber\n")
    code = main(["requests", "plan.csv", "--as-of", AS_OF, "--outbox", "out"])
    err = capsys.readouterr().err
    assert code == 2 and "not a workbook" in err and not (project / "out").exists()


def test_an_overdue_due_date_stays_grey_as_locked_and_says_overdue_in_bold_red(project):
    """The shared workbook shades an overdue Due cell pink; in a request that would look like a
    cell to fill in, so the locked cell keeps its grey and the date turns bold red with the word."""
    config, result = issue(project)
    ws = openpyxl.load_workbook(result.requests[0].workbook)[SHEET]
    due = [r for rng in ws.conditional_formatting for r in rng.rules if "TODAY()" in r.formula[0]]
    assert len(due) == 1
    look = due[0].dxf
    fill = look.fill.bgColor.rgb or look.fill.fgColor.rgb
    assert fill.endswith("F2F2F2") and fill.endswith(ws["C5"].fill.fgColor.rgb[-6:])   # the locked grey
    assert look.font.b and look.font.color.rgb.endswith("C00000")
    assert '" overdue"' in look.numFmt.formatCode and look.numFmt.formatCode.startswith("dd/mm/yyyy")
    assert ws["C5"].protection.locked


def test_the_guide_s_rag_key_is_the_config_s_as_the_shared_workbook_and_the_board_report_say_it(project, capsys):
    """One source for what a rating means: [[rag.levels]] meaning (the shared workbook's Guide)
    and narrative (the summary and board report), side by side, so a lead reads what the board
    will be told. A board's own wording in its config reaches the request."""
    config_file = project / "config" / "xlplan.toml"
    text = config_file.read_text(encoding="utf-8")
    assert "[[rag.levels]]" not in text                    # the shipped config takes the default levels
    from xlplan.config import load_config as load
    levels = load().scale.levels
    import tomllib
    default = tomllib.loads((Path(__file__).parents[1] / "xlplan" / "defaults.toml").read_text("utf-8"))
    custom = [dict(lv) for lv in default["rag"]["levels"]]
    amber = next(lv for lv in custom if lv["label"] == "Amber")
    amber["meaning"] = "Our board's own words for amber"
    amber["narrative"] = " as our board says amber"
    lines = [text, ""]
    for lv in custom:
        lines.append("[[rag.levels]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in lv.items()]
        lines.append("")
    config_file.write_text("\n".join(lines), encoding="utf-8")
    config, result = issue(project)
    guide = openpyxl.load_workbook(result.requests[0].workbook)["Guide"]
    rows = [r[:3] for r in guide.iter_rows(values_only=True)]
    start = rows.index(("Rating", "Meaning", "The board report then says"))
    key = rows[start + 1: start + 1 + len(levels)]
    assert [r[0] for r in key] == [lv.label for lv in config.scale.levels]      # the dropdown's list, No data too
    assert [r[1] for r in key] == [lv.meaning for lv in config.scale.levels]
    assert ("Amber", "Our board's own words for amber", "\u2026 marked amber as our board says amber") in key
    # the shared workbook's Guide gives the same meanings
    assert main(["init", str(project / "new.xlsx")]) == 0
    capsys.readouterr()
    shared = [r[:2] for r in openpyxl.load_workbook(project / "new.xlsx")["Guide"].iter_rows(values_only=True)]
    assert [r for r in shared if r[0] in config.scale.labels] == [r[:2] for r in key]
    # and the summary says it in the same words
    assert main(["summary", "workbooks/plan.xlsx", "--as-of", AS_OF]) == 0
    assert "marked amber as our board says amber" in capsys.readouterr().out


def test_a_request_file_is_never_written_over_another_one(project):
    # The review's case: "A. Smith" and "A Smith" make one file name; a second issue on the
    # same day wrote over the first lead's file, which the register still named as theirs.
    config, first = issue(project)
    before = {r.workbook: r.workbook.read_bytes() for r in first.requests}
    _, second = issue(project)                      # not reused: new requests, new files
    assert all(path.read_bytes() == data for path, data in before.items())
    assert not {r.workbook for r in second.requests} & set(before)
    register = {r["id"]: r["workbook"] for r in read_register(config) if r["kind"] == "issued"}
    assert all(register[r.id] == str(r.workbook) for r in first.requests + second.requests)
