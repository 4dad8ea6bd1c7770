"""Headless LibreOffice for tests: open a workbook, render it to PDF, save it back as xlsx.
Each call gets its own profile folder (a shared one loses files when calls overlap), and the
output is checked for, since soffice exits 0 even when it could not load the file."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

FILTERS = {"pdf": "pdf:calc_pdf_Export", "xlsx": "xlsx:Calc MS Excel 2007 XML"}


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, fmt: str, outdir: Path, timeout: int = 180) -> Path:
    profile = Path(tempfile.mkdtemp(prefix="lo_profile_"))
    outdir.mkdir(parents=True, exist_ok=True)
    out = outdir / (src.stem + "." + fmt)
    if out.exists():
        out.unlink()
    proc = subprocess.Popen([soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                             "--norestore", "--convert-to", FILTERS[fmt], "--outdir", str(outdir), str(src)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        log = proc.communicate(timeout=timeout)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    if not out.exists():
        raise RuntimeError(f"LibreOffice wrote no {out}: {log}")
    return out


def page_colours(pdf: Path, page: int = 1, dpi: int = 50) -> Counter:
    """{'FF0000': pixels, ...} of one rendered page."""
    ppm = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf)],
                         capture_output=True, check=True).stdout
    _, _, _, data = ppm.split(b"\n", 3)
    return Counter(data[i:i + 3].hex().upper() for i in range(0, len(data), 3))


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
