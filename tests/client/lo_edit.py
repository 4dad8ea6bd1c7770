"""A lead's edit, made by LibreOffice itself: open a workbook through LibreOffice's API (UNO),
set some cells, save as xlsx. Run with a Python that has `uno` (Debian's /usr/bin/python3 with
python3-uno):  python3 lo_edit.py IN.xlsx OUT.xlsx 'Plan!F4=Green' 'Plan!G5=text' 'Plan!E6=2026-06-30'
A value like 2026-06-30 is written as a date; a number as a number; anything else as text.
'unprotect=SHEET' takes the sheet's protection off (no password), as a lead who wants to edit a
locked cell of an update request would (LibreOffice's API itself writes through the protection,
as a macro could, so a test of a locked cell edited says 'unprotect' first, as a lead must)."""

import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue


def props(**kw):
    return tuple(PropertyValue(Name=k, Value=v) for k, v in kw.items())


def edit(src, dst, edits):
    profile = tempfile.mkdtemp(prefix="lo_profile_")
    pipe = "lo_" + uuid.uuid4().hex[:12]
    proc = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                             f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(600):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if proc.poll() is not None:
                    raise RuntimeError("soffice exited early")
                time.sleep(0.1)
        else:
            raise TimeoutError("soffice did not accept the UNO connection")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0,
                                           props(Hidden=False))
        for e in edits:
            ref, value = e.split("=", 1)
            if ref == "unprotect":
                doc.Sheets.getByName(value).unprotect("")
                continue
            sheet, address = ref.split("!")
            cell = doc.Sheets.getByName(sheet).getCellRangeByName(address)
            if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
                cell.setValue((dt.date.fromisoformat(value) - dt.date(1899, 12, 30)).days)
            elif re.fullmatch(r"-?\d+(\.\d+)?", value):
                cell.setValue(float(value))
            else:
                cell.setString(value)
        doc.calculateAll()
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)), props(FilterName="Calc MS Excel 2007 XML"))
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass                                  # the bridge may drop while terminating
        proc.wait(timeout=30)
    finally:
        try:
            os.killpg(proc.pid, 9)
        except ProcessLookupError:
            pass
        proc.wait()
        subprocess.run(["rm", "-rf", profile])


if __name__ == "__main__":
    edit(sys.argv[1], sys.argv[2], sys.argv[3:])
