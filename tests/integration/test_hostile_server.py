"""A hostile or broken server: malformed replies, endless bodies and continuations,
odd titles, redirects elsewhere, non-ASCII headers (issue 18, items 2, 3, 5, 8).

The wiki is the fake of :mod:`tests.hostileserver` on 127.0.0.1; a second one
on 127.0.0.2 logs what a redirect would carry there. Every run asserts its exit
code, one error line and no traceback, a bounded time, and that the password
appears in no output, no file and no request to the other host.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner, Result

from tests.hostileserver import (
    BOT_USER,
    HostileWiki,
    Raw,
    Request,
    endless,
    malformed_variants,
)
from wikisync.cli import cli

PASSWORD = "Secr3t-h0stile/pw#x?y"
EVENT = "{{Event|startDate=2026-05-01|place=Lyon}}\n[[Catégorie:Evénement]]"
CONFIG = """\
user = "Bot@sync"
contact = "tests@example.org"
timeout = 2
retries = 0
max_wait = 4
use_cache = false
max_text_mib = 1
max_reply_mib = 4

[types.event]
categories = ["Evénement"]
templates = ["Event"]

[types.event.fields]
startDate = { type = "date", required = true }
place = "text"
"""
#: Seconds one in-process command may take against the fake wiki.
BOUND = 20.0


def secret_forms(secret: str) -> list[str]:
    """The password as it may leak: plain, URL-encoded (form or URL), in basic auth."""
    basic = base64.b64encode(f"{BOT_USER}:{secret}".encode()).decode()
    return [secret, quote(secret, safe=""), quote(secret).replace("%20", "+"), basic]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for form in secret_forms(PASSWORD):
            assert form not in text


@pytest.fixture
def wiki() -> Iterator[HostileWiki]:
    with HostileWiki(password=PASSWORD) as server:
        server.add_page("Catégorie:Evénement", "Les événements.", ns=14)
        server.add_page("Atelier vélo", EVENT)
        server.add_page("Meetup", EVENT.replace("Lyon", "Paris"))
        yield server


@pytest.fixture
def elsewhere() -> Iterator[HostileWiki]:
    """Another host (a second loopback address) that logs what reaches it."""
    with HostileWiki(host="127.0.0.2", password=PASSWORD) as server:
        server.add_page("Atelier vélo", EVENT)
        yield server


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "wikisync.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WIKISYNC_PASSWORD", PASSWORD)
    return tmp_path


def run(site: str, *args: str, env: dict[str, str] | None = None) -> Result:
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["--site", site, *args], env=env)
    assert time.monotonic() - start < BOUND
    return result


def all_files(folder: Path) -> str:
    texts = []
    for path in folder.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def check_run(result: Result, codes: set[int], folder: Path, *, batch: bool = False) -> None:
    """Exit code among ``codes``; no traceback; an error is one line (``batch``: one
    line per failed page instead); no secret anywhere."""
    assert result.exit_code in codes, (result.exit_code, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("wikisync: error")]
    if result.exit_code and not batch:
        assert len(errors) == 1, result.stderr
    assert_no_secret(result.stdout, result.stderr, all_files(folder))


# -- malformed replies, generated from valid ones --------------------------------------------


def _valid_content_reply() -> dict[str, Any]:
    page = {
        "pageid": 1,
        "ns": 0,
        "title": "Atelier vélo",
        "revisions": [
            {
                "revid": 101,
                "parentid": 0,
                "timestamp": "2026-01-01T00:00:41Z",
                "slots": {
                    "main": {
                        "contentmodel": "wikitext",
                        "contentformat": "text/x-wiki",
                        "content": EVENT,
                    },
                },
            }
        ],
    }
    return {
        "batchcomplete": True,
        "continue": {"gcmcontinue": "page|x|2", "continue": "gcmcontinue||"},
        "query": {"pages": [page]},
    }


def _valid_listing_reply() -> dict[str, Any]:
    return {
        "batchcomplete": True,
        "continue": {"cmcontinue": "page|x|2", "continue": "-||"},
        "query": {"categorymembers": [{"pageid": 1, "ns": 0, "title": "Atelier vélo"}]},
    }


CONTENT_VARIANTS = malformed_variants(_valid_content_reply())
LISTING_VARIANTS = malformed_variants(_valid_listing_reply())


def _serve_once_then_end(reply: Any, wanted: str) -> Any:
    """A hook: ``reply`` for the first request of kind ``wanted``, then replies that end."""
    state = {"served": False}

    def hook(request: Request, normal: Any) -> Any:
        p = request.params
        content = p.get("prop") == "revisions" and p.get("generator") == "categorymembers"
        kind = "content" if content else p.get("list")
        if kind != wanted:
            return normal
        if not state["served"]:
            state["served"] = True
            return reply
        return {"batchcomplete": True, "query": {}}  # the continuation ends

    return hook


@pytest.mark.parametrize(("name", "reply"), CONTENT_VARIANTS, ids=[n for n, _ in CONTENT_VARIANTS])
def test_records_survives_a_malformed_content_reply(
    wiki: HostileWiki, workdir: Path, name: str, reply: Any
) -> None:
    wiki.hook = _serve_once_then_end(reply, "content")
    result = run(wiki.url, "records", "event", "-f", "jsonl")
    check_run(result, {0, 1}, workdir)
    if result.exit_code:
        assert "action=query" in result.stderr


@pytest.mark.parametrize(("name", "reply"), LISTING_VARIANTS, ids=[n for n, _ in LISTING_VARIANTS])
def test_pages_survives_a_malformed_listing_reply(
    wiki: HostileWiki, workdir: Path, name: str, reply: Any
) -> None:
    wiki.hook = _serve_once_then_end(reply, "categorymembers")
    result = run(wiki.url, "pages", "Evénement")
    check_run(result, {0, 1, 2}, workdir)
    if result.exit_code == 1:
        assert "action=query" in result.stderr


LOGIN_VARIANTS = malformed_variants(
    {"login": {"result": "Success", "lguserid": 2, "lgusername": "Bot"}}
)


@pytest.mark.parametrize(("name", "reply"), LOGIN_VARIANTS, ids=[n for n, _ in LOGIN_VARIANTS])
def test_a_malformed_login_reply_is_one_line(
    wiki: HostileWiki, workdir: Path, name: str, reply: Any
) -> None:
    wiki.hook = lambda request, normal: reply if request.params.get("action") == "login" else normal
    result = run(wiki.url, "pages", "Evénement")
    check_run(result, {0, 1, 2}, workdir)


def test_a_login_answered_needtoken_forever_stops(wiki: HostileWiki, workdir: Path) -> None:
    def hook(request: Request, normal: Any) -> Any:
        if request.params.get("action") == "login":
            return {"login": {"result": "NeedToken", "token": "again+\\"}}
        return normal

    wiki.hook = hook
    result = run(wiki.url, "pages", "Evénement")
    check_run(result, {1}, workdir)
    assert "answered 3 login requests without a result" in result.stderr
    assert sum(1 for r in wiki.log if r.params.get("action") == "login") <= 4


def test_the_variants_are_many() -> None:
    count = len(CONTENT_VARIANTS) + len(LISTING_VARIANTS) + len(LOGIN_VARIANTS)
    assert count >= 130


def test_a_bad_page_is_skipped_and_the_batch_goes_on(wiki: HostileWiki, workdir: Path) -> None:
    def hook(request: Request, normal: Any) -> Any:
        if request.params.get("prop") == "revisions":
            normal["query"]["pages"][0]["pageid"] = "abc"
        return normal

    wiki.hook = hook
    result = run(wiki.url, "records", "event", "-f", "jsonl")
    check_run(result, {0}, workdir)
    assert "Meetup" in result.stdout and "Atelier" not in result.stdout
    assert 'page "Atelier vélo": pageid should be a whole number' in result.stderr


@pytest.mark.parametrize(
    "title",
    ["\ud800", "", "   ", "a\x00b", "x" * 2000, 5, None],
    ids=["lone-surrogate", "empty", "blank", "nul", "long", "number", "null"],
)
def test_odd_titles_from_the_server_are_skipped(
    wiki: HostileWiki, workdir: Path, title: Any
) -> None:
    def hook(request: Request, normal: Any) -> Any:
        if request.params.get("prop") == "revisions":
            normal["query"]["pages"][0]["title"] = title
        if request.params.get("list") == "categorymembers":
            normal["query"]["categorymembers"][0]["title"] = title
        return normal

    wiki.hook = hook
    for command in (["records", "event", "-f", "jsonl"], ["pages", "Evénement"]):
        result = run(wiki.url, *command)
        check_run(result, {0}, workdir)
        assert "Meetup" in result.stdout
        assert "skipped query." in result.stderr


def test_a_page_over_max_text_is_skipped(wiki: HostileWiki, workdir: Path) -> None:
    wiki.add_page(
        "Énorme",
        "{{Event|startDate=2026-07-01|place=" + "e" * 1_400_000 + "}}\n[[Catégorie:Evénement]]",
    )
    result = run(wiki.url, "records", "event", "-f", "jsonl")
    check_run(result, {0}, workdir)
    assert 'page "Énorme": its text is 1.3 MiB, over the 1 MiB limit' in result.stderr
    assert "Meetup" in result.stdout and "Atelier vélo" in result.stdout


# -- continuation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["same", "empty-new", "same-pages-new"])
@pytest.mark.parametrize("command", [["pages", "Evénement"], ["records", "event"]])
def test_a_continuation_that_never_ends_stops(
    wiki: HostileWiki, workdir: Path, style: str, command: list[str]
) -> None:
    counter = iter(range(10**9))

    def hook(request: Request, normal: Any) -> Any:
        if request.params.get("action") != "query" or "meta" in request.params:
            return normal
        if style == "same":
            normal["continue"] = {"gcmcontinue": "x", "cmcontinue": "x", "continue": "-||"}
        elif style == "empty-new":
            normal = {"continue": {"gcmcontinue": str(next(counter)), "cmcontinue": "1"}}
        else:
            normal["continue"] = {"gcmcontinue": str(next(counter)), "cmcontinue": "1"}
        return normal

    wiki.hook = hook
    result = run(wiki.url, *command)
    check_run(result, {1}, workdir)
    assert "the continuation of action=query" in result.stderr
    assert len(wiki.log) < 60


@pytest.mark.parametrize("command", [["pages", "Evénement"], ["records", "event"]])
def test_a_continuation_that_always_advances_stops_at_max_continues(
    wiki: HostileWiki, workdir: Path, command: list[str]
) -> None:
    """Each reply brings a page never seen and a continuation never seen: only the cap
    on the requests of one query ends it, in one clear line."""
    counter = iter(range(1000, 10**9))

    def hook(request: Request, normal: Any) -> Any:
        if request.params.get("action") != "query" or "meta" in request.params:
            return normal
        n = next(counter)
        for items in (normal.get("query") or {}).values():
            if isinstance(items, list) and items and isinstance(items[0], dict):
                items.append({**items[0], "pageid": n, "title": f"Page {n}"})
        normal["continue"] = {"gcmcontinue": f"page|{n}", "cmcontinue": f"page|{n}"}
        return normal

    wiki.hook = hook
    result = run(wiki.url, *command, env={"WIKISYNC_MAX_CONTINUES": "25"})
    check_run(result, {1}, workdir)
    assert "went on past 25 requests (max_continues): stopped" in result.stderr
    queries = [r for r in wiki.log if r.params.get("action") == "query"]
    assert 25 <= len(queries) < 32


# -- endless and oversized bodies ----------------------------------------------------------------


def test_an_endless_reply_stops_at_the_size_limit(wiki: HostileWiki, workdir: Path) -> None:
    def hook(request: Request, normal: Any) -> Any:
        if request.params.get("prop") == "revisions":
            return Raw(200, {"Content-Type": "application/json"}, endless())
        return normal

    wiki.hook = hook
    result = run(wiki.url, "records", "event")
    check_run(result, {1}, workdir)
    assert "over the 4 MiB limit (max_reply_mib)" in result.stderr


def test_a_trickling_reply_stops_at_max_wait(wiki: HostileWiki, workdir: Path) -> None:
    def slow() -> Iterator[bytes]:
        yield b"{"
        while True:
            time.sleep(0.2)
            yield b" "

    def hook(request: Request, normal: Any) -> Any:
        if request.params.get("prop") == "revisions":
            return Raw(200, {}, slow())
        return normal

    wiki.hook = hook
    result = run(wiki.url, "records", "event")
    check_run(result, {1}, workdir)
    assert "no complete answer within 4 s" in result.stderr


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": NaN}',
        b'{"batchcomplete": Infinity}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"x": ' + b"9" * 5000 + b"}",
        b'"just a string"',
        b"[]",
        b"null",
    ],
    ids=["nan", "infinity", "deep", "digits", "string", "list", "null"],
)
def test_a_reply_that_is_no_api_object_is_one_line(
    wiki: HostileWiki, workdir: Path, body: bytes
) -> None:
    def hook(request: Request, normal: Any) -> Any:
        return body if request.params.get("prop") == "revisions" else normal

    wiki.hook = hook
    result = run(wiki.url, "records", "event")
    check_run(result, {1}, workdir)
    assert "action=query" in result.stderr


# -- redirects: the password never leaves the configured host ------------------------------------


def _redirect(to: HostileWiki, status: int, when: str) -> Any:
    def hook(request: Request, normal: Any) -> Any:
        action = request.params.get("action")
        if action == when or (when == "any" and request.method == "POST"):
            return Raw(status, {"Location": to.url + "?" + request.path.partition("?")[2]})
        return normal

    return hook


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_login_redirected_to_another_host_is_refused(
    wiki: HostileWiki, elsewhere: HostileWiki, workdir: Path, status: int
) -> None:
    wiki.hook = _redirect(elsewhere, status, "login")
    result = run(wiki.url, "pages", "Evénement")
    check_run(result, {2}, workdir)
    assert f"redirect (HTTP {status}) to 127.0.0.2:{elsewhere.port}" in result.stderr
    assert not elsewhere.log
    assert_no_secret(elsewhere.received())


@pytest.mark.parametrize("status", [302, 307, 308])
def test_an_edit_redirected_to_another_host_is_refused(
    wiki: HostileWiki, elsewhere: HostileWiki, workdir: Path, status: int
) -> None:
    wiki.hook = _redirect(elsewhere, status, "edit")
    result = run(wiki.url, "set", "event", "place=Nantes")
    check_run(result, {1}, workdir, batch=True)
    refused = f"answered action=edit with a redirect (HTTP {status}) to 127.0.0.2"
    assert result.stderr.count(refused) == 2  # each page fails; the batch goes on
    assert "set: 2 pages failed" in result.stderr  # tests speak English (conftest)
    assert not elsewhere.log


def test_a_redirect_to_another_port_of_the_same_host_is_refused(
    wiki: HostileWiki, workdir: Path
) -> None:
    with HostileWiki(password=PASSWORD) as other:
        wiki.hook = _redirect(other, 307, "login")
        result = run(wiki.url, "pages", "Evénement")
        check_run(result, {2}, workdir)
        assert not other.log  # the session cookie is not port-bound: it would go too


def test_a_redirect_within_the_wiki_is_followed(wiki: HostileWiki, workdir: Path) -> None:
    def hook(request: Request, normal: Any) -> Any:
        if request.path.startswith("/w/api.php") and request.method == "POST":
            return Raw(307, {"Location": "/w2/api.php"})
        return normal

    wiki.hook = hook
    result = run(wiki.url, "set", "event", "place=Nantes")
    check_run(result, {0}, workdir)
    assert "Nantes" in wiki.text("Meetup")


def test_basic_auth_is_not_sent_to_another_host(
    wiki: HostileWiki, elsewhere: HostileWiki, workdir: Path
) -> None:
    wiki.hook = _redirect(elsewhere, 302, "query")
    site = wiki.url.replace("//", f"//{quote(BOT_USER)}:{quote(PASSWORD, safe='')}@")
    result = run(site, "--user", "", "pages", "Evénement")
    check_run(result, {2}, workdir)
    assert not elsewhere.log


# -- the CLI in a real process: bounded time, exit codes, nothing leaked --------------------------


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (["pages", "Evénement"], 0),
        (["records", "event"], 0),
        (["check", "event"], 0),
        (["pull", "Evénement", "mirror"], 0),
        (["set", "event", "place=Nantes", "--dry-run"], 0),
        (["set", "event", "place=Nantes", "--report", "report.json"], 1),
    ],
)
def test_cli_process_against_a_hostile_wiki(
    wiki: HostileWiki, elsewhere: HostileWiki, workdir: Path, command: list[str], code: int
) -> None:
    """Odd titles and a bad page in every reply, and every POST of an edit sent elsewhere."""

    def hook(request: Request, normal: Any) -> Any:
        if request.params.get("action") == "edit":
            return Raw(308, {"Location": elsewhere.url})
        pages = (normal.get("query") or {}).get("pages")
        if isinstance(pages, list) and pages:
            pages.append({"pageid": 9, "ns": 0, "title": "\ud800"})
            pages.append({"pageid": "NaN", "ns": 0, "title": "Bad"})
        return normal

    wiki.hook = hook
    env = dict(os.environ, WIKISYNC_PASSWORD=PASSWORD)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "wikisync", "--site", wiki.url, "-v", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=workdir,
    )
    assert time.monotonic() - start < 30
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    if code:
        assert done.stderr.count("with a redirect (HTTP 308) to 127.0.0.2") == 2
        assert "Bad" not in done.stdout
    assert_no_secret(done.stdout, done.stderr, all_files(workdir), elsewhere.received())
    assert not elsewhere.log


# -- headers: non-Latin-1 contact and basic-auth password -----------------------------------------


def test_non_latin1_contact_and_password_are_encoded(wiki: HostileWiki, workdir: Path) -> None:
    site = wiki.url.replace("//", "//bu:pa€ss-wörd@")
    env = {"WIKISYNC_CONTACT": "L\u2019équipe <x@y>", "WIKISYNC_USER": ""}
    result = run(site, "--user", "", "pages", "Evénement", env=env)
    check_run(result, {0}, workdir)
    request = wiki.log[0]
    assert request.headers["User-Agent"].endswith("(L%E2%80%99%C3%A9quipe <x@y>)")
    expected = base64.b64encode("bu:pa€ss-wörd".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert "pa€ss" not in result.stderr + result.stdout
