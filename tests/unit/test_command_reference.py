"""The command reference (docs/reference.md) is the commands' own --help, word for word."""

from __future__ import annotations

from pathlib import Path

import click

from tests.command_reference import help_text, reference
from wikisync.cli import cli

README = Path(__file__).resolve().parents[2] / "docs" / "reference.md"


def test_readme_holds_the_reference_made_from_help() -> None:
    text = README.read_text(encoding="utf-8")
    begin = text.index("]]] -->\n", text.index("from tests.command_reference import")) + 8
    end = text.index("<!-- [[[end]]] -->", begin)
    assert text[begin:end] == reference(), "run: .venv/bin/cog -I . -r docs/reference.md"


def test_reference_has_every_command_and_its_options() -> None:
    made = reference()
    with click.Context(cli) as ctx:
        for name in cli.list_commands(ctx):
            assert f"#### `wikisync {name}`" in made
            command = cli.get_command(ctx, name)
            assert command is not None
            for param in command.params:
                for flag in getattr(param, "opts", []):
                    if flag.startswith("--"):
                        assert flag in help_text([name]), (name, flag)
