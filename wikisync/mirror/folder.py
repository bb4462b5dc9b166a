"""A mirror folder as the mirror's side of a sync (:class:`~wikisync.ports.mirror.MirrorFolder`).

Besides the page files and their base revisions it keeps the *conflict
files*: a page whose last pull or push met a conflict has ``<file>.remote``
beside it (``_main/Accueil.wiki.remote``; a name too long for the suffix is
cut to fit, see :func:`wikisync.mirror.filenames.derived_name`), holding the
wiki's version; mirror readers ignore it (it does not end in ``.wiki``). Like
every mirror file it is read and written without following symbolic links.
The conflict stays until that file is deleted: merge the wiki's version into
the page file, then delete it (or take the wiki's version with ``mv``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from wikisync.core.pages import Namespaces
from wikisync.mirror.filenames import derived_name
from wikisync.mirror.files import file_stat, write_file
from wikisync.mirror.layout import METADATA_FILE, read_page_file
from wikisync.mirror.reader import MirrorSource, open_mirror
from wikisync.mirror.writer import MirrorWriter, init_mirror
from wikisync.ports.mirror import CONFLICT_SUFFIX, MirrorEntry

__all__ = [
    "CONFLICT_SUFFIX",
    "LocalMirror",
    "conflict_file",
    "conflict_path",
    "has_conflict",
    "write_conflict",
]


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


class LocalMirror:
    """A mirror folder on disk, made a mirror on the first pull (:meth:`create`)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)
        self._source: MirrorSource | None = None

    @property
    def path(self) -> Path:
        return self._path

    @property
    def recorded_site(self) -> str | None:
        if not (self._path / METADATA_FILE).exists():
            return None
        return self._open().site

    def _open(self) -> MirrorSource:
        if self._source is None:
            self._source = open_mirror(self._path)
        return self._source

    def create(self, *, site: str, namespaces: Namespaces) -> None:
        self._source = init_mirror(self._path, site=site, namespaces=namespaces)

    def entries(self) -> Mapping[str, MirrorEntry]:
        return self._open().entries()

    def page_files(self) -> Mapping[str, Path]:
        return self._open().page_files()

    def base_text(self, title: str) -> str | None:
        return self._open().base_text(title)

    def read_page(self, file: str) -> str | None:
        return read_page_file(self._path, file)

    def check_file(self, file: str) -> None:
        file_stat(self._path, file)

    def conflict_file(self, file: str) -> str:
        return conflict_file(file)

    def has_conflict(self, file: str) -> bool:
        return has_conflict(self._path, file)

    def write_conflict(self, file: str, remote_text: str) -> str:
        return write_conflict(self._path, file, remote_text)

    def journal(self, *, durable: bool) -> MirrorWriter:
        return MirrorWriter(self._path, durable=durable)
