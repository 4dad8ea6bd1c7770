"""A few hundred damaged workbooks through `export` and `format` (tests/fuzz.py makes them from
the shipped plan and an imported seed, with a fixed seed): each ends in a result (exit 0 or 1)
or one sentence (exit 2, one line); never the catch-all (exit 70), "stopped" (130), a dead
worker (an abort, or over the memory limit) or a hang. Thousands: `python -m tests.fuzz
--count 4000 --jobs 1` (README, "Damaged workbooks")."""

import collections

import fuzz

COUNT = 200


def test_damaged_workbooks_end_in_a_result_or_one_sentence():
    results = fuzz.run(seed=16, count=COUNT)
    assert len(results) == COUNT * len(fuzz.COMMANDS)
    bad = [r for r in results if r["outcome"] in fuzz.BAD]
    shown = "\n".join(f"{r['outcome']} {r['command']} #{r['mutant']} {r['base']} ({r['mutation']}): exit "
                      f"{r['code']}: {r['stderr'].strip()[:300]}" for r in bad[:20])
    assert not bad, f"{len(bad)} of {len(results)} runs ended badly:\n{shown}"
    # The generator damages enough to matter: most mutants are refused, many still read.
    outcomes = collections.Counter(r["outcome"] for r in results)
    assert outcomes["refused"] > COUNT / 4 and outcomes["ok"] > COUNT / 4, outcomes
    assert len({r["mutation"] for r in results}) == len(fuzz.MUTATIONS)


def test_the_classification_catches_what_it_must():
    assert fuzz.classify(70, "xlplan: could not finish (KeyError: 'x'); report it\n") == "catchall"
    assert fuzz.classify(130, "\nxlplan: stopped\n") == "stopped"
    assert fuzz.classify(2, "xlplan: one\nxlplan: two\n") == "untidy"
    assert fuzz.classify(0, "/x/site-packages/openpyxl/reader.py:1: UserWarning: y\n") == "untidy"
    assert fuzz.classify(2, "xlplan: the file is damaged\n") == "refused"
    assert fuzz.classify(1, "") == "ok"


def test_the_same_seed_makes_the_same_mutants(tmp_path):
    base = fuzz.bases(tmp_path)
    first = [(n, b, m, d) for n, b, m, d in fuzz.mutants(3, 20, base)]
    assert first == list(fuzz.mutants(3, 20, base)) and first != list(fuzz.mutants(4, 20, base))
