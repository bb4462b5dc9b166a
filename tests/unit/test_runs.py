"""The pieces of runs cron can trust: lock keys, the stop flag, reports of refused runs."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import pytest

from wikisync.cli.main import finish_report, report_errors
from wikisync.cli.outcomes import error_exit_code, run_exit_code
from wikisync.core.errors import ConfigError, LockError
from wikisync.interrupt import Interrupted, StopFlag, stop_on_signals, stop_requested
from wikisync.ops.lock import RunLock, default_lock_path, lock_key, run_lock_key
from wikisync.ports.source import Source
from wikisync.sources import source_kind
from wikisync.wiki.address import SiteAddress, wiki_identity


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


# -- lock keys ------------------------------------------------------------------------


def test_lock_key_of_a_url_ignores_case_of_scheme_and_host_only() -> None:
    assert lock_key("HTTPS://Wiki.Example.ORG/w/api.php") == "https://wiki.example.org/w/api.php"
    assert lock_key("https://wiki.example.org/w/api.php#x") == "https://wiki.example.org/w/api.php"
    assert lock_key("https://wiki.example.org/W/api.php") != lock_key(
        "https://wiki.example.org/w/api.php"
    )


class _Client:
    """A live wiki's connection as the lock sees it: the Site port (ports/source.py)."""

    def __init__(self, api_url: str, identity: str | None) -> None:
        self.api_url, self.identity = api_url, identity

    def site_address(self) -> str:
        return self.api_url

    def site_identity(self) -> str | None:
        return self.identity


class _Source(Source):
    """A source reading through such a connection (as WikiSource does): the port's answers."""

    location = "http://h:8080"

    def __init__(self, client: _Client) -> None:
        self.client = client

    def site_address(self) -> str:
        return self.client.site_address()

    def site_identity(self) -> str | None:
        return self.client.site_identity()


def test_lock_key_of_a_connection_is_its_probed_address() -> None:
    client = _Client("http://H:8080/api.php", None)
    assert lock_key(client) == lock_key(_Source(client)) == "http://h:8080/api.php"
    assert run_lock_key(client) == run_lock_key(_Source(client)) == "http://h:8080/api.php"


def test_default_lock_path_is_one_file_per_key(tmp_path: Path) -> None:
    first = default_lock_path("http://h/api.php")
    assert first == default_lock_path("HTTP://H/api.php")
    assert first != default_lock_path("http://h/w/api.php")
    assert first.is_relative_to(tmp_path / "state")


@pytest.mark.parametrize(
    ("general", "expected"),
    [
        (
            {"server": "http://127.0.0.1:8080", "scriptpath": "", "wikiid": "wiki"},
            "127.0.0.1:8080/ (wiki)",
        ),
        (
            {"server": "HTTPS://Wiki.Example.ORG", "scriptpath": "/w", "wikiid": "frwiki"},
            "wiki.example.org/w/ (frwiki)",
        ),
        (
            {"server": "//wiki.example.org", "scriptpath": "/w/", "wikiid": "frwiki"},
            "wiki.example.org/w/ (frwiki)",
        ),
        ({"scriptpath": "/w"}, "seen.example:81/w/"),
    ],
)
def test_wiki_identity_is_server_script_path_and_wiki_id(
    general: dict[str, str], expected: str
) -> None:
    assert wiki_identity(general, SiteAddress("http", "seen.example:81", "/x/")) == expected


def test_run_lock_key_of_a_connection_is_the_wiki_identity_not_the_address() -> None:
    client = _Client("http://localhost:8080/api.php", "127.0.0.1:8080/ (wiki)")
    key = "mediawiki://127.0.0.1:8080/ (wiki)"
    assert run_lock_key(client) == run_lock_key(_Source(client)) == key
    assert default_lock_path(run_lock_key(client)).name.startswith("127.0.0.1-8080-wiki-")


def test_run_lock_key_of_a_folder_is_its_real_path(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    assert run_lock_key(tmp_path / "mirror" / ".." / "mirror") == str(tmp_path / "mirror")


def test_default_lock_path_in_a_lock_dir(tmp_path: Path) -> None:
    key = "mediawiki://127.0.0.1:8080/ (wiki)"
    shared = default_lock_path(key, tmp_path / "shared")
    assert shared.parent == tmp_path / "shared"
    assert shared.name == default_lock_path(key).name


def test_shared_lock_files_are_group_writable(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "site.lock"
    old = os.umask(0o022)
    try:
        with RunLock(path, command="rebuild", shared=True):
            assert path.stat().st_mode & 0o777 == 0o664
            assert path.with_name("site.lock.json").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)


@pytest.mark.parametrize("url", ["HTTP://wiki.example.org", "Https://WIKI.example.org/w/api.php"])
def test_upper_case_scheme_is_a_url(url: str) -> None:
    assert source_kind(url) == "wiki"


def test_lock_error_names_the_site_and_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "site.lock"
    with (
        RunLock(path, command="push", site="http://h/api.php"),
        pytest.raises(LockError) as info,
    ):
        RunLock(path, site="http://h/api.php").acquire()
    message = str(info.value)
    assert message.startswith("another wikisync run holds the lock on http://h/api.php: pid ")
    assert f"pid {os.getpid()}" in message and "(push)" in message and "\n" not in message


# -- the stop flag --------------------------------------------------------------------


def test_stop_flag_before_and_after_a_signal() -> None:
    flag = StopFlag()
    assert not flag.requested and run_exit_code((), flag) == 0 and flag.describe() == ""
    flag.signum = signal.SIGTERM
    assert (
        flag.requested
        and run_exit_code((), flag) == 143
        and flag.describe() == "stopped by SIGTERM"
    )


def test_stop_on_signals_sets_the_flag_and_restores_the_handlers() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    assert not stop_requested()
    with stop_on_signals(announce=False) as flag:
        assert not stop_requested()
        os.kill(os.getpid(), signal.SIGINT)
        assert stop_requested() and run_exit_code((), flag) == 130
    assert not stop_requested()
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_second_signal_raises_interrupted_with_its_exit_code() -> None:
    with pytest.raises(Interrupted) as info, stop_on_signals(announce=False):
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
    assert error_exit_code(info.value) == 143 and info.value.signal_name == "SIGTERM"


def test_stop_on_signals_outside_the_main_thread_changes_nothing() -> None:
    seen: list[bool] = []

    def run() -> None:
        with stop_on_signals() as flag:
            seen.append(flag.requested)

    before = signal.getsignal(signal.SIGINT)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [False] and signal.getsignal(signal.SIGINT) is before


# -- reports --------------------------------------------------------------------------


def test_finish_report_marks_a_stopped_run() -> None:
    data = {"exit_code": 0, "pages": []}
    assert finish_report(data, StopFlag()) is data
    stopped = finish_report(data, StopFlag(signal.SIGINT))
    assert stopped == {"exit_code": 130, "pages": [], "interrupted": "SIGINT"}


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (LockError("held"), "refused", 4),
        (ConfigError("bad"), "failed", 2),
        (Interrupted("now", signum=signal.SIGINT), "interrupted", 130),
    ],
)
def test_report_errors_writes_the_report_then_lets_the_error_go(
    tmp_path: Path, error: Exception, status: str, code: int
) -> None:
    path = tmp_path / "report.json"
    with pytest.raises(type(error)), report_errors(path, "set", "http://h", started="T"):
        raise error
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == {
        "operation": "set",
        "command": "set",
        "site": "http://h",
        "started": "T",
        "status": status,
        "exit_code": code,
        "error": str(error),
    }


def test_report_errors_writes_nothing_when_the_run_goes_well(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    with report_errors(path, "set", "http://h"):
        pass
    assert not path.exists()
