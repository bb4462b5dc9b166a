"""The README's quick start, run as written on a clean copy of the checkout.

It must be two commands on a fresh machine (the first installs wikisync and
rebuilds the bundled example), leave ``git status`` clean, and its output
must not send the newcomer to ``push`` (the example mirror has no wiki).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.ops.example import copy_example

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fabmob"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "core.quotepath=off"]


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def _clean_copy(tmp_path: Path) -> Path:
    """The checkout's tracked files, as they are now, in a fresh repository."""
    listed = subprocess.run(
        [*GIT, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    copy = tmp_path / "checkout"
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = copy / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    subprocess.run([*GIT, "init", "-q"], cwd=copy, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=copy, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "copy"], cwd=copy, check=True)
    return copy


def test_quick_start_is_two_commands_install_then_example() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    install, _, run = commands[0].partition(" && ")
    assert install == "pip install ."
    assert run.startswith("wikisync example ")
    assert commands[1] == "scripts/test"


def test_quick_start_leaves_git_status_clean(tmp_path: Path) -> None:
    copy = _clean_copy(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    run = _quick_start_commands()[0].partition(" && ")[2]  # pip install . is the suite's venv
    env = {
        **os.environ,
        "HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "NO_COLOR": "1",
    }
    env.pop("WIKISYNC_CONFIG", None)
    env.pop("WIKISYNC_SITE", None)
    done = subprocess.run(
        ["sh", "-c", run], cwd=copy, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    status = subprocess.run(
        [*GIT, "status", "--porcelain", "--untracked-files=all"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""
    # The rebuild did happen, in the copy under $HOME.
    events = home / "wikisync-example" / "mirror" / "_main" / "Evénements.wiki"
    original = (EXAMPLE / "mirror" / "_main" / "Evénements.wiki").read_text(encoding="utf-8")
    assert events.read_text(encoding="utf-8") != original
    assert 'page "Evénements" updated in the mirror' in done.stderr
    assert "wikisync push" not in done.stderr
    assert "no wiki to push to" in done.stderr


def test_example_rebuild_twice_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "ex"
    first = CliRunner().invoke(cli, ["example", str(folder)])
    assert first.exit_code == 0, first.output
    before = {p: p.read_bytes() for p in folder.rglob("*.wiki")}
    again = CliRunner().invoke(cli, ["-c", str(folder / "wikisync.toml"), "rebuild"])
    assert again.exit_code == 0, again.output
    assert again.output == ""  # silent: nothing changed
    assert {p: p.read_bytes() for p in folder.rglob("*.wiki")} == before


def test_example_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(cli, ["example", str(tmp_path)])
    assert result.exit_code == 2
    assert "not an empty folder" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_copy_example_copies_every_tracked_file_but_no_working_state(tmp_path: Path) -> None:
    config = copy_example(tmp_path / "new" / "ex")
    copied = {p.relative_to(config.parent) for p in config.parent.rglob("*") if p.is_file()}
    shipped = {
        p.relative_to(EXAMPLE)
        for p in EXAMPLE.rglob("*")
        if p.is_file() and (".wikisync" not in p.parts or p.name == ".gitignore")
    }
    assert copied == shipped
    for name in shipped:
        assert (config.parent / name).read_bytes() == (EXAMPLE / name).read_bytes()


def test_mirror_with_a_wiki_keeps_the_push_hint(example: Path) -> None:
    settings = example / "mirror" / "wikisync-mirror.json"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace('"site": null', '"site": "https://wiki.example.org/"'), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["-c", str(example / "wikisync.toml"), "rebuild", "events"])
    assert result.exit_code == 0, result.output
    assert f"send it to the wiki with 'wikisync push {example / 'mirror'}'" in result.output
