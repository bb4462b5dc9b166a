"""Jobs that write a file: no change, no write; a change rewrites; a dry run shows the diff."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any

import icalendar
import pytest
import vobject
from click.testing import CliRunner, Result

from wikisync.cli import cli
from wikisync.cli.outcomes import run_exit_code
from wikisync.config import load_config
from wikisync.core.errors import ConfigError
from wikisync.ops.jobs.run import config_jobs, load_jobs, plan_jobs, rebuild_jobs
from wikisync.ops.jobs.to_file import FileTarget
from wikisync.sources import open_source

TODAY = dt.date(2025, 1, 6)
AGENDA = """
[jobs.agenda]
description = "The events calendar, for the web site"
type = "event"
file = "public/agenda.ics"
"""
EVENT_PAGE = "Atelier de l'été 2027 — rétrofit électrique.wiki"


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("WIKISYNC_CONFIG", raising=False)
    monkeypatch.delenv("WIKISYNC_SITE", raising=False)


@pytest.fixture
def config(example: Path) -> Path:
    """The example's wikisync.toml with the agenda job, and its public folder."""
    path = example / "wikisync.toml"
    path.write_text(path.read_text(encoding="utf-8") + AGENDA, encoding="utf-8")
    (example / "public").mkdir()
    return path


def _vobject(text: str) -> Any:
    """Parse with vobject as a client reading this one file would.

    vobject keeps the first VTIMEZONE it sees for a TZID for the whole
    process; forget it, so that each file is read with its own.
    """
    getattr(vobject.icalendar, "__tzidMap").pop("Europe/Paris", None)
    return vobject.readOne(text)


def _cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-c", str(config), *args])


def _rebuild(config: Path, *names: str, dry_run: bool = False) -> str:
    loaded = load_config(config)
    source = open_source(loaded)
    report = rebuild_jobs(loaded, source, None, names=names, today=TODAY, dry_run=dry_run)
    assert run_exit_code(report.outcomes()) == 0, [job.message for job in report.jobs]
    (job,) = report.jobs
    return job.status


def test_first_run_writes_second_writes_nothing_a_change_rewrites(config: Path) -> None:
    agenda = config.parent / "public" / "agenda.ics"
    assert _rebuild(config, "agenda") == "written"
    first = agenda.read_bytes()
    stat = agenda.stat()
    assert len(icalendar.Calendar.from_ical(first.decode()).walk("VEVENT")) == 13
    assert len(_vobject(first.decode()).vevent_list) == 13

    os.utime(agenda, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))  # an older file
    before = agenda.stat()
    assert _rebuild(config, "agenda") == "unchanged"
    after = agenda.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert agenda.read_bytes() == first

    page = config.parent / "mirror" / "_main" / EVENT_PAGE
    page.write_text(
        page.read_text(encoding="utf-8").replace("2018-01-04", "2018-01-03"), encoding="utf-8"
    )
    assert _rebuild(config, "agenda") == "written"
    assert b"DTSTART;VALUE=DATE:20180103" in agenda.read_bytes()
    assert b"DTSTART;VALUE=DATE:20180104" in first


def test_a_dry_run_prints_the_diff_and_writes_nothing(config: Path) -> None:
    agenda = config.parent / "public" / "agenda.ics"
    result = _cli(config, "rebuild", "agenda", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+BEGIN:VCALENDAR" in result.stdout and "+++ " in result.stdout
    assert f'agenda: file "{agenda}" would change' in result.stderr
    assert not agenda.exists()
    written = _cli(config, "rebuild", "agenda")
    assert written.exit_code == 0, written.output
    assert f'agenda: file "{agenda}" written (+' in written.stderr
    quiet = _cli(config, "rebuild", "agenda")
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""
    planned = _cli(config, "rebuild", "agenda", "--dry-run")
    assert planned.exit_code == 0 and planned.stdout == ""


def test_rebuild_runs_file_jobs_beside_page_jobs_and_plan_leaves_them_out(config: Path) -> None:
    loaded = load_config(config)
    changeset, report = plan_jobs(loaded, open_source(loaded), today=TODAY)
    assert {job.job: job.status for job in report.jobs}["agenda"] == "planned"
    assert all(edit.title != "agenda" for edit in changeset.edits)
    assert not (config.parent / "public" / "agenda.ics").exists()
    result = _cli(config, "-q", "rebuild", "--today", "2025-01-06")
    assert result.exit_code == 0, result.output
    assert (config.parent / "public" / "agenda.ics").exists()
    report_file = config.parent / "report.json"
    again = _cli(config, "rebuild", "--today", "2025-01-06", "--report", str(report_file))
    assert again.exit_code == 0, again.output
    jobs = {job["job"]: job for job in json.loads(report_file.read_text("utf-8"))["jobs"]}
    assert jobs["agenda"]["status"] == "unchanged" and jobs["agenda"]["page"] == ""
    assert jobs["agenda"]["file"] == str(config.parent / "public" / "agenda.ics")
    assert jobs["agenda"]["records"] == 14
    assert any("left out of the calendar" in problem for problem in jobs["agenda"]["problems"])


def test_render_prints_the_file_job_text(config: Path) -> None:
    result = _cli(config, "render", "agenda")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"BEGIN:VCALENDAR\r\n")
    records = _cli(config, "records", "event", "-f", "ics")
    assert records.stdout_bytes == result.stdout_bytes  # the same calendar both ways


def test_other_formats_and_a_page_template(config: Path) -> None:
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[jobs.sheet]\ntype = ["event", "actor"]\nfile = "public/all.jsonl"\n'
        + '\n[jobs.table]\ntype = "event"\nfile = "public/events.txt"\nformat = "csv"\n'
        + '\n[jobs.wiki]\ntype = "event"\nfile = "public/events.wiki"\npage_template = "events"\n',
        encoding="utf-8",
    )
    public = config.parent / "public"
    for name in ("sheet", "table", "wiki"):
        assert _rebuild(config, name) == "written"
        assert _rebuild(config, name) == "unchanged"
    lines = (public / "all.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["type"] for line in lines} == {"event", "actor"}
    rows = list(csv.reader(io.StringIO((public / "events.txt").read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["title", "index", "revid"] and len(rows) == 15
    rendered = _cli(config, "render", "events", "--today", "2025-01-06")
    assert (public / "events.wiki").read_text(encoding="utf-8") == rendered.stdout


def test_a_missing_folder_fails_the_job_with_one_line(config: Path) -> None:
    (config.parent / "public").rmdir()
    result = _cli(config, "rebuild", "agenda")
    assert result.exit_code == 1
    assert 'folder "' in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_a_link_in_place_of_the_file_is_refused(config: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.ics"
    elsewhere.write_bytes(b"keep")
    (config.parent / "public" / "agenda.ics").symlink_to(elsewhere)
    result = _cli(config, "rebuild", "agenda")
    assert result.exit_code == 1 and "symbolic link" in result.stderr
    assert elsewhere.read_bytes() == b"keep"


def test_file_target_writes_only_changed_bytes(tmp_path: Path) -> None:
    target = FileTarget(tmp_path / "a.txt")
    assert target.write(b"one") == ("written", None)
    assert target.write(b"one") == ("unchanged", b"one")
    assert target.write(b"two", dry_run=True) == ("planned", b"one")
    assert (tmp_path / "a.txt").read_bytes() == b"one"
    assert target.write(b"two") == ("written", b"one")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"type": "event", "file": "a.ics", "page": "P"}, "jobs.bad.page: only a job"),
        ({"type": "event", "file": "a.ics", "create": True}, "jobs.bad.create: only a job"),
        ({"type": "event", "file": "a.ics", "format": "pdf"}, "jobs.bad.format: should be one of"),
        ({"type": "event", "file": "a.txt"}, 'say what to write in a.txt: format = "ics"'),
        (
            {"type": "event", "file": "a.ics", "format": "ics", "page_template": "events"},
            "not both",
        ),
        ({"type": ["event", "actor"], "file": "a.ics"}, "one record type"),
        ({"type": "event", "page": "P", "page_template": "events", "format": "ics"}, "file"),
        ({"type": "event", "file": ""}, "jobs.bad.file: should be a non-empty string"),
    ],
)
def test_bad_file_jobs_are_configuration_errors(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_jobs({"bad": table})


def test_file_paths_are_relative_to_the_configuration(config: Path) -> None:
    job = config_jobs(load_config(config))["agenda"]
    assert job.file == str(config.parent / "public" / "agenda.ics")
    assert (job.page, job.format, job.page_template) == ("", "ics", "")
