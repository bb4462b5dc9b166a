"""The interface every save target implements (live wiki, mirror folder).

A target saves a page's new text if the page is still at the revision the
text was computed from (its base), or creates it when there was none; what
the save did comes back as a :class:`SaveResult`. The live wiki's is
:class:`~wikisync.wiki.writer.WikiWriter`, a mirror folder's
:class:`~wikisync.mirror.target.MirrorTarget`;
:func:`~wikisync.sources.open_target` picks the one a source needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from wikisync.core.pages import PageText

__all__ = ["SaveResult", "Target"]


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did.

    Attributes:
        title: the page saved.
        changed: False when the wiki already held exactly this text (no
            revision made by this save).
        revid: the page's latest revision after the save (the new one, or the
            one that already held the text).
        timestamp: that revision's time, ISO 8601 UTC.
        created: True when the save created the page.
        merged: the revision of another edit made while saving that was
            merged into the saved text (0: none).
        note: what happened beyond a plain save, for people (``""`` when
            nothing did): another edit merged in, a lost reply resolved.
        moved_to: the page's title when it was moved while it was saved (the
            save went to the page itself, under its new title; ``""``: not moved).
    """

    title: str
    changed: bool
    revid: int
    timestamp: str
    created: bool = False
    merged: int = 0
    note: str = ""
    moved_to: str = ""


class Target(Protocol):
    """Where edits are saved: a live wiki or a mirror folder."""

    def save(
        self,
        title: str,
        text: str,
        *,
        base: PageText | None,
        summary: str,
        content_model: str = "",
    ) -> SaveResult:
        """Save ``text`` if the page is still at ``base`` (None: create a new page).

        ``content_model`` (``json``, ``GeoJSON``…) is the content model of a
        page the save creates; an existing page keeps its own (a target never
        changes a page's content model), and ``""`` gives a new page its
        namespace's. Callers pass it only when they need one.

        Raises:
            EditConflictError: the page changed (or appeared) since ``base``.
            PublishError: the save was refused.
        """
        ...

    def precheck_size(self) -> int:
        """How many titles one :meth:`check_latest` asks about before a batch of saves;
        0 (the default): the target checks each page as it saves it, nothing before."""
        return 0

    def check_latest(self, titles: Iterable[str]) -> Mapping[str, int | None]:
        """Note the latest revision of many pages at once, so that the next save of each
        refuses a changed page without sending it; per title, its revision id or None
        when missing. Nothing (the default) for a target that does not pre-check."""
        return {}

    def folder(self) -> Path | None:
        """The local folder saves are written to (a mirror's); None (the default) for a wiki."""
        return None

    def file_of(self, title: str) -> Path | None:
        """The local file a save of ``title`` writes; None (the default) for a wiki."""
        return None

    def upstream(self) -> str | None:
        """The wiki a folder's saves are sent to later (by ``push``); None (the default)
        for a wiki, or a folder that knows no wiki."""
        return None
