"""Benchmark: finding the header row of a plan copied out of Word (tab-separated text), where
every row is searched (a Word document carries its prose before the table). An .xlsx plan
searches only the first [workbook] header_search_rows rows, so its cost does not grow with
the plan.

usage: python benchmarks/header_search.py --rows 10000 [--repeat 5]

Prints the CPU time of find_header (best of --repeat) on a generated plan of N rows: a title,
the header row, then actions with realistic cells (a sentence of action, a lead, a due date,
a rating, a progress sentence).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from xlplan.config import load_config
from xlplan.read.delimited import text_grid
from xlplan.read.header import Aliases, find_header


def plan_text(rows: int) -> str:
    rnd = random.Random(1)
    lines = ["Safeguarding action plan 2026", "Ref\tAction\tLead officer\tBy when\tRAG rating\tProgress statement"]
    for i in range(rows):
        lines.append(f"{i // 50 + 1}.{i % 50 + 1}\tAudit case files for team {i} and report to the board\t"
                     f"DCS {i % 40}\tOct 12\t{rnd.choice(['Green', 'Amber', 'Red', 'A/G'])}\t"
                     f"Work has started on item {i}; the audit is due to report in the spring and is on track.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config = load_config(search_from=Path(tempfile.gettempdir()))
    print(f"{'rows':>8}  {'find_header (ms CPU, best of ' + str(args.repeat) + ')':>34}")
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "plan.txt"
            path.write_text(plan_text(rows), encoding="utf-8")
            grid = text_grid(path)
            best = float("inf")
            for _ in range(args.repeat):
                start = time.process_time()
                header, _ = find_header(grid, config, Aliases(config))
                best = min(best, time.process_time() - start)
            assert header == 1, header
        print(f"{rows:>8}  {best * 1000:>34.0f}")


if __name__ == "__main__":
    main()
