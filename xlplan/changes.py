"""What changed between two versions of a plan. Actions are matched by ref, whatever the row
order; an action whose ref changed but whose text did not is a renumbering; a ref used twice
in either version is reported and never paired. Computing the comparison and rendering it
(JSON, terminal, a sheet) are separate."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from .config import Config
from .dates import as_day
from .plan import Plan, config_for

# The contract's kinds, then xlplan's own.
KINDS = ("rag", "progress", "due", "lead", "added", "removed", "no-update", "renumbered", "action", "duplicate-ref")


@dataclass(frozen=True)
class Change:
    ref: str
    change: str
    old: object = None
    new: object = None
    direction: str | None = None       # rag only: improved, worsened, moved
    lead: str = ""
    row: int | None = None             # in the new version (the old one for removed)

    def to_dict(self) -> dict:
        out = {"ref": self.ref, "change": self.change, "old": plain_value(self.old), "new": plain_value(self.new)}
        if self.direction:
            out["direction"] = self.direction
        out.update(lead=self.lead, row=self.row)
        return out


@dataclass
class Comparison:
    old: str
    new: str
    as_of: dt.date
    changes: list[Change] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        directions = Counter(c.direction for c in self.changes if c.change == "rag")
        kinds = Counter(c.change for c in self.changes)
        return {"improved": directions["improved"], "worsened": directions["worsened"],
                "moved": directions["moved"], "no-update": kinds["no-update"], "added": kinds["added"],
                "removed": kinds["removed"], "renumbered": kinds["renumbered"], "progress": kinds["progress"],
                "due": kinds["due"], "lead": kinds["lead"], "duplicate-ref": kinds["duplicate-ref"]}

    def to_frame(self):
        """The changes as a pandas DataFrame: ref, change, old, new, direction, lead, row."""
        from .report.frames import frame

        return frame([{**c.to_dict(), "direction": c.direction} for c in self.changes],
                     columns=("ref", "change", "old", "new", "direction", "lead", "row"))

    def refs(self, kind: str) -> list[str]:
        return [c.ref for c in self.changes if c.change == kind]

    def to_dict(self) -> dict:
        return {"old": self.old, "new": self.new, "as_of": self.as_of.isoformat(),
                "changes": [c.to_dict() for c in self.changes], "counts": self.counts}


def plain_value(value):
    return value.isoformat() if isinstance(value, dt.date) else value


_NOT_WORD = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isdigit() or "a" <= c <= "z")})


def _text_key(text: str) -> str:
    """The words of a statement, ignoring case, spacing and punctuation (rewording is not an
    update). ASCII text, the most of it, without the regular expression."""
    folded = text.casefold()
    if folded.isascii():
        return " ".join(folded.translate(_NOT_WORD).split())
    return re.sub(r"[^0-9a-z]+", " ", folded).strip()


def updated_since(old, new) -> bool:
    """Did the lead update the action? A new progress statement or rating, or a newer date in
    the plan's "last updated" column (a lead confirming "no change" has updated). Changing
    only the wording of the action is not an update. Works on Actions and history Entries."""
    if old.rag != new.rag or (old.progress != new.progress and _text_key(old.progress) != _text_key(new.progress)):
        return True
    return bool(new.updated and (old.updated is None or new.updated > old.updated))


def compare(old: Plan, new: Plan, config: Config | None = None, *, as_of: dt.date | None = None) -> Comparison:
    """What changed between two versions of a plan, matched by ref whatever the row order:
    the contract's changes (rag with its direction, progress, due, lead, added, removed,
    no-update) and xlplan's own (renumbered, action, duplicate-ref). `config` defaults to the
    one the new version was read with; `as_of` (default today) decides what is complete."""
    config = config_for(new, old, config=config)
    as_of = as_day(as_of)
    result = Comparison(str(old.path), str(new.path), as_of)
    old_count = Counter(a.ref for a in old.actions if a.ref)
    new_count = Counter(a.ref for a in new.actions if a.ref)
    duplicated = {r for r, n in (old_count + new_count).items() if old_count[r] > 1 or new_count[r] > 1}
    for ref in sorted(duplicated, key=_ref_order):
        lead = next((a.lead for a in new.actions if a.ref == ref), "")
        result.changes.append(Change(ref, "duplicate-ref", old_count[ref], new_count[ref], lead=lead))

    olds = {a.ref: a for a in old.actions if a.ref and a.ref not in duplicated}
    news = {a.ref: a for a in new.actions if a.ref and a.ref not in duplicated}
    pairs = [(olds[r], news[r]) for r in news if r in olds]
    gone = [a for r, a in olds.items() if r not in news]
    came = [a for r, a in news.items() if r not in olds]
    # A ref renumbered, the action's words the same: one action, not a removal and an addition.
    by_text = {}
    for a in gone:
        by_text.setdefault(_text_key(a.action), []).append(a)
    for a in list(came):
        match = by_text.get(_text_key(a.action)) if a.action else None
        if match and len(match) == 1:
            before = match.pop()
            gone.remove(before)
            came.remove(a)
            result.changes.append(Change(a.ref, "renumbered", before.ref, a.ref, lead=a.lead, row=a.row))
            pairs.append((before, a))

    scale = config.scale
    for before, after in sorted(pairs, key=lambda p: p[1].row):
        ref, lead, row = after.ref, after.lead, after.row
        if before.rag != after.rag:
            result.changes.append(Change(ref, "rag", before.rag, after.rag,
                                         scale.direction(before.rag, after.rag), lead, row))
        if before.progress != after.progress and _text_key(before.progress) != _text_key(after.progress):
            result.changes.append(Change(ref, "progress", before.progress, after.progress, lead=lead, row=row))
        if before.due != after.due or (before.due is None and before.due_text != after.due_text):
            result.changes.append(Change(ref, "due", before.due or before.due_text or None,
                                         after.due or after.due_text or None, lead=lead, row=row))
        if before.lead.casefold() != after.lead.casefold():
            result.changes.append(Change(ref, "lead", before.lead, after.lead, lead=lead, row=row))
        if before.action != after.action and _text_key(before.action) != _text_key(after.action):
            result.changes.append(Change(ref, "action", before.action, after.action, lead=lead, row=row))
        complete = scale.is_complete(after.rag, after.due, after.progress, as_of)
        if not complete and not updated_since(before, after):
            result.changes.append(Change(ref, "no-update", before.rag, after.rag, lead=lead, row=row))
    for a in sorted(gone, key=lambda a: a.row):
        result.changes.append(Change(a.ref, "removed", a.rag, None, lead=a.lead, row=a.row))
    for a in sorted(came, key=lambda a: a.row):
        result.changes.append(Change(a.ref, "added", None, a.rag, lead=a.lead, row=a.row))
    return result


def _ref_order(ref: str):
    return [int(n) if n.isdigit() else n for n in re.findall(r"\d+|\D+", ref)]


# -- rendering -------------------------------------------------------------------------------
