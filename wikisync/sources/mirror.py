"""The local mirror folder: pages as plain files a person can edit and review with git.

Layout of a mirror folder ``DIR`` (file names: see :mod:`wikisync.filenames`)::

    DIR/
      wikisync-mirror.json      {"format": 1, "site": URL or null, "namespaces": [...]}
      pages.jsonl               one line per page pulled, sorted by title: the base
                                revision ({"title", "file", "ns", "pageid", "revid",
                                "timestamp", "categories", "sha1"})
      _main/Accueil.wiki        the page's current text (the main namespace is _main)
      Catégorie/Evénement.wiki
      Modèle/Event.wiki
      .wikisync/.gitignore      "*": what follows stays out of git
      .wikisync/base/_main/Accueil.wiki   the base revision's text, for three-way merges
      .wikisync/journal.jsonl   metadata of a batch being written (see below)
      .wikisync/lock            held by a writer

Reading (:class:`MirrorSource`). A page is a ``.wiki`` file; its title comes
from ``pages.jsonl`` or, for a file not listed there (a page new locally,
revid 0), from its name. A listed file whose text differs from the base
(``sha1``) is a local edit: it is read as its current text with the base
revid. A listed page whose file is gone was deleted locally: it is missing.
A page file holds the wikitext plus one final newline (editors add one; the
wiki strips trailing whitespace anyway); Windows line ends are read as
``\\n``, as MediaWiki saves them. A folder with no metadata at all is read as
a mirror of a French wiki with nothing pulled: every page is new (revid 0).
Category membership is what the wiki said at pull time (``categories``, which
includes categories added by templates) together with the explicit
``[[Catégorie:X]]`` links of the current text; a link removed by a local edit
removes that membership.

Writing (:class:`MirrorWriter`, :func:`write_page`, :func:`remove_page`).
Every file is replaced atomically (a temporary file in the same folder,
fsync, ``os.replace``, fsync of the folder). A page is written base copy
first, then its file, then its metadata line, appended to
``.wikisync/journal.jsonl``; ``pages.jsonl`` is rewritten once per batch, and
the journal replayed by readers in between, so the metadata never claims a
revision whose text was not written, and an interrupted batch loses at most
the page being written. Temporary and state files start with a dot, which no
page file name does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

import filelock
import mwparserfromhell

from wikisync.errors import LockError, SourceError
from wikisync.filenames import PAGE_SUFFIX, path_to_title, title_to_path
from wikisync.pages import CATEGORY_NS, FRENCH, Namespace, Namespaces, PageText
from wikisync.sources.base import FetchResult

__all__ = [
    "INDEX_FILE",
    "METADATA_FILE",
    "MirrorEntry",
    "MirrorSource",
    "MirrorWriter",
    "find_category_links",
    "find_redirect_target",
    "init_mirror",
    "open_mirror",
    "read_page_file",
    "remove_page",
    "text_sha1",
    "write_page",
]

#: The mirror's description: format, site, namespaces.
METADATA_FILE = "wikisync-mirror.json"
#: One line per page: the base revision each file was pulled at.
INDEX_FILE = "pages.jsonl"
#: Version of the folder layout; a newer one is refused.
FORMAT = 1
STATE_DIR = ".wikisync"
BASE_DIR = f"{STATE_DIR}/base"
JOURNAL_FILE = f"{STATE_DIR}/journal.jsonl"
LOCK_FILE = f"{STATE_DIR}/lock"
LOCK_TIMEOUT = 10.0

_REDIRECT_WORDS = frozenset(["#redirect", "#redirection"])


@dataclass(frozen=True, slots=True)
class MirrorEntry:
    """One line of ``pages.jsonl``: the base revision a page's file was pulled at.

    Attributes:
        title: the page's normalised title.
        file: the file's path relative to the mirror folder (POSIX separators).
        ns: the namespace number.
        pageid: the page id on the wiki, when known.
        revid: the base revision id.
        timestamp: the base revision's time, ISO 8601 UTC.
        categories: the categories the wiki listed at pull time (full titles).
        sha1: SHA-1 (hex) of the base revision's UTF-8 text, to tell local edits.
    """

    title: str
    file: str
    ns: int = 0
    pageid: int | None = None
    revid: int = 0
    timestamp: str = ""
    categories: tuple[str, ...] = ()
    sha1: str = ""

    def to_dict(self) -> dict[str, object]:
        """Return the entry as a JSON-ready dict (one line of ``pages.jsonl``)."""
        return {
            "title": self.title,
            "file": self.file,
            "ns": self.ns,
            "pageid": self.pageid,
            "revid": self.revid,
            "timestamp": self.timestamp,
            "categories": list(self.categories),
            "sha1": self.sha1,
        }


@dataclass(slots=True)
class _Item:
    title: str
    path: Path
    entry: MirrorEntry | None


@dataclass(slots=True)
class _Metadata:
    site: str | None
    namespaces: Namespaces
    entries: dict[str, MirrorEntry] = field(default_factory=dict)
    has_metadata: bool = True


class MirrorSource:
    """A mirror folder read as a source of pages (the :class:`Source` protocol).

    The folder is looked at on every call, so edits made meanwhile are seen;
    parsed category links are cached per file until the file changes.

    Example:
        >>> source = open_mirror("examples/fabmob/mirror")
        >>> source.list_category("Evénement", recursive=True)[:1]
        ['Assemblée des communs 2019']
    """

    def __init__(self, path: Path, metadata: _Metadata) -> None:
        self.path = path
        self.location = str(path)
        self.site = metadata.site
        self.namespaces = metadata.namespaces
        self.has_metadata = metadata.has_metadata
        self._metadata = metadata
        self._stamp = _metadata_stamp(path)
        self._links: dict[Path, tuple[tuple[int, int], tuple[str, ...], str]] = {}

    # -- metadata ---------------------------------------------------------

    def entries(self) -> dict[str, MirrorEntry]:
        """The base revisions recorded in the metadata, by title (journal included)."""
        return dict(self._current_metadata().entries)

    def base_text(self, title: str) -> str | None:
        """The base revision's text of a page, or None when it is not stored.

        The base copies are not kept in git, so a fresh clone has none.
        """
        entry = self._current_metadata().entries.get(self.namespaces.normalize(title))
        if entry is None:
            return None
        return _read_base(self.path, entry)

    def page_files(self) -> dict[str, Path]:
        """Every page file of the folder now, by title (listed or new locally)."""
        return {title: item.path for title, item in self._catalog().items()}

    def _current_metadata(self) -> _Metadata:
        stamp = _metadata_stamp(self.path)
        if stamp != self._stamp and self.has_metadata:
            self._metadata = _load_metadata(self.path)
            self._stamp = stamp
        return self._metadata

    # -- the Source protocol ----------------------------------------------

    def list_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> list[str]:
        """Titles of the category's pages, sorted (see the Source protocol)."""
        catalog = self._catalog()
        return _walk_members(
            _category_title(category, self.namespaces),
            {title: self._categories(item) for title, item in catalog.items()},
            self.namespaces,
            recursive=recursive,
            depth=depth,
        )

    def iter_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> Iterator[PageText]:
        """Yield the category's pages, sorted by title."""
        catalog = self._catalog()
        titles = _walk_members(
            _category_title(category, self.namespaces),
            {title: self._categories(item) for title, item in catalog.items()},
            self.namespaces,
            recursive=recursive,
            depth=depth,
        )
        for title in titles:
            yield self._read(catalog[title])

    def iter_pages(self) -> Iterator[PageText]:
        """Yield every page of the mirror, sorted by title."""
        catalog = self._catalog()
        for title in sorted(catalog):
            yield self._read(catalog[title])

    def fetch_titles(self, titles: Iterable[str], *, follow_redirects: bool = False) -> FetchResult:
        """Fetch pages by title; a redirect is followed one step, as the wiki's API does."""
        catalog = self._catalog()
        result = FetchResult()
        for title in dict.fromkeys(self.namespaces.normalize(t) for t in titles):
            item = catalog.get(title)
            if item is None:
                result.missing.append(title)
                continue
            page = self._read(item)
            target = find_redirect_target(page.wikitext, self.namespaces)
            if follow_redirects and target is not None and target != title:
                result.redirects[title] = target
                target_item = catalog.get(target)
                if target_item is None:
                    result.missing.append(title)
                    continue
                page = self._read(target_item)
            result.pages.append(page)
        return result

    def categories_of(self, title: str) -> list[str]:
        """The categories a page of the mirror belongs to (see the module docstring)."""
        item = self._catalog().get(self.namespaces.normalize(title))
        return sorted(self._categories(item)) if item else []

    def close(self) -> None:
        """Nothing to release: files are opened only while read."""

    # -- internals ----------------------------------------------------------

    def _catalog(self) -> dict[str, _Item]:
        """Every page file of the folder now, by title."""
        metadata = self._current_metadata()
        by_file = {entry.file: entry for entry in metadata.entries.values()}
        catalog: dict[str, _Item] = {}
        for relative in _scan_page_files(self.path):
            # macOS may hand back names in NFD; the metadata holds NFC.
            entry = by_file.get(unicodedata.normalize("NFC", relative.as_posix()))
            title = entry.title if entry else path_to_title(relative, self.namespaces)
            if title is None:
                raise SourceError(
                    f'Mirror "{self.path}": cannot tell the title of file "{relative}": it is '
                    f"not listed in {INDEX_FILE} and its name does not encode a title (a "
                    "shortened name, an unknown namespace folder or a bad %-escape); rename "
                    "it to the name wikisync.filenames.title_to_path gives",
                    path=str(self.path / relative),
                )
            previous = catalog.get(title)
            if previous is not None:
                raise SourceError(
                    f'Mirror "{self.path}": files "{previous.path.relative_to(self.path)}" and '
                    f'"{relative}" both hold page "{title}"; keep one of them',
                    path=str(self.path / relative),
                )
            catalog[title] = _Item(title, self.path / relative, entry)
        return catalog

    def _read(self, item: _Item) -> PageText:
        text = _read_page_file(item.path)
        entry = item.entry
        if entry is None:
            ns, _ = self.namespaces.split(item.title)
            return PageText(item.title, text, 0, "", ns, None)
        return PageText(entry.title, text, entry.revid, entry.timestamp, entry.ns, entry.pageid)

    def _categories(self, item: _Item) -> frozenset[str]:
        stat = item.path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._links.get(item.path)
        if cached is not None and cached[0] == key:
            _, links, digest = cached
        else:
            text = _read_page_file(item.path)
            links, digest = tuple(find_category_links(text, self.namespaces)), _sha1(text)
            self._links[item.path] = (key, links, digest)
        entry = item.entry
        if entry is None:
            return frozenset(links)
        pulled = set(entry.categories)
        if pulled and entry.sha1 and digest != entry.sha1:
            base = _read_base(self.path, entry)
            if base is not None:
                # A link the local edit removed no longer counts as a membership.
                pulled -= set(find_category_links(base, self.namespaces))
        return frozenset(pulled.union(links))


class MirrorWriter:
    """Writes pages into a mirror folder, flushing the metadata once per batch.

    Use it as a context manager; the metadata is flushed on exit, also after an
    error (only pages whose files were written are in it). One writer at a time
    holds the folder's lock.

    Example:
        >>> with MirrorWriter("mirror") as writer:
        ...     for page in source.iter_category("Evénement"):
        ...         writer.write_page(page, categories=["Catégorie:Evénement"])
    """

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        """Open a mirror folder made by :func:`init_mirror` for writing.

        Args:
            path: the mirror folder.
            durable: fsync every file and folder written (turn off only for tests
                or throw-away mirrors).

        Raises:
            SourceError: the folder is not a mirror or its metadata is corrupt.
            LockError: another writer holds the folder.
        """
        self.path = Path(path)
        self.durable = durable
        if not (self.path / METADATA_FILE).is_file():
            raise SourceError(
                f'"{self.path}" is not a mirror folder ({METADATA_FILE} is missing): '
                "create it with init_mirror or wikisync pull",
                path=str(self.path / METADATA_FILE),
            )
        (self.path / STATE_DIR).mkdir(exist_ok=True)
        self._lock = filelock.FileLock(str(self.path / LOCK_FILE), timeout=LOCK_TIMEOUT)
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise LockError(
                f'Mirror "{self.path}" is being written by another run (lock {LOCK_FILE})'
            ) from None
        try:
            self._metadata = _load_metadata(self.path)
            self.namespaces = self._metadata.namespaces
            self._dirty = (self.path / JOURNAL_FILE).exists()
            self._unlisted: dict[str, str] | None = None
            self.flush()
        except BaseException:
            self._lock.release()
            raise

    def __enter__(self) -> MirrorWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def write_page(
        self, page: PageText, *, categories: Iterable[str] = (), text: str | None = None
    ) -> PurePosixPath:
        """Write a page pulled from the wiki: its file, its base copy, its metadata.

        Args:
            page: the revision to write (its text becomes the base too).
            categories: the categories the wiki lists for the page, with or
                without the namespace prefix.
            text: what the page's file holds when it is not the revision's
                text (a three-way merge of a local edit with it); the page then
                reads as modified locally.

        Returns:
            The file's path relative to the mirror folder.
        """
        relative = self._file_of(self.namespaces.normalize(page.title))
        # The base copy is a cache checked against the metadata's sha1: no fsync.
        _write_atomic(self.path / BASE_DIR / relative, page.wikitext.encode("utf-8"), False)
        file_text = page.wikitext if text is None else text
        _write_atomic(self.path / relative, (file_text + "\n").encode("utf-8"), self.durable)
        return self._record(page, relative, categories)

    def write_base(
        self, page: PageText, *, categories: Iterable[str] | None = None
    ) -> PurePosixPath:
        """Record a new base revision of a page and leave its file as it is.

        Used after a push (the file already holds the saved text) and when a
        pull meets a conflict (the file keeps the local edit, which then reads
        as a change against the wiki's newer revision).

        Args:
            page: the base revision.
            categories: the categories the wiki lists; None keeps those recorded.

        Returns:
            The file's path relative to the mirror folder.
        """
        title = self.namespaces.normalize(page.title)
        relative = self._file_of(title)
        if categories is None:
            entry = self._metadata.entries.get(title)
            categories = entry.categories if entry else ()
        _write_atomic(self.path / BASE_DIR / relative, page.wikitext.encode("utf-8"), False)
        return self._record(page, relative, categories)

    def move_page(self, title: str, new_title: str) -> PurePosixPath:
        """Follow a page moved on the wiki: its file (local edits kept) gets the new title.

        The file is copied to its new name, then the metadata moves in one
        journal write, then the old file goes; an interruption leaves at worst
        the old file beside the new one, never a page without a file.

        Returns:
            The new file's path relative to the mirror folder.

        Raises:
            ValueError: ``title`` is not in the mirror's metadata.
        """
        title = self.namespaces.normalize(title)
        new_title = self.namespaces.normalize(new_title)
        entry = self._metadata.entries.get(title)
        if entry is None:
            raise ValueError(f"page {title!r} is not in the mirror")
        relative = self._file_of(new_title)
        old_path = self.path / entry.file
        base = _read_base(self.path, entry)
        if base is not None:
            _write_atomic(self.path / BASE_DIR / relative, base.encode("utf-8"), False)
        if old_path.exists():
            _write_atomic(self.path / relative, old_path.read_bytes(), self.durable)
        ns, _ = self.namespaces.split(new_title)
        moved = MirrorEntry(
            new_title,
            relative.as_posix(),
            ns,
            entry.pageid,
            entry.revid,
            entry.timestamp,
            entry.categories,
            entry.sha1,
        )
        # New entry first: a write torn between the lines leaves both titles, not none.
        self._journal(moved.to_dict(), {"title": title, "removed": True})
        del self._metadata.entries[title]
        self._metadata.entries[new_title] = moved
        if self._unlisted is not None:
            self._unlisted.pop(new_title, None)
        if relative.as_posix() != entry.file:
            _unlink(old_path, self.durable)
            _unlink(self.path / BASE_DIR / entry.file, False)
        return relative

    def entry(self, title: str) -> MirrorEntry | None:
        """The base revision recorded for a page, or None."""
        return self._metadata.entries.get(self.namespaces.normalize(title))

    def base_text(self, title: str) -> str | None:
        """The base revision's text of a page, or None when it is not stored."""
        entry = self.entry(title)
        return None if entry is None else _read_base(self.path, entry)

    def _record(
        self, page: PageText, relative: PurePosixPath, categories: Iterable[str]
    ) -> PurePosixPath:
        title = self.namespaces.normalize(page.title)
        ns, _ = self.namespaces.split(title)
        text = page.wikitext
        known = self._metadata.entries.get(title)
        entry = MirrorEntry(
            title=title,
            file=relative.as_posix(),
            ns=ns,
            pageid=page.pageid if page.pageid is not None or known is None else known.pageid,
            revid=page.revid,
            timestamp=page.timestamp,
            categories=tuple(
                sorted({_category_title(c, self.namespaces) for c in categories if c.strip()})
            ),
            sha1=_sha1(text),
        )
        self._journal(entry.to_dict())
        self._metadata.entries[title] = entry
        if self._unlisted is not None:
            self._unlisted.pop(title, None)
        return relative

    def remove_page(self, title: str) -> bool:
        """Remove a page's file, base copy and metadata; False if there was nothing."""
        title = self.namespaces.normalize(title)
        entry = self._metadata.entries.get(title)
        relative = PurePosixPath(entry.file) if entry else self._unlisted_files().get(title)
        removed = False
        if relative is not None:
            removed = _unlink(self.path / relative, self.durable)
        if entry is not None:
            self._journal({"title": title, "removed": True})
            del self._metadata.entries[title]
            _unlink(self.path / BASE_DIR / entry.file, self.durable)
            removed = True
        if self._unlisted is not None:
            self._unlisted.pop(title, None)
        return removed

    def flush(self) -> None:
        """Rewrite ``pages.jsonl`` from the pages written so far and drop the journal."""
        if not self._dirty:
            return
        lines = [
            json.dumps(self._metadata.entries[t].to_dict(), ensure_ascii=False) + "\n"
            for t in sorted(self._metadata.entries)
        ]
        _write_atomic(self.path / INDEX_FILE, "".join(lines).encode("utf-8"), self.durable)
        _unlink(self.path / JOURNAL_FILE, self.durable)
        self._dirty = False

    def close(self) -> None:
        """Flush the metadata and release the lock."""
        try:
            self.flush()
        finally:
            self._lock.release()

    def _file_of(self, title: str) -> PurePosixPath:
        entry = self._metadata.entries.get(title)
        if entry is not None:
            return PurePosixPath(entry.file)
        # A file made by hand for this title is adopted rather than doubled.
        unlisted = self._unlisted_files().get(title)
        return unlisted or title_to_path(title, self.namespaces)

    def _unlisted_files(self) -> dict[str, PurePosixPath]:
        if self._unlisted is None:
            listed = {entry.file for entry in self._metadata.entries.values()}
            found: dict[str, str] = {}
            for relative in _scan_page_files(self.path):
                if relative.as_posix() not in listed:
                    title = path_to_title(relative, self.namespaces)
                    if title is not None:
                        found[title] = relative.as_posix()
            self._unlisted = found
        return {title: PurePosixPath(file) for title, file in self._unlisted.items()}

    def _journal(self, *records: dict[str, object]) -> None:
        # Several records go in one write, so they land (or tear) together.
        line = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        with open(self.path / JOURNAL_FILE, "a", encoding="utf-8") as journal:
            journal.write(line)
            journal.flush()
            if self.durable:
                os.fsync(journal.fileno())
        self._dirty = True


def open_mirror(path: str | os.PathLike[str]) -> MirrorSource:
    """Open a mirror folder for reading.

    Args:
        path: the folder. Without metadata (no ``wikisync-mirror.json`` and no
            ``pages.jsonl``) it is read as plain ``.wiki`` files of a French wiki.

    Returns:
        The :class:`MirrorSource`.

    Raises:
        SourceError: the folder does not exist, or its metadata is missing in
            part or corrupt (the message names the file and line).
    """
    root = Path(path)
    if not root.is_dir():
        raise SourceError(f'Mirror folder "{root}" does not exist', path=str(root))
    if not (root / METADATA_FILE).exists() and not (root / INDEX_FILE).exists():
        return MirrorSource(root, _Metadata(None, FRENCH, {}, has_metadata=False))
    return MirrorSource(root, _load_metadata(root))


def init_mirror(
    path: str | os.PathLike[str], *, site: str | None, namespaces: Namespaces
) -> MirrorSource:
    """Create a mirror folder, or update the namespaces of an existing one.

    Writes ``wikisync-mirror.json``, an empty ``pages.jsonl`` when there is none
    and ``.wikisync/.gitignore`` (the base copies stay out of git).

    Args:
        path: the folder (created with its parents if needed).
        site: the wiki's URL, or None when unknown.
        namespaces: the wiki's namespaces.

    Returns:
        The mirror, opened for reading.

    Raises:
        SourceError: the folder is already a mirror of another site.
    """
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    if (root / METADATA_FILE).exists():
        existing = _read_settings(root)
        if existing[0] is not None and site is not None and existing[0] != site:
            raise SourceError(
                f'Mirror "{root}" already mirrors {existing[0]}, not {site}: use another folder',
                path=str(root / METADATA_FILE),
            )
        site = site if site is not None else existing[0]
    settings = {
        "format": FORMAT,
        "site": site,
        "namespaces": [_namespace_to_dict(ns) for _, ns in sorted(namespaces.by_id.items())],
    }
    data = json.dumps(settings, ensure_ascii=False, indent=2) + "\n"
    _write_atomic(root / METADATA_FILE, data.encode("utf-8"), True)
    if not (root / INDEX_FILE).exists():
        _write_atomic(root / INDEX_FILE, b"", True)
    ignore = root / STATE_DIR / ".gitignore"
    if not ignore.exists():
        _write_atomic(ignore, b"# wikisync's working state: base copies, journal, lock\n*\n", True)
    return open_mirror(root)


def write_page(
    mirror_dir: str | os.PathLike[str], page: PageText, *, categories: Iterable[str] = ()
) -> PurePosixPath:
    """Write one page into a mirror (see :meth:`MirrorWriter.write_page`).

    For many pages, use one :class:`MirrorWriter`: this rewrites ``pages.jsonl``.
    """
    with MirrorWriter(mirror_dir) as writer:
        return writer.write_page(page, categories=categories)


def remove_page(mirror_dir: str | os.PathLike[str], title: str) -> bool:
    """Remove one page from a mirror (see :meth:`MirrorWriter.remove_page`)."""
    with MirrorWriter(mirror_dir) as writer:
        return writer.remove_page(title)


def find_category_links(wikitext: str, namespaces: Namespaces) -> list[str]:
    """The categories a wikitext puts its page in by explicit links, sorted.

    ``[[Catégorie:X]]`` and ``[[Category:X|clé]]`` count; ``[[:Catégorie:X]]`` is
    a link to the category, not a membership; links in comments, ``<nowiki>``
    and ``<includeonly>`` (which apply to pages using a template, not to the
    template) do not count, nor do links whose target is computed
    (``[[Catégorie:{{{1}}}]]``). Categories added by templates are not seen.

    Example:
        >>> find_category_links("{{Event}} [[category:evénement|2024]]", FRENCH)
        ['Catégorie:Evénement']
    """
    if "[[" not in wikitext:
        return []
    code = mwparserfromhell.parse(wikitext)
    for tag in code.filter_tags(
        matches=lambda node: str(node.tag).strip().lower() == "includeonly"
    ):
        with contextlib.suppress(ValueError):
            code.remove(tag)
    found: set[str] = set()
    for link in code.filter_wikilinks():
        target = str(link.title)
        if any(not isinstance(node, mwparserfromhell.nodes.Text) for node in link.title.nodes):
            continue
        if target.lstrip().startswith(":"):
            continue
        title = namespaces.normalize(target.partition("#")[0])
        ns, rest = namespaces.split(title)
        if ns == CATEGORY_NS and rest:
            found.add(title)
    return sorted(found)


def find_redirect_target(wikitext: str, namespaces: Namespaces) -> str | None:
    """The title a redirect page points to, or None when the text is no redirect.

    Both the English ``#REDIRECT`` and the French ``#REDIRECTION`` magic words
    count, in any case, with or without a colon.

    Example:
        >>> find_redirect_target("#REDIRECTION [[atelier vélo#Lyon]]", FRENCH)
        'Atelier vélo'
    """
    head, bracket, _ = wikitext.partition("[[")
    if not bracket or head.strip().rstrip(":").strip().casefold() not in _REDIRECT_WORDS:
        return None
    links = mwparserfromhell.parse(wikitext[len(head) :]).filter_wikilinks(recursive=False)
    if not links:
        return None
    target = namespaces.normalize(str(links[0].title).partition("#")[0])
    return target or None


# -- helpers -------------------------------------------------------------------


def _category_title(category: str, namespaces: Namespaces) -> str:
    normal = namespaces.normalize(category)
    ns, rest = namespaces.split(normal)
    if ns != CATEGORY_NS:
        rest = normal
    return namespaces.join(CATEGORY_NS, rest)


def _walk_members(
    start: str,
    categories: dict[str, frozenset[str]],
    namespaces: Namespaces,
    *,
    recursive: bool,
    depth: int | None,
) -> list[str]:
    """Members of ``start`` (and its subcategories, each once), sorted."""
    members: dict[str, set[str]] = {}
    for title, cats in categories.items():
        for category in cats:
            members.setdefault(category, set()).add(title)
    seen = {start}
    frontier = [start]
    level = 0
    pages: set[str] = set()
    while frontier:
        next_frontier: list[str] = []
        for category in frontier:
            for title in members.get(category, ()):
                if namespaces.split(title)[0] != CATEGORY_NS:
                    pages.add(title)
                elif title not in seen:
                    seen.add(title)
                    next_frontier.append(title)
        if not recursive or (depth is not None and level >= depth):
            break
        frontier = next_frontier
        level += 1
    return sorted(pages)


def _scan_page_files(root: Path) -> Iterator[PurePosixPath]:
    """Relative paths of the page files: ``*.wiki`` at the top and one folder down."""
    try:
        top = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        raise SourceError(f'Mirror "{root}" cannot be read: {exc}', path=str(root)) from exc
    for item in top:
        if item.name.startswith("."):
            continue
        if item.is_file() and item.name.endswith(PAGE_SUFFIX):
            yield PurePosixPath(item.name)
        elif item.is_dir():
            for sub in sorted(os.scandir(item.path), key=lambda e: e.name):
                if sub.name.startswith("."):
                    continue
                if sub.is_file() and sub.name.endswith(PAGE_SUFFIX):
                    yield PurePosixPath(item.name, sub.name)
                elif sub.is_dir() and _holds_page_files(Path(sub.path)):
                    raise SourceError(
                        f'Mirror "{root}": folder "{item.name}/{sub.name}" holds .wiki files, '
                        "but page files sit directly in their namespace folder (a subpage "
                        'title\'s "/" is written %2F in the file name)',
                        path=sub.path,
                    )


def _holds_page_files(folder: Path) -> bool:
    return any(name.endswith(PAGE_SUFFIX) for _, _, names in os.walk(folder) for name in names)


def read_page_file(path: str | os.PathLike[str]) -> str:
    """The text of a page file as :class:`MirrorSource` reads it (one final newline dropped).

    Raises:
        SourceError: the file cannot be read or is not UTF-8.
    """
    return _read_page_file(Path(path))


def text_sha1(text: str) -> str:
    """SHA-1 (hex) of a text's UTF-8 bytes: how ``pages.jsonl`` tells a local edit."""
    return _sha1(text)


def _read_page_file(path: Path) -> str:
    try:
        with open(path, encoding="utf-8-sig") as stream:
            text = stream.read()
    except UnicodeDecodeError as exc:
        raise SourceError(
            f'Page file "{path}" is not UTF-8 (byte {exc.start}): save it as UTF-8',
            path=str(path),
        ) from exc
    except OSError as exc:
        raise SourceError(f'Page file "{path}" cannot be read: {exc}', path=str(path)) from exc
    return text.removesuffix("\n")


def _read_base(root: Path, entry: MirrorEntry) -> str | None:
    try:
        text = (root / BASE_DIR / entry.file).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    # A base copy left by an interrupted write belongs to another revision.
    return text if not entry.sha1 or _sha1(text) == entry.sha1 else None


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _metadata_stamp(root: Path) -> tuple[tuple[int, int] | None, ...]:
    stamps: list[tuple[int, int] | None] = []
    for name in (METADATA_FILE, INDEX_FILE, JOURNAL_FILE):
        try:
            stat = (root / name).stat()
        except OSError:
            stamps.append(None)
        else:
            stamps.append((stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


def _load_metadata(root: Path) -> _Metadata:
    site, namespaces = _read_settings(root)
    metadata = _Metadata(site, namespaces)
    index = root / INDEX_FILE
    if not index.is_file():
        raise SourceError(
            f'Mirror "{root}": {INDEX_FILE} is missing; restore it (git checkout) or pull again',
            path=str(index),
        )
    for number, record in _read_jsonl(index, tolerate_torn_end=False):
        entry = _entry_from_record(record, index, number, namespaces)
        metadata.entries[entry.title] = entry
    journal = root / JOURNAL_FILE
    if journal.is_file():
        for number, record in _read_jsonl(journal, tolerate_torn_end=True):
            if record.get("removed") is True and isinstance(record.get("title"), str):
                metadata.entries.pop(namespaces.normalize(record["title"]), None)
            else:
                entry = _entry_from_record(record, journal, number, namespaces)
                metadata.entries[entry.title] = entry
    return metadata


def _read_settings(root: Path) -> tuple[str | None, Namespaces]:
    path = root / METADATA_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(
            f'Mirror "{root}": {METADATA_FILE} is missing (but {INDEX_FILE} is there); '
            "restore it (git checkout) or pull again",
            path=str(path),
        ) from None
    except json.JSONDecodeError as exc:
        raise SourceError(
            f'Mirror metadata "{path}" is not valid JSON at line {exc.lineno}, '
            f"column {exc.colno}: {exc.msg}",
            path=str(path),
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(
            f'Mirror metadata "{path}" cannot be read: {exc}', path=str(path)
        ) from exc
    if not isinstance(data, dict):
        raise SourceError(f'Mirror metadata "{path}" should hold a JSON object', path=str(path))
    if data.get("format") != FORMAT:
        raise SourceError(
            f'Mirror metadata "{path}": format {data.get("format")!r} is not {FORMAT} '
            "(made by another version of wikisync?)",
            path=str(path),
        )
    site = data.get("site")
    if site is not None and not isinstance(site, str):
        raise SourceError(f'Mirror metadata "{path}": "site" should be a string', path=str(path))
    raw_namespaces = data.get("namespaces")
    if raw_namespaces is None:
        return site, FRENCH
    try:
        namespaces = Namespaces.from_list(_namespace_from_dict(raw) for raw in raw_namespaces)
    except (TypeError, ValueError, KeyError) as exc:
        raise SourceError(
            f'Mirror metadata "{path}": bad "namespaces" entry ({exc}); each needs "id" and '
            '"name", optionally "canonical", "aliases" and "case"',
            path=str(path),
        ) from exc
    return site, namespaces


def _namespace_to_dict(ns: Namespace) -> dict[str, object]:
    return {
        "id": ns.id,
        "name": ns.name,
        "canonical": ns.canonical,
        "aliases": list(ns.aliases),
        "case": "first-letter" if ns.first_letter_case else "case-sensitive",
    }


def _namespace_from_dict(raw: Any) -> Namespace:
    if not isinstance(raw, dict):
        raise TypeError(f"expected an object, got {raw!r}")
    ns_id, name = raw["id"], raw["name"]
    aliases = raw.get("aliases", [])
    if (
        not isinstance(ns_id, int)
        or not isinstance(name, str)
        or not isinstance(aliases, list)
        or not all(isinstance(a, str) for a in aliases)
    ):
        raise TypeError(f"bad types in {raw!r}")
    return Namespace(
        id=ns_id,
        name=name,
        canonical=str(raw.get("canonical", "")),
        aliases=tuple(aliases),
        first_letter_case=raw.get("case", "first-letter") != "case-sensitive",
    )


def _read_jsonl(path: Path, *, tolerate_torn_end: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(
            f'Mirror metadata "{path}" cannot be read: {exc}', path=str(path)
        ) from exc
    last = len(lines)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            # A crash while appending to the journal leaves a torn last line: skip it.
            if tolerate_torn_end and number >= last - 1:
                return
            raise SourceError(
                f'Mirror metadata "{path}", line {number}, column {exc.colno}: invalid JSON '
                f"({exc.msg}); fix the line or restore the file from git",
                path=str(path),
            ) from exc
        if not isinstance(record, dict):
            raise SourceError(
                f'Mirror metadata "{path}", line {number}: expected a JSON object', path=str(path)
            )
        yield number, record


def _entry_from_record(
    record: dict[str, Any], path: Path, number: int, namespaces: Namespaces
) -> MirrorEntry:
    def fail(reason: str) -> SourceError:
        return SourceError(f'Mirror metadata "{path}", line {number}: {reason}', path=str(path))

    title, file = record.get("title"), record.get("file")
    if not isinstance(title, str) or not title.strip():
        raise fail('"title" should be a non-empty string')
    if not isinstance(file, str) or not _is_safe_relative(file):
        raise fail(f'"file" should be a relative path inside the mirror, got {file!r}')
    categories = record.get("categories") or []
    pageid = record.get("pageid")
    revid = record.get("revid", 0)
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise fail('"categories" should be a list of titles')
    if not isinstance(revid, int) or (pageid is not None and not isinstance(pageid, int)):
        raise fail('"revid" and "pageid" should be integers')
    normal = namespaces.normalize(title)
    return MirrorEntry(
        title=normal,
        file=file,
        ns=int(record.get("ns", namespaces.split(normal)[0])),
        pageid=pageid,
        revid=revid,
        timestamp=str(record.get("timestamp") or ""),
        categories=tuple(categories),
        sha1=str(record.get("sha1") or ""),
    )


def _is_safe_relative(file: str) -> bool:
    path = PurePosixPath(file)
    return (
        bool(file)
        and not path.is_absolute()
        and "\\" not in file
        and ".." not in path.parts
        and not file.startswith(STATE_DIR)
        and file.endswith(PAGE_SUFFIX)
    )


def _write_atomic(path: Path, data: bytes, durable: bool) -> None:
    """Replace ``path`` with ``data`` at once: temporary file, fsync, rename, fsync folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".wikisync-{secrets.token_hex(6)}.tmp"
    try:
        # os.open with 0o666 keeps the user's umask (mkstemp would make the file 0600).
        fd = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
        )
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        _fsync_folder(path.parent)


def _unlink(path: Path, durable: bool) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    if durable:
        _fsync_folder(path.parent)
    return True


def _fsync_folder(folder: Path) -> None:
    # Windows cannot open a folder; its renames are durable enough on NTFS.
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
