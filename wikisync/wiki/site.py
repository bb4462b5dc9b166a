"""The connection to a live wiki: one mwclient session that retries what is transient.

:class:`WikiClient` wraps :class:`mwclient.Site` and routes every API request
(its own and mwclient's: login, tokens, edits) through one place that sends
``maxlag``, counts requests, applies timeouts and retries transient faults
with exponential backoff. Transient means: the connection refused, reset or
dropped (before or after the wiki handled the request), no answer in time, a
reply cut off or garbled, HTTP 5xx and 429, and the API errors ``maxlag``,
``ratelimited`` and ``readonly``. ``max_wait`` bounds the *whole* time one
request may take, attempts and waits included: each attempt's timeout shrinks
to the time left. A request that still fails stops the client (every later
call fails at once), so a batch ends in seconds with what it did and what it
did not do, instead of waiting ``max_wait`` once per remaining page.

The first request (the site probe, which finds ``api.php`` from the URL the
user gave) is retried like any other, while a URL that is plainly wrong fails
fast with exit code 2: nothing listening (after two retries), an unknown host,
no MediaWiki API at any candidate address, a TLS or certificate error (never
retried: it fails the same way every time).

The login is retried like any request: each request of its exchange (login
token, login, user info) is retried within ``retries`` and ``max_wait``. A
login starts from a clean session (no cookies, no tokens), and so does a
retried login request whose failed reply changed the session's cookies (a
reply cut off after its headers may have set a session cookie in which
MediaWiki refuses another login); it then asks for a new login token first.
The sending and retrying is in :mod:`wikisync.wiki.transport`, the addresses
tried for a URL in :mod:`wikisync.wiki.address`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn
from urllib.parse import urlsplit

import mwclient
import mwclient.errors
import requests

from wikisync.config import Config
from wikisync.core.errors import NOT_SENT, LoginError, SiteError
from wikisync.core.pages import Namespace, Namespaces
from wikisync.wiki.address import (
    SiteAddress,
    api_from_page,
    candidate_addresses,
    plain_http_warning,
    redact_url,
    url_credentials,
    user_agent,
    wiki_identity,
)
from wikisync.wiki.replies import clean_reply, show_value
from wikisync.wiki.transport import (
    _BadAddress,
    _GaveUp,
    _redirect_message,
    _Redirected,
    _retries,
    _Transport,
    error_code,
)

log = logging.getLogger(__name__)

#: API error codes meaning the login session was lost.
SESSION_LOST_CODES = frozenset({"assertuserfailed", "assertbotfailed", "assertnameduserfailed"})
#: Replies in a row whose continuation brings no results before a query is given up.
_MAX_IDLE_CONTINUES = 20
#: Login requests one login may send (mwclient asks again on ``NeedToken``).
_MAX_LOGIN_POSTS = 3
#: How much of a page is read looking for its EditURI link.
_PAGE_LIMIT = 1 << 20


#: After a TLS failure: what to check (it is not retried).
TLS_HINT = " (check the URL's scheme, http or https, and the wiki's certificate)"


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


# -- faults -----------------------------------------------------------------------


class WikiClient(_Transport):
    """One logged-in (or anonymous) connection to a live wiki.

    Args:
        url: the wiki's URL: site root, script path, api.php, or the URL of
            any of its pages. A ``user:password@`` part is sent as HTTP basic
            authentication and never shown (messages show ``user:***@``).
        config: timeouts, retries, the user and password, the contact.
        sleep: the function used to wait (tests may pass a recording one).
        clock: the monotonic clock that bounds each request's time.

    Attributes:
        url: the URL as given, its password redacted: the one to show.
        requests: how many HTTP requests this client has sent (read it to
            measure work; benchmarks do).
        address: where api.php was found.
        namespaces: the wiki's namespaces, from its site info.
        high_limits: True when the account has ``apihighlimits``.
        failed: None, or why a request gave up; every later call then fails
            at once with that reason.

    Raises:
        LoginError: the URL names no wiki (nothing listening, unknown host, no
            MediaWiki API there) or the wiki refused the login (the message
            names the user, never the password); exit code 2.
        SiteError: the wiki was found but kept failing (HTTP 5xx, 429, no
            answer, dropped connections, malformed replies) past the retries
            and ``max_wait``; exit code 1.
    """

    def __init__(
        self,
        url: str,
        config: Config,
        *,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = redact_url(url.strip())
        self.config = config
        self.requests = 0
        self.failed: str | None = None
        self._sleep = sleep
        self._clock = clock
        self._session = requests.Session()
        self._session.headers["User-Agent"] = user_agent(config.contact)
        self._logged_in_as: str | None = None
        self._in_login = False
        self._login_posts = 0
        try:
            candidates = candidate_addresses(url)
        except ValueError as exc:
            raise LoginError(f"the site is {exc}", site=self.url) from None
        credentials = url_credentials(url)
        if credentials is not None:
            # UTF-8, as RFC 7617 says (requests would encode str as Latin-1 and fail on "€")
            user, password = credentials
            self._session.auth = requests.auth.HTTPBasicAuth(_utf8(user), _utf8(password))
        self.address, general, self.namespaces = self._probe(url.strip(), candidates)
        self.identity = wiki_identity(general, self.address)
        self.sitename = str(general.get("sitename", ""))
        self.lang = str(general.get("lang", ""))
        warning = plain_http_warning(self.address, config.user, credentials is not None)
        if warning:
            log.warning("%s", warning)
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
            self._mwclient(self.site.site_init, "reading the site information")
        self.high_limits = "apihighlimits" in (self.site.rights or [])

    # -- connection ---------------------------------------------------------

    def _probe(
        self, url: str, candidates: list[SiteAddress]
    ) -> tuple[SiteAddress, dict[str, Any], Namespaces]:
        """Find api.php and read the site info.

        The address as given is tried first, then the API the page at the
        URL names (its EditURI link), then the usual script paths. Transient
        faults are retried at each; a candidate that is plainly not an API
        (HTTP 404, an HTML page) is left for the next at once.
        """
        tried: list[str] = []
        reasons: list[str] = []
        todo = list(candidates)
        looked_at_page = urlsplit(url).path in ("", "/") and not urlsplit(url).query
        while todo:
            address = todo.pop(0)
            if address.api_url in tried:
                continue
            tried.append(address.api_url)
            try:
                query, namespaces = self._siteinfo(address)
            except _BadAddress as exc:
                if exc.host:
                    hint = TLS_HINT if exc.tls else ""
                    raise LoginError(
                        f"cannot reach the wiki at {self.url}: {exc.reason}{hint}", site=self.url
                    ) from None
                reasons.append(f"{address.api_url}: {exc.reason}")
            else:
                if address != candidates[0]:
                    log.info("found the wiki's API at %s", address.api_url)
                return address, query["general"], namespaces
            if not looked_at_page:
                looked_at_page = True
                found = self._api_named_by_page(url, reasons)
                if found is not None and found.api_url not in tried:
                    todo.insert(0, found)
        raise LoginError(
            f"no MediaWiki API found from {self.url}: " + "; ".join(reasons),
            site=self.url,
        )

    def _siteinfo(self, address: SiteAddress) -> tuple[dict[str, Any], Namespaces]:
        params = {
            "action": "query",
            "meta": "siteinfo",
            "siprop": "general|namespaces|namespacealiases",
            "format": "json",
            "formatversion": "2",
            "maxlag": str(self.config.maxlag),
        }
        try:
            data = self._retrying(
                f"the site probe at {address.api_url}",
                lambda timeout, deadline: self._api_attempt(
                    address.api_url, "GET", params, timeout, deadline, probe=True
                ),
                probe=True,
            )
        except _GaveUp as exc:
            self._give_up_probe(address.api_url, exc)
        except _Redirected as exc:
            raise LoginError(
                _redirect_message(self.url, f"the site probe ({address.api_url})", exc),
                site=self.url,
            ) from None
        query = data.get("query") if isinstance(data, dict) else None
        if isinstance(query, dict) and isinstance(query.get("general"), dict):
            try:
                return query, _namespaces_from_siteinfo(query)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise _BadAddress("not a MediaWiki API (malformed namespaces)") from None
        code = error_code(data)
        if code is not None:
            info = str(data["error"].get("info", ""))
            raise LoginError(
                f"the wiki at {self.url} refused to say what it is ({address.api_url}: "
                f"{code}: {info})",
                site=self.url,
            )
        raise _BadAddress("not a MediaWiki API (no site info in the reply)")

    def _api_named_by_page(self, url: str, reasons: list[str]) -> SiteAddress | None:
        page_url = urlsplit(url)._replace(netloc=urlsplit(url).netloc.rpartition("@")[2]).geturl()
        shown = redact_url(page_url)
        try:
            reply = self._retrying(
                f"reading the page {shown}",
                lambda timeout, deadline: self._page_attempt(page_url, timeout, deadline),
                probe=True,
            )
        except _GaveUp as exc:
            self._give_up_probe(shown, exc)
        except _BadAddress as exc:
            reasons.append(f"{shown}: {exc.reason}")
            return None
        except _Redirected as exc:
            raise LoginError(
                _redirect_message(self.url, f"a read of {shown}", exc), site=self.url
            ) from None
        html = reply.body[:_PAGE_LIMIT].decode("utf-8", errors="replace")
        address = api_from_page(html, page_url)
        if address is None:
            reasons.append(f"{shown}: no EditURI link to api.php in the page")
            return None
        given = urlsplit(page_url).hostname
        if urlsplit(address.api_url).hostname != given:
            reasons.append(
                f"{shown} names its API at {address.api_url}, on another host: "
                "pass that URL as site=URL if you trust it"
            )
            return None
        log.debug("the page %s names its API at %s", shown, address.api_url)
        return address

    def _give_up_probe(self, where: str, exc: _GaveUp) -> NoReturn:
        detail = (
            f"{exc.fault.reason}; gave up after {_retries(exc.retries)} in {exc.elapsed:.1f} s "
            f"({exc.why})"
        )
        if exc.fault.kind == "refused":
            raise LoginError(
                f"cannot reach the wiki at {self.url}: {detail} (tried {where})", site=self.url
            ) from None
        raise SiteError(
            f"the wiki at {self.url} did not answer properly: {detail} (tried {where})",
            site=self.url,
        ) from None

    def login(self) -> None:
        """Log in with the configured bot password (again, if the session was lost).

        Raises:
            LoginError: the wiki refused the login.
            SiteError: the wiki failed, or sent a malformed reply to the login.
        """
        user = self.config.user or ""
        if not self.config.password:
            raise LoginError(
                f"no password for user {user}: set WIKISYNC_PASSWORD or run in a terminal "
                "to be prompted",
                site=self.url,
            )
        what = f"the login of user {user}"
        # From a clean session: a lost session's cookie (or one a cut-off reply set)
        # would make MediaWiki refuse the login ("Cannot log in when using
        # BotPasswordSessionProvider sessions"). Each request of the exchange is then
        # retried by call(); a retried login request mends its own session.
        self._session.cookies.clear()
        self.site.tokens = {}
        self._in_login = True
        self._login_posts = 0
        try:
            self._mwclient(lambda: self.site.login(user, self.config.password), what)
        finally:
            self._in_login = False
        self._logged_in_as = user
        log.info("logged in to %s as %s", self.url, user)

    def _mwclient(self, action: Callable[[], Any], what: str) -> None:
        """Run an mwclient call; its errors and malformed replies become one line."""
        user = self.config.user or ""
        try:
            action()
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
                f"{what} at {self.url} failed: {exc.code}: {exc.info}", site=self.url
            ) from None
        except mwclient.errors.MaximumRetriesExceeded:
            raise SiteError(
                f"{what} at {self.url} failed: the wiki kept asking to wait (throttled)",
                site=self.url,
            ) from None
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise SiteError(
                f"the wiki at {self.url} sent a malformed reply to {what} "
                f"({type(exc).__name__}: {str(exc)[:80]})",
                site=self.url,
            ) from None

    def site_address(self) -> str:
        """The ``api.php`` URL the probe found (see :class:`~wikisync.ports.source.Site`)."""
        return self.address.api_url

    def site_identity(self) -> str | None:
        """The wiki's identity from its site information (:func:`wiki_identity`)."""
        return self.identity or None

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def __enter__(self) -> WikiClient:
        """Return the client itself: ``with WikiClient(url, config) as client:``."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the HTTP session (see :meth:`close`); an exception goes on."""
        self.close()

    # -- requests -----------------------------------------------------------

    def call(
        self,
        action: str,
        *,
        http_method: str = "GET",
        before_retry: Callable[[], object] | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """Send one API request, retrying transient faults within ``max_wait``.

        ``maxlag`` is added to every call and ``assert=user`` once logged in, so
        a lost session is noticed (and mended by logging in again) instead of
        silently reading or editing as an anonymous user.

        ``before_retry`` (when given) is called before the request is sent
        again after a transient fault: the request may have been handled and
        only its reply lost, so a caller for whom sending it twice is not safe
        (a creation) finds out there what happened; an exception it raises
        ends the call, unsent.

        Returns:
            The decoded JSON reply. API errors other than the transient ones
            are returned as they are (mwclient turns them into exceptions).

        Raises:
            SiteError: the fault persisted past the retries or ``max_wait``
                (the client then stops: later calls fail at once), or the
                wiki answered with an HTTP error such as 403 or 404.
        """
        if self.failed is not None:
            raise SiteError(
                f"{self.url}: action={action} {NOT_SENT} ({self.failed})",
                site=self.url,
            )
        if action == "login" and self._in_login:
            self._login_posts += 1
            if self._login_posts > _MAX_LOGIN_POSTS:
                raise SiteError(
                    f"the wiki at {self.url} answered {_MAX_LOGIN_POSTS} login requests "
                    "without a result (it keeps asking for a new token)",
                    site=self.url,
                )
        params = {k: v for k, v in params.items() if v is not None}
        params["action"] = action
        params["format"] = "json"
        params.setdefault("maxlag", str(self.config.maxlag))
        if self._logged_in_as and not self._in_login:
            params.setdefault("assert", "user")
        relogged = False
        url = self.address.api_url
        attempt: Callable[[float, float], Any]
        if action == "login" and self._in_login:
            attempt = self._login_attempt(url, http_method, params)
        else:

            def attempt(timeout: float, deadline: float) -> Any:
                return self._api_attempt(url, http_method, params, timeout, deadline, probe=False)

        while True:
            try:
                data = self._retrying(
                    f"action={action}", attempt, probe=False, before_retry=before_retry
                )
            except _GaveUp as exc:
                self.failed = (
                    f"action={action} failed: {exc.fault.reason}; gave up after "
                    f"{_retries(exc.retries)} in {exc.elapsed:.1f} s ({exc.why})"
                )
                if self._in_login:
                    self.failed += f" in the login of user {self.config.user or ''}"
                raise SiteError(f"{self.url}: {self.failed}", site=self.url) from None
            except _BadAddress as exc:
                if exc.tls:
                    raise LoginError(
                        f"cannot reach the wiki at {self.url}: {exc.reason}{TLS_HINT}",
                        site=self.url,
                    ) from None
                raise SiteError(
                    f"{self.url}: {exc.reason} for action={action}", site=self.url
                ) from None
            except _Redirected as exc:
                raise LoginError(
                    _redirect_message(self.url, f"action={action}", exc), site=self.url
                ) from None
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
            self._check_reply(action, params, data)
            return data

    def _check_reply(self, action: str, params: Mapping[str, Any], data: dict[str, Any]) -> None:
        """Check a reply's shape (see :func:`clean_reply`); SiteError when it cannot be used."""
        problem = clean_reply(
            action,
            data,
            version2=str(params.get("formatversion")) == "2",
            max_text=self.config.max_text_mib * 1024 * 1024,
        )
        if problem is not None:
            raise SiteError(
                f"{self.url}: malformed reply to action={action}: {problem}", site=self.url
            )

    def query(self, **params: Any) -> Iterator[dict[str, Any]]:
        """Run a query with continuation; yield each reply's ``query`` part.

        A reply is yielded with its ``batchcomplete`` flag kept, so callers that
        combine ``generator`` with ``prop`` can tell when a batch is whole.
        """
        params = dict(params)
        params.setdefault("formatversion", "2")
        cont: dict[str, Any] = {"continue": ""}
        seen: set[tuple[tuple[str, str], ...]] = set()
        replies: set[str] = set()
        idle = 0
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
            key = tuple(sorted((str(k), str(v)) for k, v in cont.items()))
            idle = idle + 1 if not data.get("query") else 0
            fingerprint = hashlib.sha256(
                json.dumps(data.get("query"), sort_keys=True, default=str).encode(
                    "utf-8", "replace"
                )
            ).hexdigest()
            again = bool(data.get("query")) and fingerprint in replies
            replies.add(fingerprint)
            if key in seen or again or idle > _MAX_IDLE_CONTINUES:
                what = "repeats an earlier one" if key in seen or again else "brings nothing new"
                shown = show_value(", ".join(f"{k}={v}" for k, v in key))
                raise SiteError(
                    f"{self.url}: the continuation of action=query {what} ({shown}): "
                    f"stopped, the wiki would be asked forever ({_describe(params)})",
                    site=self.url,
                )
            seen.add(key)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


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


def _describe(params: Mapping[str, Any]) -> str:
    """The parameters that name what a query asks for, for a message."""
    names = ("list", "generator", "prop", "titles", "pageids", "cmtitle", "gcmtitle")
    shown = [f"{k}={show_value(str(params[k]))[1:-1]}" for k in names if params.get(k)]
    return " ".join(shown) or "query"
