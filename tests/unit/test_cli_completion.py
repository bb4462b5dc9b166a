"""Shell completion through click's protocol, as bash, zsh and fish call it.

Each test runs the installed ``wikisync`` script with ``_WIKISYNC_COMPLETE``
and ``COMP_WORDS``/``COMP_CWORD`` in a subprocess, as the shell does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.conftest import EXAMPLE

WIKISYNC = Path(sys.executable).parent / "wikisync"
TYPES = ["event", "actor", "commun", "project", "community"]
JOBS = ["events", "actors", "communs"]


def _complete(words: str, *, cwd: Path, shell: str = "bash", **env: str) -> list[str]:
    """The completions the shell would get for ``words`` (the last one being typed)."""
    cword = str(len(words.split()) - (0 if words.endswith(" ") else 1))
    if shell == "fish":  # fish passes the word being typed, not its index
        cword = "" if words.endswith(" ") else words.split()[-1]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WIKISYNC_")}
    environ.update(
        {"_WIKISYNC_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    )
    environ.update(env)
    done = subprocess.run(
        [str(WIKISYNC)], cwd=cwd, env=environ, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    if shell == "bash":
        return [line.split(",", 1)[1] for line in done.stdout.splitlines() if line]
    return done.stdout.splitlines()


def test_commands_complete(tmp_path: Path) -> None:
    assert _complete("wikisync re", cwd=tmp_path) == [
        "rebuild",
        "records",
        "remove-param",
        "rename-param",
        "render",
        "replace",
    ]
    assert "example" in _complete("wikisync ", cwd=tmp_path)


def test_options_complete(tmp_path: Path) -> None:
    assert _complete("wikisync --co", cwd=tmp_path) == ["--config", "--color"]
    assert _complete("wikisync --color ", cwd=tmp_path) == ["auto", "always", "never"]


@pytest.mark.parametrize("command", ["records", "check", "set", "export", "import"])
def test_record_types_complete_from_the_configuration_folder(command: str) -> None:
    assert _complete(f"wikisync {command} ", cwd=EXAMPLE) == TYPES
    assert _complete(f"wikisync {command} co", cwd=EXAMPLE) == ["commun", "community"]


def test_record_types_complete_from_config_option_and_environment(tmp_path: Path) -> None:
    config = str(EXAMPLE / "wikisync.toml")
    assert _complete(f"wikisync -c {config} records ", cwd=tmp_path) == TYPES
    assert _complete("wikisync check e", cwd=tmp_path, WIKISYNC_CONFIG=config) == ["event"]


@pytest.mark.parametrize("command", ["render", "rebuild", "plan"])
def test_jobs_complete(command: str) -> None:
    assert _complete(f"wikisync {command} ", cwd=EXAMPLE) == JOBS


def test_rebuild_does_not_offer_a_job_given_already() -> None:
    assert _complete("wikisync rebuild events ", cwd=EXAMPLE) == ["actors", "communs"]


def test_zsh_gets_the_type_descriptions() -> None:
    out = _complete("wikisync records ev", cwd=EXAMPLE, shell="zsh")
    assert out == ["plain", "event", "Events (meetups, workshops, conferences)"]


def test_fish_completes_types() -> None:
    out = _complete("wikisync records ", cwd=EXAMPLE, shell="fish")
    assert [line.split("\t")[0].split(",")[-1] for line in out] == TYPES


def test_no_configuration_completes_nothing_and_never_fails(tmp_path: Path) -> None:
    assert _complete("wikisync records ", cwd=tmp_path) == []
    (tmp_path / "wikisync.toml").write_text("this is [not toml", encoding="utf-8")
    assert _complete("wikisync rebuild ", cwd=tmp_path) == []
    assert _complete("wikisync -c /no/such/file.toml records ", cwd=tmp_path) == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_readme_scripts_are_produced(shell: str, tmp_path: Path) -> None:
    readme = (EXAMPLE.parents[1] / "docs" / "commands.md").read_text(encoding="utf-8")
    assert f"_WIKISYNC_COMPLETE={shell}_source wikisync" in readme
    environ = {**os.environ, "_WIKISYNC_COMPLETE": f"{shell}_source"}
    done = subprocess.run(
        [str(WIKISYNC)], cwd=tmp_path, env=environ, capture_output=True, text=True, check=True
    )
    assert "_WIKISYNC_COMPLETE" in done.stdout
