"""The mirror folder's save target: a save is a local edit of a page's file."""

from __future__ import annotations

from pathlib import Path

from wikisync.core.errors import EditConflictError
from wikisync.core.pages import PageText
from wikisync.mirror.files import write_file
from wikisync.mirror.reader import MirrorSource
from wikisync.mirror.writer import check_state, lock_mirror
from wikisync.ports.source import Source
from wikisync.ports.target import SaveResult, Target

__all__ = ["MirrorTarget"]


class MirrorTarget(Target):
    """A mirror folder as a :class:`~wikisync.ports.target.Target`: saves edit page files.

    Only the page's file is written (atomically); the mirror's metadata keeps
    the base revision the page was pulled at, so ``status`` shows the change
    and ``push`` sends it with that base. A page to create becomes a new file
    (no base revision). A save is refused as a conflict when the file no
    longer holds the text it was computed from. The mirror's lock is held
    while writing, so a ``pull`` never interleaves.

    Example:
        >>> target = MirrorTarget(source)
        >>> target.save("Evénements", new_text, base=page, summary="")
    """

    def __init__(self, source: Source, *, durable: bool = True) -> None:
        if not isinstance(source, MirrorSource):
            raise TypeError("MirrorTarget needs a MirrorSource")
        self.source = source
        self.path = source.path
        self.durable = durable
        check_state(self.path)  # an odd .wikisync or lock is one error, not one per page

    def save(
        self,
        title: str,
        text: str,
        *,
        base: PageText | None,
        summary: str,
        content_model: str = "",
    ) -> SaveResult:
        """Write ``text`` to the page's file if it still holds ``base``'s text.

        A file holds text only: ``content_model`` is the wiki's business (the
        page keeps its model, or gets its namespace's, when pushed).

        Raises:
            EditConflictError: the file changed since ``base`` was read (or
                exists, for a page to create).
            LockError: another run is writing the mirror.
        """
        title = self.source.namespaces.normalize(title)
        lock = lock_mirror(self.path)
        try:
            found = self.source.fetch_titles([title])
            current = found.pages[0] if found.pages else None
            if base is None and current is not None:
                raise EditConflictError(
                    f'Page "{title}" exists already in mirror "{self.path}"; it was not '
                    "overwritten",
                    title=title,
                )
            if base is not None and (current is None or current.wikitext != base.wikitext):
                now = "was removed" if current is None else "was edited"
                raise EditConflictError(
                    f'Page "{title}" {now} in mirror "{self.path}" since it was read; '
                    "nothing was overwritten",
                    title=title,
                )
            if current is not None and current.wikitext == text:
                return SaveResult(title, False, current.revid, current.timestamp)
            relative = self._file_of(title)
            data = (text + "\n").encode("utf-8")
            write_file(self.path, relative.as_posix(), data, durable=self.durable)
        finally:
            lock.release()
        revid = current.revid if current is not None else 0
        timestamp = current.timestamp if current is not None else ""
        return SaveResult(title, True, revid, timestamp, created=current is None)

    def folder(self) -> Path:
        """The mirror folder."""
        return self.path

    def upstream(self) -> str | None:
        """The wiki the mirror was pulled from, if it knows one."""
        return self.source.site or None

    def file_of(self, title: str) -> Path:
        """The page's file (absolute), existing or to be created."""
        return self.path / self._file_of(self.source.namespaces.normalize(title))

    def _file_of(self, title: str) -> Path:
        return Path(self.source.file_for(title))
