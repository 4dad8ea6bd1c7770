"""Benchmark: `xlplan weekly` end to end against merely reading the two workbooks.

For each size it generates a realistic plan of N actions (long multi-line progress text, dates
and text due dates, ratings in mixed conventions, a few colour-only) and last week's version
with realistic churn (5% ratings changed, 10% progress changed, 0.5% of actions added and
0.5% removed), then times, each in a fresh process, median of --repeat runs:

  weekly    `xlplan weekly` end to end, process start included (cold: no history cache)
  baseline  reading both files with pandas.read_excel(engine="openpyxl")
  floor     reading both files with python-calamine

and prints one table with the ratios weekly/baseline and weekly/floor and each one's peak
memory, from one more run: the larger of the process's own peak RSS and the sum of the PSS
of it and its children, sampled every 100 ms (a large plan's weekly run forks a helper, whose
pages shared with the main process PSS counts once). The times of each run are printed too. Needs the bench extra: pip install -e '.[bench]'

usage: python benchmarks/weekly.py --rows 1000 10000 100000 [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF = dt.date(2026, 11, 23)
THEMES = [f"Theme {i}: {t}" for i, t in enumerate(
    ["Leadership and governance", "Early help", "Front door and MASH", "Assessment quality", "Child protection",
     "Looked after children", "Care leavers", "Workforce", "Quality assurance", "Partnership working",
     "Health", "Education", "Police", "Commissioning", "Voice of the child", "Neglect", "Exploitation",
     "Domestic abuse", "Transitions", "Data and performance"], start=1)]
RATINGS = (["Green"] * 22 + ["Amber"] * 22 + ["Red"] * 8 + ["Blue"] * 6 + ["Amber/Green"] * 5 + ["Amber/Red"] * 3
           + ["G", "A", "R", "A/G"] * 2 + ["★", "●", "▲", "● / ★"] * 2 + ["Grey", "No data", ""])
COLOUR_ONLY = {"Red": "FF0000", "Amber": "FFC000", "Green": "00B050"}
WORDS = ("audit case files supervision threshold referral assessment partners board training plan review "
         "evidence outcome family school health police strategy meeting report data quality timescale").split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def progress(rng: random.Random) -> str:
    return "\n".join(sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(2, 5)))


def due(rng: random.Random):
    if rng.random() < 0.8:
        return AS_OF + dt.timedelta(days=rng.randint(-200, 300))
    return rng.choice(["Oct 12", "By 19.10.12", "Within 3 months (Jan 13)", "Oct 12 – Dec 12", "March 2027",
                       "Sept 12 Oct 12 Dec 12", "2012 onwards", "tbc"])


def make_actions(n: int, rng: random.Random) -> list[dict]:
    leads = [f"Service Manager {i:03d}" for i in range(max(10, n // 200))]
    out = []
    for i in range(n):
        theme = i * len(THEMES) // n
        rating = rng.choice(RATINGS)
        if rating == "Green" and rng.random() < 0.1:
            rating = f"Green {rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.26 - {sentence(rng, 6)}"
        out.append({"ref": f"{theme + 1}.{i + 1}", "theme": THEMES[theme], "action": sentence(rng, rng.randint(10, 30)),
                    "lead": rng.choice(leads), "due": due(rng), "rag": rating, "progress": progress(rng),
                    "updated": AS_OF - dt.timedelta(days=rng.randint(1, 60)), "evidence": sentence(rng, 8),
                    "outcome": sentence(rng, 10), "colour": rng.random() < 0.02})
    return out


def churn(actions: list[dict], rng: random.Random) -> list[dict]:
    """Last week's version: 5% ratings, 10% progress different; 0.5% added since, 0.5% removed."""
    previous = []
    for a in actions:
        b = dict(a)
        if rng.random() < 0.05:
            b["rag"] = rng.choice(["Green", "Amber", "Red"])
        if rng.random() < 0.10:
            b["progress"] = progress(rng)
        previous.append(b)
    k = max(1, len(actions) // 200)
    removed_since = [dict(a, ref=f"{a['ref']}.x") for a in rng.sample(actions, k)]   # gone this week
    added_since = set(id(a) for a in rng.sample(previous, k))                         # new this week
    return [a for a in previous if id(a) not in added_since] + removed_since


def write_plan(path: Path, actions: list[dict]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("Plan")
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    fills = {k: wb.add_format({"bg_color": f"#{v}"}) for k, v in COLOUR_ONLY.items()}
    ws.write_row(0, 0, ["Ref", "Theme", "Action", "Lead", "Due", "RAG", "Progress", "Updated", "Evidence", "Outcome"])
    for r, a in enumerate(actions, start=1):
        ws.write_string(r, 0, a["ref"])
        ws.write_string(r, 1, a["theme"])
        ws.write_string(r, 2, a["action"])
        ws.write_string(r, 3, a["lead"])
        if isinstance(a["due"], dt.date):
            ws.write_datetime(r, 4, dt.datetime.combine(a["due"], dt.time()), date)
        else:
            ws.write_string(r, 4, a["due"])
        if a["colour"] and a["rag"] in COLOUR_ONLY:
            ws.write_blank(r, 5, None, fills[a["rag"]])
        elif a["rag"]:
            ws.write_string(r, 5, a["rag"])
        ws.write_string(r, 6, a["progress"])
        ws.write_datetime(r, 7, dt.datetime.combine(a["updated"], dt.time()), date)
        ws.write_string(r, 8, a["evidence"])
        ws.write_string(r, 9, a["outcome"])
    leads = wb.add_worksheet("Leads")
    leads.write_row(0, 0, ["Lead", "Email"])
    for r, lead in enumerate(sorted({a["lead"] for a in actions}), start=1):
        leads.write_row(r, 0, [lead, lead.lower().replace(" ", ".") + "@example.org"])
    wb.close()


def project(folder: Path, rows: int, seed: int = 1) -> tuple[Path, Path, Path]:
    rng = random.Random(seed)
    actions = make_actions(rows, rng)
    (folder / "config").mkdir(parents=True)
    (folder / "history").mkdir()
    (folder / "config" / "xlplan.toml").write_text(
        '[workbook]\npath = "plan.xlsx"\n[folders]\nhistory = "history"\nreports = "reports"\n'
        'outbox = "outbox"\nlogs = "logs"\n')
    current, previous = folder / "plan.xlsx", folder / "history" / f"plan.{AS_OF - dt.timedelta(days=7)}.xlsx"
    write_plan(current, actions)
    write_plan(previous, churn(actions, rng))
    return folder / "config" / "xlplan.toml", current, previous


def _tree_memory_mib(pid: int) -> float:
    """The memory of a process and all its children (Linux /proc): the sum of their PSS
    (pages shared between a parent and its forked child counted once between them), or of
    their RSS where PSS is not to be had (an upper bound)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            try:
                lines = Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()
                key = "Pss:"
            except OSError:
                lines = Path(f"/proc/{p}/status").read_text().splitlines()
                key = "VmRSS:"
            total += int(next(line.split()[1] for line in lines if line.startswith(key)))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def measure(command: list[str], cwd: Path, before=None, *, sample: bool = False) -> tuple[float, float]:
    """Seconds and peak memory (MiB) of one fresh process: its own peak RSS, or with `sample`
    the larger of that and the memory of it and its children sampled every 100 ms (xlplan
    forks a helper for a large plan). Sampling takes CPU from the run, so the times come from
    runs that do not sample."""
    if before:
        before()
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG if sample else 0)
        if pid:
            break
        tree = max(tree, _tree_memory_mib(proc.pid))
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{command[:4]} failed: {proc.stderr.read().decode()[-500:]}")
    return seconds, max(tree, usage.ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Keep the generated projects in this folder.")
    args = parser.parse_args()
    py = sys.executable
    print(f"xlplan weekly benchmark: median of {args.repeat}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    header = (f"{'rows':>8} {'weekly s':>9} {'baseline s':>11} {'floor s':>8} {'wk/base':>8} {'wk/floor':>9} "
              f"{'mem wk MiB':>11} {'mem base':>9} {'mem floor':>10}")
    lines = [header]
    print(header, flush=True)
    for rows in args.rows:
        folder = Path(tempfile.mkdtemp(prefix=f"xlplan-bench-{rows}-", dir=args.keep))
        config, current, previous = project(folder, rows)

        def fresh():
            for name in ("reports", "outbox", "logs"):
                shutil.rmtree(folder / name, ignore_errors=True)
            for snap in (folder / "history").glob(f"plan.{AS_OF}*.xlsx"):
                snap.chmod(0o644)
                snap.unlink()
            shutil.rmtree(folder / "history" / ".cache", ignore_errors=True)

        files = f"[{str(current)!r}, {str(previous)!r}]"
        runs = {
            "weekly": ([py, "-m", "xlplan", "weekly", "--as-of", AS_OF.isoformat(), "--config", str(config)], fresh),
            "baseline": ([py, "-c", f"import pandas as pd\nfor f in {files}: pd.read_excel(f, engine='openpyxl')"], None),
            "floor": ([py, "-c", "from python_calamine import CalamineWorkbook\n"
                                 f"for f in {files}: CalamineWorkbook.from_path(f).get_sheet_by_index(0).to_python()"], None),
        }
        result = {}
        for name, (command, before) in runs.items():
            times = [measure(command, folder, before)[0] for _ in range(args.repeat)]
            memory = measure(command, folder, before, sample=True)[1]        # one more run, for memory
            result[name] = (statistics.median(times), memory)
            if args.repeat > 1:
                print(f"    {name}: {', '.join(f'{t:.2f}' for t in times)} s", flush=True)
        w, b, f = result["weekly"], result["baseline"], result["floor"]
        line = (f"{rows:>8} {w[0]:>9.2f} {b[0]:>11.2f} {f[0]:>8.2f} {w[0] / b[0]:>8.2f} {w[0] / f[0]:>9.2f} "
                f"{w[1]:>11.0f} {b[1]:>9.0f} {f[1]:>10.0f}")
        lines.append(line)
        print(line, flush=True)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
