"""Configuration precedence and validation (pure: files in tmp_path, explicit environ)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikisync.config import Config, load_config
from wikisync.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "wikisync.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_config_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config == Config()


def test_load_config_flags_beat_env_beat_file(tmp_path: Path) -> None:
    path = _write(tmp_path, 'site = "https://file.example/"\nuser = "FileBot@a"\ntimeout = 7\n')
    env = {"WIKISYNC_SITE": "https://env.example/", "WIKISYNC_TIMEOUT": "9.5"}
    config = load_config(
        path, overrides={"site": "https://flag.example/", "user": None}, environ=env
    )
    assert config.site == "https://flag.example/"
    assert config.user == "FileBot@a"
    assert config.timeout == 9.5


def test_load_config_relative_site_resolves_against_file(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    path = _write(tmp_path, 'site = "mirror"\n')
    assert load_config(path, environ={}).site == str(tmp_path / "mirror")


def test_load_config_password_only_from_env(tmp_path: Path) -> None:
    path = _write(tmp_path, 'user = "Bot@a"\n')
    config = load_config(path, environ={"WIKISYNC_PASSWORD": "s3cret"})
    assert config.password == "s3cret"
    assert "s3cret" not in repr(config)


def test_load_config_refuses_password_in_file(tmp_path: Path) -> None:
    path = _write(tmp_path, 'password = "s3cret"\n')
    with pytest.raises(ConfigError, match="WIKISYNC_PASSWORD") as info:
        load_config(path, environ={})
    assert "s3cret" not in str(info.value)
    assert info.value.key == "password"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('sitee = "x"\n', "sitee", "unknown key 'sitee'"),
        ('timeout = "soon"\n', "timeout", "'timeout' should be a number, got 'soon'"),
        ("retries = 1.5\n", "retries", "'retries' should be a whole number"),
        ("use_cache = 1\n", "use_cache", "'use_cache' should be true or false"),
        ('types = "event"\n', "types", "[types] should be a table"),
    ],
)
def test_load_config_bad_key_names_it(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    assert info.value.key == key
    assert expected in str(info.value)
    assert str(path) in str(info.value)
    assert info.value.exit_code == 2


def test_load_config_bad_env_value_names_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="WIKISYNC_RETRIES should be a whole number, got 'x'"):
        load_config(environ={"WIKISYNC_RETRIES": "x"})


def test_load_config_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as info:
        load_config(tmp_path / "nope.toml", environ={})
    assert info.value.key == str(tmp_path / "nope.toml")


def test_load_config_invalid_toml_names_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "site = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, environ={})


def test_load_config_keeps_tables_raw(tmp_path: Path) -> None:
    path = _write(
        tmp_path, '[types.event]\ncategories = ["Evénement"]\n[jobs.events]\ntype = "event"\n'
    )
    config = load_config(path, environ={})
    assert config.types == {"event": {"categories": ["Evénement"]}}
    assert config.jobs == {"events": {"type": "event"}}
