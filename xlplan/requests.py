"""Update requests: each lead with open actions gets a workbook holding only their actions
(`xlplan requests`), and a register in the history folder records what was issued, to whom,
and each row's values as sent, so `xlplan collect` can compare a return three ways (as sent,
as returned, the shared workbook now).

Safeguarding plans name children's cases: a request holds only its lead's rows, never
another's (tested on every request)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from .action import NO_LEAD, Action
from .config import Config
from .dates import as_day
from .plan import Plan

REGISTER = "requests.jsonl"


@dataclass
class IssuedRequest:
    lead: str
    email: str
    refs: list[str]
    workbook: Path | None
    id: str
    problem: str = ""               # why no email can go to this lead (the request is still written)

    def to_dict(self) -> dict:
        return {"lead": self.lead, "email": self.email, "refs": self.refs,
                "workbook": str(self.workbook) if self.workbook else None, "id": self.id,
                "problem": self.problem or None}


@dataclass
class RequestsResult:
    """`xlplan requests`: the requests written, one per lead with open actions."""

    plan: str
    as_of: dt.date
    folder: Path
    requests: list[IssuedRequest] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)    # ids of earlier requests these replace
    notes: list[str] = field(default_factory=list)

    @property
    def not_emailed(self) -> list[str]:
        return [r.lead for r in self.requests if r.problem]

    def to_dict(self) -> dict:
        return {"plan": self.plan, "as_of": self.as_of.isoformat(), "folder": str(self.folder),
                "requests": [r.to_dict() for r in self.requests], "not_emailed": self.not_emailed,
                "superseded": self.superseded, "notes": self.notes}


# -- the register ------------------------------------------------------------------------------

def register_path(config: Config) -> Path:
    return config.folders["history"] / REGISTER


def read_register(config: Config) -> list[dict]:
    """Every record, oldest first: {"kind": "issued", ...}, {"kind": "returned", ...} and
    {"kind": "refused", ...} (a returned file refused whole: its digest, so a later collect of
    the same file says when it was refused before). A line
    that cannot be read (a crash mid-write of an older version) is skipped, not fatal."""
    return _read_records(register_path(config))


def _read_records(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("kind") in ("issued", "returned", "refused"):
            records.append(record)
    return records


def add_to_register(config: Config, records: list[dict]) -> None:
    """Append records to the register, rewriting it whole and atomically."""
    from .run.files import atomic_path

    if not records:
        return
    path = register_path(config)
    old = path.read_bytes() if path.is_file() else b""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    new = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8")
    with atomic_path(path) as tmp:
        tmp.write_bytes(old + new)


@dataclass(frozen=True)
class RequestState:
    """One issued request as the register tells it now."""

    record: dict
    superseded_by: dict | None
    returns: tuple[dict, ...]

    @property
    def id(self) -> str:
        return self.record["id"]

    @property
    def lead(self) -> str:
        return self.record["lead"]

    @property
    def issued(self) -> str:
        return self.record["issued"]

    @property
    def returned(self) -> bool:
        return bool(self.returns)


def request_states(records: list[dict], plan: str | None = None) -> dict[str, RequestState]:
    """Each issued request (of `plan`, a resolved path, or of every plan): what replaced it and
    its returns. A request is superseded by a later one to the same lead for the same plan."""
    issued = [r for r in records if r["kind"] == "issued" and (plan is None or r.get("plan") == plan)]
    returns: dict[str, list[dict]] = {}
    for r in records:
        if r["kind"] == "returned":
            returns.setdefault(r.get("id", ""), []).append(r)
    out = {}
    for i, record in enumerate(issued):
        later = next((r for r in issued[i + 1:] if r["lead"] == record["lead"] and r.get("plan") == record.get("plan")),
                     None)
        out[record["id"]] = RequestState(record, later, tuple(returns.get(record["id"], ())))
    return out


def issued_on(config: Config, plan: str | Path, day: dt.date) -> dict[str, Path]:
    """lead -> the workbook of the latest request issued to them on `day` for `plan` (read
    once per state of the register: a weekly run asks once per lead)."""
    from .chaselog import plan_key

    path = register_path(config)
    try:
        stat = path.stat()
    except OSError:
        return {}
    return _issued_on(str(path), stat.st_mtime_ns, stat.st_size, plan_key(plan), day.isoformat())


@functools.lru_cache(maxsize=8)
def _issued_on(path: str, mtime: int, size: int, plan: str, day: str) -> dict[str, Path]:
    out = {}
    for record in _read_records(Path(path)):
        if record["kind"] == "issued" and record.get("plan") == plan and record.get("issued") == day:
            out[record["lead"]] = Path(record["workbook"])
    return out


def returned_refs(config: Config, plan: str | Path) -> dict[str, list[dt.date]]:
    """ref -> the dates on which a request holding it was collected from its lead (the weekly
    status counts that lead as having updated)."""
    from .chaselog import plan_key

    out: dict[str, list[dt.date]] = {}
    for state in request_states(read_register(config), plan_key(plan)).values():
        for back in state.returns:
            try:
                day = dt.date.fromisoformat(back.get("collected", ""))
            except ValueError:
                continue
            for row in state.record["rows"]:
                out.setdefault(row["ref"], []).append(day)
    return out


# -- issuing -----------------------------------------------------------------------------------

def cell_text(value) -> str:
    """A cell's value as the text compared three ways: line ends as \\n, outer spaces gone."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def sheet_cells(path: Path, sheet: str, rows: set[int], config: Config) -> dict[int, list]:
    """The raw values of some rows (1-based) of one sheet: what the shared workbook holds."""
    out: dict[int, list] = {}
    if not rows:
        return out
    last = max(rows)
    for r, values in enumerate(sheet_values(path, config, sheet), start=1):
        if r > last:
            break
        if r in rows:
            out[r] = list(values)
    return out


def sheet_values(path: Path, config: Config, sheet: str | None = None):
    """Every row of one sheet from row 1 (or, with no sheet named, of every sheet, by name),
    empty cells None, read as read_plan reads (python-calamine when installed: ten times
    quicker than openpyxl)."""
    from .read.xlsx import open_book

    book = open_book(Path(path), config.max_unpacked_bytes, config.max_rows, config.max_columns)
    names = [sheet] if sheet else list(book.sheetnames)
    found = {n: book.rows(n) for n in names}
    return found[sheet] if sheet else found


def due_shown(action: Action) -> str:
    """The due date as the lead sees it: dd/mm/yyyy for a plain date, else the words of the
    cell ("Oct 12 - Dec 12 Extension to timescale agreed Jan 13")."""
    text = action.due_text.strip()
    if action.due and (not text or text in (action.due.isoformat(), action.due.strftime("%d/%m/%Y"))):
        return action.due.strftime("%d/%m/%Y")
    return text


def sent_row(action: Action, plan: Plan, raw: dict[int, list]) -> dict:
    """What the request says of one action, and what the shared cells held when it was sent."""
    cells = raw.get(action.row, [])

    def raw_of(name: str) -> str:
        col = plan.columns.get(name)
        return cell_text(cells[col]) if col is not None and col < len(cells) else ""

    return {"ref": action.ref, "row": action.row, "action": action.action, "due_shown": due_shown(action),
            "due": action.due.isoformat() if action.due else None, "due_cell": raw_of("due"),
            "rag": action.rag or "", "rag_cell": raw_of("rag"),
            # The statement the lead is given to edit is the cell as it is in the shared workbook
            # (not xlplan's cleaned reading), so leaving it alone is no change.
            "progress": raw_of("progress") if len(action.rows) <= 1 else action.progress}


def issue_requests(plan_path: str | Path | None = None, config: Config | None = None, *,
                   outbox: str | Path | None = None, as_of: dt.date | str | None = None,
                   leads: list[str] | None = None, reuse: bool = False) -> RequestsResult:
    """Write one update-request workbook per lead with open actions into `outbox`
    (default: [folders] outbox/<as-of>/requests), holding only that lead's actions, and add
    them to the register. A lead's earlier requests for this plan are superseded. `leads`
    limits the requests to those leads (the weekly run asks for the leads it chases). With
    `reuse` (the weekly run, run again for the same date) a lead's request issued on the same
    date with the same rows is kept as it is, not issued again."""
    from .chase import lead_address, people
    from .chaselog import plan_key
    from .config import load_config
    from .mail.drafts import file_slug, reply_by
    from .plan import read_plan
    from .workbook.request import RequestRow, RequestSheet, write_request

    config = config or load_config()
    as_of = as_day(as_of)
    path = Path(plan_path) if plan_path else config.workbook
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        from .errors import InputError

        raise InputError(f"{path} is not a workbook (.xlsx); update requests are issued from the shared workbook, "
                         f"which 'xlplan collect' merges the returns into (make one with 'xlplan import')")
    plan = read_plan(path, config)
    folder = Path(outbox) if outbox else config.folders["outbox"] / as_of.isoformat() / "requests"
    result = RequestsResult(str(path), as_of, folder)
    scale = config.scale

    by_lead: dict[str, list[Action]] = {}
    no_lead = 0
    # A return is matched by ref: an action whose ref is missing or used twice cannot be.
    counts: dict[str, int] = {}
    for action in plan.actions:
        counts[action.ref] = counts.get(action.ref, 0) + 1
    unmatched = sorted({a.ref or f"row {a.row}" for a in plan.actions if not a.ref or counts[a.ref] > 1})
    if unmatched:
        result.notes.append(f"left out of every request, as a return could not be matched to them: "
                            f"{', '.join(unmatched[:10])}{' and more' if len(unmatched) > 10 else ''} "
                            f"(a ref missing or used twice; 'xlplan validate' lists them)")
    for action in plan.actions:
        if not action.ref or counts[action.ref] > 1:
            continue
        if scale.is_complete(action.rag, action.due, action.progress, as_of):
            continue
        if not action.lead.strip():
            no_lead += 1
            continue
        for person in people(action.lead, plan.directory):
            by_lead.setdefault(person, []).append(action)
    if no_lead:
        result.notes.append(f"{no_lead} open action{'s have' if no_lead != 1 else ' has'} no lead named; "
                            f"no request can go to anyone for {'them' if no_lead != 1 else 'it'}")
    if leads is not None:
        wanted = {name.casefold() for name in leads}
        unknown = sorted(wanted - {k.casefold() for k in by_lead})
        if unknown and not reuse:
            from .errors import InputError

            known = ", ".join(sorted(by_lead, key=str.casefold))
            raise InputError(f"no open actions for lead {unknown[0]!r} in {path}; leads with open actions: {known}")
        by_lead = {k: v for k, v in by_lead.items() if k.casefold() in wanted}
    rows_needed = {r for actions in by_lead.values() for a in actions for r in a.rows or (a.row,)}
    raw = sheet_cells(path, plan.sheet, rows_needed, config)
    key = plan_key(path)
    earlier = request_states(read_register(config), key)
    records, used = [], set()
    reply = reply_by(as_of, config.chase.reply_days, config.chase.closed_days)
    for lead in sorted(by_lead, key=str.casefold):
        actions = by_lead[lead]
        email, problem = lead_address(lead, plan.directory)
        if lead == NO_LEAD:
            continue
        sent = [sent_row(a, plan, raw) for a in actions]
        same = [st for st in earlier.values() if st.lead == lead and st.superseded_by is None
                and st.issued == as_of.isoformat() and st.record["rows"] == sent
                and Path(st.record["workbook"]).is_file()] if reuse else []
        if same:
            kept = same[0].record
            result.requests.append(IssuedRequest(lead, email, [a.ref for a in actions], Path(kept["workbook"]),
                                                 kept["id"], problem))
            continue
        ident = f"R-{as_of:%Y%m%d}-{secrets.token_hex(4)}"
        slug = file_slug(lead)
        name, n = slug, 2
        # Never over a file already there ("A. Smith" and "A Smith" make one slug): it may be
        # another lead's request, kept in the register and attached to their email.
        while name.casefold() in used or (folder / f"{name}-update-request-{as_of.isoformat()}.xlsx").exists():
            name, n = f"{slug}-{n}", n + 1
        used.add(name.casefold())
        workbook = folder / f"{name}-update-request-{as_of.isoformat()}.xlsx"
        sheet = RequestSheet(ident, lead, key, plan.title or path.stem, as_of, reply,
                             tuple(RequestRow(s["ref"], s["action"], s["due_shown"], s["rag"], s["progress"])
                                   for s in sent), config.requests.propose_due)
        write_request(workbook, config, sheet)
        result.requests.append(IssuedRequest(lead, email, [a.ref for a in actions], workbook, ident, problem))
        result.superseded += [s.id for s in earlier.values() if s.lead == lead and s.superseded_by is None]
        records.append({"kind": "issued", "id": ident, "lead": lead, "email": email, "plan": key,
                        "sheet": plan.sheet, "title": plan.title, "issued": as_of.isoformat(),
                        "at": dt.datetime.now().isoformat(timespec="seconds"), "workbook": str(workbook),
                        "propose_due": config.requests.propose_due, "rows": sent})
    add_to_register(config, records)
    return result
