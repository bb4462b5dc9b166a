"""The mirror's side of a sync: what changed locally, and which wiki a mirror belongs to.

A page of the mirror is *modified locally* when its file's text differs
from its base revision (``sha1`` in ``pages.jsonl``), *new locally* when its
file is not listed there, *deleted locally* when it is listed and its file is
gone. A page whose last pull or push met a conflict has a *conflict file*
beside it (see :mod:`wikisync.mirror.folder`) until a person deletes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wikisync.core.errors import ConfigError
from wikisync.core.merge import MergeResult, merge_texts
from wikisync.ports.mirror import CONFLICT_SUFFIX, MirrorEntry, MirrorFolder, text_sha1
from wikisync.ports.sync import SyncWiki

__all__ = [
    "CONFLICT_SUFFIX",
    "LocalPage",
    "check_site",
    "count_actions",
    "merge_as_saved",
    "same_text",
    "scan_mirror",
]


@dataclass(frozen=True, slots=True)
class LocalPage:
    """One page of the mirror as it is on disk now.

    Attributes:
        title: the page's title.
        file: its file, relative to the mirror (POSIX separators).
        entry: its base revision, or None for a page new locally.
        text: the file's text, or None when the file was deleted.
        in_conflict: a conflict file sits beside it.
    """

    title: str
    file: str
    entry: MirrorEntry | None
    text: str | None
    in_conflict: bool

    @property
    def modified(self) -> bool:
        """True when the file differs from its base revision (or is gone)."""
        if self.entry is None:
            return False
        return self.text is None or text_sha1(self.text) != self.entry.sha1


def scan_mirror(mirror: MirrorFolder) -> dict[str, LocalPage]:
    """Every page of the mirror (listed, new locally, or deleted locally), by title."""
    root = mirror.path
    entries = mirror.entries()
    pages: dict[str, LocalPage] = {}
    for title, path in mirror.page_files().items():
        entry = entries.get(title)
        relative = path.relative_to(root).as_posix()
        pages[title] = LocalPage(
            title, relative, entry, mirror.read_page(relative), mirror.has_conflict(relative)
        )
    for title, entry in entries.items():
        if title not in pages:
            # Gone, or something other than a file (refused here, not taken as deleted).
            mirror.check_file(entry.file)
            pages[title] = LocalPage(
                title, entry.file, entry, None, mirror.has_conflict(entry.file)
            )
    return dict(sorted(pages.items()))


def same_text(a: str, b: str) -> bool:
    """Equal as the wiki stores them (it drops trailing whitespace on save)."""
    return a.rstrip() == b.rstrip()


def merge_as_saved(base: str, local: str, remote: str) -> MergeResult:
    """Three-way merge of texts as the wiki stores them (trailing whitespace dropped).

    MediaWiki strips trailing whitespace on save, and a mirror file keeps the
    newline a person's editor adds: without this, a file ending in a blank
    line would make an edit of the wiki's last line a conflict.
    """
    return merge_texts(base.rstrip(), local.rstrip(), remote.rstrip())


def check_site(recorded: str | None, wiki: SyncWiki) -> None:
    """Refuse to sync a mirror with a wiki other than the one it was pulled from.

    Raises:
        ConfigError: the mirror records another site.
    """
    if recorded is None or wiki.same_site(recorded):
        return
    raise ConfigError(
        f"this mirror was pulled from {recorded}, not {wiki.url}: drop site=URL to use the "
        "mirror's own wiki, or pull into another folder",
        key="site",
    )


def count_actions(actions: Iterable[str], known: Sequence[str]) -> dict[str, int]:
    """How many items got each action, in the order of ``known``, zeros left out."""
    counts: Counter[str] = Counter(actions)
    return {action: counts[action] for action in known if counts[action]}
