"""Throwaway real MediaWikis for integration tests (Debian's MediaWiki 1.39).

:class:`TestWiki` creates a wiki in a directory (SQLite, French content
language, a bot user with a bot password), imports XML, serves it with PHP's
built-in web server on 127.0.0.1 and stops it again. Nothing under
``/usr/share/mediawiki`` is modified: each wiki is a directory holding its own
``LocalSettings.php``, selected with ``MW_CONFIG_FILE`` for the server and the
maintenance scripts alike.

Every path in the generated settings is relative to the wiki's directory
(``__DIR__``), so a stopped wiki can be cloned by copying files and changing
only ``$wgServer`` (the port is baked into it). The SQLite files live in a
data directory named by the file ``current-data``, read on every request:
:meth:`TestWiki.restore` copies a snapshot into a *new* data directory and
switches the pointer, so it is safe even while the server runs (a request
still finishing from an earlier test writes into the old, discarded copy).

Test toggles are files in the wiki's directory, read on every request:
``fake-lag`` (seconds of replica lag reported to API calls that carry
``maxlag``), ``read-only`` (the reason; the wiki refuses writes) and
``ratelimit`` (present: the bot keeps core rate limits).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

from filelock import FileLock

#: Where Debian's ``mediawiki`` package installs MediaWiki (override: ``MW_INSTALL_PATH``).
MEDIAWIKI_DIR = Path(os.environ.get("MW_INSTALL_PATH", "/usr/share/mediawiki"))
PHP_MODULES = ("pdo_sqlite", "intl", "mbstring", "dom", "xml")
APT_PACKAGES = "mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml"
BOT_GRANTS = "basic,highvolume,editpage,createeditmovepage,delete"

_SETTINGS_MARK = "# ---- wikisync test overrides ----"
_DATA_POINTER = "current-data"
_SQLITE_DIR_LINE = re.compile(r"^\$wgSQLiteDataDir = .*;$", re.M)
_SERVER_LINE = re.compile(r'^\$wgServer = "http://127\.0\.0\.1:\d+";$', re.M)


class WikiSetupError(RuntimeError):
    """The test wiki could not be created, seeded or started; the message says why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now and reserved for this process.

    The kernel picks a free port (bind port 0); the port is then reserved by a
    file in :data:`PORTS_DIR` naming this process, so no other test process
    (a parallel pytest-xdist worker, another run of the suite) is handed the
    same port between picking it and serving on it, nor while a test stops
    and restarts a server on it. Reservations end with the process.

    Raises:
        WikiSetupError: no port could be reserved.
    """
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if _reserve_port(port):
            return port
    raise WikiSetupError(f"no free port could be reserved (reservations: {PORTS_DIR})")


#: Port reservations shared by every test process on this machine: one file per port.
PORTS_DIR = Path(tempfile.gettempdir()) / "wikisync-test-ports"
_reserved_ports: set[int] = set()


def _reserve_port(port: int) -> bool:
    """Reserve ``port`` for this process unless a live process holds it already."""
    PORTS_DIR.mkdir(exist_ok=True)
    path = PORTS_DIR / str(port)
    with FileLock(PORTS_DIR / ".lock"):
        if path.exists() and _process_alive(path.read_text(encoding="utf-8").strip()):
            return False
        path.write_text(f"{os.getpid()}\n", encoding="utf-8")
    _reserved_ports.add(port)
    return True


def _process_alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release_ports() -> None:
    for port in _reserved_ports:
        with suppress(OSError):
            path = PORTS_DIR / str(port)
            if path.read_text(encoding="utf-8").strip() == str(os.getpid()):
                path.unlink()
    _reserved_ports.clear()


def check_dependencies() -> None:
    """Raise :class:`WikiSetupError` naming what is missing to run a test wiki."""
    fix = f"install them with: apt-get install {APT_PACKAGES}"
    if shutil.which("php") is None:
        raise WikiSetupError(f"php is not installed (no 'php' on PATH); {fix}")
    for needed in ("api.php", "maintenance/install.php", "maintenance/importDump.php"):
        if not (MEDIAWIKI_DIR / needed).is_file():
            raise WikiSetupError(
                f"MediaWiki is not installed: {MEDIAWIKI_DIR / needed} is missing; {fix}"
            )
    result = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False)
    loaded = {line.strip().lower() for line in result.stdout.splitlines()}
    missing = [module for module in PHP_MODULES if module not in loaded]
    if missing:
        raise WikiSetupError(f"PHP modules missing: {', '.join(missing)}; {fix}")


class TestWiki:
    """One throwaway MediaWiki in a directory, served on one port of 127.0.0.1.

    Example:
        >>> wiki = TestWiki.create(tmp_path / "wiki")  # doctest: +SKIP
        >>> wiki.import_xml(dump)
        >>> with wiki.start():
        ...     site = mwclient.Site(wiki.host, path="/", scheme="http")
        ...     site.login(wiki.bot_user, wiki.bot_password)
    """

    __test__ = False  # not a pytest test class, despite its name

    #: Every wiki whose server this process started and has not stopped.
    _running: ClassVar[set[TestWiki]] = set()

    ADMIN_USER = "Admin"
    BOT_NAME = "WikiBot"
    BOT_APP = "sync"

    def __init__(self, directory: Path) -> None:
        """Open an existing wiki made by :meth:`create` or :meth:`clone`.

        Raises:
            WikiSetupError: the directory holds no such wiki.
        """
        self.directory = Path(directory).resolve()
        meta_path = self.directory / "wiki.json"
        if not meta_path.is_file():
            raise WikiSetupError(f"{self.directory} holds no test wiki (no wiki.json)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        self.port: int = meta["port"]
        self.admin_password: str = meta["admin_password"]
        self.bot_password: str = meta["bot_password"]
        self._process: subprocess.Popen[bytes] | None = None

    # -- creating -----------------------------------------------------------

    @classmethod
    def create(
        cls,
        directory: Path,
        port: int | None = None,
        *,
        ratelimit: bool = False,
        sitename: str = "Wiki Test",
        extensions: tuple[str, ...] = ("ParserFunctions",),
    ) -> TestWiki:
        """Install a fresh wiki in ``directory`` (not started).

        Args:
            directory: an absent or empty directory.
            port: the port it will be served on (baked into ``$wgServer``);
                None picks a free one.
            ratelimit: keep core rate limits for the bot (about 90 edits per
                minute); by default the bot group has ``noratelimit``.
            sitename: the wiki's name.
            extensions: extensions to load from MediaWiki's ``extensions-core``.

        Returns:
            The wiki, with user ``Admin`` (sysop) and bot ``WikiBot`` whose bot
            password (app ``sync``) logs in as ``WikiBot@sync``.

        Raises:
            WikiSetupError: a dependency is missing or a step failed.
        """
        check_dependencies()
        directory = Path(directory).resolve()
        if directory.exists() and any(directory.iterdir()):
            raise WikiSetupError(f"{directory} is not empty")
        port = port or free_port()
        for sub in ("data", "images", "cache"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        admin_password = "Admin-" + secrets.token_hex(8)
        # Bot passwords are recognised by action=login only if they match
        # ^[0-9a-w]{32,}$; otherwise MediaWiki tries a main-account login.
        bot_password = secrets.token_hex(16)
        log = directory / "install.log"
        _run(
            [
                "php",
                "maintenance/install.php",
                "--quiet",
                "--dbtype=sqlite",
                f"--dbpath={directory / 'data'}",
                "--dbname=wiki",
                f"--server=http://127.0.0.1:{port}",
                "--scriptpath=",
                "--lang=fr",
                f"--pass={admin_password}",
                f"--confpath={directory}",
                "--skins=Vector",
                sitename,
                cls.ADMIN_USER,
            ],
            cwd=MEDIAWIKI_DIR,
            env={},
            log=log,
            what="install.php",
        )
        settings_path = directory / "LocalSettings.php"
        settings = settings_path.read_text(encoding="utf-8")
        settings, count = _SQLITE_DIR_LINE.subn(
            lambda _: (
                "$wgSQLiteDataDir = __DIR__ . '/' . trim( file_get_contents( "
                f"__DIR__ . '/{_DATA_POINTER}' ) );"
            ),
            settings,
        )
        if count != 1:
            raise WikiSetupError(f"{settings_path}: no $wgSQLiteDataDir line to rewrite")
        settings_path.write_text(settings + _settings_block(extensions), encoding="utf-8")
        (directory / _DATA_POINTER).write_text("data\n", encoding="utf-8")
        meta = {"port": port, "admin_password": admin_password, "bot_password": bot_password}
        (directory / "wiki.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        wiki = cls(directory)
        wiki.set_ratelimit(ratelimit)
        wiki.maint("createAndPromote", "--bot", cls.BOT_NAME, admin_password)
        wiki.maint(
            "createBotPassword",
            f"--appid={cls.BOT_APP}",
            f"--grants={BOT_GRANTS}",
            cls.BOT_NAME,
            bot_password,
        )
        return wiki

    def clone(
        self, directory: Path, port: int | None = None, *, snapshot: str | None = None
    ) -> TestWiki:
        """Copy this wiki (stopped or idle) to a new directory served on another port.

        Args:
            directory: an absent or empty directory.
            port: the new port; None picks a free one.
            snapshot: copy this snapshot's data instead of the current data.

        Returns:
            The copy, not started; toggles (lag, read-only) are not copied,
            the rate-limit setting is.
        """
        directory = Path(directory).resolve()
        if directory.exists() and any(directory.iterdir()):
            raise WikiSetupError(f"{directory} is not empty")
        port = port or free_port()
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "images").mkdir()
        shutil.copytree(self.directory / "cache", directory / "cache")  # l10n: faster 1st hit
        source = self._snapshot_dir(snapshot) if snapshot else self.data_dir
        _copy_sqlite(source, directory / "data")
        (directory / _DATA_POINTER).write_text("data\n", encoding="utf-8")
        settings = (self.directory / "LocalSettings.php").read_text(encoding="utf-8")
        settings = _SERVER_LINE.sub(f'$wgServer = "http://127.0.0.1:{port}";', settings)
        (directory / "LocalSettings.php").write_text(settings, encoding="utf-8")
        if (self.directory / "ratelimit").exists():
            (directory / "ratelimit").touch()
        meta = {
            "port": port,
            "admin_password": self.admin_password,
            "bot_password": self.bot_password,
        }
        (directory / "wiki.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return type(self)(directory)

    # -- content ------------------------------------------------------------

    def import_xml(self, path: Path, *, link_updates: bool = True) -> None:
        """Import an export file (``importDump.php``), then settle the wiki.

        After the import: ``initSiteStats.php --update``, a check that category
        links exist (``refreshLinks.php`` if not) and ``runJobs.php``, so the
        job queue is empty and no request runs leftover jobs later.

        Args:
            path: the export file.
            link_updates: False imports with ``--no-updates`` and rebuilds the
                link tables with ``refreshLinks.php`` afterwards: about 40 %
                faster on thousands of pages, but the search index stays empty.

        Raises:
            WikiSetupError: a script failed, or categories stayed empty even
                after ``refreshLinks.php``.
        """
        path = Path(path).resolve()
        self.maint("importDump", *([] if link_updates else ["--no-updates"]), str(path))
        if not link_updates or (
            self._count_categorylinks() == 0 and self._xml_has_category_link(path)
        ):
            self.maint("refreshLinks")
            if self._count_categorylinks() == 0 and self._xml_has_category_link(path):
                raise WikiSetupError(f"{self.directory}: categories are empty after import")
        self.maint("initSiteStats", "--update")
        self.maint("runJobs")

    def maint(self, script: str, *args: str, input: str | None = None) -> str:
        """Run ``maintenance/<script>.php`` against this wiki and return its output.

        Raises:
            WikiSetupError: the script exited non-zero (its output is in the message).
        """
        return _run(
            ["php", str(MEDIAWIKI_DIR / "maintenance" / f"{script}.php"), *args],
            cwd=self.directory,
            env={"MW_CONFIG_FILE": str(self.directory / "LocalSettings.php")},
            what=f"{script}.php",
            input=input,
        )

    def snapshot(self, name: str) -> None:
        """Save the SQLite files under ``name`` (the wiki must be idle or stopped)."""
        target = self._snapshot_dir(name, must_exist=False)
        if target.exists():
            shutil.rmtree(target)
        _copy_sqlite(self.data_dir, target)

    def restore(self, name: str) -> None:
        """Return to snapshot ``name``; safe while the server runs.

        The snapshot is copied to a new data directory and the pointer file
        switched atomically; the previous data directory is deleted.
        """
        source = self._snapshot_dir(name)
        old = self.data_dir
        new = self.directory / f"data-{time.monotonic_ns()}"
        _copy_sqlite(source, new)
        pointer = self.directory / f"{_DATA_POINTER}.tmp"
        pointer.write_text(f"{new.name}\n", encoding="utf-8")
        pointer.replace(self.directory / _DATA_POINTER)
        shutil.rmtree(old, ignore_errors=True)

    @property
    def data_dir(self) -> Path:
        """The directory holding the SQLite files now in use."""
        name = (self.directory / _DATA_POINTER).read_text(encoding="utf-8").strip()
        return self.directory / name

    # -- serving ------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> TestWiki:
        """Serve the wiki and wait until ``api.php`` answers; return ``self``.

        Raises:
            WikiSetupError: the port is taken, or the API did not answer within
                ``timeout`` seconds (the server log's tail is in the message).
        """
        if self.is_running:
            return self
        if not _port_free(self.port):
            raise WikiSetupError(f"port {self.port} is already in use; clone the wiki to another")
        log = (self.directory / "server.log").open("ab")
        env = {
            **os.environ,
            "MW_CONFIG_FILE": str(self.directory / "LocalSettings.php"),
            "PHP_CLI_SERVER_WORKERS": "4",
        }
        with log:
            # Own session and process group: stop() takes down every worker.
            self._process = subprocess.Popen(
                ["php", "-S", f"127.0.0.1:{self.port}", "-t", str(MEDIAWIKI_DIR)],
                cwd=self.directory,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        TestWiki._running.add(self)
        deadline = time.monotonic() + timeout
        probe = f"{self.api_url}?action=query&meta=siteinfo&format=json"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(probe, timeout=5) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        tail = self.server_log_tail()
        self.stop()
        raise WikiSetupError(
            f"api.php did not answer on {self.url} within {timeout:.0f} s; server log tail:\n{tail}"
        )

    def stop(self) -> None:
        """Stop the server (its whole process group); no-op if not running."""
        process, self._process = self._process, None
        TestWiki._running.discard(self)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=3)

    @classmethod
    def stop_all(cls) -> None:
        """Stop every server this process started (also run at interpreter exit)."""
        for wiki in list(cls._running):
            wiki.stop()

    @property
    def is_running(self) -> bool:
        """Whether this object's server process is alive."""
        return self._process is not None and self._process.poll() is None

    def server_log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log."""
        path = self.directory / "server.log"
        if not path.exists():
            return "(no server log)"
        text = path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> TestWiki:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- toggles ------------------------------------------------------------

    def set_fake_lag(self, seconds: float | None) -> None:
        """Report ``seconds`` of replica lag to API calls carrying ``maxlag``; None: none."""
        self._toggle("fake-lag", None if seconds is None else f"{seconds}\n")

    def set_read_only(self, reason: str | None) -> None:
        """Make the wiki read-only with this reason (API error ``readonly``); None: writable."""
        self._toggle("read-only", None if reason is None else reason)

    def set_ratelimit(self, enabled: bool, *, edits: int | None = None, seconds: int = 60) -> None:
        """Keep rate limits for the bot (True) or grant it ``noratelimit`` (False).

        Args:
            enabled: hold the bot to a rate limit.
            edits: with ``seconds``, a tighter limit than core's 90 edits a minute
                for logged-in users (the object cache then lives in the database,
                which the limiter needs to count).
            seconds: the window of ``edits``.
        """
        content = None
        if enabled:
            content = "on\n" if edits is None else f"{edits}/{seconds}\n"
        self._toggle("ratelimit", content)

    def reset_toggles(self) -> None:
        """No fake lag, writable; the rate-limit setting is left as it is."""
        self.set_fake_lag(None)
        self.set_read_only(None)

    # -- access -------------------------------------------------------------

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``, the host argument of ``mwclient.Site``."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}"

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT/api.php``."""
        return f"{self.url}/api.php"

    @property
    def bot_user(self) -> str:
        """The bot-password login name, ``WikiBot@sync``."""
        return f"{self.BOT_NAME}@{self.BOT_APP}"

    @property
    def admin_user(self) -> str:
        """The administrator's user name, ``Admin``."""
        return self.ADMIN_USER

    def api(self, **params: str | int) -> dict[str, Any]:
        """One anonymous GET to ``api.php`` (``format=json`` added); the decoded reply.

        HTTP errors are returned too when their body is JSON (e.g. ``maxlag``).
        """
        query = urllib.parse.urlencode({"format": "json", "formatversion": 2, **params})
        try:
            with urllib.request.urlopen(f"{self.api_url}?{query}", timeout=30) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
        reply: dict[str, Any] = json.loads(body)
        return reply

    def __repr__(self) -> str:
        return f"TestWiki({str(self.directory)!r}, url={self.url!r})"

    # -- private ------------------------------------------------------------

    def _toggle(self, name: str, content: str | None) -> None:
        path = self.directory / name
        if content is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(content, encoding="utf-8")

    def _snapshot_dir(self, name: str, *, must_exist: bool = True) -> Path:
        if not re.fullmatch(r"[\w.-]+", name):
            raise ValueError(f"bad snapshot name {name!r}")
        path = self.directory / "snapshots" / name
        if must_exist and not path.is_dir():
            raise WikiSetupError(f"{self.directory}: no snapshot {name!r}")
        return path

    def _count_categorylinks(self) -> int:
        with closing(sqlite3.connect(self.data_dir / "wiki.sqlite")) as db:
            (count,) = db.execute("SELECT COUNT(*) FROM categorylinks").fetchone()
        return int(count)

    @staticmethod
    def _xml_has_category_link(path: Path) -> bool:
        with path.open(encoding="utf-8") as dump:
            return any("[[Catégorie:" in line or "[[Category:" in line for line in dump)


def _settings_block(extensions: tuple[str, ...]) -> str:
    """Settings appended to LocalSettings.php; all paths relative to ``__DIR__``."""
    loads = "".join(f"wfLoadExtension( '{name}' );\n" for name in extensions)
    return f"""
{_SETTINGS_MARK}
$wgUploadDirectory = __DIR__ . '/images';
$wgCacheDirectory = __DIR__ . '/cache';
$wgUseImageMagick = false;
$wgShowExceptionDetails = true;
$wgEnableBotPasswords = true;
$wgExtensionDirectory = '{MEDIAWIKI_DIR}/extensions-core';
// Core gives 'noratelimit' to sysops only: a bot is held to about 90 edits a
// minute and gets API error 'ratelimited' beyond. The file 'ratelimit' keeps that.
// A file holding 'N/S' sets a tighter limit of N edits per S seconds, counted in
// the database cache (with CACHE_NONE the limiter counts nothing).
if ( !is_file( __DIR__ . '/ratelimit' ) ) {{
	$wgGroupPermissions['bot']['noratelimit'] = true;
}} elseif ( preg_match(
	'#^(\\d+)/(\\d+)$#', trim( file_get_contents( __DIR__ . '/ratelimit' ) ), $m
) ) {{
	$wgMainCacheType = CACHE_DB;
	$wgRateLimits['edit']['user'] = [ (int)$m[1], (int)$m[2] ];
}}
// Throwaway wiki: no fsync per commit (about twice as fast on writes).
$wgDBservers = [ [ 'host' => '', 'dbname' => $wgDBname, 'user' => '', 'password' => '',
	'type' => 'sqlite', 'load' => 1, 'flags' => DBO_DEFAULT,
	'variables' => [ 'synchronous' => 'OFF' ] ] ];
$wgObjectCaches[CACHE_DB]['server']['variables']['synchronous'] = 'OFF';
$wgJobTypeConf['default']['server']['variables']['synchronous'] = 'OFF';
// A namespace whose pages are JSON (as the Maps extension's GeoJson: namespace
// is GeoJSON): map jobs save whole pages of data there (content model json).
$wgExtraNamespaces[3000] = 'Json';
$wgExtraNamespaces[3001] = 'Discussion_Json';
$wgNamespaceContentModels[3000] = CONTENT_MODEL_JSON;
// Test toggles, read on every request.
$wgReadOnlyFile = __DIR__ . '/read-only';
// There are no replicas, so lag is always 0: report the file's value instead,
// so API calls carrying maxlag fail with a real 'maxlag' error.
$wgHooks['ApiMaxLagInfo'][] = static function ( &$lagInfo ) {{
	$file = __DIR__ . '/fake-lag';
	if ( is_readable( $file ) ) {{
		$lagInfo = [ 'host' => 'fake-replica', 'type' => 'db',
			'lag' => (float)trim( file_get_contents( $file ) ) ];
	}}
}};
{loads}"""


def _run(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    what: str,
    log: Path | None = None,
    input: str | None = None,
) -> str:
    result = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        input=input,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    if log is not None:
        log.write_text(output, encoding="utf-8")
    if result.returncode != 0:
        tail = "\n".join(output.splitlines()[-30:])
        raise WikiSetupError(f"{what} failed (exit {result.returncode}):\n{tail}")
    return output


def _copy_sqlite(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    (target / "locks").mkdir()
    for path in source.glob("*.sqlite"):
        shutil.copyfile(path, target / path.name)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


atexit.register(_release_ports)  # runs last: atexit calls in reverse order
atexit.register(TestWiki.stop_all)
