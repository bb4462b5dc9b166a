"""A small fake MediaWiki API on 127.0.0.1 that can turn hostile.

:class:`HostileWiki` answers the API requests wikisync makes (site info, user
info, tokens, bot-password login, category listings, page contents by
generator, title, page id or revision id, ``prop=info|categories``, edits)
from a few pages held in memory, like a tiny MediaWiki. A test then makes it
misbehave: ``hook`` sees every decoded request with the reply the wiki would
give, and returns that reply changed (any JSON value), raw bytes, or a
:class:`Raw` reply (a status, headers and a body that may never end: a
redirect, an endless stream). Every request is logged (:attr:`HostileWiki.log`)
with its headers and body, so a second instance on another loopback address
(``HostileWiki(host="127.0.0.2")``) shows what a redirect would have carried
there.

:func:`malformed_variants` derives the malformed replies of the suite from a
valid one: every field dropped, retyped, NaN, huge.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SITENAME = "Wiki hostile"
#: The bot login and password the fake wiki accepts.
BOT_USER = "Bot@sync"
CATEGORY_LINK = re.compile(r"\[\[\s*(?:Catégorie|Category)\s*:\s*([^|\]]+)")
NAMESPACES = {
    0: "",
    2: "Utilisateur",
    4: "Wiki hostile",
    6: "Fichier",
    10: "Modèle",
    14: "Catégorie",
}
CANONICAL = {0: "", 2: "User", 4: "Project", 6: "File", 10: "Template", 14: "Category"}


@dataclass
class Raw:
    """A reply sent as it is: ``body`` may be bytes or an endless iterator of bytes."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""


@dataclass
class Request:
    """One request the fake wiki received."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        """Everything the request carried, as one text to search for secrets."""
        head = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.path}\n{head}\n\n{self.body.decode('latin-1')}"


@dataclass
class _Page:
    pageid: int
    title: str
    ns: int
    revisions: list[dict[str, Any]]

    @property
    def latest(self) -> dict[str, Any]:
        return self.revisions[-1]

    def categories(self) -> list[str]:
        text = self.latest["content"]
        return sorted({"Catégorie:" + m.strip() for m in CATEGORY_LINK.findall(text)})


Hook = Callable[[Request, Any], Any]


class HostileWiki:
    """A fake MediaWiki API at ``http://HOST:PORT/w/api.php`` (see the module)."""

    def __init__(self, host: str = "127.0.0.1", password: str = "") -> None:
        self.host = host
        self.password = password
        self.hook: Hook | None = None
        self.log: list[Request] = []
        self._pages: dict[str, _Page] = {}
        self._next_revid = 100
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- life -------------------------------------------------------------------------

    def __enter__(self) -> HostileWiki:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The API's URL."""
        return f"http://{self.host}:{self.port}/w/api.php"

    def received(self) -> str:
        """Everything every request carried, as one text."""
        return "\n".join(request.text() for request in list(self.log))

    # -- content ----------------------------------------------------------------------

    def add_page(self, title: str, content: str, *, ns: int = 0) -> None:
        """Create a page (a first revision)."""
        with self._lock:
            self._next_revid += 1
            revision = _revision(self._next_revid, 0, content)
            self._pages[title] = _Page(len(self._pages) + 1, title, ns, [revision])

    def text(self, title: str) -> str:
        return str(self._pages[title].latest["content"])

    # -- answering ----------------------------------------------------------------------

    def answer(self, request: Request) -> Any:
        """The reply a sane wiki would give, before the hook."""
        p = request.params
        action = p.get("action", "")
        v2 = p.get("formatversion") == "2"
        if action == "login":
            if p.get("lgpassword") == self.password and p.get("lgname") == BOT_USER:
                return {"login": {"result": "Success", "lguserid": 2, "lgusername": "Bot"}}
            return {"login": {"result": "Failed", "reason": "Incorrect password"}}
        if action == "edit":
            return self._edit(p)
        if action != "query":
            return {"error": {"code": "badvalue", "info": f"unknown action {action}"}}
        query: dict[str, Any] = {}
        meta = p.get("meta", "").split("|")
        if "siteinfo" in meta:
            query.update(_siteinfo(v2))
        if "userinfo" in meta:
            query["userinfo"] = {
                "id": 2,
                "name": "Bot",
                "groups": ["bot", "user"],
                "rights": ["read", "edit", "apihighlimits", "writeapi"],
            }
        if "tokens" in meta:
            query["tokens"] = {"logintoken": "log+\\", "csrftoken": "csrf+\\"}
        if p.get("list") == "categorymembers":
            query["categorymembers"] = [
                {"pageid": page.pageid, "ns": page.ns, "title": page.title}
                for page in self._members(p["cmtitle"], p.get("cmtype", "page"))
            ]
        pages = self._selected(p)
        if pages is not None:
            entries = [self._entry(page, p) for page in pages]
            if v2:
                query["pages"] = entries
            else:
                query["pages"] = {str(e.get("pageid", -1 - i)): e for i, e in enumerate(entries)}
        reply: dict[str, Any] = {"batchcomplete": True}
        if query:
            reply["query"] = query
        return reply

    def _members(self, category: str, kinds: str) -> list[_Page]:
        name = category.split(":", 1)[-1].strip()
        want_cats = "subcat" in kinds
        want_pages = "page" in kinds
        found = []
        for page in list(self._pages.values()):
            if f"Catégorie:{name}" not in page.categories():
                continue
            if (page.ns == 14 and want_cats) or (page.ns != 14 and want_pages):
                found.append(page)
        return sorted(found, key=lambda page: page.title)

    def _selected(self, p: dict[str, str]) -> list[Any] | None:
        if p.get("generator") == "categorymembers":
            return self._members(p["gcmtitle"], p.get("gcmtype", "page"))
        if p.get("generator") == "allpages":
            ns = int(p.get("gapnamespace", "0"))
            return [page for page in self._pages.values() if page.ns == ns]
        if "titles" in p:
            return [self._pages.get(t, t) for t in p["titles"].split("|")]
        if "pageids" in p:
            by_id = {str(page.pageid): page for page in self._pages.values()}
            return [by_id[i] for i in p["pageids"].split("|") if i in by_id]
        if "revids" in p:
            wanted = set(p["revids"].split("|"))
            return [
                (page, [r for r in page.revisions if str(r["revid"]) in wanted])
                for page in self._pages.values()
                if any(str(r["revid"]) in wanted for r in page.revisions)
            ]
        return None

    def _entry(self, selected: Any, p: dict[str, str]) -> dict[str, Any]:
        if isinstance(selected, str):
            return {"ns": 0, "title": selected, "missing": True}
        page, revisions = selected if isinstance(selected, tuple) else (selected, None)
        entry: dict[str, Any] = {"pageid": page.pageid, "ns": page.ns, "title": page.title}
        props = p.get("prop", "").split("|")
        if "info" in props:
            entry["lastrevid"] = page.latest["revid"]
            entry["length"] = len(page.latest["content"].encode())
        if "categories" in props:
            entry["categories"] = [{"ns": 14, "title": c} for c in page.categories()]
        if "categoryinfo" in props and page.ns == 14:
            entry["categoryinfo"] = {"size": 1, "pages": 1, "files": 0, "subcats": 0}
        if "revisions" in props:
            rvprop = p.get("rvprop", "ids|timestamp").split("|")
            entry["revisions"] = [_shown_revision(r, rvprop) for r in (revisions or [page.latest])]
        return entry

    def _edit(self, p: dict[str, str]) -> dict[str, Any]:
        title = p.get("title", "")
        with self._lock:
            if "pageid" in p:  # the writer saves a page it read by its id
                by_id = {str(page.pageid): page for page in self._pages.values()}
                found = by_id.get(p["pageid"])
                if found is None:
                    return {"error": {"code": "nosuchpageid", "info": "no such page id"}}
                title = found.title
            page = self._pages.get(title)
            if page is None:
                return {"error": {"code": "missingtitle", "info": "no such page"}}
            old = page.latest
            if p.get("text") == old["content"]:
                return {"edit": {"result": "Success", "pageid": page.pageid, "nochange": True}}
            self._next_revid += 1
            new = _revision(self._next_revid, old["revid"], p.get("text", ""))
            page.revisions.append(new)
        return {
            "edit": {
                "result": "Success",
                "pageid": page.pageid,
                "title": title,
                "oldrevid": old["revid"],
                "newrevid": new["revid"],
                "newtimestamp": new["timestamp"],
            }
        }

    def handle(self, request: Request) -> Any:
        self.log.append(request)
        reply = self.answer(request)
        if self.hook is not None:
            reply = self.hook(request, reply)
        return reply


def _revision(revid: int, parentid: int, content: str) -> dict[str, Any]:
    return {
        "revid": revid,
        "parentid": parentid,
        "timestamp": f"2026-01-01T00:00:{revid % 60:02d}Z",
        "user": "Bot",
        "content": content,
    }


def _shown_revision(revision: dict[str, Any], rvprop: list[str]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    if "ids" in rvprop:
        shown["revid"] = revision["revid"]
        shown["parentid"] = revision["parentid"]
    for name in ("timestamp", "user"):
        if name in rvprop:
            shown[name] = revision[name]
    if "content" in rvprop:
        shown["slots"] = {
            "main": {
                "contentmodel": "wikitext",
                "contentformat": "text/x-wiki",
                "content": revision["content"],
            }
        }
    return shown


def _siteinfo(v2: bool) -> dict[str, Any]:
    general = {
        "sitename": SITENAME,
        "lang": "fr",
        "generator": "MediaWiki 1.39.0",
        "mainpage": "Accueil",
    }
    namespaces = {}
    for ns_id, name in NAMESPACES.items():
        entry: dict[str, Any] = {"id": ns_id, "case": "first-letter", "canonical": CANONICAL[ns_id]}
        if v2:
            entry["name"] = name
        else:
            entry["*"] = name
        namespaces[str(ns_id)] = entry
    return {"general": general, "namespaces": namespaces, "namespacealiases": []}


def _handler(wiki: HostileWiki) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body in two writes: no 40 ms wait

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(length))

        def _serve(self, body: bytes) -> None:
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            ctype = self.headers.get("Content-Type", "")
            if body and "multipart" not in ctype:
                params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            request = Request(self.command, self.path, params, dict(self.headers.items()), body)
            try:
                reply = wiki.handle(request)
            except Exception as exc:  # a bug of the fake: say so to the client
                reply = Raw(500, {}, f"fake wiki failed: {exc!r}".encode())
            if not isinstance(reply, Raw):
                data = reply if isinstance(reply, bytes) else _encode(reply)
                reply = Raw(200, {"Content-Type": "application/json"}, data)
            self._send(reply)

        def _send(self, reply: Raw) -> None:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            try:
                if isinstance(reply.body, bytes):
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in reply.body:
                    self.wfile.write(chunk)
                self.close_connection = True
            except OSError:  # the client gave up: what an endless body expects
                self.close_connection = True

    return Handler


def _encode(value: Any) -> bytes:
    """JSON as a hostile server may send it: NaN and lone surrogates allowed."""
    return json.dumps(value, allow_nan=True).encode("utf-8")


def endless(chunk: bytes = b" " * 65536) -> Iterator[bytes]:
    """A body that never ends (it starts like JSON)."""
    yield b'{"query": {"pages": [{"title": "'
    while True:
        yield chunk


# -- malformed replies -------------------------------------------------------------------

#: What a field is replaced with, by name.
REPLACEMENTS: dict[str, Any] = {
    "string": "x",
    "list": [],
    "object": {},
    "null": None,
    "nan": float("nan"),
    "huge": 10**30,
    "bool": True,
}
_DROPPED = object()


def field_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a JSON value (dict keys; the first item of each list)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from field_paths(item, (*prefix, key))
    elif isinstance(value, list) and value:
        yield (*prefix, 0)
        yield from field_paths(value[0], (*prefix, 0))


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A deep copy of ``value`` with the item at ``path`` replaced (or dropped)."""
    value = json.loads(json.dumps(value))
    holder = value
    for step in path[:-1]:
        holder = holder[step]
    if new is _DROPPED:
        del holder[path[-1]]
    else:
        holder[path[-1]] = new
    return value


def malformed_variants(valid: Any) -> list[tuple[str, Any]]:
    """``(name, reply)`` for each way to break each field of ``valid``."""
    variants = []
    for path in field_paths(valid):
        name = ".".join(str(step) for step in path)
        variants.append((f"{name}:dropped", replaced(valid, path, _DROPPED)))
        for kind, new in REPLACEMENTS.items():
            current = valid
            for step in path:
                current = current[step]
            if type(current) is type(new) and kind not in ("nan", "huge"):
                continue  # not a change
            variants.append((f"{name}:{kind}", replaced(valid, path, new)))
    return variants
