"""Posting JSON to a webhook (Mattermost, Slack, or any service with incoming webhooks).

:func:`post_json` sends one POST, retried with backoff on a network fault, a
timeout, a 5xx or a 429 (honouring ``Retry-After``, capped), and never
raises: it returns a :class:`Delivery` saying what happened, so that a
failing webhook never stops the work it reports on. A webhook's URL holds
its secret (the path, often): :func:`webhook_label` is the only form of it
that goes to messages and logs (``https://chat.example.org/…``), and
:func:`register_webhook` has :func:`wikisync.config.redact` mask the rest
wherever it would appear.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wikisync.__about__ import __version__
from wikisync.config import redact, register_secret

__all__ = [
    "MIN_WEBHOOK_SECRET",
    "Delivery",
    "RetryPolicy",
    "post_json",
    "register_webhook",
    "webhook_label",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard a POST is tried.

    Attributes:
        attempts: tries in all (at least 1).
        backoff: seconds before the second try, doubled each time after.
        max_wait: the longest wait between tries (a ``Retry-After`` included).
        timeout: seconds a try may take.
    """

    attempts: int = 4
    backoff: float = 1.0
    max_wait: float = 30.0
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one POST.

    Attributes:
        url: the webhook, as :func:`webhook_label` shows it (never the whole URL).
        sent: True when the webhook answered 2xx.
        attempts: tries made.
        status: the last HTTP status (0: no answer).
        message: why it failed ("" when sent), secret-free.
    """

    url: str
    sent: bool
    attempts: int
    status: int = 0
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON data for a run report."""
        return {
            "url": self.url,
            "sent": self.sent,
            "attempts": self.attempts,
            "status": self.status,
            "message": self.message,
        }


def webhook_label(url: str) -> str:
    """A webhook's URL without its secret part: scheme and host, then ``/…``.

    Example:
        >>> webhook_label("https://chat.example.org/hooks/abcdef0123456789")
        'https://chat.example.org/…'
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(webhook)"
    return f"{parts.scheme}://{host}{port}/…"


#: The shortest path or query taken for a webhook's secret: Mattermost's and Slack's
#: tokens are far longer, and a short path ("events") is a word messages hold.
MIN_WEBHOOK_SECRET = 16


def register_webhook(url: str) -> None:
    """Have :func:`wikisync.config.redact` hide the URL's secret part: its path and query
    (when at least :data:`MIN_WEBHOOK_SECRET` characters long), and a password in it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        register_secret(url)
        return
    secret = (parts.path + (f"?{parts.query}" if parts.query else "")).lstrip("/")
    for part in (secret, parts.query, *secret.split("/")):
        if len(part) >= MIN_WEBHOOK_SECRET:
            register_secret(part)
    if parts.password:
        register_secret(parts.password)


def post_json(
    url: str,
    payload: Mapping[str, Any],
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """POST ``payload`` as JSON to ``url``, retrying as ``policy`` says; never raises.

    Args:
        url: the webhook (http or https).
        payload: the JSON object (``{"text": …}`` for Mattermost and Slack).
        policy: tries, waits and timeout (default :class:`RetryPolicy`).
        sleep: how to wait between tries.
    """
    policy = policy or RetryPolicy()
    label = webhook_label(url)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    status, message = 0, ""
    attempts = max(1, policy.attempts)
    for attempt in range(1, attempts + 1):
        wait = min(policy.max_wait, policy.backoff * 2 ** (attempt - 1))
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": f"wikisync/{__version__}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=policy.timeout) as response:
                status = int(response.status)
                response.read(65536)
            log.info("webhook %s: sent (HTTP %d)", label, status)
            return Delivery(label, True, attempt, status)
        except urllib.error.HTTPError as exc:
            status, message = exc.code, f"HTTP {exc.code}"
            retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            if retry_after is not None:
                wait = min(policy.max_wait, retry_after)
            if exc.code < 500 and exc.code != 429:
                attempt_done = Delivery(label, False, attempt, status, message)
                log.warning("webhook %s: refused (%s); not retried", label, message)
                return attempt_done
        except (OSError, ValueError) as exc:  # URLError, timeouts, resets, a bad URL
            status, message = 0, redact(_reason(exc))
        if attempt < attempts:
            log.info("webhook %s: %s; trying again in %.1f s", label, message, wait)
            sleep(wait)
    log.warning("webhook %s: failed after %d tries (%s)", label, attempts, message)
    return Delivery(label, False, attempts, status, message)


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    text = str(reason if reason is not None else exc) or type(exc).__name__
    return text[:200]


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
