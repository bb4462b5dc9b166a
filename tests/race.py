"""The race harness: edits timed into a command's save window, and the wiki's history as judge.

Used by tests/integration/test_race_matrix.py. A case is one saving command
(:data:`COMMANDS` in the test module) run through the CLI against a
:class:`~tests.faultproxy.FaultProxy`, and one :class:`Interleaving`: what
another account (or the bot's own account in another session) does to the
command's target page at one moment of the save window:

``before``
    just before the command's save request reaches the wiki (after every
    check the command makes);
``lost_reply``
    just after the wiki saved the page, while the reply is being lost
    (``reset_after``): the command must retry and find out what happened.

The interleaving records what it did as :class:`Trace` entries (a line that
must survive, a deletion, a move, a protection). :func:`judge` then reads the
recent changes and the pages' histories on the wiki itself (never through the
proxy) and lists every broken promise: an edit of someone else's missing from
the latest revision without a conflict reported (exit 3), a page created or
re-created that the command had no business creating, a redirect written
over, and a report word that the history contradicts.

The judge reads as an anonymous reader would: the revisions of a page
deleted in the window are gone from recent changes, so for such a page it
checks that the page stays deleted (or was created only by a command asked
to, once), not which word names a save made before the deletion.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import mwclient

from tests.mediawiki import TestWiki

BOT = "WikiBot"
#: Lines every page of the race wiki has, which the interleavings edit.
MIDDLE = "Ligne du milieu."
#: A page no command touches: what a move onto a missing title moves.
SPARE = "Brouillon de course"
#: The text another account gives a page it creates in the window.
HUMAN_PAGE = "Ligne du haut.\n{{Fiche\n|statut=écrit à la main\n}}\nLigne du milieu.\nLigne du bas."
#: Report words that say the command saved the page.
SAVED_WORDS = frozenset({"edited", "created", "merged", "saved"})
#: Report words that say the page was left alone for a cause (exit 3).
REFUSED_WORDS = frozenset({"conflict", "refused", "deleted", "moved", "protected"})
#: Every status word a command reports for a page.
WORDS = SAVED_WORDS | REFUSED_WORDS | {"unchanged", "recorded", "skipped", "failed", "not done"}
#: "moved" says where the page went: the edit may have followed it there, or not.
EITHER_WORDS = frozenset({"moved"})
#: The summary of the writer's revisions that put another's edit back after saving over it.
PUT_BACK = ("rétablit la révision",)
_WORD = re.compile(r" ([a-z]+(?: done)?)\b")


@dataclass(frozen=True, slots=True)
class Trace:
    """One thing an interleaving did to the wiki.

    Attributes:
        kind: ``line`` (``marker`` must be in ``title``'s latest text),
            ``deleted`` (``title`` must stay missing), ``moved`` (``title`` is now
            a redirect to ``marker``, which the command must not write over) or
            ``protected`` (``title`` was protected against the bot).
        title: the page.
        marker: the line, or the new title of a move.
    """

    kind: str
    title: str
    marker: str = ""


@dataclass
class Window:
    """What an interleaving may use: the accounts, the page, the command's own change."""

    wiki: TestWiki
    title: str
    same_line: tuple[Callable[[str], str], str]
    own_change: Callable[[str], str] | None
    admin: mwclient.Site
    same_account: mwclient.Site
    traces: list[Trace] = field(default_factory=list)
    #: The revisions the interleaving made, and the pages it created (not the command's).
    revids: set[int] = field(default_factory=set)
    creations: Counter[str] = field(default_factory=Counter)

    def text(self, site: mwclient.Site | None = None) -> str | None:
        """The page's latest text, None when it is missing."""
        page = (site or self.admin).pages[self.title]
        return page.text() if page.exists else None

    def edit(self, change: Callable[[str], str], marker: str, *, site: Any = None) -> None:
        """Change the page (create it from :data:`HUMAN_PAGE` if missing) as ``site``."""
        site = site or self.admin
        page = site.pages[self.title]
        text = page.text() if page.exists else HUMAN_PAGE
        new = change(text)
        if marker not in new:
            raise AssertionError(f"the interleaving's change left out its marker {marker!r}")
        self.save(page, new, "modifié pendant la sauvegarde du robot")
        self.traces.append(Trace("line", self.title, marker))

    def save(self, page: Any, text: str, summary: str) -> None:
        """Save ``page`` (an mwclient page) and remember the revision as the interleaving's."""
        if not page.exists:
            self.creations[page.name] += 1
        result = page.edit(text, summary=summary)
        self.revids.add(int(result.get("newrevid", 0)))


# -- the interleavings ------------------------------------------------------------------


def _other_line(window: Window) -> None:
    marker = "Ligne du milieu, corrigée par Admin."
    window.edit(lambda text: text.replace(MIDDLE, marker), marker)


def _same_line(window: Window) -> None:
    change, marker = window.same_line
    window.edit(change, marker)


def _top(window: Window) -> None:
    marker = "Ajout en haut par Admin."
    window.edit(lambda text: f"{marker}\n{text}", marker)


def _end(window: Window) -> None:
    marker = "Ajout en bas par Admin."
    window.edit(lambda text: f"{text.rstrip()}\n{marker}", marker)


def _two_edits(window: Window) -> None:
    # The first edit makes the command's own change when there is one (the
    # case where "the latest revision holds my text" is most tempting).
    if window.own_change is not None and window.text() is not None:
        first = window.own_change
        window.edit(first, "")
        window.traces.pop()
    else:
        _top(window)
    marker = "Second ajout par Admin."
    window.edit(lambda text: f"{text.rstrip()}\n{marker}", marker)


def _same_account(window: Window) -> None:
    marker = "Ligne du milieu, corrigée par une autre tâche du robot."
    window.edit(lambda text: text.replace(MIDDLE, marker), marker, site=window.same_account)


def _deletion(window: Window) -> None:
    page = window.admin.pages[window.title]
    if not page.exists:  # a page to create: someone makes it and deletes it again
        window.save(page, HUMAN_PAGE, "créée pendant la sauvegarde")
        page = window.admin.pages[window.title]
    page.delete(reason="supprimée pendant la sauvegarde du robot")
    window.traces.append(Trace("deleted", window.title))


def _move(window: Window) -> None:
    page = window.admin.pages[window.title]
    if page.exists:
        new = f"{window.title} (déplacée)"
        page.move(new, reason="renommée pendant la sauvegarde du robot")
        window.traces.append(Trace("moved", window.title, new))
    else:  # a page to create: another page is moved onto its title
        window.admin.pages[SPARE].move(window.title, reason="renommée", no_redirect=False)
        window.traces.append(Trace("line", window.title, "Page de brouillon."))


def _protection(window: Window) -> None:
    page = window.admin.pages[window.title]
    what = "edit=sysop|move=sysop" if page.exists else "create=sysop"
    window.admin.post(
        "protect",
        title=window.title,
        protections=what,
        reason="protégée pendant la sauvegarde du robot",
        token=window.admin.get_token("csrf"),
    )
    window.traces.append(Trace("protected", window.title))


@dataclass(frozen=True, slots=True)
class Interleaving:
    """Something done to the page in the save window, by name."""

    name: str
    act: Callable[[Window], None]


INTERLEAVINGS = (
    Interleaving("other_line", _other_line),
    Interleaving("same_line", _same_line),
    Interleaving("top", _top),
    Interleaving("end", _end),
    Interleaving("two_edits", _two_edits),
    Interleaving("same_account", _same_account),
    Interleaving("deletion", _deletion),
    Interleaving("move", _move),
    Interleaving("protection", _protection),
)
#: When the interleaving happens: before the save, or after a save whose reply is lost.
MOMENTS = ("before", "lost_reply")


# -- reading the wiki -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """Where the wiki's recent changes and logs stood before a command ran."""

    rcid: int
    logid: int


def mark(wiki: TestWiki) -> Mark:
    """The latest recent change and log entry, to read only what comes after."""
    changes = wiki.api(action="query", list="recentchanges", rcprop="ids", rclimit=1)
    logs = wiki.api(action="query", list="logevents", leprop="ids", lelimit=1)
    rc = changes["query"]["recentchanges"]
    log = logs["query"]["logevents"]
    return Mark(int(rc[0]["rcid"]) if rc else 0, int(log[0]["logid"]) if log else 0)


def edits_since(wiki: TestWiki, since: Mark) -> list[dict[str, Any]]:
    """Recent changes after ``since``, oldest first (a deleted page's edits are gone)."""
    reply = wiki.api(
        action="query",
        list="recentchanges",
        rcprop="ids|title|user|comment|loginfo",
        rclimit=500,
        rcdir="newer",
    )
    return [c for c in reply["query"]["recentchanges"] if int(c["rcid"]) > since.rcid]


def logs_since(wiki: TestWiki, since: Mark) -> list[dict[str, Any]]:
    """Log entries after ``since`` (creations, deletions, moves, protections), oldest first.

    Creations are logged too, so a page created and deleted again in the
    window still shows who created it.
    """
    reply = wiki.api(
        action="query",
        list="logevents",
        leprop="ids|title|user|type|details",
        lelimit=500,
        ledir="newer",
    )
    return [e for e in reply["query"]["logevents"] if int(e["logid"]) > since.logid]


def latest(wiki: TestWiki, title: str) -> dict[str, Any] | None:
    """The latest revision of ``title`` (revid, user, text), None when it is missing."""
    reply = wiki.api(
        action="query",
        prop="revisions",
        titles=title,
        rvprop="ids|user|content",
        rvslots="main",
    )
    page = reply["query"]["pages"][0]
    if page.get("missing") or not page.get("revisions"):
        return None
    revision = page["revisions"][0]
    return {
        "revid": int(revision["revid"]),
        "user": revision.get("user", ""),
        "text": revision["slots"]["main"].get("content", ""),
    }


def report_words(output: str, titles: Iterable[str]) -> dict[str, str]:
    """Each page's status word in the command's output.

    Two shapes: ``page "T" edited (…)`` (batch commands, ``rebuild``, ``new``)
    and ``merged    T: …`` (``push``); notes on the way (``page "T": …``) are not words.
    """
    words: dict[str, str] = {}
    for title in titles:
        leading = re.compile(rf"^([a-z]+(?: done)?)\s+{re.escape(title)}(?::|$)")
        for line in output.splitlines():
            match = leading.match(line)
            if match is None and f'"{title}"' in line:
                match = _WORD.match(line.split(f'"{title}"', 1)[1])
            if match and match.group(1) in WORDS:
                words.setdefault(title, match.group(1))
    return words


# -- the judge --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the command said: its exit code and its output (standard output and error)."""

    exit_code: int
    output: str


def judge(
    wiki: TestWiki,
    *,
    since: Mark,
    existed: set[str],
    may_create: set[str],
    pages: Iterable[str],
    window: Window,
    outcome: Outcome,
) -> list[str]:
    """Every promise the history shows broken in one case (an empty list: all kept).

    Args:
        wiki: the wiki, read directly.
        since: where the changes and logs stood before the command ran.
        existed: the pages that existed before the command ran.
        may_create: the titles the command was asked to create.
        pages: the pages the command works on (their report words are checked).
        window: what the interleaving did (its traces, revisions and creations).
        outcome: the command's exit code and output.
    """
    problems: list[str] = []
    traces = window.traces
    edits = [e for e in edits_since(wiki, since) if int(e.get("revid", 0)) not in window.revids]
    logs = logs_since(wiki, since)
    # The command's own creations: the bot's, less those the interleaving made as the bot.
    creations = Counter(e["title"] for e in logs if e["type"] == "create" and e["user"] == BOT)
    creations.subtract(window.creations)
    moves = {e["title"]: e["params"]["target_title"] for e in logs if e["type"] == "move"}
    words = report_words(outcome.output, [*pages, *moves.values()])
    refused = {title for title, word in words.items() if word in REFUSED_WORDS}
    conflict_reported = outcome.exit_code == 3
    if outcome.exit_code not in (0, 3):
        problems.append(f"exit {outcome.exit_code}, expected 0 or 3")
    # 1. Every other edit is in the latest revision, or reported as a conflict (exit 3).
    for trace in traces:
        if trace.kind != "line":
            continue
        now = latest(wiki, trace.title)
        if now is not None and trace.marker in now["text"]:
            continue
        if conflict_reported and trace.title in refused:
            continue
        problems.append(
            f"{trace.title}: the other edit {trace.marker!r} is not in the latest revision "
            f"({_who(now)}) and the page is not reported as a conflict with exit 3"
        )
    # 2. Nothing created or re-created that the command had no business creating.
    for title, count in creations.items():
        if count <= 0:
            continue
        if title not in may_create:
            problems.append(f"{title}: created by the bot, which was not asked to create it")
        elif title in existed or count > 1:
            problems.append(f"{title}: re-created by the bot after it was deleted")
    for old, new in moves.items():
        moved = max(int(e["rcid"]) for e in edits if e["type"] == "log" and e["title"] == old)
        after_move = [e for e in edits if e["title"] == old and int(e["rcid"]) > moved]
        if any(e["user"] == BOT and e["type"] != "log" for e in after_move):
            problems.append(f"{old}: the redirect to {new} left by a move was written over")
    for trace in traces:
        if trace.kind == "deleted" and trace.title not in may_create:
            now = latest(wiki, trace.title)
            if now is not None:
                problems.append(f"{trace.title}: deleted in the window, exists again ({_who(now)})")
        if trace.kind == "moved" and not (
            trace.marker in outcome.output or (conflict_reported and trace.title in refused)
        ):
            problems.append(
                f"{trace.title}: moved to {trace.marker} in the window, and the report "
                "neither names the new title nor reports a conflict with exit 3"
            )
    # 3. The report's word for each page matches the history.
    saved = _saved_by_bot(edits) | {title for title, count in creations.items() if count > 0}
    for title in pages:
        word = words.get(title)
        if word is None:
            problems.append(f"{title}: no report line for the page")
            continue
        was_saved = title in saved or moves.get(title) in saved
        if word in SAVED_WORDS and not was_saved:
            problems.append(f"{title}: reported {word!r}, but the history holds no bot revision")
        # "deleted" is true of a page saved (or created) and then deleted, so missing now.
        gone = word == "deleted" and latest(wiki, title) is None
        if word not in SAVED_WORDS | EITHER_WORDS and was_saved and not gone:
            problems.append(f"{title}: reported {word!r}, but the history holds the bot's save")
        if word in REFUSED_WORDS and not conflict_reported:
            problems.append(f"{title}: reported {word!r} with exit {outcome.exit_code}, not 3")
    if conflict_reported and not refused:
        problems.append("exit 3, but no page is reported as a conflict or refused")
    return problems


def _saved_by_bot(edits: list[dict[str, Any]]) -> set[str]:
    """Pages the bot saved and did not take back.

    A revision that puts another's edit back ("rétablit la révision", or an
    undo) cancels the bot's revision just before it on that page.
    """
    kept: dict[str, list[int]] = {}
    for edit in edits:
        if edit["user"] != BOT or edit["type"] == "log":
            continue
        revisions = kept.setdefault(edit["title"], [])
        if any(words in edit.get("comment", "") for words in PUT_BACK):
            if revisions:
                revisions.pop()
        else:
            revisions.append(int(edit["revid"]))
    return {title for title, revisions in kept.items() if revisions}


def _who(revision: dict[str, Any] | None) -> str:
    if revision is None:
        return "the page is missing"
    return f"revision {revision['revid']} by {revision['user']}"
