"""Every configuration error names the file and the key path.

One walk over a valid configuration that uses every key: each key in turn
gets a value of the wrong kind, each table an unknown key, each name a
misspelling; loading and validating the result (as the commands do) must
fail with a ConfigError whose message begins with the file and names the key.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.config import load_config, toml_key
from wikisync.core.errors import ConfigError
from wikisync.core.schema import load_record_types
from wikisync.ops.jobs.config import config_jobs

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fabmob" / "wikisync.toml"

#: Keys the example leaves out, so that the walk covers them too.
EXTRA_SCALARS: dict[str, Any] = {
    "user": "WikiBot@sync",
    "contact": "admin@example.org",
    "timeout": 30,
    "retries": 5,
    "max_wait": 120,
    "maxlag": 5,
    "max_text_mib": 8,
    "cache": "cache.sqlite",
    "use_cache": True,
    "summary": "wikisync",
    "lang": "fr",
    "lock_dir": "locks",
}
EXTRA_FIELDS: dict[str, Any] = {
    "status": {
        "type": "enum",
        "values": ["prévu", "annulé"],
        "default": "prévu",
        "description": "Statut",
        "required": False,
        "params": ["statut", "status"],
    },
    "day": {"type": "date", "century": 2000, "end": "endDate"},
    "keywords": {"type": "list", "separators": ["/"]},
}
#: Free-form tables: any key, any value (page template variables).
FREE_FORM = ("variables",)


def _base() -> dict[str, Any]:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(EXTRA_SCALARS)
    event = data["types"]["event"]
    event["fields"].update(EXTRA_FIELDS)
    event["date_templates"] = {"Date": {"year": "3", "month": "2", "day": "1"}}
    event["wrapper_templates"] = {"Nobr": "1"}
    data["jobs"]["events"].update(
        marker="events", max_shrink=0.5, create=False, variables={"titre": "Agenda"}
    )
    data["jobs"]["agenda"] = {"type": "event", "file": "agenda.ics", "format": "ics"}
    return data


def _toml(data: dict[str, Any]) -> str:
    lines: list[str] = []

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, str):
            return json.dumps(item, ensure_ascii=False)
        if isinstance(item, int | float):
            return repr(item)
        if isinstance(item, list):
            return "[" + ", ".join(value(x) for x in item) + "]"
        return "{" + ", ".join(f"{toml_key(k)} = {value(v)}" for k, v in item.items()) + "}"

    def table(path: list[str], items: dict[str, Any]) -> None:
        if path:
            lines.append("[" + ".".join(toml_key(p) for p in path) + "]")
        for key, item in items.items():
            if not isinstance(item, dict) or key in FREE_FORM:
                lines.append(f"{toml_key(key)} = {value(item)}")
        for key, item in items.items():
            if isinstance(item, dict) and key not in FREE_FORM:
                table([*path, key], item)

    table([], data)
    return "\n".join(lines) + "\n"


def _keys(items: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, item in items.items():
        yield (*path, key)
        if isinstance(item, dict) and key not in FREE_FORM:
            yield from _keys(item, (*path, key))


def _tables(items: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for key, item in items.items():
        if isinstance(item, dict) and key not in FREE_FORM:
            yield from _tables(item, (*path, key))


def _set(data: dict[str, Any], path: tuple[str, ...], item: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = item
    return copy


def _mutations() -> Iterator[Any]:
    base = _base()
    for path in _keys(base):
        # A value of the wrong kind: no key takes a list of numbers.
        yield pytest.param(_set(base, path, [1]), path, id="wrong:" + ".".join(path))
    for path in _tables(base):
        yield pytest.param(
            _set(base, (*path, "bogus"), 1),
            (*path, "bogus"),
            id="unknown:" + ".".join((*path, "bogus")),
        )
    for job in base["jobs"]:
        path = ("jobs", job, "type")
        yield pytest.param(_set(base, path, "evnts"), path, id=f"name:jobs.{job}.type")
    for field, spec in base["types"]["event"]["fields"].items():
        path = ("types", "event", "fields", field) + (("type",) if isinstance(spec, dict) else ())
        yield pytest.param(_set(base, path, "dat"), path, id="name:" + ".".join(path))


def _validate(path: Path) -> None:
    # What the commands do: load the file, then build the types and the jobs.
    config = load_config(path, environ={})
    load_record_types(config.types)
    config_jobs(config)


def test_walk_base_configuration_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "wikisync.toml"
    path.write_text(_toml(_base()), encoding="utf-8")
    _validate(path)
    keys = {".".join(key) for key in _keys(_base())}
    assert {"timeout", "types.event.fields.status.values", "jobs.agenda.format"} <= keys


@pytest.mark.parametrize(("data", "key"), list(_mutations()))
def test_config_error_names_the_file_and_the_key_path(
    tmp_path: Path, data: dict[str, Any], key: tuple[str, ...]
) -> None:
    path = tmp_path / "wikisync.toml"
    path.write_text(_toml(data), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        _validate(path)
    message = str(info.value)
    key_path = ".".join(toml_key(part) for part in key)
    assert message.startswith(f"{path}: "), message
    assert f" {key_path}:" in message or f" {key_path}." in message, message
    assert info.value.file == str(path)
    assert "\n" not in message


def test_cli_job_with_a_misspelt_type_names_the_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _base()
    data["jobs"]["events"]["type"] = "evnts"
    (tmp_path / "wikisync.toml").write_text(_toml(data), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["-c", "wikisync.toml", "rebuild", "--dry-run"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        'wikisync: error: wikisync.toml: jobs.events.type: no type "evnts"; did you mean '
        '"event"? (types: event, actor, commun, project, community)'
    ]
