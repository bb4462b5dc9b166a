"""What a run under faults did to the wiki, read from the wiki itself (not through the proxy).

Used by tests/integration/test_faults.py and bench/bench_faults.py: take the
latest revision of every page in scope before the run, compute what each page
should hold (a dry run without faults), run through the fault proxy, then
:func:`check_edits` counts, from the pages' histories:

- lost edits: a page that should have changed has no new revision, or its
  latest text is not the intended one;
- duplicated revisions: more than one new revision on a page (a save sent
  twice, or a second save of the same change);
- partial texts: a new revision whose text is not the intended one (a cut
  request, a half-written text);
- unexpected edits: a new revision on a page that should not have changed;
- overwritten human edits: a line a human added during the run is missing
  from the page's latest text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.mediawiki import TestWiki
from wikisync.config import Config
from wikisync.sources import open_source


def planned_texts(config: Config, plan: Callable[[Any, Config], Any]) -> dict[str, str]:
    """What each page should become: ``plan`` (a dry run) straight against the wiki.

    ``plan`` gets an open source and ``config`` and returns a batch or run
    report; the pages (or jobs) it would change give their planned texts.
    """
    source = open_source(config)
    try:
        report = plan(source, config)
    finally:
        source.close()
    items = getattr(report, "pages", None) or getattr(report, "jobs", [])
    return {
        getattr(item, "title", None) or item.page: item.edit.new_text
        for item in items
        if item.status == "planned" and item.edit is not None
    }


def latest_revids(wiki: TestWiki, titles: Iterable[str]) -> dict[str, int]:
    """Each page's latest revision id (0 for a missing page), 50 titles a request."""
    titles = list(titles)
    found: dict[str, int] = {}
    for start in range(0, len(titles), 50):
        batch = titles[start : start + 50]
        reply = wiki.api(action="query", prop="revisions", titles="|".join(batch), rvprop="ids")
        query = reply["query"]
        renamed = {n["to"]: n["from"] for n in query.get("normalized", [])}
        for page in query["pages"]:
            title = renamed.get(page["title"], page["title"])
            revisions = page.get("revisions") or [{"revid": 0}]
            found[title] = int(revisions[0]["revid"])
    return found


def history(wiki: TestWiki, title: str) -> list[dict[str, Any]]:
    """The page's revisions, newest first: revid, user, sha1, text."""
    reply = wiki.api(
        action="query",
        prop="revisions",
        titles=title,
        rvlimit=50,
        rvprop="ids|user|sha1|content",
        rvslots="main",
    )
    page = reply["query"]["pages"][0]
    return [
        {
            "revid": int(r["revid"]),
            "user": r.get("user", ""),
            "sha1": r.get("sha1", ""),
            "text": r["slots"]["main"].get("content", ""),
        }
        for r in page.get("revisions", [])
    ]


@dataclass
class Tally:
    """What :func:`check_edits` found; every count should be 0 but ``edited``."""

    edited: int = 0
    lost: int = 0
    duplicated: int = 0
    partial: int = 0
    unexpected: int = 0
    overwritten: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was lost, doubled, partial, unexpected or overwritten."""
        return not (self.lost or self.duplicated or self.partial or self.unexpected) and not (
            self.overwritten
        )

    def add(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.edited += other.edited
        self.lost += other.lost
        self.duplicated += other.duplicated
        self.partial += other.partial
        self.unexpected += other.unexpected
        self.overwritten += other.overwritten
        self.problems += other.problems


def check_edits(
    wiki: TestWiki,
    before: Mapping[str, int],
    expected: Mapping[str, str],
    *,
    human_lines: Mapping[str, str] | None = None,
) -> Tally:
    """Compare the wiki with what a run should have done.

    Args:
        wiki: the wiki, read directly.
        before: every page in scope → its latest revision id before the run.
        expected: the pages the run should change → their intended text
            (compared without trailing whitespace, as MediaWiki stores it).
        human_lines: pages a human edited during the run → the line the
            human added, which must still be in the latest text.
    """
    unknown = set(expected) - set(before)
    if unknown:
        raise ValueError(f"pages expected to change but not in before: {sorted(unknown)[:5]}")
    tally = Tally()
    humans = human_lines or {}
    for title, was in before.items():
        revisions = [r for r in history(wiki, title) if r["revid"] > was]
        ours = [r for r in revisions if r["user"] == "WikiBot"]
        want = expected.get(title)
        if want is None:
            if ours:
                tally.unexpected += 1
                tally.problems.append(f"{title}: {len(ours)} unexpected revisions")
            continue
        want = want.rstrip()
        if not ours:
            tally.lost += 1
            tally.problems.append(f"{title}: no new revision (edit lost)")
            continue
        tally.edited += 1
        if len(ours) > 1:
            tally.duplicated += len(ours) - 1
            tally.problems.append(f"{title}: {len(ours)} new revisions by the bot")
        latest = revisions[0]["text"].rstrip()
        for revision in ours:
            text = revision["text"].rstrip()
            if text != want and not (title in humans and humans[title] in text):
                tally.partial += 1
                tally.problems.append(
                    f"{title}: revision {revision['revid']} holds {len(text)} characters, "
                    f"not the {len(want)} intended"
                )
        if title not in humans and latest != want:
            tally.lost += 1
            tally.problems.append(f"{title}: the latest text is not the intended one")
    for title, line in humans.items():
        latest = history(wiki, title)[0]["text"]
        if line not in latest:
            tally.overwritten += 1
            tally.problems.append(f"{title}: the human's line {line!r} is gone")
    return tally
