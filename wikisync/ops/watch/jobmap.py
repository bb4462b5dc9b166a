"""Which jobs a change of the wiki calls for: the map from categories and templates to jobs.

A job lists the pages of its record types' categories. A change calls for a
job when the page it touches is, or was, one of them (an edit, a creation, a
move, a deletion, a restore, an import: the old title leaves the index); when
a ``categorize`` row names one of the categories (a page entering or leaving
it, also through a template, where the wiki records such rows); or when a
template changes (the pages using it may enter or leave a category once the
wiki's job queue has run: every job, now and once more later). Changes to the
jobs' own index pages call for nothing: the watcher never triggers itself on
what it saved. Pages of other namespaces' kinds (a category page's own text)
call for nothing either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from wikisync.core.categories import normalize_category
from wikisync.core.pages import CATEGORY_NS, TEMPLATE_NS, Namespaces
from wikisync.core.schema import RecordType
from wikisync.ops.jobs.config import Job
from wikisync.ports.recent import Change

__all__ = ["Affected", "JobMap", "build_job_map"]


@dataclass(slots=True)
class Affected:
    """What a batch of rows calls for.

    Attributes:
        jobs: the jobs to run now.
        later: the jobs to run once more after the wiki's job queue settles.
        ignored: rows about the jobs' own pages or the stop page (no self-loop).
        titles: the pages whose membership was asked (for the log).
    """

    jobs: set[str] = field(default_factory=set)
    later: set[str] = field(default_factory=set)
    ignored: int = 0
    titles: tuple[str, ...] = ()


@dataclass(slots=True)
class JobMap:
    """The jobs watched, keyed by what makes them stale.

    Attributes:
        jobs: the jobs, by name.
        by_category: a category's full title → the record types listing it.
        by_type: a record type → the jobs reading it.
        own: the normalised titles never acted on (the jobs' pages, the stop page).
        namespaces: to normalise titles.
    """

    jobs: Mapping[str, Job]
    by_category: Mapping[str, frozenset[str]]
    by_type: Mapping[str, frozenset[str]]
    own: frozenset[str]
    namespaces: Namespaces

    def types_of(self, categories: Iterable[str]) -> set[str]:
        """The record types whose categories include one of ``categories`` (no prefix)."""
        found: set[str] = set()
        for name in categories:
            found |= self.by_category.get(normalize_category(name, self.namespaces), set())
        return found

    def jobs_of(self, types: Iterable[str]) -> set[str]:
        """The jobs reading one of the record ``types``."""
        found: set[str] = set()
        for name in types:
            found |= self.by_type.get(name, set())
        return found

    def categories(self) -> list[str]:
        """Every category watched (full titles), sorted."""
        return sorted(self.by_category)

    def page_titles(self, changes: Sequence[Change]) -> list[str]:
        """The content pages the rows touch (not categories, templates or own pages)."""
        titles: dict[str, None] = {}
        for change in changes:
            if change.kind == "categorize" or change.ns in (CATEGORY_NS, TEMPLATE_NS):
                continue
            for title in change.titles:
                normal = self.namespaces.normalize(title)
                if normal not in self.own:
                    titles[normal] = None
        return list(titles)

    def affected(
        self,
        changes: Sequence[Change],
        was: Mapping[str, frozenset[str]],
        now: Mapping[str, frozenset[str]],
    ) -> Affected:
        """The jobs ``changes`` call for.

        Args:
            changes: the new rows.
            was: page → the record types it belonged to before (what the
                watcher knew; only the pages of :meth:`page_titles` are asked).
            now: page → its categories now (absent: the page does not exist).
        """
        result = Affected(titles=tuple(self.page_titles(changes)))
        for change in changes:
            normals = [self.namespaces.normalize(title) for title in change.titles]
            if all(normal in self.own for normal in normals):
                result.ignored += 1
                continue
            if change.kind == "categorize" or change.ns == CATEGORY_NS:
                if change.kind == "categorize":
                    result.jobs |= self.jobs_of(self.by_category.get(normals[0], set()))
                continue
            if change.ns == TEMPLATE_NS:
                result.jobs |= set(self.jobs)
                result.later |= set(self.jobs)
                continue
            for normal in normals:
                if normal in self.own:
                    continue
                types = set(was.get(normal, frozenset()))
                types |= self.types_of(now.get(normal, frozenset()))
                result.jobs |= self.jobs_of(types)
        return result


def build_job_map(
    jobs: Sequence[Job],
    record_types: Mapping[str, RecordType],
    namespaces: Namespaces,
    *,
    stop_page: str = "",
) -> JobMap:
    """The map of ``jobs`` (each job's record types taken from ``record_types``)."""
    by_category: dict[str, set[str]] = {}
    by_type: dict[str, set[str]] = {}
    own: set[str] = set()
    for job in jobs:
        if job.page:
            own.add(namespaces.normalize(job.page))
        for name in job.record_types:
            by_type.setdefault(name, set()).add(job.name)
            for category in record_types[name].categories:
                by_category.setdefault(normalize_category(category, namespaces), set()).add(name)
    if stop_page:
        own.add(namespaces.normalize(stop_page))
    return JobMap(
        jobs={job.name: job for job in jobs},
        by_category={key: frozenset(value) for key, value in by_category.items()},
        by_type={key: frozenset(value) for key, value in by_type.items()},
        own=frozenset(own),
        namespaces=namespaces,
    )
