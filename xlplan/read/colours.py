"""Fill colours, for ratings given by colour alone: plain RGB, indexed, and theme colours with
their tint resolved through the workbook's own theme; patterned fills read by their colour;
the styles read straight from the workbook's XML for the fast reader."""

from __future__ import annotations

import colorsys
import re
import zipfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .xlsx import CalamineBook

# Theme colour index in a cell -> position in the theme's colour scheme. Excel swaps the
# first two pairs: index 0 is lt1 (background), 1 is dk1 (text).
_THEME_ORDER = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4",
                "accent5", "accent6", "hlink", "folHlink")


def theme_colours(xml: bytes | None) -> list[str]:
    """A workbook theme's colours (RRGGBB), in the order cells refer to them."""
    if not xml:
        return []
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(xml)
    except Exception:
        return []
    # Transitional or Strict Open XML: elements matched by their local names.
    scheme = next((el for el in root.iter() if _local(el.tag) == "clrScheme"), None)
    if scheme is None:
        return []
    found = {}
    for child in scheme:
        tag = _local(child.tag)
        srgb = next((el for el in child if _local(el.tag) == "srgbClr"), None)
        sys_ = next((el for el in child if _local(el.tag) == "sysClr"), None)
        if srgb is not None:
            found[tag] = srgb.get("val", "").upper()
        elif sys_ is not None:
            found[tag] = sys_.get("lastClr", "").upper()
    return [found.get(name, "") for name in _THEME_ORDER]


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def cell_fill(cell, theme: list[str]) -> tuple[str | None, str]:
    """The fill colour a person sees in an openpyxl cell, as RRGGBB, or None for no fill.
    A pattern reads as its colour (fgColor), as a solid fill does: a lead who fills a rating
    cell with a red "lightGrid" means red. A gradient reads as no colour."""
    fill = cell.fill
    if fill is None or getattr(fill, "tagname", "") != "patternFill" or fill.fill_type in (None, "none"):
        return None, ""
    colour = fill.fgColor          # openpyxl's Color() (black) where the workbook names none
    if colour is None:
        return None, ""
    attributes = {"rgb": {"rgb": colour.rgb}, "theme": {"theme": colour.theme, "tint": colour.tint},
                  "indexed": {"indexed": colour.indexed}}.get(colour.type)
    if attributes is None or (colour.type == "rgb" and not isinstance(colour.rgb, str)):
        return None, ""
    return resolve_colour(attributes, theme)


def apply_tint(rgb: str, tint: float) -> str:
    """Excel's tint: darken (tint < 0) or lighten (tint > 0) in HLS lightness."""
    if not tint:
        return rgb.upper()
    r, g, b = (int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4))
    h, l, s = colorsys.rgb_to_hls(r, g, b)
    l = l * (1 + tint) if tint < 0 else l * (1 - tint) + tint
    return "".join(f"{round(c * 255):02X}" for c in colorsys.hls_to_rgb(h, min(max(l, 0), 1), s))


_STYLE_ATTRIBUTE = re.compile(rb'\bs="(\d+)"')


class ColumnFills:
    """The fill of a cell, read from the sheet's XML one column at a time, when first asked."""

    def __init__(self, book: CalamineBook, part: str):
        self.book, self.part, self.columns = book, part, {}

    def fill(self, row: int, col: int) -> tuple[str | None, str]:
        if col not in self.columns:
            self.columns[col] = self._scan(col)
        style = self.columns[col].get(row)
        if style is None:
            return None, ""
        fills, theme = self.book.styles()
        if style >= len(fills) or fills[style] is None:
            return None, ""
        return resolve_colour(fills[style], theme)

    def _scan(self, col: int) -> dict[int, int]:
        from ..text import column_letter

        with zipfile.ZipFile(self.book.path) as z:
            xml = z.read(self.part)
        letter = column_letter(col - 1).encode()
        found = {}
        for m in re.finditer(rb'<c r="' + letter + rb'(\d+)"([^>]*)>', xml):
            style = _STYLE_ATTRIBUTE.search(m.group(2))
            if style:
                found[int(m.group(1))] = int(style.group(1))
        return found


# A pattern that names no colour is drawn in black (openpyxl reads it as its default Color()).
_NO_FOREGROUND = {"rgb": "FF000000"}


def style_fills(xml: bytes) -> list:
    """For each cell style (cellXfs), its fill's colour element attributes, or None. As in
    cell_fill: any pattern, solid or not, reads as its fgColor; a gradient as no colour."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(xml)
    ns = "{%s}" % root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""   # transitional or Strict
    fills = []
    for fill in root.iter(f"{ns}fill"):
        pattern = fill.find(f"{ns}patternFill")
        if pattern is None or pattern.get("patternType") in (None, "none"):
            fills.append(None)
            continue
        colour = pattern.find(f"{ns}fgColor")        # an Element with no children is falsy: no `or`
        fills.append(dict(colour.attrib) if colour is not None else _NO_FOREGROUND)
    xfs = root.find(f"{ns}cellXfs")
    out = []
    for xf in (xfs if xfs is not None else []):
        fill_id = int(xf.get("fillId", 0))
        out.append(fills[fill_id] if fill_id < len(fills) else None)
    return out


def resolve_colour(colour: dict, theme: list[str]) -> tuple[str | None, str]:
    """A colour's attributes (rgb; theme and tint; or indexed) as RRGGBB. Excel stores a theme
    colour plus a tint, so the rgb is empty there and the workbook's own theme says the colour."""
    if colour.get("rgb"):
        return str(colour["rgb"])[-6:].upper(), ""
    if colour.get("theme") is not None:
        index = int(colour["theme"])
        if not theme or index >= len(theme) or not theme[index]:
            return None, f"fill uses theme colour {index}, which the workbook's theme does not define"
        return apply_tint(theme[index], float(colour.get("tint") or 0)), ""
    if colour.get("indexed") is not None:
        from openpyxl.styles.colors import COLOR_INDEX

        index = int(colour["indexed"])
        return (None, "") if index >= 64 else (COLOR_INDEX[index][-6:].upper(), "")   # 64, 65: system colours
    return None, ""
