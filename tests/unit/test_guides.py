"""The guides in docs/ run as written: every command of their ``sh`` blocks and every
``python`` block, in order, in a fresh copy of the bundled example (so the docs cannot rot).

A ``sh`` block holds only ``wikisync …`` lines and ``cd DIR`` (comments aside): anything
else fails, so that no command slips into a guide untested. Other blocks (``text``) are
illustrations (a crontab line for a live wiki) and are not run.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli

ROOT = Path(__file__).resolve().parents[2]
GUIDES = sorted((ROOT / "docs").glob("guide-*.md"))
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(guide: Path) -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in BLOCK.finditer(guide.read_text(encoding="utf-8"))]


def test_there_is_a_guide_per_kind_of_user_linked_from_the_readme() -> None:
    names = {guide.name for guide in GUIDES}
    assert names == {
        "guide-maintainer.md",
        "guide-index-pages.md",
        "guide-scripts.md",
        "guide-library.md",
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"(docs/{name})" in readme for name in names)


def _run_sh(block: str, where: Path) -> tuple[Path, int]:
    ran = 0
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[0] == "cd" and len(words) == 2:
            where = where / words[1]
            assert where.is_dir(), line
            continue
        assert words[0] == "wikisync", f"not a wikisync command: {line!r}"
        with contextlib.chdir(where):
            result = CliRunner().invoke(cli, words[1:])
        assert result.exit_code == 0, (line, result.output)
        assert "Traceback" not in result.output, line
        ran += 1
    return where, ran


@pytest.mark.parametrize("guide", GUIDES, ids=[guide.stem for guide in GUIDES])
def test_a_guide_runs_as_written(guide: Path, tmp_path: Path) -> None:
    where, ran = tmp_path, 0
    blocks = _blocks(guide)
    if not any(kind == "sh" for kind, _ in blocks):  # the library guide: in the example
        where, _ = _run_sh("wikisync example fabmob\n", where)
        where = where / "fabmob"
    for kind, block in blocks:
        if kind == "sh":
            where, count = _run_sh(block, where)
            ran += count
        elif kind == "python":
            printed = io.StringIO()
            with contextlib.chdir(where), contextlib.redirect_stdout(printed):
                exec(compile(block, f"{guide.name}", "exec"), {"__name__": "guide"})
            assert printed.getvalue(), block  # each example shows something
            ran += 1
    assert ran >= 4, guide.name  # a guide is a walk, not one line
