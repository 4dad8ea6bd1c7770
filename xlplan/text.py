"""Cell text as pasted from Word (HTML fragments, inline bullets, page-break dashes), and text
as xlplan writes it for people (cut at a word, counted in good English)."""

from __future__ import annotations

import functools
import html
import re

# A tag starts "<name" or "</name" with no space: "a < b and c > d" is text.
_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|h\d|li|ul|ol|tr)\s*>|<(?:p|div|h\d|ul|ol|tr)(?:\s[^>]*)?>", re.IGNORECASE)
_ITEM = re.compile(r"<li(?:\s[^>]*)?>", re.IGNORECASE)
_TAG = re.compile(r"</?(?:ul|ol|li|p|i|b|u|em|strong|h\d|br|div|span|font|sup|sub|a|table|tr|td|th)\b[^>]*>", re.IGNORECASE)
# Word's list bullets, left inline when a list is copied as text. Not ● (an Amber rating).
_BULLET = re.compile(r"\s*[▪•◦]\s+")
# Excel writes a character XML cannot hold as _xHHHH_ (openpyxl leaves it so).
_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Text with none of these needs no cleaning (most cells): the fast way out of plain().
_SUSPECT = re.compile(r"[<&▪•◦\x00-\x09\x0b-\x1f\x7f\u00a0]")
_LINE_EDGE = re.compile(r"\s\n|\n\s")


def _is_clean(text: str) -> bool:
    """True when cleaning would give the text back unchanged (a test holds it to that)."""
    return not (text[0].isspace() or text[0] in "-–—_." or text[-1].isspace() or _SUSPECT.search(text)
                or "  " in text or "_x" in text or ("\n" in text and _LINE_EDGE.search(text)))


def plain(value) -> str:
    """Plain text, one bullet or paragraph per line; '' for None and for page-break dashes."""
    if value is None:
        return ""
    text = value if value.__class__ is str else str(value)
    if not text:                # an empty cell: a row as wide as column XFD holds 16,000 of them
        return ""
    return text if _is_clean(text) else _clean(text)


def plain_row(values) -> list[str]:
    """plain() of every cell of a row. Most rows need no cleaning at all, and one look at the
    whole row (its cells joined by "|", which no check can see across) says so faster than a
    look at each cell."""
    texts = ["" if v is None else v if v.__class__ is str else str(v) for v in values]
    joined = "|".join(texts)
    if joined.isascii():       # then \s is [ \t\n\r\f\v\x1c-\x1f], and all but " " and "\n" are not printable
        suspect = ("<" in joined or "&" in joined or "  " in joined or "_x" in joined or " \n" in joined
                   or "\n " in joined or "\n\n" in joined or not joined.replace("\n", "").isprintable())
    else:
        suspect = not _is_clean(joined)
    if suspect or any(t and (t[0].isspace() or t[0] in "-–—_." or t[-1].isspace()) for t in texts):
        return [plain(v) for v in values]
    return texts


def _clean(text: str) -> str:
    if "_x" in text:
        text = _XML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = _CONTROL.sub("", text)      # control characters mean nothing in a plan, and break XML
    if "<" in text:
        text = _ITEM.sub("\n• ", text)
        text = _BREAK.sub("\n", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    text = _BULLET.sub("\n• ", text)
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.replace("\r", "\n").split("\n")]
    text = "\n".join(line for line in lines if line)
    return "" if is_dashes(text) else text


def one_line(value) -> str:
    text = plain(value)
    return re.sub(r"\s+", " ", text).strip() if "\n" in text or "\t" in text or "  " in text else text


def is_dashes(text: str) -> bool:
    """'--' and '------': what is left of a table border when a page breaks."""
    return bool(text) and set(text.strip()) <= set("-–—_ ")


def header_key(value) -> str:
    """'Lead person/ Lead task group' and 'lead person / lead task group' are the same header."""
    return re.sub(r"[^0-9a-z]+", "", one_line(value).casefold())


@functools.lru_cache(maxsize=256)
def column_letter(col: int) -> str:
    """0 -> 'A', 27 -> 'AB': a column as a person finds it in the sheet."""
    name, n = "", col + 1
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


@functools.lru_cache(maxsize=32)
def words_pattern(words: tuple[str, ...]) -> re.Pattern:
    """One pattern finding any of the words (whole words, any case), longest first."""
    alternatives = "|".join(re.escape(w.casefold()) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b" if alternatives else r"(?!)")


_LAST_SPACE = re.compile(r".*\s", re.DOTALL)
ELLIPSIS = "\u2026"


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: whole as it is when it fits, else cut at the last
    word that fits and ended with "…", so a reader never sees half a word. (A single word
    longer than the limit, such as a long web address, is the one thing cut inside a word.)"""
    if len(text) <= limit:
        return text
    room = max(limit - 1, 0)                      # the ellipsis takes one character
    space = _LAST_SPACE.match(text, 0, room + 1)  # the last space at or before position `room`
    kept = text[:space.end() - 1] if space else text[:room]
    kept = kept.rstrip(" \t\n,;:\u2013\u2014-")
    return (kept or text[:room]) + ELLIPSIS


def one_paragraph(text: str) -> str:
    """A cell's lines (bullets, paragraphs) run into one line for a list in an email or a
    mail-merge cell: a line that ends a sentence is followed by a space, any other by "; "
    ("• Clarify arrangements\n• Communicate them" -> "Clarify arrangements; Communicate them")."""
    out = ""
    for line in text.splitlines():
        line = " ".join(line.split()).lstrip("\u2022\u25aa\u25e6 ")
        if not line:
            continue
        out += ("" if not out else " " if out[-1] in ".:;,!?" else "; ") + line
    return out


def counted(n: int, word: str, plural: str | None = None) -> str:
    """counted(1, "action") -> "1 action"; counted(3, "action") -> "3 actions"."""
    return f"{n} {word if n == 1 else plural or word + 's'}"
