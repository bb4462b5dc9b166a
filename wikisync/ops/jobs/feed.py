"""An Atom feed (RFC 4287) of record changes: the text of a ``format = "atom"`` file job.

:func:`feed_entries` turns record changes into entries (one per record
changed, its fields one line each); :func:`render_feed` writes the feed with
the newest entries first. The feed's ``updated`` is its newest entry's, and
entry ids are derived from what changed (job, type, page, record, revisions),
so the same entries give the same bytes: a run with no change leaves the
file as it was (:class:`~wikisync.ops.jobs.to_file.FileTarget` writes only
when bytes change), and an entry computed twice (a run that stopped after
writing the feed, before keeping its state) is kept once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from wikisync.__about__ import __version__
from wikisync.core.record_changes import RecordChange

__all__ = ["FeedEntry", "feed_entries", "merge_entries", "render_feed"]

_NAMESPACE = uuid.UUID("6f1d3a52-3c1e-4f0e-9a57-7b2f0c4e9d10")
#: A feed with no entry yet is dated so (its bytes stay the same run after run).
_EPOCH = "1970-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry: a record created, deleted or changed."""

    id: str
    title: str
    updated: str
    content: str
    link: str = ""

    def to_dict(self) -> dict[str, str]:
        """JSON data (kept with the job's state)."""
        return {
            "id": self.id,
            "title": self.title,
            "updated": self.updated,
            "content": self.content,
            "link": self.link,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeedEntry:
        """The entry :meth:`to_dict` gave.

        Raises:
            KeyError, TypeError: not such data.
        """
        return cls(
            str(data["id"]),
            str(data["title"]),
            str(data["updated"]),
            str(data["content"]),
            str(data.get("link", "")),
        )


def _clean(text: str) -> str:
    # XML 1.0 allows no control characters but tab, newline and carriage return
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20).replace("\ufffe", "")


def feed_entries(
    job: str,
    changes: Iterable[RecordChange],
    *,
    when: str,
    page_url: Callable[[str], str] | None = None,
) -> list[FeedEntry]:
    """One entry per record change.

    Args:
        job: the job's name (part of the entry ids).
        changes: the changes found by the run.
        when: the entries' time when a change carries none (ISO 8601 UTC).
        page_url: a page title to its address (the entry's link).
    """
    entries = []
    for change in changes:
        key = "\0".join(
            [
                job,
                change.type,
                change.title,
                str(change.index),
                change.kind,
                str(change.old_revid),
                str(change.new_revid),
                "|".join(f.text() for f in change.fields),
            ]
        )
        lines = [f.text() for f in change.fields]
        entries.append(
            FeedEntry(
                f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}",
                f"[{change.type}] {change.heading()}",
                change.timestamp or when,
                "\n".join(lines),
                page_url(change.title) if page_url is not None and change.kind != "deleted" else "",
            )
        )
    return entries


def merge_entries(new: Sequence[FeedEntry], old: Sequence[FeedEntry], keep: int) -> list[FeedEntry]:
    """The newest ``keep`` entries of both, each id once (the newer copy), newest first."""
    seen: set[str] = set()
    merged: list[FeedEntry] = []
    for entry in [*new, *old]:
        if entry.id not in seen:
            seen.add(entry.id)
            merged.append(entry)
    merged.sort(key=lambda entry: entry.updated, reverse=True)  # stable: a run's order stays
    return merged[:keep]


def render_feed(
    entries: Sequence[FeedEntry],
    *,
    feed_id: str,
    title: str,
    link: str = "",
) -> str:
    """The Atom document (UTF-8 XML text) of the entries, in the order given.

    Args:
        entries: newest first.
        feed_id: the feed's permanent id (an URN).
        title: its title.
        link: the wiki's address, for readers to link to.
    """
    updated = max((entry.updated for entry in entries), default=_EPOCH)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <id>{escape(feed_id)}</id>",
        f"  <title>{escape(_clean(title))}</title>",
        f"  <updated>{escape(updated)}</updated>",
        "  <author><name>wikisync</name></author>",
        f'  <generator version="{escape(__version__)}">wikisync</generator>',
    ]
    if link:
        out.append(f'  <link rel="alternate" href={quoteattr(_clean(link))}/>')
    for entry in entries:
        out.append("  <entry>")
        out.append(f"    <id>{escape(entry.id)}</id>")
        out.append(f"    <title>{escape(_clean(entry.title))}</title>")
        out.append(f"    <updated>{escape(entry.updated)}</updated>")
        if entry.link:
            out.append(f'    <link rel="alternate" href={quoteattr(_clean(entry.link))}/>')
        out.append(f'    <content type="text">{escape(_clean(entry.content))}</content>')
        out.append("  </entry>")
    out.append("</feed>")
    return "\n".join(out) + "\n"
