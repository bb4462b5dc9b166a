"""How :class:`~wikisync.wiki.site.WikiClient` sends a request: one HTTP exchange, retried.

:class:`_Transport` (a base of ``WikiClient``) sends one request and reads
its body whole within a deadline and a size limit, follows redirects only
within the wiki's own origin, turns every transport fault into a transient
:class:`_Fault` or a permanent :class:`_BadAddress`, and retries transient
ones with exponential backoff within ``retries`` and ``max_wait``
(:meth:`_Transport._retrying`).
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests import Response as HttpResponse
from requests import Session as HttpSession

from wikisync.config import Config, redact_site

log = logging.getLogger(__name__)

#: API error codes worth waiting for: the wiki asks us to slow down or pause.
RETRY_CODES = frozenset({"maxlag", "ratelimited", "readonly"})
#: The first retry's wait in seconds; each later one doubles it.
_BACKOFF_BASE = 1.0
#: The least time worth an attempt: a retry that would have less is not made.
_MIN_ATTEMPT = 0.5
#: Retries of a refused connection while probing: a wiki restarting is back in
#: seconds, and a wrong port should not keep the user waiting.
_PROBE_REFUSED_RETRIES = 2
#: Redirects followed within the wiki's own origin before giving up.
_MAX_REDIRECTS = 5

_T = TypeVar("_T")


class _Fault(Exception):
    """A transient fault of one attempt: worth trying again."""

    def __init__(self, reason: str, retry_after: float | None = None, *, kind: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.kind = kind  # "refused" for a refused connection


class _BadAddress(Exception):
    """A permanent failure of one attempt: no wiki there (HTTP 404, unknown host…)."""

    def __init__(
        self, reason: str, status: int | None = None, *, host: bool = False, tls: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.host = host  # the host itself is wrong: no other address is worth trying
        self.tls = tls  # TLS or its certificate failed: a configuration error


class _TooLarge(_BadAddress):
    """A reply over the size limit: trying again would bring the same."""


class _Redirected(Exception):
    """A redirect away from the wiki's own origin: refused, never followed."""

    def __init__(self, status: int, location: str, host: str) -> None:
        super().__init__(location)
        self.status = status
        self.location = location
        self.host = host


class _GaveUp(Exception):
    def __init__(self, fault: _Fault, retries: int, elapsed: float, why: str) -> None:
        super().__init__(fault.reason)
        self.fault = fault
        self.retries = retries
        self.elapsed = elapsed
        self.why = why


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes


class _NotJson(ValueError):
    pass


class _Transport:
    """The request machinery of :class:`~wikisync.wiki.site.WikiClient`: send, read, retry.

    ``WikiClient`` sets these attributes in its ``__init__``.
    """

    config: Config
    site: Any  # the mwclient Site, for the login token
    _session: HttpSession
    requests: int
    _clock: Callable[[], float]
    _sleep: Callable[[float], Any]

    def _login_attempt(
        self, url: str, method: str, params: dict[str, Any]
    ) -> Callable[[float, float], Any]:
        """One attempt of the login request, for :meth:`_retrying`.

        A failed reply that changed the session's cookies (cut off after its
        headers, say) may have logged the session in: MediaWiki would refuse
        another login in it. The next attempt then starts from a clean session
        with a new login token (itself retried like any request). A fault that
        left the cookies as they were is retried in the same session.
        """
        poisoned = False

        def attempt(timeout: float, deadline: float) -> Any:
            nonlocal poisoned
            if poisoned:
                self._session.cookies.clear()
                self.site.tokens = {}
                if "lgtoken" in params:
                    params["lgtoken"] = self.site.get_token("login", force=True)
                poisoned = False
                timeout = max(min(timeout, deadline - self._clock()), _MIN_ATTEMPT)
            before = _cookie_state(self._session.cookies)
            try:
                return self._api_attempt(url, method, params, timeout, deadline, probe=False)
            except _Fault:
                poisoned = _cookie_state(self._session.cookies) != before
                raise

        return attempt

    def _retrying(
        self,
        what: str,
        attempt: Callable[[float, float], _T],
        *,
        probe: bool,
        before_retry: Callable[[], object] | None = None,
    ) -> _T:
        """Run ``attempt(timeout, deadline)`` until it returns, within the budget.

        ``before_retry`` is called after each wait, before the attempt is made again.

        Raises:
            _GaveUp: a transient fault outlasted ``retries`` or ``max_wait``.
            _BadAddress: a permanent fault (from ``attempt``).
        """
        config = self.config
        start = self._clock()
        deadline = start + config.max_wait
        retries = 0
        while True:
            left = deadline - self._clock()
            try:
                return attempt(max(min(config.timeout, left), _MIN_ATTEMPT), deadline)
            except _Fault as fault:
                now = self._clock()
                elapsed = now - start
                left = deadline - now
                limit = config.retries
                if probe and fault.kind == "refused":
                    limit = min(limit, _PROBE_REFUSED_RETRIES)
                budget = f"retries={config.retries}, max_wait={config.max_wait:g} s"
                if retries >= limit:
                    raise _GaveUp(fault, retries, elapsed, budget) from None
                backoff = _BACKOFF_BASE * 2**retries
                if fault.retry_after is not None and fault.retry_after > left - _MIN_ATTEMPT:
                    why = f"the wiki asked to wait {fault.retry_after:g} s; {budget}"
                    raise _GaveUp(fault, retries, elapsed, why) from None
                delay = min(max(backoff, fault.retry_after or 0.0), left - _MIN_ATTEMPT)
                if delay < 0:
                    raise _GaveUp(fault, retries, elapsed, budget) from None
                retries += 1
                log.info(
                    "waiting %.1f s before retry %d/%d of %s: %s",
                    delay,
                    retries,
                    limit,
                    what,
                    fault.reason,
                )
                self._sleep(delay)
                if before_retry is not None:
                    before_retry()

    def _api_attempt(
        self,
        url: str,
        method: str,
        params: Mapping[str, Any],
        timeout: float,
        deadline: float,
        *,
        probe: bool,
    ) -> Any:
        """One API request: its decoded JSON, or _Fault / _BadAddress."""
        reply = self._send(url, method, params, timeout, deadline)
        status = reply.status
        if status == 429 or status >= 500:
            raise _Fault(f"HTTP {status}", _retry_after(reply.headers))
        if status != 200:
            raise _BadAddress(f"HTTP {status}", status)
        try:
            data = json.loads(reply.body, parse_constant=_refuse_constant)
        except _NotJson as exc:
            raise _BadAddress(f"malformed reply ({exc})") from None
        except RecursionError:
            raise _BadAddress("malformed reply (nested too deeply)") from None
        except ValueError as exc:
            if "digits" in str(exc):
                raise _BadAddress("malformed reply (a number with too many digits)") from None
            start = reply.body.lstrip()[:1]
            if not start or start in (b"{", b"["):
                raise _Fault("the reply was cut off (incomplete JSON)") from None
            if probe:
                raise _BadAddress("not a MediaWiki API (the reply is not JSON)") from None
            raise _Fault("the reply is not JSON") from None
        fault, retry_after = _api_fault(data, _retry_after(reply.headers))
        if fault is not None:
            raise _Fault(fault, retry_after)
        return data

    def _page_attempt(self, url: str, timeout: float, deadline: float) -> _Reply:
        """One GET of a page (for its EditURI link)."""
        reply = self._send(url, "GET", {}, timeout, deadline)
        if reply.status == 429 or reply.status >= 500:
            raise _Fault(f"HTTP {reply.status}", _retry_after(reply.headers))
        if reply.status >= 400 and b"<link" not in reply.body:
            raise _BadAddress(f"HTTP {reply.status}", reply.status)
        return reply

    def _send(
        self,
        url: str,
        method: str,
        params: Mapping[str, Any],
        timeout: float,
        deadline: float,
    ) -> _Reply:
        """One HTTP request, its body read whole; every transport fault is a _Fault.

        Redirects are followed only within the wiki's own origin (scheme, host
        and port; http to https on the same host too): a redirect elsewhere
        would carry the password, the session cookie or a basic-auth header to
        a host nobody configured, so it is refused (:class:`_Redirected`).
        """
        self.requests += 1
        get = method.upper() == "GET"
        try:
            target = url
            for _hop in range(_MAX_REDIRECTS + 1):
                if get:
                    response = self._session.get(
                        target,
                        params=params if target == url else None,
                        timeout=timeout,
                        stream=True,
                        allow_redirects=False,
                    )
                else:
                    response = self._session.post(
                        target, data=params, timeout=timeout, stream=True, allow_redirects=False
                    )
                with response:
                    location = self._session.get_redirect_target(response)
                    if location is None:
                        body = self._read_body(response, deadline)
                        return _Reply(response.status_code, response.headers, body)
                    target = _check_redirect(url, response.url, location, response.status_code)
            raise _BadAddress(f"more than {_MAX_REDIRECTS} redirects")
        except requests.Timeout:
            raise _Fault(f"no answer within {round(timeout, 1):g} s") from None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidHeader,
        ) as exc:
            raise _BadAddress(f"bad URL ({_short_reason(exc)})") from None
        except requests.exceptions.SSLError as exc:
            # Not transient: a wrong scheme or certificate fails the same way every time.
            raise _BadAddress(f"TLS failed ({_tls_reason(exc)})", host=True, tls=True) from None
        except requests.ConnectionError as exc:
            reason = _short_reason(exc)
            if reason == "Name or service not known":
                raise _BadAddress(f"unknown host ({reason})", host=True) from None
            kind = "refused" if reason == "Connection refused" else ""
            raise _Fault(f"connection failed ({reason})", kind=kind) from None
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
        ) as exc:
            raise _Fault(f"the reply was cut off ({_short_reason(exc)})") from None
        except requests.RequestException as exc:
            raise _Fault(f"request failed ({_short_reason(exc)})") from None
        except OSError as exc:
            raise _Fault(f"connection failed ({_short_reason(exc)})") from None

    def _read_body(self, response: HttpResponse, deadline: float) -> bytes:
        """A reply's body, read in chunks: no longer than ``max_reply_mib``, no later
        than ``deadline`` (an endless or trickling body fails instead of filling memory)."""
        limit = self.config.max_reply_mib * 1024 * 1024
        chunks = []
        size = 0
        # read1: whatever has arrived, so a body trickling in a byte at a time still
        # meets the deadline (iter_content would wait for 64 KiB before looking).
        while chunk := response.raw.read1(65536, decode_content=True):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise _TooLarge(
                    f"the reply is over the {self.config.max_reply_mib} MiB limit (max_reply_mib)"
                )
            if self._clock() > deadline:
                raise _Fault(f"no complete answer within {self.config.max_wait:g} s")
        return b"".join(chunks)


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"it holds {name}, which JSON does not allow")


def _redirect_message(url: str, what: str, exc: _Redirected) -> str:
    return (
        f"the wiki at {url} answered {what} with a redirect (HTTP {exc.status}) to "
        f"{exc.host}; not followed: wikisync sends requests (and the password) only to the "
        "site configured (if the wiki has moved there and you trust it, make that address "
        "the site)"
    )


def _check_redirect(origin_url: str, from_url: str, location: str, status: int) -> str:
    """The absolute URL a redirect points to, when it stays on the wiki's origin.

    Same scheme, host and port as ``origin_url``, or http to https on the
    same host with the default ports.

    Raises:
        _Redirected: the redirect leaves the origin (or cannot be read).
    """
    try:
        target = urljoin(from_url, location)
        new = urlsplit(target)
        old = urlsplit(origin_url)
        new_port = new.port or _DEFAULT_PORTS.get(new.scheme.lower())
        old_port = old.port or _DEFAULT_PORTS.get(old.scheme.lower())
    except ValueError:
        raise _Redirected(status, redact_site(location), "an unreadable address") from None
    host = (new.hostname or "").lower()
    shown = new.netloc.rpartition("@")[2] or "no host"
    same_host = host == (old.hostname or "").lower()
    old_scheme, new_scheme = old.scheme.lower(), new.scheme.lower()
    if same_host and old_scheme == new_scheme and new_port == old_port:
        return target
    if same_host and (old_scheme, new_scheme, old_port, new_port) == ("http", "https", 80, 443):
        return target
    raise _Redirected(status, redact_site(target), shown)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _cookie_state(cookies: Any) -> list[tuple[str, str, str, str | None]]:
    """A session's cookies, to tell whether a reply changed them."""
    return sorted((c.domain, c.path, c.name, c.value) for c in cookies)


def _retries(count: int) -> str:
    return "1 retry" if count == 1 else f"{count} retries"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = (headers.get("Retry-After") or "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, 86400.0))


def error_code(data: Any) -> str | None:
    """The API error code of a reply, or None."""
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return str(data["error"].get("code"))
    return None


def _api_fault(data: Any, retry_after: float | None) -> tuple[str | None, float | None]:
    """A transient API error worth retrying, as (description, retry-after)."""
    code = error_code(data)
    if code not in RETRY_CODES:
        return None, None
    error = data["error"]
    info = str(error.get("info", ""))
    if code == "maxlag":
        return f"maxlag ({info})", retry_after
    if code == "readonly":
        reason = error.get("readonlyreason") or info
        return f"the wiki is read-only ({reason})", retry_after
    return f"{code} ({info})", retry_after


def _short_reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "Temporary failure in name resolution",
        "Connection reset by peer",
        "Connection aborted",
        "Remote end closed connection without response",
        "IncompleteRead",
        "Connection broken",
        "timed out",
    ):
        if marker in text:
            return marker
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


def _tls_reason(exc: BaseException) -> str:
    """``wrong version number``, ``certificate verify failed: …``: the SSL library's words."""
    text = str(exc)
    found = re.search(r"\[SSL: [A-Z_]+\] (.+?)(?: \(_ssl\.c:\d+\))?['\")]", text)
    if found:
        return found.group(1)
    return _short_reason(exc)
