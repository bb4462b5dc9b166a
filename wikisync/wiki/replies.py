"""What a MediaWiki API reply may hold: its shape checked before anything reads it.

:func:`clean_reply` checks the parts a whole reply depends on (a problem there
fails the request with one line) and drops the malformed entries of its lists
(a page whose revision id is not a number, a title with control characters…),
so a broken or hostile wiki cannot make the readers above crash or cache
nonsense. Used by :class:`~wikisync.wiki.site.WikiClient` on every reply.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from wikisync.core.pages import Namespace, Namespaces

__all__ = ["clean_reply", "show_value"]

log = logging.getLogger(__name__)

#: Keys of ``query`` that hold a list of entries (one object each) in formatversion 2.
_LIST_KEYS = frozenset(
    {
        "pages",
        "categorymembers",
        "allpages",
        "recentchanges",
        "normalized",
        "redirects",
        "embeddedin",
        "backlinks",
        "search",
        "interwiki",
        "converted",
        "namespacealiases",
    }
)
#: Fields that are whole numbers wherever they appear in an entry.
_INT_FIELDS = ("pageid", "ns", "revid", "parentid", "lastrevid", "length", "old_revid", "rcid")
#: Fields that are titles: non-empty text, valid Unicode, no control characters.
_TITLE_FIELDS = ("title", "from", "to")
_TEXT_FIELDS = ("timestamp", "user", "contentmodel")
#: The largest number the revision cache (SQLite) can store.
_MAX_INT = 2**63 - 1


def clean_reply(action: str, data: dict[str, Any], *, version2: bool, max_text: int) -> str | None:
    """Check a decoded API reply's shape; drop its malformed entries, in place.

    What the whole reply depends on (``error``, ``query``, ``continue`` and the
    action's own part being objects, the lists of ``query`` being lists) is
    checked: a problem there is returned, for the caller to fail the request
    with one line. An entry of a list (a page, a category member…) with a field
    of the wrong type, a title that is empty or not valid Unicode, a number out
    of range, or a page text over ``max_text`` bytes is dropped with a warning
    naming it, so a batch goes on past a bad page.

    Returns:
        None when the reply can be used, else what is wrong with it.
    """
    for key in ("error", "query", "continue", action):
        if key in data and not isinstance(data[key], dict):
            return f"{key!r} should be an object, got {_kind(data[key])}"
    cont = data.get("continue")
    if isinstance(cont, dict):
        for key, value in cont.items():
            if isinstance(value, bool) or not isinstance(value, str | int):
                return f"continue.{key} should be text or a number, got {_kind(value)}"
    error = data.get("error")
    if isinstance(error, dict) and not isinstance(error.get("code", ""), str):
        return f"error.code should be text, got {_kind(error.get('code'))}"
    query = data.get("query")
    if not isinstance(query, dict):
        return None
    for key, value in list(query.items()):
        if key == "pages" and not version2:
            if not isinstance(value, dict):
                return f"query.pages should be an object, got {_kind(value)}"
            entries = value
        elif key in _LIST_KEYS:
            if not isinstance(value, list):
                return f"query.{key} should be a list, got {_kind(value)}"
            entries = dict(enumerate(value))
        else:
            continue
        kept = {}
        for index, entry in entries.items():
            problem = _entry_problem(entry, max_text) or _missing_field(key, entry)
            if problem is None:
                kept[index] = entry
            else:
                log.warning(
                    "skipped query.%s[%s] of the reply to action=%s: %s",
                    key,
                    index,
                    action,
                    problem,
                )
        query[key] = kept if isinstance(value, dict) else list(kept.values())
    return None


def _entry_problem(entry: Any, max_text: int) -> str | None:
    if not isinstance(entry, dict):
        return f"it should be an object, got {_kind(entry)}"
    where = f'page "{entry["title"]}"' if _is_title(entry.get("title")) else "it"
    problem = _fields_problem(entry)
    if problem is not None:
        return f"{where}: {problem}"
    categories = entry.get("categories")
    if categories is not None:
        if not isinstance(categories, list):
            return f"{where}: categories should be a list, got {_kind(categories)}"
        for category in categories:
            if not isinstance(category, dict) or not _is_title(category.get("title")):
                return f"{where}: a category should be an object with a title"
    revisions = entry.get("revisions")
    if revisions is None:
        return None
    if not isinstance(revisions, list):
        return f"{where}: revisions should be a list, got {_kind(revisions)}"
    for revision in revisions:
        if not isinstance(revision, dict):
            return f"{where}: a revision should be an object, got {_kind(revision)}"
        problem = _fields_problem(revision)
        if problem is not None:
            return f"{where}: {problem}"
        slots = revision.get("slots", {})
        main = slots.get("main", {}) if isinstance(slots, dict) else None
        if not isinstance(main, dict):
            return f"{where}: revision slots should be objects"
        content = main.get("content", revision.get("content", ""))
        if not isinstance(content, str):
            return f"{where}: the text should be text, got {_kind(content)}"
        if len(content) > max_text // 4 and len(content.encode("utf-8", "replace")) > max_text:
            size = len(content.encode("utf-8", "replace")) / 1024 / 1024
            return (
                f"{where}: its text is {size:.1f} MiB, over the {max_text // 1024 // 1024} MiB "
                "limit (max_text_mib)"
            )
        if not _valid_unicode(content):
            return f"{where}: its text is not valid Unicode (a lone surrogate)"
    return None


#: The fields an entry of each list of ``query`` cannot do without.
_REQUIRED = {
    "normalized": ("from", "to"),
    "redirects": ("from", "to"),
    "converted": ("from", "to"),
    "namespacealiases": ("id",),
}


def _missing_field(key: str, entry: dict[str, Any]) -> str | None:
    required: tuple[str, ...] = _REQUIRED.get(key, ("title",))
    if key == "pages" and not (entry.get("missing") or entry.get("invalid")):
        required = ("title", "pageid")
    elif key == "pages" and "title" not in entry and "pageid" not in entry:
        return "it has no title or pageid"
    elif key == "pages":
        # a page asked for by id that no longer exists comes back with its pageid only
        required = ()
    for name in required:
        if name not in entry:
            return f"it has no {name}"
    for revision in entry.get("revisions") or []:
        if "revid" not in revision:
            return f'page "{entry.get("title")}": a revision has no revid'
    return None


def _fields_problem(entry: dict[str, Any]) -> str | None:
    for name in _INT_FIELDS:
        if name in entry:
            value = entry[name]
            if isinstance(value, bool) or not isinstance(value, int):
                return f"{name} should be a whole number, got {show_value(value)}"
            if abs(value) > _MAX_INT:
                return f"{name} is out of range ({str(value)[:20]}…)"
    for name in _TITLE_FIELDS:
        if name in entry and not _is_title(entry[name]):
            return f"{name} should be a title, got {show_value(entry[name])}"
    for name in _TEXT_FIELDS:
        if name in entry and not (isinstance(entry[name], str) and _valid_unicode(entry[name])):
            return f"{name} should be text, got {show_value(entry[name])}"
    return None


def _is_title(value: Any) -> bool:
    return (
        isinstance(value, str)
        and bool(value.strip())
        and len(value) <= 1024
        and _valid_unicode(value)
        and not any(ord(char) < 32 or ord(char) == 127 for char in value)
    )


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"the number {str(value)[:20]}"
    return names.get(type(value), type(value).__name__)


def show_value(value: Any) -> str:
    """A value for a message: short, ASCII-safe (a lone surrogate is shown escaped)."""
    text = ascii(value) if isinstance(value, str) else _kind(value)
    return text if len(text) <= 60 else text[:57] + "…"


def namespaces_from_siteinfo(query: Mapping[str, Any]) -> Namespaces:
    """The wiki's namespaces (with their aliases) from its site info's ``query``."""
    raw = query.get("namespaces") or {}
    aliases: dict[int, list[str]] = {}
    for alias in query.get("namespacealiases") or []:
        aliases.setdefault(int(alias["id"]), []).append(str(alias.get("alias") or alias.get("*")))
    items = []
    for entry in raw.values():
        ns_id = int(entry["id"])
        items.append(
            Namespace(
                id=ns_id,
                name=str(entry.get("name", entry.get("*", ""))),
                canonical=str(entry.get("canonical", "")),
                aliases=tuple(aliases.get(ns_id, [])),
                first_letter_case=entry.get("case", "first-letter") == "first-letter",
            )
        )
    return Namespaces.from_list(items)
