"""Configuration precedence and validation (pure: files in tmp_path, explicit environ)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wikisync.cli.outcomes import error_exit_code
from wikisync.config import Config, load_config
from wikisync.core.errors import ConfigError
from wikisync.core.schema import load_record_types
from wikisync.ops.jobs.run import load_jobs


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
        ('sitee = "x"\n', "sitee", 'sitee: unknown key; did you mean "site"?'),
        ('timeout = "soon"\n', "timeout", "timeout: should be a number, got 'soon'"),
        ("retries = 1.5\n", "retries", "retries: should be a whole number"),
        ("use_cache = 1\n", "use_cache", "use_cache: should be true or false"),
        ('types = "event"\n', "types", "types: should be a table"),
    ],
)
def test_load_config_bad_key_names_it(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    assert info.value.key == key
    assert expected in str(info.value)
    assert str(path) in str(info.value)
    assert error_exit_code(info.value) == 2


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


# -- hostile files and numbers ---------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'site = "x"\n\x00\x01\x02', "holds a NUL byte at offset 11"),
        (b'site = "\xff\xfe"\n', "not UTF-8 text (byte 8 is 0xff)"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "NUL byte"),
        (b"\xff\xfes\x00i\x00t\x00e\x00", "NUL byte"),
        (b"[types.event\nx=1", "not valid TOML"),
    ],
)
def test_binary_or_undecodable_file_is_one_line(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "wikisync.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    message = str(info.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message
    assert error_exit_code(info.value) == 2


def test_utf8_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "wikisync.toml"
    path.write_bytes('\ufeffsummary = "été"\n'.encode())
    assert load_config(path, environ={}).summary == "été"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("timeout = inf\n", "timeout"),
        ("timeout = -inf\n", "timeout"),
        ("timeout = nan\n", "timeout"),
        ("timeout = -5\n", "timeout"),
        ("timeout = 0\n", "timeout"),
        ("max_wait = -1.5\n", "max_wait"),
        ("max_wait = nan\n", "max_wait"),
        ("max_wait = 1e300\n", "max_wait"),
        ("retries = -1\n", "retries"),
        ("retries = 99999999999999999\n", "retries"),
        ("maxlag = -5\n", "maxlag"),
        ("maxlag = 9223372036854775807\n", "maxlag"),
        ("max_text_mib = 0\n", "max_text_mib"),
        ("timeout = 99999999999999999999\n", "timeout"),
    ],
)
def test_numbers_out_of_range_are_refused_naming_the_key(
    tmp_path: Path, text: str, key: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    assert info.value.key == key
    assert str(info.value).startswith(f"{path}: {key}: ")


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("WIKISYNC_TIMEOUT", "inf"),
        ("WIKISYNC_TIMEOUT", "nan"),
        ("WIKISYNC_TIMEOUT", "-5"),
        ("WIKISYNC_MAX_WAIT", "1e999"),
        ("WIKISYNC_RETRIES", "-3"),
        ("WIKISYNC_MAXLAG", "²"),
        ("WIKISYNC_MAXLAG", "9" * 5000),
    ],
)
def test_environment_numbers_out_of_range_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, raw: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=variable) as info:
        load_config(environ={variable: raw})
    assert info.value.key == variable.removeprefix("WIKISYNC_").lower()


def test_flag_numbers_out_of_range_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "timeout = 5\n")
    with pytest.raises(ConfigError, match="the command line: timeout: "):
        load_config(path, overrides={"timeout": float("nan")}, environ={})


def test_numbers_in_range_are_kept(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "timeout = 0.5\nretries = 0\nmax_wait = 0\nmaxlag = 0\nmax_text_mib = 64\n"
    )
    config = load_config(path, environ={})
    assert (config.timeout, config.retries, config.max_wait, config.maxlag) == (0.5, 0, 0.0, 0)
    assert config.max_text_mib == 64


# -- fuzz: mutated configuration files -------------------------------------------

_EXAMPLE_TOML = Path(__file__).resolve().parents[2] / "examples" / "fabmob" / "wikisync.toml"


def _load_everything(path: Path) -> None:
    """What a command does with a configuration file: load it, then its types and jobs."""
    config = load_config(path, environ={})
    load_record_types(config.types)
    load_jobs(config.jobs, base_dir=path.parent)


_TOML_VALUES = st.one_of(
    st.sampled_from(
        [
            "inf",
            "-inf",
            "nan",
            "-5",
            "0",
            "1e308",
            "99999999999999999999",
            "true",
            "[]",
            "{}",
            '""',
            '"x"',
            '[1, "a", {}]',
            "{ type = 5 }",
            "{ params = [1] }",
            '{ type = "enum" }',
            '{ type = "enum", values = [] }',
            '{ type = "date", default = [] }',
            '"\\u0000"',
            "1979-05-27T07:32:00Z",
            "[[1]]",
            '{ required = "oui" }',
        ]
    ),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda f: (
            "nan"
            if f != f
            else ("inf" if f == float("inf") else "-inf" if f == float("-inf") else repr(f))
        )
    ),
    st.text(max_size=10).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
)


@st.composite
def _mutated_toml(draw: st.DrawFn) -> bytes:
    lines = _EXAMPLE_TOML.read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "delete", "duplicate", "header", "chars"]))
        line = lines[index]
        if kind == "value" and "=" in line:
            lines[index] = line.split("=", 1)[0] + "= " + draw(_TOML_VALUES)
        elif kind == "delete":
            del lines[index]
            if not lines:
                lines = [""]
        elif kind == "duplicate":
            lines.insert(index, line)
        elif kind == "header":
            lines.insert(
                index,
                draw(
                    st.sampled_from(
                        ["[types.x]", "[jobs.y]", "[types]", "[[jobs]]", "[types.event.fields.z]"]
                    )
                ),
            )
        else:
            start = draw(st.integers(0, len(line)))
            lines[index] = line[:start] + draw(st.text(max_size=5)) + line[start:]
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = draw(st.binary(max_size=8)) + data
    return data


@settings(
    max_examples=int(os.environ.get("WIKISYNC_FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(content=_mutated_toml())
def test_fuzz_mutated_configuration_raises_only_config_errors(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "wikisync.toml"
    path.write_bytes(content)
    try:
        _load_everything(path)
    except ConfigError as exc:
        assert "\n" not in str(exc).strip(), str(exc)


def test_load_config_lock_dir_from_file_env_and_relative_path(tmp_path: Path) -> None:
    path = tmp_path / "wikisync.toml"
    path.write_text('lock_dir = "locks"\n', encoding="utf-8")
    assert load_config(path, environ={}).lock_dir == str(tmp_path / "locks")
    env = {"WIKISYNC_LOCK_DIR": "/srv/wikisync/locks"}
    assert load_config(path, environ=env).lock_dir == "/srv/wikisync/locks"
    path.write_text('user = "WikiBot@sync"\n', encoding="utf-8")
    assert load_config(path, environ={}).lock_dir is None
