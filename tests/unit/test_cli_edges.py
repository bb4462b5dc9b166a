"""The same edges in every command, each proved by walking the whole click tree.

- the global options work before or after the command;
- one exit-code rule, the README's table (wikisync/cli/outcomes.py);
- data on stdout, status on stderr, every file written named;
- one CSV dialect for export and records -f csv.
- (see test_cli_signals.py for SIGINT/SIGTERM in every command.)
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import inspect
import io
import json
import pkgutil
import re
import shutil
import signal
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import wikisync
from tests.unit.test_cli_signals import ARGS, EXAMPLE
from wikisync.cli import cli
from wikisync.cli.globals import GLOBAL_OPTIONS_LINE
from wikisync.cli.main import State
from wikisync.cli.outcomes import (
    ERROR_EXIT_CODES,
    OUTCOME_EXIT_CODES,
    SIGNAL_EXIT_CODES,
    error_exit_code,
    run_exit_code,
)
from wikisync.core.errors import WikisyncError
from wikisync.interrupt import NOT_DONE, Interrupted, StopFlag
from wikisync.ports.outcome import Outcome

#: The global options as given after a command, and the State they must leave.
AFTER = [
    *("-c", "{tmp}/fabmob/wikisync.toml"),
    *("--site", "{tmp}/fabmob/mirror"),
    *("--user", "Robot@sync"),
    *("--cache", "{tmp}/revisions.sqlite"),
    "--no-cache",
    *("--log", "{tmp}/run.log"),
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
            "log_file": str(workdir / "run.log"),
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


@pytest.mark.usefixtures("speaks_the_wiki_language")
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
    assert "problèmes dans les pages event" in records.stderr and silent.stderr == ""
    assert silent.stdout == records.stdout


# -- one exit-code rule, the README's table ---------------------------------------------


def _readme_exit_table() -> list[list[str]]:
    readme = (Path(__file__).parents[2] / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    start = readme.index("| code | meaning | page or job outcomes | errors |")
    rows = []
    for line in readme[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _error_classes() -> list[type[WikisyncError]]:
    found: set[type[WikisyncError]] = set()
    for info in pkgutil.walk_packages(wikisync.__path__, "wikisync."):
        if info.name == "wikisync.__main__":
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, WikisyncError) and not cls.__name__.startswith("_"):
                found.add(cls)
    return sorted(found, key=lambda cls: cls.__name__)


def test_the_readme_exit_code_table_is_the_rule_the_cli_uses() -> None:
    rows = _readme_exit_table()
    outcomes: dict[str, int] = {}
    errors: dict[str, int] = {}
    codes: list[int] = []
    for code_cell, _meaning, outcome_cell, error_cell in rows:
        row_codes = [int(code) for code in code_cell.split(",")]
        codes += row_codes
        for word in re.findall(r"`([^`]+)`", outcome_cell):
            outcomes[word] = row_codes[0]
        for word in re.findall(r"`([^`]+)`", error_cell):
            errors[word] = row_codes[0]
    assert codes == [0, 1, 2, 3, 4, *SIGNAL_EXIT_CODES]
    # The table is the code's table, no more, no less: every outcome word, 0 included.
    assert outcomes == {str(outcome): code for outcome, code in OUTCOME_EXIT_CODES.items()}
    assert errors == {cls.__name__: code for cls, code in ERROR_EXIT_CODES.items()}
    # And the one function applies it: each outcome alone, the highest of several.
    for outcome, code in outcomes.items():
        assert run_exit_code([outcome]) == code, outcome
        assert run_exit_code(["unchanged", outcome, "edited"]) == code, outcome
    assert run_exit_code([]) == 0
    assert run_exit_code(["refused", "failed"]) == 1
    stopped = StopFlag(signal.SIGTERM)
    assert run_exit_code(["edited", "not done"], stopped) == 143
    # Every error wikisync defines has its code from the table (its own class or an ancestor).
    for cls in _error_classes():
        error = cls.__new__(cls)
        nearest = next(c for c in cls.__mro__ if c.__name__ in errors)
        assert error_exit_code(error) == errors[nearest.__name__], cls
        # The library's errors carry no exit code of their own (issue 19 item 4).
        assert not hasattr(error, "exit_code"), cls
    interrupted = Interrupted("stopped", signum=signal.SIGINT)
    assert error_exit_code(interrupted) == 130


def test_every_outcome_has_a_decided_exit_code() -> None:
    # A new word in the vocabulary fails here until someone decides its exit code.
    assert set(OUTCOME_EXIT_CODES) == set(Outcome)
    assert set(OUTCOME_EXIT_CODES.values()) == {0, 1, 3}
    # A word that is no outcome is a bug, never a silent success.
    with pytest.raises(ValueError, match="'refuse' is not a valid Outcome"):
        run_exit_code(["edited", "refuse"])
    # A member is its word: reports written as JSON and string comparisons read as before.
    assert Outcome.NOT_DONE == NOT_DONE == "not done"
    assert json.dumps([Outcome.REFUSED]) == '["refused"]'


# -- data on stdout, status on stderr; every file written is named ----------------------

#: Commands whose standard output is their data, with no -o to send it elsewhere.
DATA_ON_STDOUT = frozenset({"pages", "status"})


def _file_options(command: str) -> set[str]:
    return {param.name or "" for param in cli.commands[command].params} & {"output", "report_path"}


def _walk_args(command: str, folder: Path) -> tuple[list[str], list[Path]]:
    """A run of ``command`` on the example in ``folder`` with every output in a file."""
    config = ["-v", "-c", str(folder / "fabmob" / "wikisync.toml")]  # -v: run reports named
    if command == "apply":  # a changeset made by plan, then applied
        plan = folder / "plan.json"
        made = CliRunner().invoke(cli, [*config, "plan", "-o", str(plan)])
        assert made.exit_code == 0, made.output
        own = [str(plan)]
    elif command == "import":  # an exported sheet with one cell changed
        sheet = folder / "sheet.csv"
        made = CliRunner().invoke(cli, [*config, "export", "event", "-o", str(sheet)])
        assert made.exit_code == 0, made.output
        text = sheet.read_text(encoding="utf-8-sig")
        sheet.write_text(text.replace("Visite", "Visite guidée", 1), encoding="utf-8-sig")
        own = ["event", str(sheet)]
    else:
        own = [arg.replace("{tmp}", str(folder)) for arg in ARGS[command]]
    files = [Path(arg) for arg in own if arg.startswith(str(folder)) and not Path(arg).exists()]
    extra: list[str] = []
    if "output" in _file_options(command) and "-o" not in own:
        files.append(folder / f"{command}.out")
        extra += ["-o", str(files[-1])]
    if "report_path" in _file_options(command):
        files.append(folder / f"{command}-report.json")
        extra += ["--report", str(files[-1])]
    return [*config, command, *own, *extra], files


def test_every_command_keeps_data_on_stdout_and_names_each_file_it_writes(
    tmp_path: Path,
) -> None:
    checked = 0
    for command in _commands():
        folder = tmp_path / command
        shutil.copytree(EXAMPLE, folder / "fabmob")
        args, files = _walk_args(command, folder)
        result = CliRunner().invoke(cli, args)
        where = f"wikisync {' '.join(args)}: exit {result.exit_code}\n{result.output}"
        assert "Traceback" not in result.output, where
        if command not in DATA_ON_STDOUT:
            assert result.stdout == "", where  # data went to files: no status on stdout
        for path in files:
            if path.is_file() and result.exit_code in (0, 3):
                assert f"wrote {path}" in result.stderr, where
                checked += 1
    # Every kind of written file was seen: -o files and --report files, both.
    assert checked >= 12, checked


# -- one CSV dialect: export and records -f csv ------------------------------------------


def test_export_and_records_csv_are_one_dialect(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "fabmob")
    config = ["-c", str(tmp_path / "fabmob" / "wikisync.toml")]
    commands = {
        "export": ["export", "event", "-o"],
        "records": ["records", "event", "-f", "csv", "-o"],
    }
    runner = CliRunner()
    keys: dict[str, list[tuple[str, str, str]]] = {}
    for name, args in commands.items():
        path = tmp_path / f"{name}.csv"
        assert runner.invoke(cli, [*config, *args, str(path)]).exit_code == 0
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), name  # a file: a BOM, for spreadsheets
        text = data.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert text.count("\r\n") == len(rows) + 1, name  # each row ends in CRLF
        assert list(rows[0])[:3] == ["title", "index", "revid"], name
        keys[name] = sorted((row["title"], row["index"], row["revid"]) for row in rows)
        # Standard output: no BOM, so a plain csv.DictReader reads the header as is.
        out = runner.invoke(cli, [*config, *args, "-"]).stdout_bytes
        assert not out.startswith(b"\xef\xbb\xbf"), name
        header = next(csv.reader(io.StringIO(out.decode("utf-8"), newline="")))
        assert header[:3] == ["title", "index", "revid"], name
        # --bom / --no-bom choose either way.
        forced = runner.invoke(cli, [*config, *args, "-", "--bom"]).stdout_bytes
        assert forced.startswith(b"\xef\xbb\xbf"), name
        assert runner.invoke(cli, [*config, *args, str(path), "--no-bom"]).exit_code == 0
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf"), name
    # The same infoboxes, named the same way, in both.
    assert keys["export"] == keys["records"] and len(keys["export"]) > 5
