"""``--log FILE`` / ``log_file`` on the example mirror: lines appended, from the file's
setting too, and a file that cannot be opened is one line and exit 2."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.unit.test_cli_signals import EXAMPLE
from wikisync.cli import cli

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [A-Z]+ wikisync")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "fabmob")
    return tmp_path / "fabmob" / "wikisync.toml"


def test_log_file_setting_is_relative_to_the_configuration(config: Path) -> None:
    config.write_text('log_file = "runs.log"\n' + config.read_text(encoding="utf-8"), "utf-8")
    for _ in range(2):
        result = CliRunner().invoke(
            cli, ["-c", str(config), "set", "event", "place=Lyon", "--dry-run", "-q"]
        )
        assert result.exit_code == 0, result.output
    lines = (config.parent / "runs.log").read_text(encoding="utf-8").splitlines()
    assert lines and all(STAMP.match(line) for line in lines)
    planned = [line for line in lines if ": planned" in line]
    assert planned and len(planned) % 2 == 0  # both runs, appended
    assert result.stderr == ""  # -q: the console says nothing, the file everything


@pytest.mark.parametrize("where", ["{dir}", "{dir}/no/such/folder/run.log"])
def test_log_file_that_cannot_be_opened_is_one_line_and_exit_2(
    config: Path, tmp_path: Path, where: str
) -> None:
    path = where.format(dir=tmp_path)
    result = CliRunner().invoke(cli, ["-c", str(config), "records", "event", "--log", path])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("wikisync: error")]
    assert errors == [errors[0]] and "log_file: cannot append to" in errors[0]
    assert "Traceback" not in result.output
