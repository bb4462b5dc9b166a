"""Every command of the command line has a library twin, exported from ``wikisync``.

The twin takes what the other library calls take (a Config, an open Source,
a record type) and gives what the command prints: each is run here on a copy
of the bundled example beside its command, and their answers compared.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import wikisync
from wikisync.cli import cli
from wikisync.cli.outcomes import error_exit_code

#: Command → its library twin(s) in ``wikisync`` (README, "The library").
TWINS: dict[str, tuple[str, ...]] = {
    "init": ("load_preset",),
    "example": ("copy_example", "rebuild_jobs"),
    "pages": ("category_pages",),
    "records": ("collect_records", "format_records", "read_calendar", "read_geojson"),
    "check": ("check_types", "render_quality_html"),
    "render": ("render_job",),
    "rebuild": ("rebuild_jobs",),
    "plan": ("plan_jobs", "write_changeset"),
    "apply": ("read_changeset", "apply_changeset"),
    "set": ("set_fields",),
    "replace": ("compile_replace", "replace_in_pages"),
    "rename-param": ("rename_template_param",),
    "remove-param": ("remove_template_param",),
    "export": ("export_records",),
    "import": ("import_records",),
    "new": ("new_page",),
    "pull": ("pull",),
    "status": ("mirror_status",),
    "push": ("push",),
}


def _run(example: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["-c", str(example / "wikisync.toml"), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_command_has_an_exported_callable_twin() -> None:
    assert set(TWINS) == set(cli.commands), "a command without a library twin (or a stale one)"
    for command, names in TWINS.items():
        for name in names:
            assert name in wikisync.__all__, (command, name)
            assert callable(getattr(wikisync, name)), (command, name)


def test_records_twin_gives_what_the_command_prints(example: Path) -> None:
    config = wikisync.load_config(example / "wikisync.toml")
    event = wikisync.record_type_named(config.types, "event")
    found = wikisync.collect_records(wikisync.open_source(config), event)
    assert found.records
    printed = json.loads(_run(example, "records", "event", "-f", "json"))
    assert json.loads(wikisync.format_records(found.records, "json", event)) == printed
    assert len(printed) == len(found.records)


def test_calendar_twin_gives_what_the_command_prints(example: Path) -> None:
    config = wikisync.load_config(example / "wikisync.toml")
    event = wikisync.record_type_named(config.types, "event")
    calendar, found = wikisync.read_calendar(wikisync.open_source(config), event)
    assert found.records and "BEGIN:VEVENT" in calendar.text
    printed = _run(example, "records", "event", "-f", "ics")
    stamp = "DTSTAMP"  # the time of writing: the one line allowed to differ
    keep = [line for line in calendar.text.splitlines() if not line.startswith(stamp)]
    assert [line for line in printed.splitlines() if not line.startswith(stamp)] == keep


def test_pages_twin_gives_what_the_command_prints(example: Path) -> None:
    source = wikisync.open_source(wikisync.load_config(example / "wikisync.toml"))
    titles = wikisync.category_pages(source, "Evénement")
    assert titles and titles == sorted(titles)
    assert _run(example, "pages", "Evénement").splitlines() == titles
    deep = wikisync.category_pages(source, "Evénement", recursive=True, depth=0)
    assert deep == titles  # depth 0: no subcategory


def test_pages_twin_refuses_a_missing_category_with_close_names(example: Path) -> None:
    source = wikisync.open_source(str(example / "mirror"))
    with pytest.raises(wikisync.WikisyncError) as caught:
        wikisync.category_pages(source, "Evénemnt")
    assert error_exit_code(caught.value) == 2
    assert "Evénement" in str(caught.value)


def test_check_twin_counts_what_the_command_prints(example: Path) -> None:
    config = wikisync.load_config(example / "wikisync.toml")
    report = wikisync.check_types(config, wikisync.open_source(config), ["event"])
    problems = [problem.to_dict() for item in report.types for problem in item.problems]
    assert problems, "the example's events hold deliberate problems"
    assert json.loads(_run(example, "check", "event", "-f", "json")) == problems


def test_sync_twins_refuse_a_source_that_is_no_wiki(example: Path) -> None:
    source = wikisync.open_source(str(example / "mirror"))
    calls = [
        lambda: wikisync.pull(source, example / "copy"),
        lambda: wikisync.mirror_status(source, example / "mirror"),
        lambda: wikisync.push(source, example / "mirror", summary="x"),
    ]
    for call in calls:
        with pytest.raises(wikisync.ConfigError, match="not a live wiki"):
            call()
    assert not (example / "copy").exists()


def test_sync_twins_with_a_config_naming_no_wiki_say_so(tmp_path: Path) -> None:
    config = wikisync.Config(site="", use_cache=False)
    with pytest.raises(wikisync.ConfigError, match="no wiki to sync"):
        wikisync.pull(config, tmp_path / "mirror")
    assert not (tmp_path / "mirror").exists()
