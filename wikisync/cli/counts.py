"""Counts of pages as the command line says them, in the run's language with the right plural."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from wikisync.i18n import gettext, ngettext
from wikisync.interrupt import NOT_DONE

__all__ = [
    "data_problems",
    "lines_changed",
    "more_problems",
    "pages_by_status",
    "problems_in",
    "type_counts",
]

_PAGES: dict[str, Callable[[int], str]] = {
    "created": lambda n: ngettext("%(n)d page created", "%(n)d pages created", n),
    "edited": lambda n: ngettext("%(n)d page edited", "%(n)d pages edited", n),
    "planned": lambda n: ngettext("%(n)d page would change", "%(n)d pages would change", n),
    "unchanged": lambda n: ngettext("%(n)d page unchanged", "%(n)d pages unchanged", n),
    "skipped": lambda n: ngettext("%(n)d page skipped", "%(n)d pages skipped", n),
    "refused": lambda n: ngettext("%(n)d page refused", "%(n)d pages refused", n),
    "conflict": lambda n: ngettext("%(n)d page in conflict", "%(n)d pages in conflict", n),
    "deleted": lambda n: ngettext("%(n)d page deleted", "%(n)d pages deleted", n),
    "moved": lambda n: ngettext("%(n)d page moved", "%(n)d pages moved", n),
    "invalid": lambda n: ngettext("%(n)d page invalid", "%(n)d pages invalid", n),
    "failed": lambda n: ngettext("%(n)d page failed", "%(n)d pages failed", n),
    NOT_DONE: lambda n: ngettext("%(n)d page not done", "%(n)d pages not done", n),
}


def pages_by_status(counts: Mapping[str, int]) -> str:
    """A batch's pages per status in one phrase ("1 page edited, 3 pages skipped").

    Example:
        >>> pages_by_status({"edited": 1, "skipped": 3})
        '1 page edited, 3 pages skipped'
        >>> pages_by_status({})
        'no pages'
    """
    parts = []
    for status, n in counts.items():
        say = _PAGES.get(status)
        parts.append(say(n) % {"n": n} if say else f"{n} {status}")
    return ", ".join(parts) or gettext("no pages")


def type_counts(pages: int, records: int, problems: int) -> str:
    """A record type's counts ("1 page, 2 records, 0 problems").

    Example:
        >>> type_counts(1, 2, 0)
        '1 page, 2 records, 0 problems'
    """
    return ", ".join(
        [
            ngettext("%(n)d page", "%(n)d pages", pages) % {"n": pages},
            ngettext("%(n)d record", "%(n)d records", records) % {"n": records},
            ngettext("%(n)d problem", "%(n)d problems", problems) % {"n": problems},
        ]
    )


def _count(singular: str, plural: str, n: int) -> str:
    return ngettext(singular, plural, n) % {"n": n}


def problems_in(type_name: str, problems: int, records: int | None = None) -> str:
    """The warning after reading a type with problems, pointing to ``wikisync check``.

    Example:
        >>> problems_in("event", 1)
        "wikisync: 1 problem in event pages; run 'wikisync check event' for the list"
    """
    found = _count("%(n)d problem", "%(n)d problems", problems)
    if records is not None:
        found = _count("%(n)d record", "%(n)d records", records) + ", " + found
    return gettext(
        "wikisync: %(found)s in %(type)s pages; run 'wikisync check %(type)s' for the list"
    ) % {"found": found, "type": type_name}


def data_problems(job: str, problems: int) -> str:
    """The heading of a job's data problems.

    Example:
        >>> data_problems("events", 2)
        'wikisync: events: 2 data problems in the pages:'
    """
    return ngettext(
        "wikisync: %(job)s: %(n)d data problem in the pages:",
        "wikisync: %(job)s: %(n)d data problems in the pages:",
        problems,
    ) % {"job": job, "n": problems}


def lines_changed(added: int, removed: int) -> str:
    """A diff's size ("+1 -1 lines").

    Example:
        >>> lines_changed(3, 1)
        '+3 -1 lines'
    """
    return gettext("+%(added)d -%(removed)d lines") % {"added": added, "removed": removed}


def more_problems(n: int) -> str:
    """The line after the first problems shown ("… and 2 more")."""
    return ngettext(
        "  … and %(n)d more (-v shows all; so does 'wikisync check TYPE')",
        "  … and %(n)d more (-v shows all; so does 'wikisync check TYPE')",
        n,
    ) % {"n": n}
