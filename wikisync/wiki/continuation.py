"""A query's continuation, followed only while it leads somewhere.

MediaWiki answers a long query in parts, each naming how to ask for the next
(``continue``). A broken or hostile wiki may answer forever: the same
continuation again, the same results again, parts that bring nothing, or
ever new parts. :class:`ContinuationGuard` stops each of them with one
:class:`~wikisync.core.errors.SiteError` naming the query: a continuation
seen before, a reply seen before, more than :data:`MAX_IDLE_CONTINUES` empty
replies in a row, or more than ``max_continues`` requests in all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from wikisync.core.errors import SiteError
from wikisync.wiki.replies import show_value

#: Replies in a row whose continuation brings no results before a query is given up.
MAX_IDLE_CONTINUES = 20


class ContinuationGuard:
    """The checks of one query's continuation (see the module's doc).

    Args:
        url: the wiki, for messages.
        describe: what the query asks for, for messages.
        max_continues: the most requests the query may send.
    """

    def __init__(self, url: str, describe: Callable[[], str], max_continues: int) -> None:
        self.url = url
        self.describe = describe
        self.max_continues = max_continues
        self.sent = 0
        self._seen: set[tuple[tuple[str, str], ...]] = set()
        self._replies: set[str] = set()
        self._idle = 0

    def before_request(self) -> None:
        """Count a request about to be sent; refuse one past ``max_continues``."""
        if self.sent >= self.max_continues:
            raise SiteError(
                f"{self.url}: the continuation of action=query went on past {self.sent} "
                f"requests (max_continues): stopped ({self.describe()})",
                site=self.url,
            )
        self.sent += 1

    def after_reply(self, data: Mapping[str, Any], cont: Mapping[str, Any]) -> None:
        """Refuse a continuation that repeats itself, or a reply that brings nothing new."""
        key = tuple(sorted((str(k), str(v)) for k, v in cont.items()))
        self._idle = self._idle + 1 if not data.get("query") else 0
        fingerprint = hashlib.sha256(
            json.dumps(data.get("query"), sort_keys=True, default=str).encode("utf-8", "replace")
        ).hexdigest()
        again = bool(data.get("query")) and fingerprint in self._replies
        self._replies.add(fingerprint)
        if key in self._seen or again or self._idle > MAX_IDLE_CONTINUES:
            what = "repeats an earlier one" if key in self._seen or again else "brings nothing new"
            shown = show_value(", ".join(f"{k}={v}" for k, v in key))
            raise SiteError(
                f"{self.url}: the continuation of action=query {what} ({shown}): "
                f"stopped, the wiki would be asked forever ({self.describe()})",
                site=self.url,
            )
        self._seen.add(key)
