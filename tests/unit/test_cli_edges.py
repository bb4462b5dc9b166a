"""The same edges in every command, each proved by walking the whole click tree.

- the global options work before or after the command;
- (see test_cli_signals.py for SIGINT/SIGTERM in every command.)
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from tests.unit.test_cli_signals import ARGS, EXAMPLE
from wikisync.cli import cli
from wikisync.cli.globals import GLOBAL_OPTIONS_LINE
from wikisync.cli.main import State

#: The global options as given after a command, and the State they must leave.
AFTER = [
    *("-c", "{tmp}/fabmob/wikisync.toml"),
    *("--site", "{tmp}/fabmob/mirror"),
    *("--user", "Robot@sync"),
    *("--cache", "{tmp}/revisions.sqlite"),
    "--no-cache",
    "-v",
    "--verbose",
    *("--color", "always"),
]


def _commands() -> list[str]:
    with click.Context(cli) as ctx:
        return cli.list_commands(ctx)


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("WIKISYNC_SUMMARY", "WIKISYNC_CONFIG", "WIKISYNC_SITE", "WIKISYNC_CACHE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "fabmob")
    return tmp_path


def _state_seen(monkeypatch: pytest.MonkeyPatch, command: str, args: list[str]) -> State:
    """Run ``wikisync ARGS`` with ``command``'s body replaced by a look at the State it gets."""
    seen: list[State] = []

    def look(**_params: Any) -> None:
        state = click.get_current_context().find_object(State)
        assert state is not None
        seen.append(dataclasses.replace(state, overrides=dict(state.overrides)))

    monkeypatch.setattr(cli.commands[command], "callback", look)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, (command, result.output)
    [state] = seen
    return state


def test_global_options_before_or_after_every_command(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for command in _commands():
        own = [arg.replace("{tmp}", str(workdir)) for arg in ARGS[command]]
        after = [arg.replace("{tmp}", str(workdir)) for arg in AFTER]
        before = _state_seen(monkeypatch, command, [*after, command, *own])
        state = _state_seen(monkeypatch, command, [command, *own, *after])
        assert state == before, command
        assert state.config_path == str(workdir / "fabmob" / "wikisync.toml"), command
        assert state.overrides == {
            "site": str(workdir / "fabmob" / "mirror"),
            "user": "Robot@sync",
            "cache": str(workdir / "revisions.sqlite"),
            "use_cache": False,
        }, command
        assert (state.verbosity, state.color_mode) == (2, "always"), command
        # -q after the command; and after wins over before.
        quiet = _state_seen(monkeypatch, command, ["-v", "--site", "A", command, *own, "-q"])
        assert quiet.verbosity == -1, command
        site = _state_seen(monkeypatch, command, ["--site", "A", command, *own, "--site", "B"])
        assert site.overrides["site"] == "B", command
        # Each command's --help says so, in one line at its end.
        text = CliRunner().invoke(cli, [command, "--help"], terminal_width=400).output
        assert " ".join(text.split()).endswith(GLOBAL_OPTIONS_LINE), command


def test_global_options_after_the_command_take_effect(workdir: Path) -> None:
    config = str(workdir / "fabmob" / "wikisync.toml")
    runner = CliRunner()
    # rebuild --help tells to use -v: it works after the command (it used to be "No such option").
    loud = runner.invoke(cli, ["rebuild", "--dry-run", "-c", config, "-v"])
    quiet = runner.invoke(cli, ["rebuild", "--dry-run", "-c", config])
    assert loud.exit_code == quiet.exit_code == 0, loud.output
    assert len(loud.stderr) > len(quiet.stderr)
    # -q after the command: only errors (records' problem count is a warning).
    records = runner.invoke(cli, ["records", "event", "-c", config])
    silent = runner.invoke(cli, ["records", "event", "-c", config, "-q"])
    assert "problem(s)" in records.stderr and silent.stderr == ""
    assert silent.stdout == records.stdout
