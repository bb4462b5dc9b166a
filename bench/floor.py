"""The floor of every write benchmark: a raw ``action=edit`` loop reusing one token.

No reads, no checks, no retries: log in, fetch one CSRF token, then one POST
per page with a text computed beforehand. Nothing that saves page by page
through the API can be faster; wikisync's writes are measured beside it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import requests

from tests.mediawiki import TestWiki


def raw_edit_loop(wiki: TestWiki, edits: Sequence[tuple[str, str]]) -> tuple[float, int, int]:
    """Save each (title, text) as the bot: (seconds, requests in all, pages saved)."""
    session = requests.Session()
    api = wiki.api_url
    sent = 0

    def get(**params: str) -> Any:
        nonlocal sent
        sent += 1
        reply: Any = session.get(
            api, params={**params, "format": "json", "formatversion": "2"}, timeout=60
        ).json()
        return reply

    def post(**params: str) -> Any:
        nonlocal sent
        sent += 1
        reply: Any = session.post(
            api, data={**params, "format": "json", "formatversion": "2"}, timeout=60
        ).json()
        return reply

    start = time.perf_counter()
    tokens = get(action="query", meta="tokens", type="login")["query"]
    login = post(
        action="login",
        lgname=wiki.bot_user,
        lgpassword=wiki.bot_password,
        lgtoken=tokens["tokens"]["logintoken"],
    )
    assert login["login"]["result"] == "Success", login
    csrf = get(action="query", meta="tokens")["query"]["tokens"]["csrftoken"]
    saved = 0
    for title, text in edits:
        reply = post(action="edit", title=title, text=text, token=csrf, bot="1", summary="floor")
        assert reply["edit"]["result"] == "Success", reply
        saved += 0 if reply["edit"].get("nochange") else 1
    return time.perf_counter() - start, sent, saved
