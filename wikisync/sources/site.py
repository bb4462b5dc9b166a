"""The connection to a live wiki: one mwclient session that retries what is transient.

:class:`WikiClient` wraps :class:`mwclient.Site` and routes every API request
(its own and mwclient's: login, tokens, edits) through one place that sends
``maxlag``, counts requests, applies timeouts, retries transient faults
(network errors, HTTP 5xx and 429, the API errors ``maxlag``, ``ratelimited``
and ``readonly``) with exponential backoff inside a bounded total wait, and logs
in again when the session is lost.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import mwclient
import mwclient.errors
import requests

from wikisync.__about__ import __version__
from wikisync.config import Config
from wikisync.errors import LoginError, SiteError
from wikisync.pages import Namespace, Namespaces

log = logging.getLogger(__name__)

#: API error codes worth waiting for: the wiki asks us to slow down or pause.
RETRY_CODES = frozenset({"maxlag", "ratelimited", "readonly"})
#: API error codes meaning the login session was lost.
SESSION_LOST_CODES = frozenset({"assertuserfailed", "assertbotfailed", "assertnameduserfailed"})
_BACKOFF_BASE = 1.0


@dataclass(frozen=True, slots=True)
class SiteAddress:
    """Where a wiki's API lives, split the way mwclient wants it."""

    scheme: str
    host: str
    path: str  # the script path, with leading and trailing slash: "/w/"

    @property
    def api_url(self) -> str:
        """The full URL of api.php."""
        return f"{self.scheme}://{self.host}{self.path}api.php"


def candidate_addresses(url: str) -> list[SiteAddress]:
    """The places api.php may live for a URL a user gave, most likely first.

    Accepts the site root (``https://wiki.example.org``), the script path
    (``…/w/``) or the full ``api.php``/``index.php`` URL, over http or https.

    Raises:
        ValueError: the URL is not http(s) or has no host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    path = parts.path or "/"
    last = path.rsplit("/", 1)[-1]
    if last in ("api.php", "index.php"):
        return [SiteAddress(parts.scheme, parts.netloc, path[: -len(last)])]
    if last.endswith(".php"):
        raise ValueError(f"not a MediaWiki API URL: {url!r}")
    if not path.endswith("/"):
        path += "/"
    candidates = [SiteAddress(parts.scheme, parts.netloc, path)]
    if path == "/":
        candidates.append(SiteAddress(parts.scheme, parts.netloc, "/w/"))
    elif path.endswith("/wiki/"):
        # an article path such as https://host/wiki/ : the script path is usually /w/
        candidates.append(SiteAddress(parts.scheme, parts.netloc, path[: -len("wiki/")] + "w/"))
    return candidates


def user_agent(contact: str) -> str:
    """The User-Agent wikisync sends: its name, version and the operator's contact."""
    who = contact or "contact not configured"
    return f"wikisync/{__version__} ({who})"


class _Site(mwclient.Site):  # type: ignore[misc]
    """mwclient's Site with every API request sent through :class:`WikiClient`."""

    def __init__(self, client: WikiClient, address: SiteAddress, **kwargs: Any) -> None:
        self._client = client
        super().__init__(address.host, path=address.path, scheme=address.scheme, **kwargs)

    def raw_api(
        self,
        action: str,
        http_method: str = "POST",
        retry_on_error: bool = True,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        kwargs.update(args)
        return self._client.call(action, http_method=http_method, **kwargs)


class WikiClient:
    """One logged-in (or anonymous) connection to a live wiki.

    Args:
        url: the wiki's URL (site root, script path, or api.php).
        config: timeouts, retries, the user and password, the contact.
        sleep: the function used to wait (tests may pass a recording one).

    Attributes:
        requests: how many HTTP requests this client has sent (read it to
            measure work; benchmarks do).
        address: where api.php was found.
        namespaces: the wiki's namespaces, from its site info.
        high_limits: True when the account has ``apihighlimits``.

    Raises:
        LoginError: the site cannot be reached, is not a MediaWiki, or refused
            the login (the message names the user, never the password).
    """

    def __init__(
        self,
        url: str,
        config: Config,
        *,
        sleep: Any = time.sleep,
    ) -> None:
        self.url = url
        self.config = config
        self.requests = 0
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers["User-Agent"] = user_agent(config.contact)
        self._logged_in_as: str | None = None
        self._in_login = False
        try:
            candidates = candidate_addresses(url)
        except ValueError as exc:
            raise LoginError(f"--site {url}: {exc}", site=url) from exc
        self.address, general, self.namespaces = self._probe(candidates)
        self.sitename = str(general.get("sitename", ""))
        self.lang = str(general.get("lang", ""))
        self.site = _Site(
            self,
            self.address,
            pool=self._session,
            max_retries=0,
            do_init=False,
            connection_options={"timeout": config.timeout},
        )
        if config.user:
            self.login()
        else:
            self.site.site_init()
        self.high_limits = "apihighlimits" in (self.site.rights or [])

    # -- connection ---------------------------------------------------------

    def _probe(
        self, candidates: list[SiteAddress]
    ) -> tuple[SiteAddress, dict[str, Any], Namespaces]:
        """Find api.php and read the site info; no retries: a bad URL fails fast."""
        last_error = ""
        tried: list[str] = []
        for address in candidates:
            tried.append(address.api_url)
            try:
                data = self._send(
                    address.api_url,
                    "GET",
                    {
                        "action": "query",
                        "meta": "siteinfo",
                        "siprop": "general|namespaces|namespacealiases",
                        "format": "json",
                        "formatversion": "2",
                    },
                )
            except requests.Timeout:
                last_error = f"no answer within {self.config.timeout:g} s"
                break
            except requests.ConnectionError as exc:
                last_error = f"cannot connect ({_short_reason(exc)})"
                break
            except (requests.HTTPError, ValueError) as exc:
                last_error = f"not a MediaWiki API ({_short_reason(exc)})"
                continue
            query = data.get("query") if isinstance(data, dict) else None
            if not isinstance(query, dict) or "general" not in query:
                last_error = "not a MediaWiki API (no site info in the reply)"
                continue
            return address, query["general"], _namespaces_from_siteinfo(query)
        raise LoginError(
            f"cannot reach the wiki at {self.url}: {last_error} (tried {', '.join(tried)})",
            site=self.url,
        )

    def login(self) -> None:
        """Log in with the configured bot password (again, if the session was lost).

        Raises:
            LoginError: the wiki refused the login.
        """
        user = self.config.user or ""
        if not self.config.password:
            raise LoginError(
                f"no password for user {user}: set WIKISYNC_PASSWORD or run in a terminal "
                "to be prompted",
                site=self.url,
            )
        self._in_login = True
        try:
            self.site.login(user, self.config.password)
        except mwclient.errors.LoginError as exc:
            reason = _login_reason(exc)
            raise LoginError(
                f"the wiki at {self.url} refused the login of user {user}: {reason} "
                "(a bot password's login name looks like User@app; check it and "
                "WIKISYNC_PASSWORD)",
                site=self.url,
            ) from None
        except mwclient.errors.APIError as exc:
            raise LoginError(
                f"login of user {user} at {self.url} failed: {exc.code}: {exc.info}", site=self.url
            ) from None
        finally:
            self._in_login = False
        self._logged_in_as = user
        log.info("logged in to %s as %s", self.url, user)

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    # -- requests -----------------------------------------------------------

    def call(self, action: str, *, http_method: str = "GET", **params: Any) -> dict[str, Any]:
        """Send one API request, retrying transient faults within the wait budget.

        ``maxlag`` is added to every call and ``assert=user`` once logged in, so
        a lost session is noticed (and mended by logging in again) instead of
        silently reading or editing as an anonymous user.

        Returns:
            The decoded JSON reply. API errors other than the transient ones
            are returned as they are (mwclient turns them into exceptions).

        Raises:
            SiteError: the fault persisted past the retries or the wait budget.
        """
        params = {k: v for k, v in params.items() if v is not None}
        params["action"] = action
        params["format"] = "json"
        params.setdefault("maxlag", str(self.config.maxlag))
        if self._logged_in_as and not self._in_login:
            params.setdefault("assert", "user")
        waited = 0.0
        attempt = 0
        relogged = False
        while True:
            try:
                data = self._send(self.address.api_url, http_method, params)
                fault, retry_after = _api_fault(data)
            except requests.Timeout:
                fault, retry_after = f"no answer within {self.config.timeout:g} s", None
            except requests.ConnectionError as exc:
                fault, retry_after = f"connection failed ({_short_reason(exc)})", None
            except _HttpStatusError as exc:
                if exc.status != 429 and exc.status < 500:
                    raise SiteError(
                        f"{self.url}: HTTP {exc.status} for action={action}", site=self.url
                    ) from None
                fault, retry_after = f"HTTP {exc.status}", exc.retry_after
            except ValueError:
                raise SiteError(
                    f"{self.url}: the reply to action={action} is not JSON", site=self.url
                ) from None
            if fault is None:
                code = error_code(data)
                if code in SESSION_LOST_CODES and not relogged and self.config.user:
                    log.warning(
                        "session lost on %s; logging in again as %s", self.url, self.config.user
                    )
                    relogged = True
                    self.site.tokens = {}
                    self.login()
                    continue
                if not isinstance(data, dict):
                    raise SiteError(
                        f"{self.url}: the reply to action={action} is not a JSON object",
                        site=self.url,
                    )
                return data
            attempt += 1
            delay = max(retry_after or 0.0, _BACKOFF_BASE * 2 ** (attempt - 1))
            budget = self.config.max_wait - waited
            if attempt > self.config.retries or budget <= 0:
                raise SiteError(
                    f"{self.url}: action={action} failed: {fault}; gave up after "
                    f"{attempt - 1} retries and {waited:.1f} s of waiting "
                    f"(retries={self.config.retries}, max_wait={self.config.max_wait:g} s)",
                    site=self.url,
                )
            delay = min(delay, budget)
            log.info(
                "waiting %.1f s before retry %d/%d of action=%s: %s",
                delay,
                attempt,
                self.config.retries,
                action,
                fault,
            )
            self._sleep(delay)
            waited += delay

    def _send(self, url: str, method: str, params: Mapping[str, Any]) -> Any:
        self.requests += 1
        if method.upper() == "GET":
            response = self._session.get(url, params=params, timeout=self.config.timeout)
        else:
            response = self._session.post(url, data=params, timeout=self.config.timeout)
        if response.status_code != 200:
            raise _HttpStatusError(response.status_code, _retry_after(response.headers))
        data = json.loads(response.text)
        if isinstance(data, dict) and response.headers.get("Retry-After"):
            data.setdefault("_retry_after", _retry_after(response.headers))
        return data

    def query(self, **params: Any) -> Iterator[dict[str, Any]]:
        """Run a query with continuation; yield each reply's ``query`` part.

        A reply is yielded with its ``batchcomplete`` flag kept, so callers that
        combine ``generator`` with ``prop`` can tell when a batch is whole.
        """
        params = dict(params)
        params.setdefault("formatversion", "2")
        cont: dict[str, Any] = {"continue": ""}
        while True:
            data = self.call("query", **params, **cont)
            if "error" in data:
                error = data["error"]
                raise SiteError(
                    f"{self.url}: query failed: {error.get('code')}: {error.get('info')}",
                    site=self.url,
                )
            part = dict(data.get("query") or {})
            part["batchcomplete"] = bool(data.get("batchcomplete"))
            yield part
            if "continue" not in data:
                return
            cont = data["continue"]


class _HttpStatusError(Exception):
    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(status)
        self.status = status
        self.retry_after = retry_after


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("Retry-After")
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def error_code(data: Any) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return str(data["error"].get("code"))
    return None


def _api_fault(data: Any) -> tuple[str | None, float | None]:
    """A transient API error worth retrying, as (description, retry-after)."""
    code = error_code(data)
    if code not in RETRY_CODES:
        return None, None
    error = data["error"]
    info = str(error.get("info", ""))
    retry_after = data.get("_retry_after")
    if code == "maxlag":
        return f"maxlag ({info})", retry_after
    if code == "readonly":
        reason = error.get("readonlyreason") or info
        return f"the wiki is read-only ({reason})", retry_after
    return f"{code} ({info})", retry_after


def _short_reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out"):
        if marker in text:
            return marker
    return text[:200]


def _login_reason(exc: Any) -> str:
    info = getattr(exc, "info", None) or getattr(exc, "code", None) or str(exc)
    return str(info)


def _namespaces_from_siteinfo(query: Mapping[str, Any]) -> Namespaces:
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
