"""The embedded revision cache that makes repeat reads of a live wiki incremental.

One SQLite file (by default in the user's cache folder, from platformdirs)
keeps, per wiki, the last fetched revision of each page: its id, title,
timestamp and wikitext. A repeat read lists a category's members with their
``lastrevid`` (one request for up to 5,000 pages as a bot) and fetches content
only for the pages whose revision changed. Beside the revisions, the same
file keeps what each page parsed into (:mod:`wikisync.ops.record_cache`), so
that a warm run parses only changed pages, and which index pages were found
to hold their job's section (:mod:`wikisync.ops.jobs.memo`). The file is shared safely by
several processes (WAL journal, busy timeout, short transactions).

The cache path comes from a setting (the cache option, ``WIKISYNC_CACHE``,
``cache = "…"``), so it may name any file: wikisync uses only a file it
made. A new cache is built in a temporary file and linked into place
complete (its SQLite header carries wikisync's ``application_id`` from the
start); an existing path is opened only when it is a regular file (not a
link, a folder, a device or a named pipe, checked without following links
or blocking) whose header carries that ``application_id``. Anything else is
refused with an :class:`~wikisync.core.errors.UnsafePathError`, never renamed,
replaced or written. A cache of wikisync's that is corrupt or of another
format is moved aside (``NAME.broken-<time>``) and rebuilt, with a warning:
its content is never trusted.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sqlite3
import stat
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import platformdirs

from wikisync import files
from wikisync.config import Config
from wikisync.core.errors import ConfigError, UnsafePathError
from wikisync.core.pages import PageText

log = logging.getLogger(__name__)

APPLICATION_ID = 0x77_6B_73_63  # "wksc": marks the file as wikisync's
_SQLITE_MAGIC = b"SQLite format 3\0"
SCHEMA_VERSION = 1
_BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    site TEXT NOT NULL,
    pageid INTEGER NOT NULL,
    title TEXT NOT NULL,
    ns INTEGER NOT NULL,
    revid INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    wikitext TEXT NOT NULL,
    PRIMARY KEY (site, pageid)
);
CREATE TABLE IF NOT EXISTS records (
    site TEXT NOT NULL,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    digest TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (site, type, title)
);
CREATE TABLE IF NOT EXISTS categories (
    site TEXT NOT NULL,
    category TEXT NOT NULL,
    read_at REAL NOT NULL,
    PRIMARY KEY (site, category)
);
"""


def default_cache_path() -> Path:
    """Where the cache lives when ``cache`` is not configured."""
    return Path(platformdirs.user_cache_dir("wikisync")) / "revisions.sqlite"


def open_cache(config: Config) -> RevisionCache | None:
    """The revision cache a configuration asks for: ``cache`` (else the default
    path), or None when ``use_cache`` is off.

    Raises:
        ConfigError: the file (or its folder) cannot be made or opened.
        UnsafePathError: the path holds something wikisync did not make.
    """
    if not config.use_cache:
        return None
    path = Path(config.cache) if config.cache else default_cache_path()
    try:
        return RevisionCache(path)
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            f"revision cache {path} cannot be opened ({reason}); give another file with "
            "cache=FILE (WIKISYNC_CACHE) or read without it: use_cache=False",
            key="cache",
        ) from exc


class RevisionCache:
    """Last-fetched revisions of pages, per wiki, in one SQLite file.

    Args:
        path: the SQLite file (created with its folder when absent).

    Example:
        >>> cache = RevisionCache(default_cache_path())
        >>> cache.get_many("https://wiki.example.org/api.php", [12, 13])
        {}
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self._is_own():
            self._create()
            self._is_own()  # made by another process at the same time: checked the same way
        try:
            self._db = self._open()
        except _NotOwn as exc:
            raise self._refusal(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            self._db = self._rebuild(str(exc))

    def _refusal(self, what: str) -> UnsafePathError:
        return UnsafePathError(
            f'revision cache "{self.path}" {what}, so it is not a cache wikisync made: '
            "wikisync never replaces it; name another file for the cache (or remove that one)",
            path=str(self.path),
        )

    def _is_own(self) -> bool:
        """True for wikisync's cache, False when absent; anything else is refused."""
        header = files.read_regular(self.path, "revision cache", limit=100)
        if header is None:
            return False
        if not header.startswith(_SQLITE_MAGIC) or len(header) < 100:
            raise self._refusal("is not an SQLite database")
        app_id = int.from_bytes(header[68:72], "big")
        if app_id == APPLICATION_ID:
            return True
        # A cache made before wikisync set application_id outside WAL may hold it in
        # its -wal file only (after a crash): _open reads it through SQLite.
        if app_id == 0 and os.path.lexists(f"{self.path}-wal"):
            return True
        raise self._refusal(f"is another program's SQLite database (application_id {app_id:#x})")

    def _create(self) -> None:
        """Build an empty cache beside the path, then link it into place complete."""
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        os.close(os.open(temporary, flags, 0o666))
        try:
            db = sqlite3.connect(temporary, isolation_level=None)
            try:
                # rollback journal: everything, application_id included, is in the file itself
                db.executescript(
                    f"BEGIN IMMEDIATE; {_SCHEMA}"
                    f"PRAGMA application_id = {APPLICATION_ID};"
                    f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                )
            finally:
                db.close()
            try:
                os.link(temporary, self.path)  # never replaces: another run's cache wins
            except FileExistsError:
                pass
            except OSError:  # no hard links on this file system
                if not os.path.lexists(self.path):
                    os.replace(temporary, self.path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)

    def _check_sidecars(self) -> None:
        """Refuse a ``-wal``, ``-shm`` or ``-journal`` file that is not a plain file.

        SQLite opens these beside the database and follows links: a link
        planted there would have it write into whatever file it names.
        """
        for suffix in ("-wal", "-shm", "-journal"):
            try:
                mode = os.lstat(f"{self.path}{suffix}").st_mode
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(mode):
                raise _NotOwn(f"has a {suffix[1:]} file that is a symbolic link")
            if not stat.S_ISREG(mode):
                raise _NotOwn(f"has a {suffix[1:]} file that is not a regular file")

    def _open(self) -> sqlite3.Connection:
        self._check_sidecars()
        db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables and app_id != APPLICATION_ID:
                raise _NotOwn(f"is another program's SQLite database (application_id {app_id:#x})")
            if tables and version != SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"not a wikisync cache of format {SCHEMA_VERSION} "
                    f"(application_id={app_id:#x}, user_version={version})"
                )
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            if not tables:
                # one script, one transaction: a second process waits, then finds it made
                db.executescript(
                    f"BEGIN IMMEDIATE; {_SCHEMA}"
                    f"PRAGMA application_id = {APPLICATION_ID};"
                    f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                )
            elif not db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records'"
            ).fetchone():
                # a file made before records were cached: add their table
                db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;")
        except BaseException:
            db.close()
            raise
        return db

    def _rebuild(self, reason: str) -> sqlite3.Connection:
        aside = self.path.with_name(f"{self.path.name}.broken-{int(time.time())}")
        log.warning(
            "revision cache %s is unusable (%s); moved it to %s and starting afresh",
            self.path,
            reason,
            aside,
        )
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")  # plain files: _check_sidecars saw them
            if os.path.lexists(part):
                part.replace(Path(f"{aside}{suffix}"))
        self._create()
        self._is_own()
        return self._open()

    def get_many(self, site: str, pageids: Iterable[int]) -> dict[int, PageText]:
        """The cached pages among ``pageids``, by page id."""
        ids = list(pageids)
        found: dict[int, PageText] = {}
        for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT pageid, title, ns, revid, timestamp, wikitext FROM pages "
                f"WHERE site = ? AND pageid IN ({marks})",
                [site, *chunk],
            )
            for pageid, title, ns, revid, timestamp, wikitext in rows:
                found[pageid] = PageText(title, wikitext, revid, timestamp, ns, pageid)
        return found

    def put_many(self, site: str, pages: Iterable[PageText]) -> None:
        """Store pages (replacing older revisions of the same page ids)."""
        rows = [
            (site, p.pageid, p.title, p.ns, p.revid, p.timestamp, p.wikitext)
            for p in pages
            if p.pageid is not None
        ]
        if not rows:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO pages "
                "(site, pageid, title, ns, revid, timestamp, wikitext) VALUES (?,?,?,?,?,?,?)",
                rows,
            )

    def get_records(self, site: str, record_type: str) -> dict[str, tuple[str, str, str]]:
        """The cached records of a type, by title: (fingerprint, digest, data).

        See :mod:`wikisync.ops.record_cache`, which writes and reads them.
        """
        rows = self._db.execute(
            "SELECT title, fingerprint, digest, data FROM records WHERE site = ? AND type = ?",
            (site, record_type),
        )
        return {title: (fingerprint, digest, data) for title, fingerprint, digest, data in rows}

    def put_records(
        self,
        site: str,
        record_type: str,
        entries: Iterable[tuple[str, str, str, str]],
        *,
        forget: Iterable[str] = (),
    ) -> None:
        """Store (title, fingerprint, digest, data) entries and drop the ``forget`` titles."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO records (site, type, title, fingerprint, digest, data) "
                "VALUES (?,?,?,?,?,?)",
                [(site, record_type, *entry) for entry in entries],
            )
            self._db.executemany(
                "DELETE FROM records WHERE site = ? AND type = ? AND title = ?",
                [(site, record_type, title) for title in forget],
            )

    def forget(self, site: str, pageids: Iterable[int]) -> None:
        """Drop pages (deleted on the wiki)."""
        with self._transaction():
            self._db.executemany(
                "DELETE FROM pages WHERE site = ? AND pageid = ?", [(site, i) for i in pageids]
            )

    def category_known(self, site: str, category: str) -> bool:
        """True when this category was read through the cache before."""
        row = self._db.execute(
            "SELECT 1 FROM categories WHERE site = ? AND category = ?", (site, category)
        ).fetchone()
        return row is not None

    def mark_categories(self, site: str, categories: Iterable[str]) -> None:
        """Record that these categories were read completely just now."""
        now = time.time()
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO categories (site, category, read_at) VALUES (?,?,?)",
                [(site, c, now) for c in categories],
            )

    def stats(self, site: str) -> Mapping[str, int]:
        """How many pages and categories are cached for a site."""
        pages = self._db.execute("SELECT count(*) FROM pages WHERE site = ?", (site,)).fetchone()
        cats = self._db.execute(
            "SELECT count(*) FROM categories WHERE site = ?", (site,)
        ).fetchone()
        return {"pages": int(pages[0]), "categories": int(cats[0])}

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _NotOwn(Exception):
    """The file is an SQLite database, but not wikisync's cache."""


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on error (short: the lock is shared)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
