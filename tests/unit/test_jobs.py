"""Jobs, the run lock and the index commands, on a copy of the bundled example mirror."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.make_example import make_example
from wikisync.cli import cli
from wikisync.cli.outcomes import run_exit_code
from wikisync.config import load_config
from wikisync.core.errors import ConfigError, LockError
from wikisync.core.pages import PageText
from wikisync.core.sections import find_section
from wikisync.interrupt import stop_on_signals
from wikisync.mirror.layout import INDEX_FILE
from wikisync.mirror.target import MirrorTarget
from wikisync.ops.jobs.report import JobReport, RunReport
from wikisync.ops.jobs.run import (
    Job,
    config_jobs,
    load_jobs,
    plan_jobs,
    rebuild_jobs,
    select_jobs,
)
from wikisync.ops.lock import RunLock, default_lock_path, lock_key, read_holder
from wikisync.ops.publish import Edit, read_page
from wikisync.ports.target import Target
from wikisync.presets import load_preset
from wikisync.sources import open_source
from wikisync.wiki.writer import SaveResult

TODAY = "2025-01-06"
PAGE = "Evénements"
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
        ({"type": None}, "jobs.events.type: required"),
        ({"page": ""}, "jobs.events.page: should be a non-empty string"),
        ({"colour": "red"}, "jobs.events.colour: unknown key"),
        ({"max_shrink": 1.5}, "jobs.events.max_shrink: should be a number from 0 to 1"),
        ({"max_shrink": True}, "jobs.events.max_shrink: "),
        ({"marker": "deux mots"}, "jobs.events.marker: marker 'deux mots'"),
        ({"create": "oui"}, "jobs.events.create: should be true or false"),
        ({"variables": ["x"]}, "jobs.events.variables: should be a table"),
        ({"variables": {"today": 1}}, "jobs.events.variables: may not redefine today"),
        ({"summary": 3}, "jobs.events.summary: should be a string"),
        ({"description": 3}, "jobs.events.description: should be a string"),
    ],
)
def test_load_jobs_rejects_bad_tables(change: dict[str, Any], message: str) -> None:
    table = {key: value for key, value in {**BASE, **change}.items() if value is not None}
    with pytest.raises(ConfigError, match=message) as info:
        load_jobs({"events": table})
    assert info.value.key is not None and info.value.key.startswith("jobs")


def test_load_jobs_rejects_non_table() -> None:
    with pytest.raises(ConfigError, match=r"^jobs.events: should be a table"):
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
    assert seen == report.jobs and run_exit_code(report.outcomes()) == 0 and report.changed
    events = report.jobs[0]
    assert events.records == 14 and events.pages_read == 16 and len(events.problems) == 4
    assert events.added > 10 and events.removed == 5 and events.attempts == 1
    assert (source.path / INDEX_FILE).read_bytes() == index  # local edits: metadata kept
    page = read_page(source, "Evénements")
    assert page is not None and find_section(page.wikitext, "events").count == 14
    again = rebuild_jobs(config, source, MirrorTarget(source), today=dt.date(2025, 1, 6))
    assert [job.status for job in again.jobs] == ["unchanged"] * 3
    assert not again.changed and run_exit_code(again.outcomes()) == 0


def test_plan_jobs_changeset_holds_changed_pages(example: Path) -> None:
    config = load_config(example)
    source = open_source(config)
    changeset, report = plan_jobs(config, source, names=["events"], today=dt.date(2025, 1, 6))
    assert [edit.title for edit in changeset.edits] == ["Evénements"]
    assert changeset.labels == {"Evénements": "events"}
    assert report.jobs[0].status == "planned" and run_exit_code(report.outcomes()) == 0


def test_rebuild_jobs_unknown_record_type_fails_before_work(example: Path) -> None:
    config = load_config(example)
    jobs = {**config.jobs, "agenda": {**BASE, "type": "rendezvous"}}
    with pytest.raises(ConfigError, match=r'jobs\.agenda\.type: no type "rendezvous"'):
        rebuild_jobs(config.with_overrides(jobs=jobs), open_source(config), None, dry_run=True)


def test_rebuild_jobs_bad_template_fails_one_job(example: Path) -> None:
    config = load_config(example)
    jobs = {"broken": {**BASE, "page_template": "absent"}, "events": config.jobs["events"]}
    report = rebuild_jobs(config.with_overrides(jobs=jobs), open_source(config), None, dry_run=True)
    assert [job.status for job in report.jobs] == ["failed", "planned"]
    assert "absent.wiki.j2" in report.jobs[0].message
    assert run_exit_code(report.outcomes()) == 1


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
        return run_exit_code(report.outcomes())

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


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_cli_render_prints_the_body(example: Path) -> None:
    result = _cli(example, "render", "events", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "== Événements à venir ==" in result.output
    assert "4 problèmes dans les pages event" in result.output  # the French mirror
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
    assert "3 pages to change" in planned.output
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


# -- several jobs on one page ---------------------------------------------------------

AGENDA = "\n<!-- wikisync:begin agenda -->\n<!-- wikisync:end agenda -->\n"


def _two_jobs_on_one_page(example: Path, *, markers: bool = True, page: str = PAGE) -> None:
    """Add job "agenda" (the communs, as a list) writing its own section on ``page``."""
    folder = example.parent
    (folder / "liste.wiki.j2").write_text(
        "{% for r in records|sort_fr('title') %}* {{ r.title|wikilink }}\n{% endfor %}",
        encoding="utf-8",
    )
    text = example.read_text(encoding="utf-8")
    example.write_text(
        text + f'\n[jobs.agenda]\ntype = "commun"\npage = "{page}"\n'
        'page_template = "liste.wiki.j2"\nsummary = "Agenda mis à jour"\n',
        encoding="utf-8",
    )
    if markers:
        file = _page_file(example, page)
        file.write_text(file.read_text(encoding="utf-8") + AGENDA, encoding="utf-8")


def _changed_lines(edit: Edit) -> list[str]:
    return [
        line
        for line in edit.diff().splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


class _CountingTarget(Target):
    """A mirror target that counts saves (one edit per page is the promise)."""

    def __init__(self, inner: MirrorTarget) -> None:
        self.inner = inner
        self.saves: list[str] = []

    def save(
        self, title: str, text: str, *, base: PageText | None, summary: str, content_model: str = ""
    ) -> SaveResult:
        self.saves.append(title)
        return self.inner.save(title, text, base=base, summary=summary, content_model=content_model)


def test_plan_jobs_two_jobs_on_one_page_make_one_edit(example: Path) -> None:
    _two_jobs_on_one_page(example)
    config = load_config(example)
    source = open_source(config)
    before = read_page(source, PAGE)
    assert before is not None
    changeset, report = plan_jobs(
        config, source, names=["events", "agenda", "actors"], today=dt.date(2025, 1, 6)
    )
    assert [edit.title for edit in changeset.edits] == [PAGE, "Acteurs"]
    assert changeset.labels[PAGE] == "events, agenda"
    edit = changeset.edits[0]
    assert edit.old_text == before.wikitext and edit.base_revid == before.revid
    assert find_section(edit.new_text, "events").count == 14
    assert find_section(edit.new_text, "agenda").count == 4
    assert edit.summary == "wikisync : liste des événements mise à jour ; Agenda mis à jour"
    assert [job.status for job in report.jobs] == ["planned", "planned", "planned"]
    events, agenda = report.jobs[0], report.jobs[1]
    # each job's own diff shows its own section only
    assert events.edit is not None and agenda.edit is not None
    events_changes, agenda_changes = _changed_lines(events.edit), _changed_lines(agenda.edit)
    assert "-* [[Rencontre disparue 2017]]" in events_changes
    assert not any("agenda" in line for line in events_changes)
    assert all("agenda" in line or line.startswith("+* [[") for line in agenda_changes)
    assert agenda.edit.new_text == edit.new_text and events.edit.old_text == before.wikitext
    assert events.edit.new_text == agenda.edit.old_text
    assert (agenda.added, agenda.removed) == (4 + 1, 1)  # the items and the begin marker


def test_rebuild_jobs_two_jobs_on_one_page_save_it_once(example: Path) -> None:
    _two_jobs_on_one_page(example)
    config = load_config(example)
    source = open_source(config)
    target = _CountingTarget(MirrorTarget(source))
    report = rebuild_jobs(config, source, target, names=["agenda", "events"])
    assert target.saves == [PAGE]
    assert [(job.job, job.status) for job in report.jobs] == [
        ("agenda", "edited"),
        ("events", "edited"),
    ]
    page = read_page(source, PAGE)
    assert page is not None
    assert find_section(page.wikitext, "agenda").count == 4
    assert find_section(page.wikitext, "events").count == 14
    again = rebuild_jobs(config, source, target, names=["agenda", "events"])
    assert [job.status for job in again.jobs] == ["unchanged", "unchanged"]
    assert target.saves == [PAGE]


def test_rebuild_jobs_one_refused_section_does_not_stop_the_other(example: Path) -> None:
    _two_jobs_on_one_page(example, markers=False)
    file = _page_file(example, PAGE)
    hand = "\n<!-- wikisync:begin agenda -->\nÉcrit à la main.\n<!-- wikisync:end agenda -->\n"
    file.write_text(file.read_text(encoding="utf-8") + hand, encoding="utf-8")
    config = load_config(example)
    source = open_source(config)
    report = rebuild_jobs(config, source, MirrorTarget(source), names=["events", "agenda"])
    assert [job.status for job in report.jobs] == ["edited", "refused"]
    assert "did not write" in report.jobs[1].message and run_exit_code(report.outcomes()) == 3
    text = file.read_text(encoding="utf-8")
    assert "Écrit à la main." in text and find_section(text, "events").count == 14


def test_rebuild_jobs_two_jobs_create_one_page_with_both_sections(example: Path) -> None:
    _two_jobs_on_one_page(example, markers=False, page="Agenda")
    text = example.read_text(encoding="utf-8")
    example.write_text(
        text.replace('\npage = "Evénements"', '\npage = "Agenda"', 1), encoding="utf-8"
    )
    config = load_config(example)
    source = open_source(config)
    refused = rebuild_jobs(config, source, None, names=["events", "agenda"], dry_run=True)
    assert [job.status for job in refused.jobs] == ["refused", "refused"]
    target = _CountingTarget(MirrorTarget(source))
    report = rebuild_jobs(config, source, target, names=["events", "agenda"], create=True)
    assert [job.status for job in report.jobs] == ["created", "created"]
    assert target.saves == ["Agenda"]
    page = read_page(source, "Agenda")
    assert page is not None
    assert find_section(page.wikitext, "events").count > 0
    assert find_section(page.wikitext, "agenda").count == 4
    again = rebuild_jobs(config, source, target, names=["events", "agenda"])
    assert [job.status for job in again.jobs] == ["unchanged", "unchanged"]


def test_cli_plan_apply_two_jobs_on_one_page_then_rebuild_is_silent(
    example: Path, tmp_path: Path
) -> None:
    _two_jobs_on_one_page(example)
    plan_path = tmp_path / "plan.json"
    planned = _cli(example, "plan", "events", "agenda", "-o", str(plan_path), "--today", TODAY)
    assert planned.exit_code == 0, planned.output
    assert "1 page to change" in planned.output
    report_path = tmp_path / "apply.json"
    applied = _cli(
        example, "apply", str(plan_path), "--summary", "relu", "--report", str(report_path)
    )
    assert applied.exit_code == 0, applied.output
    data = json.loads(report_path.read_text(encoding="utf-8"))
    assert data["exit_code"] == 0 and data["counts"] == {"edited": 1}
    assert data["pages"][0]["job"] == "events, agenda" and data["pages"][0]["edited"]
    again = _cli(example, "rebuild", "events", "agenda", "--today", TODAY)
    assert again.exit_code == 0 and again.output == ""
    rerun = _cli(example, "-v", "apply", str(plan_path))
    assert rerun.exit_code == 0 and f'page "{PAGE}" unchanged' in rerun.output


def test_cli_apply_dry_run_prints_the_diff_and_writes_nothing(
    example: Path, tmp_path: Path
) -> None:
    plan_path = tmp_path / "plan.json"
    assert _cli(example, "plan", "events", "-o", str(plan_path)).exit_code == 0
    page = _page_file(example, PAGE)
    before = page.read_bytes()
    report_path = tmp_path / "apply.json"
    result = _cli(example, "apply", "--dry-run", str(plan_path), "--report", str(report_path))
    assert result.exit_code == 0, result.output
    assert f"--- a/{PAGE}" in result.output and "-* [[Rencontre disparue 2017]]" in result.output
    assert page.read_bytes() == before
    data = json.loads(report_path.read_text(encoding="utf-8"))
    assert data["dry_run"] and data["counts"] == {"planned": 1}


def test_read_changeset_refuses_a_page_planned_twice(example: Path, tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    assert _cli(example, "plan", "events", "-o", str(plan_path)).exit_code == 0
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    data["pages"].append(data["pages"][0])
    plan_path.write_text(json.dumps(data), encoding="utf-8")
    result = _cli(example, "apply", str(plan_path))
    assert result.exit_code == 2 and "planned twice" in result.output


# -- stopping and refused runs ------------------------------------------------------


def test_rebuild_jobs_stopped_by_a_signal_leaves_the_rest_not_done(example: Path) -> None:
    config = load_config(example)
    source = open_source(config)

    def stop(_job: JobReport) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    with stop_on_signals(announce=False) as flag:
        report = rebuild_jobs(config, source, MirrorTarget(source), on_job=stop)
        # a second signal would stop at once: the flag was set by the first
        assert flag.signum == signal.SIGINT
    assert [job.status for job in report.jobs] == ["edited", "not done", "not done"]
    assert run_exit_code(report.outcomes()) == 1 and run_exit_code((), flag) == 130
    again = rebuild_jobs(config, source, MirrorTarget(source))
    assert [job.status for job in again.jobs] == ["unchanged", "edited", "edited"]


def test_cli_rebuild_refused_by_the_lock_still_writes_its_report(
    example: Path, tmp_path: Path
) -> None:
    config = load_config(example)
    report_path = tmp_path / "report.json"
    report_path.write_text("{}", encoding="utf-8")  # an older run's report is replaced
    with RunLock(default_lock_path(lock_key(config.site)), command="rebuild"):
        result = _cli(example, "rebuild", "--report", str(report_path))
    assert result.exit_code == 4
    assert result.output.count("\n") == 1 and f"pid {os.getpid()}" in result.output
    data = json.loads(report_path.read_text(encoding="utf-8"))
    assert data["status"] == "refused" and data["exit_code"] == 4
    assert data["command"] == "rebuild" and f"pid {os.getpid()}" in data["error"]


def test_lock_key_of_a_folder_is_its_real_path(example: Path, tmp_path: Path) -> None:
    mirror = example.parent / "mirror"
    link = tmp_path / "lien"
    link.symlink_to(mirror)
    keys = {
        lock_key(mirror),
        lock_key(str(mirror) + "/"),
        lock_key(link),
        lock_key(open_source(str(link))),
        lock_key(os.path.relpath(mirror)),
    }
    assert keys == {str(mirror.resolve())}
    with RunLock(default_lock_path(lock_key(link)), command="set"):
        result = _cli(example, "--site", str(mirror), "rebuild")
    assert result.exit_code == 4 and "pid" in result.output


# -- issue 18 item 12: apply saves only what was reviewed, on the wiki it was planned for


def _plan_file(example: Path, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    plan_path = tmp_path / "plan.json"
    assert _cli(example, "plan", "events", "-o", str(plan_path)).exit_code == 0
    return plan_path, json.loads(plan_path.read_text(encoding="utf-8"))


def test_cli_apply_refuses_a_page_whose_diff_is_not_its_new_text(
    example: Path, tmp_path: Path
) -> None:
    plan_path, data = _plan_file(example, tmp_path)
    page = data["pages"][0]
    page["new_text"] = page["new_text"].replace("Rencontre", "[[Catégorie:Piège]] Rencontre", 1)
    plan_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = _page_file(example, PAGE).read_bytes()
    report_path = tmp_path / "apply.json"
    for extra in ((), ("--dry-run",)):
        result = _cli(example, "apply", *extra, str(plan_path), "--report", str(report_path))
        assert result.exit_code == 3, result.output
        assert result.output.count("\n") == 1
        assert f'"{PAGE}"' in result.output and "diff does not describe" in result.output
        assert "Catégorie:Piège" not in result.output
        assert _page_file(example, PAGE).read_bytes() == before
        report = json.loads(report_path.read_text(encoding="utf-8"))
        assert report["counts"] == {"refused": 1}


def test_cli_apply_refuses_a_diff_changed_to_hide_the_edit(example: Path, tmp_path: Path) -> None:
    plan_path, data = _plan_file(example, tmp_path)
    data["pages"][0]["diff"] = ""
    plan_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = _page_file(example, PAGE).read_bytes()
    result = _cli(example, "apply", str(plan_path))
    assert result.exit_code == 3 and "diff does not describe" in result.output
    assert _page_file(example, PAGE).read_bytes() == before


def test_cli_apply_of_an_untouched_plan_still_saves(example: Path, tmp_path: Path) -> None:
    plan_path, data = _plan_file(example, tmp_path)
    result = _cli(example, "apply", str(plan_path))
    assert result.exit_code == 0, result.output
    saved = _page_file(example, PAGE).read_text(encoding="utf-8")
    assert saved.rstrip() == data["pages"][0]["new_text"].rstrip()


@pytest.mark.parametrize("site", [None, "", "  "])
def test_cli_apply_refuses_a_changeset_that_names_no_site(
    example: Path, tmp_path: Path, site: str | None
) -> None:
    plan_path, data = _plan_file(example, tmp_path)
    if site is None:
        del data["site"]
    else:
        data["site"] = site
    plan_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = _page_file(example, PAGE).read_bytes()
    result = _cli(example, "apply", str(plan_path))
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and 'names no "site"' in result.output
    assert _page_file(example, PAGE).read_bytes() == before


@pytest.mark.parametrize("key", ["new_text", "title", "summary", "diff"])
def test_cli_apply_refuses_a_lone_surrogate_in_one_line(
    example: Path, tmp_path: Path, key: str
) -> None:
    plan_path, data = _plan_file(example, tmp_path)
    data["pages"][0][key] = "x\ud800"
    plan_path.write_text(json.dumps(data), encoding="ascii")
    result = _cli(example, "apply", str(plan_path))
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1
    assert f'page 1: "{key}" holds a lone surrogate (U+D800)' in result.output
