"""Shared fixtures: the seeds, the default config, and small workbooks built from literal rows."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import Color

from xlplan.config import load_config

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
SEEDS = HERE / "fixtures" / "seeds"
REAL = HERE / "fixtures" / "real"
SEED_000 = SEEDS / "000_5f410cbe6595b4ac.txt"
SEED_001 = SEEDS / "001_c214f7114ef60200.txt"
SEED_003 = SEEDS / "003_734634a04d062e11.txt"
SEED_004 = SEEDS / "004_498ca0c0c89041b6.txt"

# Seed 000 as the board kept it: six ratings were cell colour only (blank in the text export).
# Two are theme colours, one with a tint; the ratings are those that make the plan add up to
# the scrutiny report's counts (seed 003, paragraph 16).
SEED_000_COLOUR_ONLY = {
    "2.2": ("Amber", Color(theme=9, tint=0.3999755851924192)),   # accent 6, lighter
    "2.3": ("Red", Color(theme=5, tint=0.0)),                    # accent 2
    "2.6": ("Red", Color(rgb="FFFF0000")),
    "2.7": ("Amber/Red", Color(rgb="FFFF7C80")),
    "2.8": ("Amber/Green", Color(rgb="FFC4D79B")),
    "2.17": ("Red", Color(rgb="FFC00000")),
}
SYMBOLS = {"★": "Green", "●": "Amber", "● / ★": "Amber/Green", "▲": "Red", "No data": "No data"}

# Progress statements, mostly as the seeds' leads wrote them, and whether they say the work
# is done. One reading decides it for a Green action's completeness and for the rag-conflict
# rule (tests/test_rag.py, tests/test_validate.py).
SAYS_DONE = [
    ("Completed", True),                                                             # seed 001
    ("This has been completed and signed off", True),
    ("Agreed and implemented – 3 rd March 2009", True),                              # seed 000, 3.5
    ("Retention policy in place.", True),                                            # seed 000
    ("Training issues identified. Performance Management now in place.", True),      # seed 000
    ("Chronologies are in place and give a concise overview of the history of the case", True),  # seed 001
    ("Initial Action Completed Further work continuing with partners", True),       # seed 004
    ("We will have completed it by June", False),                                    # issue 14
    ("to be completed by the end of May", False),
    ("Once completed, the procedure will be shared with every team", False),
    ("Currently the aim is to have these completed by the end of May 2009", False),  # seed 000, 1.2
    ("HSCB performance data set to be finalised and implemented", False),            # seed 001
    ("Lone working policy to be refreshed and implemented by teams", False),         # seed 001
    ("Audit tool to be implemented by end of June 2011.", False),                    # seed 004
    ("Not possible until EDRMS implemented.", False),                                # seed 000, 4.12
    ("Tasks and outcomes are on track, milestones met but not completed.", False),   # seed 001's key
    ("", False),
]


@pytest.fixture
def config(tmp_path):
    """The built-in defaults (no config file anywhere above tmp_path)."""
    return load_config(search_from=tmp_path)


def write_rows(path: Path, rows: list[list], *, sheet: str = "Plan", fills: dict | None = None,
               merges: list[str] = (), extra_sheets: dict[str, list[list]] | None = None) -> Path:
    """A workbook from literal rows; `fills` maps 'F4' to a Color or RRGGBB."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"   # text that looks like a formula, as a lead's '=... is
    for ref, colour in (fills or {}).items():
        colour = colour if isinstance(colour, Color) else Color(rgb="FF" + colour)
        ws[ref].fill = PatternFill(fill_type="solid", fgColor=colour)
    for rng in merges:
        ws.merge_cells(rng)
    for name, extra in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in extra:
            other.append(row)
    wb.save(path)
    return path


def seed_000_workbook(path: Path) -> Path:
    """Seed 000 pasted into Excel: every text line a row, cells split at tabs (title rows,
    section headings, repeated headers, page-split rows, HTML left in cells), and the six
    colour-only ratings as fills."""
    rows = [[c if c != "" else None for c in line.split("\t")]
            for line in SEED_000.read_text(encoding="utf-8").splitlines()]
    fills = {}
    for i, row in enumerate(rows, start=1):
        ref = (row[0] or "").strip() if row else ""
        if ref in SEED_000_COLOUR_ONLY and len(row) >= 5:
            fills[f"E{i}"] = SEED_000_COLOUR_ONLY[ref][1]
    return write_rows(path, rows, sheet="Sheet1", fills=fills)


def seed_000_expected() -> dict[str, str]:
    """ref -> rating, read straight off the seed's symbols plus the colour-only table."""
    expected = {}
    for line in SEED_000.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) == 5 and re.match(r"\d", cells[0]):
            symbol = cells[4].strip()
            expected[cells[0].strip()] = SYMBOLS[symbol] if symbol else SEED_000_COLOUR_ONLY[cells[0].strip()][0]
    return expected


def scrutiny_counts() -> dict[str, int]:
    """What the scrutiny report (seed 003, paragraph 16) says the plan's ratings were."""
    text = SEED_003.read_text(encoding="utf-8")
    counts = {}
    for number, label in re.findall(r"(\d+) (?:is|are|actions are) marked (amber/green|amber/red|green|amber|red|no data)", text):
        counts[{"amber/green": "Amber/Green", "amber/red": "Amber/Red", "no data": "No data"}.get(label, label.title())] = int(number)
    return counts


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def seed_docx(seed: Path, path: Path, shading: dict[str, str] | None = None) -> Path:
    """A seed as the Word document it came from: each run of tab-separated lines a table (the
    seeds already show where Word split tables across pages, with the header repeated), other
    lines paragraphs between tables; bullets as list paragraphs; `shading` maps a ref to the
    fill of its last cell (a colour-only rating)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from xlplan.text import plain

    document = docx.Document()
    block: list[list[str]] = []

    def flush():
        if not block:
            return
        width = max(len(r) for r in block)
        table = document.add_table(rows=0, cols=width)
        for cells in block:
            row = table.add_row()
            for j, raw in enumerate(cells):
                cell = row.cells[j]
                lines = plain(raw).splitlines() or [""]
                cell.paragraphs[0].text = lines[0].lstrip("• ") if lines[0].startswith("•") else lines[0]
                if lines[0].startswith("•"):
                    cell.paragraphs[0].style = "List Bullet"
                for line in lines[1:]:
                    p = cell.add_paragraph(line.lstrip("• ") if line.startswith("•") else line)
                    if line.startswith("•"):
                        p.style = "List Bullet"
            ref = plain(cells[0]) if cells else ""
            if shading and ref in shading:
                shd = OxmlElement("w:shd")
                shd.set(qn("w:val"), "clear")
                shd.set(qn("w:fill"), shading[ref])
                row.cells[width - 1]._tc.get_or_add_tcPr().append(shd)
        block.clear()

    for line in seed.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            block.append(line.split("\t"))
        else:
            flush()
            if line.strip():
                document.add_paragraph(plain(line))
    flush()
    document.save(path)
    return path


def png(path):
    """A 2x2 red PNG, written by hand (no imaging library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def everything_workbook(path, tmp_path):
    """A shared plan with everything a team adds over a year: a second sheet, comments, the
    manager's own validation and highlighting, hyperlinks, defined names, an image, a chart,
    a text box, a form button, and (as .xlsm) a macro project."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Plan")
    notes = wb.add_worksheet("Notes")
    header = ["Ref", "Theme", "Action", "Lead", "Due", "RAG", "Progress", "Updated", "Priority"]
    ws.write_row(1, 0, header)
    ws.write(0, 0, "Improvement plan")
    rows = [["1.1", "Leadership", "Audit case files", "DCS", "Amber", "Audits started", "High"],
            ["1.2", "Leadership", "Supervision policy", "HSCB Chair", "Green", "", "Low"],
            ["2.1", "Practice", "Assessment training", "DCS", "Red", "Slipped to autumn", "High"]]
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    for r, (ref, theme, action, lead, rag, progress, priority) in enumerate(rows, start=2):
        ws.write_row(r, 0, [ref, theme, action, lead])
        ws.write_datetime(r, 4, dt.datetime(2026, 3 + r, 28), date)
        ws.write_row(r, 5, [rag, progress])
        ws.write_string(r, 8, priority)
    ws.write_formula(6, 2, '=COUNTIF(F3:F5,"Red")', None, 1)
    ws.write_comment("C3", "Check with the DCS before the board")
    ws.data_validation(2, 8, 200, 8, {"validate": "list", "source": ["High", "Low"]})
    ws.conditional_format(2, 8, 200, 8, {"type": "cell", "criteria": "==", "value": '"High"',
                                         "format": wb.add_format({"bold": True})})
    ws.write_url("J3", "https://example.org/evidence/1.1", string="evidence")
    wb.define_name("Actions", "=Plan!$A$3:$I$5")
    ws.insert_image("K2", str(png(tmp_path / "logo.png")))
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=Plan!$E$3:$E$5", "name": "Due"})
    ws.insert_chart("K8", chart)
    ws.insert_textbox("K25", "Ask the business manager before adding rows")
    ws.insert_button("N2", {"caption": "Refresh", "macro": "refresh"})
    notes.write("A1", "Minutes of the March board")
    if path.suffix == ".xlsm":
        (tmp_path / "vbaProject.bin").write_bytes(b"\xd0\xcf\x11\xe0 a macro project " * 40)
        wb.add_vba_project(str(tmp_path / "vbaProject.bin"))
    wb.close()
    return path


SHIPPED_HISTORY = {"plan.2026-11-09.xlsx", "plan.2026-11-16.xlsx"}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the project's config and workbooks (the default plan and only its shipped
    history: running the README's `xlplan weekly` adds snapshots), as the working folder."""
    shutil.copytree(PROJECT / "config", tmp_path / "config")
    shutil.copytree(PROJECT / "workbooks", tmp_path / "workbooks", ignore=lambda folder, names: [
        n for n in names if Path(folder).name == "history" and n not in SHIPPED_HISTORY])
    for path in (tmp_path / "workbooks").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)     # a folder needs its x bit for its owner
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback. `server.refuse` holds addresses it refuses, `server.delay`
    the seconds it takes over each message; `server.messages` what it received."""
    import asyncio
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.messages, self.refuse, self.delay = [], set(), 0
            self.recipients = []           # each message's envelope recipients (To and Cc)

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address in self.refuse:
                return "550 5.1.1 mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(self.delay)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.recipients.append(sorted(envelope.rcpt_tos))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        handler.address = f"127.0.0.1:{port}"
        yield handler
    finally:
        controller.stop()


def other_group(path: Path) -> int | None:
    """A group `path` is not in and that this user may give it (root: any), or None."""
    gid = path.stat().st_gid
    if os.geteuid() == 0:
        return 4242 if gid != 4242 else 4243
    return next((g for g in os.getgroups() if g != gid), None)


def parts(path) -> dict[str, bytes]:
    """Every part of a workbook (or any zip), by name: to prove what a write kept byte for byte."""
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def values(path) -> dict[str, list[tuple]]:
    """Every sheet's cell values, row by row, as openpyxl reads them."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}
    finally:
        wb.close()
