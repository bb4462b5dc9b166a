"""The ``[watch]`` settings: defaults, file, environment, and one clear line per bad value."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.core.errors import ConfigError
from wikisync.ops.watch import WatchSettings, watch_settings


@pytest.fixture(autouse=True)
def _no_local_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ./wikisync.toml or WIKISYNC_* setting of the caller's is read."""
    monkeypatch.chdir(tmp_path)
    for name in ("WIKISYNC_CONFIG", "WIKISYNC_WATCH_INTERVAL", "WIKISYNC_SITE"):
        monkeypatch.delenv(name, raising=False)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "wikisync.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_watch_settings_defaults_file_environment_and_flag(tmp_path: Path) -> None:
    assert watch_settings(load_config(None, environ={})) == WatchSettings(60.0, 60.0, 3600.0, "")
    path = _write(tmp_path, '[watch]\ninterval = 30\nstop_page = " Utilisateur:Bot/stop "\n')
    config = load_config(path, environ={"WIKISYNC_WATCH_MIN_INTERVAL": "5"})
    assert watch_settings(config) == WatchSettings(30.0, 5.0, 3600.0, "Utilisateur:Bot/stop")
    assert watch_settings(config, interval=2).interval == 2.0
    from_env = load_config(path, environ={"WIKISYNC_WATCH_INTERVAL": "7"})
    assert watch_settings(from_env).interval == 7.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[watch]\ninterval = 0\n", "watch.interval: should be a number of seconds from 1"),
        ("[watch]\ninterval = nan\n", "watch.interval: should be a number of seconds"),
        ("[watch]\nmin_interval = -1\n", "watch.min_interval: should be a number of seconds"),
        ('[watch]\nreconcile = "1h"\n', "watch.reconcile: should be a number of seconds"),
        ("[watch]\nreconcile = true\n", "watch.reconcile: should be a number of seconds"),
        ("[watch]\nstop_page = 3\n", "watch.stop_page: should be text"),
        ("[watch]\nintervale = 3\n", 'watch.intervale: unknown key; did you mean "interval"'),
        ("watch = 3\n", "watch: should be a table"),
    ],
)
def test_watch_settings_bad_value_names_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WIKISYNC_WATCH_INTERVAL", "soon", "WIKISYNC_WATCH_INTERVAL should be a number"),
        ("WIKISYNC_WATCH_RECONCILE", "-3", "WIKISYNC_WATCH_RECONCILE: should be a number of"),
    ],
)
def test_watch_settings_bad_variable_names_it(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, environ={name: value})


def test_watch_bad_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "[watch]\ninterval = -5\n")
    result = CliRunner().invoke(cli, ["-c", str(path), "watch", "--once"])
    assert result.exit_code == 2
    assert "watch.interval" in result.output
    assert "Traceback" not in result.output
    flag = CliRunner().invoke(cli, ["watch", "--interval", "0", "--once"])
    assert flag.exit_code == 2
    assert "--interval" in flag.output
