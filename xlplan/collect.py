"""Collecting returned update requests into the shared workbook, three ways per cell: the
value as sent (the register), as returned (the lead's file) and the shared workbook now.

- a cell the lead changed and nobody else touched since the request is applied;
- a cell changed both in the return and in the shared workbook is a conflict: reported, not
  applied;
- anything outside the lead's own rows or the request's unlocked columns is refused, as is a
  whole return that is not a request, is damaged or password-protected, has rows deleted, is
  for another plan, or was superseded by a newer request to the same lead;
- the same return collected twice changes nothing.

The shared workbook is written the way `format` writes it: never while it is open, after a
backup, by editing only the plan sheet's cells inside the zip (every other part byte for
byte), checked cell by cell against what was meant, then replaced atomically."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import errno
import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from .action import Action
from .config import Config
from .dates import as_day, excel_serial, read_due_text
from .errors import InputError, OutputError, WorkbookError
from .requests import (
    RequestState,
    add_to_register,
    cell_text,
    read_register,
    request_states,
    sheet_cells,
)
from .workbook.request import HEADERS, plan_identity, read_return

RETURN_SUFFIXES = {".xlsx", ".xlsm"}
MAIL_SUFFIXES = {".eml", ".msg"}
FIELD_NAMES = {"rag": "Rating", "progress": "Progress", "due": "Due", "action": "Action",
               "new_due": "Proposed due", "due_reason": "Reason for a new due date", "row": "row"}


@dataclass(frozen=True)
class Applied:
    ref: str
    field: str
    old: str
    new: str
    lead: str

    def to_dict(self) -> dict:
        return {"ref": self.ref, "field": self.field, "old": self.old, "new": self.new, "lead": self.lead}


@dataclass(frozen=True)
class Conflict:
    ref: str
    field: str
    sent: str
    returned: str
    now: str
    lead: str

    def to_dict(self) -> dict:
        return {"ref": self.ref, "field": self.field, "sent": self.sent, "returned": self.returned,
                "now": self.now, "lead": self.lead}


@dataclass(frozen=True)
class Refused:
    file: str
    ref: str | None
    field: str | None
    why: str
    lead: str = ""
    sent: str = ""            # a refused cell: its value as sent, and as the lead returned it, so a
    returned: str = ""        # person can see what was typed (the merge sheet shows both)
    before: str = ""          # ISO date of an earlier collect that refused the same file (same bytes)
    digest: str = ""          # sha256 of the file refused (the register remembers it)

    def to_dict(self) -> dict:
        return {"file": self.file, "ref": self.ref, "field": self.field, "why": self.why, "lead": self.lead or None,
                "sent": self.sent if self.ref else None, "returned": self.returned if self.ref else None,
                "before": self.before or None}


@dataclass(frozen=True)
class ProposedDue:
    ref: str
    lead: str
    due: str                  # the due date now (as the plan shows it)
    proposed: str             # ISO date
    reason: str
    accepted: bool

    def to_dict(self) -> dict:
        return {"ref": self.ref, "lead": self.lead, "due": self.due, "proposed": self.proposed,
                "reason": self.reason, "accepted": self.accepted}


@dataclass
class CollectResult:
    """`xlplan collect`: what was applied, the conflicts, what was refused and why, the
    requests not yet returned, and the proposed due dates."""

    workbook: Path
    as_of: dt.date
    applied: list[Applied] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    # Refused in an earlier collect, and settled since: the same lead's newer return was read.
    # Listed, but not counted as refused (they made an earlier collect exit 1 already).
    settled: list[Refused] = field(default_factory=list)
    outstanding: list[RequestState] = field(default_factory=list)
    proposed: list[ProposedDue] = field(default_factory=list)
    returns: list[dict] = field(default_factory=list)      # each return read: file, id, lead, outcome
    written: bool = False
    backup: Path | None = None
    updated: list[str] = field(default_factory=list)       # refs whose Updated date was set
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.conflicts or self.refused else 0

    def leads(self) -> list[str]:
        names = [*(a.lead for a in self.applied), *(c.lead for c in self.conflicts),
                 *(r.lead for r in self.refused + self.settled if r.lead), *(s.lead for s in self.outstanding),
                 *(p.lead for p in self.proposed)]
        return sorted(dict.fromkeys(names), key=str.casefold)

    def to_dict(self) -> dict:
        return {"workbook": str(self.workbook), "as_of": self.as_of.isoformat(),
                "applied": [a.to_dict() for a in self.applied],
                "conflicts": [c.to_dict() for c in self.conflicts],
                "refused": [r.to_dict() for r in self.refused],
                "settled": [r.to_dict() for r in self.settled],
                "outstanding": [{"lead": s.lead, "id": s.id, "issued": s.issued} for s in self.outstanding],
                "proposed_due": [p.to_dict() for p in self.proposed],
                "returns": self.returns, "written": self.written,
                "backup": str(self.backup) if self.backup else None, "updated": self.updated,
                "notes": self.notes}


# -- finding the returned files -------------------------------------------------------------------

@dataclass
class Returned:
    """A returned workbook on disk, and the name to call it by (an attachment: 'mail.eml: file.xlsx')."""

    path: Path
    label: str


def gather(paths: list[Path], work: Path) -> tuple[list[Returned], list[Refused]]:
    """The returned workbooks in `paths` (files, emails carrying them, folders of either);
    attachments are saved into `work`. A file that cannot be used is refused, one sentence."""
    found: list[Returned] = []
    refused: list[Refused] = []
    for given in paths:
        given = Path(given)
        if not given.exists():
            raise InputError(f"{given} does not exist; give returned request workbooks (.xlsx), saved emails "
                             f"(.eml, .msg) or a folder of them")
        if given.is_dir():
            files = sorted(p for p in given.rglob("*") if p.is_file() and p.suffix.lower() in
                           RETURN_SUFFIXES | MAIL_SUFFIXES and not p.name.startswith(("~$", ".~lock", ".")))
        else:
            files = [given]
        for f in files:
            suffix = f.suffix.lower()
            if suffix == ".eml":
                got, bad = _from_eml(f, work)
            elif suffix == ".msg":
                got, bad = _from_msg(f, work)
            else:
                got, bad = [Returned(f, str(f))], []
            found += got
            refused += [replace(r, digest=_digest(f)) for r in bad]
    return found, refused


def _from_eml(path: Path, work: Path) -> tuple[list[Returned], list[Refused]]:
    try:
        with path.open("rb") as fh:
            message = email.message_from_binary_file(fh, policy=email.policy.default)
        parts = [(part.get_filename() or "", part.get_payload(decode=True)) for part in message.walk()
                 if not part.is_multipart() and (part.get_filename() or "").lower().endswith(tuple(RETURN_SUFFIXES))]
    except (OSError, ValueError, LookupError) as exc:
        return [], [Refused(str(path), None, None, f"{path} cannot be read as an email ({exc})")]
    return _saved(path, parts, work)


def _from_msg(path: Path, work: Path) -> tuple[list[Returned], list[Refused]]:
    try:
        import extract_msg
    except ImportError:
        return [], [Refused(str(path), None, None,
                            f"{path} is an Outlook .msg file, which needs the extract-msg package "
                            f"(pip install 'xlplan[msg]'); or save the attachment from Outlook and collect the .xlsx")]
    try:
        message = extract_msg.openMsg(str(path))
        try:
            parts = [(a.longFilename or a.shortFilename or "", a.data) for a in message.attachments
                     if (a.longFilename or a.shortFilename or "").lower().endswith(tuple(RETURN_SUFFIXES))
                     and isinstance(a.data, bytes)]
        finally:
            message.close()
    except Exception as exc:                       # extract-msg raises its own kinds for a bad file
        return [], [Refused(str(path), None, None, f"{path} cannot be read as an Outlook message "
                                                   f"({type(exc).__name__})")]
    return _saved(path, parts, work)


def _saved(mail: Path, parts: list[tuple[str, bytes | None]], work: Path) -> tuple[list[Returned], list[Refused]]:
    if not parts:
        return [], [Refused(str(mail), None, None, f"{mail} carries no workbook (.xlsx) attachment")]
    out = []
    for i, (name, data) in enumerate(parts):
        target = work / f"{len(list(work.iterdir()))}-{i}.xlsx"
        target.write_bytes(data or b"")
        out.append(Returned(target, f"{mail}: {Path(name).name}"))
    return out, []


# -- the three-way merge ---------------------------------------------------------------------------

@dataclass
class _Cell:
    """A shared workbook cell as the merge sees it, kept up to date as returns are applied."""

    row: int
    col: int
    value: object


def collect_returns(plan_path: str | Path | None, returned: list[str | Path], config: Config | None = None, *,
                    as_of: dt.date | str | None = None, accept_due: tuple[str, ...] = ()) -> CollectResult:
    """Merge the returned requests into the shared workbook at `plan_path` (default: [workbook]
    path). `accept_due`: refs whose proposed due date is applied (every one with
    [requests] accept_due)."""
    from .chaselog import plan_key
    from .config import load_config
    from .plan import read_plan
    from .read.guard import check_xlsx
    from .run.files import refuse_if_open

    config = config or load_config()
    as_of = as_day(as_of)
    path = Path(plan_path) if plan_path else config.workbook
    if not returned:
        raise InputError("no returned requests given; name the returned workbooks, emails or a folder of them")
    check_xlsx(path, config.max_unpacked_bytes, config.max_rows)
    warning = refuse_if_open(path, config.limits.stale_lock_hours)
    read_digest = _digest(path)                  # the version every comparison below is made with
    plan = read_plan(path, config)
    result = CollectResult(path, as_of)
    if warning:
        result.notes.append(warning)
    key = plan_key(path)
    records = read_register(config)
    states = request_states(records, key)
    everywhere = request_states(records)
    by_ref: dict[str, Action | None] = {}
    for a in plan.actions:
        # A ref now on two rows of the shared workbook: which row the lead meant is unknown.
        by_ref[a.ref] = None if a.ref in by_ref else a
    rows_needed = {a.row for a in plan.actions}
    raw = sheet_cells(path, plan.sheet, rows_needed, config)
    cells: dict[tuple[int, int], _Cell] = {}

    def cell(action: Action, name: str) -> _Cell:
        col = plan.columns[name]
        got = cells.get((action.row, col))
        if got is None:
            values = raw.get(action.row, [])
            got = cells[(action.row, col)] = _Cell(action.row, col, values[col] if col < len(values) else None)
        return got

    edits: dict[tuple[int, int], object] = {}
    changed_refs: dict[str, Action] = {}
    accept = {r.strip() for r in accept_due}
    register_new = []
    work = Path(tempfile.mkdtemp(prefix="xlplan-collect-"))
    try:
        files, refused = gather([Path(p) for p in returned], work)
        result.refused += refused
        for item in files:
            outcome = _merge_one(item, plan, config, key, states, everywhere, by_ref, cell, edits, changed_refs,
                                 accept, result)
            result.returns.append(outcome)
            if outcome.get("record"):
                register_new.append(outcome.pop("record"))
            else:
                outcome.pop("record", None)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for ref in accept:
        if not any(p.ref == ref for p in result.proposed):
            raise InputError(f"--accept-due {ref}: no returned request proposes a new due date for {ref}")
    if edits and "updated" in plan.columns:
        for ref, action in changed_refs.items():
            edits[(action.row, plan.columns["updated"])] = as_of
            result.updated.append(ref)
    register_new += _refused_before(result, records, register_new, key)
    returned_ids = {r["id"] for r in result.returns if r.get("outcome") == "read"}
    result.outstanding = [s for s in states.values() if s.superseded_by is None and not s.returned
                          and s.id not in returned_ids]
    if edits:
        result.backup, result.written = write_cells(path, plan.sheet, edits, config, digest=read_digest), True
    add_to_register(config, register_new)
    return result


def _merge_one(item: Returned, plan, config: Config, key: str, states: dict[str, RequestState],
               everywhere: dict[str, RequestState], by_ref: dict[str, Action], cell, edits, changed_refs,
               accept: set[str], result: CollectResult) -> dict:
    label = item.label
    outcome = {"file": label, "id": None, "lead": None, "outcome": "refused"}

    digest = _digest(item.path)

    def refuse(why: str, ref=None, field_name=None, lead="", sent="", returned="") -> dict:
        result.refused.append(Refused(label, ref, field_name, why, lead, cell_text(sent), cell_text(returned),
                                      digest=digest))
        return outcome

    try:
        back = read_return(item.path, config, label)
    except WorkbookError as exc:
        return refuse(str(exc))
    outcome.update(id=back.id, lead=back.lead)
    if back.plan_id and back.plan_id != plan_identity(key):
        return refuse(f"{label} is request {back.id} for another plan ({back.plan or 'another workbook'}), not "
                      f"{plan.path}; collect it into that plan", lead=back.lead)
    state = states.get(back.id)
    if state is None:
        other = everywhere.get(back.id)
        if other is not None:
            return refuse(f"{label} is request {back.id} for another plan ({other.record.get('plan')}), not "
                          f"{plan.path}; collect it into that plan", lead=back.lead)
        return refuse(f"{label} is request {back.id}, which the register of {plan.path} does not hold (it was "
                      f"issued for another plan, or from another project's history folder)", lead=back.lead)
    lead = state.lead
    outcome["lead"] = lead
    if state.superseded_by is not None:
        newer = state.superseded_by
        return refuse(f"{label} answers request {back.id} issued to {lead} on {_dmy(state.issued)}, which request "
                      f"{newer['id']} of {_dmy(newer['issued'])} replaced; nothing in it was applied (ask {lead} to fill "
                      f"in the newer one)", lead=lead)
    sent = {r["ref"]: r for r in state.record["rows"]}
    if back.duplicates:
        return refuse(f"{label}: ref {back.duplicates[0]} is on more than one row, so which is meant cannot be "
                      f"told; nothing in it was applied", lead=lead)
    missing = [ref for ref in sent if ref not in back.rows]
    if missing:
        return refuse(f"{label}: the row{'s' * (len(missing) > 1)} for {', '.join(missing)} "
                      f"{'were' if len(missing) > 1 else 'was'} deleted from the return; nothing in it was applied "
                      f"(send {lead} a new request)", lead=lead)
    outcome["outcome"] = "read"
    outcome["record"] = None
    if not any(r.get("sha256") == digest for r in state.returns):
        outcome["record"] = {"kind": "returned", "id": back.id, "lead": lead, "plan": key, "file": label,
                             "sha256": digest, "collected": result.as_of.isoformat(),
                             "at": dt.datetime.now().isoformat(timespec="seconds")}
    counts = {"applied": 0, "conflicts": 0, "refused": 0}
    before = (len(result.applied), len(result.conflicts), len(result.refused))

    for ref, cells in back.rows.items():
        if ref not in sent:
            refuse(f"{label}: ref {ref} is not one of the actions sent to {lead}; its row was not applied",
                   ref, "row", lead, "", _row_words(cells))
            continue
        row = sent[ref]
        action = by_ref.get(ref)
        if action is None:
            where = ("is now on more than one row of" if ref in by_ref else "is no longer in")
            refuse(f"{label}: {ref} {where} {plan.path}; its update was not applied", ref, None, lead,
                   "", _row_words(cells))
            continue
        for locked, sent_value in (("action", row["action"]), ("due", row["due_shown"])):
            got = cells.get(locked)
            if got is not None and _text(got.value) != cell_text(sent_value) and \
                    not (locked == "due" and _same_day(got.value, sent_value)):
                refuse(f"{label}: the {HEADERS[locked]} cell of {ref} was changed, but it is locked in the request, "
                       f"so it is not applied", ref, locked, lead, sent_value, got.value)
        for name in ("rag", "progress"):
            got = cells.get(name)
            if got is None or name not in plan.columns:
                continue
            if got.formula:
                refuse(f"{label}: the {HEADERS[name]} cell of {ref} holds a formula ({_text(got.value)[:40]}), "
                       f"not words; it was not applied (type the {HEADERS[name].lower()} as text)", ref, name, lead,
                       row["rag"] if name == "rag" else row["progress"], got.value)
                continue
            _merge_cell(name, ref, lead, got.value, row, action, plan, config, cell, edits, changed_refs,
                        result, label, refuse)
        _proposed_due(ref, lead, cells, row, action, plan, config, cell, edits, changed_refs, accept, result,
                      label, refuse)
    after = (len(result.applied), len(result.conflicts), len(result.refused))
    counts = dict(zip(counts, (a - b for a, b in zip(after, before))))
    outcome.update(counts)
    if outcome.get("record"):
        outcome["record"].update(counts)
    return outcome


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def _refused_before(result: CollectResult, records: list[dict], this_run: list[dict], key: str) -> list[dict]:
    """Mark each refusal of a file refused in an earlier collect (the same bytes: the register
    holds its digest) with that date; move those since settled (the same lead's newer return
    was read afterwards) to `result.settled`. Returns the register records of files refused
    for the first time."""
    earlier: dict[str, tuple[str, str]] = {}            # digest -> (collected, at) of its first refusal
    read_since: dict[str, list[tuple[str, str, str]]] = {}   # lead -> (collected, at, digest) of returns read
    now = dt.datetime.now().isoformat(timespec="seconds")
    for r in records + this_run:
        if r.get("plan") != key or r["kind"] not in ("returned", "refused"):
            continue
        when = (r.get("collected", ""), r.get("at", ""))
        if (r["kind"] == "refused" or r.get("refused")) and r not in this_run:
            if r.get("sha256") and (r["sha256"] not in earlier or when < earlier[r["sha256"]]):
                earlier[r["sha256"]] = when
        if r["kind"] == "returned":
            read_since.setdefault(r.get("lead", ""), []).append((*when, r.get("sha256", "")))
    new, kept, settled = {}, [], []
    for refusal in result.refused:
        first = earlier.get(refusal.digest) if refusal.digest else None
        if first is None:
            kept.append(refusal)
            if refusal.digest and not any(r.get("sha256") == refusal.digest for r in records + this_run):
                new.setdefault(refusal.digest, {"kind": "refused", "plan": key, "sha256": refusal.digest,
                                                "file": refusal.file, "lead": refusal.lead or None,
                                                "collected": result.as_of.isoformat(), "at": now,
                                                "why": refusal.why})
            continue
        refusal = replace(refusal, before=first[0])
        later = [r for r in read_since.get(refusal.lead, []) if refusal.lead and r[2] != refusal.digest
                 and r[:2] >= first]
        (settled if later else kept).append(refusal)
    result.refused, result.settled = kept, settled
    return list(new.values())


def _merge_cell(name, ref, lead, value, row, action, plan, config, cell, edits, changed_refs, result, label,
                refuse) -> None:
    scale = config.scale
    now_cell = cell(action, name)
    if name == "rag":
        text = _text(value)
        returned = scale.canonical(text) if text else ""
        if text and returned is None:
            refuse(f"{label}: {text!r} in the Rating cell of {ref} is not a rating ({', '.join(scale.labels)}); "
                   f"it was not applied", ref, name, lead, row["rag"], text)
            return
        sent = row["rag"]
        if returned == sent:
            return                                              # the lead left it as sent
        if not returned:
            refuse(f"{label}: the rating of {ref} was cleared; an empty rating is not applied (the board would be "
                   f"told No data)", ref, name, lead, row["rag"], "")
            return
        now_raw = cell_text(now_cell.value)
        now = (scale.canonical(now_raw) or now_raw) if now_raw else (action.rag or "")
        if now_raw == row["rag_cell"] and now == sent:          # nobody touched it since the request
            _apply(name, ref, lead, sent, returned, action, now_cell, edits, changed_refs, result)
        elif now != returned:                                   # (equal: collected before)
            result.conflicts.append(Conflict(ref, name, sent, returned, now, lead))
        return
    returned = _text(value)
    sent = cell_text(row["progress"])
    if returned == sent:
        return
    now = cell_text(now_cell.value)
    if now == sent:
        _apply(name, ref, lead, sent, returned, action, now_cell, edits, changed_refs, result)
    elif now == returned:
        return
    else:
        result.conflicts.append(Conflict(ref, name, sent, returned, now, lead))


def _apply(name, ref, lead, old, new, action, now_cell: _Cell, edits, changed_refs, result) -> None:
    now_cell.value = new
    edits[(now_cell.row, now_cell.col)] = new
    changed_refs[ref] = action
    result.applied.append(Applied(ref, name, old, new, lead))


def _proposed_due(ref, lead, cells, row, action, plan, config, cell, edits, changed_refs, accept, result, label,
                  refuse) -> None:
    got = cells.get("new_due")
    if got is None or got.value in (None, ""):
        return
    if got.formula:
        refuse(f"{label}: the Proposed due cell of {ref} holds a formula; it was not taken", ref, "due", lead,
               row["due_shown"], got.value)
        return
    day = _day(got.value)
    if day is None:
        refuse(f"{label}: {_text(got.value)!r} in the Proposed due cell of {ref} is not a date; it was not taken",
               ref, "due", lead, row["due_shown"], got.value)
        return
    reason = _text(cells["due_reason"].value) if cells.get("due_reason") else ""
    sent_due = row.get("due")
    if sent_due and day.isoformat() == sent_due:
        return                                                  # the same date: nothing proposed
    accepted = ref in accept or config.requests.accept_due
    result.proposed.append(ProposedDue(ref, lead, row["due_shown"], day.isoformat(), reason, accepted))
    if not accepted or "due" not in plan.columns:
        return
    now_cell = cell(action, "due")
    now_text = cell_text(now_cell.value)
    wanted = f"{_due_words(row)} Extension to timescale agreed {day:%d/%m/%Y}"
    if now_text == wanted:
        return                                                  # accepted before
    if now_text != row["due_cell"]:
        result.conflicts.append(Conflict(ref, "due", row["due_shown"], day.isoformat(), now_text, lead))
        return
    # The original date stays beside the new one, as boards write it ("Oct 12 Extension to
    # timescale agreed Jan 13"): xlplan reads the new date as the due date, flagged extended.
    _apply("due", ref, lead, row["due_shown"], wanted, action, now_cell, edits, changed_refs, result)


def _row_words(cells: dict) -> str:
    """A refused row as returned, in a few words: its rating and progress."""
    return "; ".join(t for t in (cell_text(cells[n].value) for n in ("rag", "progress") if cells.get(n)) if t)


def _dmy(iso: str) -> str:
    """2026-11-23 -> 23/11/2026: dates in sentences for people (JSON fields keep ISO)."""
    try:
        return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return str(iso)


def _due_words(row: dict) -> str:
    return row["due_shown"] or "no date"


def _text(value) -> str:
    return cell_text(value)


def _same_day(value, shown: str) -> bool:
    day = _day(value)
    return day is not None and day == _day(shown)


def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial(value)
    text = _text(value)
    if not text:
        return None
    try:
        return as_day(text)
    except ValueError:
        due = read_due_text(text)
        return due.date if due.date and not due.problem and len(due.milestones) <= 1 else None


# -- writing the shared workbook -----------------------------------------------------------------

def write_cells(path: Path, sheet: str, edits: dict[tuple[int, int], object], config: Config, *,
                digest: str | None = None) -> Path:
    """Write `edits` ((1-based row, 0-based column) -> text or date) into the sheet's XML inside
    the workbook, copy every other part byte for byte, check the result, replace atomically.
    `digest`, the workbook's sha256 when the edits were worked out: where it has changed since
    (someone saved it meanwhile), nothing is written. Returns the backup."""
    import zipfile

    from .read.xlsx import sheet_parts
    from .run.files import atomic_path, refuse_if_open
    from .workbook.reformat import backup, is_writable, refuse_unusual

    refuse_if_open(path, config.limits.stale_lock_hours)
    if not is_writable(path):
        raise OutputError(f"{path} is read-only; xlplan will not change it, and nothing was collected")
    if digest is not None and _digest(path) != digest:
        raise WorkbookError(f"{path} was saved by someone else while the returns were being compared with it; "
                            f"nothing was collected: run collect again")
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        part = sheet_parts(z)[sheet]
        refuse_unusual(path, z, names, sheet, part)
        styles = z.read("xl/styles.xml") if "xl/styles.xml" in names else b""
        date1904 = bool(re.search(rb'date1904="(1|true)"', z.read("xl/workbook.xml")))
        new_sheet, expected = _with_cells(z.read(part), edits, styles, date1904=date1904)
    saved = backup(path, config)
    try:
        with atomic_path(path) as tmp:
            from .workbook.reformat import write_package

            write_package(path, tmp, {part: new_sheet})
            _verify_cells(path, tmp, names, {part}, sheet, expected, config)
    except OutputError as exc:
        system = exc.os_error
        if system is None:
            raise
        reason = "the disk is full" if system.errno == errno.ENOSPC else (system.strerror or str(system))
        raise OutputError(f"could not write {path} ({reason}); it is unchanged and nothing was collected") from None
    return saved


def _with_cells(sheet_xml: bytes, edits: dict[tuple[int, int], object], styles_xml: bytes, *,
                date1904: bool = False):
    """The sheet with each edited cell holding its new value (text as an inline string; a date
    as a number in a date style: the cell's own, its column's, or another cell's of the column;
    written as text dd/mm/yyyy when the column has none), its other attributes kept. Returns
    the XML and each cell's expected value as openpyxl will read it."""
    from lxml import etree

    from .text import column_letter
    from .workbook.reformat import MAIN, parse_part, serialise_part

    root = parse_part(sheet_xml)
    data = root.find(f"{{{MAIN}}}sheetData")
    date_styles = _date_styles(styles_xml)
    col_styles = {}
    cols = root.find(f"{{{MAIN}}}cols")
    for col in cols if cols is not None else []:
        if col.get("style"):
            for c in range(int(col.get("min")), int(col.get("max")) + 1):
                col_styles[c - 1] = col.get("style")
    rows = {int(r.get("r")): r for r in data.findall(f"{{{MAIN}}}row")}
    expected = {}
    for (r, c), value in sorted(edits.items()):
        row = rows.get(r)
        if row is None:
            row = etree.Element(f"{{{MAIN}}}row", r=str(r))
            later = [n for n in rows if n > r]
            if later:
                rows[min(later)].addprevious(row)
            else:
                data.append(row)
            rows[r] = row
        ref = f"{column_letter(c)}{r}"
        target = None
        for existing in row.findall(f"{{{MAIN}}}c"):
            if existing.get("r") == ref:
                target = existing
                break
        if target is None:
            target = etree.Element(f"{{{MAIN}}}c", r=ref)
            after = [e for e in row.findall(f"{{{MAIN}}}c") if _col_index(e.get("r", "")) > c]
            if after:
                after[0].addprevious(target)
            else:
                row.append(target)
        if target.find(f"{{{MAIN}}}f") is not None:
            raise OutputError(f"cell {ref} of the shared workbook holds a formula; xlplan will not write over it, "
                              f"and nothing was collected")
        for child in list(target):
            target.remove(child)
        for attr in ("t", "cm", "vm"):
            target.attrib.pop(attr, None)
        if isinstance(value, dt.date):
            style = target.get("s") if target.get("s") in date_styles else None
            style = style or (col_styles.get(c) if col_styles.get(c) in date_styles else None)
            style = style or next((e.get("s") for rr in rows.values() for e in rr.findall(f"{{{MAIN}}}c")
                                   if _col_index(e.get("r", "")) == c and e.get("s") in date_styles), None)
            if style is not None:
                target.set("s", style)
                etree.SubElement(target, f"{{{MAIN}}}v").text = str((value - (dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30))).days)
                expected[(r, c)] = value
                continue
            value = value.strftime("%d/%m/%Y")
        text = _xml_safe(str(value))
        target.set("t", "inlineStr")
        inline = etree.SubElement(target, f"{{{MAIN}}}is")
        t = etree.SubElement(inline, f"{{{MAIN}}}t")
        t.text = text
        if text != text.strip() or "\n" in text:
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        expected[(r, c)] = text
    return serialise_part(root, sheet_xml), expected


def _xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def _col_index(ref: str) -> int:
    letters = "".join(ch for ch in ref if ch.isalpha()).upper()
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _date_styles(styles_xml: bytes) -> set[str]:
    """The cellXfs indexes (as strings) whose number format shows a date."""
    if not styles_xml:
        return set()
    from .workbook.reformat import MAIN, parse_part

    root = parse_part(styles_xml)
    formats = {int(f.get("numFmtId")): f.get("formatCode", "") for f in root.iter(f"{{{MAIN}}}numFmt")}
    xfs = root.find(f"{{{MAIN}}}cellXfs")
    out = set()
    for i, xf in enumerate(xfs if xfs is not None else []):
        fid = int(xf.get("numFmtId", "0"))
        code = formats.get(fid, "").lower()
        if 14 <= fid <= 22 or 45 <= fid <= 47 or (code and any(k in code for k in ("yy", "dd", "mmm"))
                                                   and "[h]" not in code):
            out.add(str(i))
    return out


def _verify_cells(original: Path, written: Path, names: list[str], replaced: set[str], sheet: str,
                  expected: dict[tuple[int, int], object], config: Config) -> None:
    """Every part but the plan sheet byte for byte; every cell of every sheet as it was, but
    the edited cells, which hold exactly what was meant."""
    import zipfile

    from .requests import sheet_values

    with zipfile.ZipFile(original) as a, zipfile.ZipFile(written) as b:
        if b.namelist() != names:
            raise OutputError(f"collecting into {original} changed its list of parts; nothing was replaced")
        for name in names:
            if name not in replaced and a.read(name) != b.read(name):
                raise OutputError(f"collecting into {original} changed its part {name}; nothing was replaced")
    before, after = sheet_values(original, config), sheet_values(written, config)
    if list(before) != list(after):
        raise OutputError(f"collecting into {original} changed its sheets; nothing was replaced")
    for name in before:
        old, new = before[name], after[name]
        if name != sheet:
            if old != new:
                raise OutputError(f"collecting into {original} changed values on sheet {name!r}; nothing was replaced")
            continue
        height = max(len(old), len(new), max((r for r, _ in expected), default=0))
        width = max([len(r) for r in old + new] + [c + 1 for _, c in expected])
        for r in range(height):
            a_row = old[r] if r < len(old) else []
            b_row = new[r] if r < len(new) else []
            for c in range(width):
                a_val = a_row[c] if c < len(a_row) else None
                b_val = b_row[c] if c < len(b_row) else None
                want = expected.get((r + 1, c), a_val)
                if (r + 1, c) in expected:
                    a_val, b_val = cell_text(want), cell_text(b_val)
                else:
                    a_val = want
                if b_val != a_val:
                    raise OutputError(f"collecting into {original} would have changed row {r + 1}, column {c + 1} "
                                      f"of sheet {name!r} unexpectedly; nothing was replaced")
