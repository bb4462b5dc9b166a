"""Where parsed records and job verdicts are remembered between runs (the memo store).

A live wiki read through its revision cache (:class:`~wikisync.wiki.cache.RevisionCache`)
keeps, beside each page's revision, what was computed from it: the records of
a type (:mod:`wikisync.ops.record_cache`) and a job's verdict
(:mod:`wikisync.ops.jobs.memo`). A source hands its store out with
:meth:`~wikisync.ports.source.Source.memo_store`; a folder or dump has none.
:func:`code_digest` keys the entries on the code that computed them.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

__all__ = ["MemoStore", "code_digest"]


class MemoStore(Protocol):
    """Entries per (site, slot), by page title: (fingerprint, digest, data)."""

    def get_records(self, site: str, record_type: str) -> dict[str, tuple[str, str, str]]:
        """The stored entries of a slot (a record type, or a job's), by title."""
        ...

    def put_records(
        self,
        site: str,
        record_type: str,
        entries: Iterable[tuple[str, str, str, str]],
        *,
        forget: Iterable[str] = (),
    ) -> None:
        """Store (title, fingerprint, digest, data) entries and drop the ``forget`` titles."""
        ...


@functools.lru_cache(maxsize=8)
def code_digest(modules: tuple[str, ...]) -> str:
    """A digest of the source of ``modules``: what is cached from their code is
    stale when it changes (a new wikisync, or a patched checkout).

    Example:
        >>> len(code_digest(("wikisync.core.pages",)))
        64
    """
    digest = hashlib.sha256()
    for name in modules:
        module = importlib.import_module(name)
        digest.update(name.encode())
        try:
            digest.update(Path(str(module.__file__)).read_bytes())
        except (OSError, TypeError):
            digest.update(b"?")  # a zipped install: the version still counts
    return digest.hexdigest()
