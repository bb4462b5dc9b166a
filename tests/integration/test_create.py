"""Pages made from records and records cached per revision, against a real MediaWiki."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path
from typing import Any

import mwclient
import pytest
from click.testing import CliRunner, Result

from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.cli.outcomes import run_exit_code
from wikisync.config import load_config
from wikisync.core.pages import PageText
from wikisync.core.records import extract_records, parse_page
from wikisync.ops.collect import collect_records, record_type_named
from wikisync.ops.create import new_page
from wikisync.ops.jobs.run import rebuild_jobs
from wikisync.ops.publish import open_target
from wikisync.ops.spreadsheet import import_records
from wikisync.ports.source import FetchResult
from wikisync.sources import open_source

TODAY = dt.date(2025, 1, 6)


def _invoke(wiki: TestWiki, config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["-c", str(config_file), *args], env={"WIKISYNC_PASSWORD": wiki.bot_password}
    )


def _revision(wiki: TestWiki, title: str) -> dict[str, Any] | None:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="ids|content|user", rvslots="main"
    )
    page = reply["query"]["pages"][0]
    if page.get("missing"):
        return None
    revision = page["revisions"][0]
    return {
        "revid": revision["revid"],
        "user": revision["user"],
        "text": revision["slots"]["main"]["content"],
    }


def _admin(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    return site


# -- new --------------------------------------------------------------------------------


def test_new_cli_creates_the_page_then_refuses_to_replace_it(
    wiki: TestWiki, config_file: Path
) -> None:
    title = "Atelier vélo-cargo 2026"
    result = _invoke(
        wiki,
        config_file,
        "new",
        "event",
        title,
        "startDate=12 mai 2026",
        "place=[[Nantes]], quai de la Fosse",
        "Tags=vélo, cargo",
    )
    assert result.exit_code == 0, result.output
    created = _revision(wiki, title)
    assert created is not None
    assert created["user"] == wiki.bot_user.split("@")[0]
    record = parse_page(
        PageText(title, created["text"]),
        record_type_named(load_config(config_file).types, "event"),
    ).records[0]
    assert record.fields["startDate"].iso() == "2026-05-12"  # type: ignore[union-attr]
    assert record.fields["place"] == "Nantes, quai de la Fosse"
    assert record.fields["Tags"] == ("vélo", "cargo")
    members = wiki.api(
        action="query", list="categorymembers", cmtitle="Catégorie:Evénement", cmlimit="max"
    )["query"]["categorymembers"]
    assert title in {m["title"] for m in members}

    again = _invoke(wiki, config_file, "new", "event", title, "startDate=2030-01-01")
    assert again.exit_code == 3
    assert "exists already" in again.stderr
    assert _revision(wiki, title) == created


def test_new_dry_run_prints_the_text_and_creates_nothing(wiki: TestWiki, config_file: Path) -> None:
    result = _invoke(
        wiki,
        config_file,
        "new",
        "actor",
        "Coopérative Test",
        "--dry-run",
        "Adherent=oui",
        "villes d'implantation=Lyon, Paris",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("{{Acteur\n|name=\n|villes d'implantation=Lyon, Paris\n")
    assert "[[Catégorie:Acteur]]" in result.stdout
    assert _revision(wiki, "Coopérative Test") is None


class _StaleSource:
    """A source whose title lookups still see a page as missing (read before its creation)."""

    def __init__(self, source: Any) -> None:
        self._source = source

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)

    def fetch_titles(self, titles: Any, *, follow_redirects: bool = False) -> FetchResult:
        return FetchResult(missing=list(titles))


def test_new_page_never_replaces_a_page_created_after_it_was_looked_for(
    wiki: TestWiki, config_file: Path
) -> None:
    title = "Atelier créé entre-temps"
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    source = open_source(config)
    try:
        _admin(wiki).pages[title].edit("Texte d'un humain", summary="création humaine")
        human = _revision(wiki, title)
        result = new_page(
            _StaleSource(source),  # type: ignore[arg-type]
            open_target(source),
            record_type_named(config.types, "event"),
            title,
            {"startDate": "2026-05-12"},
        )
    finally:
        source.close()
    assert result.status in ("refused", "conflict")
    assert run_exit_code(result.outcomes()) == 3
    assert _revision(wiki, title) == human


def test_import_creates_rows_without_revision_and_refuses_existing_titles(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    event = record_type_named(config.types, "event")
    source = open_source(config)
    try:
        existing = source.list_category("Evénement")[0]
        before = _revision(wiki, existing)
        sheet = tmp_path / "new.csv"
        sheet.write_text(
            "title,index,revid,startDate,place\r\n"
            "Rencontre importée 2026,,,2026-03-04,Lille\r\n"
            f'"{existing}",,,2026-01-01,Ailleurs\r\n',
            encoding="utf-8",
        )
        report = import_records(source, open_target(source), event, sheet)
    finally:
        source.close()
    assert {p.title: p.status for p in report.pages} == {
        "Rencontre importée 2026": "created",
        existing: "conflict",
    }
    assert run_exit_code(report.outcomes()) == 3
    assert _revision(wiki, existing) == before
    created = _revision(wiki, "Rencontre importée 2026")
    assert created is not None
    assert parse_page(PageText("R", created["text"]), event).records[0].fields["place"] == "Lille"


# -- the record cache --------------------------------------------------------------------


def test_rebuild_parses_only_pages_whose_revision_changed(
    wiki: TestWiki, config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    event = record_type_named(config.types, "event")
    caplog.set_level(logging.INFO, logger="wikisync.ops.record_cache")

    def rebuild() -> str:
        caplog.clear()
        source = open_source(config)
        try:
            report = rebuild_jobs(
                config, source, open_target(source), names=["events"], today=TODAY
            )
        finally:
            source.close()
        assert run_exit_code(report.outcomes()) == 0, [j.message for j in report.jobs]
        return caplog.text

    first = rebuild()
    assert "0 records from the cache" in first
    assert " 0 parsed" in rebuild()
    source = open_source(config)
    try:
        title = source.list_category("Evénement")[0]
    finally:
        source.close()
    page = _revision(wiki, title)
    assert page is not None
    _admin(wiki).pages[title].edit(page["text"] + "\n<!-- relu -->", summary="relecture")
    assert " 1 parsed" in rebuild()
    # the cached records are those of a fresh read
    source = open_source(config)
    try:
        cached = collect_records(source, event)
        fresh = extract_records(list(source.iter_category("Evénement")), event)
    finally:
        source.close()
    assert cached.records == fresh.records
    assert [str(p) for p in cached.problems] == [str(p) for p in fresh.problems]


def test_no_cache_neither_reads_nor_writes_records(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    result = _invoke(wiki, config_file, "--no-cache", "records", "event")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "cache.sqlite").exists()
    result = _invoke(wiki, config_file, "records", "event")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "cache.sqlite") as db:
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] > 0


def test_import_again_after_fixing_a_bad_cell_reports_the_created_page_unchanged(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    # The first import creates one page and refuses a row with a bad date; the
    # user fixes that cell and imports the same file again: the page made the
    # first time already holds its row's values, so it is unchanged, not a conflict.
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    event = record_type_named(config.types, "event")
    sheet = tmp_path / "new.csv"
    good = "Rencontre importée 2026,,,2026-03-04,Lille\r\n"
    header = "title,index,revid,startDate,place\r\n"
    sheet.write_text(header + good + "Atelier importé 2026,,,le 32 mars,Nantes\r\n", "utf-8")
    source = open_source(config)
    try:
        first = import_records(source, open_target(source), event, sheet)
        assert {p.title: p.status for p in first.pages} == {
            "Rencontre importée 2026": "created",
            "Atelier importé 2026": "invalid",
        }
        created = _revision(wiki, "Rencontre importée 2026")
        sheet.write_text(header + good + "Atelier importé 2026,,,2026-03-05,Nantes\r\n", "utf-8")
        again = import_records(source, open_target(source), event, sheet)
    finally:
        source.close()
    assert {p.title: p.status for p in again.pages} == {
        "Rencontre importée 2026": "unchanged",
        "Atelier importé 2026": "created",
    }
    assert run_exit_code(again.outcomes()) == 0
    assert _revision(wiki, "Rencontre importée 2026") == created  # nothing saved twice
