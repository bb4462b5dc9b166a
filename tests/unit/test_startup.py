"""Start-up stays light: ``import wikisync`` and the pure core load no network, template or
calendar library, and every public name still resolves (loaded at first use)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import wikisync
import wikisync.cli
import wikisync.core

HEAVY = ("mwclient", "requests", "jinja2", "icalendar", "click")


def _loaded_after(code: str) -> set[str]:
    """The heavy libraries in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_import_wikisync_loads_no_heavy_library() -> None:
    assert _loaded_after("import wikisync") == set()
    assert _loaded_after("import wikisync; wikisync.open_source") == set()
    # the probe sees a heavy library when one is loaded
    assert _loaded_after("import wikisync; wikisync.format_calendar") >= {"icalendar"}


def test_the_core_imports_without_network_template_or_calendar_library() -> None:
    # core/templating.py is Jinja2's one home, imported only where a page template runs
    modules = sorted(
        info.name
        for info in pkgutil.walk_packages(wikisync.core.__path__, "wikisync.core.")
        if info.name != "wikisync.core.templating"
    )
    assert len(modules) > 15 and "wikisync.core.render" in modules
    code = "\n".join(f"import {m}" for m in modules)
    assert _loaded_after(code) == set()


def test_every_public_name_resolves() -> None:
    assert len(wikisync.__all__) > 50
    for name in wikisync.__all__:
        assert getattr(wikisync, name) is not None, name
    assert set(wikisync.__all__) <= set(dir(wikisync))


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        wikisync.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("wikisync.no_such_name resolved")


def _run_cli(args: list[str], **env: str) -> tuple[str, set[str]]:
    """Run the command line in a fresh interpreter: its output and the wikisync and heavy
    modules it loaded."""
    code = (
        "import os, sys\n"
        f"os.environ.update({env!r})\n"
        "from wikisync.cli import cli\n"
        "try:\n"
        f"    cli.main({args!r}, prog_name='wikisync')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', *sorted(m for m in sys.modules if m.startswith('wikisync.cli.')\n"
        f"    or m in {HEAVY!r} or m.startswith('wikisync.ops.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.rpartition("MODULES")
    return output, set(modules.split())


#: What the group loads before any command: its options, signals, outcomes, hints and terminal.
_START = {
    "click",
    "wikisync.cli.globals",
    "wikisync.cli.hints",
    "wikisync.cli.main",
    "wikisync.cli.outcomes",
    "wikisync.cli.outputs",
    "wikisync.cli.terminal",
}


def test_version_loads_no_command_module() -> None:
    output, modules = _run_cli(["--version"])
    assert output.startswith("wikisync, version ")
    assert modules == _START


def test_completing_a_command_name_loads_no_command_module() -> None:
    output, modules = _run_cli(
        [], _WIKISYNC_COMPLETE="zsh_complete", COMP_WORDS="wikisync re", COMP_CWORD="1"
    )
    words = output.splitlines()
    assert words[1::3] == [
        "rebuild",
        "records",
        "remove-param",
        "rename-param",
        "render",
        "replace",
    ]
    assert "Regenerate and publish the index pages of..." in words
    assert modules == _START


def test_the_command_table_is_the_commands() -> None:
    """COMMANDS names every command, its module and its short help, as click has them."""
    import click

    from wikisync.cli.main import COMMANDS, cli

    modules = [
        info.name
        for info in pkgutil.iter_modules(wikisync.cli.__path__, "wikisync.cli.")
        if info.name not in {"wikisync.cli.main"}
    ]
    for module in modules:
        importlib.import_module(module)
    found = {
        name: (command.callback.__module__, command.get_short_help_str())
        for name, command in cli.commands.items()
        if command.callback is not None
    }
    assert len(found) > 15
    assert found == COMMANDS
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
