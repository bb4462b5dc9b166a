"""Writing a mirror folder: pages, base copies and metadata, each file replaced atomically.

Every file is replaced atomically (a temporary file with a random name
created exclusively in the same folder, fsync, rename, fsync of the folder),
and no file or folder is reached through a symbolic link
(:mod:`wikisync.mirror.files`). A page is written base copy
first, then its file, then its metadata line, appended to
``.wikisync/journal.jsonl``; ``pages.jsonl`` is rewritten once per batch, and
the journal replayed by readers in between, so the metadata never claims a
revision whose text was not written, and an interrupted batch loses at most
the page being written. One :class:`MirrorWriter` at a time holds the
folder's lock. Layout: :mod:`wikisync.mirror.layout`; reading:
:mod:`wikisync.mirror.reader`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from types import TracebackType

from wikisync.core.categories import normalize_category
from wikisync.core.errors import SourceError, UnsafePathError
from wikisync.core.pages import Namespaces, PageText
from wikisync.mirror.filenames import TakenNames, path_to_title
from wikisync.mirror.files import (
    MirrorLock,
    append_file,
    file_stat,
    folder_stat,
    make_folder,
    read_file,
    remove_file,
    write_file,
)
from wikisync.mirror.layout import (
    BASE_DIR,
    FORMAT,
    INDEX_FILE,
    JOURNAL_FILE,
    LOCK_FILE,
    METADATA_FILE,
    STATE_DIR,
    MirrorEntry,
    load_metadata,
    namespace_to_dict,
    read_base_text,
    read_settings,
    scan_page_files,
    text_sha1,
)
from wikisync.mirror.reader import MirrorSource, open_mirror

__all__ = ["MirrorWriter", "init_mirror", "remove_page", "write_page"]

#: Seconds a writer waits for another one to release the folder.
LOCK_TIMEOUT = 10.0


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
        if file_stat(self.path, METADATA_FILE) is None:
            raise SourceError(
                f'"{self.path}" is not a mirror folder ({METADATA_FILE} is missing): '
                "create it with init_mirror or wikisync pull",
                path=str(self.path / METADATA_FILE),
            )
        self._lock = lock_mirror(self.path)
        try:
            self._metadata = load_metadata(self.path)
            self.namespaces = self._metadata.namespaces
            self._dirty = file_stat(self.path, JOURNAL_FILE) is not None
            self._unlisted: dict[str, str] | None = None
            self._taken: TakenNames | None = None
            self._scanned: list[str] = []
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
        write_file(
            self.path, f"{BASE_DIR}/{relative}", page.wikitext.encode("utf-8"), durable=False
        )
        file_text = page.wikitext if text is None else text
        write_file(self.path, relative, (file_text + "\n").encode("utf-8"), durable=self.durable)
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
        write_file(
            self.path, f"{BASE_DIR}/{relative}", page.wikitext.encode("utf-8"), durable=False
        )
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
        base = read_base_text(self.path, entry)
        if base is not None:
            write_file(self.path, f"{BASE_DIR}/{relative}", base.encode("utf-8"), durable=False)
        old_data = read_file(self.path, entry.file)
        if old_data is not None:
            write_file(self.path, relative, old_data, durable=self.durable)
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
            remove_file(self.path, entry.file, durable=self.durable)
            remove_file(self.path, f"{BASE_DIR}/{entry.file}", durable=False)
        return relative

    def entry(self, title: str) -> MirrorEntry | None:
        """The base revision recorded for a page, or None."""
        return self._metadata.entries.get(self.namespaces.normalize(title))

    def base_text(self, title: str) -> str | None:
        """The base revision's text of a page, or None when it is not stored."""
        entry = self.entry(title)
        return None if entry is None else read_base_text(self.path, entry)

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
                sorted({normalize_category(c, self.namespaces) for c in categories if c.strip()})
            ),
            sha1=text_sha1(text),
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
            removed = remove_file(self.path, relative, durable=self.durable)
        if entry is not None:
            self._journal({"title": title, "removed": True})
            del self._metadata.entries[title]
            remove_file(self.path, f"{BASE_DIR}/{entry.file}", durable=self.durable)
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
        write_file(self.path, INDEX_FILE, "".join(lines).encode("utf-8"), durable=self.durable)
        remove_file(self.path, JOURNAL_FILE, durable=self.durable)
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
        if unlisted is not None:
            return unlisted
        if self._taken is None:
            # Every file on disk and every file the metadata names, present or not.
            self._taken = TakenNames(
                [entry.file for entry in self._metadata.entries.values()] + self._scanned
            )
        return self._taken.allocate(title, self.namespaces)

    def name_note(self, title: str) -> str:
        """Why a page's new file does not bear its plain name ("" when it does).

        Two titles whose plain names differ only in case (or Unicode form)
        would share one file on macOS or Windows: the second gets a ``~2`` tag.
        """
        title = self.namespaces.normalize(title)
        clash = None if self._taken is None else self._taken.clash_of(title)
        entry = self._metadata.entries.get(title)
        if clash is None or entry is None:
            return ""
        other = next((e.title for e in self._metadata.entries.values() if e.file == clash), None)
        held = f'page "{other}"' if other else "a page"
        return (
            f'file "{entry.file}": "{clash}" holds {held}, and the two names would be '
            "one file on a disk that ignores case (macOS, Windows)"
        )

    def _unlisted_files(self) -> dict[str, PurePosixPath]:
        if self._unlisted is None:
            listed = {entry.file for entry in self._metadata.entries.values()}
            found: dict[str, str] = {}
            self._scanned = [relative.as_posix() for relative in scan_page_files(self.path)]
            for relative in map(PurePosixPath, self._scanned):
                if relative.as_posix() not in listed:
                    title = path_to_title(relative, self.namespaces)
                    if title is not None:
                        found[title] = relative.as_posix()
            self._unlisted = found
        return {title: PurePosixPath(file) for title, file in self._unlisted.items()}

    def _journal(self, *records: dict[str, object]) -> None:
        # Several records go in one write, so they land (or tear) together.
        line = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        append_file(self.path, JOURNAL_FILE, line.encode("utf-8"), durable=self.durable)
        self._dirty = True


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
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UnsafePathError(
            f'mirror folder "{root}" cannot be made: {exc.strerror or exc}', path=str(root)
        ) from None
    if file_stat(root, METADATA_FILE) is not None:
        existing = read_settings(root)
        if existing[0] is not None and site is not None and existing[0] != site:
            raise SourceError(
                f'Mirror "{root}" already mirrors {existing[0]}, not {site}: use another folder',
                path=str(root / METADATA_FILE),
            )
        site = site if site is not None else existing[0]
    settings = {
        "format": FORMAT,
        "site": site,
        "namespaces": [namespace_to_dict(ns) for _, ns in sorted(namespaces.by_id.items())],
    }
    data = json.dumps(settings, ensure_ascii=False, indent=2) + "\n"
    write_file(root, METADATA_FILE, data.encode("utf-8"))
    if file_stat(root, INDEX_FILE) is None:
        write_file(root, INDEX_FILE, b"")
    ensure_state_dir(root)
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


def ensure_state_dir(root: Path) -> Path:
    """Create the mirror's ``.wikisync`` folder, with a ``.gitignore`` keeping it out of git.

    The ``.gitignore`` ignores everything in the folder but itself, so it is
    committed with the mirror and a fresh clone ignores the state again.
    """
    make_folder(root, STATE_DIR)
    ignore = f"{STATE_DIR}/.gitignore"
    if file_stat(root, ignore) is None:
        write_file(root, ignore, _STATE_GITIGNORE)
    return root / STATE_DIR


def check_state(root: Path) -> None:
    """Refuse a mirror whose state is not what wikisync makes, before a run writes anything.

    ``.wikisync`` and ``.wikisync/base`` must be folders (or absent), the lock
    file and the journal regular files (or absent); never through a link.

    Raises:
        UnsafePathError: one of them is something else (named).
    """
    folder_stat(root, STATE_DIR)
    folder_stat(root, BASE_DIR)
    file_stat(root, LOCK_FILE)
    file_stat(root, JOURNAL_FILE)


def lock_mirror(root: Path, timeout: float | None = None) -> MirrorLock:
    """Take the mirror's write lock (release it when done).

    The lock file is opened without following links (a linked ``.wikisync``
    or lock file is refused).

    Raises:
        LockError: another run holds it for longer than ``timeout`` seconds
            (default ``LOCK_TIMEOUT``).
        UnsafePathError: ``.wikisync`` or its lock file is a symbolic link.
    """
    check_state(root)
    ensure_state_dir(root)
    lock = MirrorLock(root, LOCK_FILE, LOCK_TIMEOUT if timeout is None else timeout)
    lock.acquire()
    return lock


_STATE_GITIGNORE = b"# wikisync's working state: base copies, journal, lock\n*\n!.gitignore\n"
