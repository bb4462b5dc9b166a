"""Jobs, the run lock and the index commands, on a copy of the bundled example mirror."""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.make_example import make_example
from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.errors import ConfigError, LockError
from wikisync.jobs import (
    Job,
    JobReport,
    RunReport,
    config_jobs,
    load_jobs,
    plan_jobs,
    rebuild_jobs,
    select_jobs,
)
from wikisync.lock import RunLock, default_lock_path, read_holder
from wikisync.presets import load_preset
from wikisync.publish import MirrorTarget, read_page
from wikisync.sections import find_section
from wikisync.sources import open_source
from wikisync.sources.mirror_layout import INDEX_FILE

TODAY = "2025-01-06"
PRESET_JOBS = tomllib.loads(load_preset("fabmob"))["jobs"]


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("WIKISYNC_CONFIG", raising=False)
    monkeypatch.delenv("WIKISYNC_SITE", raising=False)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of the bundled example; returns its wikisync.toml."""
    make_example(tmp_path / "example")
    return tmp_path / "example" / "wikisync.toml"


def _cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-c", str(config), *args])


def _page_file(config: Path, title: str) -> Path:
    source = open_source(load_config(config))
    return MirrorTarget(source).file_of(title)


# -- configuration ------------------------------------------------------------------


def test_load_jobs_preset_has_the_three_index_jobs() -> None:
    jobs = load_jobs(PRESET_JOBS)
    assert list(jobs) == ["events", "actors", "communs"]
    events = jobs["events"]
    assert (events.type, events.page, events.page_template, events.marker) == (
        "event",
        "Evénements",
        "events.wiki.j2",
        "events",
    )
    assert events.max_shrink == 0.5 and not events.create and events.summary
    assert jobs["actors"].page == "Acteurs" and jobs["communs"].page == "Communs"


def test_load_jobs_resolves_template_file_beside_config(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "agenda.wiki.j2").write_text("{{ titre }}\n", encoding="utf-8")
    table = {
        "type": "event",
        "page": "Agenda",
        "page_template": "templates/agenda.wiki.j2",
        "marker": "agenda.v2",
        "max_shrink": 1,
        "create": True,
        "variables": {"titre": "Agenda"},
    }
    job = load_jobs({"agenda": table}, base_dir=tmp_path)["agenda"]
    assert job.page_template == "agenda.wiki.j2"
    assert job.template_dirs == (str(tmp_path / "templates"),)
    assert job.marker == "agenda.v2" and job.max_shrink == 1.0 and job.create
    assert job.variables == {"titre": "Agenda"}


BASE = {"type": "event", "page": "Evénements", "page_template": "events"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": None}, "'type' is required"),
        ({"page": ""}, "'page' should be a non-empty string"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"max_shrink": 1.5}, "'max_shrink' should be a number from 0 to 1"),
        ({"max_shrink": True}, "'max_shrink'"),
        ({"marker": "deux mots"}, "marker 'deux mots'"),
        ({"create": "oui"}, "'create' should be true or false"),
        ({"variables": ["x"]}, "'variables' should be a table"),
        ({"variables": {"today": 1}}, "may not redefine today"),
        ({"summary": 3}, "'summary' should be a string"),
        ({"description": 3}, "'description' should be a string"),
    ],
)
def test_load_jobs_rejects_bad_tables(change: dict[str, Any], message: str) -> None:
    table = {key: value for key, value in {**BASE, **change}.items() if value is not None}
    with pytest.raises(ConfigError, match=message) as info:
        load_jobs({"events": table})
    assert info.value.key is not None and info.value.key.startswith("jobs")


def test_load_jobs_rejects_non_table() -> None:
    with pytest.raises(ConfigError, match=r"\[jobs.events\]: should be a table"):
        load_jobs({"events": "Evénements"})


def test_select_jobs_by_name_all_or_error() -> None:
    jobs = load_jobs(PRESET_JOBS)
    assert [job.name for job in select_jobs(jobs)] == ["events", "actors", "communs"]
    assert [job.name for job in select_jobs(jobs, ["communs", "events", "communs"])] == [
        "communs",
        "events",
    ]
    with pytest.raises(ConfigError, match="unknown job 'agenda'"):
        select_jobs(jobs, ["agenda"])
    with pytest.raises(ConfigError, match="no jobs configured"):
        select_jobs({}, [])


# -- the library on the example mirror ----------------------------------------------


def test_rebuild_jobs_on_mirror_then_nothing_to_do(example: Path) -> None:
    config = load_config(example)
    source = open_source(config)
    index = (source.path / INDEX_FILE).read_bytes()  # type: ignore[attr-defined]
    seen: list[JobReport] = []
    report = rebuild_jobs(
        config, source, MirrorTarget(source), today=dt.date(2025, 1, 6), on_job=seen.append
    )
    assert [job.status for job in report.jobs] == ["edited", "edited", "edited"]
    assert seen == report.jobs and report.exit_code == 0 and report.changed
    events = report.jobs[0]
    assert events.records == 14 and events.pages_read == 16 and len(events.problems) == 4
    assert events.added > 10 and events.removed == 5 and events.attempts == 1
    assert (source.path / INDEX_FILE).read_bytes() == index  # local edits: metadata kept
    page = read_page(source, "Evénements")
    assert page is not None and find_section(page.wikitext, "events").count == 14
    again = rebuild_jobs(config, source, MirrorTarget(source), today=dt.date(2025, 1, 6))
    assert [job.status for job in again.jobs] == ["unchanged"] * 3
    assert not again.changed and again.exit_code == 0


def test_plan_jobs_changeset_holds_changed_pages(example: Path) -> None:
    config = load_config(example)
    source = open_source(config)
    changeset, report = plan_jobs(config, source, names=["events"], today=dt.date(2025, 1, 6))
    assert [edit.title for edit in changeset.edits] == ["Evénements"]
    assert changeset.labels == {"Evénements": "events"}
    assert report.jobs[0].status == "planned" and report.exit_code == 0


def test_rebuild_jobs_unknown_record_type_fails_before_work(example: Path) -> None:
    config = load_config(example)
    jobs = {**config.jobs, "agenda": {**BASE, "type": "rendezvous"}}
    with pytest.raises(ConfigError, match="unknown record type 'rendezvous'"):
        rebuild_jobs(config.with_overrides(jobs=jobs), open_source(config), None, dry_run=True)


def test_rebuild_jobs_bad_template_fails_one_job(example: Path) -> None:
    config = load_config(example)
    jobs = {"broken": {**BASE, "page_template": "absent"}, "events": config.jobs["events"]}
    report = rebuild_jobs(config.with_overrides(jobs=jobs), open_source(config), None, dry_run=True)
    assert [job.status for job in report.jobs] == ["failed", "planned"]
    assert "absent.wiki.j2" in report.jobs[0].message
    assert report.exit_code == 1


def test_config_jobs_uses_template_beside_config_with_variables(example: Path) -> None:
    folder = example.parent
    (folder / "liste.wiki.j2").write_text(
        "{{ intro }}\n{% for r in records|sort_fr('title') %}* {{ r.title|wikilink }}\n"
        "{% endfor %}",
        encoding="utf-8",
    )
    text = example.read_text(encoding="utf-8")
    example.write_text(
        text + '\n[jobs.liste]\ntype = "commun"\npage = "Liste"\npage_template = "liste.wiki.j2"\n'
        'create = true\nvariables = { intro = "Tous les [[communs]]" }\n',
        encoding="utf-8",
    )
    config = load_config(example)
    assert config_jobs(config)["liste"].template_dirs == (str(folder),)
    source = open_source(config)
    report = rebuild_jobs(config, source, MirrorTarget(source), names=["liste"])
    assert report.jobs[0].status == "created"
    page = read_page(source, "Liste")
    assert page is not None and page.revid == 0
    body = find_section(page.wikitext, "liste").body
    assert body.startswith("Tous les &#91;&#91;communs&#93;&#93;\n* [[")


def test_run_report_exit_codes() -> None:
    def run(*statuses: str) -> int:
        report = RunReport("site", "now", TODAY)
        report.jobs = [JobReport(f"j{n}", "P", status) for n, status in enumerate(statuses)]
        return report.exit_code

    assert run() == 0
    assert run("unchanged", "edited", "created", "planned") == 0
    assert run("edited", "refused") == 3
    assert run("conflict") == 3
    assert run("refused", "failed") == 1


def test_job_defaults() -> None:
    job = Job("x", "event", "P", "events.wiki.j2")
    assert job.variables == {} and job.summary is None


# -- the run lock -------------------------------------------------------------------


def test_run_lock_second_holder_is_told_who(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "site.lock"
    with RunLock(path, command="rebuild"):
        holder = read_holder(path.with_name("site.lock.json"))
        assert holder is not None and holder.pid == os.getpid() and holder.command == "rebuild"
        with pytest.raises(LockError, match=f"pid {os.getpid()} on host .* since .*rebuild"):
            RunLock(path).acquire()
    assert not path.with_name("site.lock.json").exists()
    with RunLock(path) as again:
        assert again.is_locked


def test_run_lock_without_sidecar_says_unknown(tmp_path: Path) -> None:
    path = tmp_path / "site.lock"
    first = RunLock(path)
    first.acquire()
    path.with_name("site.lock.json").unlink()
    try:
        with pytest.raises(LockError, match="holder unknown"):
            RunLock(path).acquire()
    finally:
        first.release()


def test_read_holder_of_bad_file_is_none(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{", encoding="utf-8")
    assert read_holder(bad) is None
    assert read_holder(tmp_path / "absent.json") is None


def test_default_lock_path_per_site_in_state_dir(tmp_path: Path) -> None:
    a = default_lock_path("https://wiki.example.org/")
    b = default_lock_path("https://autre.example.org/")
    assert a != b and a == default_lock_path("https://wiki.example.org/")
    assert a.is_relative_to(tmp_path / "state") and a.name.endswith(".lock")
    assert default_lock_path("mirror") == default_lock_path(str(Path("mirror").resolve()))


# -- the commands -------------------------------------------------------------------


def test_cli_render_prints_the_body(example: Path) -> None:
    result = _cli(example, "render", "events", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "== Événements à venir ==" in result.output
    assert "4 problem(s) in event pages" in result.output
    assert "wikisync:begin" not in result.output


def test_cli_render_to_file(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.wiki"
    result = _cli(example, "-q", "render", "communs", "-o", str(out))
    assert result.exit_code == 0 and result.output == ""
    assert out.read_text(encoding="utf-8").startswith('{| class="wikitable sortable"')


def test_cli_rebuild_quick_start_changes_then_is_silent(example: Path, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    first = _cli(example, "rebuild", "--report", str(report_path))
    assert first.exit_code == 0, first.output
    assert 'events: page "Evénements" updated in the mirror' in first.output
    assert "wikisync push" not in first.output  # the example mirror has no wiki
    assert "no wiki to push to" in first.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["exit_code"] == 0 and report["requests"] is None
    assert [job["status"] for job in report["jobs"]] == ["edited"] * 3
    assert set(report["jobs"][0]) >= {"pages_read", "records", "problems", "diff", "seconds"}
    second = _cli(example, "rebuild")
    assert second.exit_code == 0 and second.output == ""
    verbose = _cli(example, "-v", "rebuild", "events")
    assert 'page "Evénements" unchanged (14 records from 16 pages, 4 problems)' in verbose.output
    assert "no {{Event}} infobox" in verbose.output


def test_cli_rebuild_dry_run_prints_diff_writes_nothing(example: Path) -> None:
    page = _page_file(example, "Evénements")
    before = page.read_bytes()
    result = _cli(example, "rebuild", "events", "--dry-run", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "--- a/Evénements" in result.output and "-* [[Rencontre disparue 2017]]" in result.output
    assert 'page "Evénements" would change' in result.output
    assert page.read_bytes() == before


def test_cli_rebuild_hand_edit_is_refused_exit_3(example: Path) -> None:
    page = _page_file(example, "Communs")
    page.write_text(page.read_text(encoding="utf-8").replace("construction", "travaux"), "utf-8")
    before = page.read_bytes()
    result = _cli(example, "rebuild", "communs")
    assert result.exit_code == 3
    assert "edited by hand" in result.output
    assert page.read_bytes() == before
    assert _cli(example, "rebuild", "communs", "--force").exit_code == 0
    assert page.read_bytes() != before


def test_cli_rebuild_unknown_job_exits_2(example: Path) -> None:
    result = _cli(example, "rebuild", "agenda")
    assert result.exit_code == 2
    assert "unknown job 'agenda'" in result.output


def test_cli_rebuild_locked_exits_4(example: Path) -> None:
    config = load_config(example)
    with RunLock(default_lock_path(config.site), command="rebuild"):
        result = _cli(example, "rebuild")
    assert result.exit_code == 4
    assert f"pid {os.getpid()}" in result.output


def test_cli_rebuild_dump_site_exits_2(example: Path) -> None:
    dump = Path(__file__).parent.parent / "fixtures" / "dumps" / "fabmob-export-0.11.xml"
    result = _cli(example, "--site", str(dump), "rebuild", "events")
    assert result.exit_code == 2
    assert "XML dump" in result.output


def test_cli_plan_then_apply_on_mirror(example: Path, tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    planned = _cli(example, "plan", "-o", str(plan_path), "--today", TODAY)
    assert planned.exit_code == 0, planned.output
    assert "3 page(s) to change" in planned.output
    page = _page_file(example, "Evénements")
    untouched = page.read_bytes()
    checked = _cli(example, "apply", "--dry-run", str(plan_path))
    assert checked.exit_code == 0 and "would change" in checked.output
    assert page.read_bytes() == untouched
    applied = _cli(example, "apply", str(plan_path))
    assert applied.exit_code == 0, applied.output
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    assert page.read_text(encoding="utf-8") == data["pages"][0]["new_text"] + "\n"
    assert _cli(example, "rebuild", "--today", TODAY).output == ""


def test_cli_apply_skips_page_changed_since_plan(example: Path, tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    assert _cli(example, "plan", "events", "actors", "-o", str(plan_path)).exit_code == 0
    page = _page_file(example, "Evénements")
    page.write_text("Réécrite entre-temps.\n", encoding="utf-8")
    result = _cli(example, "apply", str(plan_path))
    assert result.exit_code == 3
    assert 'page "Evénements" conflict' in result.output
    assert page.read_text(encoding="utf-8") == "Réécrite entre-temps.\n"
    assert 'page "Acteurs" edited' in result.output


def test_cli_plan_refused_page_exits_3(example: Path, tmp_path: Path) -> None:
    page = _page_file(example, "Evénements")
    page.write_text(page.read_text(encoding="utf-8").replace("<!-- wikisync:end events -->", ""))
    plan_path = tmp_path / "plan.json"
    result = _cli(example, "plan", "-o", str(plan_path))
    assert result.exit_code == 3
    assert "no <!-- wikisync:end events -->" in result.output
    titles = [p["title"] for p in json.loads(plan_path.read_text(encoding="utf-8"))["pages"]]
    assert titles == ["Acteurs", "Communs"]


def test_cli_rebuild_create_missing_page(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    example.write_text(text.replace('page = "Communs"', 'page = "Catalogue"'), encoding="utf-8")
    refused = _cli(example, "rebuild", "communs")
    assert refused.exit_code == 3 and "does not exist" in refused.output
    created = _cli(example, "rebuild", "communs", "--create")
    assert created.exit_code == 0, created.output
    assert 'page "Catalogue" created in the mirror' in created.output


def test_rebuild_respells_hand_typed_markers_of_an_unchanged_list(example: Path) -> None:
    # The no-change shortcut must agree with replace_section: same body, but
    # markers spelt by hand, is still an edit (to wikisync's spelling).
    config = load_config(example)
    source = open_source(config)
    rebuild_jobs(config, source, MirrorTarget(source), names=["communs"])
    page = _page_file(example, "Communs")
    text = page.read_text(encoding="utf-8")
    begin = text[text.index("<!-- wikisync:begin") : text.index("-->") + 3]
    odd = begin.replace("<!-- wikisync:begin", "<!--wikisync : begin").replace(" -->", "-->")
    page.write_text(text.replace(begin, odd), encoding="utf-8")
    report = rebuild_jobs(config, source, MirrorTarget(source), names=["communs"])
    assert report.jobs[0].status == "edited"
    assert page.read_text(encoding="utf-8") == text


def test_cli_rebuild_dry_run_runs_beside_a_locked_run(example: Path) -> None:
    config = load_config(example)
    with RunLock(default_lock_path(config.site), command="rebuild"):
        result = _cli(example, "rebuild", "events", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would change" in result.output
