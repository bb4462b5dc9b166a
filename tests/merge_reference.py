"""``git merge-file`` as the reference three-way merge, and cases to give it.

Used by the merge property test (tests/unit/test_merge_property.py) and the
longer soak in bench/bench_merge.py. git writes files byte for byte (no line
end conversion with ``-p``); its exit status is the number of conflicts.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# A small alphabet of lines, so that lines repeat: blank lines, lines without
# a final newline (a last line, or glued to the next one), CRLF line ends.
LINES = (
    "a\n",
    "b\n",
    "c\n",
    "\n",
    "[[Catégorie:Acteur]]\n",
    "[[Catégorie:Acteur|Tri]]\n",
    "a\r\n",
    "\r\n",
    "a",
    "b",
)


@dataclass(frozen=True, slots=True)
class GitMerge:
    """What ``git merge-file -p`` made of one case."""

    clean: bool
    text: str


class GitMergeFile:
    """Runs ``git merge-file -p`` on three texts written into ``folder``."""

    def __init__(self, folder: Path) -> None:
        git = shutil.which("git")
        if git is None:
            raise RuntimeError("git is needed as the reference merge (scripts/test installs it)")
        self.git = git
        self.paths = [folder / name for name in ("local", "base", "remote")]

    def merge(self, base: str, local: str, remote: str) -> GitMerge:
        """Merge like ``git merge-file -p local base remote``."""
        for path, text in zip(self.paths, (local, base, remote), strict=True):
            path.write_bytes(text.encode())
        done = subprocess.run(
            [self.git, "merge-file", "-p", *map(str, self.paths)],
            capture_output=True,
            check=False,
        )
        if done.returncode > 127:  # git exits with -1 (255) on errors, else the conflict count
            raise RuntimeError(f"git merge-file failed: {done.stderr.decode(errors='replace')}")
        return GitMerge(done.returncode == 0, done.stdout.decode())


def edit_lines(rng: random.Random, lines: list[str], edits: int) -> list[str]:
    """``lines`` with a few random deletions, insertions and replacements."""
    lines = list(lines)
    for _ in range(edits):
        where = rng.randint(0, len(lines))
        what = rng.random()
        if what < 0.33 and lines:
            del lines[min(where, len(lines) - 1)]
        elif what < 0.66 or not lines:
            lines.insert(where, rng.choice(LINES))
        else:
            lines[min(where, len(lines) - 1)] = rng.choice(LINES)
    return lines


def large_case(rng: random.Random) -> tuple[str, str, str]:
    """A long text (50 to 2,000 lines of the alphabet) and two edits of it, light or heavy."""
    size = rng.choice((50, 200, 800, 2000))
    base = [rng.choice(LINES) for _ in range(size)]
    share = rng.choice((100, 10, 3))  # up to 1 %, 10 % or a third of the lines edited
    local, remote = (edit_lines(rng, base, rng.randint(1, max(2, size // share))) for _ in range(2))
    return "".join(base), "".join(local), "".join(remote)


def random_case(rng: random.Random) -> tuple[str, str, str]:
    """A base text and two edits of it (now and then an unrelated text)."""
    base = [rng.choice(LINES) for _ in range(rng.randint(0, 14))]
    sides = []
    for _ in range(2):
        if rng.random() < 0.05:
            sides.append([rng.choice(LINES) for _ in range(rng.randint(0, 14))])
        else:
            sides.append(edit_lines(rng, base, rng.choice((0, 1, 1, 1, 2, 3))))
    return "".join(base), "".join(sides[0]), "".join(sides[1])
