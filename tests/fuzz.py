"""Damaged workbooks, made by a seeded generator, run through the command line.

Mutants of two workbooks (the shipped workbooks/plan.xlsx, written by xlplan, and seed 000
turned into a workbook by `xlplan import`): byte flips and truncations, damage to the zip's
central directory and local headers, parts removed or renamed (a newline in a name among
them), and XML damage inside the sheet, shared strings, styles, workbook, relationships,
theme and content types. Each mutant is given to `export` and to `format` in a worker process
with a memory limit and a time limit; the outcome of each is one of

    ok        exit 0 or 1
    refused   exit 2 with one line on stderr (the sentence)
    catchall  exit 70: "could not finish ... report it" (a bug)
    stopped   exit 130 ("xlplan: stopped", as if the user pressed Ctrl-C)
    untidy    exit 2 with more or fewer than one line, or a library warning on stderr
    died      the worker died (an abort, or over the memory limit)
    hung      over the time limit

    python -m tests.fuzz --count 4000 --jobs 1          # thousands, with the rates
    python -m tests.fuzz --count 300 --seed 7 --show catchall,untidy   # the messages

The same seed gives the same mutants, whatever code reads them: the rates before and after a
change are measured on the same files."""

from __future__ import annotations

import argparse
import collections
import io
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
PLAN = PROJECT / "workbooks" / "plan.xlsx"
SEED_000 = HERE / "fixtures" / "seeds" / "000_5f410cbe6595b4ac.txt"
CONFIG = PROJECT / "config" / "xlplan.toml"
COMMANDS = ("export", "format")
MEMORY_LIMIT = 1536 * 2**20          # bytes of address space a worker may use
TIME_LIMIT = 30.0                     # seconds a command may take on one mutant
BAD = ("catchall", "stopped", "untidy", "died", "hung")


# -- the base workbooks -----------------------------------------------------------------------

def bases(folder: Path) -> dict[str, bytes]:
    """The workbooks mutants are made from: the shipped plan and the imported seed 000."""
    out = {"plan": PLAN.read_bytes()}
    seed = folder / "seed000.xlsx"
    if not seed.exists():
        subprocess.run([sys.executable, "-m", "xlplan", "import", str(SEED_000), "-o", str(seed),
                        "--config", str(CONFIG)], check=True, capture_output=True, cwd=PROJECT)
    out["seed000"] = seed.read_bytes()
    return out


# -- mutations ----------------------------------------------------------------------------------

def _parts(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i, z.read(i)) for i in z.infolist()]


def _pack(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info, body in parts:
            z.writestr(info, body, compress_type=info.compress_type)
    return out.getvalue()


def _flip(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 16))):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data))]


def _central_directory(rng: random.Random, data: bytes) -> bytes:
    """Damage the zip's central directory: a name, a size, an offset, a method, a count."""
    end = data.rfind(b"PK\x05\x06")
    start = struct.unpack("<I", data[end + 16:end + 20])[0]
    entries = [m.start() for m in re.finditer(b"PK\x01\x02", data[start:end])]
    b = bytearray(data)
    if not entries or rng.random() < 0.15:
        field = rng.choice((8, 10, 12, 16))                # entries on disk, total, size, offset
        b[end + field] ^= 1 << rng.randrange(8)
        return bytes(b)
    at = start + rng.choice(entries)
    field = rng.choice((10, 16, 20, 24, 28, 42, 46, 46, 47))   # method, crc, sizes, name length, offset, name
    if field >= 46 and rng.random() < 0.5:
        b[at + field] = rng.choice(b"\x00\n\xff\x80/\\:")
    else:
        b[at + field] ^= 1 << rng.randrange(8)
    return bytes(b)


def _local_header(rng: random.Random, data: bytes) -> bytes:
    entries = [m.start() for m in re.finditer(b"PK\x03\x04", data)]
    at = rng.choice(entries)
    b = bytearray(data)
    field = rng.choice((6, 8, 14, 18, 22, 26, 28, 30, 31))     # flags, method, crc, sizes, lengths, name
    b[at + field] ^= 1 << rng.randrange(8)
    return bytes(b)


def _remove_part(rng: random.Random, data: bytes) -> bytes:
    parts = _parts(data)
    del parts[rng.randrange(len(parts))]
    return _pack(parts)


def _rename_part(rng: random.Random, data: bytes) -> bytes:
    parts = _parts(data)
    info, body = parts[rng.randrange(len(parts))]
    name = rng.choice([info.filename.upper(), info.filename + "x", info.filename.replace("/", "\\"),
                       info.filename + "\nxlplan: all good", "\x1b[31m" + info.filename, info.filename[:-1]])
    new = zipfile.ZipInfo(name, info.date_time)
    new.compress_type = info.compress_type
    parts = [(new, body) if i is info else (i, b) for i, b in parts]
    return _pack(parts)


_ROLES = {
    "sheet": re.compile(r"xl/worksheets/sheet\d+\.xml$"),
    "sharedStrings": re.compile(r"xl/sharedStrings\.xml$"),
    "styles": re.compile(r"xl/styles\.xml$"),
    "workbook": re.compile(r"xl/workbook\.xml$"),
    "rels": re.compile(r".*\.rels$"),
    "theme": re.compile(r"xl/theme/.*\.xml$"),
    "content types": re.compile(r"\[Content_Types\]\.xml$"),
}

_STRICT = [(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
           (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
            b"http://purl.oclc.org/ooxml/officeDocument/relationships")]


def _xml_damage(rng: random.Random, xml: bytes) -> bytes:
    """One kind of damage to an XML part's text."""
    kind = rng.randrange(16)
    tags = [m.start() for m in re.finditer(rb"<[A-Za-z]", xml)] or [0]
    if kind == 0:                                      # cut short
        return xml[:rng.randrange(len(xml) or 1)]
    if kind == 1:                                      # an element's start tag gone
        at = rng.choice(tags)
        close = xml.find(b">", at)
        return xml[:at] + xml[close + 1:]
    if kind == 2:                                      # garbage inserted
        at = rng.randrange(len(xml) or 1)
        return xml[:at] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12))) + xml[at:]
    if kind == 3:                                      # an attribute's value replaced
        attrs = list(re.finditer(rb'="([^"]*)"', xml))
        if attrs:
            m = rng.choice(attrs)
            value = rng.choice([b"", b"-1", b"999999", b"A99999999999999999999", b"XFD1048577", b"x",
                                b"1e400", b"\xff\xfe", b"&#0;", b"true", b"0", b"NaN"])
            return xml[:m.start(1)] + value + xml[m.end(1):]
    if kind == 4:                                      # a far-away cell
        row = rng.choice([b"5000", b"1048576", b"99999999", b"A99999999999999999999"])
        cell = b'<row r="' + row + b'"><c r="XFD' + row + b'" t="inlineStr"><is><t>x</t></is></c></row>'
        at = xml.rfind(b"</sheetData>")
        if at > 0:
            return xml[:at] + cell + xml[at:]
    if kind == 5:                                      # an entity declaration
        return b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + re.sub(rb"^<\?xml[^>]*>", b"", xml)
    if kind == 6:                                      # an encoding nobody knows
        return b'<?xml version="1.0" encoding="klingon-8"?>' + re.sub(rb"^<\?xml[^>]*>", b"", xml)
    if kind == 7:                                      # Strict Open XML namespaces
        for old, new in _STRICT:
            xml = xml.replace(old, new)
        return xml
    if kind == 8:                                      # empty
        return b""
    if kind == 9:                                      # not UTF-8
        return xml.replace(b"a", b"\xe9", rng.randrange(1, 5))
    if kind == 10:                                     # an element duplicated
        at = rng.choice(tags)
        close = xml.find(b">", at)
        return xml[:close + 1] + xml[at:close + 1] + xml[close + 1:]
    if kind == 11:                                     # an element's name changed
        at = rng.choice(tags)
        return xml[:at + 1] + b"zz" + xml[at + 1:]
    if kind == 12:                                     # a number in text replaced
        nums = list(re.finditer(rb">(-?\d+(\.\d+)?)<", xml))
        if nums:
            m = rng.choice(nums)
            return xml[:m.start(1)] + rng.choice([b"1e308", b"-0", b"abc", b"99999999999999999999", b""]) + xml[m.end(1):]
    if kind == 13:                                     # a cell type changed
        cells = list(re.finditer(rb'<c r="[A-Z]+\d+"', xml))
        if cells:
            m = rng.choice(cells)
            return xml[:m.end()] + rng.choice([b' t="s"', b' t="e"', b' t="b"', b' t="d"', b' t="zz"', b' t="str"']) + \
                xml[m.end():].replace(b' t="inlineStr"', b"", 1)
    if kind == 14:                                     # a style index out of range
        return re.sub(rb' s="\d+"', b' s="4000"', xml, count=rng.randrange(1, 4))
    return xml.replace(b"<", b"<x:", 1)                # an unbound prefix


def _damage_part(rng: random.Random, data: bytes) -> bytes:
    parts = _parts(data)
    role = rng.choice(list(_ROLES))
    chosen = [i for i, (info, _) in enumerate(parts) if _ROLES[role].match(info.filename)]
    if not chosen:
        chosen = list(range(len(parts)))
    at = rng.choice(chosen)
    info, body = parts[at]
    parts[at] = (info, _xml_damage(rng, body))
    return _pack(parts)


MUTATIONS = [("flip", _flip, 2), ("truncate", _truncate, 1), ("central directory", _central_directory, 2),
             ("local header", _local_header, 2), ("remove part", _remove_part, 1),
             ("rename part", _rename_part, 1), ("xml", _damage_part, 6)]


def mutants(seed: int, count: int, base: dict[str, bytes]):
    """(number, base name, mutation, bytes) for `count` mutants, the same for the same seed."""
    rng = random.Random(seed)
    weights = [w for _, _, w in MUTATIONS]
    names = sorted(base)
    for n in range(count):
        name = names[n % len(names)]
        label, mutate, _ = rng.choices(MUTATIONS, weights)[0]
        yield n, name, label, mutate(random.Random(rng.getrandbits(64)), base[name])


# -- running ----------------------------------------------------------------------------------

def classify(code: int, stderr: str) -> str:
    lines = stderr.splitlines()
    warned = any("Warning" in line or "site-packages" in line for line in lines)
    if code == 70:
        return "catchall"
    if code == 130:
        return "stopped"
    if code in (0, 1):
        return "untidy" if warned else "ok"
    if code == 2:
        return "refused" if len(lines) == 1 and not warned else "untidy"
    return "untidy"


def _worker() -> None:
    """Read tasks (JSON lines) on stdin, run each through the CLI in this process, answer."""
    import contextlib
    import warnings

    import xlplan
    from xlplan.cli import main

    warnings.simplefilter("default")            # as a user's terminal shows them
    for line in sys.stdin:
        task = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(task["argv"])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException as exc:        # noqa: BLE001 - anything escaping main is a finding
                print(f"escaped main: {type(exc).__name__}: {exc}", file=sys.stderr)
                code = -1
        sys.__stdout__.write(json.dumps({"code": code, "stderr": err.getvalue()[-2000:],
                                         "seconds": time.perf_counter() - start,
                                         "xlplan": str(Path(xlplan.__file__).parent)}) + "\n")
        sys.__stdout__.flush()


class Worker:
    def __init__(self, env: dict, cwd: Path):
        import resource

        def limits():
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.fuzz", "--worker"], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, preexec_fn=limits)

    def run(self, argv: list[str]) -> dict:
        import select

        self.proc.stdin.write(json.dumps({"argv": argv}) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], TIME_LIMIT)
        if not ready:
            self.proc.kill()
            self.proc.wait()
            return {"outcome": "hung", "code": None, "stderr": ""}
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            return {"outcome": "died", "code": code, "stderr": ""}
        answer = json.loads(line)
        answer["outcome"] = classify(answer["code"], answer["stderr"]) if answer["code"] != -1 else "untidy"
        return answer

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.alive:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


def run(seed: int, count: int, commands=COMMANDS, source: str | None = None, progress=None) -> list[dict]:
    """Every mutant through every command: a list of results (mutant, command, outcome, ...)."""
    # The worker runs in a scratch folder, so that the xlplan it imports is the one on its path.
    env = dict(os.environ, PYTHONWARNINGS="default")
    if source:                                   # another checkout's xlplan (main, to compare)
        env["PYTHONPATH"] = os.pathsep.join([source, str(PROJECT)])
    else:
        env["PYTHONPATH"] = str(PROJECT)
    results = []
    with tempfile.TemporaryDirectory(prefix="xlplan-fuzz-") as tmp:
        tmp = Path(tmp)
        worker = Worker(env, tmp)
        try:
            for n, base, label, data in mutants(seed, count, bases(tmp)):
                for command in commands:
                    folder = tmp / f"m{n}-{command}"
                    folder.mkdir()
                    path = folder / "plan.xlsx"
                    path.write_bytes(data)
                    argv = ([command, str(path), "--config", str(CONFIG)] +
                            (["--format", "json", "-o", str(folder / "out.json")] if command == "export" else []))
                    if not worker.alive:
                        worker = Worker(env, tmp)
                    answer = worker.run(argv)
                    results.append({"mutant": n, "base": base, "mutation": label, "command": command, **answer})
                    shutil.rmtree(folder, ignore_errors=True)
                if progress:
                    progress(n)
        finally:
            worker.close()
    return results


def rates(results: list[dict]) -> dict:
    """Per command: how many mutants, and each outcome per 1,000."""
    out = {}
    for command in sorted({r["command"] for r in results}):
        mine = [r for r in results if r["command"] == command]
        counts = collections.Counter(r["outcome"] for r in mine)
        out[command] = {"mutants": len(mine), **{k: round(1000 * v / len(mine), 1) for k, v in sorted(counts.items())}}
    return out


def _main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300, help="mutants (each run by export and format)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (1: one core)")
    parser.add_argument("--source", help="read with the xlplan in this folder (e.g. an export of main)")
    parser.add_argument("--show", default="catchall,stopped,untidy,died,hung",
                        help="outcomes whose messages to print (comma-separated)")
    parser.add_argument("--json", help="write every result to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker()
        return 0
    if args.jobs != 1:
        parser.error("--jobs: only 1 is supported (the machine's cores are shared)")
    start = time.perf_counter()
    results = run(args.seed, args.count, source=args.source)
    shown = set(args.show.split(","))
    for r in results:
        if r["outcome"] in shown:
            message = " | ".join(r["stderr"].splitlines())[:300]
            print(f"{r['outcome']:8} {r['command']:6} #{r['mutant']} {r['base']} ({r['mutation']}): "
                  f"exit {r['code']}: {message}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print(json.dumps({"seed": args.seed, "count": args.count,
                      "xlplan": sorted({r["xlplan"] for r in results if "xlplan" in r}), "seconds": round(time.perf_counter() - start),
                      "per_1000": rates(results)}, indent=1))
    return 1 if any(r["outcome"] in BAD for r in results) else 0


if __name__ == "__main__":
    sys.exit(_main())
