"""Every command documents itself with an example (click's CliRunner, no wiki)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from wikisync import __version__
from wikisync.cli import cli


def _commands() -> list[str]:
    return sorted(cli.commands)


def test_cli_version_prints_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"wikisync, version {__version__}"


@pytest.mark.parametrize("name", _commands())
def test_cli_help_has_example(name: str) -> None:
    command = cli.commands[name]
    assert isinstance(command, click.Command)
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    assert "wikisync " in result.output and f" {name}" in result.output


def test_cli_group_help_lists_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in _commands():
        assert name in result.output


def test_cli_no_site_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["pages", "Evénement"], env={"WIKISYNC_SITE": None, "WIKISYNC_CONFIG": None}
    )
    assert result.exit_code == 2
    assert "no site given: pass --site (a wiki URL, a mirror folder" in result.output


def test_cli_missing_site_path_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = CliRunner().invoke(cli, ["--site", str(missing), "pages", "Evénement"])
    assert result.exit_code == 2
    assert str(missing) in result.output


#: The commands that write pages (a wiki or a mirror): each takes the same write options.
WRITING_COMMANDS = (
    "set",
    "rename-param",
    "remove-param",
    "replace",
    "import",
    "apply",
    "rebuild",
    "push",
)
#: What every writing command takes (README: "The writing commands … share one publishing layer").
WRITE_OPTIONS = ("--dry-run", "--summary", "--bot", "--no-bot", "--minor", "--report")


def _all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = [("wikisync", cli)]
    for name, command in sorted(cli.commands.items()):
        found.append((f"wikisync {name}", command))
    return found


def _option_names(command: click.Command) -> set[str]:
    names: set[str] = set()
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def test_writing_commands_are_all_known() -> None:
    """A new command that writes (it takes --dry-run) must join WRITING_COMMANDS."""
    takes_dry_run = {
        name for name, command in cli.commands.items() if "--dry-run" in _option_names(command)
    }
    expected = {name for name in WRITING_COMMANDS if name in cli.commands}
    if "new" in cli.commands:
        expected.add("new")
    assert takes_dry_run == expected


@pytest.mark.parametrize(
    "name", [name for name in (*WRITING_COMMANDS, "new") if name in cli.commands]
)
def test_writing_command_takes_every_write_option(name: str) -> None:
    missing = set(WRITE_OPTIONS) - _option_names(cli.commands[name])
    assert not missing, f"wikisync {name} lacks {sorted(missing)}"


@pytest.mark.parametrize(("name", "command"), _all_commands(), ids=lambda v: str(v))
def test_every_option_has_help(name: str, command: click.Command) -> None:
    bare = [
        "/".join(param.opts)
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert not bare, f"{name}: options without help: {bare}"


@pytest.mark.parametrize(("name", "command"), _all_commands(), ids=lambda v: str(v))
def test_every_command_docstring_has_an_example(name: str, command: click.Command) -> None:
    doc = command.help or ""
    assert doc.strip(), f"{name} has no docstring"
    assert "Example:" in doc or "Examples:" in doc, f"{name}: no 'Example:' in its docstring"
    lines = [line.split() for line in doc.split("Example", 1)[1].splitlines()]
    runs = [words for words in lines if words[:1] == ["wikisync"]]
    assert runs, f"{name}: its example runs no wikisync command"
    word = name.split()[-1]
    assert any(word in words for words in runs), f"{name}: its example does not run it"


@pytest.mark.parametrize("name", WRITING_COMMANDS)
def test_write_options_read_alike(name: str) -> None:
    """--bot/--no-bot and --minor say the same thing everywhere."""
    command = cli.commands[name]
    helps = {
        opt: param.help
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt in ("--bot", "--minor")
    }
    reference = {
        opt: param.help
        for param in cli.commands["set"].params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt in ("--bot", "--minor")
    }
    assert helps == reference


@pytest.mark.parametrize(
    "name", [name for name in (*WRITING_COMMANDS, "new") if name in cli.commands]
)
def test_report_option_takes_a_dash_for_standard_output(name: str) -> None:
    """README: wherever a command writes a file, - means standard output."""
    (report,) = [p for p in cli.commands[name].params if "--report" in getattr(p, "opts", ())]
    assert isinstance(report.type, click.Path) and report.type.allow_dash
    assert "- for standard output" in (getattr(report, "help", "") or "")
