"""Rebuild workbooks/plan.xlsx, the embedded default plan: the 28 actions of seed 000 (the
2009 Safeguarding Review exception report) as the board kept them, in xlplan's shared-plan
layout, with a Leads sheet of role names and example.org addresses.

The board gave six ratings by cell colour alone (the text export shows them blank); they are
written here as fills with no text, one of them as a theme colour, so that the default plan
exercises the colour reading. Their ratings are chosen so that the counts match what the
scrutiny report (seed 003, paragraph 16) says of this plan: 9 green, 2 amber/green,
10 amber, 1 amber/red, 4 red, 2 no data.

It also writes a short history, workbooks/history/plan.<date>.xlsx: the two weeks before
2026-11-23, in which a few ratings and statements differ (EARLIER below), so that
`xlplan weekly` on the default shows real changes, a chase list and a trend.

usage: python workbooks/build_default.py   (from the project folder)
"""

import re
from dataclasses import replace
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import Color

from xlplan.config import load_config
from xlplan.leads import Directory, Lead
from xlplan.plan import read_plan
from xlplan.workbook.create import HEADER_ROW, write_plan_workbook

FIRST_DATA_ROW = HEADER_ROW + 2   # 1-based: the row under the header

HERE = Path(__file__).resolve().parent
SEED = HERE.parent / "tests" / "fixtures" / "seeds" / "000_5f410cbe6595b4ac.txt"
TITLE = "Safeguarding Review – Action Plan: Exception Report, May 2009"
# ref -> (rating, fill): the colour-only ratings. ("theme", 5, 0) is the theme's accent 2.
COLOUR_ONLY = {
    "2.2": ("Amber", "FFC000"),
    "2.3": ("Red", ("theme", 5, 0.0)),
    "2.6": ("Red", "FF0000"),
    "2.7": ("Amber/Red", "FF7C80"),
    "2.8": ("Amber/Green", "C4D79B"),
    "2.17": ("Red", "FF0000"),
}


# ref -> (rating, progress or None to keep) in the weeks before the plan as it is now.
EARLIER = {
    "2026-11-09": {"3.4": ("Red", "Item to be placed in Team Talk."), "1.3": ("Amber", "PI framework drafted."),
                   "4.2": ("Amber", "Team plan 2009/10 drafted."), "4.4": ("Red", None),
                   "2.5": ("Amber", "The delivery plan will be discussed at the HSCB Board Meeting.")},
    "2026-11-16": {"1.3": ("Amber", "PI framework drafted."), "4.4": ("Red", None)},
}


def email_for(role: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", role.lower()).strip(".") + "@example.org"


def write_version(target: Path, config, plan, leads, changes: dict) -> None:
    actions = []
    for action in plan.actions:
        copy = replace(action)
        if action.ref in COLOUR_ONLY:
            copy.rag = None  # written as a fill below
        if action.ref in changes:
            rating, progress = changes[action.ref]
            copy.rag = rating
            copy.progress = progress if progress is not None else action.progress
        actions.append(copy)
    write_plan_workbook(target, config, actions, title=TITLE, directory=Directory(leads, "build_default.py"))

    # xlsxwriter writes no theme colours, so the fills go on with openpyxl.
    wb = load_workbook(target)
    ws = wb[config.sheet]
    rag_col = list(config.columns).index("rag") + 1
    for i, action in enumerate(actions):
        if action.ref in COLOUR_ONLY and action.rag is None:
            _, fill = COLOUR_ONLY[action.ref]
            colour = Color(theme=fill[1], tint=fill[2]) if isinstance(fill, tuple) else Color(rgb="FF" + fill)
            ws.cell(row=FIRST_DATA_ROW + i, column=rag_col).fill = PatternFill(fill_type="solid", fgColor=colour)
    wb.save(target)


def main() -> None:
    config = load_config(HERE.parent / "config" / "xlplan.toml")
    plan = read_plan(SEED, config)
    leads = {}
    for action in plan.actions:
        leads.setdefault(action.lead.casefold(), Lead(action.lead, email_for(action.lead)))
    write_version(HERE / "plan.xlsx", config, plan, leads, {})
    print(f"wrote {HERE / 'plan.xlsx'}")
    history = HERE / "history"
    history.mkdir(exist_ok=True)
    for date, changes in EARLIER.items():
        target = history / f"plan.{date}.xlsx"
        if target.exists():
            target.chmod(0o644)
        write_version(target, config, plan, leads, changes)
        target.chmod(0o444)                # snapshots are never changed
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
