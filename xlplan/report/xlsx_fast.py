"""The one place in xlplan that touches xlsxwriter's internals, and only for speed.

A weekly report of a 100,000-action plan is millions of cells. Two things write it faster
than xlsxwriter's public methods can:

- `FastReportSheet.add_row` renders a whole row to XML as it comes, with xlsxwriter's own
  shared-string table and format indexes, and its `_write_rows` puts those rows where
  xlsxwriter writes its own (10,000 actions: 1.5 s against 4.5 s written cell by cell);
- `FastReportBook` zips the file at deflate level 3, not zipfile's 6 (a 100,000-action report
  in a third of the time, 18% larger). xlsxwriter has no setting for it, so the workbook runs
  xlsxwriter's own `_store_workbook` with `ZipFile(compresslevel=3)` in its namespace:
  nothing of xlsxwriter's or zipfile's is patched, and other workbooks are untouched.

Both lean on names xlsxwriter does not promise to keep (the `<4` pin does not protect them:
`Worksheet._write_row`'s parameters changed within 3.x). So when this module is imported it
checks that each name it uses is there, with the parameters it passes, and what is missing is
not used: the rows are then written by `sheets.ReportSheet` through xlsxwriter's public
write_* methods and the file at the default level, with the same values. An upgrade can make
the report slower, never broken. `missing` says what was missing (and the log); the
environment variable XLPLAN_XLSX_FAST=0 (or `ENABLED = False`) takes the public path always.
tests/test_xlsx_fast.py holds each path's output to the other's and to xlsxwriter's own."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import os
import re
import types
import zipfile

from xlsxwriter import workbook as xlsxwriter_workbook
from xlsxwriter.format import Format
from xlsxwriter.sharedstrings import SharedStringTable
from xlsxwriter.worksheet import Worksheet

from ..text import column_letter
from .look import ReportBook, ReportSheet, fit_text, looks_rich

ENABLED = os.environ.get("XLPLAN_XLSX_FAST", "1") != "0"

_DAY_ZERO = dt.date(1899, 12, 30).toordinal()      # Excel's day 0, counting from 1 March 1900 on
_FIRST_PLAIN_SERIAL = dt.date(1900, 3, 1)          # (before it, Excel's leap day 1900 counts)

# -- what the fast rows need, checked at import ----------------------------------------------
# (class, method, the parameters after self that xlplan passes, in order); the methods
# FastReportSheet overrides (xlsxwriter calls them) must have exactly these parameters.
_CALLS = [
    (Worksheet, "_write_row", ("row", "spans", "row_info")),
    (Worksheet, "_write_empty_row", ("row", "spans", "row_info")),
    (Worksheet, "_write_cell", ("row", "col", "cell")),
    (Worksheet, "_xml_end_tag", ("tag",)),
    (Worksheet, "_check_dimensions", ("row", "col")),
    (Worksheet, "_convert_date_time", ("dt_obj",)),
    (Format, "_get_xf_index", ()),
    (SharedStringTable, "_get_shared_string_index", ("string",)),
]
_OVERRIDES = [(Worksheet, "_write_rows", ())]
_SHEET_ATTRIBUTES = {"table": dict, "row_info": dict, "str_table": object, "constant_memory": object,
                     "date_1904": object, "fh": object, "name": object}
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def _signature_problem(cls, name: str, passed: tuple[str, ...], exact: bool) -> str:
    """"" when cls.name is a function taking (self, *passed) positionally, and nothing more
    unless it has a default (nothing more at all, when `exact`)."""
    method = getattr(cls, name, None)
    if not inspect.isfunction(method):
        return f"{cls.__name__}.{name} is not there"
    params = list(inspect.signature(method).parameters.values())[1:]
    head, rest = params[:len(passed)], params[len(passed):]
    if (tuple(p.name for p in head) == passed and all(p.kind in _POSITIONAL for p in head)
            and not (exact and rest) and all(p.default is not p.empty or p.kind in _VARIADIC for p in rest)):
        return ""
    return f"{cls.__name__}.{name}{inspect.signature(method)} is not {name}(self, {', '.join(passed)})"


def check_rows() -> list[str]:
    """What FastReportSheet needs of xlsxwriter and does not find (nothing: it can be used)."""
    try:
        problems = [_signature_problem(c, n, p, exact=False) for c, n, p in _CALLS]
        problems += [_signature_problem(c, n, p, exact=True) for c, n, p in _OVERRIDES]
        sheet = Worksheet()
        for name, kind in _SHEET_ATTRIBUTES.items():
            if not hasattr(sheet, name) or not isinstance(getattr(sheet, name), kind):
                problems.append(f"a Worksheet has no {name} ({kind.__name__})")
        table = SharedStringTable()                  # its bookkeeping, which add_row does itself
        if not isinstance(getattr(table, "string_table", None), dict):
            problems.append("a SharedStringTable has no string_table (dict)")
        else:
            indexes = [table._get_shared_string_index(s) for s in "aba"]
            if (indexes, table.string_table, table.count) != ([0, 1, 0], {"a": 0, "b": 1}, 3):
                problems.append("SharedStringTable._get_shared_string_index no longer counts as add_row expects")
    except Exception as exc:                         # anything unexpected: the public path
        return [f"checking xlsxwriter failed ({type(exc).__name__}: {exc})"]
    return [p for p in problems if p]


def _level_3_store():
    """xlsxwriter's own Workbook._store_workbook, reading `ZipFile` as ZipFile(compresslevel=3):
    the same code with one name bound differently, for FastReportBook only (None, and why,
    where its code is not a plain function that calls ZipFile)."""
    store = getattr(xlsxwriter_workbook.Workbook, "_store_workbook", None)
    if not (inspect.isfunction(store) and store.__closure__ is None and "ZipFile" in store.__code__.co_names
            and tuple(inspect.signature(store).parameters) == ("self",)):
        return None, "Workbook._store_workbook is not a plain function of self that calls ZipFile"
    if getattr(xlsxwriter_workbook, "ZipFile", None) is not zipfile.ZipFile:
        return None, "xlsxwriter.workbook.ZipFile is not zipfile.ZipFile"
    try:
        names = {**vars(xlsxwriter_workbook), "ZipFile": functools.partial(zipfile.ZipFile, compresslevel=3)}
        level_3 = types.FunctionType(store.__code__, names, store.__name__, store.__defaults__)
        level_3.__kwdefaults__, level_3.__doc__ = store.__kwdefaults__, store.__doc__
    except Exception as exc:                         # anything unexpected: the default level
        return None, f"Workbook._store_workbook cannot be rebound ({type(exc).__name__}: {exc})"
    level_3.__qualname__ = "FastReportBook._store_workbook"
    return level_3, ""


class FastReportSheet(ReportSheet):
    """A ReportSheet whose whole rows are rendered to XML as they come, in xlsxwriter's own way
    (its shared strings and formats); everything else on the sheet (titles, headers, merged
    headings, widths, filters, print set-up) goes through xlsxwriter's ordinary methods. A row
    holding text that looks like rich-text XML is left to ReportSheet (see sheets.looks_rich)."""

    def __init__(self):
        super().__init__()
        self._rendered: dict[int, str] = {}
        self._styles: dict[int, int] = {id(None): 0}

    def add_row(self, row: int, cells, height: float | None = None) -> None:
        if self.constant_memory:
            return super().add_row(row, cells, height)
        if self._check_dimensions(row, max(len(cells) - 1, 0)):
            raise ValueError(f"row {row + 1} cannot be written on sheet {self.name}")
        sst, styles, n = self.str_table, self._styles, row + 1
        known, new_string = sst.string_table, sst._get_shared_string_index
        refs = [f'<c r="{column_letter(col)}{n}" s="' for col in range(len(cells))]
        parts = [f'<row r="{n}" ht="{height:.16g}" customHeight="1">' if height else f'<row r="{n}">']
        repeats = added = 0
        for ref, (value, fmt) in zip(refs, cells):
            s = styles.get(id(fmt))
            if s is None:
                s = styles[id(fmt)] = fmt._get_xf_index()
            kind = value.__class__
            if kind is str and value:
                i = known.get(value)                  # xlsxwriter's table, looked up here: 2 million times
                if i is None:
                    text = fit_text(value)
                    if looks_rich(text):
                        break
                    i, added = new_string(text), added + 1
                else:
                    repeats += 1
                parts.append(f'{ref}{s}" t="s"><v>{i}</v></c>')
            elif value is None or kind is str:
                parts.append(f'{ref}{s}"/>')
            elif kind is int or kind is float:
                parts.append(f'{ref}{s}"><v>{value:.16g}</v></c>')
            elif kind is dt.date and value >= _FIRST_PLAIN_SERIAL and not self.date_1904:
                parts.append(f'{ref}{s}"><v>{value.toordinal() - _DAY_ZERO}</v></c>')
            elif isinstance(value, dt.date):
                day = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
                parts.append(f'{ref}{s}"><v>{self._convert_date_time(day):.16g}</v></c>')
            else:
                text = fit_text(str(value))
                if looks_rich(text):
                    break
                parts.append(f'{ref}{s}" t="s"><v>{new_string(text)}</v></c>')
                added += 1
        else:
            sst.count += repeats
            parts.append("</row>")
            self._rendered[row] = "".join(parts)
            return None
        sst.count -= added                            # the row goes cell by cell, counted again there
        return super().add_row(row, cells, height)

    def _write_rows(self) -> None:
        if not self._rendered:
            return super()._write_rows()
        rows = sorted(set(self._rendered) | {r for r, cells in self.table.items() if cells} | set(self.row_info))
        for r in rows:
            if r in self._rendered:
                if self.table.get(r):
                    raise ValueError(f"row {r + 1} of sheet {self.name} was written both as a whole row and cell by cell")
                self.fh.write(self._rendered[r])
                continue
            cells, info = self.table.get(r), self.row_info.get(r)
            if cells:
                self._write_row(r, None, info)
                for c in sorted(cells):
                    self._write_cell(r, c, cells[c])
                self._xml_end_tag("row")
            else:
                self._write_empty_row(r, None, info)
        return None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def _as_it_is(text: str) -> bool:
    """A string that needs nothing done to it: no space at either end, no Excel escape
    (_xHHHH_), no XML escape, no control character or non-character. The most of them, in a
    report; tested with substring and str methods first (a regular expression over every
    string cost 0.9 s at 100,000 actions)."""
    if not text or text[0].isspace() or text[-1].isspace():
        return False
    if "_x" in text or "&" in text or "<" in text or ">" in text:
        return False
    if text.isascii():
        return text.isprintable() or text.replace("\n", "").replace("\t", "").isprintable()
    return _CONTROL.search(text) is None


def _fast_packager():
    """A Packager (through xlsxwriter's `Workbook._get_packager`, there to be overridden) whose
    shared strings are written in one pass: a string that needs nothing done to it is written
    as it is, every other one by xlsxwriter's own `_write_si`, so the part is byte for byte
    what xlsxwriter writes. (None, and why, where this xlsxwriter lacks what it needs.)"""
    try:
        from xlsxwriter import packager, sharedstrings

        Packager, SharedStrings = packager.Packager, sharedstrings.SharedStrings
        for owner, name in ((Packager, "_write_shared_strings_file"), (Packager, "_filename"),
                            (SharedStrings, "_write_sst_strings"), (SharedStrings, "_write_si"),
                            (SharedStrings, "_set_xml_writer"), (SharedStrings, "_assemble_xml_file")):
            if not callable(getattr(owner, name, None)):
                return None, f"{owner.__name__}.{name} is not there"
        if not callable(getattr(xlsxwriter_workbook.Workbook, "_get_packager", None)):
            return None, "Workbook._get_packager is not there"
    except Exception as exc:                         # anything unexpected: xlsxwriter's own writer
        return None, f"checking xlsxwriter's shared strings failed ({type(exc).__name__}: {exc})"

    class FastStrings(SharedStrings):
        def _write_sst_strings(self) -> None:
            out, size = [], 0
            for text in self.string_table.string_array:
                plain = _as_it_is(text)
                if plain:
                    out.append(f"<si><t>{text}</t></si>")
                    size += 1
                    if size < 10_000:
                        continue
                if out:
                    self.fh.write("".join(out))
                    out.clear()
                    size = 0
                if not plain:
                    self._write_si(text)
            if out:
                self.fh.write("".join(out))

    class FastPackager(Packager):
        def _write_shared_strings_file(self) -> None:
            sst = FastStrings()
            sst.string_table = self.workbook.str_table
            if not self.workbook.str_table.count:
                return
            sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
            sst._assemble_xml_file()

    return FastPackager, ""


rows_missing = check_rows()
_store, _store_missing = _level_3_store()
_packager, _packager_missing = _fast_packager()
missing = rows_missing + [m for m in (_store_missing, _packager_missing) if m]


class FastReportBook(ReportBook):
    """A ReportBook with FastReportSheets and deflate level 3, each where this xlsxwriter allows."""

    sheet_class = ReportSheet if rows_missing else FastReportSheet
    if _store is not None:
        _store_workbook = _store
    if _packager is not None:
        def _get_packager(self):
            return _packager()


def report_book() -> type[ReportBook]:
    """The workbook class for a report: the fast one unless it is turned off."""
    return FastReportBook if ENABLED else ReportBook


if missing:
    import xlsxwriter

    logging.getLogger("xlplan").warning(
        "xlsxwriter %s lacks what xlplan's quicker report writing uses (%s); reports are written "
        "through xlsxwriter's public methods instead, more slowly", xlsxwriter.__version__, "; ".join(missing))
