"""Records and checks on the live test wiki, through the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.cli import cli

NOT_RECORDS = {"has no infobox", "never closed"}


@pytest.fixture
def config_file(wiki: TestWiki, tmp_path: Path) -> Path:
    path = tmp_path / "wikisync.toml"
    result = CliRunner().invoke(
        cli, ["--site", wiki.url, "--user", wiki.bot_user, "init", "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    return path


def _run(config_file: Path, wiki: TestWiki, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        ["-c", str(config_file), *args],
        env={
            "WIKISYNC_PASSWORD": wiki.bot_password,
            "WIKISYNC_CACHE": str(config_file.parent / "cache.sqlite"),
        },
    )
    return result.exit_code, result.stdout, result.stderr


def test_records_jsonl_one_record_per_event_page(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    code, out, err = _run(config_file, wiki, "records", "event", "--format", "jsonl")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    without_infobox = {t for t, why in corpus.planted.items() if any(k in why for k in NOT_RECORDS)}
    expected = sorted(set(corpus.titles_in("Evénement")) - without_infobox)
    assert sorted(r["title"] for r in records) == expected
    assert all(r["type"] == "event" and r["revid"] > 0 for r in records)
    assert "problems in event pages" in err


def test_check_lists_exactly_the_planted_pages(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    planted_events = {t for t in corpus.planted if t in corpus.titles_in("Evénement")}
    code, out, err = _run(config_file, wiki, "check", "event")
    assert code == 0
    flagged = {line.split('"')[1] for line in out.splitlines()}
    assert flagged == planted_events
    assert f"{len(planted_events)} problems" in err  # tests speak English (conftest)


def test_check_strict_exits_1_on_problems(wiki: TestWiki, config_file: Path) -> None:
    code, out, _ = _run(config_file, wiki, "check", "actor", "--strict")
    assert code == 1
    assert "peut-être" in out


def test_records_csv_to_file(wiki: TestWiki, corpus: Corpus, config_file: Path) -> None:
    target = config_file.parent / "communs.csv"
    code, _, err = _run(config_file, wiki, "records", "commun", "-f", "csv", "-o", str(target))
    assert code == 0, err
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["title", "index", "revid"]
    assert sorted(row[0] for row in rows[1:]) == corpus.titles_in("Commun")


def test_records_unknown_type_is_a_config_error(wiki: TestWiki, config_file: Path) -> None:
    code, _, err = _run(config_file, wiki, "records", "evenement")
    assert code == 2
    assert "unknown record type 'evenement'" in err
    assert "event" in err
