"""CLI words only in the CLI: the library names no flag; the command line says it with its flags.

A library caller is never told to pass ``--force``: every string the library
holds (messages and docstrings alike) is free of command line flags; a
refusal that an argument would lift says it as a caller passes it
(``force=True``), and the command line turns those words into its flags
through one table, :data:`wikisync.cli.hints.CLI_WORDS`.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import wikisync
from tests.make_example import make_example
from wikisync.cli import cli
from wikisync.cli.hints import CLI_WORDS, cli_words, report_in_cli_words
from wikisync.core.errors import HandEditError, MissingPageError, ShrinkError, WikisyncError
from wikisync.core.sections import check_hand_edit, check_shrink, find_section

PACKAGE = Path(wikisync.__file__).parent
#: A command line flag as a message or a docstring would write it: ``--force``, ``--no-cache``.
FLAG = re.compile(r"(?:^|[\s`'\"(\[/,;:])(--[a-z][a-z0-9]*(?:-[a-z0-9]+)*)\b")


def _library_strings() -> list[tuple[str, int, str]]:
    """Every string literal (docstrings and f-string parts too) of the library outside cli/."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] == "cli":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((str(path.relative_to(PACKAGE.parent)), node.lineno, node.value))
    return found


def test_the_flag_pattern_finds_flags_and_only_flags() -> None:
    assert FLAG.findall("allow it with --allow-shrink") == ["--allow-shrink"]
    assert FLAG.findall("on ``--dry-run``.") == ["--dry-run"]
    assert FLAG.findall("(--no-cache)") == ["--no-cache"]
    assert FLAG.findall("<!--wikisync:begin events--> a -- b, x--y, --, ---") == []


def test_no_library_string_names_a_command_line_flag() -> None:
    strings = _library_strings()
    assert len(strings) > 1000  # the walk saw the library, not an empty folder
    offenders = [
        f"{where}:{line}: {FLAG.findall(text)}"
        for where, line, text in strings
        if FLAG.search(text)
    ]
    assert offenders == []


def test_every_library_word_of_the_table_is_used_and_every_flag_exists() -> None:
    text = "\n".join(value for _, _, value in _library_strings())
    for words in CLI_WORDS:
        assert words in text, f"{words}: no library message says it (a stale entry)"
    options: set[str] = set()
    commands: list[click.Command] = [cli]
    while commands:
        command = commands.pop()
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None, name
                commands.append(sub)
        options.update(
            opt for param in command.params for opt in (*param.opts, *param.secondary_opts)
        )
    for flag in CLI_WORDS.values():
        assert flag.split()[0] in options, f"{flag}: no command has this option"


def test_cli_words_turn_the_library_words_into_flags() -> None:
    assert cli_words("check the source pages, or allow it with allow_shrink=True") == (
        "check the source pages, or allow it with --allow-shrink"
    )
    assert cli_words("cache=FILE (WIKISYNC_CACHE) or read without it: use_cache=False") == (
        "--cache FILE (WIKISYNC_CACHE) or read without it: --no-cache"
    )
    # Only the words themselves: a longer name or a value on a page is left alone.
    for text in ("my_force=True", "page.force=True", "force=Truest", "force = true"):
        assert cli_words(text) == text
    report = {
        "title": "force=True",
        "jobs": [{"message": "or replace it with force=True", "page": "create=True"}],
        "error": "pass create=True",
    }
    assert report_in_cli_words(report) == {
        "title": "force=True",
        "jobs": [{"message": "or replace it with --force", "page": "create=True"}],
        "error": "pass --create",
    }


def test_refusals_name_the_argument_that_lifts_them() -> None:
    with pytest.raises(ShrinkError) as shrink:
        check_shrink(10, 2, 0.5, title="Evénements", name="events")
    assert shrink.value.needs == "allow_shrink" and "allow_shrink=True" in str(shrink.value)
    section = find_section(
        "<!-- wikisync:begin events -->\n* à la main\n<!-- wikisync:end events -->", "events"
    )
    assert section is not None
    with pytest.raises(HandEditError) as hand:
        check_hand_edit(section, title="Evénements")
    assert hand.value.needs == "force" and "force=True" in str(hand.value)
    assert MissingPageError("Catalogue").needs is None
    assert WikisyncError("x").needs is None


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("WIKISYNC_CONFIG", raising=False)
    monkeypatch.delenv("WIKISYNC_SITE", raising=False)
    make_example(tmp_path / "example")
    return tmp_path / "example" / "wikisync.toml"


def test_the_command_line_names_its_flag_where_the_library_names_an_argument(
    example: Path,
) -> None:
    page = example.parent / "mirror" / "_main" / "Evénements.wiki"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("<!-- wikisync:end events", "* ajouté à la main\n<!-- wikisync:end events"),
        encoding="utf-8",
    )
    report = example.parent / "report.json"
    result = CliRunner().invoke(
        cli, ["-c", str(example), "rebuild", "events", "--report", str(report)]
    )
    assert result.exit_code == 3, result.output
    assert "edited by hand" in result.output
    assert "or overwrite them with --force" in result.output
    assert "force=True" not in result.output
    # The JSON run report the command line writes says it in the same words.
    [job] = json.loads(report.read_text(encoding="utf-8"))["jobs"]
    assert job["status"] == "refused"
    assert "edited by hand" in job["message"] and job["message"].endswith("with --force")
    forced = CliRunner().invoke(cli, ["-c", str(example), "rebuild", "events", "--force"])
    assert forced.exit_code == 0, forced.output
