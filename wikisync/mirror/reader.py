"""The local mirror folder read as a source: pages as plain files a person can edit.

A mirror folder (layout: :mod:`wikisync.mirror.layout`) holds one
``.wiki`` file per page; :class:`MirrorSource` reads it. A page's title comes
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
removes that membership. No file is read through a symbolic link: a page
file or folder that is a link is refused (:mod:`wikisync.mirror.files`).
Writing the folder is :mod:`wikisync.mirror.writer`.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from wikisync.core.categories import (
    find_category_links,
    find_redirect_target,
    normalize_category,
    walk_members,
)
from wikisync.core.errors import SourceError
from wikisync.core.pages import FRENCH, PageText
from wikisync.mirror.filenames import TakenNames, path_to_title
from wikisync.mirror.files import file_stat
from wikisync.mirror.layout import (
    INDEX_FILE,
    JOURNAL_FILE,
    LOCK_FILE,
    METADATA_FILE,
    STATE_DIR,
    MirrorEntry,
    MirrorMetadata,
    load_metadata,
    read_base_text,
    read_page_file,
    scan_page_files,
    text_sha1,
)
from wikisync.ports.source import FetchResult, Source

# LOCK_FILE and STATE_DIR stay importable from here for wikisync.ops.publish.
__all__ = ["LOCK_FILE", "STATE_DIR", "MirrorSource", "open_mirror"]


@dataclass(slots=True)
class _Item:
    title: str
    path: Path
    relative: str
    entry: MirrorEntry | None


class MirrorSource(Source):
    """A mirror folder read as a source of pages (the :class:`Source` protocol).

    The folder is looked at on every call, so edits made meanwhile are seen;
    parsed category links are cached per file until the file changes.

    Example:
        >>> source = open_mirror("examples/fabmob/mirror")
        >>> source.list_category("Evénement", recursive=True)[:1]
        ['Assemblée des communs 2019']
    """

    def __init__(self, path: Path, metadata: MirrorMetadata) -> None:
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
        return read_base_text(self.path, entry)

    def page_files(self) -> dict[str, Path]:
        """Every page file of the folder now, by title (listed or new locally)."""
        return {title: item.path for title, item in self._catalog().items()}

    def file_for(self, title: str) -> PurePosixPath:
        """The file, relative to the folder, that holds a page or that a new page gets.

        The file recorded in the metadata, else a file found for the title,
        else a name no other file shares even on a disk that ignores case
        (see :class:`~wikisync.mirror.filenames.TakenNames`).
        """
        title = self.namespaces.normalize(title)
        entries = self._current_metadata().entries
        entry = entries.get(title)
        if entry is not None:
            return PurePosixPath(entry.file)
        catalog = self._catalog()
        item = catalog.get(title)
        if item is not None:
            return PurePosixPath(item.relative)
        taken = TakenNames(
            [e.file for e in entries.values()] + [i.relative for i in catalog.values()]
        )
        return taken.allocate(title, self.namespaces)

    def _current_metadata(self) -> MirrorMetadata:
        stamp = _metadata_stamp(self.path)
        if stamp != self._stamp and self.has_metadata:
            self._metadata = load_metadata(self.path)
            self._stamp = stamp
        return self._metadata

    # -- the Source protocol ----------------------------------------------

    def list_category(
        self, category: str, *, recursive: bool = False, depth: int | None = None
    ) -> list[str]:
        """Titles of the category's pages, sorted (see the Source protocol)."""
        return self._members(self._catalog(), category, recursive, depth)

    def _members(
        self, catalog: dict[str, _Item], category: str, recursive: bool, depth: int | None
    ) -> list[str]:
        return walk_members(
            normalize_category(category, self.namespaces),
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
        for title in self._members(catalog, category, recursive, depth):
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
        for relative in scan_page_files(self.path):
            # macOS may hand back names in NFD; the metadata holds NFC.
            entry = by_file.get(unicodedata.normalize("NFC", relative.as_posix()))
            title = entry.title if entry else path_to_title(relative, self.namespaces)
            if title is None:
                raise SourceError(
                    f'Mirror "{self.path}": cannot tell the title of file "{relative}": it is '
                    f"not listed in {INDEX_FILE} and its name does not encode a title (a "
                    "shortened name, an unknown namespace folder or a bad %-escape); rename "
                    "it to the name wikisync.mirror.filenames.title_to_path gives",
                    path=str(self.path / relative),
                )
            previous = catalog.get(title)
            if previous is not None:
                raise SourceError(
                    f'Mirror "{self.path}": files "{previous.path.relative_to(self.path)}" and '
                    f'"{relative}" both hold page "{title}"; keep one of them',
                    path=str(self.path / relative),
                )
            catalog[title] = _Item(title, self.path / relative, relative.as_posix(), entry)
        return catalog

    def _read(self, item: _Item) -> PageText:
        text = read_page_file(self.path, item.relative)
        if text is None:
            raise SourceError(
                f'Page file "{item.path}" was removed while the mirror was read',
                path=str(item.path),
            )
        entry = item.entry
        if entry is None:
            ns, _ = self.namespaces.split(item.title)
            return PageText(item.title, text, 0, "", ns, None)
        return PageText(entry.title, text, entry.revid, entry.timestamp, entry.ns, entry.pageid)

    def _categories(self, item: _Item) -> frozenset[str]:
        stat = file_stat(self.path, item.relative)
        key = (stat.st_mtime_ns, stat.st_size) if stat is not None else (0, -1)
        cached = self._links.get(item.path)
        if cached is not None and cached[0] == key:
            _, links, digest = cached
        else:
            text = read_page_file(self.path, item.relative) or ""
            links, digest = tuple(find_category_links(text, self.namespaces)), text_sha1(text)
            self._links[item.path] = (key, links, digest)
        entry = item.entry
        if entry is None:
            return frozenset(links)
        pulled = set(entry.categories)
        if pulled and entry.sha1 and digest != entry.sha1:
            base = read_base_text(self.path, entry)
            if base is not None:
                # A link the local edit removed no longer counts as a membership.
                pulled -= set(find_category_links(base, self.namespaces))
        return frozenset(pulled.union(links))


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
    if file_stat(root, METADATA_FILE) is None and file_stat(root, INDEX_FILE) is None:
        return MirrorSource(root, MirrorMetadata(None, FRENCH, {}, has_metadata=False))
    return MirrorSource(root, load_metadata(root))


def _metadata_stamp(root: Path) -> tuple[tuple[int, int] | None, ...]:
    stamps: list[tuple[int, int] | None] = []
    for name in (METADATA_FILE, INDEX_FILE, JOURNAL_FILE):
        try:
            stat = file_stat(root, name)
        except OSError:
            stat = None
        stamps.append((stat.st_mtime_ns, stat.st_size) if stat is not None else None)
    return tuple(stamps)
