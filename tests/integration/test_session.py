"""The session with a live wiki: cut-off replies to every request kind, the login
included; TLS errors; one run lock per wiki however it is reached.

Against the real test wiki, through the fault proxy (tests/faultproxy.py) where
a fault is planned on one request kind.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import ssl
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.faultproxy import KINDS, FaultProxy
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import Config
from wikisync.core.errors import LoginError
from wikisync.ops.lock import RunLock, default_lock_path, run_lock_key
from wikisync.wiki.site import WikiClient

VALUE = "Salle coupée"
#: The faults that cut a reply off after the wiki did the work.
CUT_OFF = ("truncated", "reset_after", "slow")
#: Where to plan a fault: the proxy's action name and how many such requests pass first.
#: Queries in a run: the probe, the login token, the user info, then the command's own.
PLACES = {
    "login": ("login", 0),
    "login-token": ("tokens", 0),
    "edit-token": ("tokens", 1),
    "query": ("query", 3),
    "edit": ("edit", 0),
}


@pytest.fixture
def proxy(wiki: TestWiki) -> Iterator[FaultProxy]:
    """A proxy in front of ``wiki`` that injects only the faults a test plans."""
    with FaultProxy(wiki.port, seed=3, rate=0.0, slow_seconds=2.5, retry_after=1) as started:
        yield started


def _run(wiki: TestWiki, config_file: Path, *args: str, **env: str) -> Result:
    environment = {"WIKISYNC_PASSWORD": wiki.bot_password, "WIKISYNC_TIMEOUT": "1.5", **env}
    return CliRunner().invoke(cli, ["-c", str(config_file), *args], env=environment)


def _text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def _lone_events(wiki: TestWiki) -> list[str]:
    reply = wiki.api(
        action="query", list="categorymembers", cmtitle="Catégorie:Evénement", cmlimit=20
    )
    return [m["title"] for m in reply["query"]["categorymembers"] if m["ns"] == 0]


def _history(wiki: TestWiki, title: str) -> list[str]:
    reply = wiki.api(action="query", prop="revisions", titles=title, rvlimit=50, rvprop="user")
    return [rev["user"] for rev in reply["query"]["pages"][0]["revisions"]]


# -- cut-off replies: the login, its token, the edit token, a query, a save ---------------


@pytest.mark.parametrize("kind", CUT_OFF)
@pytest.mark.parametrize("place", list(PLACES))
def test_cut_off_reply_to_each_request_kind_is_retried(
    wiki: TestWiki,
    proxy: FaultProxy,
    config_file: Path,
    tmp_path: Path,
    place: str,
    kind: str,
) -> None:
    action, before = PLACES[place]
    # twice in a row: the retried login meets the session the first cut-off reply set
    proxy.plan_on(action, *[None] * before, kind, kind)
    report = tmp_path / "report.json"
    result = _run(
        wiki,
        config_file,
        "--site",
        proxy.url,
        "set",
        "event",
        f"place={VALUE}",
        "--where",
        "startDate=2019",
        "--report",
        str(report),
    )
    events = [str(event) for event in proxy.events]
    assert result.exit_code == 0, (result.output, events)
    assert [event.kind for event in proxy.events] == [kind, kind], events
    hit = proxy.events[0].request
    expected_word = {
        "login": "action=login",
        "login-token": "meta=tokens",
        "edit-token": "meta=tokens",
        "query": "action=query",
        "edit": "action=edit",
    }[place]
    assert expected_word in hit, events
    if place == "query":
        assert "meta=tokens" not in hit and "siteinfo" not in hit, events
    pages = json.loads(report.read_text(encoding="utf-8"))["pages"]
    edited = [page["title"] for page in pages if page["status"] == "edited"]
    assert edited and {page["status"] for page in pages} <= {"edited", "skipped"}, pages
    for title in edited:
        assert f"={VALUE}" in _text(wiki, title), title
        # one save per page, by the bot: a lost reply is not saved twice
        assert _history(wiki, title).count("WikiBot") == 1, title


def test_login_reply_cut_off_after_its_headers_does_not_refuse_the_next_login(
    wiki: TestWiki, proxy: FaultProxy
) -> None:
    # The first login's reply sets the bot-password session cookie, then is cut off:
    # the retried login must not be sent inside that session (MediaWiki would refuse
    # it: "Cannot log in when using BotPasswordSessionProvider sessions").
    proxy.plan_on("login", "truncated")
    config = Config(site=proxy.url, user=wiki.bot_user, password=wiki.bot_password)
    client = WikiClient(proxy.url, config.with_overrides(timeout=2, max_wait=20))
    try:
        reply = client.call("query", meta="userinfo")
        assert reply["query"]["userinfo"]["name"] == "WikiBot"
        assert [event.kind for event in proxy.events] == ["truncated"]
    finally:
        client.close()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ["login", "tokens"])
def test_login_and_its_token_are_retried_through_every_fault_kind(
    wiki: TestWiki, proxy: FaultProxy, action: str, kind: str
) -> None:
    proxy.plan_on(action, kind)
    config = Config(site=proxy.url, user=wiki.bot_user, password=wiki.bot_password)
    client = WikiClient(proxy.url, config.with_overrides(timeout=2, max_wait=20))
    try:
        reply = client.call("query", meta="userinfo")
        assert reply["query"]["userinfo"]["name"] == "WikiBot"
        assert [event.kind for event in proxy.events] == [kind]
        expected = "action=login" if action == "login" else "action=query meta=tokens"
        assert expected in proxy.events[0].request, proxy.events
    finally:
        client.close()


def test_lost_session_then_cut_off_login_logs_in_again(wiki: TestWiki, proxy: FaultProxy) -> None:
    config = Config(site=proxy.url, user=wiki.bot_user, password=wiki.bot_password)
    client = WikiClient(proxy.url, config.with_overrides(timeout=2, max_wait=20))
    try:
        client.call("logout", token=client.site.get_token("csrf"), http_method="POST")
        proxy.plan_on("login", "truncated", "reset_after")
        reply = client.call("query", meta="userinfo")  # assert=user fails: logs in again
        assert reply["query"]["userinfo"]["name"] == "WikiBot"
        assert [event.kind for event in proxy.events] == ["truncated", "reset_after"]
    finally:
        client.close()


def test_login_budget_is_per_request_not_one_for_the_whole_exchange(
    wiki: TestWiki, proxy: FaultProxy
) -> None:
    # Five faults in one login, retries=4: each request of the exchange has its own
    # budget, so this logs in (a login restarted whole on each fault would give up).
    # The cut-off login reply set the session cookie: the retry starts from a clean
    # session with a new token; the other faults are retried in the same session.
    proxy.plan_on("tokens", "http503", "reset_before")
    proxy.plan_on("login", "reset_after", "truncated", "http429")
    config = Config(site=proxy.url, user=wiki.bot_user, password=wiki.bot_password)
    client = WikiClient(proxy.url, config.with_overrides(timeout=2, retries=4, max_wait=30))
    try:
        reply = client.call("query", meta="userinfo")
        assert reply["query"]["userinfo"]["name"] == "WikiBot"
        kinds = [event.kind for event in proxy.events]
        assert kinds == ["http503", "reset_before", "reset_after", "truncated", "http429"]
    finally:
        client.close()


def test_wrong_password_is_still_refused_at_once(wiki: TestWiki, proxy: FaultProxy) -> None:
    config = Config(site=proxy.url, user=wiki.bot_user, password="0" * 32)
    with pytest.raises(LoginError, match="refused the login of user WikiBot@sync"):
        WikiClient(proxy.url, config)
    logins = [event for event in proxy.events if "action=login" in event.request]
    assert logins == []
    assert proxy.requests <= 4  # probe, token, login: no retry of a refusal


# -- TLS: a configuration error, not a transient fault ------------------------------------


def test_https_against_an_http_wiki_is_one_line_exit_2_at_once(
    wiki: TestWiki, config_file: Path
) -> None:
    url = f"https://127.0.0.1:{wiki.port}"
    start = time.monotonic()
    result = _run(wiki, config_file, "--site", url, "set", "event", f"place={VALUE}")
    elapsed = time.monotonic() - start
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"wikisync: error: cannot reach the wiki at {url}: TLS failed ("), (
        lines
    )
    assert "http or https" in lines[0]
    assert elapsed < 5, f"a TLS error was retried for {elapsed:.1f} s"


# -- one run lock per wiki, however it is reached ----------------------------------------


def _spellings(wiki: TestWiki, proxy: FaultProxy) -> list[str]:
    """Every way the issue found to reach one wiki beside its lock, plus upper case."""
    port = wiki.port
    return [
        f"http://localhost:{port}",
        f"http://localhost:{port}/api.php",
        f"http://127.0.0.1:{port}//api.php",
        f"http://127.0.0.1:{port}/./api.php",
        f"http://127.1:{port}",
        f"http://0x7f000001:{port}",
        f"http://[::ffff:127.0.0.1]:{port}",
        f"HTTP://LOCALHOST:{port}/",
        f"Http://127.0.0.1:{port}/index.php",
        proxy.url,
    ]


def _start_set(wiki: TestWiki, config_file: Path, site: str, **env: str) -> subprocess.Popen[str]:
    """A real second process: ``wikisync set`` through ``site``."""
    environment = {
        **os.environ,
        "WIKISYNC_PASSWORD": wiki.bot_password,
        "WIKISYNC_TIMEOUT": "5",
        **env,
    }
    command = ["-c", str(config_file), "--site", site, "set", "event", f"place={VALUE}"]
    return subprocess.Popen(
        [sys.executable, "-m", "wikisync", *command],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finished(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _spawn_set(
    wiki: TestWiki, config_file: Path, site: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return _finished(_start_set(wiki, config_file, site, **env))


def _held_key(wiki: TestWiki) -> str:
    client = WikiClient(wiki.url, Config(site=wiki.url, use_cache=False))
    try:
        return run_lock_key(client)
    finally:
        client.close()


def test_every_spelling_alias_and_proxy_of_a_wiki_shares_its_lock(
    wiki: TestWiki, proxy: FaultProxy, config_file: Path, tmp_path: Path
) -> None:
    before = {title: _text(wiki, title) for title in _lone_events(wiki)}
    key = _held_key(wiki)
    with RunLock(default_lock_path(key), command="set"):
        started = {url: _start_set(wiki, config_file, url) for url in _spellings(wiki, proxy)}
        for url, process in started.items():
            result = _finished(process)
            assert result.returncode == 4, (url, result.stdout, result.stderr)
            errors = [line for line in result.stderr.splitlines() if "error" in line]
            assert len(errors) == 1 and f"pid {os.getpid()}" in errors[0], (url, errors)
            assert f"holds the lock on {key}" in errors[0], errors
    assert {title: _text(wiki, title) for title in before} == before
    # the lock is free again: the same run through another spelling now edits
    done = _spawn_set(wiki, config_file, f"http://localhost:{wiki.port}/api.php")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("where", ["env", "file"])
def test_lock_dir_setting_shares_the_lock_between_state_folders(
    wiki: TestWiki, config_file: Path, tmp_path: Path, where: str
) -> None:
    shared = tmp_path / "shared-locks"
    shared.mkdir(mode=0o2775)
    env = {"XDG_STATE_HOME": str(tmp_path / "another-user-state")}
    if where == "env":
        env["WIKISYNC_LOCK_DIR"] = str(shared)
    else:  # relative to the configuration file's folder
        text = config_file.read_text(encoding="utf-8")
        config_file.write_text(f'lock_dir = "{shared.name}"\n{text}', encoding="utf-8")
    key = _held_key(wiki)
    path = default_lock_path(key, shared)
    assert path.parent == shared
    with RunLock(path, command="rebuild", shared=True):
        assert stat.S_IMODE(path.stat().st_mode) == 0o664
        sidecar = path.with_name(path.name + ".json")
        assert stat.S_IMODE(sidecar.stat().st_mode) == 0o664
        result = _spawn_set(wiki, config_file, f"http://localhost:{wiki.port}", **env)
    assert result.returncode == 4, (result.stdout, result.stderr)
    assert f"lock file {path}" in result.stderr and "(rebuild)" in result.stderr
    # without the setting, the other state folder has its own lock: the run goes ahead
    env.pop("WIKISYNC_LOCK_DIR", None)
    if where == "file":
        config_file.write_text(text, encoding="utf-8")
    with RunLock(path, command="rebuild", shared=True):
        alone = _spawn_set(wiki, config_file, wiki.url, **env)
    assert alone.returncode == 0, alone.stderr


# -- bytes that are not UTF-8, in arguments and the environment ---------------------------

BAD = "caf\udce9"  # the byte 0xe9 (Latin-1 "é") as Python hands it over: surrogateescape


def _commands() -> list[str]:
    return sorted(cli.commands)


def _bot_contributions(wiki: TestWiki) -> int:
    reply = wiki.api(action="query", list="usercontribs", ucuser="WikiBot", uclimit=500)
    return len(reply["query"]["usercontribs"])


@pytest.mark.parametrize(
    "args",
    [
        ["set", "event", f"place={BAD}"],
        ["set", "event", "place=Lyon", "--summary", BAD],
        ["rebuild", "--summary", BAD],
        ["--site", f"http://127.0.0.1/{BAD}", "pages", "Evénement"],
        ["import", "event", f"/tmp/{BAD}.csv"],
        *[[command, BAD] for command in _commands()],
    ],
    ids=lambda args: " ".join(args).replace(BAD, "BAD"),
)
def test_argument_that_is_not_utf8_is_one_line_exit_2_nothing_saved(
    wiki: TestWiki, config_file: Path, args: list[str]
) -> None:
    before = _bot_contributions(wiki)
    result = _run(wiki, config_file, *args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("wikisync: error: argument ") and "byte 0xe9" in lines[0], lines
    assert lines[0].endswith("; nothing was done") and "caf" not in lines[0]  # never echoed
    assert _bot_contributions(wiki) == before


@pytest.mark.parametrize("variable", ["WIKISYNC_SUMMARY", "WIKISYNC_PASSWORD", "WIKISYNC_SITE"])
@pytest.mark.parametrize("command", ["set", "rebuild", "import", "push", "pages", "example"])
def test_environment_variable_that_is_not_utf8_is_one_line_exit_2_nothing_saved(
    wiki: TestWiki, config_file: Path, tmp_path: Path, variable: str, command: str
) -> None:
    args = {
        "set": ["set", "event", "place=Lyon"],
        "rebuild": ["rebuild"],
        "import": ["import", "event", str(tmp_path / "rows.csv")],
        "push": ["push", str(tmp_path)],
        "pages": ["pages", "Evénement"],
        "example": ["example", str(tmp_path / "example")],
    }[command]
    before = _bot_contributions(wiki)
    result = _run(wiki, config_file, *args, **{variable: f"secret-{BAD}"})
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"wikisync: error: environment variable {variable} is not UTF-8 text "
        "(byte 0xe9 at character 10); nothing was done"
    ]
    assert "secret" not in result.output
    assert _bot_contributions(wiki) == before


@pytest.fixture(scope="module")
def untrusted_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An https server on 127.0.0.1 with a self-signed certificate: ``https://127.0.0.1:PORT``."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with contextlib.suppress(OSError, ssl.SSLError), conn:
                context.wrap_socket(conn, server_side=True).close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        listener.close()


def test_untrusted_certificate_is_one_line_exit_2_at_once(
    wiki: TestWiki, config_file: Path, untrusted_tls: str
) -> None:
    start = time.monotonic()
    result = _run(wiki, config_file, "--site", untrusted_tls, "rebuild")
    elapsed = time.monotonic() - start
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert lines == [
        f"wikisync: error: cannot reach the wiki at {untrusted_tls}: TLS failed "
        "(certificate verify failed: self-signed certificate) (check the URL's scheme, "
        "http or https, and the wiki's certificate)"
    ], lines
    assert elapsed < 5, f"a certificate error was retried for {elapsed:.1f} s"
