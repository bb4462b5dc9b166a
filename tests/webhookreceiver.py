"""An incoming-webhook receiver on 127.0.0.1, like Mattermost's or Slack's, for the tests.

:class:`WebhookReceiver` accepts POSTs on any path, records each (path,
headers, decoded JSON body) and answers from a script of statuses (``[503,
503, 200]``: two failures, then success; the last status repeats), with a
``Retry-After`` header when asked, after ``delay`` seconds (a slow server); the
times it answered are kept (:attr:`WebhookReceiver.answered`, ``time.monotonic``).
Like Mattermost, it refuses a body that is not a JSON object holding a non-empty
``text`` string (HTTP 400).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class WebhookReceiver:
    """A webhook endpoint on 127.0.0.1; use as a context manager."""

    statuses: list[int] = field(default_factory=lambda: [200])
    retry_after: str | None = None
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = None
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    number = len(receiver.received) - 1
                    status = receiver.statuses[min(number, len(receiver.statuses) - 1)]
                text = body.get("text") if isinstance(body, dict) else None
                if status == 200 and not (isinstance(text, str) and text):
                    status = 400
                if receiver.delay:
                    time.sleep(receiver.delay)  # a slow chat server
                self.send_response(status)
                if status != 200 and receiver.retry_after is not None:
                    self.send_header("Retry-After", receiver.retry_after)
                reply = b"ok" if status == 200 else b'{"message": "no"}'
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
                with receiver._lock:
                    receiver.answered.append(time.monotonic())

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str = "/hooks/s3cr3tt0k3n0123456789abcdef") -> str:
        """The receiver's URL with this path (the default looks like a Mattermost hook)."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def texts(self) -> list[str]:
        """The ``text`` of each POST received."""
        return [item.body["text"] for item in self.received if isinstance(item.body, dict)]
