"""What pull and push reports share: per-page outcomes and counts, from their items."""

from __future__ import annotations

from typing import ClassVar, Protocol

from wikisync.ports.outcome import Outcome, ReportEntry, count_outcomes

__all__ = ["ItemsReport", "SyncItem"]


class SyncItem(Protocol):
    """One page of a pull or a push."""

    @property
    def title(self) -> str: ...
    @property
    def action(self) -> Outcome: ...
    @property
    def detail(self) -> str: ...
    @property
    def revid(self) -> int: ...


class ItemsReport:
    """The :class:`~wikisync.ports.outcome.Report` calls of a report made of ``items``.

    A subclass (a dataclass with an ``items`` field) names its actions in
    :attr:`ACTIONS`, the order its counts are given in.
    """

    __slots__ = ()
    ACTIONS: ClassVar[tuple[Outcome, ...]] = ()
    items: tuple[SyncItem, ...]

    def page_outcomes(self) -> tuple[ReportEntry, ...]:
        """Each page's outcome, in the items' order."""
        return tuple(
            ReportEntry(item.title, item.action, item.detail, item.revid or None)
            for item in self.items
        )

    def outcomes(self) -> tuple[Outcome, ...]:
        """Each page's action, in the items' order (the exit code comes from them)."""
        return tuple(item.action for item in self.items)

    def counts(self) -> dict[str, int]:
        """How many pages got each action."""
        return count_outcomes(self.outcomes(), self.ACTIONS)
