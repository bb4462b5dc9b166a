"""Benchmark and soak: the three-way merge against ``git merge-file``.

Not a test. Two parts, in one run:

1. Soak: ``--cases`` random three-way cases (default 50,000) from the small
   alphabet of lines of tests/merge_reference.py (repeated and blank lines,
   CRLF, no final newline), then ``--large`` long ones (50 to 2,000 lines,
   up to a third of them edited: git's and wikisync's cost cut-offs at
   work), each merged by wikisync and by ``git merge-file -p``. Prints how
   many were clean for both with the same text, clean for both with
   different texts (must be 0), a conflict for both, clean for wikisync but
   a conflict for git (must be 0: an edit could be lost), and a conflict
   for wikisync but clean for git (more cautious than git). The previous
   merge (difflib, before issue 10) is counted beside it, on the same cases.
2. Speed: merges of a large page (``--lines`` lines of wikitext, with
   repeated lines) edited on both sides: a few edits, many edits, and a
   shuffle of repeated lines, timed for wikisync beside the difflib
   alignment the previous merge used (two ``SequenceMatcher`` runs) and
   beside ``git merge-file`` (a process per merge, for scale).

Run from the repository root::

    .venv/bin/python -m bench.bench_merge
    .venv/bin/python -m bench.bench_merge --cases 5000 --lines 3000
"""

from __future__ import annotations

import argparse
import difflib
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.merge_reference import GitMergeFile, large_case, random_case
from wikisync.core.diffs import split_lines
from wikisync.core.merge import MergeResult, merge_texts

OUTCOMES = (
    "clean, same text",
    "clean, different text (must be 0)",
    "conflict for both",
    "clean here, conflict for git (must be 0)",
    "conflict here, clean for git",
)


def _outcome(ours: MergeResult, git_clean: bool, git_text: str) -> str:
    if ours.clean and git_clean:
        return OUTCOMES[0] if ours.text == git_text else OUTCOMES[1]
    if not ours.clean and not git_clean:
        return OUTCOMES[2]
    return OUTCOMES[3] if ours.clean else OUTCOMES[4]


def soak(
    cases: int,
    seed: int,
    folder: Path,
    make: Callable[[random.Random], tuple[str, str, str]] = random_case,
    what: str = "random cases",
) -> None:
    """Merge ``cases`` cases with wikisync, the previous merge and git; print counts."""
    git = GitMergeFile(folder)
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    previous: Counter[str] = Counter()
    examples: dict[str, tuple[str, str, str]] = {}
    started = time.perf_counter()
    for _ in range(cases):
        base, local, remote = make(rng)
        reference = git.merge(base, local, remote)
        outcome = _outcome(merge_texts(base, local, remote), reference.clean, reference.text)
        counts[outcome] += 1
        examples.setdefault(outcome, (base, local, remote))
        old = _previous_merge(base, local, remote)
        previous[_outcome(old, reference.clean, reference.text)] += 1
    elapsed = time.perf_counter() - started
    print(f"soak: {cases} {what} (seed {seed}) against git merge-file, {elapsed:.0f} s")
    print(f"  {'':42} {'wikisync':>9} {'previous':>9}")
    for outcome in OUTCOMES:
        print(f"  {outcome:42} {counts[outcome]:9d} {previous[outcome]:9d}")
    for outcome in OUTCOMES[1], OUTCOMES[3], OUTCOMES[4]:
        if counts[outcome]:
            print(f"  first case {outcome!r}: {examples[outcome]!r}"[:2000])


def _page(rng: random.Random, lines: int) -> list[str]:
    """Wikitext lines of a long page: prose, infobox fields, blank and category lines."""
    out = []
    for i in range(lines):
        kind = rng.random()
        if kind < 0.3:
            out.append("\n")
        elif kind < 0.4:
            out.append(f"[[Catégorie:{rng.choice(('Acteur', 'Evénement', 'Lieu'))}]]\n")
        elif kind < 0.5:
            out.append(f"|{rng.choice(('name', 'place', 'date'))}={rng.randint(0, 9)}\n")
        else:
            out.append(f"Paragraphe {i}, {rng.random():.6f}.\n")
    return out


def _edited(rng: random.Random, lines: list[str], edits: int) -> list[str]:
    lines = list(lines)
    for _ in range(edits):
        where = rng.randrange(len(lines))
        kind = rng.random()
        if kind < 0.3:
            del lines[where]
        elif kind < 0.6:
            lines.insert(where, f"Ajout {rng.random():.6f}.\n")
        else:
            lines[where] = rng.choice((lines[where].upper(), "\n", "[[Catégorie:Acteur]]\n"))
    return lines


def _shuffled(rng: random.Random, lines: list[str], share: float) -> list[str]:
    """Repeated lines (blank, categories) moved around: many equally short diffs."""
    lines = list(lines)
    repeated = [i for i, line in enumerate(lines) if line == "\n" or line.startswith("[[")]
    picked = rng.sample(repeated, int(len(repeated) * share))
    values = [lines[i] for i in picked]
    rng.shuffle(picked)
    for i, value in zip(picked, values, strict=True):
        lines[i] = value
    for i in rng.sample(range(len(lines)), len(lines) // 20):
        lines[i] = "\n" if lines[i] != "\n" else "[[Catégorie:Lieu]]\n"
    return lines


def _best_ms(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def speed(lines: int, seed: int, folder: Path) -> None:
    """Time merges of a large page, wikisync beside difflib and git."""
    git = GitMergeFile(folder)
    rng = random.Random(seed)
    page = _page(rng, lines)
    kinds = {
        "few edits (5 a side)": (_edited(rng, page, 5), _edited(rng, page, 5)),
        "many edits (5 % a side)": (
            _edited(rng, page, lines // 20),
            _edited(rng, page, lines // 20),
        ),
        "repeated lines shuffled": (_shuffled(rng, page, 0.5), _shuffled(rng, page, 0.5)),
    }
    base = "".join(page)
    print(f"speed: a page of {lines} lines ({len(base) // 1024} KiB), best of 3, ms per merge")
    print(f"  {'':26} {'wikisync':>9} {'difflib':>9} {'git':>9}  result")
    for name, (local_lines, remote_lines) in kinds.items():
        local, remote = "".join(local_lines), "".join(remote_lines)
        ours = _best_ms(3, lambda: merge_texts(base, local, remote))  # noqa: B023
        baseline = _best_ms(3, lambda: _difflib_alignments(base, local, remote))  # noqa: B023
        reference = _best_ms(3, lambda: git.merge(base, local, remote))  # noqa: B023
        result = merge_texts(base, local, remote)
        same = git.merge(base, local, remote)
        agree = (
            "agrees with git"
            if (result.clean, result.text) == (same.clean, same.text)
            or (not result.clean and not same.clean)
            else "DIFFERS from git"
        )
        print(
            f"  {name:26} {ours:9.1f} {baseline:9.1f} {reference:9.1f}  "
            f"{'clean' if result.clean else f'{result.conflicts} conflicts'}, {agree}"
        )


def _difflib_alignments(base: str, local: str, remote: str) -> None:
    """The previous merge's main cost: two difflib alignments with the base."""
    old = split_lines(base)
    for new in (local, remote):
        difflib.SequenceMatcher(None, old, split_lines(new), autojunk=False).get_matching_blocks()


def _previous_merge(base: str, local: str, remote: str) -> MergeResult:
    """The merge before issue 10, kept here to count what it got wrong."""
    if local == remote or remote == base:
        return MergeResult(local, 0)
    if local == base:
        return MergeResult(remote, 0)
    ends = [text.endswith("\n") for text in (base, local, remote)]
    final_newline = ends[2] if ends[1] == ends[0] else ends[1]
    z_lines, a_lines, b_lines = (
        split_lines(text if text.endswith("\n") or not text else text + "\n")
        for text in (base, local, remote)
    )
    to_a = difflib.SequenceMatcher(None, z_lines, a_lines, autojunk=False).get_matching_blocks()
    to_b = difflib.SequenceMatcher(None, z_lines, b_lines, autojunk=False).get_matching_blocks()
    regions = []
    i = j = 0
    while i < len(to_a) and j < len(to_b):
        (a_base, a_start, a_size), (b_base, b_start, b_size) = to_a[i], to_b[j]
        start, end = max(a_base, b_base), min(a_base + a_size, b_base + b_size)
        if start < end:
            a, b = a_start + start - a_base, b_start + start - b_base
            regions.append((start, end, a, a + end - start, b, b + end - start))
        if a_base + a_size < b_base + b_size:
            i += 1
        else:
            j += 1
    regions.append(
        (len(z_lines), len(z_lines), len(a_lines), len(a_lines), len(b_lines), len(b_lines))
    )
    out: list[str] = []
    conflicts = z = a = b = 0
    for z_start, z_end, a_start, a_end, b_start, b_end in regions:
        z_chunk, a_chunk, b_chunk = z_lines[z:z_start], a_lines[a:a_start], b_lines[b:b_start]
        if a_chunk == b_chunk or b_chunk == z_chunk:
            out.extend(a_chunk)
        elif a_chunk == z_chunk:
            out.extend(b_chunk)
        else:
            conflicts += 1
            out.extend(["<<<<<<<\n", *a_chunk, "=======\n", *b_chunk, ">>>>>>>\n"])
        out.extend(z_lines[z_start:z_end])
        z, a, b = z_end, a_end, b_end
    text = "".join(out)
    if not final_newline and conflicts == 0:
        text = text.removesuffix("\n")
    return MergeResult(text, conflicts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--large", type=int, default=500)
    parser.add_argument("--lines", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wikisync-bench-") as tmp:
        speed(args.lines, args.seed, Path(tmp))
        soak(args.cases, args.seed, Path(tmp))
        soak(args.large, args.seed, Path(tmp), large_case, "long cases")


if __name__ == "__main__":
    main()
