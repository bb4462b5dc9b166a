"""The mirror's side of a sync: what changed locally, conflict files, the mirror's site.

A page of the mirror is *modified locally* when its file's text differs
from its base revision (``sha1`` in ``pages.jsonl``), *new locally* when its
file is not listed there, *deleted locally* when it is listed and its file is
gone. A page whose last pull or push met a conflict has a *conflict file*
beside it, ``<file>.remote`` (``_main/Accueil.wiki.remote``; a name too long
for the suffix is cut to fit, see :func:`wikisync.mirror.filenames.derived_name`),
holding the wiki's version; mirror readers ignore it (it does not end in
``.wiki``). Like every mirror file it is read and written without following
symbolic links. The conflict stays until that file is deleted: merge the
wiki's version into the page file, then delete it (or take the wiki's version
with ``mv``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from wikisync.core.errors import ConfigError
from wikisync.core.merge import MergeResult, merge_texts
from wikisync.mirror.filenames import CONFLICT_SUFFIX, derived_name
from wikisync.mirror.files import file_stat, write_file
from wikisync.mirror.layout import MirrorEntry, read_page_file, text_sha1
from wikisync.mirror.reader import MirrorSource
from wikisync.wiki.address import candidate_addresses
from wikisync.wiki.site import WikiClient

__all__ = [
    "CONFLICT_SUFFIX",
    "LocalPage",
    "check_site",
    "conflict_file",
    "conflict_path",
    "count_actions",
    "has_conflict",
    "same_site",
    "same_text",
    "scan_mirror",
    "write_conflict",
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


def scan_mirror(source: MirrorSource) -> dict[str, LocalPage]:
    """Every page of the mirror (listed, new locally, or deleted locally), by title."""
    root = source.path
    entries = source.entries()
    files = source.page_files()
    pages: dict[str, LocalPage] = {}
    for title, path in files.items():
        entry = entries.get(title)
        relative = path.relative_to(root).as_posix()
        pages[title] = LocalPage(
            title,
            relative,
            entry,
            read_page_file(root, relative),
            has_conflict(root, relative),
        )
    for title, entry in entries.items():
        if title not in pages:
            # Gone, or something other than a file (refused here, not taken as deleted).
            file_stat(root, entry.file)
            pages[title] = LocalPage(title, entry.file, entry, None, has_conflict(root, entry.file))
    return dict(sorted(pages.items()))


def conflict_file(file: str) -> str:
    """The conflict file of a page file, relative to the mirror (POSIX separators)."""
    page = PurePosixPath(file)
    return page.with_name(derived_name(page.name, CONFLICT_SUFFIX)).as_posix()


def conflict_path(root: Path, file: str) -> Path:
    """Where the wiki's version of a page in conflict is written."""
    return root / conflict_file(file)


def has_conflict(root: Path, file: str) -> bool:
    """Whether a conflict file waits beside a page file (a link there is refused)."""
    return file_stat(root, conflict_file(file)) is not None


def write_conflict(root: Path, file: str, remote_text: str) -> str:
    """Write the wiki's version beside a page file (atomically); return its relative path.

    Raises:
        UnsafePathError: the conflict file or a folder on the way is a symbolic link.
    """
    relative = conflict_file(file)
    write_file(root, relative, (remote_text + "\n").encode("utf-8"))
    return relative


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


def check_site(recorded: str | None, client: WikiClient) -> None:
    """Refuse to sync a mirror with a wiki other than the one it was pulled from.

    Raises:
        ConfigError: the mirror records another site.
    """
    if recorded is None or same_site(recorded, client):
        return
    raise ConfigError(
        f"this mirror was pulled from {recorded}, not {client.url}: drop site=URL to use the "
        "mirror's own wiki, or pull into another folder",
        key="site",
    )


def same_site(recorded: str, client: WikiClient) -> bool:
    """True when ``recorded`` (a URL) names the wiki ``client`` is connected to."""
    if recorded in (client.url, client.address.api_url):
        return True
    try:
        return any(a.api_url == client.address.api_url for a in candidate_addresses(recorded))
    except ValueError:
        return False


def count_actions(actions: Iterable[str], known: Sequence[str]) -> dict[str, int]:
    """How many items got each action, in the order of ``known``, zeros left out."""
    counts: Counter[str] = Counter(actions)
    return {action: counts[action] for action in known if counts[action]}
