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
    assert "no site given" in result.output


def test_cli_missing_site_path_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = CliRunner().invoke(cli, ["--site", str(missing), "pages", "Evénement"])
    assert result.exit_code == 2
    assert str(missing) in result.output
