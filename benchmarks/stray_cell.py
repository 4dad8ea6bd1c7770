"""A stray far-away cell: the shipped plan.xlsx with one value in XFD5000 (the last column,
row 5000), read by `xlplan export`. Time and peak memory of the command, in a child process
with an address-space limit so that a reader building a dense grid fails instead of taking
the machine. Target: under 1 s and under 100 MB.

    python benchmarks/stray_cell.py [--cell XFD5000] [--plain] [--limit-mb 2560] [--source DIR]

--source reads with the xlplan in another folder (an export of main, to compare)."""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PLAN = PROJECT / "workbooks" / "plan.xlsx"
CONFIG = PROJECT / "config" / "xlplan.toml"


def with_stray_cell(data: bytes, cell: str, sheet: str = "xl/worksheets/sheet1.xml") -> bytes:
    row = re.sub(r"^[A-Z]+", "", cell)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == sheet:
                stray = f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>stray</t></is></c></row>'.encode()
                body = body.replace(b"</sheetData>", stray + b"</sheetData>")
            zout.writestr(info, body, compress_type=info.compress_type)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cell", default="XFD5000")
    parser.add_argument("--limit-mb", type=int, default=2560)
    parser.add_argument("--source")
    parser.add_argument("--plain", action="store_true", help="the shipped plan as it is, for comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.xlsx"
        path.write_bytes(PLAN.read_bytes() if args.plain else with_stray_cell(PLAN.read_bytes(), args.cell))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (args.source, str(PROJECT)) if p))
        limit = args.limit_mb * 2**20

        def limits():
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "xlplan", "export", str(path), "--config", str(CONFIG),
                               "--format", "json", "-o", str(Path(tmp) / "out.json")],
                              cwd=tmp, env=env, capture_output=True, text=True, preexec_fn=limits)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024     # KiB on Linux
    what = "no stray value" if args.plain else f"stray value in {args.cell}"
    print(f"{what}: exit {done.returncode} in {seconds:.2f} s (process start included), peak RSS "
          f"{peak:,.0f} MB (address-space limit {args.limit_mb:,} MB)")
    if done.stderr.strip():
        print("stderr:", done.stderr.strip()[-300:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
