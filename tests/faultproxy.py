"""A fault-injecting HTTP proxy for tests: seeded, every fault logged.

:class:`FaultProxy` listens on 127.0.0.1 and forwards each HTTP request to a
test wiki (also on 127.0.0.1). wikisync talks to the proxy as if it were the
wiki (``--site http://127.0.0.1:PROXY``): MediaWiki's API never redirects, so
the wiki's own ``$wgServer`` port does not matter. Every connection carries one
request (the proxy answers ``Connection: close``).

Faults are drawn from a seeded generator: out of each block of ``1/rate``
requests one, at a random place, gets a fault, whose kind is drawn from a
shuffled bag of ``kinds`` (refilled when empty). So the rate is exact over any
stretch of requests, and any ``len(kinds)`` faults in a row hold every kind
once: a test that made enough requests can assert that it met every kind.
:meth:`FaultProxy.plan` scripts the next requests' faults instead.

The kinds:

``refused``
    The proxy stops listening for ``refuse_for`` seconds (connections are
    refused) and resets this connection: the request never reaches the wiki.
``reset_before``
    The connection is reset once the request is read; it never reaches the wiki.
``reset_after``
    The request is forwarded and the wiki's whole reply read, then the
    connection is reset: the wiki did the work, the reply is lost.
``http503`` / ``http429``
    An error page instead of forwarding (429 with ``Retry-After``).
``slow``
    The request is forwarded, the reply held for ``slow_seconds`` (set it
    longer than the client's timeout), then sent to whoever still listens.
``truncated``
    The request is forwarded; the reply is cut at a random byte, declared
    with its full ``Content-Length``, or chunked without the last chunk, or
    with neither (ended by closing the connection: the client sees a short
    body that looks whole).
``maxlag``
    A MediaWiki ``maxlag`` error reply (with ``Retry-After``) instead of
    forwarding, as a lagged wiki sends it.

:meth:`FaultProxy.intercept` runs a test's own code around one request: just
before it is forwarded (an edit made between a command's check and its save)
or once the wiki has handled it (an edit made in the gap a lost reply opens).
"""

from __future__ import annotations

import collections
import http.client
import json
import random
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import TracebackType

from tests.mediawiki import free_port

#: Every kind of fault the proxy can inject.
KINDS = (
    "refused",
    "reset_before",
    "reset_after",
    "http503",
    "http429",
    "slow",
    "truncated",
    "maxlag",
)
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "content-length", "te"}
)
_MAX_HEADER_BYTES = 65536


@dataclass(frozen=True, slots=True)
class FaultEvent:
    """One fault the proxy injected.

    Attributes:
        number: the request's number (1 for the first the proxy received).
        kind: one of :data:`KINDS`.
        request: what was asked (method, API action, title).
        action: what the proxy did.
    """

    number: int
    kind: str
    request: str
    action: str

    def __str__(self) -> str:
        return f"#{self.number} {self.kind}: {self.request}: {self.action}"


class FaultProxy:
    """A seeded fault-injecting HTTP proxy in front of a wiki on 127.0.0.1.

    Args:
        target_port: the wiki's port on 127.0.0.1.
        seed: the fault generator's seed.
        rate: the share of requests that get a fault (0 for none).
        kinds: the kinds to inject (default: all of :data:`KINDS`).
        slow_seconds: how long a ``slow`` reply is held.
        retry_after: the ``Retry-After`` of ``http429`` and ``maxlag`` replies.
        refuse_for: how long a ``refused`` fault stops the proxy listening.

    Example:
        >>> with FaultProxy(wiki.port, seed=7, rate=0.07) as proxy:  # doctest: +SKIP
        ...     run(["--site", proxy.url, "set", ...])
        ...     assert proxy.kinds_seen() == set(KINDS)
    """

    def __init__(
        self,
        target_port: int,
        *,
        seed: int = 0,
        rate: float = 0.07,
        kinds: Iterable[str] = KINDS,
        slow_seconds: float = 3.0,
        retry_after: int = 1,
        refuse_for: float = 1.5,
    ) -> None:
        self.kinds = tuple(kinds)
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"unknown fault kinds {sorted(unknown)} (known: {KINDS})")
        if not 0 <= rate <= 1:
            raise ValueError(f"rate should be from 0 to 1, got {rate}")
        self.target_port = target_port
        self.rate = rate
        self.slow_seconds = slow_seconds
        self.retry_after = retry_after
        self.refuse_for = refuse_for
        self.requests = 0
        self.actions: collections.Counter[str] = collections.Counter()
        self.events: list[FaultEvent] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._planned: collections.deque[str | None] = collections.deque()
        self._fakes: dict[str, tuple[int, bytes]] = {}
        self._targeted: dict[str, collections.deque[str | None]] = {}
        self._intercepts: list[_Intercept] = []
        self._bag: list[str] = []
        self._block_pos = 0
        self._block_size = 1
        self._fault_at = 0
        self._refuse_until = 0.0
        self._closed = threading.Event()
        self._listening = threading.Event()
        self._stopping = False
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- life ---------------------------------------------------------------------

    def start(self) -> FaultProxy:
        """Listen on a free port of 127.0.0.1 and serve; return ``self``.

        The port is reserved like a test wiki's (:func:`~tests.mediawiki.free_port`):
        while fault ``refused`` has closed the listener, no other test process
        is handed it.
        """
        self._listener = self._bind(free_port())
        self.port = self._listener.getsockname()[1]
        self._listening.set()
        self._thread = threading.Thread(target=self._serve, name="faultproxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections being served finish on their own)."""
        self._stopping = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: give it to wikisync as the wiki's URL."""
        return f"http://127.0.0.1:{self.port}"

    # -- control ------------------------------------------------------------------

    def plan(self, *kinds: str | None) -> None:
        """The next requests get these faults in order (None: no fault), then the random ones."""
        for kind in kinds:
            if kind is not None and kind not in KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._planned.extend(kinds)

    def plan_on(self, action: str, *kinds: str | None) -> None:
        """The next API requests with this ``action`` get these faults in order (None: none).

        Example: ``plan_on("edit", None, "reset_after")`` loses the reply of the
        second save. These come before :meth:`plan` and the random faults.
        ``"tokens"`` names the token requests (``action=query&meta=tokens``:
        the login token, then the edit token), before ``"query"``.
        """
        for kind in kinds:
            if kind is not None and kind not in KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._targeted.setdefault(action, collections.deque()).extend(kinds)

    def intercept(
        self,
        action: str,
        title: str,
        *,
        pageid: int | None = None,
        fault: str | None = None,
        before: Callable[[], object] | None = None,
        after: Callable[[], object] | None = None,
    ) -> None:
        """The next API request with this ``action`` on ``title`` (once) is intercepted.

        A request naming the page by ``pageid`` instead of its title matches too.

        ``before`` runs just before the request is forwarded, ``fault`` (one of
        :data:`KINDS` that forwards: None, ``reset_after``, ``slow``,
        ``truncated``) is applied to it, and ``after`` runs once the wiki has
        handled it, before the reply goes on (or is lost). Both run in the
        proxy's thread while the client waits. This comes before every other plan.

        Example: ``intercept("edit", "Page", fault="reset_after", after=human_edit)``
        makes ``human_edit`` land after the wiki saved the page and before the
        client, whose reply is lost, retries.
        """
        if fault not in (None, "reset_after", "slow", "truncated"):
            raise ValueError(f"fault {fault!r} does not forward the request")
        with self._lock:
            self._intercepts.append(_Intercept(action, title, pageid, fault, before, after))

    def forget(self) -> None:
        """Drop the planned faults and the interceptions not met yet."""
        with self._lock:
            self._planned.clear()
            self._targeted.clear()
            self._intercepts.clear()

    def fake(self, action: str, body: bytes | None, *, status: int = 200) -> None:
        """Answer every API request with ``action`` by ``body`` instead of the wiki's reply.

        None removes the fake. Faked requests are counted but get no fault.
        """
        with self._lock:
            if body is None:
                self._fakes.pop(action, None)
            else:
                self._fakes[action] = (status, body)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No random faults inside the block (planned ones still apply)."""
        rate, self.rate = self.rate, 0.0
        try:
            yield
        finally:
            self.rate = rate

    def counts(self) -> collections.Counter[str]:
        """How many faults of each kind were injected."""
        with self._lock:
            return collections.Counter(event.kind for event in self.events)

    def kinds_seen(self) -> set[str]:
        """The kinds of fault injected so far."""
        return set(self.counts())

    def log(self) -> str:
        """Every fault, one per line."""
        with self._lock:
            return "\n".join(str(event) for event in self.events)

    # -- serving ------------------------------------------------------------------

    def _bind(self, port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 5
        while True:
            try:
                listener.bind(("127.0.0.1", port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    listener.close()
                    raise
                time.sleep(0.05)
        listener.listen(64)
        listener.settimeout(0.05)
        return listener

    def _serve(self) -> None:
        while not self._stopping:
            if time.monotonic() < self._refuse_until:
                if self._listener is not None:
                    self._listener.close()
                    self._listener = None
                    self._listening.clear()
                    self._closed.set()
                time.sleep(0.02)
                continue
            if self._listener is None:
                self._listener = self._bind(self.port)
                self._closed.clear()
                self._listening.set()
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _decide(self, action: str, alias: str = "") -> tuple[int, str | None]:
        with self._lock:
            self.requests += 1
            number = self.requests
            targeted = self._targeted.get(alias) or self._targeted.get(action)
            if targeted:
                return number, targeted.popleft()
            if self._planned:
                return number, self._planned.popleft()
            if self.rate <= 0:
                return number, None
            if self._block_pos == 0:
                self._block_size = max(1, round(1 / self.rate))
                self._fault_at = self._rng.randrange(self._block_size)
            hit = self._block_pos == self._fault_at
            self._block_pos = (self._block_pos + 1) % self._block_size
            if not hit:
                return number, None
            if not self._bag:
                self._bag = list(self.kinds)
                self._rng.shuffle(self._bag)
            return number, self._bag.pop()

    def _record(self, number: int, kind: str, request: str, action: str) -> None:
        with self._lock:
            self.events.append(FaultEvent(number, kind, request, action))

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(120)
        try:
            request = _read_request(conn)
            if request is None:
                return
            with self._lock:  # every API request received, by action (faked and faulted too)
                self.actions[request.params().get("action", "")] += 1
            fake = self._fakes.get(request.params().get("action", ""))
            if fake is not None:
                with self._lock:
                    self.requests += 1
                headers = [("Content-Type", "application/json; charset=utf-8")]
                _send_all(conn, _Reply(fake[0], "Faked", headers, fake[1]).encode())
                return
            caught = self._caught(request)
            if caught is not None:
                with self._lock:
                    self.requests += 1
                    number = self.requests
                if caught.before is not None:
                    caught.before()
                self._dispatch(conn, request, number, caught.fault, after=caught.after)
                return
            params = request.params()
            tokens = "tokens" in params.get("meta", "").split("|")
            number, kind = self._decide(params.get("action", ""), "tokens" if tokens else "")
            self._dispatch(conn, request, number, kind)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                conn.close()

    def _caught(self, request: _Request) -> _Intercept | None:
        params = request.params()
        with self._lock:
            for caught in self._intercepts:
                page = params.get("title") == caught.title or (
                    caught.pageid is not None and params.get("pageid") == str(caught.pageid)
                )
                if caught.action == params.get("action") and page:
                    self._intercepts.remove(caught)
                    return caught
        return None

    def _dispatch(
        self,
        conn: socket.socket,
        request: _Request,
        number: int,
        kind: str | None,
        *,
        after: Callable[[], object] | None = None,
    ) -> None:
        what = request.describe()
        if kind is None:
            _send_all(conn, self._forward(request, after).encode())
        elif kind == "refused":
            self._refuse_until = time.monotonic() + self.refuse_for
            self._closed.wait(timeout=2)
            _reset(conn)
            self._record(
                number, kind, what, f"reset, then refused connections for {self.refuse_for:g} s"
            )
        elif kind == "reset_before":
            _reset(conn)
            self._record(number, kind, what, "reset before forwarding")
        elif kind == "reset_after":
            reply = self._forward(request, after)
            _reset(conn)
            self._record(number, kind, what, f"forwarded (HTTP {reply.status}), reply lost")
        elif kind == "http503":
            _send_all(conn, _error_reply(503, "Service Unavailable", {}))
            self._record(number, kind, what, "answered 503")
        elif kind == "http429":
            headers = {"Retry-After": str(self.retry_after)}
            _send_all(conn, _error_reply(429, "Too Many Requests", headers))
            self._record(number, kind, what, f"answered 429, Retry-After {self.retry_after}")
        elif kind == "slow":
            reply = self._forward(request, after)
            self._record(
                number,
                kind,
                what,
                f"forwarded (HTTP {reply.status}), reply held {self.slow_seconds:g} s",
            )
            time.sleep(self.slow_seconds)
            _send_all(conn, reply.encode())
        elif kind == "truncated":
            reply = self._forward(request, after)
            with self._lock:
                style = self._rng.choice(("content-length", "chunked", "close"))
                cut = self._rng.randrange(max(1, len(reply.body)))
            _send_all(conn, reply.encode_truncated(style, cut))
            conn.shutdown(socket.SHUT_RDWR)
            self._record(
                number,
                kind,
                what,
                f"forwarded, reply cut at byte {cut} of {len(reply.body)} ({style})",
            )
        elif kind == "maxlag":
            _send_all(conn, _maxlag_reply(self.retry_after))
            self._record(number, kind, what, f"answered maxlag, Retry-After {self.retry_after}")
        else:  # pragma: no cover - kinds are checked in __init__ and plan()
            raise ValueError(kind)

    def _forward(self, request: _Request, after: Callable[[], object] | None = None) -> _Reply:
        upstream = http.client.HTTPConnection("127.0.0.1", self.target_port, timeout=300)
        try:
            upstream.putrequest(
                request.method, request.target, skip_host=True, skip_accept_encoding=True
            )
            for name, value in request.headers:
                if name.lower() not in _HOP_BY_HOP:
                    upstream.putheader(name, value)
            upstream.putheader("Content-Length", str(len(request.body)))
            upstream.putheader("Connection", "close")
            upstream.endheaders(request.body)
            response = upstream.getresponse()
            body = response.read()
        finally:
            upstream.close()
        if after is not None:
            after()
        return _Reply(response.status, response.reason, response.getheaders(), body)


@dataclass(frozen=True, slots=True)
class _Intercept:
    action: str
    title: str
    pageid: int | None
    fault: str | None
    before: Callable[[], object] | None
    after: Callable[[], object] | None


# -- HTTP plumbing -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def params(self) -> dict[str, str]:
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.target).query))
        if self.body:
            with suppress(UnicodeDecodeError):
                params.update(urllib.parse.parse_qsl(self.body.decode("utf-8")))
        return params

    def describe(self) -> str:
        params = self.params()
        words = [self.method, urllib.parse.urlsplit(self.target).path]
        for key in ("action", "title", "pageid", "titles", "pageids", "meta", "prop", "list"):
            if key in params:
                words.append(f"{key}={params[key][:60]}")
        return " ".join(words)


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def _head(self, extra: list[tuple[str, str]]) -> bytes:
        lines = [f"HTTP/1.1 {self.status} {self.reason}"]
        lines += [f"{k}: {v}" for k, v in self.headers if k.lower() not in _HOP_BY_HOP]
        lines += [f"{k}: {v}" for k, v in extra]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def encode(self) -> bytes:
        extra = [("Content-Length", str(len(self.body))), ("Connection", "close")]
        return self._head(extra) + self.body

    def encode_truncated(self, style: str, cut: int) -> bytes:
        part = self.body[:cut]
        if style == "content-length":
            extra = [("Content-Length", str(len(self.body))), ("Connection", "close")]
            return self._head(extra) + part
        if style == "chunked":
            extra = [("Transfer-Encoding", "chunked"), ("Connection", "close")]
            chunk = f"{len(part):x}\r\n".encode() + part + b"\r\n" if part else b""
            return self._head(extra) + chunk
        return self._head([("Connection", "close")]) + part


def _read_request(conn: socket.socket) -> _Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > _MAX_HEADER_BYTES:
            return None
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
    body = rest
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return _Request(method, target, headers, body[:length])


def _send_all(conn: socket.socket, data: bytes) -> None:
    with suppress(OSError):  # the client gave up (a slow reply): nobody listens any more
        conn.sendall(data)


def _reset(conn: socket.socket) -> None:
    """Close with a TCP RST (SO_LINGER 0) instead of a clean FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _error_reply(status: int, reason: str, headers: dict[str, str]) -> bytes:
    body = f"<html><body><h1>{status} {reason}</h1>faultproxy</body></html>".encode()
    reply = _Reply(
        status, reason, [("Content-Type", "text/html; charset=utf-8"), *headers.items()], body
    )
    return reply.encode()


def _maxlag_reply(retry_after: int) -> bytes:
    lag = 7
    body = json.dumps(
        {
            "error": {
                "code": "maxlag",
                "info": f"Waiting for fake-replica: {lag} seconds lagged.",
                "host": "fake-replica",
                "lag": lag,
                "type": "db",
            },
            "servedby": "faultproxy",
        }
    ).encode()
    headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("MediaWiki-API-Error", "maxlag"),
        ("Retry-After", str(retry_after)),
        ("X-Database-Lag", str(lag)),
    ]
    return _Reply(200, "OK", headers, body).encode()
