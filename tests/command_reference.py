"""The command reference (docs/reference.md), made from the commands' own ``--help``.

docs/reference.md holds the output between cog markers; ``cog -I . -r docs/reference.md``
rewrites it and ``cog -I . --check docs/reference.md`` (run by ``scripts/test``) fails
when a command's help and the reference differ. Help is rendered 100 columns wide,
without colour, so the text is the same on every machine.
"""

from __future__ import annotations

import click
from click.testing import CliRunner

from wikisync.cli import cli

WIDTH = 100


def help_text(args: list[str]) -> str:
    """What ``wikisync ARGS --help`` prints, at a fixed width."""
    result = CliRunner().invoke(
        cli,
        [*args, "--help"],
        prog_name="wikisync",
        terminal_width=WIDTH,
        env={"COLUMNS": str(WIDTH), "NO_COLOR": "1"},
        catch_exceptions=False,
    )
    if result.exit_code != 0:
        raise RuntimeError(f"wikisync {' '.join(args)} --help failed: {result.output}")
    return result.output.rstrip() + "\n"


def reference() -> str:
    """The whole reference: the group's help, then each command's, in the order listed."""
    parts = ["`wikisync --help`:\n", "```text\n", help_text([]), "```\n"]
    with click.Context(cli) as ctx:
        names = cli.list_commands(ctx)
    for name in names:
        parts += [f"\n#### `wikisync {name}`\n\n", "```text\n", help_text([name]), "```\n"]
    return "".join(parts)
