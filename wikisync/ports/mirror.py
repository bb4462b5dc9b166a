"""What a mirror sync asks of the mirror folder: its pages, their base revisions, a journal.

A mirror folder (:mod:`wikisync.mirror`) keeps each page's text in a file and
the revision it was pulled at (:class:`MirrorEntry`) in its metadata. ``pull``,
``status`` and ``push`` (:mod:`wikisync.ops.sync`) read and write it through a
:class:`MirrorFolder`, and record what they do through the journal a
:class:`MirrorJournal` writes (one line per page, so an interrupted run
leaves a consistent mirror).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from wikisync.core.pages import Namespaces, PageText

__all__ = ["CONFLICT_SUFFIX", "MirrorEntry", "MirrorFolder", "MirrorJournal", "text_sha1"]

#: Suffix of the file holding the wiki's version of a page in conflict, beside the page file.
CONFLICT_SUFFIX = ".remote"


def text_sha1(text: str) -> str:
    """SHA-1 (hex) of a text's UTF-8 bytes: how ``pages.jsonl`` tells a local edit."""
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


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


class MirrorJournal(Protocol):
    """A mirror being written (under its lock): each change recorded as it is made."""

    def entry(self, title: str) -> MirrorEntry | None:
        """The base revision the mirror holds for ``title``, if any."""
        ...

    def base_text(self, title: str) -> str | None:
        """The base revision's text (None when its copy is gone or stale)."""
        ...

    def write_page(
        self, page: PageText, *, categories: Iterable[str] = (), text: str | None = None
    ) -> PurePosixPath:
        """Write a page's file (``text``, default the revision's) and its base revision."""
        ...

    def write_base(
        self, page: PageText, *, categories: Iterable[str] | None = None
    ) -> PurePosixPath:
        """Record a revision as a page's base without touching its file (None: keep the
        categories recorded); return the page file's path."""
        ...

    def move_page(self, title: str, new_title: str) -> PurePosixPath:
        """Follow a move on the wiki: the file and its base get the new title's names."""
        ...

    def remove_page(self, title: str) -> bool:
        """Drop a page (its file, its base); False when the mirror did not hold it."""
        ...

    def name_note(self, title: str) -> str:
        """Why a page's file name differs from its title, or ``""``."""
        ...


class MirrorFolder(Protocol):
    """A mirror folder as a sync reads and writes it."""

    @property
    def path(self) -> Path:
        """The folder."""
        ...

    @property
    def recorded_site(self) -> str | None:
        """The wiki the mirror was pulled from (None: no mirror here yet, or none recorded)."""
        ...

    def create(self, *, site: str, namespaces: Namespaces) -> None:
        """Make the folder a mirror of ``site`` (nothing changes if it is one already)."""
        ...

    def entries(self) -> Mapping[str, MirrorEntry]:
        """Each listed page's base revision, by title."""
        ...

    def page_files(self) -> Mapping[str, Path]:
        """Each page file on disk (listed or made locally), by title."""
        ...

    def base_text(self, title: str) -> str | None:
        """A listed page's base revision text (None when its copy is gone or stale)."""
        ...

    def read_page(self, file: str) -> str | None:
        """A page file's text (None when it is gone); links are refused."""
        ...

    def check_file(self, file: str) -> None:
        """Refuse a page file's place holding something other than a file or nothing."""
        ...

    def conflict_file(self, file: str) -> str:
        """The conflict file beside a page file (relative, POSIX separators)."""
        ...

    def has_conflict(self, file: str) -> bool:
        """Whether a conflict file waits beside a page file."""
        ...

    def write_conflict(self, file: str, remote_text: str) -> str:
        """Write the wiki's version beside a page file (atomically); return its path."""
        ...

    def journal(self, *, durable: bool) -> AbstractContextManager[MirrorJournal]:
        """Lock the mirror and record changes until the block ends."""
        ...
