"""Remember that an index page already holds its section, to skip rendering it again.

A warm ``rebuild`` with nothing changed still rendered every job's records
and parsed the index page to find that its section already holds them. Both
are pure functions of their inputs, so the verdict can be remembered: after a
job found its page **unchanged** (or saved it), the revision cache's file
(:mod:`wikisync.wiki.cache`) keeps, for the job, a digest of everything the
generated text depends on and the SHA-1 of the page's text. The next run
with the same digest, reading the same page text, knows the section holds
without rendering, parsing or even decoding the cached records: the
report's counts (pages read, records, problems) are kept with the verdict.

The digest covers what the records are made of, without reading them: each
record type's fingerprint (:func:`wikisync.ops.record_cache.type_fingerprint`)
and the pages listed (title, revision id and text, in order), the job's
settings (page, page template, marker, shrink limit, variables, template
folders), the run's options that change the text (``today``, ``force``,
``allow_shrink``, ``create``), the page templates (every ``*.j2`` file in
the template folders and the shipped ones), the wikisync version and the
code of the modules that render and place sections. Any difference, or any
change of the page's text, and the job is rendered and checked as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wikisync.__about__ import __version__
from wikisync.core.pages import PageText
from wikisync.core.render import builtin_templates
from wikisync.core.schema import RecordType
from wikisync.loaders import parse_json
from wikisync.ops.record_cache import type_fingerprint
from wikisync.ports.memo import MemoStore, code_digest
from wikisync.ports.source import Source

__all__ = ["JobMemo", "MemoCounts", "open_job_memo"]

_MEMO_FORMAT = 2
# The modules whose code decides a job's text from its records and page.
_RENDERING_MODULES = (
    "wikisync.ops.jobs.run",
    "wikisync.ops.jobs.report",
    "wikisync.core.render",
    "wikisync.core.templating",
    "wikisync.core.sections",
    "wikisync.core.french",
    "wikisync.core.dates",
    "wikisync.core.fields.values",
    "wikisync.core.fields.links",
    "wikisync.core.records",
    "wikisync.ops.publish",
    "wikisync.ops.jobs.memo",
)


def _template_files(folder: Any, prefix: str = "") -> Iterable[tuple[str, bytes]]:
    # A Path or an importlib.resources Traversable; every *.j2 file, recursively.
    try:
        children = sorted(folder.iterdir(), key=lambda child: child.name)
    except (OSError, NotADirectoryError):
        return
    for child in children:
        name = f"{prefix}/{child.name}"
        if child.is_dir():
            yield from _template_files(child, name)
        elif child.name.endswith(".j2"):
            yield name, child.read_bytes()


def _templates_digest(template_dirs: Sequence[str]) -> str:
    digest = hashlib.sha256()
    folders: list[Any] = [Path(d) for d in template_dirs]
    folders.append(builtin_templates())
    for number, folder in enumerate(folders):
        for name, data in _template_files(folder):
            digest.update(f"{number}{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class MemoCounts:
    """What a job's report says of its records, kept with the verdict.

    Attributes:
        pages_read: pages of the record types read.
        records: records listed.
        problems: the record problems found (messages).
    """

    pages_read: int
    records: int
    problems: tuple[str, ...]


class JobMemo:
    """The remembered verdict of one job on one wiki (see the module's notes)."""

    def __init__(self, cache: MemoStore, site: str, job: str, page: str, key: str) -> None:
        self._cache = cache
        self._site = site
        self._slot = f"\0job:{job}"  # beside record types in the same table, never one of them
        self._page = page
        self.key = key

    def held(self, page: PageText) -> MemoCounts | None:
        """The counts remembered when this page text was found to hold these inputs' section.

        None when it was not (other inputs, another text, nothing remembered).
        """
        entry = self._cache.get_records(self._site, self._slot).get(self._page)
        if entry is None or entry[:2] != (self.key, _sha1(page.wikitext)):
            return None
        try:
            data = parse_json(entry[2])
            return MemoCounts(
                int(data["pages_read"]),
                int(data["records"]),
                tuple(str(problem) for problem in data["problems"]),
            )
        except (TypeError, KeyError, ValueError):
            return None  # an entry of another format: rendered and checked as before

    def remember(self, text: str, counts: MemoCounts) -> None:
        """Remember that the page with this text holds the section for these inputs."""
        data = json.dumps(
            {
                "pages_read": counts.pages_read,
                "records": counts.records,
                "problems": list(counts.problems),
            },
            ensure_ascii=False,
        )
        self._cache.put_records(self._site, self._slot, [(self._page, self.key, _sha1(text), data)])


def open_job_memo(
    source: Source,
    job: str,
    page: str,
    listings: Sequence[tuple[RecordType, Sequence[PageText]]],
    settings: Mapping[str, Any],
    template_dirs: Sequence[str],
) -> JobMemo | None:
    """The memo of a job, or None when the source reads no live wiki through a cache.

    Args:
        source: the run's source (a live wiki with a revision cache, or not).
        job: the job's name.
        page: its target page.
        listings: the pages read for each of its record types, in the order read
            (their records are a function of these and the type's fingerprint).
        settings: everything else its text depends on (JSON-able; ``str()`` otherwise).
        template_dirs: the folders searched for its page template.
    """
    memo = source.memo_store()
    if memo is None:
        return None
    cache, site = memo
    digest = hashlib.sha256()
    head = {
        "format": _MEMO_FORMAT,
        "wikisync": __version__,
        "code": code_digest(_RENDERING_MODULES),
        "templates": _templates_digest(template_dirs),
        "job": job,
        "page": page,
        "settings": settings,
        "types": [
            [record_type.name, type_fingerprint(record_type), len(pages)]
            for record_type, pages in listings
        ],
    }
    digest.update(json.dumps(head, sort_keys=True, ensure_ascii=False, default=str).encode())
    for _, pages in listings:
        for listed in pages:
            # what the record cache keys a page's records on: title, revision, text
            text = listed.wikitext.encode("utf-8", "surrogatepass")
            digest.update(f"\0{listed.revid}\0{len(text)}\0{listed.title}\0".encode())
            digest.update(text)
    return JobMemo(cache, site, job, page, digest.hexdigest())


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()
