"""Time `xlplan requests` and `xlplan collect` on generated plans (benchmarks/weekly.py's):
issue every lead's request, have one lead change the rating and progress of each of their
actions (saved by openpyxl), and collect it.

    python benchmarks/requests.py --rows 1000 10000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from weekly import AS_OF, project  # noqa: E402


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "xlplan", *args], cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{args}: {done.stderr}")
    return took


def main() -> None:
    import openpyxl

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1000])
    options = parser.parse_args()
    print("| rows | requests s | leads | collect s (one lead's return) | cells applied |")
    print("|---:|---:|---:|---:|---:|")
    for rows in options.rows:
        folder = Path(tempfile.mkdtemp(prefix="xlplan-bench-requests-"))
        try:
            project(folder, rows)
            issue = timed(["requests", "plan.xlsx", "--as-of", AS_OF.isoformat(), "--outbox", "out"], folder)
            requests = sorted((folder / "out").glob("*.xlsx"))
            request = max(requests, key=lambda p: p.stat().st_size)
            wb = openpyxl.load_workbook(request)
            ws = wb["Update request"]
            changed = 0
            for r in range(5, ws.max_row + 1):
                if ws.cell(r, 1).value:
                    ws.cell(r, 4).value = "Red" if ws.cell(r, 4).value != "Red" else "Amber"
                    ws.cell(r, 5).value = f"New words for row {r}"
                    changed += 2
            wb.save(folder / "back.xlsx")
            collect = timed(["collect", "plan.xlsx", "back.xlsx", "--as-of", AS_OF.isoformat()], folder)
            print(f"| {rows:,} | {issue:.2f} | {len(requests)} | {collect:.2f} | {changed} |")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
