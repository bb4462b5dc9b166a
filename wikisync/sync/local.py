"""The mirror's side of a sync: what changed locally, conflict files, the mirror's site.

A page of the mirror is *modified locally* when its file's text differs
from its base revision (``sha1`` in ``pages.jsonl``), *new locally* when its
file is not listed there, *deleted locally* when it is listed and its file is
gone. A page whose last pull or push met a conflict has a *conflict file*
beside it, ``<file>.remote`` (``_main/Accueil.wiki.remote``), holding the
wiki's version; mirror readers ignore it (it does not end in ``.wiki``). The
conflict stays until that file is deleted: merge the wiki's version into the
page file, then delete it (or take the wiki's version with ``mv``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wikisync.errors import ConfigError
from wikisync.sources.mirror import MirrorSource
from wikisync.sources.mirror_layout import MirrorEntry, read_page_file, text_sha1
from wikisync.sources.site import WikiClient, candidate_addresses

#: Suffix of the file holding the wiki's version of a page in conflict.
CONFLICT_SUFFIX = ".remote"


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
            title, relative, entry, read_page_file(path), conflict_path(root, relative).exists()
        )
    for title, entry in entries.items():
        if title not in pages:
            pages[title] = LocalPage(
                title, entry.file, entry, None, conflict_path(root, entry.file).exists()
            )
    return dict(sorted(pages.items()))


def conflict_path(root: Path, file: str) -> Path:
    """Where the wiki's version of a page in conflict is written."""
    return root / (file + CONFLICT_SUFFIX)


def write_conflict(root: Path, file: str, remote_text: str) -> str:
    """Write the wiki's version beside a page file (atomically); return its relative path."""
    path = conflict_path(root, file)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes((remote_text + "\n").encode("utf-8"))
    os.replace(temporary, path)
    return path.relative_to(root).as_posix()


def same_text(a: str, b: str) -> bool:
    """Equal as the wiki stores them (it drops trailing whitespace on save)."""
    return a.rstrip() == b.rstrip()


def check_site(recorded: str | None, client: WikiClient) -> None:
    """Refuse to sync a mirror with a wiki other than the one it was pulled from.

    Raises:
        ConfigError: the mirror records another site.
    """
    if recorded is None or same_site(recorded, client):
        return
    raise ConfigError(
        f"this mirror was pulled from {recorded}, not {client.url}: drop --site to use the "
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
