"""``--log FILE`` / ``log_file``: a timestamped log of every action, appended, with no secret
(issue 22.5), on the real test wiki."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.cli.logs import log_to_file, setup_logging
from wikisync.config import load_config
from wikisync.ops.batch.run import set_fields
from wikisync.ops.collect import record_type_named
from wikisync.ops.publish import open_target
from wikisync.sources import open_source
from wikisync.wiki.reader import WikiSource

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) wikisync")


def _set(wiki: TestWiki, config_file: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["-c", str(config_file), *args], env={"WIKISYNC_PASSWORD": wiki.bot_password}
    )
    assert result.exit_code == 0, result.output
    return result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_log_records_every_action_appended_before_or_after_the_command(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path, where: str
) -> None:
    log = tmp_path / "run.log"
    log.write_text("an earlier line\n", encoding="utf-8")
    command = ["set", "event", "place=Maison du vélo", "-q"]
    flag = ["--log", str(log)]
    _set(wiki, config_file, *(flag + command if where == "before" else command + flag))
    first = log.read_text(encoding="utf-8")
    assert first.startswith("an earlier line\n")  # appended, never truncated
    lines = first.splitlines()[1:]
    assert lines and all(STAMP.match(line) for line in lines), lines[:3]
    events = corpus.titles_in("Evénement")
    edited = [t for t in events if f'page "{t}": edited (revision ' in first]
    skipped = [t for t in events if f'page "{t}": skipped' in first]
    outcomes = re.findall(r"page \"[^\"]*\": (\w+)", first)
    assert len(outcomes) == len(events), (outcomes, skipped)
    assert len(edited) > len(events) / 2
    assert "request action=query" in first  # the reads
    assert first.count("request action=edit") == len(edited)  # one save request a page
    # again, the other way round: the same file grows, every page is now unchanged
    _set(wiki, config_file, *(command + flag if where == "before" else flag + command))
    second = log.read_text(encoding="utf-8")
    assert second.startswith(first)
    assert all(f'page "{t}": unchanged' in second[len(first) :] for t in edited)
    assert wiki.bot_password not in second


def test_log_holds_no_password_cookie_or_token(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    log = tmp_path / "secret.log"
    setup_logging(-1)  # a quiet run: the file still gets everything
    config = load_config(config_file, environ={"WIKISYNC_PASSWORD": wiki.bot_password})
    config = config.with_overrides(use_cache=False)
    log_to_file(str(log))
    try:
        source = open_source(config)
        assert isinstance(source, WikiSource)
        event = record_type_named(config.types, "event")
        report = set_fields(source, open_target(source), event, {"place": "Gare de Pacé"})
        assert report.count("edited") > 0
        cookies = [c.value for c in source.client._session.cookies if len(c.value or "") > 4]
        tokens = [t for t in source.client.site.tokens.values() if len(t) > 4]
        source.close()
    finally:
        setup_logging(0)  # closes the file
    text = log.read_text(encoding="utf-8")
    assert "request action=edit" in text and "request action=login" in text
    assert cookies and tokens  # there was a session to leak
    for secret in [wiki.bot_password, *cookies, *tokens]:
        assert secret not in text
        assert secret.rstrip("+\\") not in text  # a token without its suffix either
