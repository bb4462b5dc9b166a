"""A warm rebuild skips rendering only while nothing it depends on changed (real MediaWiki)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import mwclient
import pytest

from tests.mediawiki import TestWiki
from wikisync.config import Config, load_config
from wikisync.core import templating
from wikisync.core.edits import set_params
from wikisync.ops.jobs.report import JobReport
from wikisync.ops.jobs.run import rebuild_jobs
from wikisync.ops.publish import open_target
from wikisync.sources import open_source

TODAY = dt.date(2025, 1, 6)
SKIPPED = "already holds this section; not rendered again"


def _text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def _admin_edit(wiki: TestWiki, title: str, text: str) -> None:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    site.pages[title].edit(text, summary="modification humaine")


def _rebuild(
    config: Config, caplog: pytest.LogCaptureFixture, *, today: dt.date = TODAY, **options: bool
) -> tuple[JobReport, bool]:
    caplog.clear()
    caplog.set_level(logging.INFO, logger="wikisync.ops.jobs.run")
    source = open_source(config)
    try:
        report = rebuild_jobs(
            config, source, open_target(source), names=["events"], today=today, **options
        )
    finally:
        source.close()
    return report.jobs[0], SKIPPED in caplog.text


@pytest.fixture
def config(wiki: TestWiki, config_file: Path) -> Config:
    return load_config(config_file, overrides={"password": wiki.bot_password})


def test_rebuild_skips_rendering_once_the_page_holds_the_section(
    wiki: TestWiki, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    assert _rebuild(config, caplog)[0].status == "edited"
    job, skipped = _rebuild(config, caplog)
    assert (job.status, skipped) == ("unchanged", False)  # rendered, found to hold: remembered
    job, skipped = _rebuild(config, caplog)
    assert (job.status, skipped) == ("unchanged", True)
    assert job.records > 0 and job.pages_read > 0


def test_rebuild_renders_again_when_a_record_today_or_the_page_changes(
    wiki: TestWiki, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):
        _rebuild(config, caplog)
    source = open_source(config)
    try:
        title = source.list_category("Evénement")[0]
    finally:
        source.close()
    # a record changes: rendered again, and the page follows
    edited = set_params(
        _text(wiki, title), config.types["event"]["templates"], {"place": "Quimper"}
    )
    _admin_edit(wiki, title, edited.wikitext)
    job, skipped = _rebuild(config, caplog)
    assert (job.status, skipped) == ("edited", False)
    assert "Quimper" in _text(wiki, "Evénements")
    # another day: rendered again
    _rebuild(config, caplog)
    assert _rebuild(config, caplog)[1]
    assert not _rebuild(config, caplog, today=dt.date(2031, 1, 1))[1]
    # a human edit inside the section: never taken for the remembered text
    _rebuild(config, caplog)
    assert _rebuild(config, caplog)[1]
    index = _text(wiki, "Evénements")
    begin = index.index("<!-- wikisync:begin events")
    line_end = index.index("\n", begin) + 1
    _admin_edit(wiki, "Evénements", index[:line_end] + "* ajout à la main\n" + index[line_end:])
    job, skipped = _rebuild(config, caplog)
    assert not skipped
    assert job.status == "refused"
    assert "* ajout à la main" in _text(wiki, "Evénements")
    # refused again, not taken for a page that holds the section
    job, skipped = _rebuild(config, caplog)
    assert (job.status, skipped) == ("refused", False)
    # forced: rendered and saved
    job, skipped = _rebuild(config, caplog, force=True)
    assert (job.status, skipped) == ("edited", False)


def test_rebuild_renders_again_when_a_page_template_changes(
    wiki: TestWiki, config_file: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    template = tmp_path / "liste.wiki.j2"
    template.write_text("{% for r in records %}* {{ r.title }}\n{% endfor %}", encoding="utf-8")
    text = config_file.read_text(encoding="utf-8")
    assert '\npage_template = "events"\n' in text
    text = text.replace('\npage_template = "events"\n', '\npage_template = "liste.wiki.j2"\n')
    config_file.write_text(text, encoding="utf-8")
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    _rebuild(config, caplog, force=True)
    _rebuild(config, caplog)
    assert _rebuild(config, caplog)[1]
    template.write_text("{% for r in records %}# {{ r.title }}\n{% endfor %}", encoding="utf-8")
    # a new process would load the new template; this one keeps Jinja's compiled copy
    templating._cached_environment.cache_clear()
    job, skipped = _rebuild(config, caplog)
    assert (job.status, skipped) == ("edited", False)
    assert "\n# " in _text(wiki, "Evénements")


def test_rebuild_renders_again_when_a_page_revision_changes_its_records_not(
    wiki: TestWiki, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(2):
        _rebuild(config, caplog)
    held, skipped = _rebuild(config, caplog)
    assert skipped
    source = open_source(config)
    try:
        title = source.list_category("Evénement")[-1]
    finally:
        source.close()
    _admin_edit(wiki, title, _text(wiki, title) + "\n<!-- relu -->")
    job, skipped = _rebuild(config, caplog)
    assert (job.status, skipped) == ("unchanged", False)  # a new revision: rendered, same text
    job, skipped = _rebuild(config, caplog)
    assert (job.status, skipped) == ("unchanged", True)
    # the counts kept with the verdict are those of the rendered run
    assert (job.pages_read, job.records, job.problems) == (
        held.pages_read,
        held.records,
        held.problems,
    )


def _rebuild_all(config: Config, caplog: pytest.LogCaptureFixture) -> tuple[list[JobReport], int]:
    caplog.clear()
    caplog.set_level(logging.INFO, logger="wikisync.ops.jobs.run")
    source = open_source(config)
    try:
        report = rebuild_jobs(config, source, open_target(source), today=TODAY)
    finally:
        source.close()
    return report.jobs, caplog.text.count(SKIPPED)


def test_two_jobs_on_one_page_are_skipped_together_and_rendered_again_together(
    wiki: TestWiki, config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    template = config_file.parent / "liste.wiki.j2"
    template.write_text(
        "{% for r in records|sort_fr('title') %}* {{ r.title|wikilink }}\n{% endfor %}",
        encoding="utf-8",
    )
    with config_file.open("a", encoding="utf-8") as file:
        file.write(
            '\n[jobs.agenda]\ntype = "commun"\npage = "Evénements"\n'
            'page_template = "liste.wiki.j2"\n'
        )
    index = _text(wiki, "Evénements")
    _admin_edit(
        wiki,
        "Evénements",
        index + "\n\n<!-- wikisync:begin agenda -->\n<!-- wikisync:end agenda -->",
    )
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    first, _ = _rebuild_all(config, caplog)
    assert next(job for job in first if job.job == "agenda").status == "edited"
    rendered, skipped = _rebuild_all(config, caplog)
    assert skipped == 0 and {job.status for job in rendered} == {"unchanged"}
    held, skipped = _rebuild_all(config, caplog)
    assert skipped == len(held) == 4 and {job.status for job in held} == {"unchanged"}
    assert [(j.job, j.pages_read, j.records, j.problems) for j in held] == [
        (j.job, j.pages_read, j.records, j.problems) for j in rendered
    ]
    agenda = next(job for job in held if job.job == "agenda")
    assert agenda.records > 0
    # a commun changes: the agenda job is rendered again, and the events job
    # sharing its page with it too (one edit of the page holds both)
    source = open_source(config)
    try:
        title = source.list_category(config.types["commun"]["categories"][0])[0]
    finally:
        source.close()
    _admin_edit(wiki, title, _text(wiki, title) + "\n<!-- relu -->")
    again, skipped = _rebuild_all(config, caplog)
    by_name = {job.job: job for job in again}
    assert by_name["agenda"].status == by_name["events"].status == "unchanged"
    assert by_name["communs"].status == "unchanged"
    assert skipped == 1  # the actors alone: the communs changed, and the page shared with them
    assert f"page Acteurs {SKIPPED}" in caplog.text
    _, skipped = _rebuild_all(config, caplog)
    assert skipped == 4
