"""The RAG scale: canonical labels, their order, colours and meanings, and reading a rating
from whatever a lead put in the cell (words, letters, symbols, "Green 21.11.12 - comment",
or only a fill colour)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, replace
from functools import cached_property

from .dates import day_first
from .text import words_pattern

# Before a done word, in its clause: the work is not said to be done ("not yet completed",
# "to be completed", "will have completed", "once completed", "we aim to have it in place").
NO_DATA = "No data"              # the board's word for an action its lead has given nothing on

_NOT_ASSERTED = re.compile(r"\b(not|never|to be|will|would|should|once|when|until|unless|aim|plan|expect\w*|"
                           r"due to|hope\w*|to have|yet to)\b")
_CLAUSE = re.compile(r"[.;:\n]")


def done_word(words: tuple[str, ...], text: str) -> str | None:
    """The first of `words` that the text asserts, as it is written there (lower case); None
    when the text does not say the work is done. A word does not count when its clause says
    otherwise before it (negated, "to be completed", "will have completed", "once completed")
    or when "by" follows it, a target ("completed by the end of May", "in place by June").
    The one reading of "these words say the work is done": a Green action's completeness
    (RagScale.says_done) and the rag-conflict rule both use it."""
    lowered = (text or "").casefold()
    if lowered.isascii() and not any(w.casefold() in lowered for w in words):
        return None                                     # (quicker than the pattern's search)
    for m in words_pattern(tuple(words)).finditer(lowered):
        clause = _CLAUSE.split(lowered[max(0, m.start() - 40):m.start()])[-1]
        if _NOT_ASSERTED.search(clause) or lowered[m.end():m.end() + 4].startswith(" by"):
            continue
        return m.group(0)
    return None

# "21.11.12", "07/01/2013": the date a rating was given, written after the status.
_RATING_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})\b")
_SEPARATOR = r"[-–—:;,]"


@dataclass(frozen=True)
class RagLevel:
    label: str
    order: int | None          # 1 = best; None = outside the order (Grey, No data)
    colour: str                # RRGGBB shown for this rating
    font: str                  # RRGGBB of text on that colour
    meaning: str
    aliases: tuple[str, ...]
    fills: tuple[str, ...]     # fill colours (RRGGBB) that mean this rating on their own
    complete: bool = False
    complete_when_due_passed: bool = False
    narrative: str = ""        # ", as completed": finishes "9 are marked green..."


@dataclass(frozen=True)
class RagReading:
    """What a RAG cell says. `label` is canonical or None; `problem` says why not."""

    label: str | None
    source: str = ""           # "text", "fill" or "" (nothing there)
    date: dt.date | None = None  # "Green 21.11.12": when the rating was given
    comment: str = ""          # "... - This has been shared with the front end"
    raw: str = ""
    problem: str = ""


def _norm(text: str) -> str:
    text = re.sub(r"\s*/\s*", "/", text.strip().casefold())
    return re.sub(r"\s+", " ", text).strip(" .")


def _alias_pattern(alias: str) -> str:
    parts = [re.escape(p) for p in re.split(r"\s*/\s*", alias.strip())]
    return r"\s*/\s*".join(p.replace(r"\ ", r"\s+") for p in parts)


# A number alone ("2", "3.", "(1)"): a point of a plan's own scale, never guessed without the
# plan's key or [rag.scales].
_NUMBER = re.compile(r"^\(?\d{1,2}\)?\.?$")


@dataclass(frozen=True)
class RagScale:
    levels: tuple[RagLevel, ...]
    fill_tolerance: float = 60
    done_words: tuple[str, ...] = ()
    # Words and numbers of other rating scales, each with the label it means ([rag.scales],
    # then a plan's own key): ("on track", "Green"), ("1", "Blue"). A later pair wins over an
    # earlier one and over the levels' aliases.
    words: tuple[tuple[str, str], ...] = ()

    @cached_property
    def labels(self) -> tuple[str, ...]:
        return tuple(lv.label for lv in self.levels)

    @cached_property
    def _by_alias(self) -> dict[str, str]:
        table = {}
        for lv in self.levels:
            for alias in (lv.label, *lv.aliases):
                table.setdefault(_norm(alias), lv.label)
        labels = set(self.labels)
        for word, label in self.words:
            if label in labels and _norm(word):
                table[_norm(word)] = label
        return table

    @property
    def known_words(self) -> dict[str, str]:
        """Every word this scale reads as a whole cell (normalised: lower case, "/" unspaced),
        with its label: the labels, the levels' aliases and the scales' words."""
        return self._by_alias

    def with_words(self, words) -> RagScale:
        """This scale, reading also `words` ((word, label) pairs, or a dict): a plan's own key
        ("1" = Blue, "Fully achieved" = Blue) over the configured scales."""
        pairs = tuple(words.items()) if isinstance(words, dict) else tuple(words)
        return replace(self, words=self.words + pairs) if pairs else self

    @cached_property
    def _leading(self) -> re.Pattern:
        # Longest first, so "amber/green" wins over "amber". A one- or two-letter alias ("A",
        # "AG") only leads a commentary when a date or a dash follows it: "A meeting was held"
        # is not an Amber rating.
        words, letters = [], []
        for alias in sorted(self._by_alias, key=len, reverse=True):
            (letters if len(alias.replace("/", "")) <= 2 and alias.isascii() else words).append(alias)
        word_alt = "|".join(_alias_pattern(a) for a in words)
        letter_alt = "|".join(_alias_pattern(a) for a in letters) or "(?!)"
        return re.compile(
            rf"^\s*(?:(?P<word>{word_alt})(?![\w/])|(?P<letter>{letter_alt})(?=\s*(?:\d|{_SEPARATOR})))"
            rf"\s*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)

    @cached_property
    def _by_label(self) -> dict[str, RagLevel]:
        return {lv.label: lv for lv in reversed(self.levels)}      # the first level of a label wins

    @cached_property
    def _readings(self) -> dict[str, RagReading]:
        return {}                    # "Green", "A", "●": read once, not once for each action

    def level(self, label: str) -> RagLevel:
        return self._by_label[label]

    def canonical(self, text: str) -> str | None:
        """The canonical label for a whole-cell alias, or None."""
        return self._by_alias.get(_norm(text))

    def read_text(self, text: str) -> RagReading:
        reading = self._readings.get(text)
        if reading is None:
            reading = self._read_text(text)
            if len(text or "") <= 40 and len(self._readings) < 10_000:
                self._readings[text] = reading
        return reading

    def _read_text(self, text: str) -> RagReading:
        raw = text
        text = (text or "").strip()
        if not text or set(text) <= set("-–— "):
            return RagReading(None, raw=raw)
        label = self.canonical(text)
        if label:
            return RagReading(label, "text", raw=raw)
        match = self._leading.match(text)
        if not match:
            if _NUMBER.match(text):
                known = dict((w.strip(), lab) for w, lab in self.words if w.strip().isdigit())
                if known:
                    scale = ", ".join(f"{w} = {lab}" for w, lab in sorted(known.items()))
                    return RagReading(None, "text", raw=raw, problem=(
                        f"{text!r} is not a point of the scale in the plan's key or [rag.scales] ({scale}); "
                        f"map it with [rag.scales] in the config (\"{text.strip('().')}\" = the rating it means)"))
                return RagReading(None, "text", raw=raw, problem=(
                    f"{text!r} is a point of a numbered scale with no key in the plan to say what it "
                    f"means; map it with [rag.scales] in the config (\"{text.strip('().')}\" = the rating it means) "
                    f"or write the plan's key under the table (\"{text.strip('().')} On track\")"))
            return RagReading(None, "text", raw=raw, problem=f"{text[:40]!r} is not a RAG rating")
        label = self._by_alias[_norm(match["word"] or match["letter"])]
        rest = match["rest"].strip()
        date = None
        found = _RATING_DATE.match(rest)
        if found:
            date = day_first(*found.groups())
            if date:
                rest = rest[found.end():].strip()
        rest = re.sub(rf"^{_SEPARATOR}\s*", "", rest).strip()
        return RagReading(label, "text", date=date, comment=rest, raw=raw)

    def read_fill(self, rgb: str | None) -> RagReading:
        """The rating a fill colour means, when the cell has no text: the nearest configured
        fill within the tolerance; a colour near none is reported, never guessed."""
        if not rgb or rgb.upper() in ("FFFFFF", "000000"):
            return RagReading(None)
        rgb = rgb.upper()
        best, best_distance = None, math.inf
        for lv in self.levels:
            for fill in lv.fills:
                distance = _distance(rgb, fill)
                if distance < best_distance:
                    best, best_distance = lv.label, distance
        if best is not None and best_distance <= self.fill_tolerance:
            return RagReading(best, "fill", raw=f"#{rgb}")
        near = f" (nearest is {best}, {best_distance:.0f} away)" if best else ""
        return RagReading(None, "fill", raw=f"#{rgb}",
                          problem=f"fill colour #{rgb} is near none of the RAG colours{near}")

    def rank(self, label: str | None) -> int | None:
        if label is None:
            return None
        try:
            return self.level(label).order
        except KeyError:
            return None

    def direction(self, old: str | None, new: str | None) -> str:
        """'improved', 'worsened' or 'moved' (to or from a rating outside the order)."""
        a, b = self.rank(old), self.rank(new)
        if a is None or b is None:
            return "moved"
        return "improved" if b < a else "worsened" if b > a else "same"

    def says_done(self, progress: str) -> bool:
        """The progress statement says the work is done ([rag] done_words; see done_word)."""
        return done_word(self.done_words, progress) is not None

    def is_complete(self, label: str | None, due: dt.date | None, progress: str,
                    as_of: dt.date | None) -> bool:
        """Complete: a `complete` rating; or a "complete or on target" rating (Green) whose
        due date has passed or whose progress says it is done."""
        if label is None:
            return False
        try:
            lv = self.level(label)
        except KeyError:
            return False
        if lv.complete:
            return True
        if lv.complete_when_due_passed:
            return bool(due and as_of and due < as_of) or self.says_done(progress)
        return False


def _distance(a: str, b: str) -> float:
    return math.dist(bytes.fromhex(a), bytes.fromhex(b))

